//! Object 508 (nuSIM): the engine's callbacks, forwarded to `nusim_core::objects`.

use crate::platform::{call, lend, lend_mut, rc, Core, CORE};

/// create_cb of 508: 0, or a negative errno for an instance the object does not have.
#[no_mangle]
pub extern "C" fn nusim_rs_508_create(inst: u16) -> i32 {
    rc(call(|s, _| s.create_508(inst)))
}

/// delete_cb of 508: the engine deleted 508/0 (it is already out of its list); it is
/// created again on the module's work queue. 0.
#[no_mangle]
pub extern "C" fn nusim_rs_508_delete(inst: u16) -> i32 {
    let _ = inst;
    call(|s, p| s.delete_508(p));
    0
}

/// read_cb of 508 resources 0, 1, 2, 3, 4 and 6: the bytes, their length in `len`.
#[no_mangle]
pub extern "C" fn nusim_rs_508_read(res: u16, len: *mut usize) -> *const u8 {
    lend(len, |s| s.read_508(res))
}

/// pre_write_cb of 508/0/4: where the engine puts the `struct lwm2m_objlnk`.
#[no_mangle]
pub extern "C" fn nusim_rs_508_pre_write_link(len: *mut usize) -> *mut u8 {
    lend_mut(len, |s| s.pre_write_link())
}

/// post_write_cb of 508/0/4: `len` bytes were written.
#[no_mangle]
pub extern "C" fn nusim_rs_508_post_write_link(len: usize) -> i32 {
    rc(call(|s, p| s.post_write_link(p, len)))
}

/// execute_cb of 508/0/5.
#[no_mangle]
pub extern "C" fn nusim_rs_508_execute() -> i32 {
    rc(Core::execute(&CORE, &mut crate::platform::Zephyr))
}
