//! The nuSIM AT dialect of the public vendor wire format (`AT+NSESIM=...`).
//!
//! * [`write_command`] streams a command line (the 2.7 kB `SETPROFILE` line is never held
//!   in memory).
//! * [`LineBuf`] cuts the modem's byte stream into lines in a fixed buffer; longer lines are
//!   discarded and reported, never overflow anything.
//! * [`Exchange`] classifies the lines of one answer: echo, unsolicited lines and garbage are
//!   skipped; the information line of the request is decoded and checked; `OK`, `ERROR` or
//!   `+CME ERROR: <n>` end it.
//! * [`transact`] runs one command over a [`Port`] with a deadline, so a silent or babbling
//!   modem ends in [`AtError::Timeout`], never a hang. After a timeout it reads on until
//!   the line has been quiet for [`quiet_ms`] (at most the command's timeout again), so
//!   a late answer is not taken for the next command's; the caller treats the chip's
//!   state after a timed-out command as unknown.
//!
//! The modem side ([`parse_command`]) is here too, for the emulator the tests run against.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod line;
mod modem;

pub use line::{Line, LineBuf};
pub use modem::{parse_command, Command, CommandError};
pub use nusim_core::text::{fmt_decimal, is_eid, is_iccid, parse_u16};

use nusim_core::codec::{self, hex_value, Encoding};

/// What a command asks the modem for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request {
    /// `AT+NSESIM=SETPROFILE,<len>,<HEX>`: load a package; answers `+SETPROFILE: <ICCID>`.
    SetProfile,
    /// `AT+NSESIM=GETEID`: answers `+GETEID: <32 digits>`.
    GetEid,
    /// `AT+NCCID`: the current profile's ICCID; answers `+NCCID: <ICCID>` (empty: none).
    GetIccid,
    /// `AT+NSESIM=GETCERTIFICATE`: answers `+GETCERTIFICATE: <DER as hex>`.
    GetCertificate,
    /// `AT+NSESIM=GETCAPABILITIES`: answers `+GETCAPABILITIES: <version>,<features>`, two
    /// hex digits each.
    GetCapabilities,
}

impl Request {
    /// The command text up to (not including) any arguments.
    pub fn command(self) -> &'static [u8] {
        match self {
            Request::SetProfile => b"AT+NSESIM=SETPROFILE",
            Request::GetEid => b"AT+NSESIM=GETEID",
            Request::GetIccid => b"AT+NCCID",
            Request::GetCertificate => b"AT+NSESIM=GETCERTIFICATE",
            Request::GetCapabilities => b"AT+NSESIM=GETCAPABILITIES",
        }
    }

    /// The prefix of the information line that carries the answer, colon included.
    pub fn info_prefix(self) -> &'static [u8] {
        match self {
            Request::SetProfile => b"+SETPROFILE:",
            Request::GetEid => b"+GETEID:",
            Request::GetIccid => b"+NCCID:",
            Request::GetCertificate => b"+GETCERTIFICATE:",
            Request::GetCapabilities => b"+GETCAPABILITIES:",
        }
    }
}

/// Why a command did not give a usable answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AtError {
    /// The modem answered `+CME ERROR: <n>` (the nuSIM reason code) or a bare `ERROR` (4).
    Modem(u16),
    /// No final result code before the deadline (silent modem, endless output).
    Timeout,
    /// `OK` without the information line, a second information line, or a value that is
    /// not what the request returns (bad digits, bad hex, wrong length).
    Malformed,
    /// A line longer than the parser's buffer (other than an echo of our command).
    Overlong,
    /// The value does not fit the caller's buffer.
    TooLarge,
    /// The port failed (negative errno).
    Port(i32),
}

impl nusim_core::log::Describe for AtError {
    fn describe(&self, l: &mut nusim_core::log::Line) {
        match *self {
            AtError::Modem(code) => {
                l.push(b"modem error ");
                l.int(i64::from(code));
            }
            AtError::Timeout => l.push(b"timeout"),
            AtError::Malformed => l.push(b"malformed answer"),
            AtError::Overlong => l.push(b"line too long"),
            AtError::TooLarge => l.push(b"value too large"),
            AtError::Port(e) => {
                l.push(b"UART error ");
                l.int(i64::from(e));
            }
        }
    }
}

impl nusim_core::log::Describe for Request {
    fn describe(&self, l: &mut nusim_core::log::Line) {
        l.push(match self {
            Request::SetProfile => b"SETPROFILE",
            Request::GetEid => b"GETEID",
            Request::GetIccid => b"NCCID",
            Request::GetCertificate => b"GETCERTIFICATE",
            Request::GetCapabilities => b"GETCAPABILITIES",
        });
    }
}

/// How long the line must stay silent, after a command with timeout `timeout_ms` timed
/// out, before the next command may be sent: a quarter of the timeout, from 100 ms to 2 s.
pub fn quiet_ms(timeout_ms: u32) -> u32 {
    (timeout_ms / 4).clamp(100, 2000)
}

/// Reason code of a bare `ERROR`: general error.
pub const GENERAL_ERROR: u16 = nusim_core::result::reason::GENERAL;

/// Streams the command line of `req` to `out` in chunks of at most 64 bytes: for
/// [`Request::SetProfile`] with `pkg` as upper-case hex after its byte length. Ends with CR.
pub fn write_command<E>(
    req: Request,
    pkg: &[u8],
    out: &mut impl FnMut(&[u8]) -> Result<(), E>,
) -> Result<(), E> {
    out(req.command())?;
    if req == Request::SetProfile {
        let mut num = [0u8; 24];
        let n = fmt_decimal(pkg.len(), &mut num);
        out(b",")?;
        out(&num[num.len() - n..])?;
        out(b",")?;
        let mut chunk = [0u8; 64];
        for part in pkg.chunks(32) {
            let n = codec::encode(part, Encoding::HexUpper, &mut chunk).unwrap_or(0);
            out(&chunk[..n])?;
        }
    }
    out(b"\r")
}

/// `s` without leading and trailing spaces.
pub fn trim(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&c| c != b' ').unwrap_or(s.len());
    let end = s.iter().rposition(|&c| c != b' ').map_or(start, |e| e + 1);
    &s[start..end]
}

/// Decodes hex `s` (even length, either case) into `out`; the byte count.
pub fn decode_hex(s: &[u8], out: &mut [u8]) -> Result<usize, AtError> {
    if s.len() % 2 != 0 {
        return Err(AtError::Malformed);
    }
    if s.len() / 2 > out.len() {
        return Err(AtError::TooLarge);
    }
    for (i, pair) in s.chunks(2).enumerate() {
        let (Some(h), Some(l)) = (hex_value(pair[0]), hex_value(pair[1])) else {
            return Err(AtError::Malformed);
        };
        out[i] = h << 4 | l;
    }
    Ok(s.len() / 2)
}

/// The answer to one request, line by line.
pub struct Exchange<'a> {
    req: Request,
    out: &'a mut [u8],
    value_len: Option<usize>,
    fault: Option<AtError>,
}

impl<'a> Exchange<'a> {
    /// Expects the answer to `req`; its value goes to `out` (text for EID and ICCID, bytes
    /// for certificate and capabilities).
    pub fn new(req: Request, out: &'a mut [u8]) -> Self {
        Exchange {
            req,
            out,
            value_len: None,
            fault: None,
        }
    }

    /// Takes one line; `Some` once a final result code ended the answer: the value's length
    /// in `out`, or why there is none.
    pub fn line(&mut self, line: Line<'_>) -> Option<Result<usize, AtError>> {
        let text = match line {
            Line::Text(t) => t,
            // An echo of the 2.7 kB SETPROFILE line is expected; anything else that long
            // cannot be trusted, and the answer it belongs to is void.
            Line::Overlong { echo: true } => return None,
            Line::Overlong { echo: false } => {
                self.fault.get_or_insert(AtError::Overlong);
                return None;
            }
        };
        let text = trim(text);
        if text == b"OK" {
            return Some(match (self.fault, self.value_len) {
                (Some(f), _) => Err(f),
                (None, Some(n)) => Ok(n),
                (None, None) => Err(AtError::Malformed),
            });
        }
        if text == b"ERROR" {
            return Some(Err(AtError::Modem(GENERAL_ERROR)));
        }
        if let Some(code) = text.strip_prefix(b"+CME ERROR:") {
            return Some(Err(
                parse_u16(trim(code)).map_or(AtError::Malformed, AtError::Modem)
            ));
        }
        if is_echo(text) {
            return None;
        }
        if let Some(value) = text.strip_prefix(self.req.info_prefix()) {
            if self.value_len.is_some() {
                self.fault.get_or_insert(AtError::Malformed);
            } else {
                match self.decode(trim(value)) {
                    Ok(n) => self.value_len = Some(n),
                    Err(e) => {
                        self.fault.get_or_insert(e);
                    }
                }
            }
            return None;
        }
        // An unsolicited result code or garbage: not part of this answer.
        None
    }

    fn decode(&mut self, v: &[u8]) -> Result<usize, AtError> {
        match self.req {
            Request::SetProfile | Request::GetIccid | Request::GetEid => {
                let ok = match self.req {
                    Request::GetEid => is_eid(v),
                    Request::GetIccid => v.is_empty() || is_iccid(v),
                    _ => is_iccid(v),
                };
                if !ok {
                    return Err(AtError::Malformed);
                }
                // Text goes out NUL-terminated.
                if v.len() >= self.out.len() {
                    return Err(AtError::TooLarge);
                }
                self.out[..v.len()].copy_from_slice(v);
                self.out[v.len()] = 0;
                Ok(v.len())
            }
            // DER of exactly its own declared length: a line that lost bytes (an even
            // number of hex digits keeps the hex valid) is refused, not served.
            Request::GetCertificate => match decode_hex(v, self.out)? {
                n if der_len(&self.out[..n]) == Some(n) => Ok(n),
                _ => Err(AtError::Malformed),
            },
            Request::GetCapabilities => {
                let mut parts = v.split(|&c| c == b',');
                let (Some(ver), Some(feat), None) = (parts.next(), parts.next(), parts.next())
                else {
                    return Err(AtError::Malformed);
                };
                let (ver, feat) = (trim(ver), trim(feat));
                if ver.len() != 2 || feat.len() != 2 {
                    return Err(AtError::Malformed);
                }
                if self.out.len() < 2 {
                    return Err(AtError::TooLarge);
                }
                let mut b = [0u8; 2];
                decode_hex(ver, &mut b[..1])?;
                decode_hex(feat, &mut b[1..])?;
                self.out[..2].copy_from_slice(&b);
                Ok(2)
            }
        }
    }
}

/// The total length (header and content) that a DER SEQUENCE at the start of `b`
/// declares, if `b` starts with one whose length fits in up to three bytes.
pub fn der_len(b: &[u8]) -> Option<usize> {
    if b.first() != Some(&0x30) {
        return None;
    }
    let first = usize::from(*b.get(1)?);
    if first < 0x80 {
        return Some(2 + first);
    }
    let n = first - 0x80;
    if !(1..=3).contains(&n) {
        return None;
    }
    let len = b
        .get(2..2 + n)?
        .iter()
        .fold(0, |a, &x| a << 8 | usize::from(x));
    // Minimal encoding: a long form for what the short form holds is not DER.
    if len < 0x80 || (n > 1 && len >> (8 * (n - 1)) == 0) {
        return None;
    }
    Some(2 + n + len)
}

/// A line that starts with `AT` (any case): the modem echoing a command (ATE1).
fn is_echo(text: &[u8]) -> bool {
    text.len() >= 2 && text[..2].eq_ignore_ascii_case(b"AT")
}

/// The byte link to the modem, with a clock.
pub trait Port {
    /// Sends all of `data`; a negative errno on failure.
    fn write(&mut self, data: &[u8]) -> Result<(), i32>;
    /// Waits up to `timeout_ms` for input and reads what is there into `buf` (at least one
    /// byte unless the time ran out: then 0). A negative errno on failure.
    fn read(&mut self, buf: &mut [u8], timeout_ms: u32) -> Result<usize, i32>;
    /// Throws away input that is already waiting (late answers to an earlier command).
    fn discard_input(&mut self);
    /// A monotonic clock in milliseconds.
    fn now_ms(&mut self) -> u64;

    /// Reads and drops input until none has come for `quiet_ms`, or `max_ms` passed.
    fn drain_until_quiet(&mut self, quiet_ms: u32, max_ms: u32) {
        let end = self.now_ms().saturating_add(u64::from(max_ms));
        let mut sink = [0u8; 64];
        while self.now_ms() < end {
            match self.read(&mut sink, quiet_ms) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    }
}

/// Sends `req` (with `pkg` for SETPROFILE) and parses the answer into `out` within
/// `timeout_ms`, using `lines` as the line buffer. The value's length, or why not.
pub fn transact<P: Port, const N: usize>(
    port: &mut P,
    lines: &mut LineBuf<N>,
    req: Request,
    pkg: &[u8],
    out: &mut [u8],
    timeout_ms: u32,
) -> Result<usize, AtError> {
    port.discard_input();
    lines.clear();
    write_command(req, pkg, &mut |b| port.write(b)).map_err(AtError::Port)?;
    let deadline = port.now_ms().saturating_add(u64::from(timeout_ms));
    let mut ex = Exchange::new(req, out);
    let mut chunk = [0u8; 64];
    loop {
        let now = port.now_ms();
        if now >= deadline {
            // The answer may still come: let it pass before anything else is sent.
            port.drain_until_quiet(quiet_ms(timeout_ms), timeout_ms);
            return Err(AtError::Timeout);
        }
        let wait = u32::try_from(deadline - now).unwrap_or(u32::MAX);
        let n = port.read(&mut chunk, wait).map_err(AtError::Port)?;
        for &b in &chunk[..n.min(chunk.len())] {
            if let Some(line) = lines.push(b) {
                if let Some(done) = ex.line(line) {
                    return done;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
