//! Objects 507 and 508 as the engine sees them: every decision, behind [`Platform`].
//!
//! The engine's callbacks (create, delete, pre-write, post-write, read, execute) and the
//! application's API land here through a thin adapter; the load, the switch and the
//! reading back at start run as [`Work`] items (see [`crate::load`]).
//!
//! **Writes** of 507 values land in one staging text buffer (pre-write), are decoded and
//! checked in post-write, stored (with persistence) and only then replace the value in
//! RAM; a bad value answers [`Error::BadValue`] (4.00), a storage failure
//! [`Error::Storage`] (5.00), and both leave the old one. A value larger than one message
//! arrives block-wise (CoAP Block1, plain text only) and is assembled in place
//! ([`crate::block`]). Only writes touch the staging buffer, so a read or an observer's
//! notification between two blocks sees the committed value and leaves the assembly alone.
//!
//! **Reads** re-encode into read places of their own: one per 507 instance slot (each of its
//! seven values at its own offset) and one for the certificate 508/0/3. The engine's SenML
//! CBOR writer keeps the pointer of every value of a message until it encodes the whole
//! message, so no two values one message can hold share bytes. Between messages the 507
//! read places are scratch room for records on their way to and from storage, used only
//! within one [`Shared::with`].
//!
//! **Notifications** a change needs are collected while the state is held and sent by
//! [`Objects::locked`] after it is released (a notification may read the objects again).
//!
//! Lock order (on Zephyr): the engine's registry lock, then the settings subsystem's lock;
//! never the reverse (see `nusim-zephyr`'s `read_back.rs`). The engine's client lock comes
//! before the registry lock (its events reach the objects with it held), so the objects
//! ask the client for an update ([`crate::platform::Platform::reach_network`]) with no
//! lock held. The package copy is not a lock:
//! its owner is decided under the registry lock ([`Shared::package`]).

use crate::block::{Assembly, BlockError};
use crate::codec;
use crate::field::{Field, HEADER_LEN, POINT_LEN};
use crate::nusim::{LinkError, Nusim508, ObjLnk, OBJ_PROFILE};
use crate::persist::{
    self, InstanceRecord, Key, Phase, RecordError, ResourceRecord, SlotRecord, StateRecord,
};
use crate::platform::{Error, Platform, Shared, Source, Work};
use crate::result::LoadResult;
use crate::store::{self, ProfileStore, StoreError, WriteError};
use crate::text::{self, Text};
use crate::trust::{TrustAnchors, TrustError};

/// 508 resource IDs.
pub mod res508 {
    /// EID.
    pub const EID: u16 = 0;
    /// ICCID of the profile the nuSIM holds.
    pub const ICCID: u16 = 1;
    /// nuSIM capabilities.
    pub const CAPABILITIES: u16 = 2;
    /// The nuSIM's certificate (base64 DER).
    pub const CERTIFICATE: u16 = 3;
    /// Object link to the 507 instance to load.
    pub const PROFILE: u16 = 4;
    /// Load Profile (execute).
    pub const LOAD_PROFILE: u16 = 5;
    /// Load Profile Result.
    pub const LOAD_RESULT: u16 = 6;
}

pub use crate::nusim::{EID_LEN, ICCID_LEN};
/// An ICCID as a driver answers it: 21 bytes and one to detect a value that was cut.
pub const ICCID_ANSWER_LEN: usize = ICCID_LEN + 1;

/// 507 instance ID reported for a load of the backup.
pub const BACKUP_INST: u16 = u16::MAX;

/// How many finished loads' results may wait for the report work item.
const PENDING_REPORTS: usize = 4;

const fn max(a: usize, b: usize) -> usize {
    if a > b {
        a
    } else {
        b
    }
}

/// Text room of a 507 value for wire capacity `w`: the longest value (encP, or a key when
/// the encP maximum is smaller) as hex, a NUL, and one byte to detect a silently
/// truncated value.
pub const fn text_room(w: usize) -> usize {
    2 * max(w - HEADER_LEN, POINT_LEN) + 2
}

/// The staging buffer for wire capacity `w`: the text room, or the longest decoded value
/// followed by its record.
pub const fn staging_len(w: usize) -> usize {
    max(
        text_room(w),
        2 * max(w - HEADER_LEN, POINT_LEN) + persist::OVERHEAD,
    )
}

/// The read places of `n` instance slots of wire capacity `w`.
pub const fn reads_len(n: usize, w: usize) -> usize {
    n * store::read_text_len(w)
}

/// 508/0/3's read place for a certificate of `c` bytes: padded base64 and a NUL.
pub const fn cert_text_len(c: usize) -> usize {
    c.div_ceil(3) * 4 + 1
}

/// The work item's next job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Job {
    Idle,
    /// The package copy, from 507 instance `inst`.
    Candidate {
        source: Source,
        inst: u16,
    },
    /// The backup package of slot `slot`.
    Backup {
        source: Source,
        slot: u8,
    },
    /// The nuSIM's ICCID was unknown at start: ask again (bounded), then decide a load a
    /// restart cut short, if there is one.
    AskIccid,
}

/// A block of a 507 write as the engine received it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteInfo {
    /// Block1: the block's offset and whether it is the last; `None` outside Block1.
    pub block: Option<(usize, bool)>,
    /// The request's Content-Format (`None`: absent, plain text).
    pub content_format: Option<u16>,
    /// Bytes of the request as received.
    pub received: usize,
    /// What the engine's receive buffer holds: a request that filled it may have been cut.
    pub receive_max: usize,
}

/// A snapshot for `lwm2m_nusim_get_status()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Status {
    /// 508/0/6.
    pub result: LoadResult,
    /// 0 no switch; else the [`Phase`] number.
    pub phase: u8,
    /// Loads are refused (a load runs, a new profile awaits the network, or the ICCID is
    /// asked again at start).
    pub busy: bool,
    /// A load runs (508/0/5 answers 4.05 while this or a switch is on).
    pub loading: bool,
    /// The backup's ICCID, if there is a backup.
    pub backup: Option<Text<ICCID_LEN>>,
    /// 508/0/4's instance, `None` for the null link.
    pub link: Option<u16>,
    /// 508/0/1.
    pub iccid: Text<ICCID_LEN>,
    /// Stored 507 instances.
    pub profiles: u8,
}

/// The state of Objects 507 and 508. `N` 507 instances of wire capacity `W`, a
/// certificate of up to `C` bytes, `K` trusted CI keys; `S`, `R` and `T` are the staging,
/// read-place and certificate-text sizes ([`staging_len`], [`reads_len`],
/// [`cert_text_len`], checked at compile time). All zero is the start state, so a
/// `static` of it lives in `.bss`.
pub struct Objects<
    const N: usize,
    const W: usize,
    const C: usize,
    const K: usize,
    const S: usize,
    const R: usize,
    const T: usize,
> {
    pub(crate) store: ProfileStore<N, W>,
    pub(crate) nusim: Nusim508<C>,
    staging: [u8; S],
    pub(crate) reads: [u8; R],
    cert_text: [u8; T],
    /// Results of loads that ended at once, oldest first, for the report work item.
    reports: [(Source, u16, LoadResult); PENDING_REPORTS],
    n_reports: usize,
    /// Results dropped because the callbacks fell behind.
    reports_dropped: u32,
    /// 508/0/4 as the engine writes and reads it (`struct lwm2m_objlnk`, native order).
    link_place: LinkPlace,
    result_byte: u8,
    pub(crate) trust: TrustAnchors<K>,
    /// What survives a restart besides the 507 values: link, result, backup, trial.
    pub(crate) saved: StateRecord,
    /// The last store of the state record failed: the flash is behind RAM (see
    /// [`crate::load`]: no candidate is written before the state is stored again).
    pub(crate) state_unsaved: bool,
    /// A state record was read back at start; `state_primary`: it was `s`, not `s2`.
    state_read: bool,
    state_primary: bool,
    pub(crate) job: Job,
    /// Reading records back at start: the pass (1, 2), 3 while the engine's instances are
    /// created; 0 otherwise.
    read_back: u8,
    /// The nuSIM answered the ICCID question (at start, or since).
    pub(crate) iccid_known: bool,
    /// The 507 instance being created again in the engine: its create adopts it.
    readopt: Option<u16>,
    /// 507 instances to create again in the engine ([`Work::Recreate`]).
    recreate: [u16; N],
    n_recreate: usize,
    /// The engine deleted 508/0 (a bootstrap server's Delete of "/", or a server's Delete
    /// of /508/0): create it again ([`Work::Recreate`]).
    pub(crate) recreate_nusim: bool,
    /// Tries of that create refused while a bootstrap server provisions the client.
    pub(crate) recreate_nusim_tries: u8,
    block: Assembly,
    /// The block being written: offset and whether more follow ((0, false) outside Block1).
    block_at: (usize, bool),
    /// 508 resources to notify once the state is released (bit per resource ID).
    notes: u8,
}

impl<
        const N: usize,
        const W: usize,
        const C: usize,
        const K: usize,
        const S: usize,
        const R: usize,
        const T: usize,
    > Default for Objects<N, W, C, K, S, R, T>
{
    fn default() -> Self {
        Self::new()
    }
}

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
    const TEXT_ROOM: usize = text_room(W);

    /// The start state: no instances, no link, never loaded.
    pub const fn new() -> Self {
        const {
            assert!(S == staging_len(W), "S must be staging_len(W)");
            assert!(R == reads_len(N, W), "R must be reads_len(N, W)");
            assert!(T == cert_text_len(C), "T must be cert_text_len(C)");
            assert!(
                W + persist::OVERHEAD <= R,
                "read places too small for a slot record"
            );
            assert!(N >= 1 && N < 256, "1..255 instances");
        }
        Objects {
            store: ProfileStore::new(),
            nusim: Nusim508::new(),
            staging: [0; S],
            reads: [0; R],
            cert_text: [0; T],
            reports: [(Source::Server, 0, LoadResult::Success); PENDING_REPORTS],
            n_reports: 0,
            reports_dropped: 0,
            link_place: LinkPlace([0; 4]),
            result_byte: 0,
            trust: TrustAnchors::new(),
            // result 0 keeps the state all zero; it is published only once a stored state
            // record set it (`state_read`).
            saved: StateRecord {
                link: None,
                result: 0,
                backup: None,
                trial: None,
            },
            state_unsaved: false,
            state_read: false,
            state_primary: false,
            job: Job::Idle,
            read_back: 0,
            iccid_known: false,
            readopt: None,
            recreate: [0; N],
            n_recreate: 0,
            recreate_nusim: false,
            recreate_nusim_tries: 0,
            block: Assembly::new(),
            block_at: (0, false),
            notes: 0,
        }
    }

    /// Runs `f` on the state held through `cell`, then sends the notifications it asked
    /// for, with the state released. Every entry point goes through here.
    pub fn locked<X: Shared<Self, W>, P: Platform, Y>(
        cell: &X,
        p: &mut P,
        f: impl FnOnce(&mut Self, &mut P) -> Y,
    ) -> Y {
        let (y, notes) = cell.with(|s| {
            let y = f(s, p);
            (y, core::mem::take(&mut s.notes))
        });
        for res in 0..8u16 {
            if notes & (1 << res) != 0 {
                p.notify(res);
            }
        }
        y
    }

    /// Asks for a notification of 508/0/`res` once the state is released.
    pub(crate) fn note(&mut self, res: u16) {
        self.notes |= 1 << res;
    }

    // --- start ---

    /// Reads the nuSIM's identity into Object 508. Called once at init, before the engine
    /// runs: the driver is asked with the state held, so the certificate goes straight into
    /// it instead of onto the caller's small stack.
    pub fn init<P: Platform>(&mut self, p: &mut P) {
        let n = &mut self.nusim;
        let mut eid = [0u8; EID_LEN];
        let r = p.nusim_eid(&mut eid);
        if !take_text(r, &eid, &mut n.eid, text::is_eid) {
            crate::log!(
                p,
                Error,
                "nuSIM EID unavailable or malformed ({})",
                r.err().unwrap_or(0)
            );
        }
        self.iccid_known = fetch_iccid(p, &mut n.iccid);
        let r = p.nusim_capabilities(&mut n.caps);
        n.caps_len = fetch_bytes(p, "capabilities", r, 8);
        let r = p.nusim_certificate(&mut n.cert);
        n.cert_len = fetch_bytes(p, "certificate", r, C);
    }

    /// The buffer a record read back at start goes into: empty outside the reading back.
    pub fn record_buf(&mut self) -> &mut [u8] {
        if self.read_back == 1 || self.read_back == 2 {
            &mut self.reads
        } else {
            &mut []
        }
    }

    /// A record read back at start: `name` relative to `nusim/`, `len` bytes in
    /// [`Self::record_buf`] (an error: the backend's, or the record did not fit). Pass 1
    /// takes instances, the state and the slots, pass 2 the 507 values. A bad record is
    /// reported and skipped; the others are unaffected.
    pub fn read_back_record<P: Platform>(
        &mut self,
        p: &mut P,
        name: &[u8],
        len: Result<usize, i32>,
    ) {
        let pass = self.read_back;
        if pass != 1 && pass != 2 {
            return;
        }
        let Some(k) = Key::parse(name) else {
            crate::log!(p, Warn, "unknown record nusim/{}: ignored", name);
            return;
        };
        let n = match len {
            Ok(n) if n <= R => n,
            Ok(n) => {
                let n = u32::try_from(n).unwrap_or(u32::MAX);
                crate::log!(
                    p,
                    Error,
                    "record {} larger than the buffer ({}): skipped",
                    &k,
                    n
                );
                return;
            }
            Err(e) => {
                crate::log!(p, Error, "record {} unreadable ({}): skipped", &k, e);
                return;
            }
        };
        let rec = &self.reads[..n];
        let r: Result<(), RecordError> = match (pass, k) {
            (1, Key::Instance(i)) => InstanceRecord::decode(rec).map(|_| {
                if let Err(StoreError::Full) = self.store.create(i) {
                    crate::log!(p, Error, "507/{} stored but no room: raise CONFIG_LWM2M_NUSIM_PROFILE_INSTANCE_COUNT", i);
                }
            }),
            (1, Key::State) => StateRecord::decode(rec).map(|r| {
                self.saved = r;
                self.state_read = true;
                self.state_primary = true;
            }),
            (1, Key::StateMirror) => StateRecord::decode(rec).map(|r| {
                if !self.state_primary {
                    self.saved = r;
                    self.state_read = true;
                }
            }),
            (1, Key::Slot(_)) => SlotRecord::decode(rec).map(|_| ()),
            (2, Key::Resource(i, res)) => ResourceRecord::decode(rec).map(|r| {
                if let Err(e) = self.store.set_value(i, res, r.encoding, r.bytes) {
                    crate::log!(p, Error, "stored 507/{}/{} refused ({}): skipped", i, res, &e);
                }
            }),
            _ => Ok(()),
        };
        match r {
            Ok(()) => {}
            Err(RecordError::Newer(v)) => crate::log!(
                p,
                Error,
                "record {} is of format version {}, newer than this code's {}: skipped",
                &k,
                v,
                persist::FORMAT
            ),
            Err(e) => crate::log!(p, Error, "record {} is corrupt ({}): skipped", &k, &e),
        }
    }

    /// Reads the records back (with persistence), creates the stored 507 instances in the
    /// engine, then decides what a switch cut short by a restart needs. Called once, after
    /// [`Self::init`] and the creation of 508/0, before the application can register.
    pub fn start<X: Shared<Self, W>, P: Platform>(cell: &X, p: &mut P) {
        if P::PERSIST {
            Self::read_back_all(cell, p);
        }
        let (next, ask) = Self::locked(cell, p, |s, p| s.decide_start(p));
        if let Some(next) = next {
            schedule_next(p, next);
        }
        if ask {
            p.submit(Work::Load, 0);
        }
    }

    fn read_back_all<X: Shared<Self, W>, P: Platform>(cell: &X, p: &mut P) {
        if let Err(e) = p.open_records() {
            crate::log!(
                p,
                Error,
                "storage unavailable ({}): nothing read back, nothing will persist",
                e
            );
            return;
        }
        // Lock order registry, then settings: the lock is held around the reading.
        cell.hold(|| {
            for pass in 1..=2 {
                Self::locked(cell, p, |s, _| s.read_back = pass);
                if let Err(e) = p.read_records() {
                    crate::log!(p, Error, "reading stored records failed ({})", e);
                }
            }
            Self::locked(cell, p, |s, _| s.read_back = 3);
        });
        let mut n: u32 = 0;
        while let Some(id) = Self::locked(cell, p, |s, _| s.store.ids().nth(n as usize)) {
            if let Err(e) = p.create_profile(id) {
                crate::log!(
                    p,
                    Error,
                    "507/{} read back but not created in the engine ({})",
                    id,
                    e
                );
            }
            n += 1;
        }
        crate::log!(p, Info, "{} stored nuSIM profile instance(s) read back", n);
    }

    /// The part of [`Self::start`] under the state: 508/0/4 and 508/0/6 as stored, and
    /// the next step of a switch the restart cut short. Whether the ICCID must be asked
    /// again on the work queue.
    fn decide_start<P: Platform>(&mut self, p: &mut P) -> (Option<crate::switch::Next>, bool) {
        use crate::switch::Next;
        self.read_back = 0;
        if !P::PERSIST {
            // Nothing to decide; an ICCID unknown at init is asked for again.
            let ask = !self.iccid_known && self.job == Job::Idle;
            if ask {
                self.job = Job::AskIccid;
            }
            return (None, ask);
        }
        // 508/0/6 first: every state record written below carries it.
        if self.state_read {
            // A load accepted or deferred, but not yet at the nuSIM, died with the restart.
            let r = self.saved.result;
            if self.saved.trial.is_none()
                && (r == LoadResult::InProgress as u8 || r == LoadResult::PolicyDeferred as u8)
            {
                self.saved.result = LoadResult::Interrupted as u8;
            }
            self.publish_saved();
        }
        if let Some(inst) = self.saved.link {
            // As the server left it: a link whose instance is gone dangles, as it did
            // before the restart, until it is rewritten (a load reports 4).
            if self.store.get(inst).is_none() {
                crate::log!(
                    p,
                    Warn,
                    "stored 508/0/4 names 507/{}, which is gone: it dangles",
                    inst
                );
            }
            self.nusim.put_back_link(ObjLnk {
                obj_id: OBJ_PROFILE,
                obj_inst: inst,
            });
        }
        if self.state_read && !self.state_primary {
            crate::log!(
                p,
                Warn,
                "state record unusable: taken from its mirror, and written again"
            );
            let _ = self.save_state(p);
        }
        if !self.iccid_known {
            // Unknown is not "no profile". Whether the nuSIM took a package cut short by
            // the restart decides between "interrupted" and "loaded": that decision waits
            // for the driver, asked again from the work queue with time to get ready.
            if self.saved.trial.is_some_and(|t| t.phase == Phase::Loading) {
                crate::log!(
                    p,
                    Warn,
                    "restart during a load, and the nuSIM's ICCID is unknown yet: asking again"
                );
                self.job = Job::AskIccid;
                return (None, true);
            }
            let next = self.decide_restart(p, None);
            if matches!(next, Next::LoadBackup(_)) {
                return (Some(next), false);
            }
            self.job = Job::AskIccid;
            return (Some(next), true);
        }
        let chip = self.nusim.iccid;
        (Some(self.decide_restart(p, Some(chip))), false)
    }

    // --- Object 507 ---

    /// create_cb of 507: reserves instance `inst` and stores that it exists. Its slot
    /// (the index of the engine's instance struct). While reading back at start, and for
    /// an instance the engine is given again, it adopts the instance that is here.
    pub fn create_507<P: Platform>(&mut self, p: &mut P, inst: u16) -> Result<usize, Error> {
        if self.read_back != 0 || self.readopt == Some(inst) {
            return self.store.slot_of(inst).ok_or(Error::NotFound);
        }
        match self.store.create(inst) {
            Ok(()) => {}
            Err(StoreError::Exists) => return Err(Error::Exists),
            Err(StoreError::Full) => return Err(Error::NoRoom),
        }
        if P::PERSIST {
            // Values of an earlier instance with this ID whose delete a restart cut short
            // go first, then the instance record: a restart in between finds no instance.
            let mut b = [0u8; 16];
            let r = Field::ALL
                .iter()
                .try_for_each(|f| save(p, Key::Resource(inst, *f as u16), None))
                .and_then(|()| {
                    let n = InstanceRecord.encode(&mut b).map_err(|_| Error::NoRoom)?;
                    save(p, Key::Instance(inst), Some(&b[..n]))
                });
            if let Err(e) = r {
                self.store.delete(inst);
                return Err(e);
            }
        }
        self.store.slot_of(inst).ok_or(Error::NotFound)
    }

    /// delete_cb of 507: wipes instance `inst`, in storage first the instance record (a
    /// restart after it finds no instance) and then its values. A link to it dangles until
    /// rewritten; a load already running works on its own copy. If the instance record
    /// cannot be deleted, nothing is: [`Error::Storage`], and since the engine drops its
    /// instance whatever the answer, it is created there again from the work queue.
    pub fn delete_507<P: Platform>(&mut self, p: &mut P, inst: u16) -> Result<(), Error> {
        if self.store.get(inst).is_none() {
            return Err(Error::NotFound);
        }
        if P::PERSIST {
            if let Err(e) = save(p, Key::Instance(inst), None) {
                crate::log!(
                    p,
                    Error,
                    "507/{} not deleted: storage unreachable; it stays",
                    inst
                );
                if self.n_recreate < N && !self.recreate[..self.n_recreate].contains(&inst) {
                    self.recreate[self.n_recreate] = inst;
                    self.n_recreate += 1;
                }
                p.submit(Work::Recreate, 0);
                return Err(e);
            }
            for f in Field::ALL {
                // A value left behind is removed by the next create of this ID.
                let _ = save(p, Key::Resource(inst, f as u16), None);
            }
        }
        self.store.delete(inst);
        Ok(())
    }

    /// The engine deleted 508/0 (its instance is gone from the engine; the chip and this
    /// state are not): it is created again on the work queue, once no bootstrap server
    /// is provisioning the client.
    pub fn delete_508<P: Platform>(&mut self, p: &mut P) {
        crate::log!(
            p,
            Warn,
            "508/0 was deleted in the engine: creating it again"
        );
        self.recreate_nusim = true;
        p.submit(Work::Recreate, 0);
    }

    /// The next 507 instance to create again in the engine; it is adopted until
    /// [`Self::readopted`].
    pub(crate) fn take_recreate(&mut self) -> Option<u16> {
        if self.n_recreate == 0 {
            return None;
        }
        let id = self.recreate[0];
        self.recreate.copy_within(1.., 0);
        self.n_recreate -= 1;
        self.readopt = Some(id);
        Some(id)
    }

    /// The engine has its instance again (or failed to).
    pub(crate) fn readopted(&mut self) {
        self.readopt = None;
    }

    /// The engine begins writing 507/`inst`/`res` (a whole value or one block of it). A
    /// request that filled the receive buffer may have been cut: [`Error::TooLarge`]
    /// (4.13). Block-wise only in plain text ([`Error::NotSupported`]: TLV and SenML do
    /// not keep a string's bytes contiguous across blocks). A block that does not continue
    /// the value being assembled: [`Error::Incomplete`] (4.08).
    pub fn begin_write_507<P: Platform>(
        &mut self,
        p: &mut P,
        inst: u16,
        res: u16,
        w: WriteInfo,
    ) -> Result<(), Error> {
        if w.received.saturating_add(1) >= w.receive_max {
            crate::log!(
                p,
                Warn,
                "507/{}/{}: request of {} bytes may have been cut: use block-wise",
                inst,
                res,
                w.received
            );
            return Err(Error::TooLarge);
        }
        let (offset, last) = w.block.unwrap_or((0, true));
        if w.block.is_some() && w.content_format.is_some_and(|f| f != 0) {
            crate::log!(
                p,
                Warn,
                "507/{}/{}: block-wise writes only in plain text",
                inst,
                res
            );
            return Err(Error::NotSupported);
        }
        match self.block.place(inst, res, offset) {
            Ok(()) => {
                self.block_at = (offset, !last);
                Ok(())
            }
            Err(e) => {
                crate::log!(
                    p,
                    Warn,
                    "507/{}/{}: block at {} refused: {}",
                    inst,
                    res,
                    offset,
                    &e
                );
                Err(Error::Incomplete)
            }
        }
    }

    /// The engine's write handler returned: later writes (`lwm2m_set_*`) are whole values.
    pub fn end_write_507(&mut self) {
        self.block_at = (0, false);
    }

    /// pre_write_cb of 507: where the engine puts the text, at the current block's offset.
    pub fn pre_write_507(&mut self) -> &mut [u8] {
        let offset = self.block_at.0.min(Self::TEXT_ROOM - 1);
        &mut self.staging[offset..Self::TEXT_ROOM]
    }

    /// post_write_cb of 507: `len` bytes were written at the current block's offset.
    /// Before the last block, nothing more; after it (or a whole value), decodes and checks
    /// the staged text, stores it, then makes it the value. On any error the previous value
    /// stays: [`Error::BadValue`] for a bad or too long value, [`Error::Incomplete`] for a
    /// block out of order, [`Error::Storage`] when it could not be stored.
    pub fn post_write_507<P: Platform>(
        &mut self,
        p: &mut P,
        inst: u16,
        res: u16,
        len: usize,
    ) -> Result<(), Error> {
        let (offset, more) = self.block_at;
        let tmax = Self::TEXT_ROOM - 2;
        let len = match self.block.written(inst, res, offset, len, !more, tmax) {
            Ok(None) => return Ok(()),
            Ok(Some(total)) => total,
            Err(BlockError::OutOfOrder) => {
                crate::log!(
                    p,
                    Warn,
                    "507/{}/{}: block at {} out of order",
                    inst,
                    res,
                    offset
                );
                return Err(Error::Incomplete);
            }
            Err(BlockError::TooLong) => {
                crate::log!(
                    p,
                    Warn,
                    "507/{}/{}: value longer than {} characters",
                    inst,
                    res,
                    tmax
                );
                return Err(Error::BadValue);
            }
        };
        let (n, enc) = match self.store.decode_text(inst, res, &mut self.staging, len) {
            Ok(v) => v,
            Err(WriteError::NotFound) => return Err(Error::NotFound),
            Err(WriteError::Invalid(e)) => {
                crate::log!(p, Warn, "507/{}/{} refused: {}", inst, res, &e);
                return Err(Error::BadValue);
            }
        };
        let (value, rest) = self.staging.split_at_mut(n);
        if P::PERSIST {
            let rec = ResourceRecord {
                encoding: enc,
                bytes: value,
            };
            let m = rec.encode(rest).map_err(|_| Error::NoRoom)?;
            save(p, Key::Resource(inst, res), Some(&rest[..m]))?;
        }
        self.store
            .set_value(inst, res, enc, value)
            .map_err(|_| Error::BadValue)
    }

    /// read_cb of 507: the value as the text it was written as, with its NUL (empty if
    /// never written), in the read place of the instance's slot and the resource. A value
    /// being assembled block by block is not touched: the read sees the committed value.
    pub fn read_507(&mut self, inst: u16, res: u16) -> Option<&[u8]> {
        let f = Field::from_res(res)?;
        let slot = self.store.slot_of(inst)?;
        // The value's own place, and no more: the engine may still hold a neighbour's.
        let at = slot * store::read_text_len(W) + ProfileStore::<N, W>::read_offset(f);
        let place = self
            .reads
            .get_mut(at..at + ProfileStore::<N, W>::read_place_len(f))?;
        let n = self.store.read_text(inst, res, place)?;
        // Strings are served with their NUL: lwm2m_engine_get copies len - 1 characters.
        Some(&place[..=n])
    }

    // --- Object 508 ---

    /// create_cb of 508: the single instance 0 (the engine allows no second one).
    pub fn create_508(&self, inst: u16) -> Result<(), Error> {
        if inst == 0 {
            Ok(())
        } else {
            Err(Error::NotFound)
        }
    }

    /// read_cb of 508 resources 0, 1, 2, 3, 4 and 6: the bytes the engine serves.
    pub fn read_508(&mut self, res: u16) -> Option<&[u8]> {
        let n = &self.nusim;
        match res {
            res508::EID => Some(n.eid.with_nul()),
            res508::ICCID => Some(n.iccid.with_nul()),
            res508::CAPABILITIES => Some(&n.caps[..n.caps_len.min(8)]),
            res508::CERTIFICATE => {
                // The same bytes each time: re-encoding never changes what an earlier read
                // of this message points at.
                let room = &mut self.cert_text[..T - 1];
                let cert = &n.cert[..n.cert_len.min(C)];
                let t = codec::encode(cert, codec::Encoding::Base64Padded, room).unwrap_or(0);
                self.cert_text[t] = 0;
                Some(&self.cert_text[..=t])
            }
            res508::PROFILE => {
                self.link_place.0 = link_bytes(n.link());
                Some(&self.link_place.0)
            }
            res508::LOAD_RESULT => {
                self.result_byte = n.result() as u8;
                Some(core::slice::from_ref(&self.result_byte))
            }
            _ => None,
        }
    }

    /// pre_write_cb of 508/0/4: where the engine puts the link (`struct lwm2m_objlnk`).
    pub fn pre_write_link(&mut self) -> &mut [u8] {
        &mut self.link_place.0
    }

    /// post_write_cb of 508/0/4 (`len` bytes written): accepts the null link or a link to
    /// an existing 507 instance, and stores it; anything else is [`Error::BadValue`] (a
    /// storage failure [`Error::Storage`]) and keeps the previous link.
    pub fn post_write_link<P: Platform>(&mut self, p: &mut P, len: usize) -> Result<(), Error> {
        let link = ObjLnk {
            obj_id: u16::from_ne_bytes([self.link_place.0[0], self.link_place.0[1]]),
            obj_inst: u16::from_ne_bytes([self.link_place.0[2], self.link_place.0[3]]),
        };
        if len != self.link_place.0.len() {
            crate::log!(p, Warn, "508/0/4: {} bytes are no object link", len);
            self.link_place.0 = link_bytes(self.nusim.link());
            return Err(Error::BadValue);
        }
        self.set_link(p, link)
    }

    pub(crate) fn set_link<P: Platform>(&mut self, p: &mut P, link: ObjLnk) -> Result<(), Error> {
        let before = self.nusim.link();
        if let Err(e) = self.nusim.set_link(link, &self.store) {
            let e: LinkError = e;
            crate::log!(
                p,
                Warn,
                "508/0/4 refused {}:{}: {}",
                link.obj_id,
                link.obj_inst,
                &e
            );
            self.link_place.0 = link_bytes(before);
            return Err(Error::BadValue);
        }
        if let Err(e) = self.save_state(p) {
            // The old link as it was, even one that dangles.
            self.nusim.put_back_link(before);
            self.link_place.0 = link_bytes(before);
            return Err(e);
        }
        Ok(())
    }

    // --- state ---

    /// Stores the state record with 508/0/4 and 508/0/6 as they are now: `s`, then its
    /// mirror `s2`.
    pub(crate) fn save_state<P: Platform>(&mut self, p: &mut P) -> Result<(), Error> {
        if !P::PERSIST {
            return Ok(());
        }
        let link = self.nusim.link();
        self.saved.link = (link != ObjLnk::NULL).then_some(link.obj_inst);
        self.saved.result = self.nusim.result() as u8;
        let mut b = [0u8; persist::STATE_MAX];
        let n = self.saved.encode(&mut b).map_err(|_| Error::NoRoom)?;
        self.state_unsaved = true;
        save(p, Key::State, Some(&b[..n]))?;
        self.state_unsaved = false;
        // The mirror trails the primary: a restart takes the primary when it is usable, so
        // a mirror one step behind (power cut in between) is never read instead. Its
        // failure is logged by save() and does not undo a state the primary now holds.
        let _ = save(p, Key::StateMirror, Some(&b[..n]));
        Ok(())
    }

    /// 508/0/6 from the switch's view of it.
    pub(crate) fn publish_saved(&mut self) {
        let r = LoadResult::from_u8(self.saved.result).unwrap_or(LoadResult::Failed);
        self.publish(r);
    }

    /// Sets 508/0/6 and asks for its notification.
    pub(crate) fn publish(&mut self, r: LoadResult) {
        self.nusim.publish(r);
        self.note(res508::LOAD_RESULT);
    }

    /// A load or switch is running, or a new profile awaits the network.
    pub(crate) fn switch_busy(&self) -> bool {
        self.nusim.busy() || self.saved.trial.is_some()
    }

    /// Queues result `r` of a load that ended at once for the report work item. The
    /// oldest waiting result gives way if all places are taken (logged).
    pub(crate) fn queue_report<P: Platform>(
        &mut self,
        p: &mut P,
        source: Source,
        inst: u16,
        r: LoadResult,
    ) {
        if self.n_reports == PENDING_REPORTS {
            crate::log!(
                p,
                Warn,
                "result callbacks fall behind: the oldest waiting result is dropped"
            );
            self.take_report();
            self.reports_dropped = self.reports_dropped.saturating_add(1);
        }
        self.reports[self.n_reports] = (source, inst, r);
        self.n_reports += 1;
        p.submit(Work::Report, 0);
    }

    /// The oldest result waiting for the report work item.
    pub(crate) fn take_report(&mut self) -> Option<(Source, u16, LoadResult)> {
        if self.n_reports == 0 {
            return None;
        }
        let first = self.reports[0];
        self.reports.copy_within(1.., 0);
        self.n_reports -= 1;
        Some(first)
    }

    /// Results of loads that ended at once and were never told to the application,
    /// because more than four waited for the work queue at once.
    pub fn reports_dropped(&self) -> u32 {
        self.reports_dropped
    }

    /// `lwm2m_nusim_get_status()`.
    pub fn status(&self) -> Status {
        Status {
            result: self.nusim.result(),
            phase: self.saved.trial.map_or(0, |t| t.phase as u8),
            // An ICCID being asked for at start counts too: nothing is settled before.
            busy: self.switch_busy() || self.job == Job::AskIccid,
            loading: self.nusim.busy(),
            backup: self.saved.backup.map(|b| b.iccid),
            link: match self.nusim.link() {
                ObjLnk::NULL => None,
                l => Some(l.obj_inst),
            },
            iccid: self.nusim.iccid,
            profiles: self.store.ids().count() as u8,
        }
    }

    // --- trust anchors ---

    /// Installs the build-time trust anchors: `kconfig` (hex keys separated by spaces,
    /// commas or semicolons) and `dt` (65 bytes a key). A malformed key refuses every
    /// package until the application sets valid anchors (fail closed), and says so. Keys
    /// are checked for form only (init runs on the small main stack).
    pub fn trust_init<P: Platform>(&mut self, p: &mut P, kconfig: &[u8], dt: &[u8]) {
        use crate::trust::is_uncompressed_point_form as form;
        let r = self
            .trust
            .set(dt, form)
            .and_then(|()| self.trust.add_hex(kconfig, form));
        match r {
            Ok(()) if self.trust.keys().is_empty() => {
                crate::log!(
                    p,
                    Info,
                    "no trusted CI keys: the nuSIM alone decides which CI it trusts"
                )
            }
            Ok(()) => crate::log!(p, Info, "{} trusted CI key(s)", self.trust.keys().len()),
            Err(e) => {
                crate::log!(p, Error, "trusted CI keys unusable ({}): every package is refused until lwm2m_nusim_set_trusted_ci_keys()", &e);
                self.trust.poison();
            }
        }
    }

    /// `lwm2m_nusim_set_trusted_ci_keys()`: replaces the trusted keys with `flat` (65 bytes
    /// a key), each checked with `valid`. On error the previous set stays.
    pub fn set_trusted<P: Platform>(
        &mut self,
        p: &mut P,
        flat: &[u8],
        valid: impl Fn(&[u8]) -> bool,
    ) -> Result<(), Error> {
        match self.trust.set(flat, valid) {
            Ok(()) => Ok(()),
            Err(TrustError::TooMany) => Err(Error::NoRoom),
            Err(e) => {
                crate::log!(p, Warn, "trusted CI keys refused: {}", &e);
                Err(Error::Invalid)
            }
        }
    }

    /// `lwm2m_nusim_trusted_ci_count()`.
    pub fn trusted_count(&self) -> Result<usize, Error> {
        if self.trust.poisoned() {
            Err(Error::Poisoned)
        } else {
            Ok(self.trust.keys().len())
        }
    }
}

/// 508/0/4's place: the engine reads and writes it as a `struct lwm2m_objlnk` (two
/// `uint16_t`), so it is aligned as one, whatever the fields around it.
#[repr(C, align(4))]
struct LinkPlace([u8; 4]);
const _: () = assert!(core::mem::align_of::<LinkPlace>() >= core::mem::align_of::<ObjLnk>());

/// `link` as `struct lwm2m_objlnk` holds it.
fn link_bytes(link: ObjLnk) -> [u8; 4] {
    let (a, b) = (link.obj_id.to_ne_bytes(), link.obj_inst.to_ne_bytes());
    [a[0], a[1], b[0], b[1]]
}

/// Saves (`Some`) or deletes (`None`) record `key`; logs a failure as [`Error::Storage`].
pub(crate) fn save<P: Platform>(p: &mut P, key: Key, rec: Option<&[u8]>) -> Result<(), Error> {
    p.save(key, rec).map_err(|e| {
        crate::log!(p, Error, "storing {} failed ({})", &key, e);
        Error::Storage
    })
}

/// Takes a driver's text answer `buf` into `t` if the call succeeded, the text is
/// NUL-terminated within the buffer and `valid`; otherwise empties `t`.
pub(crate) fn take_text<const M: usize>(
    r: Result<(), i32>,
    buf: &[u8],
    t: &mut Text<M>,
    valid: fn(&[u8]) -> bool,
) -> bool {
    // A value that fills the buffer without a NUL was cut short: malformed.
    let ok = r.is_ok() && buf.contains(&0) && valid(cstr(buf)) && t.set(cstr(buf));
    if !ok {
        t.set(b"");
    }
    ok
}

/// Asks the driver for the ICCID into `t` (empty: no profile). False, logged, if it
/// answered nothing usable: unknown, which is not "no profile".
pub(crate) fn fetch_iccid<P: Platform>(p: &mut P, t: &mut Text<ICCID_LEN>) -> bool {
    let mut buf = [0u8; ICCID_LEN];
    let r = p.nusim_iccid(&mut buf);
    let ok = take_text(r, &buf, t, |id| id.is_empty() || text::is_iccid(id));
    if !ok {
        crate::log!(
            p,
            Error,
            "nuSIM ICCID unavailable or malformed ({})",
            r.err().unwrap_or(0)
        );
    }
    ok
}

/// A byte value's length from the driver's answer; 0 (logged) on error or beyond `max`.
fn fetch_bytes<P: Platform>(p: &mut P, what: &str, r: Result<usize, i32>, max: usize) -> usize {
    match r {
        Ok(n) if n <= max => n,
        r => {
            let code = r.map_or_else(|e| e, |n| i32::try_from(n).unwrap_or(i32::MAX));
            crate::log!(
                p,
                Warn,
                "nuSIM {} unavailable or malformed ({})",
                what,
                code
            );
            0
        }
    }
}

/// The bytes of a C string buffer up to its NUL (or all of it).
pub fn cstr(b: &[u8]) -> &[u8] {
    &b[..b.iter().position(|&c| c == 0).unwrap_or(b.len())]
}

/// Arms the deadline or queues the backup's load, as the switch asks.
pub(crate) fn schedule_next<P: Platform>(p: &mut P, next: crate::switch::Next) {
    use crate::switch::{retry_delay_s, Next};
    match next {
        Next::AwaitNetwork => p.submit(Work::Deadline, P::NETWORK_TIMEOUT_S.saturating_mul(1000)),
        Next::LoadBackup(_) => p.submit(Work::Load, 0),
        Next::LoadBackupLater(_, attempt) => p.submit(
            Work::Load,
            retry_delay_s(P::FALLBACK_RETRY_S, attempt).saturating_mul(1000),
        ),
        Next::Done(_) => {}
    }
}
