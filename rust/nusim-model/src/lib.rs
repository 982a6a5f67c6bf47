//! The model test of Objects 507/508: `nusim-core`'s objects driven through random
//! schedules over a simulated platform, checked against the documented behaviour.
//!
//! A schedule is a random sequence of what servers, the application, the network and the
//! work queue do: creates, whole and block-wise writes, deletes, links, executes, local
//! loads, rollbacks, the network coming or its deadline passing, restarts. The simulated
//! platform ([`Fake`]) keeps a flash (settings records), a nuSIM (which profile it holds)
//! and a work queue that survive or not as a device would, and at every storage write and
//! every driver call it may fail, or cut the power (the write landing or not, the nuSIM
//! taking the package or not); the device then restarts from what the flash holds. While a
//! load runs outside the lock, other requests arrive (executes, loads, rollbacks, reads),
//! as they would from the engine thread.
//!
//! After every step [`check`] holds the objects to the documented behaviour:
//! - nothing acknowledged to a server is lost: every 507 value and instance that was
//!   answered with success reads back as written, across restarts when persistence is on;
//!   a refused request changed nothing;
//! - the backup's slot holds the backup's package (what the stored state calls the backup
//!   is what the nuSIM reported for that slot's package);
//! - settled (no load running, nothing awaiting the network), the nuSIM holds the backup's
//!   profile, unless the last fallback failed (19) and nothing has repaired it since;
//! - 508/0/1 is what the nuSIM holds whenever it was last able to say;
//! - 508/0/6 and every reported result are documented codes; a busy module always has
//!   work queued that will end it (no state outside the documented ones, none stuck);
//! - no callback re-enters the state, and the package copy is never used by two contexts
//!   at once (both would panic in [`Cells`]).
//!
//! [`Choice`] supplies every random decision: a seeded generator in `cargo test`, the
//! fuzzer's bytes in the `model` cargo-fuzz target.
#![forbid(unsafe_code)]

use nusim_core::field::{Field, HEADER_LEN};
use nusim_core::objects::{self, res508, Objects, WriteInfo};
use nusim_core::persist::{Key, SlotRecord, StateRecord};
use nusim_core::platform::{Error, Package, Platform, Shared, Source, Work};
use nusim_core::result::{reason, DriverError, LoadResult};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

/// 507 instances.
pub const N: usize = 2;
const ENCP: usize = 32;
/// Wire capacity of a profile.
pub const W: usize = HEADER_LEN + ENCP;
const C: usize = 16;
/// The objects under test.
pub type Obj = Objects<
    N,
    W,
    C,
    0,
    { objects::staging_len(W) },
    { objects::reads_len(N, W) },
    { objects::cert_text_len(C) },
>;

/// Where every random decision comes from.
pub trait Choice {
    /// A number below `n` (n > 0).
    fn below(&mut self, n: u32) -> u32;
    /// True one time in `n`.
    fn one_in(&mut self, n: u32) -> bool {
        self.below(n) == 0
    }
}

/// SplitMix64: seeded, reproducible.
pub struct SplitMix(pub u64);

impl Choice for SplitMix {
    fn below(&mut self, n: u32) -> u32 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) % u64::from(n)) as u32
    }
}

/// A fuzzer's bytes; zeros once they run out.
pub struct Bytes<'a>(pub &'a [u8]);

impl Choice for Bytes<'_> {
    fn below(&mut self, n: u32) -> u32 {
        let Some((&b, rest)) = self.0.split_first() else {
            return 0;
        };
        self.0 = rest;
        u32::from(b) % n
    }
}

/// The state and the package copy, each in a `RefCell`: a second borrow (a callback that
/// re-enters the state, two contexts on the package copy) panics.
pub struct Cells {
    state: RefCell<Box<Obj>>,
    pkg: RefCell<Package<W>>,
}

impl Shared<Obj, W> for Cells {
    fn with<R>(&self, f: impl FnOnce(&mut Obj) -> R) -> R {
        let mut s = self
            .state
            .try_borrow_mut()
            .expect("the state was entered twice: a platform call re-entered it");
        f(&mut s)
    }
    fn hold<R>(&self, f: impl FnOnce() -> R) -> R {
        f()
    }
    fn package<R>(&self, f: impl FnOnce(&mut Package<W>) -> R) -> R {
        let mut p = self
            .pkg
            .try_borrow_mut()
            .expect("the package copy was used by two contexts at once");
        f(&mut p)
    }
}

/// What survives a restart (flash, nuSIM, clock) and what the checks read.
#[derive(Default)]
pub struct World {
    flash: BTreeMap<String, Vec<u8>>,
    /// The ICCID of the profile the nuSIM holds; `None`: none.
    chip: Option<String>,
    /// The power is cut: nothing more lands until the restart.
    dead: bool,
    /// This step may cut the power.
    may_cut: bool,
    clock: u64,
    pending: BTreeMap<u8, u64>,
    /// The last ICCID question was answered.
    iccid_answered: bool,
    /// Results the application was told.
    reports: Vec<LoadResult>,
    /// Loads asked for and accepted (execute, local load, rollback answered 0) since the
    /// last restart: each ends in a result the application is told.
    asked: usize,
    /// 508 resources notified during the step (bit per resource).
    notified: u8,
    /// Local loads that arrived during the step, in order: each set 508/0/4 (true), or
    /// may have (false). Every one counts: a later one that fails to store its link puts
    /// back the link an earlier one stored.
    local_links: Vec<(u16, bool)>,
    /// A storage write failed (not by a power cut) since the last restart: RAM may be
    /// ahead of the flash.
    save_failed: bool,
    /// A fallback failed (19) and the nuSIM has not held the backup since.
    tainted: bool,
    /// Since the new profile on trial began awaiting the network, something will bring a
    /// registration over it: the module asked for the network, or the client starts after
    /// the restart that found it awaiting.
    network_asked: bool,
    /// What the schedules reached, for the summary line.
    pub seen: Seen,
    /// 507 instances the engine dropped after a delete that failed, until it has them
    /// again: it answers requests for them itself (4.04).
    dropped: BTreeSet<u16>,
}

/// What schedules reached (counted over a run, printed by the test).
#[derive(Clone, Copy, Default, Debug)]
pub struct Seen {
    /// Schedules in which a backup existed.
    pub backup: u64,
    /// Loads that ended in success (0).
    pub loaded: u64,
    /// Fallbacks that loaded the backup again (18).
    pub rolled_back: u64,
    /// Fallbacks that failed (19).
    pub rollback_failed: u64,
    /// Power cuts.
    pub cuts: u64,
    /// Requests to reach the network over a profile the nuSIM now holds.
    pub reached: u64,
    /// Loads cut short by a restart that turned out to be on the nuSIM once the driver
    /// could say: their trials resumed awaiting the network.
    pub resumed: u64,
}

/// The platform of one boot.
pub struct Fake<'a, R: Choice, const PERSIST: bool, const NET: u32> {
    w: &'a mut World,
    rng: &'a mut R,
    cells: &'a Cells,
    /// Inside a call that runs "concurrent" requests: no nesting.
    nested: bool,
}

const EIO: i32 = -5;
const ENOENT: i32 = -2;
const EAGAIN: i32 = -11;
const ETIMEDOUT: i32 = -110;

/// The ICCID the simulated nuSIM reports for a package: from its encP's first byte.
fn iccid_of(pkg: &[u8]) -> String {
    format!(
        "89490000000000000{:02}",
        pkg.get(HEADER_LEN).copied().unwrap_or(0) % 100
    )
}

impl<R: Choice, const PERSIST: bool, const NET: u32> Fake<'_, R, PERSIST, NET> {
    /// A power cut here, if this step allows one.
    fn cut(&mut self) -> bool {
        if self.w.may_cut && self.rng.one_in(12) {
            self.w.dead = true;
        }
        self.w.dead
    }

    /// Requests that arrive while a load runs outside the lock: each must be refused
    /// (`busy`) or leave the load alone, and none may panic.
    fn meanwhile(&mut self) {
        if self.nested || self.w.dead || !self.rng.one_in(3) {
            return;
        }
        self.nested = true;
        let cells = self.cells;
        let (busy, rollback_refused) = cells.with(|s| {
            let st = s.status();
            // A rollback may end a new profile's wait for the network (phase 2).
            (
                st.loading || st.phase != 0,
                st.loading || (st.phase != 0 && st.phase != 2),
            )
        });
        match self.rng.below(5) {
            0 => {
                let r = Obj::execute(cells, self);
                assert!(
                    !busy || r == Err(Error::NotPermitted),
                    "execute while busy: {r:?}"
                );
                self.w.asked += usize::from(r.is_ok());
            }
            1 => {
                let inst = self.rng.below(3) as u16;
                let r = Obj::local_load(cells, self, inst);
                if TRACE.load(std::sync::atomic::Ordering::Relaxed) {
                    eprintln!("  meanwhile: local load {inst}: {r:?}");
                }
                assert!(!busy || r.is_err(), "local load while busy: {r:?}");
                self.w.asked += usize::from(r.is_ok());
                if r.is_ok() || r == Err(Error::Storage) {
                    self.w.local_links.push((inst, r.is_ok()));
                }
            }
            2 => {
                let r = Obj::rollback(cells, self);
                assert!(
                    !rollback_refused || r.is_err(),
                    "rollback while busy: {r:?}"
                );
                self.w.asked += usize::from(r.is_ok());
            }
            3 => {
                let inst = self.rng.below(3) as u16;
                Obj::locked(cells, self, |s, _| {
                    for res in 0..7 {
                        let _ = s.read_507(inst, res);
                    }
                });
            }
            _ => {
                Obj::locked(cells, self, |s, _| {
                    for res in [0, 1, 2, 3, 4, 6] {
                        assert!(s.read_508(res).is_some());
                    }
                });
            }
        }
        self.nested = false;
    }
}

impl<R: Choice, const PERSIST: bool, const NET: u32> Fake<'_, R, PERSIST, NET> {
    /// The slow calls (driver, policy, result callback, sleep) never run with the state
    /// held: on a device that would hold the engine's lock for as long.
    fn released(&self, what: &str) {
        assert!(
            self.cells.state.try_borrow_mut().is_ok(),
            "{what} called with the state held"
        );
    }
}

impl<R: Choice, const PERSIST: bool, const NET: u32> Platform for Fake<'_, R, PERSIST, NET> {
    const PERSIST: bool = PERSIST;
    const NETWORK_TIMEOUT_S: u32 = NET;
    const FALLBACK_ATTEMPTS: u8 = 3;
    const FALLBACK_RETRY_S: u32 = 10;
    const POLICY_RETRY_S: u32 = 5;
    const DRIVER_WAIT_MS: u32 = 600;
    const CHECK_PACKAGES: bool = false;
    const LOG_LEVEL: u8 = 4;

    fn save(&mut self, key: Key, rec: Option<&[u8]>) -> Result<(), i32> {
        if self.w.dead {
            return Err(EIO);
        }
        let mut name = [0u8; 17];
        let n = key.name(&mut name);
        let name = String::from_utf8(name[..n].to_vec()).unwrap();
        let cut = self.cut();
        // A write lands whole or not at all; a cut may come just before or just after.
        if cut && self.rng.one_in(2) {
            return Err(EIO);
        }
        if !cut && self.rng.one_in(25) {
            self.w.save_failed = true;
            return Err(EIO);
        }
        match rec {
            Some(r) => self.w.flash.insert(name, r.to_vec()),
            None => self.w.flash.remove(&name),
        };
        if cut {
            Err(EIO)
        } else {
            Ok(())
        }
    }

    fn read(&mut self, key: Key, buf: &mut [u8]) -> Result<usize, i32> {
        if self.w.dead {
            return Err(EIO);
        }
        let mut name = [0u8; 17];
        let n = key.name(&mut name);
        let name = std::str::from_utf8(&name[..n]).unwrap();
        let v = self.w.flash.get(name).ok_or(ENOENT)?;
        if v.len() <= buf.len() {
            buf[..v.len()].copy_from_slice(v);
        }
        Ok(v.len())
    }

    fn open_records(&mut self) -> Result<(), i32> {
        Ok(())
    }

    fn read_records(&mut self) -> Result<(), i32> {
        let records: Vec<(String, Vec<u8>)> = self
            .w
            .flash
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let cells = self.cells;
        for (name, v) in records {
            let rel = name.strip_prefix("nusim/").unwrap().as_bytes();
            Obj::locked(cells, self, |s, p| {
                let buf = s.record_buf();
                let len = if v.len() <= buf.len() {
                    buf[..v.len()].copy_from_slice(&v);
                    Ok(v.len())
                } else {
                    Err(-27)
                };
                s.read_back_record(p, rel, len);
            });
        }
        Ok(())
    }

    fn nusim_load(
        &mut self,
        package: &[u8],
        iccid: &mut [u8; objects::ICCID_ANSWER_LEN],
    ) -> Result<usize, DriverError> {
        self.released("the driver's load");
        self.meanwhile();
        if self.w.dead {
            return Err(DriverError::Io(EIO));
        }
        let new = iccid_of(package);
        if self.cut() {
            if self.rng.one_in(2) {
                self.w.chip = Some(new);
            }
            return Err(DriverError::Io(EIO));
        }
        let answer = |iccid: &mut [u8; objects::ICCID_ANSWER_LEN], id: &str| {
            iccid[..id.len()].copy_from_slice(id.as_bytes());
            iccid[id.len()] = 0;
            Ok(id.len())
        };
        match self.rng.below(12) {
            0..=3 | 10 | 11 => {
                self.w.chip = Some(new.clone());
                answer(iccid, &new)
            }
            4 => {
                let codes = [
                    reason::MAC,
                    reason::CI_MISMATCH,
                    reason::REPROVISIONING,
                    reason::SYNTAX,
                    reason::GENERAL,
                    999,
                ];
                Err(DriverError::Refused(codes[self.rng.below(6) as usize]))
            }
            5 => Err(DriverError::Busy),
            6 => {
                // Timed out, but the nuSIM took it.
                self.w.chip = Some(new);
                Err(DriverError::Io(ETIMEDOUT))
            }
            7 => Err(DriverError::Io(ETIMEDOUT)),
            8 => {
                // Failed after erasing the profile it had.
                self.w.chip = None;
                Err(DriverError::Io(EIO))
            }
            _ => {
                // Took it, and answered an ICCID that is none.
                self.w.chip = Some(new);
                answer(iccid, "123")
            }
        }
    }

    fn nusim_eid(&mut self, buf: &mut [u8]) -> Result<(), i32> {
        let eid = b"89049032000000000000000000000123\0";
        buf[..eid.len()].copy_from_slice(eid);
        Ok(())
    }

    fn nusim_iccid(&mut self, buf: &mut [u8]) -> Result<(), i32> {
        if self.w.dead || self.rng.one_in(8) {
            self.w.iccid_answered = false;
            return Err(EAGAIN);
        }
        let id = self.w.chip.clone().unwrap_or_default();
        buf[..id.len()].copy_from_slice(id.as_bytes());
        buf[id.len()] = 0;
        self.w.iccid_answered = true;
        Ok(())
    }

    fn nusim_certificate(&mut self, buf: &mut [u8]) -> Result<usize, i32> {
        buf[..4].copy_from_slice(&[0x30, 0x02, 0x05, 0x00]);
        Ok(4)
    }

    fn nusim_capabilities(&mut self, buf: &mut [u8]) -> Result<usize, i32> {
        buf[..2].copy_from_slice(&[1, 0]);
        Ok(2)
    }

    fn notify(&mut self, res: u16) {
        self.w.notified |= 1 << res;
        // An observer reads what changed: the state is released by now.
        let cells = self.cells;
        Obj::locked(cells, self, |s, _| {
            assert!(s.read_508(res).is_some(), "notified 508/0/{res}")
        });
    }

    fn create_nusim(&mut self) -> Result<(), i32> {
        self.released("create_nusim");
        Ok(())
    }

    fn create_profile(&mut self, inst: u16) -> Result<(), i32> {
        let cells = self.cells;
        Obj::locked(cells, self, |s, p| s.create_507(p, inst))
            .unwrap_or_else(|e| panic!("the engine's create of 507/{inst} was refused: {e:?}"));
        self.w.dropped.remove(&inst);
        Ok(())
    }

    fn submit(&mut self, work: Work, delay_ms: u32) {
        if !self.w.dead {
            self.w
                .pending
                .insert(work as u8, self.w.clock + u64::from(delay_ms));
        }
    }

    fn cancel(&mut self, work: Work) {
        self.w.pending.remove(&(work as u8));
    }

    fn sleep_ms(&mut self, ms: u32) {
        self.released("a sleep");
        self.w.clock += u64::from(ms);
        self.meanwhile();
    }

    fn uptime_ms(&mut self) -> u64 {
        self.w.clock
    }

    fn policy(&mut self, _source: Source, _inst: u16) -> Option<i32> {
        self.released("the policy");
        self.meanwhile();
        match self.rng.below(12) {
            0 => None,
            1 => Some(1),
            2 => Some(2),
            3 => Some(42),
            _ => Some(0),
        }
    }

    fn log(&mut self, level: nusim_core::log::Level, line: &[u8]) {
        assert!(line.len() <= nusim_core::log::LINE_MAX);
        if TRACE.load(std::sync::atomic::Ordering::Relaxed) {
            eprintln!("  log {level:?}: {}", String::from_utf8_lossy(line));
        }
    }

    fn report(&mut self, _source: Source, _inst: u16, result: LoadResult, iccid: &[u8]) {
        self.released("the result callback");
        assert_eq!(
            iccid.last(),
            Some(&0),
            "the reported ICCID is NUL-terminated"
        );
        match result {
            LoadResult::Success => self.w.seen.loaded += 1,
            LoadResult::InProgress => panic!("reported 2, which is no end of a load"),
            LoadResult::RolledBack => self.w.seen.rolled_back += 1,
            LoadResult::RollbackFailed => self.w.seen.rollback_failed += 1,
            _ => {}
        }
        self.w.reports.push(result);
    }

    fn reach_network(&mut self) {
        self.released("reach_network");
        let last = self.w.reports.last().copied();
        let st = self.cells.with(|s| s.status());
        // A proof that the device's registration brings from now on must count: a new
        // profile on trial awaits the network, and a profile that came back is settled.
        match last {
            Some(LoadResult::Success) if PERSIST && NET > 0 => assert_eq!(
                st.phase, 2,
                "a new profile asks for the network before it awaits it: {st:?}"
            ),
            Some(LoadResult::Success | LoadResult::RolledBack) => assert!(
                st.phase == 0 && !st.loading,
                "the network is asked for while a switch still runs: {st:?}"
            ),
            // A load cut short by a restart, found on the nuSIM once the driver could say
            // (the work the restart queued): its trial resumes awaiting the network.
            None if PERSIST && NET > 0 && st.phase == 2 => self.w.seen.resumed += 1,
            other => panic!("the network is asked for after {other:?}, which changed no profile"),
        }
        self.w.network_asked = true;
        self.w.seen.reached += 1;
    }
}

/// What the server was answered with success: 507 instances and their values (text).
#[derive(Clone, Default, PartialEq, Debug)]
struct Acked {
    instances: BTreeSet<u16>,
    values: BTreeMap<(u16, u16), String>,
    /// 508/0/4's instance.
    link: Option<u16>,
}

/// The seven values of test profile `k`, as hex text.
fn value(k: u8, f: Field) -> String {
    let bytes: Vec<u8> = match f {
        Field::EKpubDP | Field::KpubDP | Field::KpubCI => {
            let mut v = vec![k; 65];
            v[0] = 4;
            v
        }
        Field::SigEKpubDP | Field::SigKpubDP => vec![k; 64],
        Field::Mac => vec![k; 16],
        Field::EncP => vec![k; if k % 2 == 0 { ENCP } else { 16 }],
    };
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Runs one schedule of `steps` steps; the description of the first broken rule.
pub fn schedule<R: Choice, const PERSIST: bool, const NET: u32>(
    rng: &mut R,
    steps: u32,
) -> Result<Seen, String> {
    let mut w = World {
        chip: Some(iccid_of(&[0; HEADER_LEN + 1].map(|_| 9))),
        iccid_answered: true,
        ..World::default()
    };
    let mut acked = Acked::default();
    let mut cells = boot::<R, PERSIST, NET>(&mut w, rng);
    if rng.one_in(2) {
        // Most devices in the field have switched before: one whole switch first, with
        // whatever the nuSIM and the policy answer, but without power cuts.
        let mut p: Fake<R, PERSIST, NET> = Fake {
            w: &mut w,
            rng,
            cells: &cells,
            nested: false,
        };
        if Obj::locked(&cells, &mut p, |s, p| s.create_507(p, 0)).is_ok() {
            acked.instances.insert(0);
            for f in Field::ALL {
                let text = value(2, f);
                if write(&cells, &mut p, 0, f as u16, &text, 1).is_ok() {
                    acked.values.insert((0, f as u16), text);
                }
            }
            if link_to(&cells, &mut p, [507, 0]).is_ok() {
                acked.link = Some(0);
            }
            for _ in 0..3 {
                if Obj::execute(&cells, &mut p).is_ok() {
                    p.w.asked += 1;
                }
                for _ in 0..8 {
                    if !p.w.pending.contains_key(&(Work::Load as u8)) {
                        break;
                    }
                    run_work(&cells, &mut p);
                }
                let _ = Obj::network_ready(&cells, &mut p);
                if st_backup(&cells) {
                    break;
                }
            }
        }
        // No power cuts here: a local load that failed to store its link changed nothing.
        for (l, _) in w.local_links.drain(..).filter(|(_, sure)| *sure) {
            acked.link = Some(l);
        }
        check::<R, PERSIST, NET>(&cells, &mut w, rng, &acked)
            .map_err(|e| format!("first switch: {e}"))?;
    }
    for step in 0..steps {
        w.may_cut = rng.one_in(6);
        w.notified = 0;
        let before = observed(&cells);
        let mut maybe: Option<Acked> = None;
        // 508/0/6 across a restart between two requests of a settled device.
        let mut result_kept: Option<u8> = None;
        {
            let mut p: Fake<R, PERSIST, NET> = Fake {
                w: &mut w,
                rng,
                cells: &cells,
                nested: false,
            };
            let op = p.rng.below(24);
            let st = cells.with(|s| s.status());
            if st.phase != 2 {
                p.w.network_asked = false;
            }
            let inst = p.rng.below(3) as u16;
            if TRACE.load(std::sync::atomic::Ordering::Relaxed) {
                eprintln!(
                    "step {step}: op {op} inst {inst} chip {:?} {st:?} pending {:?} reports {:?}",
                    p.w.chip, p.w.pending, p.w.reports
                );
            }
            let in_engine = !p.w.dropped.contains(&inst);
            match op {
                0 => {
                    let r = Obj::locked(&cells, &mut p, |s, p| s.create_507(p, inst));
                    let mut a = acked.clone();
                    a.instances.insert(inst);
                    a.values.retain(|(i, _), _| *i != inst);
                    if r.is_ok() {
                        acked = a;
                    } else {
                        maybe = Some(a);
                    }
                }
                1..=3 if in_engine => {
                    let res = p.rng.below(7) as u16;
                    let f = Field::from_res(res).unwrap();
                    let k = 1 + p.rng.below(3) as u8;
                    let text = if p.rng.one_in(10) {
                        "zz".to_string()
                    } else {
                        value(k, f)
                    };
                    let blocks = if op == 3 {
                        1 + p.rng.below(3) as usize
                    } else {
                        1
                    };
                    let r = write(&cells, &mut p, inst, res, &text, blocks);
                    let mut a = acked.clone();
                    if a.instances.contains(&inst) {
                        a.values.insert((inst, res), text);
                    }
                    if r.is_ok() {
                        if !acked.instances.contains(&inst) {
                            return Err(format!(
                                "step {step}: write to missing 507/{inst} acknowledged"
                            ));
                        }
                        acked = a;
                    } else {
                        maybe = Some(a);
                    }
                }
                4 if acked.instances.contains(&inst) && in_engine => {
                    let r = Obj::locked(&cells, &mut p, |s, p| s.delete_507(p, inst));
                    if r == Err(Error::Storage) {
                        p.w.dropped.insert(inst);
                    }
                    let mut a = acked.clone();
                    a.instances.remove(&inst);
                    a.values.retain(|(i, _), _| *i != inst);
                    if r.is_ok() {
                        acked = a;
                    } else {
                        maybe = Some(a);
                    }
                }
                5 => {
                    let link: [u16; 2] = match p.rng.below(4) {
                        0 => [u16::MAX, u16::MAX],
                        1 => [3, 0],
                        _ => [507, inst],
                    };
                    let r = link_to(&cells, &mut p, link);
                    match (r, link_target(link, &acked)) {
                        (Ok(()), Some(t)) => acked.link = t,
                        (Err(Error::BadValue), None) => {}
                        // Only the store can refuse a valid link (5.00).
                        (Err(Error::Storage), Some(t)) => {
                            let mut a = acked.clone();
                            a.link = t;
                            maybe = Some(a);
                        }
                        (r, t) => {
                            return Err(format!(
                                "step {step}: link {link:?} answered {r:?}, expected {t:?}"
                            ))
                        }
                    }
                }
                6 | 16 => {
                    if op == 16 {
                        // A server's switch: the link, then the execute.
                        let r = link_to(&cells, &mut p, [507, inst]);
                        match (r, acked.instances.contains(&inst)) {
                            (Ok(()), true) => acked.link = Some(inst),
                            (Err(Error::Storage), true) => {
                                let mut a = acked.clone();
                                a.link = Some(inst);
                                maybe = Some(a);
                            }
                            (Err(Error::BadValue), false) => {}
                            (r, _) => {
                                return Err(format!(
                                    "step {step}: link to 507/{inst} answered {r:?}"
                                ))
                            }
                        }
                    }
                    let refused = st.loading || st.phase != 0;
                    let r = Obj::execute(&cells, &mut p);
                    if r.is_ok() {
                        p.w.asked += 1;
                    }
                    if refused != (r == Err(Error::NotPermitted)) || (!refused && r.is_err()) {
                        return Err(format!("step {step}: execute answered {r:?} in {st:?}"));
                    }
                }
                7 => {
                    let r = Obj::local_load(&cells, &mut p, inst);
                    if r.is_ok() {
                        p.w.asked += 1;
                        acked.link = Some(inst);
                    } else if r == Err(Error::Storage) {
                        let mut a = acked.clone();
                        a.link = Some(inst);
                        maybe = Some(a);
                    }
                    if (st.loading || st.phase != 0) && r != Err(Error::Busy) {
                        return Err(format!("step {step}: local load answered {r:?} in {st:?}"));
                    }
                }
                8 => {
                    let r = Obj::rollback(&cells, &mut p);
                    if r.is_ok() {
                        p.w.asked += 1;
                    }
                    let want_err = !PERSIST || st.loading || st.backup.is_none();
                    if want_err == r.is_ok() && !(r == Err(Error::Busy) && st.phase != 0) {
                        return Err(format!("step {step}: rollback answered {r:?} in {st:?}"));
                    }
                }
                17 | 18 if in_engine && acked.instances.contains(&inst) => {
                    // A whole profile, value by value, some block-wise.
                    let k = 1 + p.rng.below(3) as u8;
                    let mut a = acked.clone();
                    let mut all = Ok(());
                    for f in Field::ALL {
                        let text = value(k, f);
                        let blocks = 1 + p.rng.below(3) as usize;
                        all = write(&cells, &mut p, inst, f as u16, &text, blocks);
                        if all.is_err() {
                            a.values.insert((inst, f as u16), text);
                            break;
                        }
                        a.values.insert((inst, f as u16), text);
                        acked = a.clone();
                    }
                    if all.is_err() {
                        maybe = Some(a);
                    }
                }
                9 => match p.rng.below(3) {
                    // From the application, or queued from another thread.
                    0 => {
                        let _ = Obj::network_ready(&cells, &mut p);
                    }
                    1 => {
                        let _ = Obj::network_ready_later(&cells, &mut p);
                    }
                    _ => {
                        // A registration's completion from the engine's thread: whether
                        // it proves is asked under the lock (the state is borrowed), and
                        // only while a new profile awaits the network (phase 2).
                        let fresh = p.rng.one_in(2);
                        let mut asked = None;
                        let r = Obj::network_ready_later_if(&cells, &mut p, || {
                            asked = Some(cells.state.try_borrow_mut().is_err());
                            fresh
                        });
                        let awaiting = PERSIST && st.phase == 2;
                        if asked != awaiting.then_some(true) || r != awaiting.then_some(fresh) {
                            return Err(format!(
                                "step {step}: a completion ({fresh}) was asked {asked:?} (under \
                                 the lock: Some(true)) and answered {r:?} in {st:?}"
                            ));
                        }
                    }
                },
                20 | 21 if in_engine => {
                    // Block-wise in TLV (5.01), or a request that filled the receive
                    // buffer (4.13): refused before anything is written.
                    let res = p.rng.below(7) as u16;
                    let text = value(1, Field::from_res(res).unwrap());
                    let (cf, received) = if op == 20 {
                        (Some(11542), 40)
                    } else {
                        (None, 1279)
                    };
                    let want = if op == 20 {
                        Error::NotSupported
                    } else {
                        Error::TooLarge
                    };
                    let info = WriteInfo {
                        block: (op == 20).then_some((0, false)),
                        content_format: cf,
                        received,
                        receive_max: 1280,
                    };
                    let r = Obj::locked(&cells, &mut p, |s, p| {
                        let r = s.begin_write_507(p, inst, res, info);
                        s.end_write_507();
                        r
                    });
                    if r != Err(want) {
                        return Err(format!(
                            "step {step}: write {info:?} of {text:.8} answered {r:?}"
                        ));
                    }
                }
                10 if p.rng.one_in(3) => {
                    let settled = !st.busy && p.w.pending.is_empty();
                    if PERSIST && settled && !p.w.save_failed {
                        result_kept = Some(before.0);
                    }
                    p.w.dead = true;
                }
                19 => {
                    // The network's deadline, as soon as it is due.
                    if let Some(d) = p.w.pending.get_mut(&(Work::Deadline as u8)) {
                        *d = 0;
                    }
                    run_work(&cells, &mut p);
                }
                _ => run_work(&cells, &mut p),
            }
        }
        for (l, sure) in w.local_links.drain(..) {
            if sure {
                // Stored and answered: whatever failed before it was no power cut.
                acked.link = Some(l);
                if let Some(m) = maybe.as_mut() {
                    m.link = Some(l);
                }
            } else {
                let mut a = maybe.take().unwrap_or_else(|| acked.clone());
                a.link = Some(l);
                maybe = Some(a);
            }
        }
        if st_backup(&cells) {
            w.seen.backup += 1;
        }
        if TRACE.load(std::sync::atomic::Ordering::Relaxed) {
            eprintln!(
                "  after: dead {} chip {:?} {:?} s {:?} s2 {:?}",
                w.dead,
                w.chip,
                cells.with(|s| s.status()),
                w.flash.get("nusim/s").map(|r| StateRecord::decode(r)),
                w.flash.get("nusim/s2").map(|r| StateRecord::decode(r))
            );
        }
        if w.dead {
            w.seen.cuts += 1;
            // The restart: what the flash holds comes back; RAM and the queue are gone.
            w.dead = false;
            w.may_cut = false;
            w.pending.clear();
            w.dropped.clear();
            w.asked = 0;
            w.reports.clear();
            w.save_failed = false;
            // The primary state record damaged while its mirror is current (a mirror one
            // step behind is the documented limit): the mirror must stand in for it.
            if rng.one_in(4) && w.flash.get("nusim/s") == w.flash.get("nusim/s2") {
                if let Some(rec) = w.flash.get_mut("nusim/s") {
                    let i = rng.below(rec.len() as u32) as usize;
                    rec[i] ^= 0x20;
                }
            }
            if !PERSIST {
                acked = Acked::default();
                maybe = None;
            }
            cells = boot::<R, PERSIST, NET>(&mut w, rng);
            if let Some(r) = result_kept {
                let want = match LoadResult::from_u8(r) {
                    Some(LoadResult::InProgress | LoadResult::PolicyDeferred) => 20,
                    _ => r,
                };
                let now = cells.with(|s| s.status().result as u8);
                if now != want {
                    return Err(format!(
                        "step {step}: 508/0/6 was {r}, after a restart {now}"
                    ));
                }
            }
            if TRACE.load(std::sync::atomic::Ordering::Relaxed) {
                eprintln!(
                    "  booted: chip {:?} {:?} pending {:?} s {:?}",
                    w.chip,
                    cells.with(|s| s.status()),
                    w.pending,
                    w.flash.get("nusim/s").map(|r| StateRecord::decode(r))
                );
            }
            if let Some(a) = maybe.take() {
                // A request cut short was not answered: either outcome is right.
                if read_acked(&cells, &mut w, rng) == a {
                    acked = a;
                }
            }
        } else {
            notified(&cells, &w, before).map_err(|e| format!("step {step}: {e}"))?;
            // A new profile that awaits the network has a registration coming over it,
            // else the deadline takes back a profile that works.
            let st = cells.with(|s| s.status());
            if PERSIST && NET > 0 && st.phase == 2 && !w.network_asked {
                return Err(format!(
                    "step {step}: a new profile awaits the network and nothing asked for it: \
                     {st:?}"
                ));
            }
        }
        check::<R, PERSIST, NET>(&cells, &mut w, rng, &acked)
            .map_err(|e| format!("step {step}: {e}"))?;
    }
    // Let everything queued run out, without power cuts, and check the settled state.
    w.may_cut = false;
    for _ in 0..40 {
        if w.pending.is_empty() {
            break;
        }
        w.notified = 0;
        let before = observed(&cells);
        let mut p: Fake<R, PERSIST, NET> = Fake {
            w: &mut w,
            rng,
            cells: &cells,
            nested: false,
        };
        run_work(&cells, &mut p);
        if TRACE.load(std::sync::atomic::Ordering::Relaxed) {
            eprintln!(
                "  drain: {:?} pending {:?} local {:?}",
                cells.with(|s| s.status()),
                w.pending,
                w.local_links
            );
        }
        // No power cuts here: a local load that failed to store its link changed nothing.
        for (l, _) in w.local_links.drain(..).filter(|(_, sure)| *sure) {
            acked.link = Some(l);
        }
        notified(&cells, &w, before).map_err(|e| format!("drain: {e}"))?;
        check::<R, PERSIST, NET>(&cells, &mut w, rng, &acked).map_err(|e| format!("drain: {e}"))?;
    }
    // Every load asked for and accepted since the last restart was told to the
    // application (results that waited behind four others are dropped, and counted).
    let dropped = cells.with(|s| s.reports_dropped()) as usize;
    if w.pending.is_empty() && w.reports.len() + dropped < w.asked {
        return Err(format!(
            "{} loads accepted, {} results told, {dropped} dropped",
            w.asked,
            w.reports.len()
        ));
    }
    Ok(w.seen)
}

/// 508/0/6 and 508/0/1 as an observer sees them.
fn observed(cells: &Cells) -> (u8, Vec<u8>) {
    cells.with(|s| {
        let r = s.read_508(res508::LOAD_RESULT).unwrap()[0];
        (r, s.read_508(res508::ICCID).unwrap().to_vec())
    })
}

/// A change of 508/0/6 or 508/0/1 during a step was notified.
fn notified(cells: &Cells, w: &World, before: (u8, Vec<u8>)) -> Result<(), String> {
    let now = observed(cells);
    if now.0 != before.0 && w.notified & (1 << res508::LOAD_RESULT) == 0 {
        return Err(format!(
            "508/0/6 went from {} to {} unnotified",
            before.0, now.0
        ));
    }
    if now.1 != before.1 && w.notified & (1 << res508::ICCID) == 0 {
        return Err(format!("508/0/1 changed unnotified: {:?}", now.1));
    }
    Ok(())
}

fn st_backup(cells: &Cells) -> bool {
    cells.with(|s| s.status().backup.is_some())
}

/// A write of 508/0/4 as the engine makes it.
fn link_to<R: Choice, const PERSIST: bool, const NET: u32>(
    cells: &Cells,
    p: &mut Fake<R, PERSIST, NET>,
    link: [u16; 2],
) -> Result<(), Error> {
    Obj::locked(cells, p, |s, p| {
        let place = s.pre_write_link();
        place[..2].copy_from_slice(&link[0].to_ne_bytes());
        place[2..].copy_from_slice(&link[1].to_ne_bytes());
        s.post_write_link(p, 4)
    })
}

/// What a link write sets 508/0/4 to, if the object takes it.
fn link_target(link: [u16; 2], a: &Acked) -> Option<Option<u16>> {
    match link {
        [u16::MAX, u16::MAX] => Some(None),
        [507, i] if a.instances.contains(&i) => Some(Some(i)),
        _ => None,
    }
}

/// A 507 write as the engine makes it: whole, or in `blocks` plain-text blocks.
fn write<R: Choice, const PERSIST: bool, const NET: u32>(
    cells: &Cells,
    p: &mut Fake<R, PERSIST, NET>,
    inst: u16,
    res: u16,
    text: &str,
    blocks: usize,
) -> Result<(), Error> {
    let size = text.len().div_ceil(blocks).max(1);
    let chunks: Vec<&[u8]> = text.as_bytes().chunks(size).collect();
    for (i, chunk) in chunks.iter().enumerate() {
        let block = (blocks > 1).then_some((i * size, i + 1 == chunks.len()));
        let info = WriteInfo {
            block,
            content_format: None,
            received: chunk.len() + 24,
            receive_max: 1280,
        };
        let r = Obj::locked(cells, p, |s, p| {
            let r = s.begin_write_507(p, inst, res, info).and_then(|()| {
                let place = s.pre_write_507();
                let n = chunk.len().min(place.len());
                place[..n].copy_from_slice(&chunk[..n]);
                if n < place.len() {
                    place[n] = 0;
                }
                s.post_write_507(p, inst, res, n)
            });
            s.end_write_507();
            r
        });
        r?;
        // An observer's read between two blocks leaves the assembly alone.
        if p.rng.one_in(3) {
            Obj::locked(cells, p, |s, _| {
                let _ = s.read_507(inst, (res + 1) % 7);
            });
        }
    }
    Ok(())
}

/// Runs the pending work item that is due first.
fn run_work<R: Choice, const PERSIST: bool, const NET: u32>(
    cells: &Cells,
    p: &mut Fake<R, PERSIST, NET>,
) {
    let Some((&work, &due)) = p.w.pending.iter().min_by_key(|(_, d)| **d) else {
        return;
    };
    p.w.pending.remove(&work);
    p.w.clock = p.w.clock.max(due);
    Obj::work(cells, p, Work::ALL[usize::from(work)]);
}

/// A boot: init, reading back, start.
fn boot<R: Choice, const PERSIST: bool, const NET: u32>(w: &mut World, rng: &mut R) -> Cells {
    let cells = Cells {
        state: RefCell::new(Box::new(Obj::new())),
        pkg: RefCell::new(Package::new()),
    };
    let mut p: Fake<R, PERSIST, NET> = Fake {
        w,
        rng,
        cells: &cells,
        nested: true,
    };
    Obj::locked(&cells, &mut p, |s, p| s.init(p));
    Obj::start(&cells, &mut p);
    // The application starts its client after this: its first registration goes out
    // over whatever profile awaits the network now.
    p.w.network_asked = cells.with(|s| s.status().phase == 2);
    cells
}

/// The 507 instances and values as a server would read them.
fn read_acked<R: Choice>(cells: &Cells, _w: &mut World, _rng: &mut R) -> Acked {
    let mut a = Acked::default();
    cells.with(|s| {
        a.link = s.status().link;
        for inst in 0..3u16 {
            if s.read_507(inst, 0).is_none() {
                continue;
            }
            a.instances.insert(inst);
            for res in 0..7u16 {
                let v = s.read_507(inst, res).unwrap();
                let t = std::str::from_utf8(&v[..v.len() - 1]).unwrap().to_string();
                if !t.is_empty() {
                    a.values.insert((inst, res), t);
                }
            }
        }
    });
    a
}

/// The documented behaviour, checked after a step (see the crate docs).
fn check<R: Choice, const PERSIST: bool, const NET: u32>(
    cells: &Cells,
    w: &mut World,
    rng: &mut R,
    acked: &Acked,
) -> Result<(), String> {
    let now = read_acked(cells, w, rng);
    if now != *acked {
        return Err(format!("507 as read {now:?}, acknowledged {acked:?}"));
    }
    let (st, result) = cells.with(|s| (s.status(), s.read_508(res508::LOAD_RESULT).unwrap()[0]));
    if LoadResult::from_u8(result).is_none() {
        return Err(format!("508/0/6 is {result}, not a documented code"));
    }
    if st.result as u8 != result || st.phase > 3 {
        return Err(format!("status {st:?} vs 508/0/6 {result}"));
    }
    let queued = |wk: Work| w.pending.contains_key(&(wk as u8));
    if st.busy && !queued(Work::Load) && !queued(Work::Deadline) {
        return Err(format!("busy with nothing queued to end it: {st:?}"));
    }
    if PERSIST {
        // The backup's slot holds the backup's package, in the flash as it is.
        let state = |k: &str| w.flash.get(k).map(|r| StateRecord::decode(r));
        let saved = match (state("nusim/s"), state("nusim/s2")) {
            (Some(Ok(s)), _) | (Some(Err(_)) | None, Some(Ok(s))) => Some(s),
            (None, None) => None,
            (s, s2) => return Err(format!("no usable state record: {s:?}, {s2:?}")),
        };
        if let Some(saved) = saved {
            if let Some(b) = saved.backup {
                let slot = w
                    .flash
                    .get(&format!("nusim/b{}", b.slot))
                    .ok_or("the backup's slot is empty")?;
                let pkg = SlotRecord::decode(slot).map_err(|e| format!("slot: {e:?}"))?;
                if iccid_of(pkg.package).as_bytes() != b.iccid.as_bytes() {
                    return Err(format!(
                        "backup slot {} holds {}, the state says {:?}",
                        b.slot,
                        iccid_of(pkg.package),
                        b.iccid
                    ));
                }
            }
        }
        let settled = !st.busy && !queued(Work::Load) && !queued(Work::Deadline);
        if let (true, Some(b)) = (settled, st.backup) {
            let holds = w.chip.as_deref().map(str::as_bytes) == Some(b.as_bytes());
            if holds {
                w.tainted = false;
            } else if st.result == LoadResult::RollbackFailed {
                w.tainted = true;
            } else if !w.tainted {
                return Err(format!(
                    "settled with result {:?}: the nuSIM holds {:?}, the backup is {:?}",
                    st.result, w.chip, b
                ));
            }
        }
    }
    if !st.busy && w.iccid_answered && !queued(Work::Load) {
        let chip = w.chip.clone().unwrap_or_default();
        if st.iccid.as_bytes() != chip.as_bytes() {
            return Err(format!(
                "508/0/1 is {:?}, the nuSIM holds {chip:?}",
                st.iccid
            ));
        }
    }
    Ok(())
}
/// Runs the schedule a fuzzer's bytes describe: the first byte picks the configuration
/// (persistence, network deadline) and the length, the rest is every choice. The `model`
/// cargo-fuzz target and the regression test over the inputs it found both run this.
pub fn run_bytes(data: &[u8]) -> Result<(), String> {
    let Some((&cfg, rest)) = data.split_first() else {
        return Ok(());
    };
    let mut rng = Bytes(rest);
    let steps = 10 + u32::from(cfg >> 2) % 40;
    match cfg & 3 {
        0 => schedule::<_, true, 60>(&mut rng, steps),
        1 => schedule::<_, true, 0>(&mut rng, steps),
        2 => schedule::<_, false, 60>(&mut rng, steps),
        _ => schedule::<_, false, 0>(&mut rng, steps),
    }
    .map(|_| ())
}

/// Prints each step of a schedule (the test sets it from `NUSIM_MODEL_TRACE`).
pub static TRACE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
