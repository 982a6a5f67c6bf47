//! The modem's side of the dialect: what a command line asks for. Used by the emulator the
//! driver is tested against, and fuzzed like the driver's parser.

use crate::{parse_u16, trim};

/// A command the nuSIM dialect knows.
#[derive(Debug, PartialEq, Eq)]
pub enum Command<'a> {
    /// `SETPROFILE` with its package, hex-decoded.
    SetProfile(&'a [u8]),
    /// `GETEID`.
    GetEid,
    /// `AT+NCCID`.
    GetIccid,
    /// `GETCERTIFICATE`.
    GetCertificate,
    /// `GETCAPABILITIES`.
    GetCapabilities,
    /// A bare `AT`.
    Attention,
}

/// Why a command line was not understood.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommandError {
    /// Not a command of this dialect (the modem answers `ERROR`).
    Unknown,
    /// A known command with bad arguments (the modem answers `+CME ERROR: 50`).
    Syntax,
}

/// Parses one command line (without its CR). SETPROFILE's hex is decoded in place, which
/// is why the line is taken mutably.
pub fn parse_command(line: &mut [u8]) -> Result<Command<'_>, CommandError> {
    let text = trim(line);
    if text.eq_ignore_ascii_case(b"AT") {
        return Ok(Command::Attention);
    }
    let simple = [
        (&b"AT+NSESIM=GETEID"[..], Command::GetEid),
        (b"AT+NCCID", Command::GetIccid),
        (b"AT+NSESIM=GETCERTIFICATE", Command::GetCertificate),
        (b"AT+NSESIM=GETCAPABILITIES", Command::GetCapabilities),
    ];
    for (name, cmd) in simple {
        if text.eq_ignore_ascii_case(name) {
            return Ok(cmd);
        }
    }
    const SET: &[u8] = b"AT+NSESIM=SETPROFILE,";
    if text.len() < SET.len() || !text[..SET.len()].eq_ignore_ascii_case(SET) {
        return Err(CommandError::Unknown);
    }
    // Offsets into `line` (trim only drops spaces at the ends).
    let start = line.iter().position(|&c| c != b' ').unwrap_or(0) + SET.len();
    let end = start + (text.len() - SET.len());
    let args = &line[start..end];
    let comma = args
        .iter()
        .position(|&c| c == b',')
        .ok_or(CommandError::Syntax)?;
    let len = usize::from(parse_u16(&args[..comma]).ok_or(CommandError::Syntax)?);
    let hex_start = start + comma + 1;
    if end - hex_start != 2 * len || len == 0 {
        return Err(CommandError::Syntax);
    }
    for i in 0..len {
        let (h, l) = (line[hex_start + 2 * i], line[hex_start + 2 * i + 1]);
        let (Some(h), Some(l)) = (
            nusim_core::codec::hex_value(h),
            nusim_core::codec::hex_value(l),
        ) else {
            return Err(CommandError::Syntax);
        };
        // In place: byte i is written at or before the digits 2i, 2i+1 it came from.
        line[hex_start + i] = h << 4 | l;
    }
    Ok(Command::SetProfile(&line[hex_start..hex_start + len]))
}
