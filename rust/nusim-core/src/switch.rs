//! A carrier switch with a backup: the candidate slot, the trial, promotion, automatic
//! fallback, and recovery after a restart at any point.
//!
//! Two package slots hold at most two packages: the backup (the last package that brought
//! the device onto the network) and the candidate. The state record ([`StateRecord`]) says
//! which is which; it is one record, so each transition below is one atomic write. The
//! sequence of a switch, and what a restart after each write finds:
//!
//! 1. the candidate's package is written to the slot that is not the backup's. A restart
//!    here finds no trial: the slot is unreferenced and the old state holds;
//! 2. the state becomes "trial, [`Phase::Loading`], ICCID before". A restart from here until
//!    step 3 asks the nuSIM its ICCID: a new one means it took the package (continue as
//!    loaded), the old one that it did not ([`LoadResult::Interrupted`]);
//! 3. the nuSIM answered. Success: [`Phase::AwaitingNetwork`] (a restart re-arms the
//!    deadline), or, without a deadline, the candidate becomes the backup at once. Failure
//!    while the nuSIM still holds the ICCID it had: the trial ends with the failure's code.
//!    Failure with the nuSIM's profile changed or unknown: [`Phase::RollingBack`];
//! 4. the device reached the network: the candidate becomes the backup (one write). A
//!    restart while awaiting it asks the nuSIM: the new profile (or no answer) re-arms the
//!    deadline, the backup's profile ends the trial as rolled back (a rollback whose end
//!    was not stored), anything else loads the backup;
//! 5. the deadline passed: [`Phase::RollingBack`]. A restart in this phase loads the backup
//!    again; the load of a package the nuSIM already holds is idempotent;
//! 6. the backup's load answered: [`LoadResult::RolledBack`], trial over. A failed load of
//!    the backup (driver busy, a timeout, a modem not ready, an unreadable slot) is tried
//!    again after a back-off, up to a limit the caller sets; the count of failed attempts
//!    is part of the record, so a restart resumes the retries where they were. Only when
//!    the limit is reached: [`LoadResult::RollbackFailed`], trial over.

use crate::persist::{Backup, Iccid, Phase, StateRecord, Trial};
use crate::result::LoadResult;

/// What the caller does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Nothing: the switch is over with this result.
    Done(LoadResult),
    /// Arm the network deadline; call [`StateRecord::network_ready`] or
    /// [`StateRecord::network_timeout`].
    AwaitNetwork,
    /// Load the package of this slot (the backup), then call [`StateRecord::backup_loaded`].
    LoadBackup(u8),
    /// The backup's load failed (the `u8` attempt so far, from 1): load it again after the
    /// back-off ([`retry_delay_s`]), then call [`StateRecord::backup_loaded`].
    LoadBackupLater(u8, u8),
}

/// Seconds to wait before attempt `attempt + 1` of the backup's load: `base_s` doubled
/// after each failed attempt, at most 16 times `base_s`.
pub fn retry_delay_s(base_s: u32, attempt: u8) -> u32 {
    base_s.saturating_mul(1 << (u32::from(attempt.clamp(1, 5)) - 1))
}

/// Why a switch could not start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SwitchError {
    /// A switch is in flight.
    Busy,
    /// A rollback was asked for without a backup.
    NoBackup,
}

impl StateRecord {
    /// The slot a new candidate goes to: never the backup's.
    pub fn candidate_slot(&self) -> u8 {
        self.backup.map_or(0, |b| 1 - b.slot)
    }

    /// Step 2: a candidate (already in [`Self::candidate_slot`]) goes to the nuSIM, which
    /// holds `iccid_before` now.
    pub fn begin(&mut self, iccid_before: &Iccid) -> Result<(), SwitchError> {
        if self.trial.is_some() {
            return Err(SwitchError::Busy);
        }
        self.trial = Some(Trial {
            slot: self.candidate_slot(),
            phase: Phase::Loading,
            iccid_before: *iccid_before,
            iccid_new: Iccid::new(),
            attempts: 0,
        });
        self.result = LoadResult::InProgress as u8;
        Ok(())
    }

    fn end(&mut self, r: LoadResult) -> Next {
        self.trial = None;
        self.result = r as u8;
        Next::Done(r)
    }

    fn roll_back(&mut self, failure: LoadResult) -> Next {
        match (self.backup, self.trial.as_mut()) {
            (Some(b), Some(t)) => {
                t.phase = Phase::RollingBack;
                t.attempts = 0;
                self.result = LoadResult::InProgress as u8;
                Next::LoadBackup(b.slot)
            }
            _ => self.end(failure),
        }
    }

    fn promote(&mut self) {
        if let Some(t) = self.trial.take() {
            self.backup = Some(Backup {
                slot: t.slot,
                iccid: t.iccid_new,
            });
        }
    }

    /// Step 3: the nuSIM's answer to the candidate. `chip_iccid` is what the nuSIM holds
    /// after a failure (`None`: it could not be asked). With `await_network` a success
    /// waits for [`Self::network_ready`]; without, the candidate is the backup at once.
    pub fn loaded(
        &mut self,
        outcome: Result<&Iccid, LoadResult>,
        chip_iccid: Option<&Iccid>,
        await_network: bool,
    ) -> Next {
        let Some(t) = self.trial.as_mut().filter(|t| t.phase == Phase::Loading) else {
            return Next::Done(LoadResult::Failed);
        };
        match outcome {
            Ok(iccid) => {
                t.iccid_new = *iccid;
                self.result = LoadResult::Success as u8;
                if await_network {
                    t.phase = Phase::AwaitingNetwork;
                    Next::AwaitNetwork
                } else {
                    self.promote();
                    Next::Done(LoadResult::Success)
                }
            }
            Err(r) if chip_iccid == Some(&t.iccid_before) => self.end(r),
            Err(r) => self.roll_back(r),
        }
    }

    /// A new profile is on trial and awaits the network: a proof now counts.
    pub fn awaiting_network(&self) -> bool {
        self.trial
            .is_some_and(|t| t.phase == Phase::AwaitingNetwork)
    }

    /// Step 4: the device is on the network. True if that proved a candidate.
    pub fn network_ready(&mut self) -> bool {
        if self.awaiting_network() {
            self.promote();
            true
        } else {
            false
        }
    }

    /// Step 5: the deadline passed without the network. Without a backup the new profile
    /// stays (there is nothing to go back to) and the result says so.
    pub fn network_timeout(&mut self) -> Next {
        if !self.awaiting_network() {
            return Next::Done(LoadResult::Failed);
        }
        self.roll_back(LoadResult::RollbackFailed)
    }

    /// A rollback asked for by the application: the backup goes back to the nuSIM, which
    /// holds `iccid_now`. While a new profile awaits the network this ends its trial at
    /// once (the application knows it will not make it); otherwise it repairs a nuSIM that
    /// no longer holds the backup's profile. Refused while a load runs.
    pub fn request_rollback(&mut self, iccid_now: &Iccid) -> Result<u8, SwitchError> {
        let b = self.backup.ok_or(SwitchError::NoBackup)?;
        match self.trial.as_mut() {
            Some(t) if t.phase == Phase::AwaitingNetwork => t.phase = Phase::RollingBack,
            Some(_) => return Err(SwitchError::Busy),
            None => {
                self.trial = Some(Trial {
                    slot: 1 - b.slot,
                    phase: Phase::RollingBack,
                    iccid_before: *iccid_now,
                    iccid_new: Iccid::new(),
                    attempts: 0,
                })
            }
        }
        self.result = LoadResult::InProgress as u8;
        Ok(b.slot)
    }

    /// Before each load of the backup, the one a restart resumes included: counts the
    /// attempt (store the record before loading). The slot to load; or, when
    /// `max_attempts` (at least 1) were made already, the trial ends with
    /// [`LoadResult::RollbackFailed`], returned as the error.
    pub fn begin_backup_attempt(&mut self, max_attempts: u8) -> Result<u8, LoadResult> {
        let backup = self.backup;
        let Some(t) = self
            .trial
            .as_mut()
            .filter(|t| t.phase == Phase::RollingBack)
        else {
            return Err(LoadResult::Failed);
        };
        match backup {
            Some(b) if t.attempts < max_attempts.max(1) => {
                t.attempts += 1;
                self.result = LoadResult::InProgress as u8;
                Ok(b.slot)
            }
            _ => {
                self.end(LoadResult::RollbackFailed);
                Err(LoadResult::RollbackFailed)
            }
        }
    }

    /// Step 6: the nuSIM's answer to the backup (after [`Self::begin_backup_attempt`]). A
    /// failure before the `max_attempts`-th attempt keeps the trial rolling back and asks
    /// for another attempt later; the last one ends it with [`LoadResult::RollbackFailed`].
    pub fn backup_loaded(&mut self, outcome: Result<&Iccid, LoadResult>, max_attempts: u8) -> Next {
        let Some(t) = self
            .trial
            .as_mut()
            .filter(|t| t.phase == Phase::RollingBack)
        else {
            return Next::Done(LoadResult::Failed);
        };
        match (outcome, self.backup) {
            (Ok(_), _) => self.end(LoadResult::RolledBack),
            (Err(_), Some(b)) if t.attempts < max_attempts.max(1) => {
                self.result = LoadResult::InProgress as u8;
                Next::LoadBackupLater(b.slot, t.attempts)
            }
            (Err(_), _) => self.end(LoadResult::RollbackFailed),
        }
    }

    /// After a restart: what a switch cut short needs, given the ICCID the nuSIM holds now
    /// (`None`: it could not be asked).
    pub fn at_start(&mut self, chip_iccid: Option<&Iccid>, await_network: bool) -> Next {
        let Some(t) = self.trial else {
            return Next::Done(LoadResult::Success);
        };
        match t.phase {
            Phase::Loading => match chip_iccid {
                Some(id) if *id == t.iccid_before => self.end(LoadResult::Interrupted),
                Some(id) if !id.as_bytes().is_empty() => self.loaded(Ok(id), None, await_network),
                // The nuSIM lost its profile, or cannot say: go back where possible.
                _ => self.roll_back(LoadResult::Interrupted),
            },
            Phase::AwaitingNetwork => match chip_iccid {
                // The new profile, or the nuSIM cannot say: the wait goes on.
                None => Next::AwaitNetwork,
                Some(id) if *id == t.iccid_new => Next::AwaitNetwork,
                // The backup's profile: a rollback whose end was never stored.
                Some(id) if self.backup.is_some_and(|b| b.iccid == *id) => {
                    self.end(LoadResult::RolledBack)
                }
                // Anything else: the new profile is gone; the backup goes back.
                Some(_) => self.roll_back(LoadResult::RollbackFailed),
            },
            Phase::RollingBack => match self.backup {
                Some(b) => Next::LoadBackup(b.slot),
                None => self.end(LoadResult::RollbackFailed),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iccid(s: &str) -> Iccid {
        let mut t = Iccid::new();
        assert!(t.set(s.as_bytes()));
        t
    }

    const A: &str = "8949000000000000017";
    const B: &str = "89490000000000000258";

    /// A device that has proven profile A in slot 1.
    fn proven() -> StateRecord {
        StateRecord {
            backup: Some(Backup {
                slot: 1,
                iccid: iccid(A),
            }),
            ..StateRecord::default()
        }
    }

    #[test]
    fn success_then_network_promotes() {
        let mut s = proven();
        assert_eq!(s.candidate_slot(), 0);
        s.begin(&iccid(A)).unwrap();
        assert_eq!(s.begin(&iccid(A)), Err(SwitchError::Busy));
        assert_eq!(s.loaded(Ok(&iccid(B)), None, true), Next::AwaitNetwork);
        assert_eq!(s.result, 0);
        assert!(s.network_ready());
        assert_eq!(s.backup.unwrap().slot, 0);
        assert_eq!(s.backup.unwrap().iccid, iccid(B));
        assert!(s.trial.is_none());
        assert_eq!(s.candidate_slot(), 1);
    }

    #[test]
    fn without_deadline_success_promotes_at_once() {
        let mut s = StateRecord::default();
        s.begin(&Iccid::new()).unwrap();
        assert_eq!(
            s.loaded(Ok(&iccid(B)), None, false),
            Next::Done(LoadResult::Success)
        );
        assert_eq!(s.backup.unwrap().slot, 0);
    }

    #[test]
    fn timeout_rolls_back() {
        let mut s = proven();
        s.begin(&iccid(A)).unwrap();
        s.loaded(Ok(&iccid(B)), None, true);
        assert_eq!(s.network_timeout(), Next::LoadBackup(1));
        assert_eq!(s.result, LoadResult::InProgress as u8);
        assert_eq!(
            s.backup_loaded(Ok(&iccid(A)), 3),
            Next::Done(LoadResult::RolledBack)
        );
        assert_eq!(s.backup.unwrap().slot, 1);
        assert_eq!(s.result, LoadResult::RolledBack as u8);
        // No backup: the new profile stays, and the result says the fallback was impossible.
        let mut s = StateRecord::default();
        s.begin(&iccid(A)).unwrap();
        s.loaded(Ok(&iccid(B)), None, true);
        assert_eq!(s.network_timeout(), Next::Done(LoadResult::RollbackFailed));
        assert!(s.backup.is_none() && s.trial.is_none());
    }

    #[test]
    fn failure_rolls_back_only_when_the_nusim_lost_its_profile() {
        let mut s = proven();
        s.begin(&iccid(A)).unwrap();
        assert_eq!(
            s.loaded(Err(LoadResult::MacMismatch), Some(&iccid(A)), true),
            Next::Done(LoadResult::MacMismatch)
        );
        assert_eq!(s.result, LoadResult::MacMismatch as u8);
        s.begin(&iccid(A)).unwrap();
        assert_eq!(
            s.loaded(Err(LoadResult::DriverError), Some(&Iccid::new()), true),
            Next::LoadBackup(1)
        );
        assert_eq!(s.begin_backup_attempt(1), Ok(1));
        assert_eq!(
            s.backup_loaded(Err(LoadResult::DriverError), 1),
            Next::Done(LoadResult::RollbackFailed)
        );
        s.begin(&iccid(A)).unwrap();
        assert_eq!(
            s.loaded(Err(LoadResult::DriverError), None, true),
            Next::LoadBackup(1)
        );
    }

    #[test]
    fn manual_rollback() {
        let mut s = StateRecord::default();
        assert_eq!(s.request_rollback(&iccid(A)), Err(SwitchError::NoBackup));
        let mut s = proven();
        assert_eq!(s.request_rollback(&iccid(B)), Ok(1));
        assert_eq!(s.request_rollback(&iccid(B)), Err(SwitchError::Busy));
        assert_eq!(
            s.backup_loaded(Ok(&iccid(A)), 3),
            Next::Done(LoadResult::RolledBack)
        );
        // During a trial: refused while loading, ends the wait for the network at once.
        s.begin(&iccid(A)).unwrap();
        assert_eq!(s.request_rollback(&iccid(A)), Err(SwitchError::Busy));
        s.loaded(Ok(&iccid(B)), None, true);
        assert_eq!(s.request_rollback(&iccid(B)), Ok(1));
        assert_eq!(s.trial.unwrap().phase, Phase::RollingBack);
        assert!(!s.network_ready());
        assert_eq!(s.network_timeout(), Next::Done(LoadResult::Failed));
        assert_eq!(
            s.backup_loaded(Ok(&iccid(A)), 3),
            Next::Done(LoadResult::RolledBack)
        );
        assert_eq!(s.backup.unwrap().iccid, iccid(A));
    }

    /// A backup load that fails is tried again with a growing delay, the attempts survive
    /// a restart, and only the last allowed failure ends in 19.
    #[test]
    fn failed_backup_loads_are_retried_up_to_the_limit() {
        let mut s = proven();
        s.begin(&iccid(A)).unwrap();
        s.loaded(Ok(&iccid(B)), None, true);
        assert_eq!(s.network_timeout(), Next::LoadBackup(1));
        assert_eq!(s.begin_backup_attempt(4), Ok(1));
        assert_eq!(
            s.backup_loaded(Err(LoadResult::DriverBusy), 4),
            Next::LoadBackupLater(1, 1)
        );
        assert_eq!(s.result, LoadResult::InProgress as u8);
        assert_eq!(s.begin_backup_attempt(4), Ok(1));
        assert_eq!(
            s.backup_loaded(Err(LoadResult::DriverError), 4),
            Next::LoadBackupLater(1, 2)
        );
        // A restart now: the record keeps the count, and the backup is loaded at once.
        let mut b = [0u8; 128];
        let n = s.encode(&mut b).unwrap();
        let mut st = StateRecord::decode(&b[..n]).unwrap();
        assert_eq!(st.trial.unwrap().attempts, 2);
        assert_eq!(st.at_start(Some(&iccid(B)), true), Next::LoadBackup(1));
        assert_eq!(st.begin_backup_attempt(4), Ok(1));
        assert_eq!(
            st.backup_loaded(Err(LoadResult::Failed), 4),
            Next::LoadBackupLater(1, 3)
        );
        assert_eq!(st.begin_backup_attempt(4), Ok(1));
        let mut ok = st;
        assert_eq!(
            ok.backup_loaded(Ok(&iccid(A)), 4),
            Next::Done(LoadResult::RolledBack)
        );
        assert!(ok.trial.is_none());
        // A reset during the last attempt counts it: the restart gives up at once.
        let mut cut = st;
        assert_eq!(cut.at_start(Some(&iccid(B)), true), Next::LoadBackup(1));
        assert_eq!(cut.begin_backup_attempt(4), Err(LoadResult::RollbackFailed));
        assert!(cut.trial.is_none());
        assert_eq!(
            st.backup_loaded(Err(LoadResult::Failed), 4),
            Next::Done(LoadResult::RollbackFailed)
        );
        assert!(st.trial.is_none());
        assert_eq!(st.result, LoadResult::RollbackFailed as u8);
        // A new rollback starts counting afresh.
        assert_eq!(st.request_rollback(&iccid(B)), Ok(1));
        assert_eq!(st.trial.unwrap().attempts, 0);
        assert_eq!(
            (
                retry_delay_s(10, 1),
                retry_delay_s(10, 2),
                retry_delay_s(10, 3)
            ),
            (10, 20, 40)
        );
        assert_eq!((retry_delay_s(10, 5), retry_delay_s(10, 200)), (160, 160));
        assert_eq!(retry_delay_s(u32::MAX, 9), u32::MAX);
    }

    /// What a restart finds after a power cut at every point of a switch: the records on
    /// flash are a prefix of the writes, the nuSIM either took the package or not, and
    /// recovery must end in the old or in the new profile with a backup that matches it.
    #[test]
    fn restart_at_every_write_point_ends_old_or_new() {
        use crate::persist::StateRecord as S;
        #[derive(Clone, Copy, PartialEq, Debug)]
        enum Chip {
            Old,
            New,
        }
        for await_network in [false, true] {
            for network_comes in [false, true] {
                // The writes of a switch, each a (state after it, chip after it) pair.
                let mut steps: std::vec::Vec<(S, Chip)> = std::vec::Vec::new();
                let mut s = proven();
                steps.push((s, Chip::Old)); // 0: before anything
                steps.push((s, Chip::Old)); // 1: candidate slot written (unreferenced)
                s.begin(&iccid(A)).unwrap();
                steps.push((s, Chip::Old)); // 2: trial Loading
                steps.push((s, Chip::New)); // 2': the nuSIM took it, nothing written yet
                match s.loaded(Ok(&iccid(B)), None, await_network) {
                    Next::AwaitNetwork => {
                        steps.push((s, Chip::New));
                        if network_comes {
                            assert!(s.network_ready());
                            steps.push((s, Chip::New));
                        } else {
                            assert_eq!(s.network_timeout(), Next::LoadBackup(1));
                            steps.push((s, Chip::New)); // RollingBack
                            steps.push((s, Chip::Old)); // backup reloaded, not yet written
                            s.backup_loaded(Ok(&iccid(A)), 3);
                            steps.push((s, Chip::Old));
                        }
                    }
                    Next::Done(LoadResult::Success) => steps.push((s, Chip::New)),
                    n => panic!("{n:?}"),
                }
                for (i, (saved, chip)) in steps.iter().enumerate() {
                    // The state survives through its encoding.
                    let mut b = [0u8; 128];
                    let n = saved.encode(&mut b).unwrap();
                    let mut st = S::decode(&b[..n]).unwrap();
                    let now = match chip {
                        Chip::Old => iccid(A),
                        Chip::New => iccid(B),
                    };
                    let mut chip_after = *chip;
                    let mut next = st.at_start(Some(&now), await_network);
                    loop {
                        match next {
                            Next::LoadBackup(slot) => {
                                assert_eq!(Some(slot), st.backup.map(|b| b.slot));
                                chip_after = Chip::Old;
                                st.backup_loaded(Ok(&iccid(A)), 3);
                                next = Next::Done(LoadResult::RolledBack);
                            }
                            Next::AwaitNetwork => {
                                assert_eq!(chip_after, Chip::New, "step {i}");
                                next = if network_comes {
                                    st.network_ready();
                                    Next::Done(LoadResult::Success)
                                } else {
                                    st.network_timeout()
                                };
                            }
                            Next::Done(_) => break,
                            Next::LoadBackupLater(..) => panic!("the backup loads at once here"),
                        }
                    }
                    // Settled: no trial, and the backup is the profile the nuSIM holds.
                    assert!(st.trial.is_none(), "step {i}");
                    let b = st.backup.unwrap();
                    let want = match chip_after {
                        Chip::Old => iccid(A),
                        Chip::New => iccid(B),
                    };
                    assert_eq!(b.iccid, want, "step {i} await {await_network}");
                }
            }
        }
    }

    /// A load that erased the old profile and failed: a restart at every point after the
    /// erase must end with the backup back on the nuSIM.
    #[test]
    fn restart_after_a_destructive_failure_loads_the_backup_again() {
        let mut s = proven();
        s.begin(&iccid(A)).unwrap();
        let loading = s;
        assert_eq!(
            s.loaded(Err(LoadResult::DriverError), Some(&Iccid::new()), true),
            Next::LoadBackup(1)
        );
        let rolling_back = s;
        for saved in [loading, rolling_back] {
            let mut st = saved;
            assert_eq!(st.at_start(Some(&Iccid::new()), true), Next::LoadBackup(1));
            assert_eq!(
                st.backup_loaded(Ok(&iccid(A)), 3),
                Next::Done(LoadResult::RolledBack)
            );
            assert!(st.trial.is_none());
            assert_eq!(st.backup.unwrap().iccid, iccid(A));
        }
        // Asked before the erase reached the chip: the load was interrupted, nothing to do.
        let mut st = loading;
        assert_eq!(
            st.at_start(Some(&iccid(A)), true),
            Next::Done(LoadResult::Interrupted)
        );
        // The nuSIM cannot answer: go back to what is known to work.
        let mut st = loading;
        assert_eq!(st.at_start(None, true), Next::LoadBackup(1));
    }

    /// The backup went back on the nuSIM while the stored state still said "awaiting the
    /// network" (the rolling-back record was never stored: a failed write, then a power
    /// cut after the backup's load). The restart must not re-arm the wait and later make
    /// the candidate the backup while the nuSIM holds the old profile.
    #[test]
    fn restart_awaiting_the_network_checks_what_the_nusim_holds() {
        let mut s = proven();
        s.begin(&iccid(A)).unwrap();
        assert_eq!(s.loaded(Ok(&iccid(B)), None, true), Next::AwaitNetwork);
        let awaiting = s;
        // Still the new profile, or the nuSIM cannot say: the wait goes on.
        for chip in [Some(iccid(B)), None] {
            let mut st = awaiting;
            assert_eq!(st.at_start(chip.as_ref(), true), Next::AwaitNetwork);
        }
        // The backup's profile: the rollback happened.
        let mut st = awaiting;
        assert_eq!(
            st.at_start(Some(&iccid(A)), true),
            Next::Done(LoadResult::RolledBack)
        );
        assert!(st.trial.is_none() && !st.network_ready());
        assert_eq!(st.backup.unwrap().iccid, iccid(A));
        // Neither (the profile lost): the backup goes back.
        let mut st = awaiting;
        assert_eq!(st.at_start(Some(&Iccid::new()), true), Next::LoadBackup(1));
    }

    extern crate std;
}
