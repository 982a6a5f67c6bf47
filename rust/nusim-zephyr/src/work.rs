//! Init, start and the module's work items.

use crate::platform::{call, Core, Zephyr, CORE};
use nusim_core::platform::Work;

/// Work items of the module's work queue (`nusim_core::platform::Work`), one delayable
/// work item each in `src/nusim_bridge.c`.
pub const NUSIM_WORK_COUNT: usize = 5;
const _: () = assert!(NUSIM_WORK_COUNT == Work::ALL.len());

/// Reads the nuSIM's identity into Object 508 (glue init, before the engine runs).
#[no_mangle]
pub extern "C" fn nusim_rs_init() {
    call(|s, p| s.init(p));
}

/// Reads the records back, creates the stored 507 instances in the engine, and resumes a
/// switch a restart cut short (glue init, after 508/0 exists).
#[no_mangle]
pub extern "C" fn nusim_rs_start() {
    Core::start(&CORE, &mut Zephyr);
}

/// Work item `work` (`enum nusim_core::platform::Work`) runs on the module's work queue.
#[no_mangle]
pub extern "C" fn nusim_rs_work(work: u8) {
    if let Some(w) = Work::ALL.get(usize::from(work)) {
        Core::work(&CORE, &mut Zephyr, *w);
    }
}
