//! [`Platform`] over the C glue, the objects' one static, and the mapping of their errors
//! to the errno the engine turns into CoAP codes.

use crate::cell::Locked;
use crate::config::{
    CERT_MAX_SIZE, DRIVER_WAIT_MS, ENCP_MAX_SIZE, FALLBACK_ATTEMPTS, FALLBACK_RETRY_S,
    NETWORK_TIMEOUT_S, PERSIST, POLICY_RETRY_S, PROFILE_INSTANCE_COUNT,
};
use crate::ffi::errno::{self, E};
use crate::ffi::glue;
use nusim_core::field::HEADER_LEN;
use nusim_core::nusim::OBJ_NUSIM;
use nusim_core::objects::{self, cstr, Objects};
use nusim_core::persist::{self, Key};
use nusim_core::platform::{Error, Platform, Source, Work};
use nusim_core::result::{reason, DriverError, LoadResult};

/// Wire capacity of one profile.
pub(crate) const WIRE: usize = HEADER_LEN + ENCP_MAX_SIZE;

/// Trusted CI keys held: none without the device-side checks.
#[cfg(feature = "check")]
const KEYS: usize = crate::config::TRUSTED_CI_MAX;
#[cfg(not(feature = "check"))]
const KEYS: usize = 0;

/// The objects as configured by Kconfig.
pub type Core = Objects<
    PROFILE_INSTANCE_COUNT,
    WIRE,
    CERT_MAX_SIZE,
    KEYS,
    { objects::staging_len(WIRE) },
    { objects::reads_len(PROFILE_INSTANCE_COUNT, WIRE) },
    { objects::cert_text_len(CERT_MAX_SIZE) },
>;

// CONFIG_LWM2M_NUSIM_ENCP_MAX_SIZE is capped in Kconfig so that a package slot is one
// settings entry that fits a 4 KB NVS sector.
const _: () = assert!(
    !PERSIST || persist::slot_fits_nvs_sector(ENCP_MAX_SIZE),
    "CONFIG_LWM2M_NUSIM_ENCP_MAX_SIZE too large for a package slot in one NVS sector"
);

/// The objects. All zero: `.bss`, no flash copy.
pub static CORE: Locked<Core, WIRE> = Locked::new(Core::new());

/// The platform: the C glue. A unit: every call reaches a static.
pub struct Zephyr;

/// Runs `f` on the objects and the platform, then sends the notifications it asked for.
pub fn call<Y>(f: impl FnOnce(&mut Core, &mut Zephyr) -> Y) -> Y {
    Core::locked(&CORE, &mut Zephyr, f)
}

/// Hands the engine (or the settings handler) the bytes `f` picks out of the objects, for
/// reading: their address, with their length in `len` (null and 0: none). The engine reads
/// them while it holds the registry lock; no Rust reference into the state is live then.
pub fn lend(
    len: *mut usize,
    f: impl for<'a> FnOnce(&'a mut Core) -> Option<&'a [u8]>,
) -> *const u8 {
    let (ptr, n) = call(|s, _| f(s).map_or((core::ptr::null(), 0), |b| (b.as_ptr(), b.len())));
    crate::ffi::set_len(len, n);
    ptr
}

/// As [`lend`], for bytes the engine writes (pre-write places, the record buffer).
pub fn lend_mut(len: *mut usize, f: impl for<'a> FnOnce(&'a mut Core) -> &'a mut [u8]) -> *mut u8 {
    let (ptr, n) = call(|s, _| {
        let b = f(s);
        (b.as_mut_ptr(), b.len())
    });
    crate::ffi::set_len(len, n);
    ptr
}

/// The negative errno of `e`: what the engine answers (see [`Error`]).
pub fn errno_of(e: Error) -> i32 {
    errno::neg(match e {
        Error::BadValue | Error::Exists => E::Exist,
        Error::NotFound => E::NoEnt,
        Error::NoRoom => E::NoMem,
        Error::Storage => E::Io,
        Error::Incomplete => E::Fault,
        Error::TooLarge => E::FBig,
        Error::NotSupported => E::NotSup,
        Error::Busy => E::Busy,
        Error::NotPermitted => E::Perm,
        Error::Invalid => E::Inval,
        Error::Poisoned => E::BadMsg,
    })
}

/// 0 or the negative errno.
pub fn rc(r: Result<(), Error>) -> i32 {
    r.map_or_else(errno_of, |()| 0)
}

fn record_name(key: Key) -> [u8; persist::NAME_MAX + 1] {
    let mut name = [0u8; persist::NAME_MAX + 1];
    key.name(&mut name);
    name
}

fn ok_or_errno(rc: i32) -> Result<(), i32> {
    if rc < 0 {
        Err(rc)
    } else {
        Ok(())
    }
}

impl Platform for Zephyr {
    const PERSIST: bool = PERSIST;
    const NETWORK_TIMEOUT_S: u32 = NETWORK_TIMEOUT_S;
    const FALLBACK_ATTEMPTS: u8 = FALLBACK_ATTEMPTS;
    const FALLBACK_RETRY_S: u32 = FALLBACK_RETRY_S;
    const POLICY_RETRY_S: u32 = POLICY_RETRY_S;
    const DRIVER_WAIT_MS: u32 = DRIVER_WAIT_MS;
    const CHECK_PACKAGES: bool = cfg!(feature = "check");
    const LOG_LEVEL: u8 = crate::config::LOG_LEVEL;

    fn save(&mut self, key: Key, rec: Option<&[u8]>) -> Result<(), i32> {
        ok_or_errno(glue::save(&record_name(key), rec))
    }

    fn read(&mut self, key: Key, buf: &mut [u8]) -> Result<usize, i32> {
        let n = glue::read_record(&record_name(key), buf);
        usize::try_from(n).map_err(|_| n)
    }

    fn open_records(&mut self) -> Result<(), i32> {
        ok_or_errno(glue::open_records())
    }

    fn read_records(&mut self) -> Result<(), i32> {
        crate::read_back::reading(|| ok_or_errno(glue::load_records()))
    }

    fn nusim_load(
        &mut self,
        package: &[u8],
        iccid: &mut [u8; objects::ICCID_ANSWER_LEN],
    ) -> Result<usize, DriverError> {
        let mut why = 0;
        let rc = glue::load(package, &mut why, iccid);
        // Registration requests in flight went out before the new profile.
        crate::api::REGISTRATION.load_returned();
        match rc {
            0 => Ok(cstr(iccid).len()),
            rc if rc == errno::neg(E::BadMsg) => Err(DriverError::Refused(
                u16::try_from(why).unwrap_or(reason::GENERAL),
            )),
            rc if rc == errno::neg(E::Busy) => Err(DriverError::Busy),
            rc => Err(DriverError::Io(rc)),
        }
    }

    fn nusim_eid(&mut self, buf: &mut [u8]) -> Result<(), i32> {
        ok_or_errno(glue::eid(buf))
    }

    fn nusim_iccid(&mut self, buf: &mut [u8]) -> Result<(), i32> {
        ok_or_errno(glue::iccid(buf))
    }

    fn nusim_certificate(&mut self, buf: &mut [u8]) -> Result<usize, i32> {
        let n = glue::certificate(buf);
        usize::try_from(n).map_err(|_| n)
    }

    fn nusim_capabilities(&mut self, buf: &mut [u8]) -> Result<usize, i32> {
        let n = glue::capabilities(buf);
        usize::try_from(n).map_err(|_| n)
    }

    fn notify(&mut self, res: u16) {
        glue::notify(OBJ_NUSIM, 0, res);
    }

    fn create_profile(&mut self, inst: u16) -> Result<(), i32> {
        ok_or_errno(glue::create_profile(inst))
    }

    fn create_nusim(&mut self) -> Result<(), i32> {
        ok_or_errno(glue::create_nusim())
    }

    fn submit(&mut self, work: Work, delay_ms: u32) {
        glue::submit(work as u8, delay_ms);
    }

    fn cancel(&mut self, work: Work) {
        glue::cancel(work as u8);
    }

    fn sleep_ms(&mut self, ms: u32) {
        glue::sleep_ms(ms);
    }

    fn uptime_ms(&mut self) -> u64 {
        glue::uptime_ms()
    }

    fn policy(&mut self, source: Source, inst: u16) -> Option<i32> {
        // A Rust application's callbacks (crate::app), else the C API's.
        match crate::app::installed() {
            Some(cb) => Some(cb.ask(source, inst) as i32),
            None => glue::policy(source as u8, inst),
        }
    }

    fn report(&mut self, source: Source, inst: u16, result: LoadResult, iccid: &[u8]) {
        match crate::app::installed() {
            Some(cb) => cb.tell(source, inst, result, iccid),
            None => glue::report(source as u8, inst, result as u8, iccid),
        }
    }

    fn reach_network(&mut self) {
        if crate::config::PROOF == crate::config::Proof::Registration {
            // Its answer, over the profile the nuSIM holds now, is the proof
            // (crate::api::nusim_rs_rd_event).
            glue::rd_client_update();
        }
    }

    fn log(&mut self, level: nusim_core::log::Level, line: &[u8]) {
        crate::logger::line(level, line);
    }

    #[cfg(feature = "check-psa")]
    fn verify_signature(
        &mut self,
        key: &[u8; nusim_core::field::POINT_LEN],
        digest: &[u8; nusim_core::chain::DIGEST_LEN],
        sig: &[u8; nusim_core::field::SIG_LEN],
    ) -> nusim_core::chain::Verdict {
        crate::psa::verify(key, digest, sig)
    }
}
