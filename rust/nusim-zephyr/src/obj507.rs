//! Object 507 (nuSIM Profile): the engine's callbacks, forwarded to `nusim_core::objects`.

use crate::platform::{call, errno_of, lend, lend_mut, rc};
use nusim_core::objects::WriteInfo;

/// A block of a 507 write as the engine received it (filled by `src/nusim_block.c`).
#[repr(C)]
pub struct NusimRsWrite {
    /// The block's offset (0 outside Block1).
    pub offset: usize,
    /// Bytes of the request as received.
    pub received: usize,
    /// What the engine's receive buffer holds.
    pub receive_max: usize,
    /// The request's Content-Format, or -1 when it has none.
    pub content_format: i32,
    /// A Block1 block.
    pub block: bool,
    /// The last block (true outside Block1).
    pub last: bool,
}

/// create_cb of 507: the instance's slot (its engine struct's index), or a negative errno.
#[no_mangle]
pub extern "C" fn nusim_rs_507_create(inst: u16) -> i32 {
    match call(|s, p| s.create_507(p, inst)) {
        Ok(slot) => i32::try_from(slot).unwrap_or(i32::MAX),
        Err(e) => errno_of(e),
    }
}

/// delete_cb of 507.
#[no_mangle]
pub extern "C" fn nusim_rs_507_delete(inst: u16) -> i32 {
    rc(call(|s, p| s.delete_507(p, inst)))
}

/// The engine's write handler is about to write 507/`inst`/`res` (`w` non-null).
#[no_mangle]
pub extern "C" fn nusim_rs_507_begin_write(inst: u16, res: u16, w: *const NusimRsWrite) -> i32 {
    if w.is_null() {
        return errno_of(nusim_core::platform::Error::Invalid);
    }
    // SAFETY: non-null, and the glue passes a struct on its stack for this call.
    let w = unsafe { &*w };
    let info = WriteInfo {
        block: w.block.then_some((w.offset, w.last)),
        content_format: u16::try_from(w.content_format).ok(),
        received: w.received,
        receive_max: w.receive_max,
    };
    rc(call(|s, p| s.begin_write_507(p, inst, res, info)))
}

/// The engine's write handler returned.
#[no_mangle]
pub extern "C" fn nusim_rs_507_end_write() {
    call(|s, _| s.end_write_507());
}

/// pre_write_cb of 507: where the engine writes the text, and its room in `len`.
#[no_mangle]
pub extern "C" fn nusim_rs_507_pre_write(len: *mut usize) -> *mut u8 {
    lend_mut(len, |s| s.pre_write_507())
}

/// post_write_cb of 507: `len` characters were written.
#[no_mangle]
pub extern "C" fn nusim_rs_507_post_write(inst: u16, res: u16, len: usize) -> i32 {
    rc(call(|s, p| s.post_write_507(p, inst, res, len)))
}

/// read_cb of 507: the text with its NUL, its length in `len` (0 and null: none).
#[no_mangle]
pub extern "C" fn nusim_rs_507_read(inst: u16, res: u16, len: *mut usize) -> *const u8 {
    lend(len, |s| s.read_507(inst, res))
}
