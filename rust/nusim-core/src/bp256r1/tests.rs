//! The verifier against the curve's definition, against a plain reference for the field,
//! and against RustCrypto's `bp256` (differential). The public A.1 and Wycheproof vectors
//! run through `chain`'s tests, which use this verifier.

extern crate std;
use super::fe::{from_be_bytes, to_be_bytes, Modulus};
use super::*;
use bp256::elliptic_curve::group::Group;
use bp256::elliptic_curve::sec1::ToSec1Point;
use bp256::r1::ecdsa as rc;
use bp256::BrainpoolP256r1 as Bp;
type RcSigningKey = ecdsa::SigningKey<Bp>;
type RcVerifyingKey = ecdsa::VerifyingKey<Bp>;
use signature::hazmat::{PrehashSigner, PrehashVerifier};
use signature::{Signer, Verifier};
use std::string::String;
use std::vec::Vec;

/// splitmix64: reproducible inputs without a dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn bytes<const L: usize>(&mut self) -> [u8; L] {
        let mut b = [0u8; L];
        for c in b.chunks_mut(8) {
            let v = self.next().to_le_bytes();
            c.copy_from_slice(&v[..c.len()]);
        }
        b
    }
    /// A number below `m`, often at the edges (0, 1, m-1, small, all-ones limbs).
    fn below(&mut self, m: &Modulus) -> Limbs {
        let v = match self.next() % 8 {
            0 => [0; 8],
            1 => [1, 0, 0, 0, 0, 0, 0, 0],
            2 => m.sub(&[0; 8], &[1, 0, 0, 0, 0, 0, 0, 0]),
            3 => [self.next() as u32, 0, 0, 0, 0, 0, 0, 0],
            4 => [u32::MAX, u32::MAX, u32::MAX, u32::MAX, 0, 0, 0, 1],
            _ => from_be_bytes(&self.bytes()),
        };
        m.reduce(&v)
    }
}

/// `a·b mod m` by double-and-add on `add` alone: a reference that shares nothing with
/// Montgomery multiplication.
fn mul_ref(m: &Modulus, a: &Limbs, b: &Limbs) -> Limbs {
    let mut acc = [0u32; 8];
    for bit in (0..256).rev() {
        acc = m.add(&acc, &acc);
        if (b[bit / 32] >> (bit % 32)) & 1 == 1 {
            acc = m.add(&acc, a);
        }
    }
    acc
}

#[test]
fn add_and_sub_at_the_edges() {
    for m in [&P, &N] {
        let one = [1, 0, 0, 0, 0, 0, 0, 0];
        let top = m.sub(&[0; 8], &one); // m - 1
        assert_eq!(m.add(&top, &one), [0; 8]);
        assert_eq!(m.add(&top, &top), m.sub(&top, &one)); // 2(m-1) = m-2
        assert_eq!(m.sub(&[0; 8], &top), one);
        assert_eq!(checked_add(&top, &one), Some(m.m));
        assert!(!m.is_reduced(&m.m) && m.is_reduced(&top));
        assert_eq!(m.reduce(&m.m), [0; 8]);
    }
}

#[test]
fn montgomery_multiplication_is_multiplication() {
    let mut rng = Rng(1);
    for m in [&P, &N] {
        assert_eq!(m.leave_mont(&m.one), [1, 0, 0, 0, 0, 0, 0, 0]);
        for _ in 0..300 {
            let (a, b) = (rng.below(m), rng.below(m));
            let prod = m.leave_mont(&m.mul(&m.to_mont(&a), &m.to_mont(&b)));
            assert_eq!(prod, mul_ref(m, &a, &b), "{a:x?} * {b:x?}");
            assert_eq!(m.leave_mont(&m.to_mont(&a)), a);
            if !is_zero(&a) {
                let am = m.to_mont(&a);
                assert_eq!(m.mul(&am, &m.invert(&am)), m.one);
            }
        }
    }
}

fn generator() -> Affine {
    let x = fe::limbs_from_hex("8bd2aeb9cb7e57cb2c4b482ffc81b7afb9de27e1e3bd23c23a4453bd9ace3262");
    let y = fe::limbs_from_hex("547ef835c3dac4fd97f8461a14611dc9c27745132ded8e545c1d54c72f046997");
    Affine {
        x: P.to_mont(&x),
        y: P.to_mont(&y),
    }
}

/// `k·a` by plain double-and-add (a reference for `lincomb`).
fn mul_plain(a: &Affine, k: &Limbs) -> Jacobian {
    let c = Coefficients::new();
    let mut r = Jacobian::INFINITY;
    for bit in (0..256).rev() {
        r = r.double(&c);
        if (k[bit / 32] >> (bit % 32)) & 1 == 1 {
            r = r.add_affine(a, &c);
        }
    }
    r
}

fn to_affine(j: &Jacobian) -> Option<Affine> {
    if j.is_infinity() {
        return None;
    }
    let zi = P.invert(&j.z);
    let zi2 = P.sqr(&zi);
    Some(Affine {
        x: P.mul(&j.x, &zi2),
        y: P.mul(&j.y, &P.mul(&zi2, &zi)),
    })
}

/// The SEC1 encoding of `bp256`'s point `p`, as this module's affine point.
fn from_rc(p: &bp256::r1::ProjectivePoint) -> Affine {
    VerifyingKey::from_sec1_bytes(p.to_affine().to_sec1_point(false).as_bytes())
        .unwrap()
        .q
}

/// The compile-time Montgomery forms (256 doublings) are the run-time ones (one
/// multiplication by R²): the curve's coefficients, and R² itself (1 in Montgomery form is
/// R).
#[test]
fn compile_time_montgomery_form_is_the_run_time_one() {
    let c = Coefficients::new();
    assert_eq!((CURVE.a, CURVE.b), (c.a, c.b));
    let mut one = [0u32; 8];
    one[0] = 1;
    let x = [0x1234_5678u32; 8];
    for m in [&P, &N] {
        assert_eq!(m.to_mont(&one), m.to_mont_const(&one));
        assert_eq!(m.to_mont(&x), m.to_mont_const(&x));
    }
}

#[test]
fn the_curve_has_prime_order_n_and_g_on_it() {
    let c = Coefficients::new();
    let g = generator();
    assert!(g.is_on_curve(&c));
    assert_eq!(from_rc(&bp256::r1::ProjectivePoint::generator()), g);
    // n·G = O, (n-1)·G = -G.
    assert!(mul_plain(&g, &N.m).is_infinity());
    let n1 = N.sub(&[0; 8], &[1, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(to_affine(&mul_plain(&g, &n1)), Some(g.neg()));
}

#[test]
fn the_g_table_is_the_odd_multiples_of_g() {
    let g = bp256::r1::ProjectivePoint::generator();
    let want: Vec<Affine> = (0..16u64)
        .map(|i| from_rc(&(g * bp256::Scalar::from(2 * i + 1))))
        .collect();
    if want[..] != gtable::G_ODD[..] {
        let mut src = String::from("pub static G_ODD: [Affine; 16] = [\n");
        for a in &want {
            let limbs = |l: &Limbs| {
                l.iter()
                    .map(|v| std::format!("0x{v:08x}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            src += &std::format!(
                "    Affine {{\n        x: [{}],\n        y: [{}],\n    }},\n",
                limbs(&a.x),
                limbs(&a.y)
            );
        }
        src += "];\n";
        panic!("gtable.rs differs; the table is:\n{src}");
    }
}

/// Σ dᵢ·2ⁱ mod n of a NAF's digits, by Horner from the top, and the digits' rules.
fn naf_value<const W: u32, const C: usize>(naf: &mut Naf<W, C>) -> Limbs {
    let mut acc = [0u32; 8];
    let mut last = None::<u16>;
    for bit in (0..NAF_LEN as u16).rev() {
        acc = N.add(&acc, &acc);
        if let Some(d) = naf.take(bit) {
            assert!(d % 2 != 0 && d.unsigned_abs() < 1 << (W - 1), "digit {d}");
            if let Some(l) = last {
                assert!(l - bit >= W as u16, "digits too close");
            }
            last = Some(bit);
            let mag = [d.unsigned_abs() as u32, 0, 0, 0, 0, 0, 0, 0];
            acc = if d > 0 {
                N.add(&acc, &mag)
            } else {
                N.sub(&acc, &mag)
            };
        }
    }
    assert_eq!(naf.len, 0, "every digit below bit 257");
    acc
}

#[test]
fn a_naf_is_its_scalar_in_digits_of_the_width() {
    let mut rng = Rng(2);
    for i in 0..1000 {
        let k = match i % 5 {
            0 => [u32::MAX; 8],
            1 => [0x5555_5555; 8], // the most digits a NAF can have
            2 => [0; 8],
            _ => from_be_bytes(&rng.bytes()),
        };
        assert_eq!(naf_value(&mut NafG::new(&k)), N.reduce(&k));
        assert_eq!(naf_value(&mut NafQ::new(&k)), N.reduce(&k));
    }
}

#[test]
fn lincomb_is_u1_g_plus_u2_q() {
    let mut rng = Rng(3);
    let c = Coefficients::new();
    let g = generator();
    for i in 0..40 {
        let d = rng.below(&N);
        let d = if is_zero(&d) {
            [7, 0, 0, 0, 0, 0, 0, 0]
        } else {
            d
        };
        let q = to_affine(&mul_plain(&g, &d)).unwrap();
        let (u1, u2) = match i {
            0 => ([0; 8], rng.below(&N)),
            1 => (rng.below(&N), [0; 8]),
            2 => ([0; 8], [0; 8]),
            _ => (rng.below(&N), rng.below(&N)),
        };
        let want = mul_plain(&g, &u1).add(&mul_plain(&q, &u2), &c);
        let got = lincomb(&u1, &u2, &q, &c);
        assert_eq!(to_affine(&got), to_affine(&want), "case {i}");
    }
    // Q = G, u2 = u1: the additions meet the doubling case; u2 = n - u1: infinity.
    let u1 = rng.below(&N);
    let twice = to_affine(&mul_plain(&g, &N.add(&u1, &u1)));
    assert_eq!(to_affine(&lincomb(&u1, &u1, &g, &c)), twice);
    let minus = N.sub(&[0; 8], &u1);
    assert!(lincomb(&u1, &minus, &g, &c).is_infinity());
}

fn rc_key(rng: &mut Rng) -> RcSigningKey {
    loop {
        if let Ok(k) = RcSigningKey::from_slice(&rng.bytes::<32>()) {
            return k;
        }
    }
}

fn ours(k: &RcSigningKey) -> VerifyingKey {
    VerifyingKey::from_sec1_bytes(k.verifying_key().to_sec1_point(false).as_bytes()).unwrap()
}

/// Signatures `bp256` makes verify here, and every change to them is refused here exactly
/// when `bp256` refuses it.
#[test]
fn differential_against_bp256() {
    let mut rng = Rng(4);
    for i in 0..200 {
        let sk = rc_key(&mut rng);
        let (vk, rvk) = (ours(&sk), *sk.verifying_key());
        let msg = rng.bytes::<48>();
        let msg = &msg[..(rng.next() % 49) as usize];
        let s: rc::Signature = sk.sign(msg);
        let sig = Signature::from_slice(&s.to_bytes()).unwrap();
        assert!(vk.verify(msg, &sig).is_ok(), "case {i}");
        // A flipped bit of the signature or the message.
        let mut bytes = s.to_bytes();
        let bit = (rng.next() % 512) as usize;
        bytes[bit / 8] ^= 1 << (bit % 8);
        let rc_ok = rc::Signature::from_slice(&bytes)
            .map(|s| rvk.verify(msg, &s).is_ok())
            .unwrap_or(false);
        let our_ok = Signature::from_slice(&bytes)
            .map(|s| vk.verify(msg, &s).is_ok())
            .unwrap_or(false);
        assert_eq!(our_ok, rc_ok, "case {i} bit {bit}");
        assert!(!our_ok);
        // Any prehash, including ones at or above n and shorter or longer than 32 bytes.
        let mut z = rng.bytes::<40>();
        match i % 4 {
            0 => z[..32].copy_from_slice(&to_be_bytes(&N.m)),
            1 => z[..32].fill(0xff),
            2 => z[..32].fill(0),
            _ => {}
        }
        let zl = [32, 32, 32, 20, 40][i % 5];
        let z = &z[..zl];
        let s: rc::Signature = sk.sign_prehash(z).unwrap();
        let sig = Signature::from_slice(&s.to_bytes()).unwrap();
        assert!(rvk.verify_prehash(z, &s).is_ok());
        assert!(
            vk.verify_prehash(z, &sig).is_ok(),
            "case {i} prehash {z:x?}"
        );
        let other = rng.bytes::<32>();
        assert!(vk.verify_prehash(&other, &sig).is_err());
        // Shorter prehashes (even empty) are read as bp256 reads them (the all-zero one
        // verifies at every length).
        for short in [&z[..15], &z[..1], &z[..0]] {
            assert_eq!(
                vk.verify_prehash(short, &sig).is_ok(),
                rvk.verify_prehash(short, &s).is_ok(),
                "case {i} prehash {short:x?}"
            );
        }
    }
}

#[test]
fn keys_and_signatures_are_checked_before_use() {
    let mut rng = Rng(5);
    let sk = rc_key(&mut rng);
    let good = sk.verifying_key().to_sec1_point(false);
    let good = good.as_bytes();
    assert!(VerifyingKey::from_sec1_bytes(good).is_ok());
    assert_eq!(
        VerifyingKey::from_sec1_bytes(&good[..64]),
        Err(Error::KeyEncoding)
    );
    let mut k = good.to_vec();
    k[0] = 2;
    assert_eq!(VerifyingKey::from_sec1_bytes(&k), Err(Error::KeyEncoding));
    // x = p: not a coordinate (x - p would be a point).
    let mut k = good.to_vec();
    k[1..33].copy_from_slice(&to_be_bytes(&P.m));
    assert_eq!(VerifyingKey::from_sec1_bytes(&k), Err(Error::KeyCoordinate));
    for _ in 0..100 {
        let mut k = good.to_vec();
        let bit = 8 + (rng.next() % 512) as usize;
        k[bit / 8] ^= 1 << (bit % 8);
        let ours = VerifyingKey::from_sec1_bytes(&k).is_ok();
        assert_eq!(ours, RcVerifyingKey::from_sec1_bytes(&k).is_ok());
    }
    let n = to_be_bytes(&N.m);
    let mut s = [1u8; 64];
    assert!(Signature::from_slice(&s).is_ok());
    assert_eq!(Signature::from_slice(&s[..63]), Err(Error::SignatureLength));
    s[..32].copy_from_slice(&n);
    assert_eq!(Signature::from_slice(&s), Err(Error::SignatureRange));
    s[..32].fill(0);
    assert_eq!(Signature::from_slice(&s), Err(Error::SignatureRange));
    s[..32].fill(1);
    s[32..].copy_from_slice(&n);
    assert_eq!(Signature::from_slice(&s), Err(Error::SignatureRange));
}
