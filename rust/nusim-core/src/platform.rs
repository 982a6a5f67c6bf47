//! What the objects need from the world, as one trait: [`Platform`].
//!
//! [`crate::objects::Objects`] owns every decision of Objects 507/508 and reaches storage,
//! the nuSIM driver, the LwM2M engine, the work queue and the application only through
//! this trait. On a device `nusim-zephyr` implements it over the C glue; on the host the
//! model test (`rust/nusim-model`) implements it with a simulated flash, chip and queue that
//! can fail or lose power at every call.
//!
//! Locking is the caller's side of the contract, expressed by [`Shared`]: state is touched
//! only inside [`Shared::with`] (on Zephyr: the engine's registry lock), the package copy a
//! load works on only inside [`Shared::package`], and the driver, the policy and the
//! result callback are called with neither held.

use crate::persist::Key;
use crate::result::{DriverError, LoadResult};

/// `EAGAIN` (the same in Zephyr's and the host's libc): [`Platform::create_nusim`]'s
/// "not now".
pub const EAGAIN: i32 = 11;

/// Who asked for a load (`enum lwm2m_nusim_source` of `<nusim/lwm2m_nusim.h>`).
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// An LwM2M server executed 508/0/5.
    Server = 0,
    /// The application: `lwm2m_nusim_load()` or the shell.
    Local = 1,
    /// The module, after a failed switch.
    Fallback = 2,
    /// The application: `lwm2m_nusim_rollback()` or the shell.
    Rollback = 3,
}

impl Source {
    /// The source of number `v`, if it is one.
    pub fn from_u8(v: u8) -> Option<Source> {
        [
            Source::Server,
            Source::Local,
            Source::Fallback,
            Source::Rollback,
        ]
        .into_iter()
        .find(|s| *s as u8 == v)
    }
}

/// The application policy's answer before a load (`enum lwm2m_nusim_decision`). Any other
/// number denies (fail closed).
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Load now.
    Allow = 0,
    /// Do not load: 508/0/6 becomes 16 (policy denied).
    Deny = 1,
    /// Not now: 508/0/6 becomes 17 and the policy is asked again after the policy retry
    /// delay (CONFIG_LWM2M_NUSIM_POLICY_RETRY). Loads stay refused meanwhile.
    Defer = 2,
}

/// The work items of the module's work queue. Each runs [`crate::objects::Objects::work`].
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Work {
    /// The load job: a candidate, the backup, or the ICCID asked again at start.
    Load = 0,
    /// Result callbacks of loads that ended at once.
    Report = 1,
    /// Instances the engine dropped: 507 instances whose delete failed, and 508/0 after any
    /// delete. Created again.
    Recreate = 2,
    /// The network deadline of a new profile passed.
    Deadline = 3,
    /// A proof that the new profile reaches the network, queued by
    /// [`crate::objects::Objects::network_ready_later`].
    Proven = 4,
}

impl Work {
    /// Every work item, in the order of their numbers.
    pub const ALL: [Work; 5] = [
        Work::Load,
        Work::Report,
        Work::Recreate,
        Work::Deadline,
        Work::Proven,
    ];
}

/// Why an operation was refused. The Zephyr adapter maps each to the errno the engine
/// turns into the CoAP code in brackets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// A value or link the object does not accept (4.00 Bad Request).
    BadValue,
    /// No such instance, resource or record (4.04 Not Found).
    NotFound,
    /// The instance exists already (4.00).
    Exists,
    /// No room: every instance slot is taken, or a buffer is too small.
    NoRoom,
    /// The storage did not take the change; nothing changed (5.00).
    Storage,
    /// A block that does not continue the value being assembled (4.08).
    Incomplete,
    /// A request that may have been cut by the engine's receive buffer (4.13).
    TooLarge,
    /// Not in this build or not in this content format (5.01).
    NotSupported,
    /// A load runs or a new profile awaits the network (the API's -EBUSY).
    Busy,
    /// A load runs or a new profile awaits the network (execute: 4.05).
    NotPermitted,
    /// An argument the API does not accept.
    Invalid,
    /// The trusted keys installed at build time are malformed: every package is refused.
    Poisoned,
}

/// The package copy a load works on (length, bytes in vendor wire order), made at execute
/// time so that the 507 instance may change or vanish while the load runs.
pub struct Package<const W: usize> {
    len: usize,
    bytes: [u8; W],
}

impl<const W: usize> Default for Package<W> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const W: usize> Package<W> {
    /// Empty (all zero: `.bss`).
    pub const fn new() -> Self {
        Package {
            len: 0,
            bytes: [0; W],
        }
    }

    /// The package.
    pub fn get(&self) -> &[u8] {
        &self.bytes[..self.len.min(W)]
    }

    /// Replaces the package with `b` (at most `W` bytes; false and empty otherwise).
    pub fn set(&mut self, b: &[u8]) -> bool {
        self.wipe();
        if b.len() > W {
            return false;
        }
        self.bytes[..b.len()].copy_from_slice(b);
        self.len = b.len();
        true
    }

    /// The whole buffer, for a copy made in place; then [`Self::set_len`].
    pub fn room(&mut self) -> &mut [u8; W] {
        &mut self.bytes
    }

    /// The package is the first `n` bytes of [`Self::room`].
    pub fn set_len(&mut self, n: usize) {
        self.len = n.min(W);
    }

    /// Zeroes it: it holds a profile's ciphertext and keys.
    pub fn wipe(&mut self) {
        self.bytes.fill(0);
        self.len = 0;
    }
}

/// How the state and the package copy are shared between threads (see the module docs).
pub trait Shared<T, const W: usize> {
    /// Runs `f` on the state, exclusively (on Zephyr: under the engine's registry lock).
    /// `f` must not call `with` again: every platform call that may re-enter the objects
    /// (notify, creating an engine instance, reading records back) happens outside it.
    fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R;
    /// Runs `f` with the state's lock held across several [`Self::with`] calls and the
    /// platform calls between them (the lock is recursive).
    fn hold<R>(&self, f: impl FnOnce() -> R) -> R;
    /// Runs `f` on the package copy. Only two contexts touch it: execute, under the
    /// state's lock when no load runs, and the load work while one runs (the state's
    /// `busy`), so the two never overlap.
    fn package<R>(&self, f: impl FnOnce(&mut Package<W>) -> R) -> R;
}

/// The world as the objects see it. Configuration comes as constants, so a build without
/// persistence or checks carries none of their code.
pub trait Platform {
    /// Records survive a restart (CONFIG_LWM2M_NUSIM_PERSIST).
    const PERSIST: bool;
    /// Seconds a new profile has to reach the network (0: it is trusted at once).
    const NETWORK_TIMEOUT_S: u32;
    /// Loads of the backup before the fallback gives up (at least 1).
    const FALLBACK_ATTEMPTS: u8;
    /// Seconds before the second load of the backup; doubled after each failure.
    const FALLBACK_RETRY_S: u32;
    /// Seconds before a deferred load asks the policy again.
    const POLICY_RETRY_S: u32;
    /// Milliseconds a driver that is not ready yet (a modem booting) is waited for.
    const DRIVER_WAIT_MS: u32;
    /// The most detailed [`crate::log::Level`] logged (as its number; 0: none). Lines below
    /// it are not compiled in.
    const LOG_LEVEL: u8;
    /// Packages are checked on the device before the nuSIM sees them
    /// (CONFIG_LWM2M_NUSIM_CHECK_PACKAGES; needs a `chain-*` feature).
    const CHECK_PACKAGES: bool;

    /// Verifies one signature of the device-side check: `sig` (r‖s) of the SHA-256 digest
    /// `digest` under the uncompressed public key `key`, on the nuSIM's curve. The default
    /// is this crate's verifier ([`crate::chain::verify_digest`]); a platform with its own
    /// crypto (PSA Crypto on Zephyr) overrides it, and logs why when it cannot decide.
    #[cfg(any(feature = "chain-bp256", feature = "chain-p256"))]
    fn verify_signature(
        &mut self,
        key: &[u8; crate::field::POINT_LEN],
        digest: &[u8; crate::chain::DIGEST_LEN],
        sig: &[u8; crate::field::SIG_LEN],
    ) -> crate::chain::Verdict {
        Ok(crate::chain::verify_digest(key, digest, sig))
    }

    /// Stores `rec` as record `key` (`None` deletes it). A negative errno on failure.
    fn save(&mut self, key: Key, rec: Option<&[u8]>) -> Result<(), i32>;
    /// Reads record `key` into `buf`: its length, which is larger than `buf` when it did
    /// not fit (nothing read then). A negative errno (none: -ENOENT) on failure.
    fn read(&mut self, key: Key, buf: &mut [u8]) -> Result<usize, i32>;
    /// Prepares the storage at start; a negative errno if it is unusable.
    fn open_records(&mut self) -> Result<(), i32>;
    /// Reads every record back: each arrives, in this call and on this thread, through
    /// [`crate::objects::Objects::record_buf`] and
    /// [`crate::objects::Objects::read_back_record`]. Called with the lock held
    /// ([`Shared::hold`]), never inside [`Shared::with`].
    fn read_records(&mut self) -> Result<(), i32>;

    /// Hands `package` to the nuSIM. On success `iccid` holds the loaded profile's ICCID
    /// (NUL-terminated or filling the buffer) and its length is returned. Called outside
    /// the lock, on the load's thread: whatever the platform marks here as "the load
    /// returned" (on Zephyr, [`crate::proof::RegistrationProof::load_returned`])
    /// is ordered before the trial's wait for the network, which the same thread begins
    /// under the lock afterwards ([`crate::objects::Objects::network_ready_later_if`]).
    fn nusim_load(
        &mut self,
        package: &[u8],
        iccid: &mut [u8; crate::objects::ICCID_ANSWER_LEN],
    ) -> Result<usize, DriverError>;
    /// The nuSIM's EID, NUL-terminated, into `buf`. A negative errno on failure.
    fn nusim_eid(&mut self, buf: &mut [u8]) -> Result<(), i32>;
    /// The ICCID of the nuSIM's profile (empty: none), NUL-terminated, into `buf`.
    fn nusim_iccid(&mut self, buf: &mut [u8]) -> Result<(), i32>;
    /// The nuSIM's certificate (DER) into `buf`: its length.
    fn nusim_certificate(&mut self, buf: &mut [u8]) -> Result<usize, i32>;
    /// The nuSIM's capabilities into `buf`: their length.
    fn nusim_capabilities(&mut self, buf: &mut [u8]) -> Result<usize, i32>;

    /// Tells observers of 508/0/`res` that it changed.
    fn notify(&mut self, res: u16);
    /// Creates 507 instance `inst` in the engine (its create callback reaches
    /// [`crate::objects::Objects::create_507`]). Never called inside [`Shared::with`].
    fn create_profile(&mut self, inst: u16) -> Result<(), i32>;

    /// Creates 508/0 in the engine again after the engine deleted it, and has the client
    /// tell its server its objects. `Err(-EAGAIN)`: not now, a bootstrap server is
    /// provisioning the client (it deletes instances meanwhile). Called with no lock held
    /// (it takes the client's lock, which comes before the registry lock).
    fn create_nusim(&mut self) -> Result<(), i32>;

    /// Runs `work` on the module's work queue after `delay_ms` (0: now), replacing a run
    /// of it that is still pending.
    fn submit(&mut self, work: Work, delay_ms: u32);
    /// Cancels a pending run of `work`.
    fn cancel(&mut self, work: Work);
    /// Sleeps (work queue only, no lock held).
    fn sleep_ms(&mut self, ms: u32);
    /// Milliseconds since boot.
    fn uptime_ms(&mut self) -> u64;

    /// The application's policy about a load: its raw answer (0 allow, 1 deny, 2 defer;
    /// anything else denies), or `None` when it installed none (allow).
    fn policy(&mut self, source: Source, inst: u16) -> Option<i32>;
    /// Tells the application how a load ended; `iccid` is 508/0/1 now, NUL-terminated.
    fn report(&mut self, source: Source, inst: u16, result: LoadResult, iccid: &[u8]);
    /// The nuSIM holds another profile (a new one on trial, or the backup back): reach
    /// the network over it, so that a proof can follow (on Zephyr with
    /// CONFIG_LWM2M_NUSIM_PROOF_REGISTRATION: a registration update). Called after
    /// [`Self::report`], or when a load cut short by a restart turns out to be on the
    /// nuSIM once its ICCID is known, with no lock held. A proof counts from the moment the new profile
    /// awaits the network, before this call; which registration is a proof is
    /// [`crate::proof`]'s to say.
    fn reach_network(&mut self);

    /// Logs `line` (at most [`crate::log::LINE_MAX`] bytes, no NUL) at `level`. Called from
    /// any context the objects run in, the lock held or not.
    fn log(&mut self, level: crate::log::Level, line: &[u8]);
}
