//! The AT modem emulator for the twister suite `tests/nusim_at`: the simulated chip behind
//! the AT dialect (`nusim_sim::at_emul`), fed from the emulated UART by the test's C code.
//! Test builds only (Kconfig NUSIM_AT_EMULATOR).

use crate::cell::Owned;
use crate::config::ENCP_MAX_SIZE;
use core::ffi::c_char;
use nusim_core::field::HEADER_LEN;
use nusim_sim::at_emul::{AtModem, Fault};
use nusim_sim::{SimNusim, TEST_IDENTITY};

/// One command line: SETPROFILE of the largest package as hex, plus its prefix.
const LINE: usize = 2 * (HEADER_LEN + ENCP_MAX_SIZE) + 32;

static MODEM: Owned<AtModem<LINE>> = Owned::new(AtModem::new(SimNusim::new(&TEST_IDENTITY, false)));
static PLAIN: Owned<[u8; ENCP_MAX_SIZE]> = Owned::new([0; ENCP_MAX_SIZE]);

/// Feeds bytes the driver sent; writes the modem's answers to `out` and returns their whole
/// length: past `size` bytes they are dropped (the caller counts the difference as lost).
/// The caller serialises every `nusim_at_emul_rs_*` call (the test's modem lock).
#[no_mangle]
pub extern "C" fn nusim_at_emul_rs_feed(
    data: *const u8,
    len: usize,
    out: *mut u8,
    size: usize,
) -> usize {
    if data.is_null() || out.is_null() {
        return 0;
    }
    // SAFETY: the test calls the emulator from one context at a time: its modem work item
    // and every other call (fault, reset, command count) hold the test's modem lock
    // (tests/nusim_at/src/main.c).
    let (modem, plain) = unsafe { (MODEM.get(), PLAIN.get()) };
    // SAFETY: the C caller passes buffers valid for len and size bytes.
    let (data, out) = unsafe {
        (
            core::slice::from_raw_parts(data, len),
            core::slice::from_raw_parts_mut(out, size),
        )
    };
    let (mut n, mut total) = (0, 0usize);
    modem.feed(data, plain, &mut |b: &[u8]| {
        let k = b.len().min(out.len() - n);
        out[n..n + k].copy_from_slice(&b[..k]);
        n += k;
        total = total.saturating_add(b.len());
    });
    total
}

/// Sets the misbehaviour (`Fault` number) and the code `CmeError` answers. Serialised by
/// the caller, as every `nusim_at_emul_rs_*` call.
#[no_mangle]
pub extern "C" fn nusim_at_emul_rs_set_fault(fault: u8, code: u16) {
    // SAFETY: as in nusim_at_emul_rs_feed.
    let m = unsafe { MODEM.get() };
    m.fault = Fault::from_u8(fault);
    m.error_code = code;
}

/// Puts a fresh chip behind the modem, holding `iccid` (NUL-terminated, or NULL: none),
/// refusing reprovisioning if `single_profile`. Serialised by the caller, as every
/// `nusim_at_emul_rs_*` call.
#[no_mangle]
pub extern "C" fn nusim_at_emul_rs_reset(single_profile: bool, iccid: *const c_char) {
    // SAFETY: as in nusim_at_emul_rs_feed.
    let m = unsafe { MODEM.get() };
    *m = AtModem::new(SimNusim::new(&TEST_IDENTITY, single_profile));
    if !iccid.is_null() {
        // SAFETY: non-null and NUL-terminated (the C caller's contract).
        let id = unsafe { core::ffi::CStr::from_ptr(iccid) }.to_bytes();
        m.sim().preload(id);
    }
}

/// Complete command lines the modem received since the last reset. Serialised by the
/// caller, as every `nusim_at_emul_rs_*` call.
#[no_mangle]
pub extern "C" fn nusim_at_emul_rs_commands() -> u32 {
    // SAFETY: as in nusim_at_emul_rs_feed.
    unsafe { MODEM.get() }.commands
}
