//! Static state shared between the engine thread, the work queue and application threads.

use core::cell::UnsafeCell;

/// State that is only touched with the LwM2M engine's registry lock held.
///
/// Every engine callback already runs with that (recursive) mutex held; [`Locked::with`]
/// takes it again, which makes the access safe from any thread. Closures must not re-enter
/// `with` on the same cell and must not call into the engine (notify after, not inside).
#[cfg(feature = "objects")]
pub struct Locked<T>(UnsafeCell<T>);

// SAFETY: all access goes through `with`, which holds the engine's registry mutex.
#[cfg(feature = "objects")]
unsafe impl<T> Sync for Locked<T> {}

#[cfg(feature = "objects")]
impl<T> Locked<T> {
    /// Wraps `v`.
    pub const fn new(v: T) -> Self {
        Locked(UnsafeCell::new(v))
    }

    /// Runs `f` on the state with the registry lock held.
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        // SAFETY: lock/unlock are plain engine functions without preconditions.
        unsafe { crate::ffi::lwm2m_registry_lock() };
        // SAFETY: the registry mutex serialises all threads, and `with` is never re-entered
        // for the same cell (see the type's docs), so this is the only live reference.
        let r = f(unsafe { &mut *self.0.get() });
        // SAFETY: as above; we took the lock two lines up.
        unsafe { crate::ffi::lwm2m_registry_unlock() };
        r
    }

    /// A raw pointer into the state, for handing buffers to the engine. Dereferencing it is
    /// only valid while the engine holds the registry lock.
    pub fn as_ptr(&self) -> *mut T {
        self.0.get()
    }
}

/// State owned by one execution context (the module's work queue thread, or a driver
/// instance's own mutex): the owner's serialisation is the safety argument, stated where
/// [`Owned::get`] is called.
pub struct Owned<T>(UnsafeCell<T>);

// SAFETY: see the type's docs: every `get` states which serialisation makes it exclusive.
unsafe impl<T> Sync for Owned<T> {}

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
