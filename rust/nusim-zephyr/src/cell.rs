//! Static state shared between the engine thread, the work queue and application threads.

#[cfg(any(
    feature = "objects",
    feature = "sim",
    feature = "at",
    feature = "at-emul"
))]
use core::cell::UnsafeCell;

/// The objects' state and their package copy ([`nusim_core::platform::Shared`] on Zephyr):
/// the state under the LwM2M engine's registry lock, the package copy by the owner the
/// state names.
#[cfg(feature = "objects")]
pub struct Locked<T, const W: usize> {
    state: UnsafeCell<T>,
    pkg: UnsafeCell<nusim_core::platform::Package<W>>,
    /// A thread is inside `with`: a second entry on that thread (the lock is recursive)
    /// would alias the state, so it stops the system instead.
    inside: core::sync::atomic::AtomicBool,
    /// The package copy is in use: a second user (a broken load protocol) stops the system.
    pkg_inside: core::sync::atomic::AtomicBool,
}

// SAFETY: Rust reaches the state only through `with`, under the registry mutex, which
// serialises threads; the engine writes and reads the buffers it was handed (pre-write
// places, read places, the record buffer) only while it holds that mutex itself and no
// `with` is running on its thread. The package copy is reached only through `package`,
// whose exclusivity nusim-core's load protocol gives (see there). T moves between threads.
#[cfg(feature = "objects")]
unsafe impl<T: Send, const W: usize> Sync for Locked<T, W> {}

#[cfg(feature = "objects")]
impl<T, const W: usize> Locked<T, W> {
    /// Wraps `v`, with an empty package copy.
    pub const fn new(v: T) -> Self {
        Locked {
            state: UnsafeCell::new(v),
            pkg: UnsafeCell::new(nusim_core::platform::Package::new()),
            inside: core::sync::atomic::AtomicBool::new(false),
            pkg_inside: core::sync::atomic::AtomicBool::new(false),
        }
    }
}

#[cfg(feature = "objects")]
impl<T, const W: usize> nusim_core::platform::Shared<T, W> for Locked<T, W> {
    fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        use core::sync::atomic::Ordering;
        crate::ffi::glue::registry_lock();
        // Under the mutex only this thread can have set it: set means re-entry.
        if self.inside.swap(true, Ordering::Relaxed) {
            panic!("objects' state entered twice on one thread");
        }
        // SAFETY: the registry mutex serialises all threads, and the flag above proves this
        // thread is not inside already, so this is the only live reference.
        let r = f(unsafe { &mut *self.state.get() });
        self.inside.store(false, Ordering::Relaxed);
        crate::ffi::glue::registry_unlock();
        r
    }

    fn hold<R>(&self, f: impl FnOnce() -> R) -> R {
        crate::ffi::glue::registry_lock();
        let r = f();
        crate::ffi::glue::registry_unlock();
        r
    }

    fn package<R>(&self, f: impl FnOnce(&mut nusim_core::platform::Package<W>) -> R) -> R {
        use core::sync::atomic::Ordering;
        // Two contexts use the copy, never at once: execute under the registry lock while no
        // load runs, the load work while one runs (nusim_core::load). Checked here too.
        if self.pkg_inside.swap(true, Ordering::Acquire) {
            panic!("package copy used by two contexts at once");
        }
        // SAFETY: the flag above proves no other `package` call is running.
        let r = f(unsafe { &mut *self.pkg.get() });
        self.pkg_inside.store(false, Ordering::Release);
        r
    }
}

/// State owned by one execution context (a driver instance's own mutex): the owner's
/// serialisation is the safety argument, stated where [`Owned::get`] is called.
#[cfg(any(feature = "sim", feature = "at", feature = "at-emul"))]
pub struct Owned<T>(UnsafeCell<T>);

// SAFETY: see the type's docs: every `get` states which serialisation makes it exclusive.
#[cfg(any(feature = "sim", feature = "at", feature = "at-emul"))]
unsafe impl<T: Send> Sync for Owned<T> {}

#[cfg(any(feature = "sim", feature = "at", feature = "at-emul"))]
impl<T> Owned<T> {
    /// Wraps `v`.
    pub const fn new(v: T) -> Self {
        Owned(UnsafeCell::new(v))
    }

    /// The state.
    ///
    /// # Safety
    /// The caller is the only context that can be inside `get` for this cell right now.
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn get(&self) -> &mut T {
        // SAFETY: exclusivity is the caller's contract.
        unsafe { &mut *self.0.get() }
    }
}
