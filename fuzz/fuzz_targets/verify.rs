//! The brainpoolP256r1 verifier (nusim_core::bp256r1) against RustCrypto's `bp256`: on any
//! key, message and signature both decide the same way. To reach the curve arithmetic and
//! not only the parsers, most inputs derive a real key from a secret and sign with `bp256`,
//! then change the signature, the message or the prehash as the input says.
#![no_main]

use bp256::r1::ecdsa::Signature as RcSignature;
use bp256::BrainpoolP256r1;
use libfuzzer_sys::fuzz_target;
use nusim_core::bp256r1::{Signature, VerifyingKey};
use signature::hazmat::{PrehashSigner, PrehashVerifier};
use signature::{Signer, Verifier};

type RcSigningKey = ecdsa::SigningKey<BrainpoolP256r1>;
type RcVerifyingKey = ecdsa::VerifyingKey<BrainpoolP256r1>;

/// Both verifiers on `key`, `sig` and `msg` (a message, or a prehash when `pre`).
fn same(key: &[u8], msg: &[u8], sig: &[u8], pre: bool) -> bool {
    let ours = match (
        VerifyingKey::from_sec1_bytes(key),
        Signature::from_slice(sig),
    ) {
        (Ok(k), Ok(s)) if pre => k.verify_prehash(msg, &s).is_ok(),
        (Ok(k), Ok(s)) => k.verify(msg, &s).is_ok(),
        _ => false,
    };
    let theirs = match (
        RcVerifyingKey::from_sec1_bytes(key),
        RcSignature::from_slice(sig),
    ) {
        (Ok(k), Ok(s)) if pre => k.verify_prehash(msg, &s).is_ok(),
        (Ok(k), Ok(s)) => k.verify(msg, &s).is_ok(),
        _ => false,
    };
    assert_eq!(
        VerifyingKey::from_sec1_bytes(key).is_ok(),
        RcVerifyingKey::from_sec1_bytes(key).is_ok(),
        "key {key:02x?}"
    );
    assert_eq!(ours, theirs, "key {key:02x?} msg {msg:02x?} sig {sig:02x?}");
    ours
}

/// brainpoolP256r1's group order, big-endian.
const N: [u8; 32] = [
    0xa9, 0xfb, 0x57, 0xdb, 0xa1, 0xee, 0xa9, 0xbc, 0x3e, 0x66, 0x0a, 0x90, 0x9d, 0x83, 0x8d, 0x71,
    0x8c, 0x39, 0x7a, 0xa3, 0xb5, 0x61, 0xa6, 0xf7, 0x90, 0x1e, 0x0e, 0x82, 0x97, 0x48, 0x56, 0xa7,
];

/// True if the 32-byte big-endian numbers `a` and `b` add up to n exactly.
fn sum_is_n(a: &[u8], b: &[u8]) -> bool {
    let mut carry = 0u16;
    for i in (0..32).rev() {
        let s = u16::from(a[i]) + u16::from(b[i]) + carry;
        if s as u8 != N[i] {
            return false;
        }
        carry = s >> 8;
    }
    carry == 0
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 4 == 0 {
        // Raw bytes: key, signature, message.
        if rest.len() >= 129 {
            same(&rest[..65], &rest[129..], &rest[65..129], false);
        }
        return;
    }
    // A real key and a real signature, then the input's changes (xor masks).
    if rest.len() < 32 + 64 {
        return;
    }
    let (secret, rest) = rest.split_at(32);
    let (mask, msg) = rest.split_at(64);
    let Ok(sk) = RcSigningKey::from_slice(secret) else {
        return;
    };
    let key = sk.verifying_key().to_sec1_point(false);
    let key = key.as_bytes();
    let pre = mode % 4 == 2;
    let sig: RcSignature = if pre {
        match sk.sign_prehash(msg) {
            Ok(s) => s,
            Err(_) => return,
        }
    } else {
        sk.sign(msg)
    };
    let mut sig = sig.to_bytes();
    assert!(same(key, msg, &sig, pre), "a bp256 signature must verify");
    if mode % 4 == 3 {
        // Another message under the same signature.
        let mut other = msg.to_vec();
        if let Some(b) = other.first_mut() {
            *b ^= mask[0] | 1;
        } else {
            other.push(mask[0]);
        }
        assert!(!same(key, &other, &sig, false), "verified another message");
    }
    let orig = sig;
    for (s, m) in sig.iter_mut().zip(mask) {
        *s ^= m;
    }
    let valid = same(key, msg, &sig, pre);
    // (r, n - s) is the other form of the same signature: it verifies too.
    let other_form = sig[..32] == orig[..32] && sum_is_n(&orig[32..], &sig[32..]);
    assert!(
        !valid || sig == orig || other_form,
        "a changed signature verified"
    );
});
