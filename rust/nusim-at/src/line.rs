//! Cutting a byte stream into lines in a fixed buffer.

/// One line of input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Line<'a> {
    /// A complete line, without its terminator; never empty.
    Text(&'a [u8]),
    /// A line longer than the buffer; its bytes are gone. `echo` if it began with `AT`.
    Overlong {
        /// The line began with `AT` (any case): an echoed command.
        echo: bool,
    },
}

/// Assembles lines ended by CR, LF or both, in `N` bytes. Empty lines are skipped; a line
/// longer than `N` is dropped whole and reported once as [`Line::Overlong`]. Any byte value
/// is accepted: what a line means is the caller's business.
pub struct LineBuf<const N: usize> {
    buf: [u8; N],
    len: usize,
    /// The current line overflowed; its bytes are being skipped.
    overflow: bool,
    /// The current line started with `AT`.
    at: bool,
    /// The last push returned a line: start a new one.
    done: bool,
}

impl<const N: usize> Default for LineBuf<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> LineBuf<N> {
    /// Empty.
    pub const fn new() -> Self {
        LineBuf {
            buf: [0; N],
            len: 0,
            overflow: false,
            at: false,
            done: false,
        }
    }

    /// Forgets any partial line.
    pub fn clear(&mut self) {
        self.len = 0;
        self.overflow = false;
        self.at = false;
        self.done = false;
    }

    /// Takes one byte; returns the line it completed, if any.
    pub fn push(&mut self, b: u8) -> Option<Line<'_>> {
        if self.done {
            self.clear();
        }
        if b == b'\r' || b == b'\n' {
            if self.overflow {
                self.done = true;
                return Some(Line::Overlong { echo: self.at });
            }
            if self.len == 0 {
                return None;
            }
            self.done = true;
            return Some(Line::Text(&self.buf[..self.len]));
        }
        if self.overflow {
            return None;
        }
        if self.len == N {
            self.at = N >= 2 && self.buf[..2].eq_ignore_ascii_case(b"AT");
            self.overflow = true;
            return None;
        }
        self.buf[self.len] = b;
        self.len += 1;
        None
    }

    /// The bytes of the line returned last, mutable (the emulator decodes in place). Empty
    /// unless the last push completed a text line.
    pub fn last_line_mut(&mut self) -> &mut [u8] {
        if self.done && !self.overflow {
            &mut self.buf[..self.len]
        } else {
            &mut []
        }
    }
}
