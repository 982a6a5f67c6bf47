//! Rust half of the AT-command nuSIM driver (`drivers/nusim/nusim_at.c`): the C driver owns
//! the device, the UART and the receive path; this side writes the commands and parses the
//! answers (`nusim-at`), with a deadline on every command.

use crate::cell::Owned;
use crate::config::AT_LINE_MAX;
use crate::ffi::errno::{self, E};
use core::ffi::{c_int, c_void};
use nusim_at::{transact, AtError, LineBuf, Port, Request};
use nusim_core::log::Arg;

extern "C" {
    /// Sends `len` bytes on the modem's UART. 0 or a negative errno.
    fn nusim_at_glue_write(dev: *const c_void, data: *const u8, len: usize) -> c_int;
    /// Waits up to `timeout_ms` for received bytes and copies up to `size` of them to `buf`:
    /// the count (0: time ran out) or a negative errno.
    fn nusim_at_glue_read(dev: *const c_void, buf: *mut u8, size: usize, timeout_ms: u32) -> c_int;
    /// Drops received bytes nobody read yet.
    fn nusim_at_glue_discard(dev: *const c_void);
    /// `k_uptime_get()`.
    fn nusim_at_glue_uptime_ms() -> i64;
}

/// The line buffer all AT modems share: the C driver serialises every call with one mutex.
static LINES: Owned<LineBuf<AT_LINE_MAX>> = Owned::new(LineBuf::new());

/// The UART link of one modem device.
struct Uart(*const c_void);

impl Port for Uart {
    fn write(&mut self, data: &[u8]) -> Result<(), i32> {
        // SAFETY: data is valid for data.len() bytes; self.0 is the device the C driver gave.
        match unsafe { nusim_at_glue_write(self.0, data.as_ptr(), data.len()) } {
            0 => Ok(()),
            e => Err(e),
        }
    }

    fn read(&mut self, buf: &mut [u8], timeout_ms: u32) -> Result<usize, i32> {
        // SAFETY: buf is valid for writes of buf.len() bytes.
        let n = unsafe { nusim_at_glue_read(self.0, buf.as_mut_ptr(), buf.len(), timeout_ms) };
        usize::try_from(n).map_err(|_| n)
    }

    fn discard_input(&mut self) {
        // SAFETY: plain glue function on the driver's own device.
        unsafe { nusim_at_glue_discard(self.0) }
    }

    fn now_ms(&mut self) -> u64 {
        // SAFETY: plain kernel call without preconditions.
        u64::try_from(unsafe { nusim_at_glue_uptime_ms() }).unwrap_or(0)
    }
}

/// Runs request `req` (0 SETPROFILE, 1 GETEID, 2 NCCID, 3 GETCERTIFICATE, 4
/// GETCAPABILITIES) on modem `dev` within `timeout_ms`. The answer's value goes to `out`
/// (text NUL-terminated). Returns its length; -EBADMSG with `*reason` = the modem's code
/// (`+CME ERROR: <n>`, or 4 for `ERROR`); -ETIMEDOUT; -EIO for a malformed answer; -ENOMEM
/// if `out` is too small; -EINVAL for bad arguments; or the UART's errno.
#[no_mangle]
pub extern "C" fn nusim_at_rs_request(
    dev: *const c_void,
    req: u8,
    pkg: *const u8,
    pkg_len: usize,
    out: *mut u8,
    out_size: usize,
    timeout_ms: u32,
    reason: *mut i32,
) -> c_int {
    let req = match req {
        0 => Request::SetProfile,
        1 => Request::GetEid,
        2 => Request::GetIccid,
        3 => Request::GetCertificate,
        4 => Request::GetCapabilities,
        _ => return errno::neg(E::Inval),
    };
    if out.is_null() || reason.is_null() || (pkg.is_null() && pkg_len > 0) {
        return errno::neg(E::Inval);
    }
    let pkg: &[u8] = if pkg_len == 0 {
        &[]
    } else {
        // SAFETY: non-null and valid for pkg_len bytes (the driver API's contract).
        unsafe { core::slice::from_raw_parts(pkg, pkg_len) }
    };
    // SAFETY: non-null and valid for out_size bytes (the driver API's contract).
    let out = unsafe { core::slice::from_raw_parts_mut(out, out_size) };
    // SAFETY: the C driver holds its one AT mutex around every call of this function.
    let lines = unsafe { LINES.get() };
    let r = transact(&mut Uart(dev), lines, req, pkg, out, timeout_ms);
    match r {
        Ok(n) => c_int::try_from(n).unwrap_or(c_int::MAX),
        Err(e) => {
            crate::logger::log(
                nusim_core::log::Level::Warn,
                "AT {}: {}",
                &[Arg::from(&req), Arg::from(&e)],
            );
            match e {
                AtError::Modem(code) => {
                    // SAFETY: checked non-null above; the caller's int32_t.
                    unsafe { *reason = i32::from(code) };
                    errno::neg(E::BadMsg)
                }
                AtError::Timeout => errno::neg(E::TimedOut),
                AtError::Malformed | AtError::Overlong => errno::neg(E::Io),
                AtError::TooLarge => errno::neg(E::NoMem),
                AtError::Port(rc) => rc,
            }
        }
    }
}
