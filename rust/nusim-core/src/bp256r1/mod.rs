//! ECDSA verification on brainpoolP256r1 (RFC 5639) with SHA-256, written for 32-bit
//! cores: what the device-side check of a package runs (feature `chain-bp256`).
//!
//! Verification only ever sees public values (keys, messages, signatures), so it is
//! variable-time throughout:
//! - `u1·G + u2·Q` in one pass of 257 doublings, both scalars in width-w NAF (interleaved
//!   wNAF): `u1` with the 16 odd multiples `G, 3G, …, 31G` kept in flash (`gtable.rs`),
//!   `u2` with the 8 odd multiples of `Q` computed per verification;
//! - Jacobian coordinates; field and scalar arithmetic in Montgomery form on eight 32-bit
//!   limbs (`fe.rs`);
//! - no field inversion: `x(R) mod n = r` is checked as `X = r·Z²` (and `(r + n)·Z²` where
//!   `r + n < p`); one inversion modulo n, for `s⁻¹`.
//!
//! It implements RustCrypto's [`signature::Verifier`] and
//! [`signature::hazmat::PrehashVerifier`]. Proof of correctness is in the tests: the public
//! A.1 vectors, every Wycheproof brainpoolP256r1 SHA-256 vector, and a differential test
//! against RustCrypto's `bp256` (also the fuzz target `verify`).
//!
//! ```
//! use nusim_core::bp256r1::{Signature, VerifyingKey};
//! use nusim_core::chain::{field, A1_HEADER};
//! use nusim_core::field::Field;
//! use signature::Verifier;
//!
//! let ci = VerifyingKey::from_sec1_bytes(field(&A1_HEADER, Field::KpubCI)).unwrap();
//! let sig = Signature::from_slice(field(&A1_HEADER, Field::SigKpubDP)).unwrap();
//! assert!(ci.verify(field(&A1_HEADER, Field::KpubDP), &sig).is_ok());
//! assert!(ci.verify(b"another message", &sig).is_err());
//! ```

mod fe;
mod gtable;
mod point;

use fe::{checked_add, from_be_bytes, is_zero, Limbs};
use point::{Affine, Coefficients, Jacobian, CURVE, N, P};
use sha2::{Digest, Sha256};

/// Width of `u1`'s NAF: digits are odd, below 2^(W_G-1) in magnitude.
const W_G: u32 = 6;
/// Width of `u2`'s NAF.
const W_Q: u32 = 5;
/// Digits of a NAF of a 256-bit scalar: one more than its bits.
const NAF_LEN: usize = 257;

/// Why a key or a signature is refused before any curve arithmetic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// The key is not 65 bytes starting 0x04.
    KeyEncoding,
    /// A key coordinate is not below p.
    KeyCoordinate,
    /// The key is not on the curve.
    KeyNotOnCurve,
    /// The signature is not 64 bytes (r‖s).
    SignatureLength,
    /// r or s is 0 or not below n.
    SignatureRange,
}

/// A public key: a point on brainpoolP256r1 (never the point at infinity).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifyingKey {
    q: Affine,
}

impl VerifyingKey {
    /// The key from its SEC1 uncompressed encoding `04 ‖ x ‖ y` (65 bytes), checked:
    /// coordinates below p and on the curve (the group has prime order, so every such
    /// point generates it).
    pub fn from_sec1_bytes(b: &[u8]) -> Result<Self, Error> {
        let b: &[u8; 65] = b.try_into().map_err(|_| Error::KeyEncoding)?;
        if b[0] != 4 {
            return Err(Error::KeyEncoding);
        }
        let x = from_be_bytes(b[1..33].try_into().unwrap_or(&[0; 32]));
        let y = from_be_bytes(b[33..65].try_into().unwrap_or(&[0; 32]));
        if !P.is_reduced(&x) || !P.is_reduced(&y) {
            return Err(Error::KeyCoordinate);
        }
        let q = Affine {
            x: P.to_mont(&x),
            y: P.to_mont(&y),
        };
        if !q.is_on_curve(&CURVE) {
            return Err(Error::KeyNotOnCurve);
        }
        Ok(VerifyingKey { q })
    }

    /// Verifies `sig` over the SHA-256 digest `z` of the message (32 bytes; a longer
    /// prehash is cut to its leftmost 256 bits, a shorter one read as a smaller number,
    /// as SEC1 4.1.4 says, and as RustCrypto's `ecdsa` reads it: any length, even empty).
    /// The checks only ever pass SHA-256 digests.
    pub fn verify_digest(&self, z: &[u8], sig: &Signature) -> bool {
        let mut e = [0u8; 32];
        let n = z.len().min(32);
        e[32 - n..].copy_from_slice(&z[..n]);
        let e = N.reduce(&from_be_bytes(&e));
        let k = CURVE;
        // w = s⁻¹, u1 = e·w, u2 = r·w (mod n, in Montgomery form then out of it).
        let w = N.invert(&N.to_mont(&sig.s));
        let u1 = N.leave_mont(&N.mul(&N.to_mont(&e), &w));
        let u2 = N.leave_mont(&N.mul(&N.to_mont(&sig.r), &w));
        let r = lincomb(&u1, &u2, &self.q, &k);
        if r.is_infinity() {
            return false;
        }
        // x(R) = X/Z² is below p; it equals r mod n when X = r·Z², or X = (r + n)·Z² when
        // r + n < p.
        let zz = P.sqr(&r.z);
        if r.x == P.mul(&P.to_mont(&sig.r), &zz) {
            return true;
        }
        match checked_add(&sig.r, &N.m) {
            Some(rn) if P.is_reduced(&rn) => r.x == P.mul(&P.to_mont(&rn), &zz),
            _ => false,
        }
    }
}

/// A signature `(r, s)`, both in `[1, n)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signature {
    r: Limbs,
    s: Limbs,
}

impl Signature {
    /// The signature from its fixed-size encoding `r ‖ s` (IEEE P1363, 64 bytes), checked.
    pub fn from_slice(b: &[u8]) -> Result<Self, Error> {
        let b: &[u8; 64] = b.try_into().map_err(|_| Error::SignatureLength)?;
        let r = from_be_bytes(b[..32].try_into().unwrap_or(&[0; 32]));
        let s = from_be_bytes(b[32..].try_into().unwrap_or(&[0; 32]));
        for v in [&r, &s] {
            if is_zero(v) || !N.is_reduced(v) {
                return Err(Error::SignatureRange);
            }
        }
        Ok(Signature { r, s })
    }
}

impl signature::hazmat::PrehashVerifier<Signature> for VerifyingKey {
    fn verify_prehash(&self, prehash: &[u8], sig: &Signature) -> signature::Result<()> {
        if self.verify_digest(prehash, sig) {
            Ok(())
        } else {
            Err(signature::Error::new())
        }
    }
}

impl signature::Verifier<Signature> for VerifyingKey {
    fn verify(&self, msg: &[u8], sig: &Signature) -> signature::Result<()> {
        signature::hazmat::PrehashVerifier::verify_prehash(self, &Sha256::digest(msg), sig)
    }
}

/// The nonzero digits of a width-`W` NAF, least significant first: digit `dig[i]` at bit
/// `pos[i]`. They are at least `W` bits apart, so a 257-digit NAF has at most `256/W + 1`
/// (3 bytes each, where the dense form would take 257).
struct Naf<const W: u32, const CAP: usize> {
    pos: [u16; CAP],
    dig: [i8; CAP],
    len: usize,
}

impl<const W: u32, const CAP: usize> Naf<W, CAP> {
    /// `k` (below 2^256) in width-`W` NAF: every nonzero digit odd and below 2^(W-1) in
    /// magnitude, at least W-1 zeros after each.
    fn new(k: &Limbs) -> Self {
        const { assert!(CAP > 256 / W as usize && W >= 2 && W <= 7) };
        let mut naf = Naf {
            pos: [0; CAP],
            dig: [0; CAP],
            len: 0,
        };
        // One limb more than k: adding a negative digit's magnitude back can carry out.
        let mut v = [0u32; 9];
        v[..8].copy_from_slice(k);
        let full = 1i32 << W;
        let mut bit = 0u16;
        while v.iter().any(|&l| l != 0) {
            if v[0] & 1 == 1 {
                let mut digit = (v[0] & (full as u32 - 1)) as i32;
                if digit >= full / 2 {
                    digit -= full;
                }
                if digit > 0 {
                    v[0] -= digit as u32; // the low bits are exactly `digit`: no borrow
                } else {
                    let mut c = (-digit) as u64;
                    for limb in v.iter_mut() {
                        let s = *limb as u64 + c;
                        *limb = s as u32;
                        c = s >> 32;
                    }
                }
                // Never full: the digits are W bits apart (the assertion above).
                if let (Some(p), Some(d)) = (naf.pos.get_mut(naf.len), naf.dig.get_mut(naf.len)) {
                    *p = bit;
                    *d = digit as i8;
                    naf.len += 1;
                }
            }
            for i in 0..9 {
                let hi = if i < 8 { v[i + 1] << 31 } else { 0 };
                v[i] = (v[i] >> 1) | hi;
            }
            bit += 1;
        }
        naf
    }

    /// The digit at `bit` if it is the next nonzero one from the top (then consumed).
    fn take(&mut self, bit: u16) -> Option<i8> {
        let i = self.len.checked_sub(1)?;
        (self.pos[i] == bit).then(|| {
            self.len = i;
            self.dig[i]
        })
    }
}

/// `u1`'s NAF.
type NafG = Naf<W_G, { 256 / W_G as usize + 1 }>;
/// `u2`'s NAF.
type NafQ = Naf<W_Q, { 256 / W_Q as usize + 1 }>;

/// `u1·G + u2·Q`.
fn lincomb(u1: &Limbs, u2: &Limbs, q: &Affine, k: &Coefficients) -> Jacobian {
    let mut n1 = NafG::new(u1);
    let mut n2 = NafQ::new(u2);
    // Q, 3Q, 5Q, …, 15Q.
    let mut qt = [Jacobian::INFINITY; 1 << (W_Q - 2)];
    qt[0] = Jacobian::from_affine(q);
    let q2 = qt[0].double(k);
    for i in 1..qt.len() {
        qt[i] = qt[i - 1].add(&q2, k);
    }
    let mut r = Jacobian::INFINITY;
    for bit in (0..NAF_LEN as u16).rev() {
        r = r.double(k);
        match n1.take(bit) {
            Some(d) if d > 0 => r = r.add_affine(&gtable::G_ODD[(d as usize) / 2], k),
            Some(d) => r = r.add_affine(&gtable::G_ODD[(-d as usize) / 2].neg(), k),
            None => {}
        }
        match n2.take(bit) {
            Some(d) if d > 0 => r = r.add(&qt[(d as usize) / 2], k),
            Some(d) => r = r.add(&qt[(-d as usize) / 2].neg(), k),
            None => {}
        }
    }
    r
}

#[cfg(test)]
mod tests;
