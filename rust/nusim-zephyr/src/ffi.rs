//! Functions of the C glue and of Zephyr that the Rust side calls.

use core::ffi::{c_char, c_int};

// src/lwm2m_nusim.c and the engine: only with CONFIG_LWM2M_NUSIM.
#[cfg(feature = "objects")]
extern "C" {
    /// `lwm2m_registry_lock()`: the engine's recursive registry mutex.
    pub fn lwm2m_registry_lock();
    /// `lwm2m_registry_unlock()`.
    pub fn lwm2m_registry_unlock();

    /// Notifies observers of `obj/inst/res` (glue over `lwm2m_notify_observer_path`).
    pub fn nusim_glue_notify(obj: u16, inst: u16, res: u16);
    /// Queues the load work item on the module's work queue.
    pub fn nusim_glue_submit_load();
    /// Loads `pkg` through the chosen nuSIM driver. 0, or a negative errno; on -EBADMSG
    /// `reason` holds the nuSIM's reason code. On success `iccid` holds a NUL-terminated ICCID.
    pub fn nusim_glue_load(
        pkg: *const u8,
        len: usize,
        reason: *mut i32,
        iccid: *mut c_char,
        iccid_size: usize,
    ) -> c_int;
    /// Driver getters: NUL-terminated text into `buf` (0 or negative errno).
    pub fn nusim_glue_get_eid(buf: *mut c_char, size: usize) -> c_int;
    /// See [`nusim_glue_get_eid`].
    pub fn nusim_glue_get_iccid(buf: *mut c_char, size: usize) -> c_int;
    /// Driver getters: bytes into `buf`; the length, or a negative errno.
    pub fn nusim_glue_get_certificate(buf: *mut u8, size: usize) -> c_int;
    /// See [`nusim_glue_get_certificate`].
    pub fn nusim_glue_get_capabilities(buf: *mut u8, size: usize) -> c_int;

    /// Stores `len` bytes at `data` as settings entry `name` (NUL-terminated); `data` null
    /// deletes it. 0 or a negative errno (-ENOTSUP without persistence).
    pub fn nusim_glue_save(name: *const c_char, data: *const u8, len: usize) -> c_int;
    /// Reads settings entry `name` into `buf` (at most `size` bytes). Its length (larger
    /// than `size` if it did not fit), or a negative errno (-ENOENT: none).
    pub fn nusim_glue_read_record(name: *const c_char, buf: *mut u8, size: usize) -> c_int;
    /// Arms the network deadline (CONFIG_LWM2M_NUSIM_NETWORK_TIMEOUT); on expiry the work
    /// queue calls `nusim_rs_network_timeout`.
    pub fn nusim_glue_arm_network_timer();
    /// Asks the application's policy about a load: 0 allow, 1 deny, 2 defer.
    pub fn nusim_glue_policy(source: u8, inst: u16) -> c_int;
    /// Queues the load work item after `ms` milliseconds (a retry of the backup's load).
    pub fn nusim_glue_submit_load_after(ms: u32);
    /// Sleeps `ms` milliseconds (work queue only).
    pub fn nusim_glue_sleep_ms(ms: u32);
    /// `k_uptime_get()`.
    pub fn nusim_glue_uptime_ms() -> i64;
    /// Creates 507 instance `inst` in the engine again, from the work queue (after a delete
    /// that could not reach storage).
    pub fn nusim_glue_recreate_profile(inst: u16);
    /// Queues the report work item (result callbacks) on the module's work queue.
    pub fn nusim_glue_submit_report();
    /// The calling thread's identity (`k_current_get()`), compared, never dereferenced.
    pub fn nusim_glue_current_thread() -> *const core::ffi::c_void;
    /// Queues the load work item again after CONFIG_LWM2M_NUSIM_POLICY_RETRY seconds.
    pub fn nusim_glue_defer_load();
    /// Tells the application's result callback how a load ended (`iccid` may be null).
    pub fn nusim_glue_report(source: u8, inst: u16, result: u8, iccid: *const c_char);
}

// src/nusim_glue.c: in every build with CONFIG_NUSIM.
extern "C" {
    /// Logs a NUL-terminated message at `level` (1 error .. 4 debug) in the module's log.
    pub fn nusim_glue_log(level: c_int, msg: *const c_char);
    /// Stops the system (k_panic).
    pub fn nusim_glue_fatal() -> !;
}

/// errno values of the C library the application links (they differ between Zephyr's
/// minimal libc, newlib and picolibc), read from a table the C glue fills with `<errno.h>`.
pub mod errno {
    /// Index of each value in `nusim_errno_table` (same order in `src/nusim_glue.c`).
    #[derive(Clone, Copy)]
    #[repr(usize)]
    // Mirrors the whole C table; not every feature set uses every value.
    #[allow(dead_code)]
    pub enum E {
        /// Operation not permitted: 4.05.
        Perm = 0,
        /// No such entry: 4.04.
        NoEnt = 1,
        /// Out of memory / no free slot.
        NoMem = 2,
        /// Busy.
        Busy = 3,
        /// Exists / bad value: the engine answers 4.00 Bad Request.
        Exist = 4,
        /// Invalid argument.
        Inval = 5,
        /// Bad message: the nuSIM refused the package.
        BadMsg = 6,
        /// I/O error, or an answer that could not be parsed.
        Io = 7,
        /// No answer in time.
        TimedOut = 8,
        /// Not supported in this build.
        NotSup = 9,
        /// A block out of order: the engine answers 4.08 Request Entity Incomplete.
        Fault = 10,
    }

    extern "C" {
        /// Filled by the C glue from `<errno.h>`.
        static nusim_errno_table: [i32; 11];
    }

    /// The negative errno for `e`, as Zephyr's APIs return it.
    pub fn neg(e: E) -> i32 {
        // SAFETY: an immutable, initialised C array of exactly 11 ints; index < 11 (E).
        -unsafe { nusim_errno_table[e as usize] }
    }
}
