//! The CI keys a device trusts: the device-side part of the package check.
//!
//! Empty means "trust what the nuSIM trusts": the device then checks only that the chain
//! is sound, and the nuSIM alone decides whether its CI signed it. A configuration that
//! could not be read poisons the set: every package is refused as untrusted until a valid
//! set replaces it, so a typo in a trust anchor never silently opens the device.

use crate::field::POINT_LEN;

/// Why a set of trust anchors was refused (the previous set stays).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrustError {
    /// More keys than the set holds.
    TooMany,
    /// The key at this index is not a 65-byte uncompressed curve point.
    BadKey(usize),
    /// The text is not hex keys separated by spaces, commas or semicolons.
    BadText,
}

impl crate::log::Describe for TrustError {
    fn describe(&self, l: &mut crate::log::Line) {
        match *self {
            TrustError::TooMany => l.push(b"too many keys"),
            TrustError::BadKey(i) => {
                l.push(b"key ");
                l.int(i as i64);
                l.push(b" is not an uncompressed point");
            }
            TrustError::BadText => l.push(b"not hex keys"),
        }
    }
}

/// Up to `N` trusted CI public keys (SEC1 uncompressed, 65 bytes each).
pub struct TrustAnchors<const N: usize> {
    keys: [[u8; POINT_LEN]; N],
    len: usize,
    poisoned: bool,
}

impl<const N: usize> Default for TrustAnchors<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> TrustAnchors<N> {
    /// Empty: trust what the nuSIM trusts.
    pub const fn new() -> Self {
        TrustAnchors {
            keys: [[0; POINT_LEN]; N],
            len: 0,
            poisoned: false,
        }
    }

    /// The keys in force.
    pub fn keys(&self) -> &[[u8; POINT_LEN]] {
        &self.keys[..self.len]
    }

    /// True after [`TrustAnchors::poison`] until the next successful set.
    pub fn poisoned(&self) -> bool {
        self.poisoned
    }

    /// Refuses every package until a valid set is installed.
    pub fn poison(&mut self) {
        self.len = 0;
        self.poisoned = true;
    }

    /// Whether a package signed under `kpub_ci` may go to the nuSIM.
    pub fn admits(&self, kpub_ci: &[u8]) -> bool {
        if self.poisoned {
            return false;
        }
        self.len == 0 || self.keys().iter().any(|k| k[..] == *kpub_ci)
    }

    /// Replaces the set with the keys in `flat` (`count` keys of 65 bytes back to back),
    /// each checked with `valid` (a curve-point check). On error nothing changes.
    pub fn set(&mut self, flat: &[u8], valid: impl Fn(&[u8]) -> bool) -> Result<(), TrustError> {
        if flat.len() % POINT_LEN != 0 {
            return Err(TrustError::BadKey(flat.len() / POINT_LEN));
        }
        let count = flat.len() / POINT_LEN;
        if count > N {
            return Err(TrustError::TooMany);
        }
        if let Some(i) = flat.chunks(POINT_LEN).position(|k| !valid(k)) {
            return Err(TrustError::BadKey(i));
        }
        for (slot, k) in self.keys.iter_mut().zip(flat.chunks(POINT_LEN)) {
            slot.copy_from_slice(k);
        }
        self.len = count;
        self.poisoned = false;
        Ok(())
    }

    /// Adds keys written as hex (either case), separated by spaces, commas or semicolons
    /// (the Kconfig string form), after those already set, each checked with `valid`. On
    /// error nothing changes. Works in place (no copy of the set): it runs at init, on the
    /// small main stack.
    pub fn add_hex(
        &mut self,
        text: &[u8],
        valid: impl Fn(&[u8]) -> bool,
    ) -> Result<(), TrustError> {
        let old_len = self.len;
        let r = self.parse_hex(text, valid);
        if r.is_err() {
            // Slots past the old length are unused: dropping the new ones brings the old set back.
            self.len = old_len;
        }
        r
    }

    fn parse_hex(&mut self, text: &[u8], valid: impl Fn(&[u8]) -> bool) -> Result<(), TrustError> {
        for word in text
            .split(|c| matches!(c, b' ' | b',' | b';' | b'\t' | b'\n' | b'\r'))
            .filter(|w| !w.is_empty())
        {
            if word.len() != 2 * POINT_LEN {
                return Err(TrustError::BadText);
            }
            if self.len == N {
                return Err(TrustError::TooMany);
            }
            let slot = &mut self.keys[self.len];
            for (i, pair) in word.chunks(2).enumerate() {
                let s = core::str::from_utf8(pair).map_err(|_| TrustError::BadText)?;
                slot[i] = u8::from_str_radix(s, 16).map_err(|_| TrustError::BadText)?;
            }
            if !valid(slot) {
                return Err(TrustError::BadKey(self.len));
            }
            self.len += 1;
        }
        Ok(())
    }
}

/// The form of a key written into the build (65 bytes, uncompressed point prefix 0x04),
/// without the curve check: that one needs more stack than init has, and a key off the
/// curve can never admit a package anyway (its signature check fails).
pub fn is_uncompressed_point_form(key: &[u8]) -> bool {
    key.len() == POINT_LEN && key[0] == 4
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::borrow::ToOwned;
    use std::format;

    fn key(b: u8) -> [u8; POINT_LEN] {
        let mut k = [b; POINT_LEN];
        k[0] = 4;
        k
    }
    fn any(_: &[u8]) -> bool {
        true
    }

    #[test]
    fn empty_admits_all_and_set_restricts() {
        let mut t = TrustAnchors::<2>::new();
        assert!(t.admits(&key(1)));
        t.set(&key(1), any).unwrap();
        assert!(t.admits(&key(1)) && !t.admits(&key(2)));
        let two = [key(1), key(2)].concat();
        t.set(&two, any).unwrap();
        assert!(t.admits(&key(2)));
        assert_eq!(
            t.set(&[two.as_slice(), &key(3)].concat(), any),
            Err(TrustError::TooMany)
        );
        assert_eq!(t.set(&two[..100], any), Err(TrustError::BadKey(1)));
        assert_eq!(t.set(&two, |k| k[1] != 2), Err(TrustError::BadKey(1)));
        assert_eq!(t.keys().len(), 2, "a refused set leaves the old one");
        t.set(&[], any).unwrap();
        assert!(t.admits(&key(9)));
    }

    #[test]
    fn poison_refuses_until_a_valid_set() {
        let mut t = TrustAnchors::<2>::new();
        t.poison();
        assert!(!t.admits(&key(1)));
        assert!(t.set(&[1, 2], any).is_err());
        assert!(t.poisoned());
        t.set(&[], any).unwrap();
        assert!(t.admits(&key(1)));
    }

    #[test]
    fn hex_lists() {
        let mut t = TrustAnchors::<3>::new();
        let h1 = "04".to_owned() + &"ab".repeat(64);
        let h2 = "04".to_owned() + &"CD".repeat(64);
        t.add_hex(format!(" {h1},{h2}; ").as_bytes(), any).unwrap();
        assert_eq!(t.keys(), &[key(0xab), key(0xcd)]);
        t.add_hex(b"", any).unwrap();
        assert_eq!(t.keys().len(), 2);
        for bad in ["04ab", &("04".to_owned() + &"zz".repeat(64)), &h1[1..]] {
            assert_eq!(
                t.add_hex(bad.as_bytes(), any),
                Err(TrustError::BadText),
                "{bad}"
            );
        }
        assert_eq!(
            t.add_hex(format!("{h1} {h1}").as_bytes(), any),
            Err(TrustError::TooMany)
        );
        assert_eq!(
            t.add_hex(h1.as_bytes(), |_| false),
            Err(TrustError::BadKey(2))
        );
        assert_eq!(t.keys().len(), 2, "a refused list leaves the old set");
    }
}
