//! NUL-terminated text of bounded length, for values served to the engine as C strings,
//! and the small decimal helpers of the AT dialect and the settings names.

/// Writes `v` in decimal right-aligned in `buf`; returns the digit count (the digits are
/// `buf[24 - n..]`).
pub fn fmt_decimal(mut v: usize, buf: &mut [u8; 24]) -> usize {
    let mut n = 0;
    loop {
        buf[buf.len() - 1 - n] = b'0' + (v % 10) as u8;
        n += 1;
        v /= 10;
        if v == 0 {
            return n;
        }
    }
}

/// Parses a decimal number of at most 5 digits that fits `u16`.
pub fn parse_u16(s: &[u8]) -> Option<u16> {
    if s.is_empty() || s.len() > 5 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v = s.iter().fold(0u32, |a, &d| a * 10 + u32::from(d - b'0'));
    u16::try_from(v).ok()
}

/// Up to `N - 1` bytes of text followed by a NUL.
#[derive(Clone, Copy)]
pub struct Text<const N: usize> {
    len: usize,
    buf: [u8; N],
}

/// Equal when the texts are (bytes past the NUL do not count).
impl<const N: usize> PartialEq for Text<N> {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl<const N: usize> Eq for Text<N> {}

impl<const N: usize> core::fmt::Debug for Text<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match core::str::from_utf8(self.as_bytes()) {
            Ok(s) => write!(f, "{s:?}"),
            Err(_) => write!(f, "{:?}", self.as_bytes()),
        }
    }
}

impl<const N: usize> Default for Text<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Text<N> {
    /// Empty text.
    pub const fn new() -> Self {
        Text {
            len: 0,
            buf: [0; N],
        }
    }

    /// Replaces the text; false (and unchanged) if it does not fit or holds a NUL.
    pub fn set(&mut self, s: &[u8]) -> bool {
        if s.len() >= N || s.contains(&0) {
            return false;
        }
        self.buf[..s.len()].copy_from_slice(s);
        self.buf[s.len()] = 0;
        self.len = s.len();
        true
    }

    /// The text without the NUL.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// The text with its NUL, for C.
    pub fn with_nul(&self) -> &[u8] {
        &self.buf[..=self.len.min(N - 1)]
    }
}

/// True if `s` is an ICCID: 18 to 20 decimal digits (ITU-T E.118).
pub fn is_iccid(s: &[u8]) -> bool {
    (18..=20).contains(&s.len()) && s.iter().all(u8::is_ascii_digit)
}

/// True if `s` is an EID: 32 decimal digits.
pub fn is_eid(s: &[u8]) -> bool {
    s.len() == 32 && s.iter().all(u8::is_ascii_digit)
}
