//! The CBOR (RFC 8949) the stored records need, and no more: definite-length maps with
//! small unsigned keys whose values are unsigned integers, byte strings and text strings,
//! written in the shortest form; read back with any argument width, and any other
//! well-formed item of definite length skipped (a key a newer format added).
//!
//! About a tenth of a general CBOR library's code on Cortex-M: the records are the only
//! CBOR on a product device.
//!
//! ```
//! use nusim_core::cbor::{Decoder, Encoder};
//! let mut buf = [0u8; 16];
//! let mut e = Encoder::new(&mut buf);
//! e.map(2).unwrap();
//! e.uint(0).unwrap();
//! e.uint(1).unwrap();
//! e.uint(7).unwrap();
//! e.bytes(b"\x04\x05").unwrap();
//! let n = e.position();
//! assert_eq!(&buf[..n], b"\xa2\x00\x01\x07\x42\x04\x05");
//! let mut d = Decoder::new(&buf[..n]);
//! assert_eq!(d.map(), Ok(2));
//! assert_eq!((d.uint(), d.uint(), d.uint()), (Ok(0), Ok(1), Ok(7)));
//! assert_eq!(d.bytes(), Ok(&b"\x04\x05"[..]));
//! ```

/// The input is not what was asked for (wrong type, truncated, indefinite length, a
/// reserved encoding), or the output has no room.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Malformed;

const UINT: u8 = 0;
const NINT: u8 = 1;
const BYTES: u8 = 2;
const TEXT: u8 = 3;
const ARRAY: u8 = 4;
const MAP: u8 = 5;
const TAG: u8 = 6;
const SIMPLE: u8 = 7;

/// Writes into a slice.
pub struct Encoder<'a> {
    out: &'a mut [u8],
    pos: usize,
}

impl<'a> Encoder<'a> {
    /// An encoder writing from the start of `out`.
    pub fn new(out: &'a mut [u8]) -> Self {
        Encoder { out, pos: 0 }
    }

    /// Bytes written.
    pub fn position(&self) -> usize {
        self.pos
    }

    fn put(&mut self, b: &[u8]) -> Result<(), Malformed> {
        let end = self.pos.checked_add(b.len()).ok_or(Malformed)?;
        self.out
            .get_mut(self.pos..end)
            .ok_or(Malformed)?
            .copy_from_slice(b);
        self.pos = end;
        Ok(())
    }

    /// A head in the shortest form.
    fn head(&mut self, major: u8, v: u64) -> Result<(), Malformed> {
        let m = major << 5;
        if v < 24 {
            self.put(&[m | v as u8])
        } else if let Ok(v) = u8::try_from(v) {
            self.put(&[m | 24, v])
        } else if let Ok(v) = u16::try_from(v) {
            self.put(&[m | 25])?;
            self.put(&v.to_be_bytes())
        } else if let Ok(v) = u32::try_from(v) {
            self.put(&[m | 26])?;
            self.put(&v.to_be_bytes())
        } else {
            self.put(&[m | 27])?;
            self.put(&v.to_be_bytes())
        }
    }

    /// A map of `n` entries (keys and values follow).
    pub fn map(&mut self, n: u64) -> Result<(), Malformed> {
        self.head(MAP, n)
    }

    /// An unsigned integer.
    pub fn uint(&mut self, v: u64) -> Result<(), Malformed> {
        self.head(UINT, v)
    }

    /// A byte string.
    pub fn bytes(&mut self, b: &[u8]) -> Result<(), Malformed> {
        self.head(BYTES, b.len() as u64)?;
        self.put(b)
    }

    /// A text string (the caller's bytes are UTF-8).
    pub fn text(&mut self, t: &[u8]) -> Result<(), Malformed> {
        self.head(TEXT, t.len() as u64)?;
        self.put(t)
    }
}

/// Reads from a slice.
#[derive(Clone)]
pub struct Decoder<'b> {
    buf: &'b [u8],
    pos: usize,
}

impl<'b> Decoder<'b> {
    /// A decoder at the start of `buf`.
    pub fn new(buf: &'b [u8]) -> Self {
        Decoder { buf, pos: 0 }
    }

    /// Bytes read.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Bytes left.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn take(&mut self, n: usize) -> Result<&'b [u8], Malformed> {
        let end = self.pos.checked_add(n).ok_or(Malformed)?;
        let s = self.buf.get(self.pos..end).ok_or(Malformed)?;
        self.pos = end;
        Ok(s)
    }

    /// The next head: its major type and argument. Indefinite lengths and the reserved
    /// encodings are refused.
    fn head(&mut self) -> Result<(u8, u64), Malformed> {
        let b = self.take(1)?[0];
        let v = match b & 0x1f {
            v @ 0..=23 => u64::from(v),
            24 => u64::from(self.take(1)?[0]),
            25 => self.take(2)?.iter().fold(0, |a, &x| a << 8 | u64::from(x)),
            26 => self.take(4)?.iter().fold(0, |a, &x| a << 8 | u64::from(x)),
            27 => self.take(8)?.iter().fold(0, |a, &x| a << 8 | u64::from(x)),
            _ => return Err(Malformed),
        };
        Ok((b >> 5, v))
    }

    fn expect(&mut self, major: u8) -> Result<u64, Malformed> {
        match self.head()? {
            (m, v) if m == major => Ok(v),
            _ => Err(Malformed),
        }
    }

    /// A map's number of entries.
    pub fn map(&mut self) -> Result<u64, Malformed> {
        self.expect(MAP)
    }

    /// An unsigned integer.
    pub fn uint(&mut self) -> Result<u64, Malformed> {
        self.expect(UINT)
    }

    /// An unsigned integer that fits a `u8`.
    pub fn u8(&mut self) -> Result<u8, Malformed> {
        u8::try_from(self.uint()?).map_err(|_| Malformed)
    }

    /// An unsigned integer that fits a `u16`.
    pub fn u16(&mut self) -> Result<u16, Malformed> {
        u16::try_from(self.uint()?).map_err(|_| Malformed)
    }

    fn string(&mut self, major: u8) -> Result<&'b [u8], Malformed> {
        let n = self.expect(major)?;
        self.take(usize::try_from(n).map_err(|_| Malformed)?)
    }

    /// A byte string, borrowed from the input.
    pub fn bytes(&mut self) -> Result<&'b [u8], Malformed> {
        self.string(BYTES)
    }

    /// A text string's bytes, borrowed from the input (not checked to be UTF-8: the
    /// caller checks what it accepts).
    pub fn text(&mut self) -> Result<&'b [u8], Malformed> {
        self.string(TEXT)
    }

    /// Skips one whole item of definite length, nested or not, without recursion.
    pub fn skip(&mut self) -> Result<(), Malformed> {
        // Items still to read; each needs at least one byte, which bounds the count.
        let mut pending: u64 = 1;
        while pending > 0 {
            pending -= 1;
            let (major, v) = self.head()?;
            let more = match major {
                UINT | NINT | SIMPLE => 0,
                BYTES | TEXT => {
                    self.take(usize::try_from(v).map_err(|_| Malformed)?)?;
                    0
                }
                ARRAY => v,
                MAP => v.checked_mul(2).ok_or(Malformed)?,
                TAG => 1,
                _ => return Err(Malformed),
            };
            pending = pending.checked_add(more).ok_or(Malformed)?;
            if pending > self.remaining() as u64 {
                return Err(Malformed);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;

    #[test]
    fn heads_are_written_in_the_shortest_form_as_minicbor_writes_them() {
        for v in [
            0u64,
            23,
            24,
            255,
            256,
            65535,
            65536,
            u32::MAX as u64,
            u32::MAX as u64 + 1,
            u64::MAX,
        ] {
            let mut ours = [0u8; 16];
            let mut e = Encoder::new(&mut ours);
            e.uint(v).unwrap();
            let n = e.position();
            let mut theirs = minicbor::Encoder::new(Vec::new());
            theirs.u64(v).unwrap();
            assert_eq!(&ours[..n], &theirs.into_writer()[..], "{v}");
            assert_eq!(Decoder::new(&ours[..n]).uint(), Ok(v));
        }
        let mut ours = [0u8; 300];
        let mut e = Encoder::new(&mut ours);
        let text = [b'7'; 30];
        e.map(3).unwrap();
        e.bytes(&[9; 200]).unwrap();
        e.text(&text).unwrap();
        let n = e.position();
        let mut theirs = minicbor::Encoder::new(Vec::new());
        theirs
            .map(3)
            .unwrap()
            .bytes(&[9; 200])
            .unwrap()
            .str("777777777777777777777777777777")
            .unwrap();
        assert_eq!(&ours[..n], &theirs.into_writer()[..]);
    }

    #[test]
    fn no_room_is_an_error() {
        let mut out = [0u8; 3];
        let mut e = Encoder::new(&mut out);
        assert_eq!(e.bytes(b"abc"), Err(Malformed));
        let mut e = Encoder::new(&mut out);
        assert_eq!(e.uint(65536), Err(Malformed));
    }

    #[test]
    fn skip_passes_every_definite_item_minicbor_writes() {
        let mut e = minicbor::Encoder::new(Vec::new());
        e.array(8).unwrap();
        e.i64(-1_000_000).unwrap();
        e.f64(1.5).unwrap();
        e.f32(2.5).unwrap();
        e.bool(true).unwrap().null().unwrap();
        e.tag(minicbor::data::Tag::new(32))
            .unwrap()
            .str("coap://x")
            .unwrap();
        e.map(2)
            .unwrap()
            .u8(1)
            .unwrap()
            .array(0)
            .unwrap()
            .u8(2)
            .unwrap()
            .bytes(&[1; 30])
            .unwrap();
        e.u64(u64::MAX).unwrap();
        e.u8(7).unwrap();
        let v = e.into_writer();
        let mut d = Decoder::new(&v);
        d.skip().unwrap();
        assert_eq!(d.uint(), Ok(7));
        assert_eq!(d.remaining(), 0);
    }

    #[test]
    fn skip_refuses_indefinite_truncated_and_oversized_items() {
        for bad in [
            &b"\x9f\x01\xff"[..],                    // indefinite array
            b"\x5f\x41\x00\xff",                     // indefinite bytes
            b"\xff",                                 // break
            b"\x1c",                                 // reserved additional information
            b"\x43\x01\x02",                         // 3 bytes announced, 2 there
            b"\x9b\xff\xff\xff\xff\xff\xff\xff\xff", // 2^64-1 items
            b"\xbb\x80\x00\x00\x00\x00\x00\x00\x00", // 2 x 2^63 items
            b"\x84\x01\x02",                         // 4 items announced, 2 there
            b"\xc1",                                 // a tag without its item
        ] {
            assert_eq!(Decoder::new(bad).skip(), Err(Malformed), "{bad:02x?}");
        }
    }

    #[test]
    fn reads_check_the_type_and_the_range() {
        assert_eq!(Decoder::new(b"\x19\x01\x00").u8(), Err(Malformed));
        assert_eq!(Decoder::new(b"\x19\x01\x00").u16(), Ok(256));
        assert_eq!(Decoder::new(b"\x20").uint(), Err(Malformed));
        assert_eq!(Decoder::new(b"\x41\x00").text(), Err(Malformed));
        assert_eq!(Decoder::new(b"\x62ab").text(), Ok(&b"ab"[..]));
        assert_eq!(
            Decoder::new(b"\x5b\xff\xff\xff\xff\xff\xff\xff\xff").bytes(),
            Err(Malformed)
        );
        assert_eq!(Decoder::new(b"").map(), Err(Malformed));
    }
}
