//! FFI callbacks of Objects 507 and 508, called by `src/lwm2m_nusim.c`.
//!
//! Writes of 507 values land in one staging text buffer (the engine's `pre_write_cb`), are
//! decoded and checked in `post_write_cb`, stored (when persistence is on) and only then
//! replace the value in RAM; a bad value answers 4.00 (`-EEXIST`), a storage failure 5.00
//! (`-EIO`), and both leave the old one. Only writes touch the staging buffer, so a read or
//! an observer's notification between two blocks of a block-wise write sees the committed
//! value and leaves the assembly alone.
//!
//! Reads re-encode into read places of their own: one per 507 instance slot (each of its
//! seven values at its own offset) and one for the certificate 508/0/3. The engine's SenML
//! CBOR writer keeps the pointer of every value of a message until it encodes the whole
//! message, so no two values one message can hold share bytes. Engine requests,
//! notifications and `lwm2m_engine_get/set` all run under the registry lock, and a
//! message is encoded within one hold of it. Between messages the 507 read places are
//! scratch room for records on their way to and from the settings backend, used only
//! within one [`Locked::with`].
//!
//! Lock order: the engine's registry lock, then the settings subsystem's lock (records are
//! saved while the registry lock is held, because a 507 write must be stored before the
//! engine acknowledges it). Never the reverse: the settings handler touches nothing, and
//! takes no lock, unless it runs in the module's own restore, which holds the registry lock
//! around `settings_load_subtree()`. Result and policy callbacks run on the module's work
//! queue with no lock held.
//!
//! Loads run on the module's work queue as a [`Job`]: a candidate (asked of the
//! application's policy, checked, stored in its slot, loaded, then awaiting the network)
//! or the backup going back (automatic fallback or a rollback asked for). The persisted
//! [`StateRecord`] drives the sequence; see `nusim_core::switch`.

use crate::cell::{Locked, Owned};
#[cfg(feature = "check")]
use crate::config::TRUSTED_CI_MAX;
use crate::config::{
    AWAIT_NETWORK, CERT_MAX_SIZE, DRIVER_WAIT_MS, ENCP_MAX_SIZE, FALLBACK_ATTEMPTS,
    FALLBACK_RETRY_S, PERSIST, PROFILE_INSTANCE_COUNT,
};
use crate::ffi::{
    self,
    errno::{self, E},
};
use core::ffi::{c_char, c_int, c_void};
use core::sync::atomic::{AtomicPtr, Ordering};
use nusim_core::block::{Assembly, BlockError};
use nusim_core::codec;
use nusim_core::field::{Field, HEADER_LEN};
use nusim_core::nusim::{ExecuteError, Nusim508, ObjLnk, Started, OBJ_NUSIM, OBJ_PROFILE};
use nusim_core::persist::{
    self, InstanceRecord, Key, Phase, RecordError, ResourceRecord, SlotRecord, StateRecord,
};
use nusim_core::result::{reason, DriverError, LoadResult};
use nusim_core::store::{ProfileStore, StoreError, WriteError};
use nusim_core::switch::{retry_delay_s, Next, SwitchError};
use nusim_core::text::{self, Text};
#[cfg(feature = "check")]
use nusim_core::trust::TrustAnchors;

/// Wire capacity of one profile.
const WIRE: usize = HEADER_LEN + ENCP_MAX_SIZE;
/// Text room: encP as hex, plus NUL, plus one byte to detect a silently truncated value.
const TEXT_BUF: usize = Store::TEXT_MAX + 2;
const fn max(a: usize, b: usize) -> usize {
    if a > b {
        a
    } else {
        b
    }
}
/// The staging buffer of 507 writes: the text room, then a decoded encP followed by its
/// record.
const STAGING: usize = max(TEXT_BUF, 2 * ENCP_MAX_SIZE + persist::OVERHEAD);
/// The read places of all 507 instance slots, one [`Store::READ_TEXT_LEN`] each; between
/// messages the scratch room of records.
const READS: usize = PROFILE_INSTANCE_COUNT * Store::READ_TEXT_LEN;
// The largest record (a package in its slot) fits the scratch room.
const _: () = assert!(
    WIRE + persist::OVERHEAD <= READS && ENCP_MAX_SIZE + persist::OVERHEAD <= READS,
    "read places too small for a record"
);
// CONFIG_LWM2M_NUSIM_ENCP_MAX_SIZE is capped in Kconfig so that a package slot is one
// settings entry that fits a 4 KB NVS sector.
const _: () = assert!(
    !PERSIST || persist::slot_fits_nvs_sector(ENCP_MAX_SIZE),
    "CONFIG_LWM2M_NUSIM_ENCP_MAX_SIZE too large for a package slot in one NVS sector"
);
/// 508/0/3's read place: the certificate as padded base64, with its NUL.
const CERT_TEXT: usize = CERT_MAX_SIZE.div_ceil(3) * 4 + 1;

/// How many finished loads' results may wait for the work queue to report them.
const PENDING_REPORTS: usize = 4;

type Store = ProfileStore<PROFILE_INSTANCE_COUNT, WIRE>;

/// 508 resources.
const RES_EID: u16 = 0;
const RES_ICCID: u16 = 1;
const RES_CAPS: u16 = 2;
const RES_CERT: u16 = 3;
const RES_LINK: u16 = 4;
const RES_RESULT: u16 = 6;

/// Who asked for a load (`enum lwm2m_nusim_source` of `<nusim/lwm2m_nusim.h>`).
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    /// An LwM2M server executed 508/0/5.
    Server = 0,
    /// The application: `lwm2m_nusim_load()` or the shell.
    Local = 1,
    /// The module, after a failed switch.
    Fallback = 2,
    /// The application: `lwm2m_nusim_rollback()` or the shell.
    Rollback = 3,
}

/// The work item's next job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Job {
    Idle,
    /// The package copied into [`WORK_PACKAGE`], from 507 instance `inst`.
    Load {
        source: Source,
        inst: u16,
    },
    /// The backup package of slot `slot`.
    Restore {
        source: Source,
        slot: u8,
    },
    /// The nuSIM's ICCID was unknown at start: ask again (bounded), then decide a load
    /// the restart cut short, if there is one.
    Recover,
}

/// How often a driver that is not ready is asked again (see [`refresh_iccid`]).
const DRIVER_POLL_MS: u32 = 250;

/// Milliseconds since boot.
fn uptime_ms() -> u64 {
    // SAFETY: plain glue function without preconditions.
    u64::try_from(unsafe { ffi::nusim_glue_uptime_ms() }).unwrap_or(0)
}

/// 507 instance ID reported for a load of the backup.
const BACKUP_INST: u16 = u16::MAX;

/// The application policy's answers (`enum lwm2m_nusim_decision`).
const POLICY_ALLOW: c_int = 0;
const POLICY_DENY: c_int = 1;
const POLICY_DEFER: c_int = 2;

struct State {
    store: Store,
    nusim: Nusim508<CERT_MAX_SIZE>,
    /// Staging for 507 writes only (see the module docs).
    staging: [u8; STAGING],
    /// Read places of the 507 instance slots; scratch for records between messages.
    reads: [u8; READS],
    /// Read place of 508/0/3.
    cert_text: [u8; CERT_TEXT],
    /// Results of loads that ended at once (nothing to load), for the report work item:
    /// callbacks run on the work queue, never under the registry lock.
    /// (source, 507 instance, 508/0/6 code), oldest first; `n_reports` of them.
    reports: [(Source, u16, LoadResult); PENDING_REPORTS],
    n_reports: usize,
    link_staging: ObjLnk,
    result_byte: u8,
    /// CI keys a package must be signed under (device-side check; empty: any).
    #[cfg(feature = "check")]
    trust: TrustAnchors<TRUSTED_CI_MAX>,
    /// What survives a restart besides the 507 values: link, result, backup, trial.
    saved: StateRecord,
    /// A state record was read back at start.
    state_restored: bool,
    /// It was the primary `s` (the mirror `s2` is taken only without a usable primary).
    state_primary: bool,
    job: Job,
    /// The records are being read back at start: which pass (0: not restoring).
    restoring: u8,
    /// The nuSIM answered the ICCID question (at start, or since: false after a failure
    /// it could not say anything about).
    iccid_known: bool,
    /// The 507 instance the glue is creating again in the engine (after a delete that
    /// could not reach storage): that create adopts what is still here.
    readopt: Option<u16>,
    /// A 507 value arriving block by block (see `nusim_core::block`).
    block: Assembly,
    /// Offset of the block being written now and whether more follow ((0, false) outside
    /// Block1; all zero, so the state stays in .bss).
    block_at: (usize, bool),
}

impl State {
    /// Queues result `r` of a load that ended at once for the report work item. The
    /// oldest waiting result gives way if all places are taken (logged).
    fn queue_report(&mut self, source: Source, inst: u16, r: LoadResult) {
        if self.n_reports == PENDING_REPORTS {
            log::warn!("result callbacks fall behind: the oldest waiting result is dropped");
            self.take_report();
        }
        self.reports[self.n_reports] = (source, inst, r);
        self.n_reports += 1;
    }

    /// The oldest result waiting for the report work item.
    fn take_report(&mut self) -> Option<(Source, u16, LoadResult)> {
        if self.n_reports == 0 {
            return None;
        }
        let first = self.reports[0];
        self.reports.copy_within(1.., 0);
        self.n_reports -= 1;
        Some(first)
    }
}

// All zero (see Nusim508 and ProfileStore): .bss, no flash copy.
static STATE: Locked<State> = Locked::new(State {
    store: Store::new(),
    nusim: Nusim508::new(),
    staging: [0; STAGING],
    reads: [0; READS],
    cert_text: [0; CERT_TEXT],
    // Server and Success are 0: still all zero (.bss).
    reports: [(Source::Server, 0, LoadResult::Success); PENDING_REPORTS],
    n_reports: 0,
    link_staging: ObjLnk {
        obj_id: 0,
        obj_inst: 0,
    },
    result_byte: 0,
    #[cfg(feature = "check")]
    trust: TrustAnchors::new(),
    // result 0 keeps STATE all-zero (.bss, no flash copy); it is only published once a
    // stored state record set it (`state_restored`).
    saved: StateRecord {
        link: None,
        result: 0,
        backup: None,
        trial: None,
    },
    state_restored: false,
    state_primary: false,
    job: Job::Idle,
    restoring: 0,
    iccid_known: false,
    readopt: None,
    block: Assembly::new(),
    block_at: (0, false),
});

/// The package copy a load works on (length, bytes), made at execute time, so that the 507
/// instance may change or vanish meanwhile.
static WORK_PACKAGE: Owned<(usize, [u8; WIRE])> = Owned::new((0, [0; WIRE]));

/// The bytes of a C string buffer up to its NUL (or all of it).
fn cstr(b: &[u8]) -> &[u8] {
    &b[..b.iter().position(|&c| c == 0).unwrap_or(b.len())]
}

fn set_len(len: *mut usize, n: usize) {
    if !len.is_null() {
        // SAFETY: the engine passes a valid size_t pointer (checked non-null above).
        unsafe { *len = n };
    }
}

/// A driver getter of NUL-terminated text (`nusim_glue_get_eid`, `_iccid`).
type TextGetter = unsafe extern "C" fn(*mut c_char, usize) -> c_int;
/// A driver getter of bytes returning their length (`nusim_glue_get_certificate`, ...).
type BytesGetter = unsafe extern "C" fn(*mut u8, usize) -> c_int;

/// Asks the driver for a text value and keeps it in `t` if it is NUL-terminated within the
/// buffer and `valid`; otherwise logs, leaves `t` empty and returns false.
fn fetch_text<const N: usize>(
    what: &str,
    t: &mut Text<N>,
    get: TextGetter,
    valid: fn(&[u8]) -> bool,
) -> bool {
    let mut buf = [0u8; N];
    // SAFETY: buf is valid for writes of N bytes, the size passed.
    let rc = unsafe { get(buf.as_mut_ptr().cast(), N) };
    // A value that fills the buffer without a NUL was cut short: malformed.
    let ok = rc == 0 && buf.contains(&0) && valid(cstr(&buf)) && t.set(cstr(&buf));
    if !ok {
        log::error!("nuSIM {what} unavailable or malformed ({rc})");
        t.set(b"");
    }
    ok
}

fn iccid_or_none(id: &[u8]) -> bool {
    id.is_empty() || text::is_iccid(id)
}

/// Asks the driver for a byte value into `buf`; its length, or 0 (logged) on error or a
/// length beyond the buffer.
fn fetch_bytes(what: &str, buf: &mut [u8], get: BytesGetter) -> usize {
    // SAFETY: buf is valid for writes of buf.len() bytes, the size passed.
    let rc = unsafe { get(buf.as_mut_ptr(), buf.len()) };
    match usize::try_from(rc) {
        Ok(n) if n <= buf.len() => n,
        _ => {
            log::warn!("nuSIM {what} unavailable or malformed ({rc})");
            0
        }
    }
}

/// Saves (`Some`) or deletes (`None`) the record `key`. Logs and returns the errno on failure.
fn save(key: Key, rec: Option<&[u8]>) -> Result<(), i32> {
    let mut name = [0u8; persist::NAME_MAX + 1];
    key.name(&mut name);
    let (ptr, len) = rec.map_or((core::ptr::null(), 0), |r| (r.as_ptr(), r.len()));
    // SAFETY: name is NUL-terminated; ptr is valid for len bytes (or null with len 0).
    let rc = unsafe { ffi::nusim_glue_save(name.as_ptr().cast(), ptr, len) };
    if rc < 0 {
        log::error!("storing {key:?} failed ({rc})");
        return Err(errno::neg(E::Io));
    }
    Ok(())
}

impl State {
    /// Stores the state record with 508/0/4 and 508/0/6 as they are now.
    fn save_state(&mut self) -> Result<(), i32> {
        if !PERSIST {
            return Ok(());
        }
        let link = self.nusim.link();
        self.saved.link = (link != ObjLnk::NULL).then_some(link.obj_inst);
        self.saved.result = self.nusim.result() as u8;
        let mut b = [0u8; persist::STATE_MAX];
        let n = self
            .saved
            .encode(&mut b)
            .map_err(|_| errno::neg(E::NoMem))?;
        save(Key::State, Some(&b[..n]))?;
        // The mirror trails the primary: a restart takes the primary when it is usable,
        // so a mirror one step behind (power cut in between) is never read instead. Its
        // failure is logged by save() and does not undo a state the primary now holds.
        let _ = save(Key::StateMirror, Some(&b[..n]));
        Ok(())
    }

    /// 508/0/6 from the switch's view of it.
    fn publish_saved(&mut self) {
        let r = LoadResult::from_u8(self.saved.result).unwrap_or(LoadResult::Failed);
        self.nusim.publish(r);
    }

    /// Ends the running load with the driver's outcome (the ICCID it answered in `iccid`)
    /// and what the nuSIM holds after a failure (`chip_now`, `None`: it could not say):
    /// 508/0/1 follows the chip. The result, and whether 508/0/1 changed.
    fn finish_load(
        &mut self,
        outcome: Result<usize, LoadResult>,
        iccid: &[u8; 22],
        chip_now: Option<Text<21>>,
    ) -> (LoadResult, bool) {
        let before = self.nusim.iccid;
        let r = self.nusim.finish(outcome.map(|n| &iccid[..n.min(21)]));
        if let Some(now) = chip_now {
            self.nusim.iccid = now;
        }
        // After a failure the chip's state is known only if it answered the ICCID question.
        self.iccid_known = r == LoadResult::Success || chip_now.is_some();
        (r, before != self.nusim.iccid)
    }

    /// A load or switch is running, or a new profile awaits the network.
    fn switch_busy(&self) -> bool {
        self.nusim.busy() || self.saved.trial.is_some()
    }
}

/// Reads the identity values from the driver into Object 508. Called once from the glue's
/// init, on the small main stack: the certificate goes straight into STATE.
#[no_mangle]
pub extern "C" fn nusim_rs_init() -> i32 {
    crate::logger::init();
    STATE.with(|s| {
        let n = &mut s.nusim;
        fetch_text("EID", &mut n.eid, ffi::nusim_glue_get_eid, text::is_eid);
        s.iccid_known = fetch_text(
            "ICCID",
            &mut n.iccid,
            ffi::nusim_glue_get_iccid,
            iccid_or_none,
        );
        n.caps_len = fetch_bytes(
            "capabilities",
            &mut n.caps,
            ffi::nusim_glue_get_capabilities,
        );
        n.cert_len = fetch_bytes("certificate", &mut n.cert, ffi::nusim_glue_get_certificate);
    });
    0
}

/// The thread running the module's restore (null outside it). The settings handler acts
/// only in that thread, which holds the registry lock: records from anybody else's
/// `settings_load()` are ignored without touching any state or taking any lock.
static RESTORER: AtomicPtr<c_void> = AtomicPtr::new(core::ptr::null_mut());

/// True if the caller is the module's own restore.
fn in_restore() -> bool {
    // SAFETY: plain glue function without preconditions; the pointer is only compared.
    let me = unsafe { ffi::nusim_glue_current_thread() };
    let r = RESTORER.load(Ordering::Acquire);
    !r.is_null() && core::ptr::eq(r, me)
}

/// The buffer the settings handler reads a record into, and its size; null (size 0)
/// outside the module's own restore, so the handler reads nothing then.
#[no_mangle]
pub extern "C" fn nusim_rs_record_buf(size: *mut usize) -> *mut u8 {
    if !in_restore() {
        set_len(size, 0);
        return core::ptr::null_mut();
    }
    set_len(size, READS);
    // SAFETY: address only; the restoring thread holds the registry lock for the whole
    // restore (see nusim_rs_restore_pass), so no message uses the read places meanwhile,
    // and nusim_rs_restore reads them under that lock.
    unsafe { core::ptr::addr_of_mut!((*STATE.as_ptr()).reads) }.cast()
}

/// Starts reading the records back at start (`pass` 1: instances, state, slots; 2: 507
/// values), then 3: records read, the glue creates the restored instances in the engine.
/// The glue holds the registry lock from pass 1 to the end of pass 2.
#[no_mangle]
pub extern "C" fn nusim_rs_restore_pass(pass: u8) {
    let me = if pass != 1 && pass != 2 {
        core::ptr::null()
    } else {
        // SAFETY: plain glue function without preconditions.
        unsafe { ffi::nusim_glue_current_thread() }
    };
    RESTORER.store(me.cast_mut(), Ordering::Release);
    STATE.with(|s| s.restoring = pass);
}

/// The settings handler's record `key` (relative to `nusim/`), `len` bytes in the record
/// buffer (negative: the backend's read error, or -EFBIG for a record larger than it). A
/// bad record is reported and skipped; the others are unaffected. Records seen outside our
/// start (the application's own `settings_load()`) are ignored before any lock is taken:
/// RAM is already authoritative.
#[no_mangle]
pub extern "C" fn nusim_rs_restore(key: *const c_char, len: isize) -> i32 {
    if key.is_null() || !in_restore() {
        return 0;
    }
    // SAFETY: non-null; the settings subsystem passes a NUL-terminated name.
    let name = unsafe { core::ffi::CStr::from_ptr(key) }.to_bytes();
    STATE.with(|s| {
        let pass = s.restoring;
        if pass == 0 {
            return;
        }
        let Some(k) = Key::parse(name) else {
            log::warn!("unknown record nusim/{}: ignored", Show(name));
            return;
        };
        let Ok(n) = usize::try_from(len) else {
            log::error!("record {k:?} unreadable or larger than the buffer ({len}): skipped");
            return;
        };
        let State {
            reads,
            store,
            saved,
            state_restored,
            state_primary,
            ..
        } = s;
        let rec = &reads[..n.min(READS)]; // the glue reads at most READS bytes
        let r: Result<(), RecordError> = match (pass, k) {
            (1, Key::Instance(i)) => InstanceRecord::decode(rec).map(|_| {
                if let Err(StoreError::Full) = store.create(i) {
                    log::error!("507/{i} stored but no room: raise CONFIG_LWM2M_NUSIM_PROFILE_INSTANCE_COUNT");
                }
            }),
            (1, Key::State) => StateRecord::decode(rec).map(|r| {
                *saved = r;
                *state_restored = true;
                *state_primary = true;
            }),
            (1, Key::StateMirror) => StateRecord::decode(rec).map(|r| {
                if !*state_primary {
                    *saved = r;
                    *state_restored = true;
                }
            }),
            (1, Key::Slot(_)) => SlotRecord::decode(rec).map(|_| ()),
            (2, Key::Resource(i, res)) => ResourceRecord::decode(rec).map(|r| {
                if let Err(e) = store.restore(i, res, r.encoding, r.bytes) {
                    log::error!("stored 507/{i}/{res} refused ({e:?}): skipped");
                }
            }),
            _ => Ok(()),
        };
        if let Err(e) = r {
            if let RecordError::Newer(v) = e {
                log::error!(
                    "record {k:?} is of format version {v}, newer than this code's {}: skipped",
                    persist::FORMAT
                );
            } else {
                log::error!("record {k:?} is corrupt ({e:?}): skipped");
            }
        }
    });
    0
}

/// The `idx`-th restored 507 instance, for the glue to create in the engine; -1 past the end.
#[no_mangle]
pub extern "C" fn nusim_rs_restored_id(idx: usize) -> i32 {
    STATE.with(|s| s.store.ids().nth(idx).map_or(-1, i32::from))
}

/// Ends the start: 508/0/4 and 508/0/6 as stored, then whatever a switch cut short by the
/// restart needs (see `nusim_core::switch`). Called by the glue after the engine instances
/// exist.
#[no_mangle]
pub extern "C" fn nusim_rs_start() {
    if !PERSIST {
        // Nothing to decide at start; an ICCID unknown at init is asked for again.
        if STATE.with(|s| {
            let ask = !s.iccid_known && s.job == Job::Idle;
            if ask {
                s.job = Job::Recover;
            }
            ask
        }) {
            // SAFETY: plain glue function without preconditions.
            unsafe { ffi::nusim_glue_submit_load() };
        }
        return;
    }
    let next = STATE.with(|s| {
        s.restoring = 0;
        if let Some(inst) = s.saved.link {
            let link = ObjLnk {
                obj_id: OBJ_PROFILE,
                obj_inst: inst,
            };
            if s.nusim.set_link(link, &s.store).is_err() {
                log::error!("stored 508/0/4 names 507/{inst}, which is gone: null link");
            }
        }
        if s.state_restored && !s.state_primary {
            log::warn!("state record unusable: taken from its mirror, and written again");
            let _ = s.save_state();
        }
        if s.state_restored {
            // A load accepted or deferred, but not yet at the nuSIM, died with the restart.
            let r = s.saved.result;
            if s.saved.trial.is_none()
                && (r == LoadResult::InProgress as u8 || r == LoadResult::PolicyDeferred as u8)
            {
                s.saved.result = LoadResult::Interrupted as u8;
            }
            s.publish_saved();
        }
        if !s.iccid_known {
            // Unknown is not "no profile". Whether the nuSIM took a package cut short by
            // the restart decides between "interrupted" and "loaded": that decision waits
            // for the driver, asked again from the work queue with time to get ready.
            if s.saved.trial.is_some_and(|t| t.phase == Phase::Loading) {
                log::warn!(
                    "restart during a load, and the nuSIM's ICCID is unknown yet: asking again"
                );
                s.job = Job::Recover;
                return (None, true);
            }
            // Nothing else needs it now; the backup's load, if one is due, learns it too.
            let next = decide_at_start(s, None);
            if matches!(next, Next::Restore(_)) {
                return (Some(next), false);
            }
            s.job = Job::Recover;
            return (Some(next), true);
        }
        let chip = s.nusim.iccid;
        (Some(decide_at_start(s, Some(chip))), false)
    });
    let (next, recover) = next;
    if let Some(next) = next {
        after_switch_step(next);
    }
    if recover {
        // SAFETY: plain glue function without preconditions.
        unsafe { ffi::nusim_glue_submit_load() };
    }
}

/// What a switch cut short by a restart needs, given what the nuSIM holds now (`None`:
/// it could not say), as `nusim_core::switch` decides it; stores the outcome.
fn decide_at_start(s: &mut State, chip: Option<Text<21>>) -> Next {
    let trial = s.saved.trial;
    let next = s.saved.at_start(chip.as_ref(), AWAIT_NETWORK);
    let Some(t) = trial else {
        return next;
    };
    match next {
        Next::Restore(slot) => {
            log::warn!(
                "restart during a switch ({:?}): loading the backup again",
                t.phase
            );
            let _ = s.nusim.start_internal();
            s.job = Job::Restore {
                source: Source::Fallback,
                slot,
            };
        }
        Next::AwaitNetwork => {
            log::info!("restart while a new profile awaits the network: deadline re-armed")
        }
        Next::Done(r) => log::warn!(
            "restart during a switch ({:?}): result {} ({r:?})",
            t.phase,
            r as u8
        ),
        Next::RestoreLater(..) => {}
    }
    s.publish_saved();
    let _ = s.save_state();
    next
}

/// The job queued at start when the nuSIM's ICCID was unknown: asks the driver (waiting
/// for it, bounded); if a load was cut short by the restart, then decides as the start
/// would have.
fn recover() {
    let chip = refresh_iccid();
    let next = STATE.with(|s| {
        if s.job != Job::Recover {
            // A load or rollback took the job meanwhile (possible only without a load
            // cut short: that refuses both): it is queued and learns the ICCID itself.
            return None;
        }
        s.job = Job::Idle;
        if !s.saved.trial.is_some_and(|t| t.phase == Phase::Loading) {
            return None;
        }
        if chip.is_none() {
            log::error!("the nuSIM's ICCID is still unknown: going back to what is known to work");
        }
        Some(decide_at_start(s, chip))
    });
    if let Some(next) = next {
        // SAFETY: plain glue function without preconditions.
        unsafe { ffi::nusim_glue_notify(OBJ_NUSIM, 0, RES_RESULT) };
        after_switch_step(next);
    }
}

/// Asks the driver for the nuSIM's ICCID (work queue, no lock held), waiting up to
/// CONFIG_LWM2M_NUSIM_DRIVER_WAIT_MS for a driver that is not ready yet (a modem still
/// booting). The answer also becomes 508/0/1; `None` if the driver never answered.
fn refresh_iccid() -> Option<Text<21>> {
    // Elapsed time, not the sum of the sleeps: a driver call may itself take its timeout.
    let start = uptime_ms();
    let id = loop {
        let mut t = Text::<21>::new();
        if fetch_text("ICCID", &mut t, ffi::nusim_glue_get_iccid, iccid_or_none) {
            break Some(t);
        }
        let waited = uptime_ms().saturating_sub(start);
        if waited >= u64::from(DRIVER_WAIT_MS) {
            break None;
        }
        let left = u64::from(DRIVER_WAIT_MS) - waited;
        let step = u64::from(DRIVER_POLL_MS).min(left) as u32;
        // SAFETY: plain glue function; we hold no lock.
        unsafe { ffi::nusim_glue_sleep_ms(step) };
    };
    let changed = STATE.with(|s| {
        s.iccid_known = id.is_some();
        match id {
            Some(t) if t != s.nusim.iccid => {
                s.nusim.iccid = t;
                true
            }
            _ => false,
        }
    });
    if changed {
        // SAFETY: plain glue function without preconditions.
        unsafe { ffi::nusim_glue_notify(OBJ_NUSIM, 0, RES_ICCID) };
    }
    id
}

/// Arms the network deadline or queues the backup's load, as the switch asks.
fn after_switch_step(next: Next) {
    // SAFETY: plain glue functions without preconditions, called without our cell borrowed.
    unsafe {
        match next {
            Next::AwaitNetwork => ffi::nusim_glue_arm_network_timer(),
            Next::Restore(_) => ffi::nusim_glue_submit_load(),
            Next::RestoreLater(_, attempt) => ffi::nusim_glue_submit_load_after(
                retry_delay_s(FALLBACK_RETRY_S, attempt).saturating_mul(1000),
            ),
            Next::Done(_) => {}
        }
    }
}

/// create_cb of 507: reserves the Rust side of instance `inst` and stores that it exists.
/// 0, -EEXIST, -ENOMEM or -EIO. At start it adopts the restored instance.
#[no_mangle]
pub extern "C" fn nusim_rs_507_create(inst: u16) -> i32 {
    STATE.with(|s| {
        if s.restoring != 0 || s.readopt == Some(inst) {
            return if s.store.get(inst).is_some() {
                0
            } else {
                errno::neg(E::NoEnt)
            };
        }
        match s.store.create(inst) {
            Ok(()) => {}
            Err(StoreError::Exists) => return errno::neg(E::Exist),
            Err(StoreError::Full) => return errno::neg(E::NoMem),
        }
        if PERSIST {
            // Values of an earlier instance with this ID whose delete a restart cut short
            // go first, then the instance record: a restart in between finds no instance.
            let mut b = [0u8; 16];
            let r = Field::ALL
                .iter()
                .try_for_each(|f| save(Key::Resource(inst, *f as u16), None))
                .and_then(|()| {
                    let n = InstanceRecord
                        .encode(&mut b)
                        .map_err(|_| errno::neg(E::NoMem))?;
                    save(Key::Instance(inst), Some(&b[..n]))
                });
            if let Err(e) = r {
                s.store.delete(inst);
                return e;
            }
        }
        0
    })
}

/// delete_cb of 507: wipes instance `inst`, in storage first the instance record (a
/// restart after it finds no instance) and then its values. If 508/0/4 pointed at it, the
/// link dangles until rewritten, and a load reports [`LoadResult::DanglingLink`]; a load
/// already running works on its own copy and is unaffected. If the instance record cannot
/// be deleted, nothing is: -EIO (5.00), and since the engine drops its instance whatever
/// the answer, the glue creates it again from the work queue.
#[no_mangle]
pub extern "C" fn nusim_rs_507_delete(inst: u16) -> i32 {
    let r = STATE.with(|s| {
        if s.store.get(inst).is_none() {
            return errno::neg(E::NoEnt);
        }
        if PERSIST {
            if let Err(e) = save(Key::Instance(inst), None) {
                log::error!("507/{inst} not deleted: storage unreachable; it stays");
                return e;
            }
            for f in Field::ALL {
                // A value left behind is removed by the next create of this ID.
                save(Key::Resource(inst, f as u16), None).ok();
            }
        }
        s.store.delete(inst);
        0
    });
    if r == errno::neg(E::Io) {
        // SAFETY: plain glue function without preconditions (queues work).
        unsafe { ffi::nusim_glue_recreate_profile(inst) };
    }
    r
}

/// The glue creates 507 instance `inst` in the engine again (`on`) or is done (`!on`):
/// in between, the create adopts the instance that is still here instead of refusing it.
#[no_mangle]
pub extern "C" fn nusim_rs_507_readopt(inst: u16, on: bool) {
    STATE.with(|s| s.readopt = on.then_some(inst));
}

/// Called by the glue's write-handler wrapper before the engine writes 507/`inst`/`res`:
/// the block at `offset` (0 and last outside Block1). 0, or -EFAULT (4.08 Request Entity
/// Incomplete) for a block that does not continue the value being assembled.
#[no_mangle]
pub extern "C" fn nusim_rs_507_block(inst: u16, res: u16, offset: usize, last: bool) -> i32 {
    STATE.with(|s| match s.block.place(inst, res, offset) {
        Ok(()) => {
            s.block_at = (offset, !last);
            0
        }
        Err(e) => {
            log::warn!("507/{inst}/{res}: block at {offset} refused: {e:?}");
            errno::neg(E::Fault)
        }
    })
}

/// The wrapped write handler returned: later writes (lwm2m_set_*) are whole values.
#[no_mangle]
pub extern "C" fn nusim_rs_507_block_end() {
    STATE.with(|s| s.block_at = (0, false));
}

/// pre_write_cb of the 507 resources: the shared staging text buffer (see the module
/// docs), at the offset of the block being written.
#[no_mangle]
pub extern "C" fn nusim_rs_507_staging(_inst: u16, _res: u16, len: *mut usize) -> *mut u8 {
    let offset = STATE.with(|s| s.block_at.0).min(TEXT_BUF - 1);
    set_len(len, TEXT_BUF - offset);
    // SAFETY: only the address is taken (offset < TEXT_BUF <= STAGING); the engine writes
    // through it with the registry lock held, which is what every other access to STATE
    // holds too.
    unsafe {
        core::ptr::addr_of_mut!((*STATE.as_ptr()).staging)
            .cast::<u8>()
            .add(offset)
    }
}

/// post_write_cb of 507: `len` bytes were written at the current block's offset (the glue
/// passes the true string length). Before the last block, nothing more; after it (or a
/// whole value), decodes and checks the staged text, stores it, then makes it the value.
/// 0; -EEXIST (4.00) for a bad or too long value, -EFAULT (4.08) for a block out of order,
/// -EIO (5.00) when it could not be stored; the previous value is kept on any error.
#[no_mangle]
pub extern "C" fn nusim_rs_507_commit(inst: u16, res: u16, len: usize) -> i32 {
    STATE.with(|s| {
        let (offset, more) = s.block_at;
        let len = match s
            .block
            .written(inst, res, offset, len, !more, Store::TEXT_MAX)
        {
            Ok(None) => return 0,
            Ok(Some(total)) => total,
            Err(BlockError::OutOfOrder) => {
                log::warn!("507/{inst}/{res}: block at {offset} out of order");
                return errno::neg(E::Fault);
            }
            Err(BlockError::TooLong) => {
                log::warn!(
                    "507/{inst}/{res}: value longer than {} characters",
                    Store::TEXT_MAX
                );
                return errno::neg(E::Exist);
            }
        };
        let (n, enc) = match s.store.decode_text(inst, res, &mut s.staging, len) {
            Ok(v) => v,
            Err(WriteError::NotFound) => return errno::neg(E::NoEnt),
            Err(WriteError::Invalid(e)) => {
                log::warn!("507/{inst}/{res} refused: {e:?}");
                return errno::neg(E::Exist);
            }
        };
        let (value, rest) = s.staging.split_at_mut(n);
        if PERSIST {
            let rec = ResourceRecord {
                encoding: enc,
                bytes: value,
            };
            let r = rec
                .encode(rest)
                .map_err(|_| errno::neg(E::NoMem))
                .and_then(|m| save(Key::Resource(inst, res), Some(&rest[..m])));
            if let Err(e) = r {
                return e;
            }
        }
        match s.store.restore(inst, res, enc, value) {
            Ok(()) => 0,
            Err(_) => errno::neg(E::Exist),
        }
    })
}

/// read_cb of 507: the value as the text it was written as (empty if never written), in
/// the read place of the instance's slot and the resource (see the module docs). A value
/// being assembled block by block is not touched: the read sees the committed value.
#[no_mangle]
pub extern "C" fn nusim_rs_507_read(inst: u16, res: u16, len: *mut usize) -> *const u8 {
    STATE.with(|s| {
        let State { store, reads, .. } = s;
        // The value's own place, and no more: the engine may still hold a neighbour's.
        let place = match (store.slot_of(inst), Field::from_res(res)) {
            (Some(slot), Some(f)) => {
                let at = slot * Store::READ_TEXT_LEN + Store::read_offset(f);
                reads.get_mut(at..at + Store::read_place_len(f))
            }
            _ => None,
        };
        let Some(place) = place else {
            set_len(len, 0);
            return core::ptr::null();
        };
        match store.read_text(inst, res, place) {
            Some(n) => {
                // Strings are served with their NUL: lwm2m_engine_get copies len - 1 chars.
                set_len(len, n + 1);
                place.as_ptr()
            }
            None => {
                set_len(len, 0);
                core::ptr::null()
            }
        }
    })
}

/// read_cb of 508 resources 0, 1, 2, 3, 4 and 6.
#[no_mangle]
pub extern "C" fn nusim_rs_508_read(res: u16, len: *mut usize) -> *const u8 {
    STATE.with(|s| {
        let n = &s.nusim;
        let (ptr, l): (*const u8, usize) = match res {
            RES_EID => (n.eid.with_nul().as_ptr(), n.eid.with_nul().len()),
            RES_ICCID => (n.iccid.with_nul().as_ptr(), n.iccid.with_nul().len()),
            RES_CAPS => (n.caps.as_ptr(), n.caps_len),
            RES_CERT => {
                let enc = codec::Encoding::Base64Padded;
                // The same bytes each time: re-encoding never changes what an earlier
                // read of this message points at.
                let room = &mut s.cert_text[..CERT_TEXT - 1];
                let t = codec::encode(&n.cert[..n.cert_len], enc, room).unwrap_or(0);
                s.cert_text[t] = 0;
                (s.cert_text.as_ptr(), t + 1)
            }
            RES_LINK => {
                s.link_staging = n.link();
                (
                    core::ptr::addr_of!(s.link_staging).cast(),
                    core::mem::size_of::<ObjLnk>(),
                )
            }
            RES_RESULT => {
                s.result_byte = n.result() as u8;
                (&s.result_byte as *const u8, 1)
            }
            _ => (core::ptr::null(), 0),
        };
        set_len(len, l);
        ptr
    })
}

/// pre_write_cb of 508/0/4: where the engine puts the written link.
#[no_mangle]
pub extern "C" fn nusim_rs_508_link_staging(len: *mut usize) -> *mut u8 {
    set_len(len, core::mem::size_of::<ObjLnk>());
    // SAFETY: address only; written by the engine under the registry lock.
    unsafe { core::ptr::addr_of_mut!((*STATE.as_ptr()).link_staging) }.cast()
}

/// post_write_cb of 508/0/4: accepts the null link or a link to an existing 507 instance,
/// and stores it; anything else answers 4.00 (a storage failure 5.00) and keeps the
/// previous link.
#[no_mangle]
pub extern "C" fn nusim_rs_508_link_commit() -> i32 {
    STATE.with(|s| set_link(s, s.link_staging))
}

fn set_link(s: &mut State, link: ObjLnk) -> i32 {
    let before = s.nusim.link();
    if let Err(e) = s.nusim.set_link(link, &s.store) {
        log::warn!("508/0/4 refused {}:{}: {e:?}", link.obj_id, link.obj_inst);
        s.link_staging = before;
        return errno::neg(E::Exist);
    }
    if let Err(e) = s.save_state() {
        let _ = s.nusim.set_link(before, &s.store);
        s.link_staging = before;
        return e;
    }
    0
}

/// Copies the linked package and queues its load for `source`; the result that ended it
/// at once, if there was nothing to load.
fn start_load(s: &mut State, source: Source) -> Result<Started, ExecuteError> {
    if s.saved.trial.is_some() || s.nusim.busy() {
        return Err(ExecuteError::Busy);
    }
    // SAFETY: no load runs (checked just above, under the registry lock held here), so
    // the work item, which touches the copy only while one runs, holds no reference to it.
    let work = unsafe { WORK_PACKAGE.get() };
    let st = s.nusim.execute(&s.store, &mut work.1)?;
    match st {
        Started::Load(n) => {
            work.0 = n;
            s.job = Job::Load {
                source,
                inst: s.nusim.link().obj_inst,
            };
        }
        Started::Finished(res) => {
            log::warn!(
                "Load Profile: nothing to load: result {} ({res:?})",
                res as u8
            );
            let _ = s.save_state();
            let inst = s.nusim.link().obj_inst;
            s.queue_report(source, inst, res);
        }
    }
    Ok(st)
}

/// After [`start_load`]: notifies 508/0/6 and hands the load, or the result of a load that
/// ended at once, to the work queue (callbacks never run on the caller's thread).
fn started(st: Started) {
    // SAFETY: plain glue functions without preconditions, called without our cell
    // borrowed (the engine lock may still be held by the caller, which is allowed).
    unsafe {
        ffi::nusim_glue_notify(OBJ_NUSIM, 0, RES_RESULT);
        match st {
            Started::Load(_) => ffi::nusim_glue_submit_load(),
            Started::Finished(_) => ffi::nusim_glue_submit_report(),
        }
    }
}

/// The report work item (module work queue): tells the application's result callback,
/// with no lock held, each result of a load that ended at once.
#[no_mangle]
pub extern "C" fn nusim_rs_report_work() {
    while let Some((source, inst, r)) = STATE.with(State::take_report) {
        report(source, inst, r);
    }
}

/// execute_cb of 508/0/5: copies the linked package and queues the load, returning at
/// once; -EPERM (4.05) while a load runs or a new profile awaits the network. With nothing
/// to load the result says why.
#[no_mangle]
pub extern "C" fn nusim_rs_508_execute() -> i32 {
    match STATE.with(|s| start_load(s, Source::Server)) {
        Ok(st) => {
            started(st);
            0
        }
        Err(ExecuteError::Busy) => {
            log::warn!("Load Profile refused: a load is running or awaits the network");
            errno::neg(E::Perm)
        }
    }
}

/// `lwm2m_nusim_load()`: points 508/0/4 at 507 instance `inst` and loads it, as a server's
/// write and execute would. 0 queued (or ended at once, see 508/0/6); -ENOENT no such
/// instance; -EBUSY a load runs or awaits the network; -EIO the link could not be stored.
#[no_mangle]
pub extern "C" fn nusim_rs_local_load(inst: u16) -> i32 {
    let r = STATE.with(|s| {
        if s.switch_busy() {
            return Err(errno::neg(E::Busy));
        }
        if s.store.get(inst).is_none() {
            return Err(errno::neg(E::NoEnt));
        }
        let link = ObjLnk {
            obj_id: OBJ_PROFILE,
            obj_inst: inst,
        };
        match set_link(s, link) {
            0 => {}
            e => return Err(e),
        }
        start_load(s, Source::Local).map_err(|_| errno::neg(E::Busy))
    });
    match r {
        Ok(st) => {
            // SAFETY: plain glue function without preconditions.
            unsafe { ffi::nusim_glue_notify(OBJ_NUSIM, 0, RES_LINK) };
            started(st);
            0
        }
        Err(e) => e,
    }
}

/// `lwm2m_nusim_rollback()`: loads the backup package again, also to end a new profile's
/// wait for the network early. 0 queued; -ENOENT no backup; -EBUSY a load runs; -ENOTSUP
/// without persistence.
#[no_mangle]
pub extern "C" fn nusim_rs_rollback() -> i32 {
    let r = STATE.with(|s| {
        if !PERSIST {
            return Err(errno::neg(E::NotSup));
        }
        if s.nusim.busy() {
            return Err(errno::neg(E::Busy));
        }
        let iccid = s.nusim.iccid;
        let slot = s.saved.request_rollback(&iccid).map_err(|e| match e {
            SwitchError::Busy => errno::neg(E::Busy),
            SwitchError::NoBackup => errno::neg(E::NoEnt),
        })?;
        let _ = s.nusim.start_internal();
        // A stored RollingBack phase reloads the backup after a restart too: no undo needed.
        let _ = s.save_state();
        s.job = Job::Restore {
            source: Source::Rollback,
            slot,
        };
        Ok(())
    });
    match r {
        Ok(()) => {
            // SAFETY: plain glue functions without preconditions.
            unsafe {
                ffi::nusim_glue_notify(OBJ_NUSIM, 0, RES_RESULT);
                ffi::nusim_glue_submit_load();
            }
            0
        }
        Err(e) => e,
    }
}

/// `lwm2m_nusim_network_ready()`: the device reached the network. A profile on trial
/// becomes the backup. True if one did.
#[no_mangle]
pub extern "C" fn nusim_rs_network_ready() -> bool {
    if !PERSIST {
        return false;
    }
    STATE.with(|s| {
        if !s.saved.network_ready() {
            return false;
        }
        let id = s.saved.backup.map(|b| b.iccid).unwrap_or_default();
        log::info!(
            "profile {} reached the network: it is the backup now",
            Show(id.as_bytes())
        );
        let _ = s.save_state();
        true
    })
}

/// The network deadline passed (work queue): the backup goes back, if there is one.
#[no_mangle]
pub extern "C" fn nusim_rs_network_timeout() {
    if !PERSIST {
        return;
    }
    let next = STATE.with(|s| {
        if !s
            .saved
            .trial
            .is_some_and(|t| t.phase == nusim_core::persist::Phase::AwaitingNetwork)
        {
            // Proven, or rolled back on request, before the deadline: nothing to do.
            return None;
        }
        let next = s.saved.network_timeout();
        match next {
            Next::Restore(slot) => {
                log::warn!("the new profile did not reach the network in time: loading the backup");
                let _ = s.nusim.start_internal();
                s.job = Job::Restore {
                    source: Source::Fallback,
                    slot,
                };
            }
            Next::Done(LoadResult::RollbackFailed) => {
                log::error!(
                    "the new profile did not reach the network in time and there is no backup"
                );
                s.publish_saved();
            }
            _ => {}
        }
        let _ = s.save_state();
        Some(next)
    });
    let Some(next) = next else {
        return;
    };
    // SAFETY: plain glue function without preconditions.
    unsafe { ffi::nusim_glue_notify(OBJ_NUSIM, 0, RES_RESULT) };
    if let Next::Done(r) = next {
        report(Source::Fallback, BACKUP_INST, r);
    }
    after_switch_step(next);
}

/// Mirror of `struct lwm2m_nusim_status` (size checked on both sides).
#[repr(C)]
pub struct Status {
    result: u8,
    phase: u8,
    busy: bool,
    has_backup: bool,
    link: i32,
    iccid: [u8; 21],
    backup_iccid: [u8; 21],
    profiles: u8,
}
const _: () = assert!(core::mem::size_of::<Status>() == 52);

/// `lwm2m_nusim_get_status()`.
#[no_mangle]
pub extern "C" fn nusim_rs_status(out: *mut Status) -> i32 {
    if out.is_null() {
        return errno::neg(E::Inval);
    }
    let st = STATE.with(|s| {
        let mut st = Status {
            result: s.nusim.result() as u8,
            phase: s.saved.trial.map_or(0, |t| t.phase as u8),
            // An ICCID being asked for at start counts too: nothing is settled before.
            busy: s.switch_busy() || s.job == Job::Recover,
            has_backup: s.saved.backup.is_some(),
            link: match s.nusim.link() {
                ObjLnk::NULL => -1,
                l => i32::from(l.obj_inst),
            },
            iccid: [0; 21],
            backup_iccid: [0; 21],
            profiles: s.store.ids().count() as u8,
        };
        let id = s.nusim.iccid.as_bytes();
        st.iccid[..id.len()].copy_from_slice(id);
        if let Some(b) = s.saved.backup {
            st.backup_iccid[..b.iccid.as_bytes().len()].copy_from_slice(b.iccid.as_bytes());
        }
        st
    });
    // SAFETY: non-null, and the C API's caller passes a valid struct.
    unsafe { out.write(st) };
    0
}

fn driver_load(pkg: &[u8], iccid: &mut [u8; 22]) -> Result<usize, DriverError> {
    let mut reason_code: i32 = 0;
    // SAFETY: pkg and iccid are valid for the lengths passed; the glue NUL-terminates iccid.
    let rc = unsafe {
        ffi::nusim_glue_load(
            pkg.as_ptr(),
            pkg.len(),
            &mut reason_code,
            iccid.as_mut_ptr().cast(),
            iccid.len(),
        )
    };
    match rc {
        0 => Ok(cstr(iccid).len()),
        rc if rc == errno::neg(E::BadMsg) => Err(DriverError::Refused(
            u16::try_from(reason_code).unwrap_or(reason::GENERAL),
        )),
        rc if rc == errno::neg(E::Busy) => Err(DriverError::Busy),
        rc => Err(DriverError::Io(rc)),
    }
}

/// Hands `pkg` to the driver (no lock held). The outcome, and after a failure what the
/// nuSIM holds now (`None`: it could not say): after an I/O failure or timeout the chip may
/// have installed the profile anyway, and after any failure the switch must know whether
/// it lost the profile it had.
fn load_on_chip(pkg: &[u8], iccid: &mut [u8; 22]) -> (Result<usize, LoadResult>, Option<Text<21>>) {
    let outcome = driver_load(pkg, iccid).map_err(LoadResult::from);
    if matches!(outcome, Ok(n) if text::is_iccid(&iccid[..n.min(21)])) {
        return (outcome, None);
    }
    let mut now = Text::<21>::new();
    let known = fetch_text(
        "ICCID after a failed load",
        &mut now,
        ffi::nusim_glue_get_iccid,
        iccid_or_none,
    );
    (outcome, known.then_some(now))
}

fn report(source: Source, inst: u16, r: LoadResult) {
    let iccid = STATE.with(|s| s.nusim.iccid);
    // SAFETY: plain glue function; the ICCID is NUL-terminated and outlives the call.
    unsafe {
        ffi::nusim_glue_report(
            source as u8,
            inst,
            r as u8,
            iccid.with_nul().as_ptr().cast(),
        )
    };
}

/// The load work item (module work queue): runs the job that execute, a local load, a
/// rollback, a failed switch or the start queued.
#[no_mangle]
pub extern "C" fn nusim_rs_load_work() {
    match STATE.with(|s| s.job) {
        Job::Idle => {}
        Job::Load { source, inst } => load_candidate(source, inst),
        Job::Restore { source, slot } => restore_backup(source, slot),
        Job::Recover => recover(),
    }
}

/// Ends a candidate's load before it reached the nuSIM, with `r`.
fn end_before_chip(source: Source, inst: u16, r: LoadResult) {
    // SAFETY: the load is still marked running, so this context owns the copy.
    let work = unsafe { WORK_PACKAGE.get() };
    work.1.fill(0);
    work.0 = 0;
    STATE.with(|s| {
        s.job = Job::Idle;
        s.nusim.abort(r);
        let _ = s.save_state();
    });
    log::warn!("nuSIM load not attempted: result {} ({r:?})", r as u8);
    // SAFETY: plain glue function without preconditions.
    unsafe { ffi::nusim_glue_notify(OBJ_NUSIM, 0, RES_RESULT) };
    report(source, inst, r);
}

fn load_candidate(source: Source, inst: u16) {
    // SAFETY: plain glue function; the application's callback runs without our locks.
    match unsafe { ffi::nusim_glue_policy(source as u8, inst) } {
        POLICY_DENY => return end_before_chip(source, inst, LoadResult::PolicyDenied),
        POLICY_DEFER => {
            STATE.with(|s| {
                s.nusim.publish(LoadResult::PolicyDeferred);
                let _ = s.save_state();
            });
            log::info!("nuSIM load deferred by the application's policy");
            // SAFETY: plain glue functions without preconditions.
            unsafe {
                ffi::nusim_glue_notify(OBJ_NUSIM, 0, RES_RESULT);
                ffi::nusim_glue_defer_load();
            }
            report(source, inst, LoadResult::PolicyDeferred);
            return;
        }
        POLICY_ALLOW => {}
        other => {
            // Fail closed: an answer the API does not define allows nothing.
            log::error!(
                "the application's policy answered {other}, which is not a decision: denied"
            );
            return end_before_chip(source, inst, LoadResult::PolicyDenied);
        }
    }
    // SAFETY: this item runs only while a load is marked running (execute made the copy);
    // nothing else writes the copy until the load ends below.
    let work = unsafe { WORK_PACKAGE.get() };
    let n = work.0.min(WIRE);
    if let Err(r) = check(&work.1[..n]) {
        return end_before_chip(source, inst, r);
    }
    // What the nuSIM holds now, asked now: the trial compares it with the ICCID after a
    // failure to tell "nothing changed" from "the profile is gone". Unknown (a driver that
    // does not answer in time) is no ICCID to compare with: no load then.
    let Some(before) = refresh_iccid() else {
        log::error!("the nuSIM's ICCID is unknown (driver not ready): the load is not attempted");
        return end_before_chip(source, inst, LoadResult::DriverError);
    };
    // The candidate goes to its slot, then the trial begins: see nusim_core::switch.
    let began = STATE.with(|s| {
        if !PERSIST {
            return Ok(false);
        }
        let slot = s.saved.candidate_slot();
        // The read places are scratch here: no message is being encoded while we hold
        // the registry lock.
        let m = SlotRecord {
            package: &work.1[..n],
        }
        .encode(&mut s.reads)
        .map_err(|_| errno::neg(E::NoMem))?;
        save(Key::Slot(slot), Some(&s.reads[..m]))?;
        s.saved.begin(&before).map_err(|_| errno::neg(E::Busy))?;
        s.publish_saved();
        if let Err(e) = s.save_state() {
            s.saved.trial = None;
            return Err(e);
        }
        Ok(true)
    });
    let trial = match began {
        Ok(t) => t,
        Err(_) => return end_before_chip(source, inst, LoadResult::Failed),
    };
    let mut iccid = [0u8; 22];
    let (outcome, chip_now) = load_on_chip(&work.1[..n], &mut iccid);
    // Wipe the copy before the load ends: it holds a profile's ciphertext and keys.
    work.1.fill(0);
    work.0 = 0;
    let (r, next, changed) = STATE.with(|s| {
        let (r, changed) = s.finish_load(outcome, &iccid, chip_now);
        let mut next = Next::Done(r);
        if PERSIST && trial {
            let id = s.nusim.iccid;
            let out = if r == LoadResult::Success { Ok(&id) } else { Err(r) };
            next = s.saved.loaded(out, chip_now.as_ref(), AWAIT_NETWORK);
            if let Next::Restore(slot) = next {
                log::warn!("load failed ({r:?}) and the nuSIM no longer holds its profile: loading the backup");
                let _ = s.nusim.start_internal();
                s.job = Job::Restore {
                    source: Source::Fallback,
                    slot,
                };
            }
        }
        if !matches!(next, Next::Restore(_)) {
            s.job = Job::Idle;
        }
        let _ = s.save_state();
        (r, next, changed)
    });
    match r {
        LoadResult::Success => log::info!("nuSIM profile loaded"),
        r => log::warn!("nuSIM load failed: result {} ({r:?})", r as u8),
    }
    // SAFETY: plain glue function without preconditions.
    unsafe {
        if changed {
            ffi::nusim_glue_notify(OBJ_NUSIM, 0, RES_ICCID);
        }
        ffi::nusim_glue_notify(OBJ_NUSIM, 0, RES_RESULT);
    }
    report(source, inst, r);
    after_switch_step(next);
}

/// Reads the package of backup slot `slot` into the work copy; its length.
fn read_slot(slot: u8, work: &mut (usize, [u8; WIRE])) -> Option<usize> {
    STATE.with(|s| {
        let mut name = [0u8; persist::NAME_MAX + 1];
        Key::Slot(slot).name(&mut name);
        // SAFETY: name is NUL-terminated; the read places (scratch between messages) are
        // valid for READS bytes and only used under the lock, which we hold.
        let n = unsafe {
            ffi::nusim_glue_read_record(name.as_ptr().cast(), s.reads.as_mut_ptr(), READS)
        };
        // Negative: none or unreadable; larger than the buffer: not read (the buffer holds
        // something else).
        let n = usize::try_from(n).ok().filter(|&n| n <= READS)?;
        match SlotRecord::decode(&s.reads[..n]) {
            Ok(r) if r.package.len() <= WIRE => {
                work.1[..r.package.len()].copy_from_slice(r.package);
                work.0 = r.package.len();
                Some(r.package.len())
            }
            Ok(_) => None,
            Err(e) => {
                log::error!("backup slot {slot} unusable: {e:?}");
                None
            }
        }
    })
}

fn restore_backup(source: Source, slot: u8) {
    if !PERSIST {
        return;
    }
    // The attempt is counted and stored before the load: one that a reset interrupts
    // counts too, so the limit holds over restarts.
    let counted = STATE.with(|s| match s.saved.begin_restore_attempt(FALLBACK_ATTEMPTS) {
        Ok(_) => {
            let _ = s.save_state();
            Ok(())
        }
        Err(r) => {
            s.nusim.abort(r);
            s.job = Job::Idle;
            let _ = s.save_state();
            Err(r)
        }
    });
    if let Err(r) = counted {
        log::error!(
            "backup profile not loaded: {} attempts were made (result {})",
            FALLBACK_ATTEMPTS,
            r as u8
        );
        // SAFETY: plain glue function without preconditions.
        unsafe { ffi::nusim_glue_notify(OBJ_NUSIM, 0, RES_RESULT) };
        report(source, BACKUP_INST, r);
        return;
    }
    // SAFETY: the load is marked running (start_internal), so this context owns the copy.
    let work = unsafe { WORK_PACKAGE.get() };
    let mut iccid = [0u8; 22];
    let (outcome, chip_now) = match read_slot(slot, work) {
        Some(n) => load_on_chip(&work.1[..n], &mut iccid),
        None => (Err(LoadResult::Failed), None),
    };
    work.1.fill(0);
    work.0 = 0;
    let (loaded, next, changed) = STATE.with(|s| {
        let (loaded, changed) = s.finish_load(outcome, &iccid, chip_now);
        let id = s.nusim.iccid;
        let out = if loaded == LoadResult::Success {
            Ok(&id)
        } else {
            Err(loaded)
        };
        let next = s.saved.restored(out, FALLBACK_ATTEMPTS);
        match next {
            Next::RestoreLater(..) => {
                // Still rolling back: loads stay refused, 508/0/6 says 2 until the end.
                let _ = s.nusim.start_internal();
                s.nusim.publish(LoadResult::InProgress);
            }
            Next::Done(r) => {
                s.nusim.publish(r);
                s.job = Job::Idle;
            }
            _ => {}
        }
        let _ = s.save_state();
        (loaded, next, changed)
    });
    let r = match next {
        Next::RestoreLater(_, attempt) => {
            log::warn!(
                "backup profile not loaded ({:?}), attempt {} of {}: trying again in {} s",
                loaded,
                attempt,
                FALLBACK_ATTEMPTS,
                retry_delay_s(FALLBACK_RETRY_S, attempt)
            );
            // The application hears of each failed attempt, with its cause.
            loaded
        }
        Next::Done(LoadResult::RolledBack) => {
            log::warn!("backup profile loaded again (result 18)");
            LoadResult::RolledBack
        }
        Next::Done(r) => {
            log::error!(
                "backup profile could not be loaded again (result {})",
                r as u8
            );
            r
        }
        _ => LoadResult::Failed,
    };
    // SAFETY: plain glue function without preconditions.
    unsafe {
        if changed {
            ffi::nusim_glue_notify(OBJ_NUSIM, 0, RES_ICCID);
        }
        ffi::nusim_glue_notify(OBJ_NUSIM, 0, RES_RESULT);
    }
    report(source, BACKUP_INST, r);
    after_switch_step(next);
}

/// Bytes shown as text in a log line.
struct Show<'a>(&'a [u8]);

impl core::fmt::Display for Show<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match core::str::from_utf8(self.0) {
            Ok(t) => f.write_str(t),
            Err(_) => write!(f, "{:?}", self.0),
        }
    }
}

/// The device-side check of a package before the nuSIM sees it: KpubCI among the trusted
/// keys (asked under the registry lock), then both signatures (without it: they take a
/// while). With CONFIG_LWM2M_NUSIM_CHECK_PACKAGES off only the nuSIM checks.
#[cfg(feature = "check")]
fn check(pkg: &[u8]) -> Result<(), LoadResult> {
    use nusim_core::chain::{self, ChainError};
    let ci = chain::kpub_ci(pkg).ok_or(LoadResult::Incomplete)?;
    let trusted = STATE.with(|s| s.trust.admits(ci));
    let r = if trusted {
        chain::verify_chain(pkg)
    } else {
        Err(ChainError::UntrustedCi)
    };
    r.map_err(|e| {
        log::warn!("package refused on the device, not sent to the nuSIM: {e:?}");
        LoadResult::from(e)
    })
}

#[cfg(not(feature = "check"))]
fn check(_pkg: &[u8]) -> Result<(), LoadResult> {
    Ok(())
}

/// Installs the build-time trust anchors: `kconfig` (NUL-terminated hex keys separated by
/// spaces, commas or semicolons) and `dt` (`dt_len` bytes, 65 per key, from the nuSIM
/// node's `trusted-ci-keys`). A malformed key refuses every package until the application
/// sets valid anchors (fail closed), and says so in the log. Runs at init on the main
/// stack: keys are checked for form only (see `is_uncompressed_point_form`).
#[cfg(feature = "check")]
#[no_mangle]
pub extern "C" fn nusim_rs_trust_init(kconfig: *const c_char, dt: *const u8, dt_len: usize) {
    use nusim_core::trust::is_uncompressed_point_form as is_public_key;
    let text: &[u8] = if kconfig.is_null() {
        &[]
    } else {
        // SAFETY: non-null, and the glue passes a NUL-terminated Kconfig string literal.
        unsafe { core::ffi::CStr::from_ptr(kconfig) }.to_bytes()
    };
    let dt: &[u8] = if dt.is_null() || dt_len == 0 {
        &[]
    } else {
        // SAFETY: non-null and valid for dt_len bytes (a devicetree array in flash).
        unsafe { core::slice::from_raw_parts(dt, dt_len) }
    };
    STATE.with(|s| {
        let r = s
            .trust
            .set(dt, is_public_key)
            .and_then(|()| s.trust.add_hex(text, is_public_key));
        match r {
            Ok(()) if s.trust.keys().is_empty() => {
                log::info!("no trusted CI keys: the nuSIM alone decides which CI it trusts")
            }
            Ok(()) => log::info!("{} trusted CI key(s)", s.trust.keys().len()),
            Err(e) => {
                log::error!("trusted CI keys unusable ({e:?}): every package is refused until lwm2m_nusim_set_trusted_ci_keys()");
                s.trust.poison();
            }
        }
    });
}

/// `lwm2m_nusim_set_trusted_ci_keys()`: replaces the trusted CI keys with `count` keys of
/// 65 bytes at `keys`. 0; -EINVAL if one is not a curve point; -ENOMEM beyond
/// CONFIG_LWM2M_NUSIM_TRUSTED_CI_MAX. On error the previous set stays.
#[cfg(feature = "check")]
#[no_mangle]
pub extern "C" fn nusim_rs_trust_set(keys: *const u8, count: usize) -> i32 {
    use nusim_core::chain::is_public_key;
    use nusim_core::trust::TrustError;
    let Some(len) = count.checked_mul(nusim_core::field::POINT_LEN) else {
        return errno::neg(E::NoMem);
    };
    if count > TRUSTED_CI_MAX {
        return errno::neg(E::NoMem);
    }
    let flat: &[u8] = if count == 0 {
        &[]
    } else if keys.is_null() {
        return errno::neg(E::Inval);
    } else {
        // SAFETY: non-null and valid for count * 65 bytes (the C API's contract).
        unsafe { core::slice::from_raw_parts(keys, len) }
    };
    STATE.with(|s| match s.trust.set(flat, is_public_key) {
        Ok(()) => 0,
        Err(TrustError::TooMany) => errno::neg(E::NoMem),
        Err(e) => {
            log::warn!("trusted CI keys refused: {e:?}");
            errno::neg(E::Inval)
        }
    })
}

/// `lwm2m_nusim_trusted_ci_count()`: keys in force; -EBADMSG while the set is poisoned.
#[cfg(feature = "check")]
#[no_mangle]
pub extern "C" fn nusim_rs_trust_count() -> i32 {
    STATE.with(|s| {
        if s.trust.poisoned() {
            errno::neg(E::BadMsg)
        } else {
            i32::try_from(s.trust.keys().len()).unwrap_or(i32::MAX)
        }
    })
}
