//! Rust half of the simulated nuSIM driver (`drivers/nusim/nusim_sim.c`): the C driver
//! owns the device, its devicetree instance and a mutex, and calls these with the mutex held.
//! For tests and demos only; see `nusim-sim` for the scheme.

use crate::cell::Owned;
use crate::config::ENCP_MAX_SIZE;
use crate::ffi::errno::{self, E};
use core::ffi::c_char;
use nusim_sim::{SimNusim, TEST_IDENTITY};

/// The chip; `None` until the driver's init (a few bytes of `.data`).
static SIM: Owned<Option<SimNusim>> = Owned::new(None);
/// Plaintext scratch of a load: zero, so in `.bss`, never on a stack.
static PLAIN: Owned<[u8; ENCP_MAX_SIZE]> = Owned::new([0; ENCP_MAX_SIZE]);

/// Runs `f` on the chip and the scratch buffer, or answers -EINVAL before the driver's init.
fn with_sim(f: impl FnOnce(&mut SimNusim, &mut [u8; ENCP_MAX_SIZE]) -> i32) -> i32 {
    // SAFETY: the C driver calls every nusim_sim_rs_* function with its device mutex held
    // (init runs before any other call), and devicetree allows one simulated instance (the
    // driver BUILD_ASSERTs it): these are the only references while `f` runs.
    let (sim, plain) = unsafe { (SIM.get(), PLAIN.get()) };
    match sim {
        Some(chip) => f(chip, plain),
        None => errno::neg(E::Inval),
    }
}

fn put(dst: *mut u8, size: usize, src: &[u8], nul: bool) -> i32 {
    let need = src.len() + usize::from(nul);
    if dst.is_null() || size < need {
        return errno::neg(E::NoMem);
    }
    // SAFETY: dst is valid for `size` >= need bytes (the C API's contract), src for src.len().
    unsafe {
        core::ptr::copy_nonoverlapping(src.as_ptr(), dst, src.len());
        if nul {
            *dst.add(src.len()) = 0;
        }
    }
    i32::try_from(src.len()).unwrap_or(i32::MAX)
}

/// (Re)initialises the chip with the profile `initial_iccid` (NUL-terminated; "" or NULL
/// for none); `single_profile` refuses reprovisioning (545).
#[no_mangle]
pub extern "C" fn nusim_sim_rs_init(single_profile: bool, initial_iccid: *const c_char) {
    // SAFETY: called by the driver's init, before any other nusim_sim_rs_* call, with the
    // device mutex initialised and held by nobody else.
    let s = unsafe { SIM.get() }.insert(SimNusim::new(&TEST_IDENTITY, single_profile));
    if initial_iccid.is_null() {
        return;
    }
    // SAFETY: non-null, and the C side passes a NUL-terminated devicetree string.
    let iccid = unsafe { core::ffi::CStr::from_ptr(initial_iccid) }.to_bytes();
    if !iccid.is_empty() && !s.preload(iccid) {
        crate::logger::log(
            nusim_core::log::Level::Error,
            "simulated nuSIM: initial-iccid is not 18..20 digits, ignored",
            &[],
        );
    }
}

/// Loads a package. 0 with the ICCID in `iccid`; -EBADMSG with `reason` set if refused.
#[no_mangle]
pub extern "C" fn nusim_sim_rs_load(
    pkg: *const u8,
    len: usize,
    reason: *mut i32,
    iccid: *mut c_char,
    iccid_size: usize,
) -> i32 {
    if pkg.is_null() || reason.is_null() {
        return errno::neg(E::Inval);
    }
    // SAFETY: the caller passes `len` readable bytes at pkg (checked non-null above).
    let pkg = unsafe { core::slice::from_raw_parts(pkg, len) };
    with_sim(|sim, plain| match sim.load(pkg, plain) {
        Ok(id) => {
            // SAFETY: reason checked non-null above.
            unsafe { *reason = 0 };
            put(iccid.cast(), iccid_size, id, true).min(0)
        }
        Err(r) => {
            // SAFETY: reason checked non-null above.
            unsafe { *reason = i32::from(r) };
            errno::neg(E::BadMsg)
        }
    })
}

/// The EID, NUL-terminated.
#[no_mangle]
pub extern "C" fn nusim_sim_rs_eid(buf: *mut c_char, size: usize) -> i32 {
    with_sim(|s, _| put(buf.cast(), size, s.identity().eid.as_bytes(), true).min(0))
}

/// The current ICCID, NUL-terminated (empty before the first load).
#[no_mangle]
pub extern "C" fn nusim_sim_rs_iccid(buf: *mut c_char, size: usize) -> i32 {
    with_sim(|s, _| put(buf.cast(), size, s.iccid(), true).min(0))
}

/// The certificate (DER); returns its length.
#[no_mangle]
pub extern "C" fn nusim_sim_rs_certificate(buf: *mut u8, size: usize) -> i32 {
    with_sim(|s, _| put(buf, size, s.identity().cert_der, false))
}

/// The capabilities (version, features); returns their length.
#[no_mangle]
pub extern "C" fn nusim_sim_rs_capabilities(buf: *mut u8, size: usize) -> i32 {
    with_sim(|s, _| put(buf, size, &s.identity().capabilities, false))
}

/// Forgets the current profile (the test fault of `nusim_sim_fail_next()`).
#[no_mangle]
pub extern "C" fn nusim_sim_rs_wipe() {
    with_sim(|s, _| {
        s.wipe();
        0
    });
}
