//! The module's log messages, without `core::fmt`.
//!
//! A message is a static text with `{}` where an argument goes; the arguments are numbers,
//! bytes shown as text, or values that describe themselves ([`Describe`]: the errors, the
//! result codes, the record keys). [`Line::format`] puts them together in a bounded line
//! on the stack (cut at [`LINE_MAX`] bytes), and [`crate::platform::Platform::log`] hands
//! the line on: on the device to Zephyr's log (which, in its deferred mode, prints it
//! later from its own thread). Levels the platform does not take
//! ([`crate::platform::Platform::LOG_LEVEL`]) are not compiled in. `core::fmt` is never linked for this: its number and padding
//! machinery alone is about 8 KB of flash on Cortex-M.
//!
//! ```
//! use nusim_core::log::{Arg, Line};
//! use nusim_core::result::LoadResult;
//! let r = LoadResult::MacMismatch;
//! let l = Line::format("nuSIM load failed: result {} ({})", &[Arg::from(r as u8), Arg::from(&r)]);
//! assert_eq!(l.as_bytes(), b"nuSIM load failed: result 9 (MAC mismatch)");
//! ```

/// Zephyr's log levels (`LOG_LEVEL_ERR` .. `LOG_LEVEL_DBG`).
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Something failed that the module cannot mend by itself.
    Error = 1,
    /// A request was refused or something went wrong that the module handles.
    Warn = 2,
    /// What a switch did.
    Info = 3,
    /// Details for development.
    Debug = 4,
}

/// The longest line, in bytes; longer ones are cut.
pub const LINE_MAX: usize = 120;

/// A value that writes a short description of itself into a log line.
pub trait Describe {
    /// Appends the description to `l`.
    fn describe(&self, l: &mut Line);
}

/// One argument of a message.
#[derive(Clone, Copy)]
pub enum Arg<'a> {
    /// A number, in decimal.
    Int(i64),
    /// Bytes shown as text: printable ASCII as it is, anything else as `\xNN`.
    Text(&'a [u8]),
    /// A value that describes itself.
    Value(&'a dyn Describe),
}

macro_rules! int_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg<'_> {
            fn from(v: $t) -> Self {
                Arg::Int(v.into())
            }
        }
    )*};
}
int_arg!(u8, u16, u32, i32, i64);

/// Saturates at `i64::MAX` (a value read from flash may be anything).
impl From<u64> for Arg<'_> {
    fn from(v: u64) -> Self {
        Arg::Int(i64::try_from(v).unwrap_or(i64::MAX))
    }
}

/// Saturates at `i64::MAX`.
impl From<usize> for Arg<'_> {
    fn from(v: usize) -> Self {
        Arg::Int(i64::try_from(v).unwrap_or(i64::MAX))
    }
}

impl<'a> From<&'a [u8]> for Arg<'a> {
    fn from(v: &'a [u8]) -> Self {
        Arg::Text(v)
    }
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(v: &'a str) -> Self {
        Arg::Text(v.as_bytes())
    }
}

impl<'a, T: Describe> From<&'a T> for Arg<'a> {
    fn from(v: &'a T) -> Self {
        Arg::Value(v)
    }
}

/// A log line being put together: bounded, on the stack.
pub struct Line {
    buf: [u8; LINE_MAX],
    len: usize,
}

impl Line {
    /// An empty line.
    pub const fn new() -> Self {
        Line {
            buf: [0; LINE_MAX],
            len: 0,
        }
    }

    /// `msg` with each `{}` replaced by the next argument. A `{}` without an argument stays
    /// as it is; arguments without a `{}` are left out.
    pub fn format(msg: &str, args: &[Arg]) -> Self {
        let mut l = Line::new();
        let mut args = args.iter();
        let mut rest = msg.as_bytes();
        while let Some(i) = rest.windows(2).position(|w| w == b"{}") {
            l.push(&rest[..i]);
            match args.next() {
                Some(a) => l.arg(a),
                None => l.push(b"{}"),
            }
            rest = &rest[i + 2..];
        }
        l.push(rest);
        l
    }

    /// Appends bytes as they are (cut at the end of the line).
    pub fn push(&mut self, s: &[u8]) {
        let n = s.len().min(LINE_MAX - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&s[..n]);
        self.len += n;
    }

    /// Appends a number in decimal.
    pub fn int(&mut self, v: i64) {
        if v < 0 {
            self.push(b"-");
        }
        let mut v = v.unsigned_abs();
        let mut d = [0u8; 20];
        let mut i = d.len();
        loop {
            i -= 1;
            d[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        self.push(&d[i..]);
    }

    /// Appends bytes as text: printable ASCII as it is, anything else as `\xNN`.
    pub fn text(&mut self, s: &[u8]) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        for &c in s {
            if (0x20..0x7f).contains(&c) {
                self.push(&[c]);
            } else {
                self.push(&[
                    b'\\',
                    b'x',
                    HEX[usize::from(c >> 4)],
                    HEX[usize::from(c & 15)],
                ]);
            }
        }
    }

    fn arg(&mut self, a: &Arg) {
        match *a {
            Arg::Int(v) => self.int(v),
            Arg::Text(t) => self.text(t),
            Arg::Value(d) => d.describe(self),
        }
    }

    /// The line so far.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl Default for Line {
    fn default() -> Self {
        Self::new()
    }
}

/// Whether platform `P` logs `level` (a constant: the branch folds away).
#[inline(always)]
pub fn takes<P: crate::platform::Platform + ?Sized>(_: &P, level: Level) -> bool {
    level as u8 <= P::LOG_LEVEL
}

/// Formats `msg` with `args` and hands the line to the platform, if its
/// [`crate::platform::Platform::LOG_LEVEL`] takes `level`. One copy per platform, called
/// from every line: [`log!`](crate::log!) checks the level first, at the call site, so a
/// level the platform does not take leaves no text in the build.
#[inline(never)]
pub fn emit<P: crate::platform::Platform + ?Sized>(
    p: &mut P,
    level: Level,
    msg: &str,
    args: &[Arg],
) {
    if !takes(p, level) {
        return;
    }
    let l = Line::format(msg, args);
    p.log(level, l.as_bytes());
}

/// `log!(p, Warn, "507/{}/{} refused: {}", inst, res, &e)`: formats and hands the line to
/// platform `p` at that level. Arguments go through [`Arg::from`]: integers, `&[u8]`,
/// `&str`, and `&T` for `T:` [`Describe`].
#[macro_export]
macro_rules! log {
    ($p:expr, $level:ident, $msg:literal $(, $a:expr)* $(,)?) => {
        // The arguments are not even evaluated at a level the platform does not take.
        if $crate::log::takes($p, $crate::log::Level::$level) {
            $crate::log::emit(
                $p,
                $crate::log::Level::$level,
                $msg,
                &[$($crate::log::Arg::from($a)),*],
            )
        }
    };
}

/// Implements [`Describe`] for a field-less enum: each variant and its words.
macro_rules! describe_names {
    ($t:ty { $($v:ident => $s:literal),* $(,)? }) => {
        impl $crate::log::Describe for $t {
            fn describe(&self, l: &mut $crate::log::Line) {
                l.push(match self { $(Self::$v => $s),* }.as_bytes());
            }
        }
    };
}
pub(crate) use describe_names;

#[cfg(test)]
mod tests {
    use super::*;

    struct Two(u8);
    impl Describe for Two {
        fn describe(&self, l: &mut Line) {
            l.push(b"two ");
            l.int(i64::from(self.0));
        }
    }

    #[test]
    fn placeholders_take_the_arguments_in_order() {
        let l = Line::format(
            "a {} b {} c {} d",
            &[Arg::from(-12i32), Arg::from("x\u{1}y"), Arg::from(&Two(7))],
        );
        assert_eq!(l.as_bytes(), b"a -12 b x\\x01y c two 7 d");
        assert_eq!(Line::format("{} {}", &[Arg::from(1u8)]).as_bytes(), b"1 {}");
        assert_eq!(Line::format("none", &[Arg::from(1u8)]).as_bytes(), b"none");
        assert_eq!(
            Line::format("{}", &[Arg::from(i64::MIN)]).as_bytes(),
            b"-9223372036854775808"
        );
    }

    #[test]
    fn a_long_line_is_cut_at_the_maximum() {
        let long = [b'z'; 200];
        let l = Line::format("{}{}", &[Arg::from(&long[..]), Arg::from(5u8)]);
        assert_eq!(l.as_bytes(), &long[..LINE_MAX]);
        let mut l = Line::format("{}", &[Arg::from(&long[..LINE_MAX - 1])]);
        l.text(&[0xff]);
        assert_eq!(l.as_bytes().len(), LINE_MAX);
    }
}
