//! Object 507 instances, stored decoded in the vendor wire order.
//!
//! Each profile keeps one byte array laid out exactly as the modem wants the package
//! (eKpubDP, mac, SigEKpubDP, KpubDP, SigKpubDP, KpubCI, encP), so assembling a package is a
//! copy of a prefix. `W` is that array's capacity: [`HEADER_LEN`] + the encP maximum.
//! An all-zero store is an empty store, so a `static` of it lives in `.bss`.

use crate::codec::{self, Encoding};
use crate::field::{Field, ValueError, HEADER_LEN};

/// One Object 507 instance.
pub struct Profile<const W: usize> {
    in_use: bool,
    inst_id: u16,
    encp_len: u16,
    enc: [Encoding; 7],
    wire: [u8; W],
}

/// Why a create was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreError {
    /// All `N` slots are in use.
    Full,
    /// An instance with this ID exists already.
    Exists,
}

/// Why a write was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteError {
    /// No such instance or resource.
    NotFound,
    /// The value broke the field's rule; the previous value is unchanged.
    Invalid(ValueError),
}

impl crate::log::Describe for WriteError {
    fn describe(&self, l: &mut crate::log::Line) {
        match self {
            WriteError::NotFound => l.push(b"no such instance"),
            WriteError::Invalid(e) => crate::log::Describe::describe(e, l),
        }
    }
}

/// Why no package could be assembled from a profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PackageError {
    /// No instance with the linked ID.
    NoInstance,
    /// At least one mandatory field was never written (the first such field).
    Incomplete(Field),
}

impl<const W: usize> Profile<W> {
    const EMPTY: Self = Profile {
        in_use: false,
        inst_id: 0,
        encp_len: 0,
        enc: [Encoding::Unset; 7],
        wire: [0; W],
    };

    /// The largest encP this profile holds.
    pub const ENCP_MAX: usize = W - HEADER_LEN;

    /// The instance ID.
    pub fn inst_id(&self) -> u16 {
        self.inst_id
    }

    fn range(&self, f: Field) -> core::ops::Range<usize> {
        let start = f.wire_offset();
        let len = f.fixed_len().unwrap_or(usize::from(self.encp_len));
        start..start + len
    }

    /// The decoded bytes of `f`, if written.
    pub fn value(&self, f: Field) -> Option<&[u8]> {
        (self.enc[f as usize] != Encoding::Unset).then(|| &self.wire[self.range(f)])
    }

    /// How `f` was written (its reads answer in kind); [`Encoding::Unset`] if never.
    pub fn encoding(&self, f: Field) -> Encoding {
        self.enc[f as usize]
    }

    /// The package in vendor wire order, if every field was written.
    pub fn package(&self) -> Result<&[u8], PackageError> {
        if let Some(f) = Field::ALL
            .iter()
            .find(|f| self.enc[**f as usize] == Encoding::Unset)
        {
            return Err(PackageError::Incomplete(*f));
        }
        Ok(&self.wire[..HEADER_LEN + usize::from(self.encp_len)])
    }
}

/// [`ProfileStore::READ_TEXT_LEN`] for wire capacity `w`: room for the text of all
/// seven values of an instance, each with its NUL.
pub const fn read_text_len(w: usize) -> usize {
    let mut off = 0;
    let mut i = 0;
    while i < 7 {
        off += match Field::ALL[i].fixed_len() {
            Some(n) => 2 * n + 1,
            None => 2 * (w - HEADER_LEN) + 1,
        };
        i += 1;
    }
    off
}

/// Up to `N` Object 507 instances with wire capacity `W` each.
pub struct ProfileStore<const N: usize, const W: usize> {
    slots: [Profile<W>; N],
}

impl<const N: usize, const W: usize> Default for ProfileStore<N, W> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize, const W: usize> ProfileStore<N, W> {
    /// The longest text a field can be written as (encP in hex), without a NUL.
    pub const TEXT_MAX: usize = 2 * (W - HEADER_LEN);

    /// Room for the text of all seven values of an instance at once, each with its NUL,
    /// each in a place of its own ([`Self::read_offset`]). The engine's SenML encoders keep
    /// the pointer of every value of a multi-resource read until the message is built, so
    /// the values of one read must not share bytes.
    pub const READ_TEXT_LEN: usize = read_text_len(W);

    /// Where the text of field `f` goes in a buffer of [`Self::READ_TEXT_LEN`] bytes.
    pub const fn read_offset(f: Field) -> usize {
        Self::read_offset_of(f as usize)
    }

    /// The length of field `f`'s place there: its longest text (hex) and a NUL.
    pub const fn read_place_len(f: Field) -> usize {
        Self::read_offset_of(f as usize + 1) - Self::read_offset_of(f as usize)
    }

    const fn read_offset_of(res: usize) -> usize {
        let mut off = 0;
        let mut i = 0;
        while i < res {
            off += match Field::ALL[i].fixed_len() {
                Some(n) => 2 * n + 1,
                None => Self::TEXT_MAX + 1,
            };
            i += 1;
        }
        off
    }

    /// An empty store.
    pub const fn new() -> Self {
        const {
            assert!(
                W > HEADER_LEN && (W - HEADER_LEN) % 16 == 0 && W - HEADER_LEN <= u16::MAX as usize
            )
        };
        ProfileStore {
            slots: [Profile::EMPTY; N],
        }
    }

    /// Creates instance `inst_id`.
    pub fn create(&mut self, inst_id: u16) -> Result<(), StoreError> {
        if self.get(inst_id).is_some() {
            return Err(StoreError::Exists);
        }
        let slot = self
            .slots
            .iter_mut()
            .find(|p| !p.in_use)
            .ok_or(StoreError::Full)?;
        *slot = Profile::EMPTY;
        slot.in_use = true;
        slot.inst_id = inst_id;
        Ok(())
    }

    /// Deletes instance `inst_id`; false if there was none.
    pub fn delete(&mut self, inst_id: u16) -> bool {
        match self
            .slots
            .iter_mut()
            .find(|p| p.in_use && p.inst_id == inst_id)
        {
            Some(p) => {
                // Wipe the key material and ciphertext, not only the flag.
                *p = Profile::EMPTY;
                true
            }
            None => false,
        }
    }

    /// The instance `inst_id`.
    pub fn get(&self, inst_id: u16) -> Option<&Profile<W>> {
        self.slots.iter().find(|p| p.in_use && p.inst_id == inst_id)
    }

    /// The slot (0..N) that instance `inst_id` occupies: the index of its read place
    /// when every instance needs text of its own at once (an object-level read).
    pub fn slot_of(&self, inst_id: u16) -> Option<usize> {
        self.slots
            .iter()
            .position(|p| p.in_use && p.inst_id == inst_id)
    }

    /// IDs of the instances in use.
    pub fn ids(&self) -> impl Iterator<Item = u16> + '_ {
        self.slots.iter().filter(|p| p.in_use).map(|p| p.inst_id)
    }

    /// Decodes the text in `buf[..len]` in place, checks it and, only if it is valid, makes
    /// it the new value of `res` of `inst_id`.
    pub fn write_text(
        &mut self,
        inst_id: u16,
        res: u16,
        buf: &mut [u8],
        len: usize,
    ) -> Result<(), WriteError> {
        let (n, enc) = self.decode_text(inst_id, res, buf, len)?;
        self.set_value(inst_id, res, enc, &buf[..n])
    }

    /// The first half of [`Self::write_text`]: decodes the text in `buf[..len]` in place
    /// and checks it, changing nothing. The decoded length and the text's encoding.
    pub fn decode_text(
        &self,
        inst_id: u16,
        res: u16,
        buf: &mut [u8],
        len: usize,
    ) -> Result<(usize, Encoding), WriteError> {
        let f = Field::from_res(res).ok_or(WriteError::NotFound)?;
        self.get(inst_id).ok_or(WriteError::NotFound)?;
        f.decode(buf, len, Profile::<W>::ENCP_MAX)
            .map_err(WriteError::Invalid)
    }

    /// Makes the decoded `bytes` the value of `res` of `inst_id` after checking them
    /// against the field's rule: the second half of a write, and how a stored value comes
    /// back after a restart. `enc` is what reads answer with.
    pub fn set_value(
        &mut self,
        inst_id: u16,
        res: u16,
        enc: Encoding,
        bytes: &[u8],
    ) -> Result<(), WriteError> {
        let f = Field::from_res(res).ok_or(WriteError::NotFound)?;
        let p = self
            .slots
            .iter_mut()
            .find(|p| p.in_use && p.inst_id == inst_id)
            .ok_or(WriteError::NotFound)?;
        f.check(bytes, Profile::<W>::ENCP_MAX)
            .map_err(WriteError::Invalid)?;
        if enc == Encoding::Unset {
            return Err(WriteError::NotFound);
        }
        if f == Field::EncP {
            // ENCP_MAX fits u16 (checked in new()) and check() bounded the length by it.
            p.encp_len = bytes.len() as u16;
        }
        let r = p.range(f);
        p.wire[r].copy_from_slice(bytes);
        p.enc[f as usize] = enc;
        Ok(())
    }

    /// Writes the value of `res` of `inst_id` into `out` as the text it was written as,
    /// NUL-terminated. Returns the text length without the NUL (0 if never written).
    pub fn read_text(&self, inst_id: u16, res: u16, out: &mut [u8]) -> Option<usize> {
        let f = Field::from_res(res)?;
        let p = self.get(inst_id)?;
        let enc = p.enc[f as usize];
        let n = match p.value(f) {
            Some(v) => codec::encode(v, enc, out)?,
            None => 0,
        };
        *out.get_mut(n)? = 0;
        Some(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    type Store = ProfileStore<2, { HEADER_LEN + 64 }>;

    fn write(s: &mut Store, i: u16, r: u16, t: &str) -> Result<(), WriteError> {
        let mut b = [0u8; 200];
        b[..t.len()].copy_from_slice(t.as_bytes());
        s.write_text(i, r, &mut b, t.len())
    }

    #[test]
    fn read_places_do_not_overlap() {
        let mut end = 0;
        for f in Field::ALL {
            assert_eq!(Store::read_offset(f), end);
            end += 2 * f.fixed_len().unwrap_or(64) + 1;
        }
        assert_eq!(Store::READ_TEXT_LEN, end);
        assert_eq!(Store::read_place_len(Field::EncP), 129);
        assert_eq!(Store::read_place_len(Field::Mac), 33);
        assert_eq!(Store::read_place_len(Field::KpubCI), 131);
        assert_eq!(Store::READ_TEXT_LEN, 129 + 33 + 131 + 129 + 131 + 129 + 131);
    }

    fn read(s: &Store, i: u16, r: u16) -> String {
        let mut b = [0u8; 200];
        let n = s.read_text(i, r, &mut b).unwrap();
        assert_eq!(b[n], 0);
        String::from_utf8(b[..n].to_vec()).unwrap()
    }

    extern crate std;
    use std::string::String;

    #[test]
    fn create_limits_and_delete() {
        let mut s = Store::new();
        assert_eq!(s.create(3), Ok(()));
        assert_eq!(s.create(3), Err(StoreError::Exists));
        assert_eq!(s.create(7), Ok(()));
        assert_eq!(s.create(9), Err(StoreError::Full));
        assert_eq!(
            (s.slot_of(3), s.slot_of(7), s.slot_of(9)),
            (Some(0), Some(1), None)
        );
        assert!(s.delete(3));
        assert!(!s.delete(3));
        assert_eq!(s.slot_of(3), None);
        assert_eq!(s.create(9), Ok(()));
        assert_eq!(s.slot_of(9), Some(0));
        assert_eq!(s.ids().collect::<std::vec::Vec<_>>(), [9, 7]);
    }

    #[test]
    fn bad_write_keeps_previous_value() {
        let mut s = Store::new();
        s.create(0).unwrap();
        let mac = "00112233445566778899aabbccddeeff";
        write(&mut s, 0, 1, mac).unwrap();
        assert_eq!(read(&s, 0, 1), mac);
        assert!(matches!(
            write(&mut s, 0, 1, "0011"),
            Err(WriteError::Invalid(_))
        ));
        assert_eq!(read(&s, 0, 1), mac);
        assert_eq!(write(&mut s, 1, 1, mac), Err(WriteError::NotFound));
        assert_eq!(write(&mut s, 0, 7, mac), Err(WriteError::NotFound));
    }

    #[test]
    fn set_value_checks_like_a_write() {
        let mut s = Store::new();
        s.create(0).unwrap();
        let mac = [0x5a; 16];
        assert_eq!(s.set_value(0, 1, Encoding::Base64Padded, &mac), Ok(()));
        assert_eq!(read(&s, 0, 1), "WlpaWlpaWlpaWlpaWlpaWg==");
        assert!(matches!(
            s.set_value(0, 1, Encoding::HexLower, &mac[..15]),
            Err(WriteError::Invalid(_))
        ));
        assert!(matches!(
            s.set_value(0, 2, Encoding::HexLower, &[0x05; 65]),
            Err(WriteError::Invalid(ValueError::NotUncompressedPoint))
        ));
        assert!(matches!(
            s.set_value(0, 0, Encoding::HexLower, &[0; 80]),
            Err(WriteError::Invalid(ValueError::TooLong { .. }))
        ));
        assert_eq!(
            s.set_value(1, 1, Encoding::HexLower, &mac),
            Err(WriteError::NotFound)
        );
        assert_eq!(
            s.get(0).unwrap().encoding(Field::Mac),
            Encoding::Base64Padded
        );
    }

    #[test]
    fn package_needs_every_field_and_is_in_wire_order() {
        let mut s = Store::new();
        s.create(0).unwrap();
        assert_eq!(
            s.get(0).unwrap().package(),
            Err(PackageError::Incomplete(Field::EncP))
        );
        let fill = |b: u8, n: usize| {
            let mut v = std::vec![b; n];
            v[0] = if n == 65 { 4 } else { b };
            v.iter()
                .map(|x| std::format!("{x:02x}"))
                .collect::<String>()
        };
        write(&mut s, 0, 0, &fill(0xee, 32)).unwrap();
        for (r, b, n) in [
            (1, 0x11, 16),
            (2, 0x22, 65),
            (3, 0x33, 64),
            (4, 0x44, 65),
            (5, 0x55, 64),
        ] {
            write(&mut s, 0, r, &fill(b, n)).unwrap();
        }
        assert_eq!(
            s.get(0).unwrap().package(),
            Err(PackageError::Incomplete(Field::KpubCI))
        );
        write(&mut s, 0, 6, &fill(0x66, 65)).unwrap();
        let pkg = s.get(0).unwrap().package().unwrap();
        assert_eq!(pkg.len(), HEADER_LEN + 32);
        assert_eq!(
            (pkg[1], pkg[65], pkg[81], pkg[146], pkg[210], pkg[275], pkg[339]),
            (0x22, 0x11, 0x33, 0x44, 0x55, 0x66, 0xee)
        );
        assert!(s.delete(0));
        s.create(0).unwrap();
        assert_eq!(read(&s, 0, 0), "");
    }
}
