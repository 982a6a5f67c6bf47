//! The seven resources of Object 507 and the rule each decoded value must meet.

use crate::codec::{self, DecodeError, Encoding};

/// A resource of Object 507 (the resource ID is the discriminant).
#[repr(u16)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// 507/x/0: the encrypted profile.
    EncP = 0,
    /// 507/x/1: AES-CMAC over encP.
    Mac = 1,
    /// 507/x/2: the DP's ephemeral public key for this package.
    EKpubDP = 2,
    /// 507/x/3: signature of eKpubDP by KpubDP.
    SigEKpubDP = 3,
    /// 507/x/4: the DP public key.
    KpubDP = 4,
    /// 507/x/5: signature of KpubDP by KpubCI.
    SigKpubDP = 5,
    /// 507/x/6: the CI public key (the registry spells it "KpubCl").
    KpubCI = 6,
}

/// Length of an uncompressed brainpoolP256r1 point.
pub const POINT_LEN: usize = 65;
/// Length of a raw r||s ECDSA signature.
pub const SIG_LEN: usize = 64;
/// Length of the AES-CMAC.
pub const MAC_LEN: usize = 16;
/// AES block size: encP is a multiple of it.
pub const BLOCK: usize = 16;
/// Bytes in front of encP in the vendor wire format.
pub const HEADER_LEN: usize = 3 * POINT_LEN + 2 * SIG_LEN + MAC_LEN;

/// Why a written value was refused. The previous value is kept in every case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueError {
    /// Neither hex nor canonical base64.
    NotHexOrBase64,
    /// Decoded to the wrong number of bytes.
    WrongLength {
        /// What the field needs.
        expected: usize,
        /// What the value decoded to.
        got: usize,
    },
    /// A key that is not an uncompressed SEC1 point (first byte must be 0x04).
    NotUncompressedPoint,
    /// encP empty or not a multiple of 16 bytes.
    NotBlockMultiple {
        /// What the value decoded to.
        got: usize,
    },
    /// encP longer than `CONFIG_LWM2M_NUSIM_ENCP_MAX_SIZE` (or text longer than the buffer).
    TooLong {
        /// The configured maximum.
        max: usize,
    },
}

impl crate::log::Describe for ValueError {
    fn describe(&self, l: &mut crate::log::Line) {
        match *self {
            ValueError::NotHexOrBase64 => l.push(b"neither hex nor base64"),
            ValueError::WrongLength { expected, got } => {
                l.push(b"length ");
                l.int(got as i64);
                l.push(b", not ");
                l.int(expected as i64);
            }
            ValueError::NotUncompressedPoint => l.push(b"not an uncompressed point"),
            ValueError::NotBlockMultiple { got } => {
                l.push(b"length ");
                l.int(got as i64);
                l.push(b", not a multiple of 16");
            }
            ValueError::TooLong { max } => {
                l.push(b"longer than ");
                l.int(max as i64);
            }
        }
    }
}

impl Field {
    /// All fields, in resource ID order.
    pub const ALL: [Field; 7] = [
        Field::EncP,
        Field::Mac,
        Field::EKpubDP,
        Field::SigEKpubDP,
        Field::KpubDP,
        Field::SigKpubDP,
        Field::KpubCI,
    ];

    /// The field of resource `res`, if it is one of 0..=6.
    pub fn from_res(res: u16) -> Option<Field> {
        Self::ALL.get(usize::from(res)).copied()
    }

    /// Where the field sits in the vendor wire format: eKpubDP, mac, SigEKpubDP, KpubDP,
    /// SigKpubDP, KpubCI, encP.
    pub const fn wire_offset(self) -> usize {
        match self {
            Field::EKpubDP => 0,
            Field::Mac => 65,
            Field::SigEKpubDP => 81,
            Field::KpubDP => 145,
            Field::SigKpubDP => 210,
            Field::KpubCI => 274,
            Field::EncP => 339,
        }
    }

    /// Fixed decoded length, or `None` for encP.
    pub const fn fixed_len(self) -> Option<usize> {
        match self {
            Field::EncP => None,
            Field::Mac => Some(MAC_LEN),
            Field::SigEKpubDP | Field::SigKpubDP => Some(SIG_LEN),
            Field::EKpubDP | Field::KpubDP | Field::KpubCI => Some(POINT_LEN),
        }
    }

    fn is_point(self) -> bool {
        matches!(self, Field::EKpubDP | Field::KpubDP | Field::KpubCI)
    }

    /// Checks a decoded length (and, for keys, the leading byte) against the rule.
    pub fn check(self, bytes: &[u8], encp_max: usize) -> Result<(), ValueError> {
        let n = bytes.len();
        self.check_len(n, encp_max)?;
        if self.is_point() && bytes[0] != 0x04 {
            return Err(ValueError::NotUncompressedPoint);
        }
        Ok(())
    }

    fn check_len(self, n: usize, encp_max: usize) -> Result<(), ValueError> {
        match self.fixed_len() {
            Some(expected) if n != expected => Err(ValueError::WrongLength { expected, got: n }),
            Some(_) => Ok(()),
            None if n == 0 => Err(ValueError::NotBlockMultiple { got: n }),
            None if n > encp_max => Err(ValueError::TooLong { max: encp_max }),
            None if n % BLOCK != 0 => Err(ValueError::NotBlockMultiple { got: n }),
            None => Ok(()),
        }
    }

    /// Decodes the text in `buf[..len]` in place and checks it. Returns the decoded length
    /// (the bytes are in `buf[..n]`) and the encoding to answer reads with.
    ///
    /// Text that is all hex digits, of even length, whose half length fits the field, is
    /// taken as hex; anything else as base64. (Base64 text made only of hex digits at exactly
    /// such a length is practically impossible for keys, signatures and ciphertext.)
    pub fn decode(
        self,
        buf: &mut [u8],
        len: usize,
        encp_max: usize,
    ) -> Result<(usize, Encoding), ValueError> {
        let text = buf
            .get(..len)
            .ok_or(ValueError::TooLong { max: encp_max })?;
        if codec::is_hex(text) {
            match self.check_len(len / 2, encp_max) {
                Ok(()) => {
                    let (n, enc) =
                        codec::decode_hex(buf, len).map_err(|_| ValueError::NotHexOrBase64)?;
                    self.check(&buf[..n], encp_max)?;
                    return Ok((n, enc));
                }
                // Hex of the wrong size: unless it happens to be valid base64 of the right
                // size, report it as the hex it most likely is.
                Err(hex_err) => return self.decode_base64(buf, len, encp_max).map_err(|_| hex_err),
            }
        }
        self.decode_base64(buf, len, encp_max)
    }

    fn decode_base64(
        self,
        buf: &mut [u8],
        len: usize,
        encp_max: usize,
    ) -> Result<(usize, Encoding), ValueError> {
        let (n, enc) = codec::decode_base64(buf, len).map_err(|e| match e {
            DecodeError::NotHexOrBase64 => ValueError::NotHexOrBase64,
            DecodeError::TooLong => ValueError::TooLong { max: encp_max },
        })?;
        self.check(&buf[..n], encp_max)?;
        Ok((n, enc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::format;

    #[test]
    fn offsets_follow_the_vendor_order() {
        let order = [
            Field::EKpubDP,
            Field::Mac,
            Field::SigEKpubDP,
            Field::KpubDP,
            Field::SigKpubDP,
            Field::KpubCI,
        ];
        let mut off = 0;
        for f in order {
            assert_eq!(f.wire_offset(), off, "{f:?}");
            off += f.fixed_len().unwrap();
        }
        assert_eq!(Field::EncP.wire_offset(), off);
        assert_eq!(HEADER_LEN, 339);
    }

    fn dec(f: Field, t: &str) -> Result<(usize, Encoding), ValueError> {
        let mut b = [0u8; 4096];
        b[..t.len()].copy_from_slice(t.as_bytes());
        f.decode(&mut b, t.len(), 1024)
    }

    #[test]
    fn rules() {
        let point = format!("04{}", "ab".repeat(64));
        assert_eq!(dec(Field::KpubCI, &point), Ok((65, Encoding::HexLower)));
        let bad = format!("05{}", "ab".repeat(64));
        assert_eq!(
            dec(Field::KpubDP, &bad),
            Err(ValueError::NotUncompressedPoint)
        );
        assert_eq!(
            dec(Field::SigKpubDP, &"00".repeat(63)),
            Err(ValueError::WrongLength {
                expected: 64,
                got: 63
            })
        );
        assert_eq!(
            dec(Field::Mac, &"0F".repeat(16)),
            Ok((16, Encoding::HexUpper))
        );
        assert_eq!(
            dec(Field::EncP, &"00".repeat(24)),
            Err(ValueError::NotBlockMultiple { got: 24 })
        );
        assert_eq!(dec(Field::EncP, &"00".repeat(1024)).map(|r| r.0), Ok(1024));
        assert_eq!(
            dec(Field::EncP, &"00".repeat(1040)),
            Err(ValueError::TooLong { max: 1024 })
        );
        assert_eq!(
            dec(Field::Mac, "not base64!"),
            Err(ValueError::NotHexOrBase64)
        );
        // 16 bytes as unpadded base64
        assert_eq!(
            dec(Field::Mac, "AAECAwQFBgcICQoLDA0ODw"),
            Ok((16, Encoding::Base64Unpadded))
        );
    }
}
