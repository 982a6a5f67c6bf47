//! Reassembly of a 507 text value that a server sends as CoAP Block1 blocks.
//!
//! Zephyr 3.4.99 hands each block of a String resource to the object as if it were the
//! whole value (its offset is lost and every block claims to be the last). The C glue
//! reads the real offset and "last" flag of the block from the engine's block context
//! and asks [`Assembly`] where the block goes and whether the value is complete. Blocks
//! land in place in the one staging buffer, so only one value can be assembled at a time:
//! the first block (offset 0) of any value starts afresh and abandons an unfinished one.

/// Why a block was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockError {
    /// Not the next block of the value being assembled (another value's first block
    /// came in between, or a block is missing).
    OutOfOrder,
    /// The value grows past the staging buffer.
    TooLong,
}

crate::log::describe_names!(BlockError {
    OutOfOrder => "out of order",
    TooLong => "too long",
});

/// The value being assembled: its 507 instance and resource, and the next offset.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Assembly {
    owner: Option<(u16, u16)>,
    next: usize,
}

impl Assembly {
    /// Nothing being assembled.
    pub const fn new() -> Self {
        Assembly {
            owner: None,
            next: 0,
        }
    }

    /// Where the block at `offset` of 507/`inst`/`res` may be written: Ok for the first
    /// block of a value (which starts a new assembly) or the next block of the current one.
    pub fn place(&mut self, inst: u16, res: u16, offset: usize) -> Result<(), BlockError> {
        if offset == 0 {
            self.start(inst, res);
        }
        self.check_next(inst, res, offset)
    }

    /// A block of `len` bytes at `offset` has been written. Returns the whole value's
    /// length once the last block is in, None while more are to come. `cap` is the most
    /// a value may be. Any error ends the assembly. A block at offset 0 is always a first
    /// block (a whole value written through `lwm2m_set_*` never passes [`Self::place`]).
    pub fn written(
        &mut self,
        inst: u16,
        res: u16,
        offset: usize,
        len: usize,
        last: bool,
        cap: usize,
    ) -> Result<Option<usize>, BlockError> {
        let r = self.place(inst, res, offset).and_then(|()| {
            offset
                .checked_add(len)
                .filter(|&total| total <= cap)
                .ok_or(BlockError::TooLong)
        });
        match r {
            Ok(total) if !last => {
                self.next = total;
                Ok(None)
            }
            r => {
                *self = Self::new();
                r.map(Some)
            }
        }
    }

    fn start(&mut self, inst: u16, res: u16) {
        *self = Assembly {
            owner: Some((inst, res)),
            next: 0,
        };
    }

    fn check_next(&self, inst: u16, res: u16, offset: usize) -> Result<(), BlockError> {
        if self.owner == Some((inst, res)) && offset == self.next {
            Ok(())
        } else {
            Err(BlockError::OutOfOrder)
        }
    }

    /// True while a value is partly assembled.
    pub fn in_progress(&self) -> bool {
        self.owner.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_message_is_a_whole_value() {
        let mut a = Assembly::default();
        a.place(1, 0, 0).unwrap();
        assert_eq!(a.written(1, 0, 0, 88, true, 2048), Ok(Some(88)));
        assert!(!a.in_progress());
    }

    #[test]
    fn a_whole_value_needs_no_place() {
        // lwm2m_set_string() calls the write callbacks without the wrapped handler.
        let mut a = Assembly::new();
        assert_eq!(a.written(1, 3, 0, 128, true, 2048), Ok(Some(128)));
        a.place(0, 0, 0).unwrap();
        a.written(0, 0, 0, 512, false, 2048).unwrap();
        assert_eq!(a.written(1, 3, 0, 88, true, 2048), Ok(Some(88)));
        assert!(!a.in_progress(), "a whole value abandons an unfinished one");
    }

    #[test]
    fn blocks_in_order_make_one_value() {
        let mut a = Assembly::default();
        for (off, len, last) in [(0, 512, false), (512, 512, false), (1024, 344, true)] {
            a.place(0, 0, off).unwrap();
            let r = a.written(0, 0, off, len, last, 2048).unwrap();
            assert_eq!(r, last.then_some(1368));
        }
        assert!(!a.in_progress());
    }

    #[test]
    fn a_gap_or_a_repeat_is_refused() {
        let mut a = Assembly::default();
        a.place(0, 0, 0).unwrap();
        a.written(0, 0, 0, 256, false, 2048).unwrap();
        assert_eq!(a.place(0, 0, 512), Err(BlockError::OutOfOrder));
        assert_eq!(a.place(0, 0, 0), Ok(()), "a first block starts afresh");
        a.written(0, 0, 0, 256, false, 2048).unwrap();
        assert_eq!(
            a.written(0, 0, 128, 256, true, 2048),
            Err(BlockError::OutOfOrder)
        );
        assert!(!a.in_progress());
    }

    #[test]
    fn another_value_in_between_abandons_the_first() {
        let mut a = Assembly::default();
        a.place(0, 0, 0).unwrap();
        a.written(0, 0, 0, 512, false, 2048).unwrap();
        a.place(1, 2, 0).unwrap();
        assert_eq!(a.written(1, 2, 0, 88, true, 2048), Ok(Some(88)));
        assert_eq!(a.place(0, 0, 512), Err(BlockError::OutOfOrder));
    }

    #[test]
    fn too_long_is_refused_and_ends_the_assembly() {
        let mut a = Assembly::default();
        a.place(0, 0, 0).unwrap();
        a.written(0, 0, 0, 1024, false, 2048).unwrap();
        a.place(0, 0, 1024).unwrap();
        assert_eq!(
            a.written(0, 0, 1024, 1025, true, 2048),
            Err(BlockError::TooLong)
        );
        assert!(!a.in_progress());
        assert_eq!(
            a.written(0, 0, usize::MAX, 2, true, usize::MAX),
            Err(BlockError::OutOfOrder)
        );
    }
}
