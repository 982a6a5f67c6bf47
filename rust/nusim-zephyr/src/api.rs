//! The application's API (`include/nusim/lwm2m_nusim.h`).

use crate::config::{Proof, PROOF};
use crate::platform::{call, errno_of, rc, Core, Zephyr, CORE};
use nusim_core::platform::Error;
use nusim_core::proof::{RdEvent, RegistrationProof};

/// `lwm2m_nusim_load()`.
#[no_mangle]
pub extern "C" fn nusim_rs_load(inst: u16) -> i32 {
    rc(Core::local_load(&CORE, &mut Zephyr, inst))
}

/// `lwm2m_nusim_rollback()`.
#[no_mangle]
pub extern "C" fn nusim_rs_rollback() -> i32 {
    rc(Core::rollback(&CORE, &mut Zephyr))
}

/// `lwm2m_nusim_network_ready()`.
#[no_mangle]
pub extern "C" fn nusim_rs_network_ready() {
    Core::network_ready(&CORE, &mut Zephyr);
}

// The engine's event numbers (`enum lwm2m_rd_client_event`, the same in Zephyr 3.4 and
// 4.x; the glue checks each).
/// `LWM2M_RD_CLIENT_EVENT_BOOTSTRAP_TRANSFER_COMPLETE`
pub const RD_EVENT_BOOTSTRAP_TRANSFER_COMPLETE: i32 = 3;
/// `LWM2M_RD_CLIENT_EVENT_REGISTRATION_FAILURE`
pub const RD_EVENT_REGISTRATION_FAILURE: i32 = 4;
/// `LWM2M_RD_CLIENT_EVENT_REGISTRATION_COMPLETE`
pub const RD_EVENT_REGISTRATION_COMPLETE: i32 = 5;
/// `LWM2M_RD_CLIENT_EVENT_REG_TIMEOUT`
pub const RD_EVENT_REG_TIMEOUT: i32 = 6;
/// `LWM2M_RD_CLIENT_EVENT_REG_UPDATE_COMPLETE`
pub const RD_EVENT_REG_UPDATE_COMPLETE: i32 = 7;
/// `LWM2M_RD_CLIENT_EVENT_DISCONNECT`
pub const RD_EVENT_DISCONNECT: i32 = 9;
/// `LWM2M_RD_CLIENT_EVENT_NETWORK_ERROR`
pub const RD_EVENT_NETWORK_ERROR: i32 = 12;
/// `LWM2M_RD_CLIENT_EVENT_REG_UPDATE`
pub const RD_EVENT_REG_UPDATE: i32 = 13;

/// Which of the client's registrations prove a new profile: only those sent after the
/// last load returned ([`nusim_core::proof`]).
pub(crate) static REGISTRATION: RegistrationProof = RegistrationProof::new();

/// The client was started through `lwm2m_nusim_rd_client_start()`: its next registration
/// is a new request.
#[no_mangle]
pub extern "C" fn nusim_rs_rd_client_started() {
    REGISTRATION.event(RdEvent::Anew);
}

/// An event of the client started with `lwm2m_nusim_rd_client_start()`, on the engine's
/// thread: with CONFIG_LWM2M_NUSIM_PROOF_REGISTRATION a completed registration or update
/// whose request went out after the load proves a profile that awaits the network now
/// (stored on the module's work queue).
#[no_mangle]
pub extern "C" fn nusim_rs_rd_event(event: i32) {
    let ev = match event {
        RD_EVENT_REG_UPDATE => RdEvent::Sending,
        RD_EVENT_BOOTSTRAP_TRANSFER_COMPLETE
        | RD_EVENT_REGISTRATION_FAILURE
        | RD_EVENT_REG_TIMEOUT
        | RD_EVENT_DISCONNECT
        | RD_EVENT_NETWORK_ERROR => RdEvent::Anew,
        RD_EVENT_REGISTRATION_COMPLETE | RD_EVENT_REG_UPDATE_COMPLETE => RdEvent::Completed,
        _ => RdEvent::Other,
    };
    if matches!(
        event,
        RD_EVENT_BOOTSTRAP_TRANSFER_COMPLETE | RD_EVENT_REGISTRATION_COMPLETE
    ) {
        // A bootstrap server that deleted 508/0 is done with the client.
        Core::nusim_recreate_now(&CORE, &mut Zephyr);
    }
    if ev != RdEvent::Completed {
        REGISTRATION.event(ev);
        return;
    }
    if PROOF != Proof::Registration {
        return;
    }
    // Whether the completion proves is read under the module's lock, where a trial that
    // awaits the network has seen its load return: read before it, the freshness could
    // date from before that load.
    let proves = || REGISTRATION.event(RdEvent::Completed);
    if Core::network_ready_later_if(&CORE, &mut Zephyr, proves) == Some(false) {
        // A registration the engine made without an event before it (its own retries, a
        // resume), or an update whose request went out before the load: ask for another
        // update, whose REG_UPDATE marks it new. On the engine's thread, which holds the
        // client's lock already (it is recursive).
        crate::ffi::glue::rd_client_update();
    }
}

/// `NET_EVENT_L4_CONNECTED` (CONFIG_LWM2M_NUSIM_PROOF_L4), on network management's
/// thread: proves a profile that awaits the network now (stored on the module's work
/// queue).
#[no_mangle]
pub extern "C" fn nusim_rs_l4_connected() {
    if PROOF == Proof::L4 {
        Core::network_ready_later(&CORE, &mut Zephyr);
    }
}

// The status struct's ICCID buffers are LWM2M_NUSIM_ICCID_LEN (21) bytes.
const _: () = assert!(nusim_core::objects::ICCID_LEN == 21);

/// `struct lwm2m_nusim_status` as Rust writes it; the glue checks it against the public
/// struct field by field (`offsetof`).
#[repr(C)]
pub struct NusimRsStatus {
    /// 508/0/6.
    pub result: u8,
    /// 0 no switch; 1 loading; 2 awaiting the network; 3 loading the backup.
    pub phase: u8,
    /// Loads are refused.
    pub busy: bool,
    /// A backup package is stored.
    pub has_backup: bool,
    /// 508/0/4's instance, -1 for the null link.
    pub link: i32,
    /// 508/0/1, NUL-terminated.
    pub iccid: [u8; 21],
    /// The backup's ICCID, NUL-terminated.
    pub backup_iccid: [u8; 21],
    /// Stored 507 instances.
    pub profiles: u8,
}

/// `lwm2m_nusim_get_status()`.
#[no_mangle]
pub extern "C" fn nusim_rs_status(out: *mut NusimRsStatus) -> i32 {
    if out.is_null() {
        return errno_of(Error::Invalid);
    }
    let st = call(|s, _| s.status());
    let mut o = NusimRsStatus {
        result: st.result as u8,
        phase: st.phase,
        busy: st.busy,
        has_backup: st.backup.is_some(),
        link: st.link.map_or(-1, i32::from),
        iccid: [0; 21],
        backup_iccid: [0; 21],
        profiles: st.profiles,
    };
    o.iccid[..st.iccid.as_bytes().len()].copy_from_slice(st.iccid.as_bytes());
    if let Some(b) = st.backup {
        o.backup_iccid[..b.as_bytes().len()].copy_from_slice(b.as_bytes());
    }
    // SAFETY: non-null, and the C API's caller passes a valid struct.
    unsafe { out.write(o) };
    0
}
