//! Functions of the C glue and of Zephyr that the Rust side calls, and safe wrappers
//! around them: `unsafe` stays here, where a raw pointer crosses the seam.

use core::ffi::{c_char, c_int};

/// The glue of the objects (`src/nusim_bridge.c`, `src/nusim_settings.c`) and the engine:
/// only with CONFIG_LWM2M_NUSIM. Declared for C in `src/nusim_glue.h`.
#[cfg(feature = "objects")]
mod sys {
    use core::ffi::{c_char, c_int, c_void};
    extern "C" {
        pub fn lwm2m_registry_lock();
        pub fn lwm2m_registry_unlock();
        pub fn nusim_glue_notify(obj: u16, inst: u16, res: u16);
        pub fn nusim_glue_create_profile(inst: u16) -> c_int;
        pub fn nusim_glue_create_nusim() -> c_int;
        pub fn nusim_glue_load(
            pkg: *const u8,
            len: usize,
            reason: *mut i32,
            iccid: *mut c_char,
            iccid_size: usize,
        ) -> c_int;
        pub fn nusim_glue_get_eid(buf: *mut c_char, size: usize) -> c_int;
        pub fn nusim_glue_get_iccid(buf: *mut c_char, size: usize) -> c_int;
        pub fn nusim_glue_get_certificate(buf: *mut u8, size: usize) -> c_int;
        pub fn nusim_glue_get_capabilities(buf: *mut u8, size: usize) -> c_int;
        pub fn nusim_glue_save(name: *const c_char, data: *const u8, len: usize) -> c_int;
        pub fn nusim_glue_read_record(name: *const c_char, buf: *mut u8, size: usize) -> c_int;
        pub fn nusim_glue_open_records() -> c_int;
        pub fn nusim_glue_load_records() -> c_int;
        pub fn nusim_glue_submit(work: u8, delay_ms: u32);
        pub fn nusim_glue_cancel(work: u8);
        pub fn nusim_glue_sleep_ms(ms: u32);
        pub fn nusim_glue_uptime_ms() -> i64;
        pub fn nusim_glue_current_thread() -> *const c_void;
        pub fn nusim_glue_policy(source: u8, inst: u16, answer: *mut c_int) -> bool;
        pub fn nusim_glue_report(source: u8, inst: u16, result: u8, iccid: *const c_char);
        pub fn lwm2m_rd_client_update();
    }
}

/// Safe wrappers of the objects' glue: every pointer passed is valid for the length passed.
#[cfg(feature = "objects")]
pub mod glue {
    use super::sys;
    use core::ffi::{c_int, c_void};

    /// Takes the engine's (recursive) registry lock.
    pub fn registry_lock() {
        // SAFETY: no preconditions.
        unsafe { sys::lwm2m_registry_lock() }
    }
    /// Releases it.
    pub fn registry_unlock() {
        // SAFETY: no preconditions; paired with registry_lock by the caller.
        unsafe { sys::lwm2m_registry_unlock() }
    }
    /// Notifies observers of `obj/inst/res` (takes the registry lock).
    pub fn notify(obj: u16, inst: u16, res: u16) {
        // SAFETY: no preconditions.
        unsafe { sys::nusim_glue_notify(obj, inst, res) }
    }
    /// Creates 507 instance `inst` in the engine (its create callback runs in this call).
    pub fn create_profile(inst: u16) -> c_int {
        // SAFETY: no preconditions.
        unsafe { sys::nusim_glue_create_profile(inst) }
    }
    /// Creates 508/0 in the engine again (-EAGAIN while a bootstrap server provisions).
    pub fn create_nusim() -> c_int {
        // SAFETY: no arguments and no preconditions.
        unsafe { sys::nusim_glue_create_nusim() }
    }
    /// Loads `pkg` through the chosen driver: 0, or a negative errno (on -EBADMSG with the
    /// nuSIM's reason in `reason`); on success `iccid` is NUL-terminated.
    pub fn load(pkg: &[u8], reason: &mut i32, iccid: &mut [u8]) -> c_int {
        // SAFETY: pkg and iccid are valid for the lengths passed, reason for one i32.
        unsafe {
            sys::nusim_glue_load(
                pkg.as_ptr(),
                pkg.len(),
                reason,
                iccid.as_mut_ptr().cast(),
                iccid.len(),
            )
        }
    }
    /// The EID, NUL-terminated, into `buf`.
    pub fn eid(buf: &mut [u8]) -> c_int {
        // SAFETY: buf is valid for buf.len() bytes.
        unsafe { sys::nusim_glue_get_eid(buf.as_mut_ptr().cast(), buf.len()) }
    }
    /// The ICCID, NUL-terminated, into `buf`.
    pub fn iccid(buf: &mut [u8]) -> c_int {
        // SAFETY: buf is valid for buf.len() bytes.
        unsafe { sys::nusim_glue_get_iccid(buf.as_mut_ptr().cast(), buf.len()) }
    }
    /// The certificate into `buf`: its length or a negative errno.
    pub fn certificate(buf: &mut [u8]) -> c_int {
        // SAFETY: buf is valid for buf.len() bytes.
        unsafe { sys::nusim_glue_get_certificate(buf.as_mut_ptr(), buf.len()) }
    }
    /// The capabilities into `buf`: their length or a negative errno.
    pub fn capabilities(buf: &mut [u8]) -> c_int {
        // SAFETY: buf is valid for buf.len() bytes.
        unsafe { sys::nusim_glue_get_capabilities(buf.as_mut_ptr(), buf.len()) }
    }
    /// Stores `data` as settings entry `name` (NUL-terminated); `None` deletes it.
    pub fn save(name: &[u8], data: Option<&[u8]>) -> c_int {
        if name.last() != Some(&0) {
            return -1;
        }
        let (ptr, len) = data.map_or((core::ptr::null(), 0), |d| (d.as_ptr(), d.len()));
        // SAFETY: name is NUL-terminated (checked); ptr is valid for len bytes or null.
        unsafe { sys::nusim_glue_save(name.as_ptr().cast(), ptr, len) }
    }
    /// Reads settings entry `name` (NUL-terminated) into `buf`: its length (larger than
    /// `buf` if it did not fit) or a negative errno.
    pub fn read_record(name: &[u8], buf: &mut [u8]) -> c_int {
        if name.last() != Some(&0) {
            return -1;
        }
        // SAFETY: name is NUL-terminated (checked); buf is valid for buf.len() bytes.
        unsafe { sys::nusim_glue_read_record(name.as_ptr().cast(), buf.as_mut_ptr(), buf.len()) }
    }
    /// Prepares the settings subsystem.
    pub fn open_records() -> c_int {
        // SAFETY: no preconditions.
        unsafe { sys::nusim_glue_open_records() }
    }
    /// Runs the settings handler over the subtree `nusim`.
    pub fn load_records() -> c_int {
        // SAFETY: no preconditions.
        unsafe { sys::nusim_glue_load_records() }
    }
    /// Schedules work item `work` after `delay_ms`.
    pub fn submit(work: u8, delay_ms: u32) {
        // SAFETY: no preconditions (the glue ignores an unknown item).
        unsafe { sys::nusim_glue_submit(work, delay_ms) }
    }
    /// Cancels work item `work`.
    pub fn cancel(work: u8) {
        // SAFETY: as submit.
        unsafe { sys::nusim_glue_cancel(work) }
    }
    /// Sleeps (work queue only).
    pub fn sleep_ms(ms: u32) {
        // SAFETY: no preconditions.
        unsafe { sys::nusim_glue_sleep_ms(ms) }
    }
    /// `k_uptime_get()`.
    pub fn uptime_ms() -> u64 {
        // SAFETY: no preconditions.
        u64::try_from(unsafe { sys::nusim_glue_uptime_ms() }).unwrap_or(0)
    }
    /// The calling thread's identity, compared, never dereferenced.
    pub fn current_thread() -> *const c_void {
        // SAFETY: no preconditions.
        unsafe { sys::nusim_glue_current_thread() }
    }
    /// The application's policy: its raw answer, or `None` if it installed none.
    pub fn policy(source: u8, inst: u16) -> Option<c_int> {
        let mut answer = 0;
        // SAFETY: answer is valid for one int.
        unsafe { sys::nusim_glue_policy(source, inst, &mut answer) }.then_some(answer)
    }
    /// Tells the application's result callback; `iccid` must be NUL-terminated.
    pub fn report(source: u8, inst: u16, result: u8, iccid: &[u8]) {
        let iccid = if iccid.last() == Some(&0) {
            iccid
        } else {
            b"\0"
        };
        // SAFETY: iccid is NUL-terminated (checked) and outlives the call.
        unsafe { sys::nusim_glue_report(source, inst, result, iccid.as_ptr().cast()) }
    }
    /// Asks the engine's client for a registration update (nothing if it is not
    /// registered or registering). Takes the client's mutex, which the engine holds
    /// through a connect, a DTLS handshake included.
    pub fn rd_client_update() {
        // SAFETY: no arguments and no preconditions.
        unsafe { sys::lwm2m_rd_client_update() }
    }
}

// src/nusim_glue.c: in every build with CONFIG_NUSIM.
extern "C" {
    /// Logs a NUL-terminated message at `level` (1 error .. 4 debug) in the module's log.
    pub fn nusim_glue_log(level: c_int, msg: *const c_char);
    /// Stops the system (k_panic).
    pub fn nusim_glue_fatal() -> !;
}

/// Writes `n` into the engine's length out-parameter, if there is one.
#[cfg(feature = "objects")]
pub fn set_len(len: *mut usize, n: usize) {
    if !len.is_null() {
        // SAFETY: the engine passes a valid size_t pointer (checked non-null above).
        unsafe { *len = n };
    }
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
        /// Too large: the engine answers 4.13 Request Entity Too Large.
        FBig = 11,
    }

    extern "C" {
        /// Filled by the C glue from `<errno.h>`.
        static nusim_errno_table: [i32; 12];
    }

    /// The negative errno for `e`, as Zephyr's APIs return it.
    pub fn neg(e: E) -> i32 {
        // SAFETY: an immutable, initialised C array of exactly 12 ints; index < 12 (E).
        -unsafe { nusim_errno_table[e as usize] }
    }
}

/// The PSA Crypto glue of the device-side checks (`src/nusim_psa.c`): only with
/// CONFIG_LWM2M_NUSIM_CHECK_PSA. Each call starts PSA Crypto first (`psa_crypto_init`,
/// which does nothing once it succeeded), holds the glue's PSA lock, and returns a
/// `psa_status_t` with the step that gave it.
#[cfg(feature = "check-psa")]
pub mod psa {
    use nusim_core::chain::DIGEST_LEN;
    use nusim_core::field::{POINT_LEN, SIG_LEN};

    /// The step of a PSA call a status comes from.
    #[repr(u8)]
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Step {
        /// `psa_crypto_init`.
        Init = 0,
        /// `psa_import_key`.
        Import = 1,
        /// `psa_verify_hash`.
        Verify = 2,
        /// `psa_destroy_key`.
        Destroy = 3,
    }

    /// [`Step::Init`], for the C glue.
    pub const NUSIM_PSA_STEP_INIT: u8 = 0;
    /// [`Step::Import`], for the C glue.
    pub const NUSIM_PSA_STEP_IMPORT: u8 = 1;
    /// [`Step::Verify`], for the C glue.
    pub const NUSIM_PSA_STEP_VERIFY: u8 = 2;
    /// [`Step::Destroy`], for the C glue.
    pub const NUSIM_PSA_STEP_DESTROY: u8 = 3;
    const _: () = assert!(
        Step::Init as u8 == NUSIM_PSA_STEP_INIT
            && Step::Import as u8 == NUSIM_PSA_STEP_IMPORT
            && Step::Verify as u8 == NUSIM_PSA_STEP_VERIFY
            && Step::Destroy as u8 == NUSIM_PSA_STEP_DESTROY
    );

    mod sys {
        extern "C" {
            pub fn nusim_psa_verify(
                key: *const u8,
                digest: *const u8,
                sig: *const u8,
                step: *mut u8,
            ) -> i32;
            pub fn nusim_psa_check_key(key: *const u8, step: *mut u8) -> i32;
        }
    }

    fn step_of(raw: u8) -> Step {
        match raw {
            NUSIM_PSA_STEP_INIT => Step::Init,
            NUSIM_PSA_STEP_IMPORT => Step::Import,
            NUSIM_PSA_STEP_VERIFY => Step::Verify,
            _ => Step::Destroy,
        }
    }

    /// Imports `key` as a volatile brainpoolP256r1 public key, runs `psa_verify_hash`
    /// (ECDSA, SHA-256) of `sig` over `digest` with it and destroys it: the first status
    /// that is not `PSA_SUCCESS` with its step, or `PSA_SUCCESS`.
    pub fn verify(
        key: &[u8; POINT_LEN],
        digest: &[u8; DIGEST_LEN],
        sig: &[u8; SIG_LEN],
    ) -> (i32, Step) {
        let mut step = 0u8;
        // SAFETY: the glue reads exactly 65, 32 and 64 bytes, the arrays' lengths, and
        // writes one byte to step; it serialises the module's PSA calls (other PSA users
        // need a thread-safe PSA Crypto: Kconfig LWM2M_NUSIM_CHECK_PSA).
        let st = unsafe {
            sys::nusim_psa_verify(key.as_ptr(), digest.as_ptr(), sig.as_ptr(), &mut step)
        };
        (st, step_of(step))
    }

    /// Imports `key` as a volatile brainpoolP256r1 public key and destroys it: the first
    /// status that is not `PSA_SUCCESS` with its step, or `PSA_SUCCESS`.
    pub fn check_key(key: &[u8; POINT_LEN]) -> (i32, Step) {
        let mut step = 0u8;
        // SAFETY: the glue reads exactly 65 bytes, the array's length, and writes one byte
        // to step; it serialises the module's PSA calls (other PSA users need a thread-safe
        // PSA Crypto: Kconfig LWM2M_NUSIM_CHECK_PSA).
        let st = unsafe { sys::nusim_psa_check_key(key.as_ptr(), &mut step) };
        (st, step_of(step))
    }
}
