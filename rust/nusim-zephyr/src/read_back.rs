//! The settings handler's side of reading the records back at start.
//!
//! Lock order: the engine's registry lock, then the settings subsystem's lock. Records are
//! saved with the registry lock held (a 507 write is stored before the engine acknowledges
//! it), so the handler must never take the registry lock inside a `settings_load()`: it
//! acts only on the thread of the module's own reading back, which holds the registry lock
//! around `settings_load_subtree()` (`nusim_core::objects::Objects::start`). Records from
//! anybody else's `settings_load()` are ignored before any lock is taken: RAM is
//! authoritative by then.

use crate::ffi::{glue, set_len};
use crate::platform::{call, lend_mut};
use core::ffi::{c_char, c_void};
use core::sync::atomic::{AtomicPtr, Ordering};

/// The thread reading the records back (null outside it).
static READER: AtomicPtr<c_void> = AtomicPtr::new(core::ptr::null_mut());

/// Runs `f` (the settings subsystem's load) as the module's own reading back.
pub fn reading<R>(f: impl FnOnce() -> R) -> R {
    READER.store(glue::current_thread().cast_mut(), Ordering::Release);
    let r = f();
    READER.store(core::ptr::null_mut(), Ordering::Release);
    r
}

/// True if the caller is the module's own reading back.
fn ours() -> bool {
    let r = READER.load(Ordering::Acquire);
    !r.is_null() && core::ptr::eq(r, glue::current_thread())
}

/// The buffer the settings handler reads a record into, and its size; null (size 0)
/// outside the module's own reading back, so the handler reads nothing then.
#[no_mangle]
pub extern "C" fn nusim_rs_record_buf(size: *mut usize) -> *mut u8 {
    if !ours() {
        set_len(size, 0);
        return core::ptr::null_mut();
    }
    // The handler writes through the pointer on this thread, which holds the registry
    // lock for the whole reading back.
    lend_mut(size, |s| s.record_buf())
}

/// The settings handler read record `key` (relative to `nusim/`): `len` bytes in the
/// record buffer, or negative (the backend's error, -EFBIG: larger than the buffer).
#[no_mangle]
pub extern "C" fn nusim_rs_settings_record(key: *const c_char, len: isize) -> i32 {
    if key.is_null() || !ours() {
        return 0;
    }
    // SAFETY: non-null; the settings subsystem passes a NUL-terminated name.
    let name = unsafe { core::ffi::CStr::from_ptr(key) }.to_bytes();
    let len = usize::try_from(len).map_err(|_| i32::try_from(len).unwrap_or(i32::MIN));
    call(|s, p| s.read_back_record(p, name, len));
    0
}
