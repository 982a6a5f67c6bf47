//! brainpoolP256r1 points in Jacobian coordinates `(X, Y, Z)` ↔ `(X/Z², Y/Z³)`, coordinates
//! in Montgomery form; `Z = 0` is the point at infinity. Variable-time formulas from the
//! Explicit-Formulas Database (dbl-2007-bl; add-1998-cmo-2, and the same with `Z2 = 1` for
//! an affine point), with the special cases (doubling through addition, a point plus its
//! negation) handled.

use super::fe::{is_zero, Limbs, Modulus};

/// The field: p of RFC 5639, section 3.4.
pub static P: Modulus =
    Modulus::new("a9fb57dba1eea9bc3e660a909d838d726e3bf623d52620282013481d1f6e5377");
/// The group order n.
pub static N: Modulus =
    Modulus::new("a9fb57dba1eea9bc3e660a909d838d718c397aa3b561a6f7901e0e82974856a7");

/// The curve's `a` (RFC 5639, section 3.4), as plain limbs.
const A: Limbs =
    super::fe::limbs_from_hex("7d5a0975fc2c3057eef67530417affe7fb8055c126dc5c6ce94a4b44f330b5d9");
/// The curve's `b`.
const B: Limbs =
    super::fe::limbs_from_hex("26dc5c6ce94a4b44f330b5d9bbd77cbf958416295cf7e1ce6bccdc18ff8c07b6");

/// The curve coefficients `a` and `b` in Montgomery form.
pub struct Coefficients {
    /// `a·R mod p`.
    pub a: Limbs,
    /// `b·R mod p`.
    pub b: Limbs,
}

/// The curve's coefficients in Montgomery form, converted at compile time.
pub const CURVE: Coefficients = Coefficients {
    a: P.to_mont_const(&A),
    b: P.to_mont_const(&B),
};

impl Coefficients {
    /// Both coefficients in Montgomery form, at run time (two multiplications): what
    /// [`CURVE`] must equal.
    #[cfg(test)]
    pub fn new() -> Self {
        Coefficients {
            a: P.to_mont(&A),
            b: P.to_mont(&B),
        }
    }
}

/// An affine point, coordinates in Montgomery form (never the point at infinity).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Affine {
    /// x·R mod p.
    pub x: Limbs,
    /// y·R mod p.
    pub y: Limbs,
}

impl Affine {
    /// True if `y² = x³ + ax + b`.
    pub fn is_on_curve(&self, k: &Coefficients) -> bool {
        let y2 = P.sqr(&self.y);
        let x2 = P.sqr(&self.x);
        let x3 = P.mul(&x2, &self.x);
        let ax = P.mul(&k.a, &self.x);
        let rhs = P.add(&P.add(&x3, &ax), &k.b);
        y2 == rhs
    }

    /// `-self`.
    pub fn neg(&self) -> Affine {
        Affine {
            x: self.x,
            y: P.sub(&[0; 8], &self.y),
        }
    }
}

/// A point in Jacobian coordinates.
#[derive(Clone, Copy, Debug)]
pub struct Jacobian {
    /// X·R mod p.
    pub x: Limbs,
    /// Y·R mod p.
    pub y: Limbs,
    /// Z·R mod p; 0 for the point at infinity.
    pub z: Limbs,
}

impl Jacobian {
    /// The point at infinity.
    pub const INFINITY: Jacobian = Jacobian {
        x: [0; 8],
        y: [0; 8],
        z: [0; 8],
    };

    /// True for the point at infinity.
    pub fn is_infinity(&self) -> bool {
        is_zero(&self.z)
    }

    /// The affine point `a` as a Jacobian one (`Z = 1`).
    pub fn from_affine(a: &Affine) -> Jacobian {
        Jacobian {
            x: a.x,
            y: a.y,
            z: P.one,
        }
    }

    /// `-self`.
    pub fn neg(&self) -> Jacobian {
        Jacobian {
            x: self.x,
            y: P.sub(&[0; 8], &self.y),
            z: self.z,
        }
    }

    /// `2·self` (dbl-2007-bl, 1M + 8S + one multiplication by `a`).
    pub fn double(&self, k: &Coefficients) -> Jacobian {
        if self.is_infinity() {
            return *self;
        }
        let xx = P.sqr(&self.x);
        let yy = P.sqr(&self.y);
        let yyyy = P.sqr(&yy);
        let zz = P.sqr(&self.z);
        // S = 2·((X + YY)² - XX - YYYY)
        let t = P.sqr(&P.add(&self.x, &yy));
        let t = P.sub(&P.sub(&t, &xx), &yyyy);
        let s = P.add(&t, &t);
        // M = 3·XX + a·ZZ²
        let m = P.add(&P.add(&xx, &xx), &xx);
        let m = P.add(&m, &P.mul(&k.a, &P.sqr(&zz)));
        // X3 = M² - 2S
        let x3 = P.sub(&P.sub(&P.sqr(&m), &s), &s);
        // Y3 = M·(S - X3) - 8·YYYY
        let y8 = P.add(&yyyy, &yyyy);
        let y8 = P.add(&y8, &y8);
        let y8 = P.add(&y8, &y8);
        let y3 = P.sub(&P.mul(&m, &P.sub(&s, &x3)), &y8);
        // Z3 = (Y + Z)² - YY - ZZ
        let z3 = P.sub(&P.sub(&P.sqr(&P.add(&self.y, &self.z)), &yy), &zz);
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// `self + o` (add-1998-cmo-2, 12M + 4S).
    pub fn add(&self, o: &Jacobian, k: &Coefficients) -> Jacobian {
        if self.is_infinity() {
            return *o;
        }
        if o.is_infinity() {
            return *self;
        }
        let z1z1 = P.sqr(&self.z);
        let z2z2 = P.sqr(&o.z);
        let u1 = P.mul(&self.x, &z2z2);
        let u2 = P.mul(&o.x, &z1z1);
        let s1 = P.mul(&P.mul(&self.y, &o.z), &z2z2);
        let s2 = P.mul(&P.mul(&o.y, &self.z), &z1z1);
        let z = P.mul(&self.z, &o.z);
        self.finish_add(u1, u2, s1, s2, z, k)
    }

    /// `self + o` for an affine `o` (8M + 3S).
    pub fn add_affine(&self, o: &Affine, k: &Coefficients) -> Jacobian {
        if self.is_infinity() {
            return Jacobian::from_affine(o);
        }
        let z1z1 = P.sqr(&self.z);
        let u2 = P.mul(&o.x, &z1z1);
        let s2 = P.mul(&P.mul(&o.y, &self.z), &z1z1);
        self.finish_add(self.x, u2, self.y, s2, self.z, k)
    }

    /// The common end of both additions: `U1 = X1·Z2²`, `U2 = X2·Z1²`, `S1 = Y1·Z2³`,
    /// `S2 = Y2·Z1³`, `z = Z1·Z2`.
    fn finish_add(
        &self,
        u1: Limbs,
        u2: Limbs,
        s1: Limbs,
        s2: Limbs,
        z: Limbs,
        k: &Coefficients,
    ) -> Jacobian {
        let h = P.sub(&u2, &u1);
        let r = P.sub(&s2, &s1);
        if is_zero(&h) {
            // Same x: the same point (double it) or its negation (the sum is infinity).
            return if is_zero(&r) {
                self.double(k)
            } else {
                Jacobian::INFINITY
            };
        }
        let hh = P.sqr(&h);
        let hhh = P.mul(&h, &hh);
        let v = P.mul(&u1, &hh);
        // X3 = r² - HHH - 2V
        let x3 = P.sub(&P.sub(&P.sub(&P.sqr(&r), &hhh), &v), &v);
        // Y3 = r·(V - X3) - S1·HHH
        let y3 = P.sub(&P.mul(&r, &P.sub(&v, &x3)), &P.mul(&s1, &hhh));
        // Z3 = Z1·Z2·H
        let z3 = P.mul(&z, &h);
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }
}
