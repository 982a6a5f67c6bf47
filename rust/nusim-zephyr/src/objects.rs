//! FFI callbacks of Objects 507 and 508, called by `src/lwm2m_nusim.c`.
//!
//! Writes of 507 values land in one staging text buffer (the engine's `pre_write_cb`), are
//! decoded and checked in `post_write_cb`, and only then replace the stored value; a bad
//! value answers 4.00 (`-EEXIST`) and leaves the old one. Reads re-encode into the same
//! buffer: engine requests, notifications and `lwm2m_engine_get/set` all run under the
//! registry lock, so the buffer is never in use twice.

use crate::cell::{Locked, Owned};
#[cfg(feature = "check")]
use crate::config::TRUSTED_CI_MAX;
use crate::config::{CERT_MAX_SIZE, ENCP_MAX_SIZE, PROFILE_INSTANCE_COUNT};
use crate::ffi::{
    self,
    errno::{self, E},
};
use core::ffi::{c_char, c_int};
use nusim_core::codec;
use nusim_core::field::HEADER_LEN;
use nusim_core::nusim::{ExecuteError, Nusim508, ObjLnk, Started, OBJ_NUSIM};
use nusim_core::result::{reason, DriverError, LoadResult};
use nusim_core::store::{ProfileStore, StoreError, WriteError};
use nusim_core::text::{self, Text};
#[cfg(feature = "check")]
use nusim_core::trust::TrustAnchors;

/// Wire capacity of one profile.
const WIRE: usize = HEADER_LEN + ENCP_MAX_SIZE;
/// Text room: encP as hex, plus NUL, plus one byte to detect a silently truncated value.
const TEXT_BUF: usize = Store::TEXT_MAX + 2;
// 508/0/3 is served as base64 from the shared text buffer.
const _: () = assert!(
    CERT_MAX_SIZE.div_ceil(3) * 4 < TEXT_BUF,
    "text buffer too small for the certificate"
);

type Store = ProfileStore<PROFILE_INSTANCE_COUNT, WIRE>;

/// 508 resources.
const RES_EID: u16 = 0;
const RES_ICCID: u16 = 1;
const RES_CAPS: u16 = 2;
const RES_CERT: u16 = 3;
const RES_LINK: u16 = 4;
const RES_RESULT: u16 = 6;

struct State {
    store: Store,
    nusim: Nusim508<CERT_MAX_SIZE>,
    /// Staging for writes, output of reads (see the module docs).
    text: [u8; TEXT_BUF],
    link_staging: ObjLnk,
    result_byte: u8,
    /// CI keys a package must be signed under (device-side check; empty: any).
    #[cfg(feature = "check")]
    trust: TrustAnchors<TRUSTED_CI_MAX>,
}

// All zero (see Nusim508 and ProfileStore): .bss, no flash copy.
static STATE: Locked<State> = Locked::new(State {
    store: Store::new(),
    nusim: Nusim508::new(),
    text: [0; TEXT_BUF],
    link_staging: ObjLnk {
        obj_id: 0,
        obj_inst: 0,
    },
    result_byte: 0,
    #[cfg(feature = "check")]
    trust: TrustAnchors::new(),
});

/// The package copy a load works on (length, bytes), made at execute time, so that the 507
/// instance may change or vanish meanwhile.
static WORK_PACKAGE: Owned<(usize, [u8; WIRE])> = Owned::new((0, [0; WIRE]));

/// The bytes of a C string buffer up to its NUL (or all of it).
fn cstr(b: &[u8]) -> &[u8] {
    &b[..b.iter().position(|&c| c == 0).unwrap_or(b.len())]
}

fn set_len(len: *mut usize, n: usize) {
    if !len.is_null() {
        // SAFETY: the engine passes a valid size_t pointer (checked non-null above).
        unsafe { *len = n };
    }
}

/// A driver getter of NUL-terminated text (`nusim_glue_get_eid`, `_iccid`).
type TextGetter = unsafe extern "C" fn(*mut c_char, usize) -> c_int;
/// A driver getter of bytes returning their length (`nusim_glue_get_certificate`, ...).
type BytesGetter = unsafe extern "C" fn(*mut u8, usize) -> c_int;

/// Asks the driver for a text value and keeps it in `t` if it is NUL-terminated within the
/// buffer and `valid`; otherwise logs, leaves `t` empty and returns false.
fn fetch_text<const N: usize>(
    what: &str,
    t: &mut Text<N>,
    get: TextGetter,
    valid: fn(&[u8]) -> bool,
) -> bool {
    let mut buf = [0u8; N];
    // SAFETY: buf is valid for writes of N bytes, the size passed.
    let rc = unsafe { get(buf.as_mut_ptr().cast(), N) };
    // A value that fills the buffer without a NUL was cut short: malformed.
    let ok = rc == 0 && buf.contains(&0) && valid(cstr(&buf)) && t.set(cstr(&buf));
    if !ok {
        log::error!("nuSIM {what} unavailable or malformed ({rc})");
        t.set(b"");
    }
    ok
}

fn iccid_or_none(id: &[u8]) -> bool {
    id.is_empty() || text::is_iccid(id)
}

/// Asks the driver for a byte value into `buf`; its length, or 0 (logged) on error or a
/// length beyond the buffer.
fn fetch_bytes(what: &str, buf: &mut [u8], get: BytesGetter) -> usize {
    // SAFETY: buf is valid for writes of buf.len() bytes, the size passed.
    let rc = unsafe { get(buf.as_mut_ptr(), buf.len()) };
    match usize::try_from(rc) {
        Ok(n) if n <= buf.len() => n,
        _ => {
            log::warn!("nuSIM {what} unavailable or malformed ({rc})");
            0
        }
    }
}

/// Reads the identity values from the driver into Object 508. Called once from the glue's
/// init, on the small main stack: the certificate goes straight into STATE.
#[no_mangle]
pub extern "C" fn nusim_rs_init() -> i32 {
    crate::logger::init();
    STATE.with(|s| {
        let n = &mut s.nusim;
        fetch_text("EID", &mut n.eid, ffi::nusim_glue_get_eid, text::is_eid);
        fetch_text(
            "ICCID",
            &mut n.iccid,
            ffi::nusim_glue_get_iccid,
            iccid_or_none,
        );
        n.caps_len = fetch_bytes(
            "capabilities",
            &mut n.caps,
            ffi::nusim_glue_get_capabilities,
        );
        n.cert_len = fetch_bytes("certificate", &mut n.cert, ffi::nusim_glue_get_certificate);
    });
    0
}

/// create_cb of 507: reserves the Rust side of instance `inst`. 0, -EEXIST or -ENOMEM.
#[no_mangle]
pub extern "C" fn nusim_rs_507_create(inst: u16) -> i32 {
    STATE.with(|s| match s.store.create(inst) {
        Ok(()) => 0,
        Err(StoreError::Exists) => errno::neg(E::Exist),
        Err(StoreError::Full) => errno::neg(E::NoMem),
    })
}

/// delete_cb of 507: wipes instance `inst`. If 508/0/4 pointed at it, the link dangles until
/// rewritten, and a load reports [`LoadResult::DanglingLink`]; a load already running works
/// on its own copy and is unaffected.
#[no_mangle]
pub extern "C" fn nusim_rs_507_delete(inst: u16) -> i32 {
    STATE.with(|s| {
        if s.store.delete(inst) {
            0
        } else {
            errno::neg(E::NoEnt)
        }
    })
}

/// pre_write_cb of the 507 resources: the shared staging text buffer (see the module docs).
#[no_mangle]
pub extern "C" fn nusim_rs_507_staging(_inst: u16, _res: u16, len: *mut usize) -> *mut u8 {
    set_len(len, TEXT_BUF);
    // SAFETY: only the address is taken; the engine writes through it with the registry
    // lock held, which is what every other access to STATE holds too.
    unsafe { core::ptr::addr_of_mut!((*STATE.as_ptr()).text) }.cast()
}

/// post_write_cb of 507: decodes and checks the staged text of `len` bytes (the glue passes
/// the true string length). 0, or -EEXIST (4.00) with the previous value kept.
#[no_mangle]
pub extern "C" fn nusim_rs_507_commit(inst: u16, res: u16, len: usize) -> i32 {
    STATE.with(|s| {
        if len > Store::TEXT_MAX {
            log::warn!(
                "507/{inst}/{res}: value longer than {} characters",
                Store::TEXT_MAX
            );
            return errno::neg(E::Exist);
        }
        match s.store.write_text(inst, res, &mut s.text, len) {
            Ok(()) => 0,
            Err(WriteError::NotFound) => errno::neg(E::NoEnt),
            Err(WriteError::Invalid(e)) => {
                log::warn!("507/{inst}/{res} refused: {e:?}");
                errno::neg(E::Exist)
            }
        }
    })
}

/// read_cb of 507: the value as the text it was written as (empty if never written).
#[no_mangle]
pub extern "C" fn nusim_rs_507_read(inst: u16, res: u16, len: *mut usize) -> *const u8 {
    STATE.with(|s| {
        let State { store, text, .. } = s;
        match store.read_text(inst, res, text) {
            Some(n) => {
                // Strings are served with their NUL: lwm2m_engine_get copies len - 1 chars.
                set_len(len, n + 1);
                text.as_ptr()
            }
            None => {
                set_len(len, 0);
                core::ptr::null()
            }
        }
    })
}

/// read_cb of 508 resources 0, 1, 2, 3, 4 and 6.
#[no_mangle]
pub extern "C" fn nusim_rs_508_read(res: u16, len: *mut usize) -> *const u8 {
    STATE.with(|s| {
        let n = &s.nusim;
        let (ptr, l): (*const u8, usize) = match res {
            RES_EID => (n.eid.with_nul().as_ptr(), n.eid.with_nul().len()),
            RES_ICCID => (n.iccid.with_nul().as_ptr(), n.iccid.with_nul().len()),
            RES_CAPS => (n.caps.as_ptr(), n.caps_len),
            RES_CERT => {
                let enc = codec::Encoding::Base64Padded;
                let t = codec::encode(&n.cert[..n.cert_len], enc, &mut s.text).unwrap_or(0);
                s.text[t] = 0;
                (s.text.as_ptr(), t + 1)
            }
            RES_LINK => {
                s.link_staging = n.link();
                (
                    core::ptr::addr_of!(s.link_staging).cast(),
                    core::mem::size_of::<ObjLnk>(),
                )
            }
            RES_RESULT => {
                s.result_byte = n.result() as u8;
                (&s.result_byte as *const u8, 1)
            }
            _ => (core::ptr::null(), 0),
        };
        set_len(len, l);
        ptr
    })
}

/// pre_write_cb of 508/0/4: where the engine puts the written link.
#[no_mangle]
pub extern "C" fn nusim_rs_508_link_staging(len: *mut usize) -> *mut u8 {
    set_len(len, core::mem::size_of::<ObjLnk>());
    // SAFETY: address only; written by the engine under the registry lock.
    unsafe { core::ptr::addr_of_mut!((*STATE.as_ptr()).link_staging) }.cast()
}

/// post_write_cb of 508/0/4: accepts the null link or a link to an existing 507 instance;
/// anything else answers 4.00 and keeps the previous link.
#[no_mangle]
pub extern "C" fn nusim_rs_508_link_commit() -> i32 {
    STATE.with(|s| {
        let link = s.link_staging;
        match s.nusim.set_link(link, &s.store) {
            Ok(()) => 0,
            Err(e) => {
                log::warn!("508/0/4 refused {}:{}: {e:?}", link.obj_id, link.obj_inst);
                s.link_staging = s.nusim.link();
                errno::neg(E::Exist)
            }
        }
    })
}

/// execute_cb of 508/0/5: copies the linked package and queues the load, returning at
/// once; -EPERM (4.05) while a load runs. With nothing to load the result says why.
#[no_mangle]
pub extern "C" fn nusim_rs_508_execute() -> i32 {
    let r = STATE.with(|s| {
        // SAFETY: execute writes the copy only when no load runs (checked under the registry
        // lock held here), and the work item reads it only while one runs.
        let work = unsafe { WORK_PACKAGE.get() };
        s.nusim.execute(&s.store, &mut work.1).inspect(|st| {
            if let Started::Load(n) = st {
                work.0 = *n;
            }
        })
    });
    match r {
        Ok(st) => {
            // SAFETY: plain glue functions without preconditions, called without our cell
            // borrowed (the engine lock is still held by the caller, which is allowed).
            unsafe {
                ffi::nusim_glue_notify(OBJ_NUSIM, 0, RES_RESULT);
                if let Started::Load(_) = st {
                    ffi::nusim_glue_submit_load();
                }
            }
            if let Started::Finished(res) = st {
                log::warn!(
                    "Load Profile: nothing to load: result {} ({res:?})",
                    res as u8
                );
            }
            0
        }
        Err(ExecuteError::Busy) => {
            log::warn!("Load Profile refused: a load is running");
            errno::neg(E::Perm)
        }
    }
}

fn driver_load(pkg: &[u8], iccid: &mut [u8; 22]) -> Result<usize, DriverError> {
    let mut reason_code: i32 = 0;
    // SAFETY: pkg and iccid are valid for the lengths passed; the glue NUL-terminates iccid.
    let rc = unsafe {
        ffi::nusim_glue_load(
            pkg.as_ptr(),
            pkg.len(),
            &mut reason_code,
            iccid.as_mut_ptr().cast(),
            iccid.len(),
        )
    };
    match rc {
        0 => Ok(cstr(iccid).len()),
        rc if rc == errno::neg(E::BadMsg) => Err(DriverError::Refused(
            u16::try_from(reason_code).unwrap_or(reason::GENERAL),
        )),
        rc if rc == errno::neg(E::Busy) => Err(DriverError::Busy),
        rc => Err(DriverError::Io(rc)),
    }
}

/// The load work item (module work queue): hand the copied package to the driver without
/// the registry lock, then publish the outcome.
#[no_mangle]
pub extern "C" fn nusim_rs_load_work() {
    // SAFETY: this item is queued only after execute() made the copy and marked a load
    // running; nothing writes the copy until finish() below ends it.
    let work = unsafe { WORK_PACKAGE.get() };
    let n = work.0.min(WIRE);
    let mut iccid = [0u8; 22];
    let outcome = match check(&work.1[..n]) {
        Ok(()) => driver_load(&work.1[..n], &mut iccid).map_err(LoadResult::from),
        Err(r) => Err(r),
    };
    // Wipe the copy before the load ends: it holds a profile's ciphertext and keys.
    work.1.fill(0);
    work.0 = 0;
    // After an I/O failure or timeout the chip may have installed the profile anyway: ask
    // it (without the registry lock: an AT modem may take its whole timeout) so that
    // 508/0/1 says what the chip holds.
    let mut resync = Text::<21>::new();
    let resynced = outcome == Err(LoadResult::DriverError)
        && fetch_text(
            "ICCID after a failed load",
            &mut resync,
            ffi::nusim_glue_get_iccid,
            iccid_or_none,
        );
    let (result, iccid_changed) = STATE.with(|s| {
        let before = s.nusim.iccid;
        let r = s.nusim.finish(outcome.map(|n| &iccid[..n.min(21)]));
        if resynced {
            s.nusim.iccid = resync;
        }
        (r, before.as_bytes() != s.nusim.iccid.as_bytes())
    });
    match result {
        LoadResult::Success => log::info!("nuSIM profile loaded"),
        r => log::warn!("nuSIM load failed: result {} ({r:?})", r as u8),
    }
    // SAFETY: plain glue function without preconditions.
    unsafe {
        if iccid_changed {
            ffi::nusim_glue_notify(OBJ_NUSIM, 0, RES_ICCID);
        }
        ffi::nusim_glue_notify(OBJ_NUSIM, 0, RES_RESULT);
    }
}

/// The device-side check of a package before the nuSIM sees it: KpubCI among the trusted
/// keys (asked under the registry lock), then both signatures (without it: they take a
/// while). With CONFIG_LWM2M_NUSIM_CHECK_PACKAGES off only the nuSIM checks.
#[cfg(feature = "check")]
fn check(pkg: &[u8]) -> Result<(), LoadResult> {
    use nusim_core::chain::{self, ChainError};
    let ci = chain::kpub_ci(pkg).ok_or(LoadResult::Incomplete)?;
    let trusted = STATE.with(|s| s.trust.admits(ci));
    let r = if trusted {
        chain::verify_chain(pkg)
    } else {
        Err(ChainError::UntrustedCi)
    };
    r.map_err(|e| {
        log::warn!("package refused on the device, not sent to the nuSIM: {e:?}");
        LoadResult::from(e)
    })
}

#[cfg(not(feature = "check"))]
fn check(_pkg: &[u8]) -> Result<(), LoadResult> {
    Ok(())
}

/// Installs the build-time trust anchors: `kconfig` (NUL-terminated hex keys separated by
/// spaces, commas or semicolons) and `dt` (`dt_len` bytes, 65 per key, from the nuSIM
/// node's `trusted-ci-keys`). A malformed key refuses every package until the application
/// sets valid anchors (fail closed), and says so in the log. Runs at init on the main
/// stack: keys are checked for form only (see `is_uncompressed_point_form`).
#[cfg(feature = "check")]
#[no_mangle]
pub extern "C" fn nusim_rs_trust_init(kconfig: *const c_char, dt: *const u8, dt_len: usize) {
    use nusim_core::trust::is_uncompressed_point_form as is_public_key;
    let text: &[u8] = if kconfig.is_null() {
        &[]
    } else {
        // SAFETY: non-null, and the glue passes a NUL-terminated Kconfig string literal.
        unsafe { core::ffi::CStr::from_ptr(kconfig) }.to_bytes()
    };
    let dt: &[u8] = if dt.is_null() || dt_len == 0 {
        &[]
    } else {
        // SAFETY: non-null and valid for dt_len bytes (a devicetree array in flash).
        unsafe { core::slice::from_raw_parts(dt, dt_len) }
    };
    STATE.with(|s| {
        let r = s
            .trust
            .set(dt, is_public_key)
            .and_then(|()| s.trust.add_hex(text, is_public_key));
        match r {
            Ok(()) if s.trust.keys().is_empty() => {
                log::info!("no trusted CI keys: the nuSIM alone decides which CI it trusts")
            }
            Ok(()) => log::info!("{} trusted CI key(s)", s.trust.keys().len()),
            Err(e) => {
                log::error!("trusted CI keys unusable ({e:?}): every package is refused until lwm2m_nusim_set_trusted_ci_keys()");
                s.trust.poison();
            }
        }
    });
}

/// `lwm2m_nusim_set_trusted_ci_keys()`: replaces the trusted CI keys with `count` keys of
/// 65 bytes at `keys`. 0; -EINVAL if one is not a curve point; -ENOMEM beyond
/// CONFIG_LWM2M_NUSIM_TRUSTED_CI_MAX. On error the previous set stays.
#[cfg(feature = "check")]
#[no_mangle]
pub extern "C" fn nusim_rs_trust_set(keys: *const u8, count: usize) -> i32 {
    use nusim_core::chain::is_public_key;
    use nusim_core::trust::TrustError;
    let Some(len) = count.checked_mul(nusim_core::field::POINT_LEN) else {
        return errno::neg(E::NoMem);
    };
    if count > TRUSTED_CI_MAX {
        return errno::neg(E::NoMem);
    }
    let flat: &[u8] = if count == 0 {
        &[]
    } else if keys.is_null() {
        return errno::neg(E::Inval);
    } else {
        // SAFETY: non-null and valid for count * 65 bytes (the C API's contract).
        unsafe { core::slice::from_raw_parts(keys, len) }
    };
    STATE.with(|s| match s.trust.set(flat, is_public_key) {
        Ok(()) => 0,
        Err(TrustError::TooMany) => errno::neg(E::NoMem),
        Err(e) => {
            log::warn!("trusted CI keys refused: {e:?}");
            errno::neg(E::Inval)
        }
    })
}

/// `lwm2m_nusim_trusted_ci_count()`: keys in force; -EBADMSG while the set is poisoned.
#[cfg(feature = "check")]
#[no_mangle]
pub extern "C" fn nusim_rs_trust_count() -> i32 {
    STATE.with(|s| {
        if s.trust.poisoned() {
            errno::neg(E::BadMsg)
        } else {
            i32::try_from(s.trust.keys().len()).unwrap_or(i32::MAX)
        }
    })
}
