//! Records that survive a restart: versioned CBOR maps, each followed by its CRC-32.
//!
//! One settings entry per record, under the subtree `nusim/`:
//!
//! | key | record | written when |
//! |---|---|---|
//! | `p/<inst>` | [`InstanceRecord`]: a 507 instance exists | create (deleted first on delete) |
//! | `p/<inst>/<res>` | [`ResourceRecord`]: one 507 value and its text encoding | each accepted write |
//! | `s` | [`StateRecord`]: 508/0/4, 508/0/6, the backup and a running switch | every state change |
//! | `s2` | the same [`StateRecord`] again, written after `s` | every state change |
//! | `b0`, `b1` | [`SlotRecord`]: a whole package in wire order | before the load that uses it |
//!
//! Every record is a CBOR map with integer keys; key 0 is the format version. A reader takes
//! any version up to [`FORMAT`], ignores keys it does not know (so a later minor addition
//! stays readable by this code: a later key is 1..=255, its value any well-formed item of
//! definite length, [`crate::cbor`]) and gives keys that are missing their documented default;
//! a record of a newer version is refused, not guessed at. The four bytes after the map are
//! the CRC-32 (IEEE, little-endian) of the map: a truncated or corrupt record is refused
//! with a [`RecordError`] and the caller skips that one record.
//!
//! One record is one settings write, which the backends apply whole or not at all (NVS
//! writes the entry's allocation record after its data). Multi-record changes are ordered so
//! that every prefix is a consistent state: see [`crate::switch`] for the load sequence.

use crate::cbor::{Decoder, Encoder, Malformed};
use crate::codec::Encoding;
use crate::text::{self, Text};

/// The format version this code writes.
pub const FORMAT: u8 = 1;
/// Bytes of the CRC after each map.
pub const CRC_LEN: usize = 4;
/// Settings subtree of every record.
pub const SUBTREE: &str = "nusim";
/// Longest full settings name: `nusim/p/65535/6`.
pub const NAME_MAX: usize = 16;
/// Bytes a record adds around its largest byte string (map, version, keys, length, CRC).
pub const OVERHEAD: usize = 16;
/// Upper bound of an encoded [`StateRecord`].
pub const STATE_MAX: usize = 96;
/// The NVS sector size the slot records are bounded by (Kconfig caps the encP so that a
/// package slot fits one 4 KB sector with its allocation entries).
pub const NVS_SECTOR: usize = 4096;
/// What NVS adds to an entry in its sector: the entry's allocation table entry and the
/// sector's closing one, 8 bytes each.
pub const NVS_ENTRY_OVERHEAD: usize = 16;

/// True if a package slot record for an encP of `encp_max` bytes fits one NVS sector.
pub const fn slot_fits_nvs_sector(encp_max: usize) -> bool {
    crate::field::HEADER_LEN + encp_max + OVERHEAD + NVS_ENTRY_OVERHEAD <= NVS_SECTOR
}

/// Why a stored record was not used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordError {
    /// Shorter than a CRC and an empty map.
    Truncated,
    /// The CRC does not match: corrupt or torn.
    Crc,
    /// Not the CBOR map this record should be.
    Malformed,
    /// Written by a newer format version than [`FORMAT`].
    Newer(u64),
    /// A key without default is missing (its number).
    Missing(u8),
    /// A key holds a value out of range (its number).
    Invalid(u8),
    /// The output buffer is too small (encoding only).
    NoRoom,
}

impl crate::log::Describe for RecordError {
    fn describe(&self, l: &mut crate::log::Line) {
        let (what, n): (&[u8], Option<u64>) = match *self {
            RecordError::Truncated => (b"truncated", None),
            RecordError::Crc => (b"CRC mismatch", None),
            RecordError::Malformed => (b"malformed", None),
            RecordError::Newer(v) => (b"newer format ", Some(v)),
            RecordError::Missing(k) => (b"missing key ", Some(u64::from(k))),
            RecordError::Invalid(k) => (b"invalid key ", Some(u64::from(k))),
            RecordError::NoRoom => (b"no room", None),
        };
        l.push(what);
        if let Some(n) = n {
            l.int(i64::try_from(n).unwrap_or(i64::MAX));
        }
    }
}

/// CRC-32/ISO-HDLC (the zlib/Ethernet CRC), bitwise: records are written rarely.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

/// Which record a settings name (relative to `nusim/`) names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// `p/<inst>`.
    Instance(u16),
    /// `p/<inst>/<res>`, res 0..=6.
    Resource(u16, u16),
    /// `s`.
    State,
    /// `s2`: the state's mirror, written after `s` (read when `s` is unusable, so a
    /// corrupt state record does not lose the backup's reference).
    StateMirror,
    /// `b0` or `b1`.
    Slot(u8),
}

impl crate::log::Describe for Key {
    fn describe(&self, l: &mut crate::log::Line) {
        let mut b = [0u8; NAME_MAX + 1];
        let n = self.name(&mut b);
        l.push(&b[..n]);
    }
}

/// A number as this code writes it in a name: no leading zeros, so each name has one form.
fn parse_name_number(s: &[u8]) -> Option<u16> {
    if s.len() > 1 && s[0] == b'0' {
        return None;
    }
    text::parse_u16(s)
}

impl Key {
    /// Parses a name relative to the subtree; `None` for a name this code never writes.
    pub fn parse(name: &[u8]) -> Option<Key> {
        match name {
            b"s" => Some(Key::State),
            b"s2" => Some(Key::StateMirror),
            b"b0" => Some(Key::Slot(0)),
            b"b1" => Some(Key::Slot(1)),
            [b'p', b'/', rest @ ..] => {
                let mut parts = rest.splitn(2, |&c| c == b'/');
                let inst = parse_name_number(parts.next()?)?;
                match parts.next() {
                    None => Some(Key::Instance(inst)),
                    Some(r) => {
                        let res = parse_name_number(r)?;
                        (res <= 6).then_some(Key::Resource(inst, res))
                    }
                }
            }
            _ => None,
        }
    }

    /// Writes the full settings name (`nusim/...`) and a NUL into `out`; the name's length.
    pub fn name(&self, out: &mut [u8; NAME_MAX + 1]) -> usize {
        let mut n = 0;
        let mut put = |s: &[u8]| {
            out[n..n + s.len()].copy_from_slice(s);
            n += s.len();
        };
        let mut digits = [0u8; 24];
        let mut num = |v: u16, put: &mut dyn FnMut(&[u8])| {
            let d = text::fmt_decimal(usize::from(v), &mut digits);
            put(&digits[digits.len() - d..]);
        };
        put(SUBTREE.as_bytes());
        put(b"/");
        match *self {
            Key::State => put(b"s"),
            Key::StateMirror => put(b"s2"),
            Key::Slot(s) => put(if s == 0 { b"b0" } else { b"b1" }),
            Key::Instance(i) => {
                put(b"p/");
                num(i, &mut put);
            }
            Key::Resource(i, r) => {
                put(b"p/");
                num(i, &mut put);
                put(b"/");
                num(r, &mut put);
            }
        }
        out[n] = 0;
        n
    }
}

/// Encodes a map with `f`, appends its CRC; the record's length in `out`.
fn seal(
    out: &mut [u8],
    f: impl FnOnce(&mut Encoder) -> Result<(), Malformed>,
) -> Result<usize, RecordError> {
    let room = out.len().checked_sub(CRC_LEN).ok_or(RecordError::NoRoom)?;
    let mut e = Encoder::new(&mut out[..room]);
    f(&mut e).map_err(|_| RecordError::NoRoom)?;
    let n = e.position();
    let crc = crc32(&out[..n]);
    out[n..n + CRC_LEN].copy_from_slice(&crc.to_le_bytes());
    Ok(n + CRC_LEN)
}

/// Checks the CRC and the version; a decoder positioned on the first key, and the count
/// of entries in the map.
fn open(rec: &[u8]) -> Result<(Decoder<'_>, u64), RecordError> {
    let n = rec
        .len()
        .checked_sub(CRC_LEN)
        .filter(|&n| n > 0)
        .ok_or(RecordError::Truncated)?;
    let (map, crc) = rec.split_at(n);
    if crc32(map).to_le_bytes() != crc {
        return Err(RecordError::Crc);
    }
    let mut d = Decoder::new(map);
    let entries = d.map().map_err(|_| RecordError::Malformed)?;
    if entries == 0 || d.u8().ok() != Some(0) {
        return Err(RecordError::Missing(0));
    }
    let v = d.uint().map_err(|_| RecordError::Malformed)?;
    if v > u64::from(FORMAT) {
        return Err(RecordError::Newer(v));
    }
    Ok((d, entries - 1))
}

/// Walks the remaining `entries` of a map, handing each known key to `f`, which returns
/// false for a key it does not know (skipped). The map must end exactly where the CRC begins.
fn each<'b>(
    mut d: Decoder<'b>,
    entries: u64,
    mut f: impl FnMut(u8, &mut Decoder<'b>) -> Result<bool, RecordError>,
) -> Result<(), RecordError> {
    for _ in 0..entries {
        let k = d.u8().map_err(|_| RecordError::Malformed)?;
        if k == 0 || !f(k, &mut d)? {
            d.skip().map_err(|_| RecordError::Malformed)?;
        }
    }
    if d.remaining() != 0 {
        return Err(RecordError::Malformed);
    }
    Ok(())
}

fn get<T>(r: Result<T, Malformed>, key: u8) -> Result<T, RecordError> {
    r.map_err(|_| RecordError::Invalid(key))
}

/// `p/<inst>`: the instance exists. Only the version key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InstanceRecord;

impl InstanceRecord {
    /// Encodes into `out`.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, RecordError> {
        seal(out, |e| {
            e.map(1)?;
            version(e)
        })
    }

    /// Decodes and checks a stored record.
    pub fn decode(rec: &[u8]) -> Result<Self, RecordError> {
        let (d, n) = open(rec)?;
        each(d, n, |_, _| Ok(false))?;
        Ok(InstanceRecord)
    }
}

/// `p/<inst>/<res>`: key 1 the text encoding reads answer with (default: lower-case hex),
/// key 2 the decoded bytes (required).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResourceRecord<'a> {
    /// How the value was written, so that reads answer in kind.
    pub encoding: Encoding,
    /// The decoded value.
    pub bytes: &'a [u8],
}

fn encoding_from(v: u8) -> Option<Encoding> {
    Some(match v {
        1 => Encoding::Base64Padded,
        2 => Encoding::Base64Unpadded,
        3 => Encoding::HexUpper,
        4 => Encoding::HexLower,
        _ => return None,
    })
}

impl<'a> ResourceRecord<'a> {
    /// Encodes into `out`.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, RecordError> {
        seal(out, |e| {
            e.map(3)?;
            version(e)?;
            e.uint(1)?;
            e.uint(self.encoding as u64)?;
            e.uint(2)?;
            e.bytes(self.bytes)
        })
    }

    /// Decodes and checks a stored record; `bytes` borrows from `rec`.
    pub fn decode(rec: &'a [u8]) -> Result<Self, RecordError> {
        let (d, n) = open(rec)?;
        let mut encoding = Encoding::HexLower;
        let mut bytes = None;
        each(d, n, |k, d| {
            match k {
                1 => encoding = encoding_from(get(d.u8(), 1)?).ok_or(RecordError::Invalid(1))?,
                2 => bytes = Some(get(d.bytes(), 2)?),
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(ResourceRecord {
            encoding,
            bytes: bytes.ok_or(RecordError::Missing(2))?,
        })
    }
}

/// `b0`/`b1`: key 1 a whole package in wire order (required).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotRecord<'a> {
    /// The package.
    pub package: &'a [u8],
}

impl<'a> SlotRecord<'a> {
    /// Encodes into `out`.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, RecordError> {
        seal(out, |e| {
            e.map(2)?;
            version(e)?;
            e.uint(1)?;
            e.bytes(self.package)
        })
    }

    /// Decodes and checks a stored record; `package` borrows from `rec`.
    pub fn decode(rec: &'a [u8]) -> Result<Self, RecordError> {
        let (d, n) = open(rec)?;
        let mut package = None;
        each(d, n, |k, d| {
            if k != 1 {
                return Ok(false);
            }
            package = Some(get(d.bytes(), 1)?);
            Ok(true)
        })?;
        Ok(SlotRecord {
            package: package.ok_or(RecordError::Missing(1))?,
        })
    }
}

/// What a running switch is doing (see [`crate::switch`]).
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// The candidate package is in its slot and goes (or went) to the nuSIM.
    Loading = 1,
    /// The nuSIM took it; the device must reach the network before the deadline.
    AwaitingNetwork = 2,
    /// The backup package goes (or went) back to the nuSIM.
    RollingBack = 3,
}

crate::log::describe_names!(Phase {
    Loading => "loading",
    AwaitingNetwork => "awaiting the network",
    RollingBack => "rolling back",
});

impl Phase {
    fn from_u8(v: u8) -> Option<Phase> {
        Some(match v {
            1 => Phase::Loading,
            2 => Phase::AwaitingNetwork,
            3 => Phase::RollingBack,
            _ => return None,
        })
    }
}

/// An ICCID as stored: up to 20 digits.
pub type Iccid = Text<{ crate::nusim::ICCID_LEN }>;

/// The last package that brought the device onto the network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backup {
    /// Its slot, 0 or 1.
    pub slot: u8,
    /// The ICCID the nuSIM reported for it.
    pub iccid: Iccid,
}

/// A switch in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trial {
    /// The candidate's slot (the one that is not the backup's).
    pub slot: u8,
    /// Where it stands.
    pub phase: Phase,
    /// The ICCID before the load (empty: none), to tell whether the nuSIM took it.
    pub iccid_before: Iccid,
    /// The ICCID the candidate brought (empty until loaded).
    pub iccid_new: Iccid,
    /// Loads of the backup started so far in [`Phase::RollingBack`], each counted before
    /// it starts (kept across restarts, so the fallback's retry limit holds over them).
    pub attempts: u8,
}

/// `s`: the small state of Object 508 and the switch. Keys: 1 link target instance
/// (absent: null link), 2 the 508/0/6 value (default 255, never loaded), 3/4 backup slot
/// and ICCID (absent: no backup), 5..8 the trial's slot, phase, ICCID before and after
/// (absent: none running), 9 the loads of the backup started so far (absent: 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StateRecord {
    /// 508/0/4's 507 instance, if not the null link.
    pub link: Option<u16>,
    /// 508/0/6.
    pub result: u8,
    /// The backup package, if one proved itself.
    pub backup: Option<Backup>,
    /// A switch in flight.
    pub trial: Option<Trial>,
}

impl Default for StateRecord {
    fn default() -> Self {
        StateRecord {
            link: None,
            result: 255,
            backup: None,
            trial: None,
        }
    }
}

fn text_of(d: &mut Decoder<'_>, key: u8) -> Result<Iccid, RecordError> {
    let s = get(d.text(), key)?;
    let mut t = Iccid::new();
    // Digits only (hence valid UTF-8), or empty.
    if !s.is_empty() && !text::is_iccid(s) || !t.set(s) {
        return Err(RecordError::Invalid(key));
    }
    Ok(t)
}

/// Key 0, the format version: first in every record.
fn version(e: &mut Encoder) -> Result<(), Malformed> {
    e.uint(0)?;
    e.uint(u64::from(FORMAT))
}

/// Key `k` and an unsigned value.
fn entry(e: &mut Encoder, k: u8, v: u64) -> Result<(), Malformed> {
    e.uint(u64::from(k))?;
    e.uint(v)
}

/// Key `k` and an ICCID as a text string (digits, checked on the way in).
fn entry_iccid(e: &mut Encoder, k: u8, t: &Iccid) -> Result<(), Malformed> {
    e.uint(u64::from(k))?;
    e.text(t.as_bytes())
}

impl StateRecord {
    /// Encodes into `out`.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, RecordError> {
        let entries = 2
            + u64::from(self.link.is_some())
            + 2 * u64::from(self.backup.is_some())
            + 4 * u64::from(self.trial.is_some())
            + u64::from(self.trial.is_some_and(|t| t.attempts > 0));
        seal(out, |e| {
            e.map(entries)?;
            version(e)?;
            if let Some(l) = self.link {
                entry(e, 1, l.into())?;
            }
            entry(e, 2, self.result.into())?;
            if let Some(b) = &self.backup {
                entry(e, 3, b.slot.into())?;
                entry_iccid(e, 4, &b.iccid)?;
            }
            if let Some(t) = &self.trial {
                entry(e, 5, t.slot.into())?;
                entry(e, 6, t.phase as u64)?;
                entry_iccid(e, 7, &t.iccid_before)?;
                entry_iccid(e, 8, &t.iccid_new)?;
                if t.attempts > 0 {
                    entry(e, 9, t.attempts.into())?;
                }
            }
            Ok(())
        })
    }

    /// Decodes and checks a stored record.
    pub fn decode(rec: &[u8]) -> Result<Self, RecordError> {
        let (d, n) = open(rec)?;
        let mut s = StateRecord::default();
        let (mut bslot, mut biccid) = (None, Iccid::new());
        let (mut tslot, mut phase) = (None, None);
        let (mut before, mut new) = (Iccid::new(), Iccid::new());
        let mut attempts = 0;
        each(d, n, |k, d| {
            match k {
                1 => s.link = Some(get(d.u16(), 1)?),
                2 => s.result = get(d.u8(), 2)?,
                3 => bslot = Some(get(d.u8(), 3)?),
                4 => biccid = text_of(d, 4)?,
                5 => tslot = Some(get(d.u8(), 5)?),
                6 => phase = Some(Phase::from_u8(get(d.u8(), 6)?).ok_or(RecordError::Invalid(6))?),
                7 => before = text_of(d, 7)?,
                8 => new = text_of(d, 8)?,
                9 => attempts = get(d.u8(), 9)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        if let Some(slot) = bslot {
            if slot > 1 {
                return Err(RecordError::Invalid(3));
            }
            s.backup = Some(Backup {
                slot,
                iccid: biccid,
            });
        }
        match (tslot, phase) {
            (None, None) => {}
            (Some(slot), Some(phase)) if slot <= 1 => {
                // The candidate never shares the backup's slot.
                if s.backup.is_some_and(|b| b.slot == slot) {
                    return Err(RecordError::Invalid(5));
                }
                s.trial = Some(Trial {
                    slot,
                    phase,
                    iccid_before: before,
                    iccid_new: new,
                    attempts,
                });
            }
            (Some(_), _) => return Err(RecordError::Invalid(5)),
            (None, Some(_)) => return Err(RecordError::Missing(5)),
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;

    fn iccid(s: &str) -> Iccid {
        let mut t = Iccid::new();
        assert!(t.set(s.as_bytes()));
        t
    }

    fn full_state() -> StateRecord {
        StateRecord {
            link: Some(3),
            result: 0,
            backup: Some(Backup {
                slot: 1,
                iccid: iccid("8949000000000000017"),
            }),
            trial: Some(Trial {
                slot: 0,
                phase: Phase::RollingBack,
                iccid_before: iccid("8949000000000000017"),
                iccid_new: iccid("89490000000000000258"),
                attempts: 3,
            }),
        }
    }

    /// The bytes minicbor wrote for these records before the module had its own CBOR
    /// (what devices in the field have stored), made here with minicbor's encoder.
    #[test]
    fn records_are_byte_for_byte_what_minicbor_wrote() {
        fn sealed(e: minicbor::Encoder<Vec<u8>>) -> Vec<u8> {
            let mut v = e.into_writer();
            let crc = crc32(&v);
            v.extend_from_slice(&crc.to_le_bytes());
            v
        }
        let ours = |f: &dyn Fn(&mut [u8]) -> Result<usize, RecordError>| {
            let mut out = [0u8; 1500];
            let n = f(&mut out).unwrap();
            out[..n].to_vec()
        };
        let mut e = minicbor::Encoder::new(Vec::new());
        e.map(1).unwrap().u8(0).unwrap().u8(FORMAT).unwrap();
        assert_eq!(ours(&|o| InstanceRecord.encode(o)), sealed(e));

        let bytes = [0x5au8; 300];
        let mut e = minicbor::Encoder::new(Vec::new());
        e.map(3).unwrap().u8(0).unwrap().u8(FORMAT).unwrap();
        e.u8(1).unwrap().u8(Encoding::Base64Unpadded as u8).unwrap();
        e.u8(2).unwrap().bytes(&bytes).unwrap();
        let r = ResourceRecord {
            encoding: Encoding::Base64Unpadded,
            bytes: &bytes,
        };
        assert_eq!(ours(&|o| r.encode(o)), sealed(e));

        let pkg = [7u8; 1363];
        let mut e = minicbor::Encoder::new(Vec::new());
        e.map(2).unwrap().u8(0).unwrap().u8(FORMAT).unwrap();
        e.u8(1).unwrap().bytes(&pkg).unwrap();
        assert_eq!(ours(&|o| SlotRecord { package: &pkg }.encode(o)), sealed(e));

        let s = full_state();
        let mut e = minicbor::Encoder::new(Vec::new());
        e.map(10).unwrap().u8(0).unwrap().u8(FORMAT).unwrap();
        e.u8(1).unwrap().u16(3).unwrap();
        e.u8(2).unwrap().u8(0).unwrap();
        e.u8(3)
            .unwrap()
            .u8(1)
            .unwrap()
            .u8(4)
            .unwrap()
            .str("8949000000000000017")
            .unwrap();
        e.u8(5)
            .unwrap()
            .u8(0)
            .unwrap()
            .u8(6)
            .unwrap()
            .u8(3)
            .unwrap();
        e.u8(7).unwrap().str("8949000000000000017").unwrap();
        e.u8(8).unwrap().str("89490000000000000258").unwrap();
        e.u8(9).unwrap().u8(3).unwrap();
        assert_eq!(ours(&|o| s.encode(o)), sealed(e));
        // A link above 255 and no backup or trial: the u16 and the shorter map.
        let s = StateRecord {
            link: Some(300),
            ..StateRecord::default()
        };
        let mut e = minicbor::Encoder::new(Vec::new());
        e.map(3).unwrap().u8(0).unwrap().u8(FORMAT).unwrap();
        e.u8(1).unwrap().u16(300).unwrap();
        e.u8(2).unwrap().u8(255).unwrap();
        assert_eq!(ours(&|o| s.encode(o)), sealed(e));
    }

    #[test]
    fn crc32_check_value() {
        // The catalogue check value of CRC-32/ISO-HDLC.
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn keys_round_trip() {
        for k in [
            Key::State,
            Key::StateMirror,
            Key::Slot(0),
            Key::Slot(1),
            Key::Instance(0),
            Key::Instance(65535),
            Key::Resource(65535, 6),
            Key::Resource(7, 0),
        ] {
            let mut b = [0u8; NAME_MAX + 1];
            let n = k.name(&mut b);
            assert_eq!(b[n], 0);
            let rel = &b[SUBTREE.len() + 1..n];
            assert_eq!(Key::parse(rel), Some(k), "{:?}", core::str::from_utf8(rel));
        }
        for bad in [
            &b"p/"[..],
            b"p/65536",
            b"p/01",
            b"p/1/7",
            b"p/1/2/3",
            b"b2",
            b"s3",
            b"x",
            b"p/-1",
        ] {
            assert_eq!(Key::parse(bad), None, "{:?}", core::str::from_utf8(bad));
        }
    }

    #[test]
    fn records_round_trip() {
        let mut b = [0u8; 128];
        for s in [StateRecord::default(), full_state()] {
            let n = s.encode(&mut b).unwrap();
            assert!(n <= STATE_MAX);
            assert_eq!(StateRecord::decode(&b[..n]), Ok(s));
        }
        let r = ResourceRecord {
            encoding: Encoding::Base64Padded,
            bytes: &[4u8; 65],
        };
        let mut big = [0u8; 65 + OVERHEAD];
        let n = r.encode(&mut big).unwrap();
        assert_eq!(ResourceRecord::decode(&big[..n]), Ok(r));
        let pkg = [7u8; 339 + 1024];
        let mut slot = [0u8; 339 + 1024 + OVERHEAD];
        let n = SlotRecord { package: &pkg }.encode(&mut slot).unwrap();
        assert_eq!(SlotRecord::decode(&slot[..n]).unwrap().package, &pkg[..]);
        // The Kconfig bound of the encP (3712): its slot record, as encoded, fits a 4 KB
        // NVS sector with the entry overhead; 16 bytes more would not.
        assert!(slot_fits_nvs_sector(3712) && !slot_fits_nvs_sector(3728));
        let pkg = std::vec![9u8; crate::field::HEADER_LEN + 3712];
        let mut slot = std::vec![0u8; NVS_SECTOR];
        let n = SlotRecord { package: &pkg }.encode(&mut slot).unwrap();
        assert!(
            n + NVS_ENTRY_OVERHEAD <= NVS_SECTOR && n <= pkg.len() + OVERHEAD,
            "{n}"
        );
        let n = InstanceRecord.encode(&mut b).unwrap();
        assert_eq!(InstanceRecord::decode(&b[..n]), Ok(InstanceRecord));
        // No room is an error, not a panic.
        assert_eq!(
            SlotRecord { package: &pkg }.encode(&mut b),
            Err(RecordError::NoRoom)
        );
    }

    #[test]
    fn every_truncation_and_every_flipped_bit_is_refused() {
        let mut b = [0u8; 128];
        let n = full_state().encode(&mut b).unwrap();
        for cut in 0..n {
            assert!(StateRecord::decode(&b[..cut]).is_err(), "cut at {cut}");
        }
        for bit in 0..n * 8 {
            let mut c = b;
            c[bit / 8] ^= 1 << (bit % 8);
            assert!(StateRecord::decode(&c[..n]).is_err(), "bit {bit}");
        }
    }

    /// Seals a hand-written CBOR map the way `seal` does.
    fn sealed(map: &[u8]) -> Vec<u8> {
        let mut v = map.to_vec();
        v.extend_from_slice(&crc32(map).to_le_bytes());
        v
    }

    #[test]
    fn version_rules() {
        // {0: 1, 2: 9}: the optional keys are missing and take their defaults.
        let r = sealed(&[0xa2, 0x00, 0x01, 0x02, 0x09]);
        assert_eq!(
            StateRecord::decode(&r),
            Ok(StateRecord {
                result: 9,
                ..StateRecord::default()
            })
        );
        // {0: 1, 2: 9, 23: "later"}: an unknown key is skipped.
        let r = sealed(&[
            0xa3, 0x00, 0x01, 0x02, 0x09, 0x17, 0x65, b'l', b'a', b't', b'e', b'r',
        ]);
        assert_eq!(StateRecord::decode(&r).unwrap().result, 9);
        // {0: 2, ...}: a newer format is refused, not guessed at.
        let r = sealed(&[0xa2, 0x00, 0x02, 0x02, 0x09]);
        assert_eq!(StateRecord::decode(&r), Err(RecordError::Newer(2)));
        // {2: 9}: no version.
        let r = sealed(&[0xa1, 0x02, 0x09]);
        assert_eq!(StateRecord::decode(&r), Err(RecordError::Missing(0)));
        // {0: 1, 1: h'00'} for a resource record: no encoding key (default hex) is fine,
        // missing bytes are not.
        let r = sealed(&[0xa2, 0x00, 0x01, 0x02, 0x41, 0xab]);
        let rr = ResourceRecord::decode(&r).unwrap();
        assert_eq!((rr.encoding, rr.bytes), (Encoding::HexLower, &[0xab][..]));
        let r = sealed(&[0xa2, 0x00, 0x01, 0x01, 0x01]);
        assert_eq!(ResourceRecord::decode(&r), Err(RecordError::Missing(2)));
        // Trailing bytes after the map are refused.
        let r = sealed(&[0xa2, 0x00, 0x01, 0x02, 0x09, 0x00]);
        assert_eq!(StateRecord::decode(&r), Err(RecordError::Malformed));
    }

    #[test]
    fn inconsistent_state_is_refused() {
        let mut s = full_state();
        s.trial.as_mut().unwrap().slot = 1; // same slot as the backup
        let mut b = [0u8; 128];
        let n = s.encode(&mut b).unwrap();
        assert_eq!(StateRecord::decode(&b[..n]), Err(RecordError::Invalid(5)));
        // A non-ICCID in an ICCID key.
        let r = sealed(&[0xa2, 0x00, 0x01, 0x04, 0x63, b'1', b'2', b'3']);
        assert_eq!(StateRecord::decode(&r), Err(RecordError::Invalid(4)));
    }
}
