//! Arithmetic modulo a 256-bit odd modulus in Montgomery form, on eight 32-bit limbs
//! (little-endian), for Cortex-M's 32×32→64 multiplier.
//!
//! Every function is variable-time: verification only ever sees public values. Every value
//! an operation returns is fully reduced (`< m`) when its inputs are.

/// A 256-bit number, least significant limb first.
pub type Limbs = [u32; 8];

/// A modulus `m` with `2^255 < m < 2^256` and what Montgomery multiplication needs of it,
/// all derived at compile time from `m` alone.
pub struct Modulus {
    /// The modulus.
    pub m: Limbs,
    /// `-m^-1 mod 2^32`.
    m0inv: u32,
    /// `R^2 mod m`, `R = 2^256`: turns a number into Montgomery form.
    r2: Limbs,
    /// `R mod m`: 1 in Montgomery form.
    pub one: Limbs,
}

/// The 32 big-endian bytes of `hex` (64 hex digits) as limbs; for constants.
pub const fn limbs_from_hex(hex: &str) -> Limbs {
    let h = hex.as_bytes();
    assert!(h.len() == 64);
    let mut out = [0u32; 8];
    let mut i = 0;
    while i < 64 {
        let c = h[i];
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => panic!("not a hex digit"),
        } as u32;
        let bit = (63 - i) * 4;
        out[bit / 32] |= d << (bit % 32);
        i += 1;
    }
    out
}

/// `a + b` and the carry out.
const fn add_carry(a: &Limbs, b: &Limbs) -> (Limbs, u32) {
    let mut r = [0u32; 8];
    let mut c = 0u64;
    let mut i = 0;
    while i < 8 {
        let s = a[i] as u64 + b[i] as u64 + c;
        r[i] = s as u32;
        c = s >> 32;
        i += 1;
    }
    (r, c as u32)
}

/// `a - b` and the borrow out (1 if `a < b`).
const fn sub_borrow(a: &Limbs, b: &Limbs) -> (Limbs, u32) {
    let mut r = [0u32; 8];
    let mut borrow = 0u64;
    let mut i = 0;
    while i < 8 {
        let d = (a[i] as u64).wrapping_sub(b[i] as u64 + borrow);
        r[i] = d as u32;
        borrow = (d >> 63) & 1;
        i += 1;
    }
    (r, borrow as u32)
}

/// `x·R mod m` (x < m, m above 2^255): `x` doubled 256 times modulo `m`. Montgomery form
/// at compile time; at run time [`Modulus::to_mont`] is one multiplication.
const fn times_r(x: &Limbs, m: &Limbs) -> Limbs {
    assert!(sub_borrow(x, m).1 == 1, "x must be below m");
    let mut r = *x;
    let mut k = 0;
    while k < 256 {
        let (d, carry) = add_carry(&r, &r);
        let (s, borrow) = sub_borrow(&d, m);
        r = if carry == 1 || borrow == 0 { s } else { d };
        k += 1;
    }
    r
}

impl Modulus {
    /// `a` (below `m`) in Montgomery form, computed at compile time (256 doublings; a
    /// multiplication is not a `const fn`, it is written for speed).
    pub const fn to_mont_const(&self, a: &Limbs) -> Limbs {
        times_r(a, &self.m)
    }

    /// The constants of modulus `m` (big-endian hex), which must be odd and above 2^255.
    pub const fn new(hex: &str) -> Self {
        let m = limbs_from_hex(hex);
        assert!(m[0] & 1 == 1 && m[7] >> 31 == 1);
        // Newton's iteration doubles the correct low bits each round: 1, 2, 4, ... 32.
        let mut inv = 1u32;
        let mut k = 0;
        while k < 5 {
            inv = inv.wrapping_mul(2u32.wrapping_sub(m[0].wrapping_mul(inv)));
            k += 1;
        }
        // R mod m = 2^256 - m, as m > 2^255.
        let (one, _) = sub_borrow(&[0; 8], &m);
        Modulus {
            m,
            m0inv: inv.wrapping_neg(),
            // R^2 mod m: R mod m, times R.
            r2: times_r(&one, &m),
            one,
        }
    }

    /// `a + b mod m`.
    pub fn add(&self, a: &Limbs, b: &Limbs) -> Limbs {
        let (s, carry) = add_carry(a, b);
        let (d, borrow) = sub_borrow(&s, &self.m);
        if carry == 1 || borrow == 0 {
            d
        } else {
            s
        }
    }

    /// `a - b mod m`.
    pub fn sub(&self, a: &Limbs, b: &Limbs) -> Limbs {
        let (d, borrow) = sub_borrow(a, b);
        if borrow == 1 {
            add_carry(&d, &self.m).0
        } else {
            d
        }
    }

    /// `a * b * R^-1 mod m`: Montgomery multiplication, finely integrated operand scanning
    /// (each round adds `a·b[i]` and `q·m` in one pass over the limbs), the pass unrolled:
    /// two multiply-accumulates per limb and no loop overhead, where Cortex-M3 spends its
    /// time during a verification.
    pub fn mul(&self, a: &Limbs, b: &Limbs) -> Limbs {
        let m = &self.m;
        // t < 2m < 2^257 between rounds: t[8] is 0 or 1.
        let mut t = [0u32; 9];
        for &bi in b {
            let bi = bi as u64;
            let s = t[0] as u64 + a[0] as u64 * bi;
            let q = (s as u32).wrapping_mul(self.m0inv) as u64;
            let mut c1 = s >> 32;
            // The low word of s + q·m[0] is 0 by the choice of q.
            let mut c2 = ((s as u32) as u64 + q * m[0] as u64) >> 32;
            macro_rules! step {
                ($($j:literal)*) => {$(
                    let s = t[$j] as u64 + a[$j] as u64 * bi + c1;
                    c1 = s >> 32;
                    let s2 = (s as u32) as u64 + q * m[$j] as u64 + c2;
                    c2 = s2 >> 32;
                    t[$j - 1] = s2 as u32;
                )*};
            }
            step!(1 2 3 4 5 6 7);
            let s = t[8] as u64 + c1 + c2;
            t[7] = s as u32;
            t[8] = (s >> 32) as u32;
        }
        let r: Limbs = [t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7]];
        let (d, borrow) = sub_borrow(&r, m);
        if t[8] != 0 || borrow == 0 {
            d
        } else {
            r
        }
    }

    /// `a^2 * R^-1 mod m`.
    pub fn sqr(&self, a: &Limbs) -> Limbs {
        self.mul(a, a)
    }

    /// `a` (below `m`) in Montgomery form.
    pub fn to_mont(&self, a: &Limbs) -> Limbs {
        self.mul(a, &self.r2)
    }

    /// `a` (Montgomery form) as a plain number.
    pub fn leave_mont(&self, a: &Limbs) -> Limbs {
        let mut one = [0u32; 8];
        one[0] = 1;
        self.mul(a, &one)
    }

    /// `a^-1` for `a` in Montgomery form, not 0, `m` prime (Fermat: `a^(m-2)`).
    pub fn invert(&self, a: &Limbs) -> Limbs {
        let (e, _) = sub_borrow(&self.m, &[2, 0, 0, 0, 0, 0, 0, 0]);
        let mut r = self.one;
        for bit in (0..256).rev() {
            r = self.sqr(&r);
            if (e[bit / 32] >> (bit % 32)) & 1 == 1 {
                r = self.mul(&r, a);
            }
        }
        r
    }

    /// True if `a < m`.
    pub fn is_reduced(&self, a: &Limbs) -> bool {
        sub_borrow(a, &self.m).1 == 1
    }

    /// `a mod m` for any 256-bit `a` (one subtraction suffices: `m > 2^255`).
    pub fn reduce(&self, a: &Limbs) -> Limbs {
        let (d, borrow) = sub_borrow(a, &self.m);
        if borrow == 0 {
            d
        } else {
            *a
        }
    }
}

/// `a + b` if it fits in 256 bits.
pub fn checked_add(a: &Limbs, b: &Limbs) -> Option<Limbs> {
    let (s, carry) = add_carry(a, b);
    (carry == 0).then_some(s)
}

/// The 32 big-endian bytes as limbs.
pub fn from_be_bytes(b: &[u8; 32]) -> Limbs {
    let mut out = [0u32; 8];
    for (i, limb) in out.iter_mut().enumerate() {
        let o = 28 - 4 * i;
        *limb = u32::from_be_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
    }
    out
}

/// The limbs as 32 big-endian bytes.
#[cfg(test)]
pub fn to_be_bytes(a: &Limbs) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, limb) in a.iter().enumerate() {
        let o = 28 - 4 * i;
        out[o..o + 4].copy_from_slice(&limb.to_be_bytes());
    }
    out
}

/// True if `a` is 0.
pub fn is_zero(a: &Limbs) -> bool {
    a.iter().all(|&l| l == 0)
}
