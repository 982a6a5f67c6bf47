//! Which registration proves a new profile (CONFIG_LWM2M_NUSIM_PROOF_REGISTRATION).
//!
//! A completed registration or registration update proves the profile the nuSIM holds only
//! if its request went out after the last load returned: the answer to an update sent over
//! the profile before (a periodic update, or one a server's write asked for, still in
//! flight when the load ended) proves nothing about the new one.
//!
//! ```
//! use nusim_core::proof::{RdEvent, RegistrationProof};
//!
//! let p = RegistrationProof::new();
//! p.event(RdEvent::Sending);                // an update goes out over the old profile...
//! p.load_returned();                        // ...the nuSIM takes the new one...
//! assert!(!p.event(RdEvent::Completed));    // ...and that update's answer proves nothing.
//! p.event(RdEvent::Sending);                // The update the module asks for
//! assert!(p.event(RdEvent::Completed));     // does.
//! ```

use core::sync::atomic::{AtomicBool, Ordering};

/// A registration event of the LwM2M client, as far as a proof is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RdEvent {
    /// A registration update is being sent now.
    Sending,
    /// The client starts over: it was started, or a registration failed, timed out or
    /// lost its connection, or a bootstrap ended. The next registration is a new request.
    Anew,
    /// A registration or a registration update completed.
    Completed,
    /// Anything else.
    Other,
}

/// Whether the request a completion answers went out after the last load returned. Shared
/// between the load (the module's work queue) and the client's events (the engine's
/// thread): the flag is atomic, and a completion is read under the module's lock
/// ([`crate::objects::Objects::network_ready_later_if`]), after the load that began a
/// trial returned.
pub struct RegistrationProof {
    fresh: AtomicBool,
}

impl Default for RegistrationProof {
    fn default() -> Self {
        Self::new()
    }
}

impl RegistrationProof {
    /// After a start every request is new.
    pub const fn new() -> Self {
        Self {
            fresh: AtomicBool::new(true),
        }
    }

    /// The nuSIM's load returned (whatever its outcome): requests in flight went out
    /// before it.
    pub fn load_returned(&self) {
        self.fresh.store(false, Ordering::SeqCst);
    }

    /// The client's event `ev`: true if it proves the profile the nuSIM holds now.
    pub fn event(&self, ev: RdEvent) -> bool {
        match ev {
            RdEvent::Sending | RdEvent::Anew => {
                self.fresh.store(true, Ordering::SeqCst);
                false
            }
            RdEvent::Completed => self.fresh.load(Ordering::SeqCst),
            RdEvent::Other => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_registration_after_a_start_proves() {
        assert!(RegistrationProof::new().event(RdEvent::Completed));
    }

    #[test]
    fn an_answer_to_a_request_sent_before_the_load_proves_nothing() {
        let p = RegistrationProof::new();
        p.event(RdEvent::Sending);
        p.load_returned();
        assert!(!p.event(RdEvent::Completed));
        // Nor does anything that is no new request.
        assert!(!p.event(RdEvent::Other));
        assert!(!p.event(RdEvent::Completed));
    }

    #[test]
    fn a_new_request_after_the_load_proves() {
        for new in [RdEvent::Sending, RdEvent::Anew] {
            let p = RegistrationProof::new();
            p.load_returned();
            assert!(!p.event(new));
            assert!(p.event(RdEvent::Completed));
            // Until the next load.
            p.load_returned();
            assert!(!p.event(RdEvent::Completed));
        }
    }
}
