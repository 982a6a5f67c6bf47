//! Text codecs for the String resources of Object 507.
//!
//! The registry only says "String". In the field, keys, signatures and encP travel as base64
//! and mac as hex, so every 507 resource accepts both. A value is decoded on write and kept
//! as bytes together with the [`Encoding`] it came in; a read re-encodes it, so the server
//! gets back the text it wrote (mixed-case hex comes back upper-case, see [`Encoding`]).

/// How a value was written, so that a read can return it in the same encoding.
///
/// `Unset` is zero so that an all-zero profile (a `.bss` static) means "never written".
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Encoding {
    /// Not written yet.
    #[default]
    Unset = 0,
    /// RFC 4648 base64, standard alphabet, with `=` padding.
    Base64Padded = 1,
    /// RFC 4648 base64, standard alphabet, padding omitted.
    Base64Unpadded = 2,
    /// Hex digits, upper case (also what mixed-case input reads back as).
    HexUpper = 3,
    /// Hex digits, lower case.
    HexLower = 4,
}

/// Why a text value could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// The text is neither hex nor canonical base64 (bad character, bad length or padding,
    /// non-zero trailing bits).
    NotHexOrBase64,
    /// The decoded value does not fit the output buffer.
    TooLong,
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn b64_value(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// The value of one hex digit (either case).
pub fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// True if `text` is a non-empty, even-length run of hex digits.
pub fn is_hex(text: &[u8]) -> bool {
    !text.is_empty() && text.len() % 2 == 0 && text.iter().all(|&c| hex_value(c).is_some())
}

/// Decodes the hex text in `buf[..len]` (either case) in place, into `buf[..len / 2]`;
/// returns the byte count and the case seen.
pub fn decode_hex(buf: &mut [u8], len: usize) -> Result<(usize, Encoding), DecodeError> {
    let text = buf.get(..len).ok_or(DecodeError::TooLong)?;
    if !is_hex(text) {
        return Err(DecodeError::NotHexOrBase64);
    }
    let lower = text.iter().any(u8::is_ascii_lowercase);
    let upper = text.iter().any(u8::is_ascii_uppercase);
    let n = len / 2;
    for i in 0..n {
        // Both digits were checked by is_hex above; byte i is written after 2i and 2i+1 are read.
        buf[i] = (hex_value(buf[2 * i]).unwrap_or(0) << 4) | hex_value(buf[2 * i + 1]).unwrap_or(0);
    }
    let enc = if lower && !upper {
        Encoding::HexLower
    } else {
        Encoding::HexUpper
    };
    Ok((n, enc))
}

/// Decodes the canonical standard-alphabet base64 text in `buf[..len]`, padded or not, in
/// place (the output never overtakes the input); returns the byte count and the padding seen.
pub fn decode_base64(buf: &mut [u8], len: usize) -> Result<(usize, Encoding), DecodeError> {
    let text = buf.get(..len).ok_or(DecodeError::TooLong)?;
    let (body_len, padded) = if text.len() % 4 == 0 && text.ends_with(b"==") {
        (len - 2, true)
    } else if text.len() % 4 == 0 && text.ends_with(b"=") {
        (len - 1, true)
    } else {
        (len, false)
    };
    if body_len == 0 || body_len % 4 == 1 {
        return Err(DecodeError::NotHexOrBase64);
    }
    // Unpadded input must not be a padded length with the padding stripped wrongly: any
    // `=` left in the body is an error below, and a body of len%4 == 0 is never padded.
    if padded && body_len % 4 == 0 {
        return Err(DecodeError::NotHexOrBase64);
    }
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    let mut w = 0usize;
    for r in 0..body_len {
        let v = b64_value(buf[r]).ok_or(DecodeError::NotHexOrBase64)?;
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            // w <= 6r/8 < r + 1: the byte written was already read.
            buf[w] = (acc >> bits) as u8;
            w += 1;
            acc &= (1 << bits) - 1;
        }
    }
    // Canonical form only: leftover bits must be zero, so that a re-encode is identical.
    if acc != 0 {
        return Err(DecodeError::NotHexOrBase64);
    }
    let enc = if padded || body_len % 4 == 0 {
        Encoding::Base64Padded
    } else {
        Encoding::Base64Unpadded
    };
    Ok((w, enc))
}

/// Text length of `n` bytes in `enc` (without a terminating NUL).
pub const fn encoded_len(n: usize, enc: Encoding) -> usize {
    match enc {
        Encoding::Unset => 0,
        Encoding::HexUpper | Encoding::HexLower => 2 * n,
        Encoding::Base64Padded => n.div_ceil(3) * 4,
        Encoding::Base64Unpadded => (n * 4).div_ceil(3),
    }
}

/// Encodes `bytes` as `enc` into `out`; returns the text length, or `None` if `out` is short.
pub fn encode(bytes: &[u8], enc: Encoding, out: &mut [u8]) -> Option<usize> {
    let len = encoded_len(bytes.len(), enc);
    let out = out.get_mut(..len)?;
    match enc {
        Encoding::Unset => {}
        Encoding::HexUpper | Encoding::HexLower => {
            let digits: &[u8; 16] = if enc == Encoding::HexUpper {
                b"0123456789ABCDEF"
            } else {
                b"0123456789abcdef"
            };
            for (pair, b) in out.chunks_exact_mut(2).zip(bytes) {
                pair[0] = digits[usize::from(b >> 4)];
                pair[1] = digits[usize::from(b & 0xf)];
            }
        }
        Encoding::Base64Padded | Encoding::Base64Unpadded => {
            let mut w = 0;
            for chunk in bytes.chunks(3) {
                let b = [
                    chunk[0],
                    chunk.get(1).copied().unwrap_or(0),
                    chunk.get(2).copied().unwrap_or(0),
                ];
                let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
                let emit = chunk.len() + 1;
                for i in 0..4 {
                    if i < emit {
                        out[w] = B64[((v >> (18 - 6 * i)) & 0x3f) as usize];
                        w += 1;
                    } else if enc == Encoding::Base64Padded {
                        out[w] = b'=';
                        w += 1;
                    }
                }
            }
        }
    }
    Some(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KPUBCI_HEX: &str = "04451669370A39C14AA166048A939C6061DC6066418E885FB71B4D595647E02DA287553A538A081B2CBCE2EEC79043F4DC674371456FBA5D818BE58B35393B3BF4";
    const KPUBCI_B64: &str =
        "BEUWaTcKOcFKoWYEipOcYGHcYGZBjohftxtNWVZH4C2ih1U6U4oIGyy84u7HkEP03GdDcUVvul2Bi+WLNTk7O/Q=";

    fn hex(t: &[u8]) -> Result<([u8; 200], usize, Encoding), DecodeError> {
        let mut b = [0u8; 200];
        b[..t.len()].copy_from_slice(t);
        decode_hex(&mut b, t.len()).map(|(n, e)| (b, n, e))
    }

    fn b64(t: &[u8]) -> Result<([u8; 200], usize, Encoding), DecodeError> {
        let mut b = [0u8; 200];
        b[..t.len()].copy_from_slice(t);
        decode_base64(&mut b, t.len()).map(|(n, e)| (b, n, e))
    }

    #[test]
    fn public_vector_base64_and_hex_agree() {
        let (a, na, ea) = hex(KPUBCI_HEX.as_bytes()).unwrap();
        let (b, nb, eb) = b64(KPUBCI_B64.as_bytes()).unwrap();
        assert_eq!((na, nb), (65, 65));
        assert_eq!(a[..65], b[..65]);
        assert_eq!(ea, Encoding::HexUpper);
        assert_eq!(eb, Encoding::Base64Padded);
        let mut t = [0u8; 200];
        let n = encode(&b[..65], eb, &mut t).unwrap();
        assert_eq!(&t[..n], KPUBCI_B64.as_bytes());
        let n = encode(&a[..65], ea, &mut t).unwrap();
        assert_eq!(&t[..n], KPUBCI_HEX.as_bytes());
    }

    #[test]
    fn base64_roundtrip_all_lengths_both_paddings() {
        let data: [u8; 20] = core::array::from_fn(|i| (i as u8).wrapping_mul(37) ^ 0xa5);
        for n in 1..data.len() {
            for enc in [Encoding::Base64Padded, Encoding::Base64Unpadded] {
                let mut t = [0u8; 40];
                let tl = encode(&data[..n], enc, &mut t).unwrap();
                let (o, ol, oe) = b64(&t[..tl]).unwrap();
                assert_eq!(&o[..ol], &data[..n]);
                // n % 3 == 0 has no padding to omit: reads back as padded, which is identical.
                if n % 3 != 0 {
                    assert_eq!(oe, enc);
                }
            }
        }
    }

    #[test]
    fn rejects_non_canonical_and_garbage() {
        assert!(b64(b"QR==").is_err()); // trailing bits set
        assert!(b64(b"QQ=").is_err()); // padding on a non-multiple of 4
        assert!(b64(b"Q").is_err());
        assert!(b64(b"QUJD====").is_err());
        assert!(b64(b"QU JD").is_err());
        assert!(b64(b"QUJD\n").is_err());
        assert!(b64(b"").is_err());
        assert!(hex(b"abc").is_err());
        assert!(hex(b"zz").is_err());
        let mut short = [b'a'; 4];
        assert_eq!(decode_hex(&mut short, 6), Err(DecodeError::TooLong));
    }

    #[test]
    fn hex_case_is_kept() {
        assert_eq!(hex(b"abcd").unwrap().2, Encoding::HexLower);
        assert_eq!(hex(b"ABCD").unwrap().2, Encoding::HexUpper);
        assert_eq!(hex(b"aBcD").unwrap().2, Encoding::HexUpper);
        assert_eq!(hex(b"0123").unwrap().2, Encoding::HexUpper);
    }
}
