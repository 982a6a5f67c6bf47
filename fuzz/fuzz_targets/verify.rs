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
        same(key, &other, &sig, false);
    }
    for (s, m) in sig.iter_mut().zip(mask) {
        *s ^= m;
    }
    let valid = same(key, msg, &sig, pre);
    assert!(
        !valid || mask.iter().all(|&m| m == 0),
        "a changed signature verified"
    );
});
