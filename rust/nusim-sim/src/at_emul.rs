//! A modem that speaks the nuSIM AT dialect on top of the simulated chip, for testing the AT
//! driver end to end (the Zephyr test puts it on the far side of an emulated UART). Besides
//! answering correctly it misbehaves on request: every [`Fault`] is one way a real modem or
//! a noisy line goes wrong.

use crate::SimNusim;
use nusim_at::{parse_command, Command, CommandError, LineBuf};
use nusim_core::codec::{encode, Encoding};

/// How the modem misbehaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Fault {
    /// Answers correctly.
    None = 0,
    /// Echoes each command line first (ATE1).
    Echo = 1,
    /// Unsolicited result codes and binary garbage around and between the answer's lines.
    Noise = 2,
    /// Never answers.
    Silent = 3,
    /// Answers every command with `+CME ERROR: <code>` (see [`AtModem::error_code`]).
    CmeError = 4,
    /// Answers every command with a bare `ERROR`.
    BareError = 5,
    /// The information line, then nothing: no final result code.
    NoFinal = 6,
    /// `OK` without the information line.
    NoInfo = 7,
    /// The information line with a corrupted value (a letter among the digits, odd hex).
    BadValue = 8,
    /// The information line twice.
    DoubleInfo = 9,
    /// A 5000-byte line of junk before the answer.
    Overlong = 10,
    /// Carries out SETPROFILE (the chip installs the profile) but never answers it; other
    /// commands are answered: a modem that lost the answer to a load that worked.
    LoadThenSilent = 11,
    /// Answers SETPROFILE with `+CME ERROR: <code>` (see [`AtModem::error_code`]) and every
    /// other command correctly: a nuSIM that refuses the package behind a working modem.
    LoadRefused = 12,
}

impl Fault {
    /// From its number (the C test passes it as an integer); unknown numbers are `None`.
    pub fn from_u8(v: u8) -> Fault {
        use Fault::*;
        [
            None,
            Echo,
            Noise,
            Silent,
            CmeError,
            BareError,
            NoFinal,
            NoInfo,
            BadValue,
            DoubleInfo,
            Overlong,
            LoadThenSilent,
            LoadRefused,
        ]
        .get(usize::from(v))
        .copied()
        .unwrap_or(None)
    }
}

/// The emulated modem. `L` bounds one command line (a SETPROFILE of the largest package,
/// as hex, plus its prefix).
pub struct AtModem<const L: usize> {
    sim: SimNusim,
    lines: LineBuf<L>,
    /// Current misbehaviour.
    pub fault: Fault,
    /// The code [`Fault::CmeError`] answers.
    pub error_code: u16,
    /// Command lines received (complete, whatever they said).
    pub commands: u32,
}

impl<const L: usize> AtModem<L> {
    /// A modem in front of `sim`, answering correctly.
    pub const fn new(sim: SimNusim) -> Self {
        AtModem {
            sim,
            lines: LineBuf::new(),
            fault: Fault::None,
            error_code: 4,
            commands: 0,
        }
    }

    /// The chip behind the modem.
    pub fn sim(&mut self) -> &mut SimNusim {
        &mut self.sim
    }

    /// Takes bytes the driver sent; for each complete command line, writes the answer to
    /// `out`. `plain` is the chip's scratch for a load (see [`SimNusim::load`]).
    pub fn feed(&mut self, bytes: &[u8], plain: &mut [u8], out: &mut impl FnMut(&[u8])) {
        for &b in bytes {
            let done = self.lines.push(b).is_some();
            if done {
                self.commands = self.commands.wrapping_add(1);
                self.answer(plain, out);
            }
        }
    }

    fn answer(&mut self, plain: &mut [u8], out: &mut impl FnMut(&[u8])) {
        let fault = self.fault;
        let line = self.lines.last_line_mut();
        if fault == Fault::Silent {
            return;
        }
        if fault == Fault::Echo {
            out(line);
            out(b"\r\r\n");
        }
        if fault == Fault::Overlong {
            for _ in 0..100 {
                out(b"#################################################");
            }
            out(b"\r\n");
        }
        let noise = |out: &mut dyn FnMut(&[u8])| {
            if fault == Fault::Noise {
                out(b"\r\n+CEREG: 5\r\n\x00\xfe\x1b[0m junk\r\n");
            }
        };
        noise(out);
        if fault == Fault::CmeError || fault == Fault::BareError {
            return self.final_error(out);
        }
        let (prefix, mut value): (&[u8], Value) = match parse_command(line) {
            Ok(Command::Attention) => return out(b"\r\nOK\r\n"),
            Ok(Command::SetProfile(_)) if fault == Fault::LoadRefused => {
                return self.cme(self.error_code, out)
            }
            Ok(Command::SetProfile(pkg)) => match self.sim.load(pkg, plain) {
                Ok(_) if fault == Fault::LoadThenSilent => return,
                Ok(iccid) => (b"+SETPROFILE: ", Value::text(iccid)),
                Err(code) => {
                    self.error_code = code;
                    return self.cme(code, out);
                }
            },
            Ok(Command::GetEid) => (
                b"+GETEID: ",
                Value::text(self.sim.identity().eid.as_bytes()),
            ),
            Ok(Command::GetIccid) => (b"+NCCID: ", Value::text(self.sim.iccid())),
            Ok(Command::GetCertificate) => (
                b"+GETCERTIFICATE: ",
                Value::Hex(self.sim.identity().cert_der),
            ),
            Ok(Command::GetCapabilities) => (
                b"+GETCAPABILITIES: ",
                Value::Caps(self.sim.identity().capabilities),
            ),
            Err(CommandError::Syntax) => return self.cme(50, out),
            Err(CommandError::Unknown) => return out(b"\r\nERROR\r\n"),
        };
        if fault == Fault::BadValue {
            value.corrupt();
        }
        let times = if fault == Fault::DoubleInfo { 2 } else { 1 };
        if fault != Fault::NoInfo {
            for _ in 0..times {
                out(b"\r\n");
                out(prefix);
                value.write(out);
                out(b"\r\n");
                noise(out);
            }
        }
        if fault != Fault::NoFinal {
            out(b"\r\nOK\r\n");
        }
    }

    fn final_error(&self, out: &mut impl FnMut(&[u8])) {
        if self.fault == Fault::BareError {
            out(b"\r\nERROR\r\n");
        } else {
            self.cme(self.error_code, out);
        }
    }

    fn cme(&self, code: u16, out: &mut impl FnMut(&[u8])) {
        let mut d = [0u8; 24];
        let n = nusim_at::fmt_decimal(usize::from(code), &mut d);
        out(b"\r\n+CME ERROR: ");
        out(&d[d.len() - n..]);
        out(b"\r\n");
    }
}

/// An answer's value, written the way the dialect writes it.
enum Value<'a> {
    Text([u8; 40], usize),
    Hex(&'a [u8]),
    Caps([u8; 2]),
    /// A corrupted value, already as text.
    Raw(&'static [u8]),
}

impl<'a> Value<'a> {
    fn text(t: &[u8]) -> Self {
        let mut b = [0u8; 40];
        let n = t.len().min(40);
        b[..n].copy_from_slice(&t[..n]);
        Value::Text(b, n)
    }

    fn corrupt(&mut self) {
        match self {
            Value::Text(b, n) if *n > 0 => b[*n / 2] = b'X',
            Value::Text(..) => *self = Value::Raw(b"X"),
            Value::Hex(_) => *self = Value::Raw(b"3082F"),
            Value::Caps(_) => *self = Value::Raw(b"1,1"),
            Value::Raw(_) => {}
        }
    }

    fn write(&self, out: &mut impl FnMut(&[u8])) {
        match self {
            Value::Text(b, n) => out(&b[..*n]),
            Value::Hex(bytes) => {
                let mut h = [0u8; 64];
                for chunk in bytes.chunks(32) {
                    let n = encode(chunk, Encoding::HexUpper, &mut h).unwrap_or(0);
                    out(&h[..n]);
                }
            }
            Value::Caps([version, features]) => {
                let mut h = [0u8; 2];
                encode(&[*version], Encoding::HexUpper, &mut h);
                out(&h);
                out(b",");
                encode(&[*features], Encoding::HexUpper, &mut h);
                out(&h);
            }
            Value::Raw(r) => out(r),
        }
    }
}
