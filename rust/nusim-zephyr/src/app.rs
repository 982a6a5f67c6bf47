//! The application's API in Rust: what `include/nusim/lwm2m_nusim.h` offers a C
//! application, safe, with errors as [`Error`] instead of errno values.
//!
//! For applications written with Zephyr's own Rust support (zephyr-lang-rust,
//! `rust_cargo_application()`) that depend on this crate (docs/rust.md). The LwM2M
//! server drives the switch through Objects 507/508 either way; the application decides
//! whether a switch may happen now ([`Application::policy`]), hears how each ended
//! ([`Application::result`]), says when the device is on the network ([`network_ready`]),
//! and may load or roll back itself.
//!
//! ```ignore
//! use nusim_zephyr::app::{self, Application, Callbacks, Decision, LoadResult, Source};
//!
//! /// Switches only while the device is idle; logs every outcome.
//! struct Policy;
//!
//! impl Application for Policy {
//!     fn policy(&self, _source: Source, _inst: u16) -> Decision {
//!         if busy_measuring() { Decision::Defer } else { Decision::Allow }
//!     }
//!     fn result(&self, source: Source, inst: u16, result: LoadResult, iccid: &str) {
//!         log::info!("{source:?} load of 507/{inst}: {result:?}, ICCID {iccid}");
//!     }
//! }
//!
//! static POLICY: Policy = Policy;
//! static CALLBACKS: Callbacks = Callbacks::new(&POLICY);
//!
//! app::set_logger().ok();
//! app::set_callbacks(Some(&CALLBACKS));
//! // ... once registered with the LwM2M server:
//! app::network_ready();
//! ```

use crate::platform::{call, Core, Zephyr, CORE};
use core::ptr;
use core::sync::atomic::{AtomicPtr, Ordering};

pub use nusim_core::objects::Status;
pub use nusim_core::platform::{Decision, Error, Source};
pub use nusim_core::result::LoadResult;

/// What the module asks and tells the application. Both run on the module's work queue,
/// without the LwM2M registry lock: they may call the LwM2M API and this module's API (a
/// `load` or `rollback` from inside them answers [`Error::Busy`]: a load is running), and
/// should return promptly, since the load waits for the policy's answer.
pub trait Application: Sync {
    /// Asked before the package of a server's or a local load reaches the nuSIM. Not asked
    /// for the backup going back: a device whose new profile failed must be able to
    /// return. The default allows.
    fn policy(&self, source: Source, inst: u16) -> Decision {
        let _ = (source, inst);
        Decision::Allow
    }

    /// Told how each load ended: `result` is the new 508/0/6, `iccid` what 508/0/1 says
    /// now. A fallback reports twice: the failure, then [`LoadResult::RolledBack`] or
    /// [`LoadResult::RollbackFailed`]. `inst` is [`BACKUP_INSTANCE`] for the backup.
    fn result(&self, source: Source, inst: u16, result: LoadResult, iccid: &str) {
        let _ = (source, inst, result, iccid);
    }
}

/// The 507 instance reported for a load of the backup package
/// (`LWM2M_NUSIM_BACKUP_INSTANCE`).
pub use nusim_core::objects::BACKUP_INST as BACKUP_INSTANCE;

/// An [`Application`], made at compile time by [`Callbacks::new`] and kept in a `static`.
/// The module calls it from Rust; the C API's `struct lwm2m_nusim_callbacks` is not
/// involved.
pub struct Callbacks {
    policy: fn(*const (), Source, u16) -> Decision,
    result: fn(*const (), Source, u16, LoadResult, &str),
    app: *const (),
}

// SAFETY: `app` is a shared reference to an `Application` (which is Sync), set only by
// `new` and only read; the function pointers are plain functions.
unsafe impl Sync for Callbacks {}

impl Callbacks {
    /// The callbacks of `app`, for a `static`.
    pub const fn new<A: Application>(app: &'static A) -> Self {
        Self {
            policy: policy_of::<A>,
            result: result_of::<A>,
            app: (app as *const A).cast(),
        }
    }
}

fn policy_of<A: Application>(app: *const (), source: Source, inst: u16) -> Decision {
    // SAFETY: `app` was made from a `&'static A` by `Callbacks::new::<A>`, with this very
    // function beside it.
    unsafe { &*app.cast::<A>() }.policy(source, inst)
}

fn result_of<A: Application>(
    app: *const (),
    source: Source,
    inst: u16,
    result: LoadResult,
    iccid: &str,
) {
    // SAFETY: as in policy_of.
    unsafe { &*app.cast::<A>() }.result(source, inst, result, iccid);
}

/// The installed callbacks: null, or a `&'static Callbacks`.
static INSTALLED: AtomicPtr<Callbacks> = AtomicPtr::new(ptr::null_mut());

/// The application's callbacks, if a Rust application installed some.
pub(crate) fn installed() -> Option<&'static Callbacks> {
    let p = INSTALLED.load(Ordering::Acquire);
    // SAFETY: INSTALLED holds null or a pointer made from a `&'static Callbacks`.
    (!p.is_null()).then(|| unsafe { &*p })
}

impl Callbacks {
    /// Asks the policy.
    pub(crate) fn ask(&self, source: Source, inst: u16) -> Decision {
        (self.policy)(self.app, source, inst)
    }

    /// Tells the result; `iccid` is 508/0/1's text (a trailing NUL is dropped).
    pub(crate) fn tell(&self, source: Source, inst: u16, result: LoadResult, iccid: &[u8]) {
        let text = iccid.strip_suffix(&[0]).unwrap_or(iccid);
        let text = core::str::from_utf8(text).unwrap_or("");
        (self.result)(self.app, source, inst, result, text);
    }
}

/// Sends the application's `log` records to Zephyr's log, under the module's log name
/// (`nusim`, level CONFIG_NUSIM_LOG_LEVEL), prefixed with their target. Formats into a
/// 120-byte buffer on the stack: no heap, unlike `zephyr::set_logger()` (which needs
/// CONFIG_RUST_ALLOC). The module's own lines reach Zephyr's log without any logger.
///
/// # Errors
/// Another logger is installed already.
#[cfg(feature = "rust-application")]
pub fn set_logger() -> Result<(), log::SetLoggerError> {
    crate::logger::install()
}

/// Installs the application's callbacks (`None` removes them; a callback already running
/// finishes). Without callbacks every load is allowed. While they are installed they are
/// asked instead of any C callbacks (`lwm2m_nusim_set_callbacks()`).
pub fn set_callbacks(cb: Option<&'static Callbacks>) {
    let p = cb.map_or(ptr::null_mut(), |c| ptr::from_ref(c).cast_mut());
    INSTALLED.store(p, Ordering::Release);
}

/// Loads the profile stored in 507 instance `inst`, as a server would: 508/0/4 is pointed
/// at it (and stored), then Load Profile runs. The outcome arrives in 508/0/6 and through
/// [`Application::result`].
///
/// # Errors
/// [`Error::NotFound`]: no such instance. [`Error::Busy`]: a load runs, or a new profile
/// awaits the network. [`Error::Storage`]: the link could not be stored.
pub fn load(inst: u16) -> Result<(), Error> {
    Core::local_load(&CORE, &mut Zephyr, inst)
}

/// Loads the backup package (the last one that reached the network) again; while a new
/// profile awaits the network, ends its trial at once.
///
/// # Errors
/// [`Error::NotFound`]: no backup yet. [`Error::Busy`]: a load runs.
/// [`Error::NotSupported`]: CONFIG_LWM2M_NUSIM_PERSIST is off (there are no backups).
pub fn rollback() -> Result<(), Error> {
    Core::rollback(&CORE, &mut Zephyr)
}

/// Tells the module the device is on the network: a profile loaded less than
/// CONFIG_LWM2M_NUSIM_NETWORK_TIMEOUT seconds ago becomes the backup. Harmless at any
/// other time, from any thread.
pub fn network_ready() {
    Core::network_ready(&CORE, &mut Zephyr);
}

/// A snapshot of the module: 508/0/6, the switch's phase, the ICCIDs, the link.
pub fn status() -> Status {
    call(|s, _| s.status())
}

/// Replaces the CI public keys a package must be signed under before it reaches the nuSIM
/// (SEC1 uncompressed brainpoolP256r1 points). With no keys the device trusts what the
/// nuSIM trusts: it still verifies both signatures of every package.
///
/// # Errors
/// [`Error::Invalid`]: a key is not a curve point; nothing changed. [`Error::NoRoom`]: more
/// keys than CONFIG_LWM2M_NUSIM_TRUSTED_CI_MAX. [`Error::NotSupported`]: the checks are
/// off in this build (CONFIG_LWM2M_NUSIM_CHECK_PACKAGES).
pub fn set_trusted_ci_keys(keys: &[[u8; 65]]) -> Result<(), Error> {
    #[cfg(feature = "check")]
    return crate::trust::set(keys.as_flattened());
    #[cfg(not(feature = "check"))]
    {
        let _ = keys;
        Err(Error::NotSupported)
    }
}

/// The number of trusted CI keys in force (0: the nuSIM decides).
///
/// # Errors
/// [`Error::Poisoned`]: the build-time keys were malformed, and every package is refused
/// until [`set_trusted_ci_keys`] installs a valid set. [`Error::NotSupported`]: the checks
/// are off in this build.
pub fn trusted_ci_count() -> Result<usize, Error> {
    #[cfg(feature = "check")]
    return call(|s, _| s.trusted_count());
    #[cfg(not(feature = "check"))]
    Err(Error::NotSupported)
}
