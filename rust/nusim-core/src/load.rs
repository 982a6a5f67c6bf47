//! Load Profile and the switch around it, on the module's work queue.
//!
//! Execute (a server's 508/0/5, or the application's load) copies the linked package and
//! queues [`Work::Load`]: under the state, in one step, so the 507 instance may change or
//! vanish afterwards. The load work then asks the application's policy, checks the package
//! on the device, stores it in its slot, begins the trial, hands it to the nuSIM, and ends
//! the load with the nuSIM's answer; the switch (`crate::switch`) says what follows: the
//! network deadline, the backup's load (automatic fallback or a rollback asked for), or
//! nothing. The driver, the policy and the result callback are called with no lock held.

use crate::nusim::{ExecuteError, ObjLnk, Started, OBJ_PROFILE};
use crate::objects::{
    fetch_iccid, res508, save, schedule_next, Job, Objects, BACKUP_INST, ICCID_ANSWER_LEN,
    ICCID_LEN,
};
use crate::persist::{Key, Phase, SlotRecord};
use crate::platform::{Decision, Error, Package, Platform, Shared, Source, Work};
use crate::result::LoadResult;
use crate::switch::{retry_delay_s, Next, SwitchError};
use crate::text::{self, Text};

/// How often a driver that is not ready is asked again.
const DRIVER_POLL_MS: u32 = 250;

/// The policy's answers (`enum lwm2m_nusim_decision`).
const POLICY_ALLOW: i32 = Decision::Allow as i32;
const POLICY_DENY: i32 = Decision::Deny as i32;
const POLICY_DEFER: i32 = Decision::Defer as i32;

impl<
        const N: usize,
        const W: usize,
        const C: usize,
        const K: usize,
        const S: usize,
        const R: usize,
        const T: usize,
    > Objects<N, W, C, K, S, R, T>
{
    /// Runs work item `work` (module work queue).
    pub fn work<X: Shared<Self, W>, P: Platform>(cell: &X, p: &mut P, work: Work) {
        match work {
            Work::Load => match Self::locked(cell, p, |s, _| s.job) {
                Job::Idle => {}
                Job::Candidate { source, inst } => Self::load_candidate(cell, p, source, inst),
                Job::Backup { source, slot } => Self::load_backup(cell, p, source, slot),
                Job::AskIccid => Self::ask_iccid(cell, p),
            },
            Work::Report => {
                while let Some((source, inst, r)) = Self::locked(cell, p, |s, _| s.take_report()) {
                    Self::report(cell, p, source, inst, r);
                }
            }
            Work::Recreate => {
                cell.hold(|| {
                    // Held across the create, so no engine request sees the instance
                    // missing.
                    while let Some(id) = Self::locked(cell, p, |s, _| s.take_recreate()) {
                        if let Err(e) = p.create_profile(id) {
                            crate::log!(
                                p,
                                Error,
                                "507/{} kept but not created in the engine again ({})",
                                id,
                                e
                            );
                        }
                        Self::locked(cell, p, |s, _| s.readopted());
                    }
                });
                // With no lock held: the client's lock comes before the registry lock.
                if Self::locked(cell, p, |s, _| core::mem::take(&mut s.recreate_nusim)) {
                    let r = p.create_nusim();
                    let again = r == Err(-crate::platform::EAGAIN);
                    let tries = Self::locked(cell, p, |s, _| {
                        // A delete meanwhile has set it again: it stays set.
                        s.recreate_nusim |= again;
                        s.recreate_nusim_tries = if again {
                            s.recreate_nusim_tries.saturating_add(1)
                        } else {
                            0
                        };
                        s.recreate_nusim_tries
                    });
                    match r {
                        Ok(()) => crate::log!(p, Info, "508/0 is in the engine again"),
                        // A bootstrap server is still at work: after it. Its end
                        // (Self::nusim_recreate_now) or a try after 1, 2, 4 ... 64 s.
                        Err(_) if again => p.submit(Work::Recreate, 1000 << (tries - 1).min(6)),
                        Err(e) => crate::log!(
                            p,
                            Error,
                            "508/0 could not be created in the engine again ({})",
                            e
                        ),
                    }
                }
            }
            Work::Deadline => Self::network_timeout(cell, p),
            Work::Proven => {
                Self::network_ready(cell, p);
            }
        }
    }

    // --- entry points ---

    /// execute_cb of 508/0/5: copies the linked package and queues the load, returning at
    /// once; [`Error::NotPermitted`] (4.05) while a load runs or a new profile awaits the
    /// network. With nothing to load the result says why.
    pub fn execute<X: Shared<Self, W>, P: Platform>(cell: &X, p: &mut P) -> Result<(), Error> {
        Self::locked(cell, p, |s, p| s.start_load(cell, p, Source::Server)).map_err(|_| {
            crate::log!(
                p,
                Warn,
                "Load Profile refused: a load is running or awaits the network"
            );
            Error::NotPermitted
        })
    }

    /// `lwm2m_nusim_load()`: points 508/0/4 at 507 instance `inst` and loads it, as a
    /// server's write and execute would. [`Error::NotFound`] no such instance;
    /// [`Error::Busy`]; [`Error::Storage`] the link could not be stored.
    pub fn local_load<X: Shared<Self, W>, P: Platform>(
        cell: &X,
        p: &mut P,
        inst: u16,
    ) -> Result<(), Error> {
        Self::locked(cell, p, |s, p| {
            if s.switch_busy() {
                return Err(Error::Busy);
            }
            if s.store.get(inst).is_none() {
                return Err(Error::NotFound);
            }
            let link = ObjLnk {
                obj_id: OBJ_PROFILE,
                obj_inst: inst,
            };
            s.set_link(p, link)?;
            s.note(res508::PROFILE);
            s.start_load(cell, p, Source::Local)
                .map_err(|_| Error::Busy)
        })
    }

    /// Copies the linked package and queues its load for `source`, or queues the result
    /// that ended it at once (nothing to load). The busy check comes first: while a load
    /// runs, the load work owns the package copy.
    fn start_load<X: Shared<Self, W>, P: Platform>(
        &mut self,
        cell: &X,
        p: &mut P,
        source: Source,
    ) -> Result<(), ExecuteError> {
        if self.switch_busy() {
            return Err(ExecuteError::Busy);
        }
        let started = cell.package(|pkg| {
            let r = self.nusim.execute(&self.store, pkg.room());
            if let Ok(Started::Load(n)) = r {
                pkg.set_len(n);
            }
            r
        })?;
        self.note(res508::LOAD_RESULT);
        let inst = self.nusim.link().obj_inst;
        match started {
            Started::Load(_) => {
                self.job = Job::Candidate { source, inst };
                p.submit(Work::Load, 0);
            }
            Started::Finished(r) => {
                crate::log!(
                    p,
                    Warn,
                    "Load Profile: nothing to load: result {} ({})",
                    r as u8,
                    &r
                );
                let _ = self.save_state(p);
                self.queue_report(p, source, inst, r);
            }
        }
        Ok(())
    }

    /// `lwm2m_nusim_rollback()`: loads the backup again, also to end a new profile's wait
    /// for the network early. [`Error::NotFound`] no backup; [`Error::Busy`] a load runs;
    /// [`Error::NotSupported`] without persistence.
    pub fn rollback<X: Shared<Self, W>, P: Platform>(cell: &X, p: &mut P) -> Result<(), Error> {
        if !P::PERSIST {
            return Err(Error::NotSupported);
        }
        Self::locked(cell, p, |s, p| {
            if s.nusim.busy() {
                return Err(Error::Busy);
            }
            let iccid = s.nusim.iccid;
            let slot = s.saved.request_rollback(&iccid).map_err(|e| match e {
                SwitchError::Busy => Error::Busy,
                SwitchError::NoBackup => Error::NotFound,
            })?;
            s.begin_backup(Source::Rollback, slot);
            // A stored RollingBack phase loads the backup after a restart too: no undo.
            let _ = s.save_state(p);
            p.cancel(Work::Deadline);
            p.submit(Work::Load, 0);
            Ok(())
        })
    }

    /// `lwm2m_nusim_network_ready()`: the device reached the network. A profile on trial
    /// becomes the backup. True if one did.
    pub fn network_ready<X: Shared<Self, W>, P: Platform>(cell: &X, p: &mut P) -> bool {
        if !P::PERSIST {
            return false;
        }
        Self::locked(cell, p, |s, p| {
            if !s.saved.network_ready() {
                return false;
            }
            let id = s.saved.backup.map(|b| b.iccid).unwrap_or_default();
            crate::log!(
                p,
                Info,
                "profile {} reached the network: it is the backup now",
                id.as_bytes()
            );
            let _ = s.save_state(p);
            p.cancel(Work::Deadline);
            true
        })
    }

    /// The client finished a bootstrap or registered: 508/0, if it waits to be created
    /// again, is created now.
    pub fn nusim_recreate_now<X: Shared<Self, W>, P: Platform>(cell: &X, p: &mut P) {
        Self::locked(cell, p, |s, p| {
            if s.recreate_nusim {
                p.submit(Work::Recreate, 0);
            }
        });
    }

    /// A proof from a thread with a small stack (the engine's, network management's): it
    /// counts only if a new profile awaits the network now, and is queued for
    /// [`Work::Proven`], where [`Self::network_ready`] stores the outcome. A proof that
    /// arrives while the load runs is one of the profile before, and does not count. True
    /// if queued.
    pub fn network_ready_later<X: Shared<Self, W>, P: Platform>(cell: &X, p: &mut P) -> bool {
        Self::network_ready_later_if(cell, p, || true) == Some(true)
    }

    /// [`Self::network_ready_later`] for an event that may or may not prove the profile
    /// (a registration's completion, [`crate::proof`]): `proves` is asked under the lock,
    /// and only while a new profile awaits the network. The load that began the trial
    /// returned before the work queue took the lock to wait for the network, so what
    /// `proves` reads then is ordered after that return; read before the lock, it could be
    /// a request's freshness from before the load. None: no profile awaits the network;
    /// Some(true): queued for [`Work::Proven`]; Some(false): it did not prove.
    pub fn network_ready_later_if<X: Shared<Self, W>, P: Platform>(
        cell: &X,
        p: &mut P,
        proves: impl FnOnce() -> bool,
    ) -> Option<bool> {
        if !P::PERSIST {
            return None;
        }
        // Queued under the lock: a proof of this trial runs before anything a later one
        // queues (the work queue runs in order).
        Self::locked(cell, p, |s, p| {
            if !s.saved.awaiting_network() {
                return None;
            }
            let proven = proves();
            if proven {
                p.submit(Work::Proven, 0);
            }
            Some(proven)
        })
    }

    /// The network deadline passed: the backup goes back, if there is one.
    fn network_timeout<X: Shared<Self, W>, P: Platform>(cell: &X, p: &mut P) {
        if !P::PERSIST {
            return;
        }
        let next = Self::locked(cell, p, |s, p| {
            if !s.saved.awaiting_network() {
                // Proven, or rolled back on request, before the deadline: nothing to do.
                return None;
            }
            let next = s.saved.network_timeout();
            match next {
                Next::LoadBackup(slot) => {
                    crate::log!(
                        p,
                        Warn,
                        "the new profile did not reach the network in time: loading the backup"
                    );
                    s.begin_backup(Source::Fallback, slot);
                }
                Next::Done(LoadResult::RollbackFailed) => crate::log!(
                    p,
                    Error,
                    "the new profile did not reach the network in time and there is no backup"
                ),
                _ => {}
            }
            s.publish_saved();
            let _ = s.save_state(p);
            Some(next)
        });
        let Some(next) = next else {
            return;
        };
        if let Next::Done(r) = next {
            Self::report(cell, p, Source::Fallback, BACKUP_INST, r);
        }
        schedule_next(p, next);
    }

    // --- the load work ---

    /// Tells the application's result callback, with no lock held.
    fn report<X: Shared<Self, W>, P: Platform>(
        cell: &X,
        p: &mut P,
        source: Source,
        inst: u16,
        r: LoadResult,
    ) {
        let iccid = Self::locked(cell, p, |s, _| s.nusim.iccid);
        p.report(source, inst, r, iccid.with_nul());
        if matches!(r, LoadResult::Success | LoadResult::RolledBack) {
            p.reach_network();
        }
    }

    /// Ends a candidate's load before it reached the nuSIM, with `r`.
    fn end_before_chip<X: Shared<Self, W>, P: Platform>(
        cell: &X,
        p: &mut P,
        source: Source,
        inst: u16,
        r: LoadResult,
    ) {
        cell.package(Package::wipe);
        Self::locked(cell, p, |s, p| {
            s.job = Job::Idle;
            s.nusim.abort(r);
            s.note(res508::LOAD_RESULT);
            let _ = s.save_state(p);
        });
        crate::log!(
            p,
            Warn,
            "nuSIM load not attempted: result {} ({})",
            r as u8,
            &r
        );
        Self::report(cell, p, source, inst, r);
    }

    fn load_candidate<X: Shared<Self, W>, P: Platform>(
        cell: &X,
        p: &mut P,
        source: Source,
        inst: u16,
    ) {
        match p.policy(source, inst).unwrap_or(POLICY_ALLOW) {
            POLICY_ALLOW => {}
            POLICY_DENY => {
                return Self::end_before_chip(cell, p, source, inst, LoadResult::PolicyDenied)
            }
            POLICY_DEFER => {
                Self::locked(cell, p, |s, p| {
                    s.publish(LoadResult::PolicyDeferred);
                    let _ = s.save_state(p);
                });
                crate::log!(p, Info, "nuSIM load deferred by the application's policy");
                p.submit(Work::Load, P::POLICY_RETRY_S.saturating_mul(1000));
                Self::report(cell, p, source, inst, LoadResult::PolicyDeferred);
                return;
            }
            other => {
                // Fail closed: an answer the API does not define allows nothing.
                crate::log!(
                    p,
                    Error,
                    "the application's policy answered {}, which is not a decision: denied",
                    other
                );
                return Self::end_before_chip(cell, p, source, inst, LoadResult::PolicyDenied);
            }
        }
        if let Err(r) = Self::check(cell, p) {
            return Self::end_before_chip(cell, p, source, inst, r);
        }
        // What the nuSIM holds now, asked now: the trial compares it with the ICCID after
        // a failure to tell "nothing changed" from "the profile is gone". Unknown (a driver
        // that does not answer in time) is no ICCID to compare with: no load then.
        let Some(before) = Self::refresh_iccid(cell, p) else {
            crate::log!(
                p,
                Error,
                "the nuSIM's ICCID is unknown (driver not ready): the load is not attempted"
            );
            return Self::end_before_chip(cell, p, source, inst, LoadResult::DriverError);
        };
        // The candidate goes to its slot, then the trial begins: see crate::switch.
        let began = cell.package(|pkg| {
            Self::locked(cell, p, |s, p| {
                if !P::PERSIST {
                    return Ok(false);
                }
                // The slot that is not the backup's, as the flash has it: after a failed
                // store of the state, RAM may name another backup than the flash.
                if s.state_unsaved {
                    s.save_state(p)?;
                }
                let slot = s.saved.candidate_slot();
                // The read places are scratch here: no message is encoded while we hold
                // the state.
                let m = SlotRecord { package: pkg.get() }
                    .encode(&mut s.reads)
                    .map_err(|_| Error::NoRoom)?;
                save(p, Key::Slot(slot), Some(&s.reads[..m]))?;
                s.saved.begin(&before).map_err(|_| Error::Busy)?;
                s.publish_saved();
                if let Err(e) = s.save_state(p) {
                    s.saved.trial = None;
                    return Err(e);
                }
                Ok(true)
            })
        });
        let Ok(trial) = began else {
            return Self::end_before_chip(cell, p, source, inst, LoadResult::Failed);
        };
        let mut iccid = [0u8; ICCID_ANSWER_LEN];
        // Wiped before the load ends: it holds a profile's ciphertext and keys.
        let (outcome, chip_now) = cell.package(|pkg| {
            let r = Self::load_on_chip(p, pkg.get(), &mut iccid);
            pkg.wipe();
            r
        });
        let (r, next) = Self::locked(cell, p, |s, p| {
            let r = s.finish_load(outcome, &iccid, chip_now);
            let mut next = Next::Done(r);
            if P::PERSIST && trial {
                let id = s.nusim.iccid;
                let out = if r == LoadResult::Success {
                    Ok(&id)
                } else {
                    Err(r)
                };
                next = s
                    .saved
                    .loaded(out, chip_now.as_ref(), P::NETWORK_TIMEOUT_S > 0);
                if let Next::LoadBackup(slot) = next {
                    crate::log!(p, Warn, "load failed ({}) and the nuSIM no longer holds its profile: loading the backup", &r);
                    s.begin_backup(Source::Fallback, slot);
                }
            }
            if !matches!(next, Next::LoadBackup(_)) {
                s.job = Job::Idle;
            }
            let _ = s.save_state(p);
            (r, next)
        });
        match r {
            LoadResult::Success => crate::log!(p, Info, "nuSIM profile loaded"),
            r => crate::log!(p, Warn, "nuSIM load failed: result {} ({})", r as u8, &r),
        }
        // The deadline runs from the load's end, however long the report and the request
        // to reach the network take.
        schedule_next(p, next);
        Self::report(cell, p, source, inst, r);
    }

    /// Queues the load of the backup in `slot` for `source`: loads are refused and 508/0/6
    /// says 2 until it ends.
    fn begin_backup(&mut self, source: Source, slot: u8) {
        let _ = self.nusim.start_internal();
        self.note(res508::LOAD_RESULT);
        self.job = Job::Backup { source, slot };
    }

    /// Ends the running load with the driver's outcome (the ICCID it answered in `iccid`)
    /// and what the nuSIM holds after a failure (`chip_now`, `None`: it could not say):
    /// 508/0/1 follows the chip. The result.
    fn finish_load(
        &mut self,
        outcome: Result<usize, LoadResult>,
        iccid: &[u8; ICCID_ANSWER_LEN],
        chip_now: Option<Text<ICCID_LEN>>,
    ) -> LoadResult {
        let before = self.nusim.iccid;
        let r = self
            .nusim
            .finish(outcome.map(|n| &iccid[..n.min(ICCID_LEN)]));
        if let Some(now) = chip_now {
            self.nusim.iccid = now;
        }
        // After a failure the chip's state is known only if it answered the ICCID question.
        self.iccid_known = r == LoadResult::Success || chip_now.is_some();
        self.note(res508::LOAD_RESULT);
        if before != self.nusim.iccid {
            self.note(res508::ICCID);
        }
        r
    }

    /// Hands `pkg` to the driver (no lock held). The outcome, and after a failure what the
    /// nuSIM holds now (`None`: it could not say): after an I/O failure or a timeout the
    /// chip may have installed the profile anyway, and after any failure the switch must
    /// know whether it lost the profile it had.
    fn load_on_chip<P: Platform>(
        p: &mut P,
        pkg: &[u8],
        iccid: &mut [u8; ICCID_ANSWER_LEN],
    ) -> (Result<usize, LoadResult>, Option<Text<ICCID_LEN>>) {
        let outcome = p
            .nusim_load(pkg, iccid)
            .map(|n| n.min(crate::objects::cstr(iccid).len()))
            .map_err(LoadResult::from);
        if matches!(outcome, Ok(n) if text::is_iccid(&iccid[..n.min(ICCID_LEN)])) {
            return (outcome, None);
        }
        let mut now = Text::new();
        let known = fetch_iccid(p, &mut now);
        (outcome, known.then_some(now))
    }

    /// Asks the driver for the nuSIM's ICCID (work queue, no lock held), waiting up to
    /// [`Platform::DRIVER_WAIT_MS`] for a driver that is not ready yet (a modem still
    /// booting). The answer also becomes 508/0/1; `None` if the driver never answered.
    fn refresh_iccid<X: Shared<Self, W>, P: Platform>(
        cell: &X,
        p: &mut P,
    ) -> Option<Text<ICCID_LEN>> {
        // Elapsed time, not the sum of the sleeps: a driver call may take its timeout.
        let start = p.uptime_ms();
        let id = loop {
            let mut t = Text::new();
            if fetch_iccid(p, &mut t) {
                break Some(t);
            }
            let waited = p.uptime_ms().saturating_sub(start);
            if waited >= u64::from(P::DRIVER_WAIT_MS) {
                break None;
            }
            let left = u64::from(P::DRIVER_WAIT_MS) - waited;
            p.sleep_ms(u64::from(DRIVER_POLL_MS).min(left) as u32);
        };
        Self::locked(cell, p, |s, _| {
            s.iccid_known = id.is_some();
            if let Some(t) = id.filter(|t| *t != s.nusim.iccid) {
                s.nusim.iccid = t;
                s.note(res508::ICCID);
            }
        });
        id
    }

    /// The job queued at start when the nuSIM's ICCID was unknown: asks the driver
    /// (waiting for it, bounded); if a load was cut short by the restart, then decides as
    /// the start would have.
    fn ask_iccid<X: Shared<Self, W>, P: Platform>(cell: &X, p: &mut P) {
        let chip = Self::refresh_iccid(cell, p);
        let next = Self::locked(cell, p, |s, p| {
            if s.job != Job::AskIccid {
                // A load or rollback took the job meanwhile (possible only without a load
                // cut short: that refuses both): it learns the ICCID itself.
                return None;
            }
            s.job = Job::Idle;
            if !s.saved.trial.is_some_and(|t| t.phase == Phase::Loading) {
                return None;
            }
            if chip.is_none() {
                crate::log!(
                    p,
                    Error,
                    "the nuSIM's ICCID is still unknown: going back to what is known to work"
                );
            }
            Some(s.decide_restart(p, chip))
        });
        if let Some(next) = next {
            let awaiting = matches!(next, Next::AwaitNetwork);
            schedule_next(p, next);
            if awaiting {
                // The client may have registered before this was known, over this
                // profile, when that could prove nothing yet: ask for the network again,
                // or the deadline would take back a profile that works.
                p.reach_network();
            }
        }
    }

    /// What a switch cut short by a restart needs, given what the nuSIM holds now
    /// (`None`: it could not say), as `crate::switch` decides it; stores the outcome.
    pub(crate) fn decide_restart<P: Platform>(
        &mut self,
        p: &mut P,
        chip: Option<Text<ICCID_LEN>>,
    ) -> Next {
        let trial = self.saved.trial;
        let next = self.saved.at_start(chip.as_ref(), P::NETWORK_TIMEOUT_S > 0);
        let Some(t) = trial else {
            return next;
        };
        match next {
            Next::LoadBackup(slot) => {
                crate::log!(
                    p,
                    Warn,
                    "restart during a switch ({}): loading the backup again",
                    &t.phase
                );
                self.begin_backup(Source::Fallback, slot);
            }
            Next::AwaitNetwork => {
                crate::log!(
                    p,
                    Info,
                    "restart while a new profile awaits the network: deadline re-armed"
                )
            }
            Next::Done(r) => crate::log!(
                p,
                Warn,
                "restart during a switch ({}): result {} ({})",
                &t.phase,
                r as u8,
                &r
            ),
            Next::LoadBackupLater(..) => {}
        }
        self.publish_saved();
        let _ = self.save_state(p);
        next
    }

    /// Reads the package of backup slot `slot` into the package copy; false if there is
    /// none usable.
    fn read_slot<P: Platform>(&mut self, p: &mut P, slot: u8, pkg: &mut Package<W>) -> bool {
        // Negative: none or unreadable; larger than the buffer: not read.
        let n = match p.read(Key::Slot(slot), &mut self.reads) {
            Ok(n) if n <= R => n,
            _ => return false,
        };
        match SlotRecord::decode(&self.reads[..n]) {
            Ok(r) => pkg.set(r.package),
            Err(e) => {
                crate::log!(p, Error, "backup slot {} unusable: {}", slot, &e);
                false
            }
        }
    }

    fn load_backup<X: Shared<Self, W>, P: Platform>(cell: &X, p: &mut P, source: Source, slot: u8) {
        if !P::PERSIST {
            return;
        }
        // The attempt is counted and stored before the load: one that a reset interrupts
        // counts too, so the limit holds over restarts.
        let counted = Self::locked(cell, p, |s, p| {
            let r = s.saved.begin_backup_attempt(P::FALLBACK_ATTEMPTS);
            if let Err(r) = r {
                s.nusim.abort(r);
                s.note(res508::LOAD_RESULT);
                s.job = Job::Idle;
            }
            let _ = s.save_state(p);
            r
        });
        if let Err(r) = counted {
            crate::log!(
                p,
                Error,
                "backup profile not loaded: {} attempts were made (result {})",
                P::FALLBACK_ATTEMPTS,
                r as u8
            );
            Self::report(cell, p, source, BACKUP_INST, r);
            return;
        }
        let mut iccid = [0u8; ICCID_ANSWER_LEN];
        let (outcome, chip_now) = cell.package(|pkg| {
            let r = if Self::locked(cell, p, |s, p| s.read_slot(p, slot, pkg)) {
                Self::load_on_chip(p, pkg.get(), &mut iccid)
            } else {
                (Err(LoadResult::Failed), None)
            };
            pkg.wipe();
            r
        });
        let (loaded, next) = Self::locked(cell, p, |s, p| {
            let loaded = s.finish_load(outcome, &iccid, chip_now);
            let id = s.nusim.iccid;
            let out = if loaded == LoadResult::Success {
                Ok(&id)
            } else {
                Err(loaded)
            };
            let next = s.saved.backup_loaded(out, P::FALLBACK_ATTEMPTS);
            match next {
                Next::LoadBackupLater(..) => {
                    // Still rolling back: loads stay refused, 508/0/6 says 2 until the end.
                    let _ = s.nusim.start_internal();
                    s.publish(LoadResult::InProgress);
                }
                Next::Done(r) => {
                    s.publish(r);
                    s.job = Job::Idle;
                }
                _ => {}
            }
            let _ = s.save_state(p);
            (loaded, next)
        });
        let r = match next {
            Next::LoadBackupLater(_, attempt) => {
                crate::log!(
                    p,
                    Warn,
                    "backup profile not loaded ({}), attempt {} of {}: trying again in {} s",
                    &loaded,
                    attempt,
                    P::FALLBACK_ATTEMPTS,
                    retry_delay_s(P::FALLBACK_RETRY_S, attempt)
                );
                // The application hears of each failed attempt, with its cause.
                loaded
            }
            Next::Done(LoadResult::RolledBack) => {
                crate::log!(p, Warn, "backup profile loaded again (result 18)");
                LoadResult::RolledBack
            }
            Next::Done(r) => {
                crate::log!(
                    p,
                    Error,
                    "backup profile could not be loaded again (result {})",
                    r as u8
                );
                r
            }
            _ => LoadResult::Failed,
        };
        Self::report(cell, p, source, BACKUP_INST, r);
        schedule_next(p, next);
    }

    /// The device-side check of the package copy before the nuSIM sees it: KpubCI among
    /// the trusted keys (asked under the state), then both signatures (without it: they
    /// take a while). Without a verifier (features `chain-*`) only the nuSIM checks.
    #[cfg(any(feature = "chain-bp256", feature = "chain-p256"))]
    fn check<X: Shared<Self, W>, P: Platform>(cell: &X, p: &mut P) -> Result<(), LoadResult> {
        use crate::chain::{self, ChainError};
        if !P::CHECK_PACKAGES {
            return Ok(());
        }
        cell.package(|pkg| {
            let ci = chain::kpub_ci(pkg.get()).ok_or(LoadResult::Incomplete)?;
            let trusted = Self::locked(cell, p, |s, _| s.trust.admits(ci));
            let r = if trusted {
                chain::verify_chain_with(pkg.get(), |k, d, s| p.verify_signature(k, d, s))
            } else {
                Err(ChainError::UntrustedCi)
            };
            r.map_err(|e| {
                crate::log!(
                    p,
                    Warn,
                    "package refused on the device, not sent to the nuSIM: {}",
                    &e
                );
                LoadResult::from(e)
            })
        })
    }

    #[cfg(not(any(feature = "chain-bp256", feature = "chain-p256")))]
    fn check<X: Shared<Self, W>, P: Platform>(_: &X, _: &mut P) -> Result<(), LoadResult> {
        Ok(())
    }
}
