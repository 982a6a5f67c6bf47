//! The nuSIM key chain: SigKpubDP over KpubDP with KpubCI, SigEKpubDP over eKpubDP with
//! KpubDP; ECDSA with SHA-256 over the 65-byte uncompressed keys, raw r||s signatures.
//!
//! With feature `chain-bp256` the curve is the one nuSIM uses, brainpoolP256r1, verified by
//! this crate's `bp256r1` module (a verifier for 32-bit cores). With only the feature
//! `chain-p256` it is NIST P-256 through RustCrypto's `p256` (`verify_on`, generic over
//! RustCrypto curves): the same API, another curve.

use crate::field::{Field, HEADER_LEN, POINT_LEN, SIG_LEN};
use crate::trust::TrustAnchors;
#[cfg(feature = "chain-p256")]
use ecdsa::elliptic_curve::sec1::{FromSec1Point, ModulusSize, ToSec1Point};
#[cfg(feature = "chain-p256")]
use ecdsa::elliptic_curve::{AffinePoint, CurveArithmetic, FieldBytesSize};
#[cfg(feature = "chain-p256")]
use ecdsa::{DigestAlgorithm, EcdsaCurve};

/// The curve of this build: P-256 (feature `chain-p256` without `chain-bp256`).
#[cfg(all(feature = "chain-p256", not(feature = "chain-bp256")))]
pub type NusimCurve = p256::NistP256;

/// Which check a package failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChainError {
    /// KpubCI is not one of the trusted CI keys.
    UntrustedCi,
    /// SigKpubDP does not verify over KpubDP with KpubCI (or KpubCI is not a curve point).
    SigKpubDp,
    /// SigEKpubDP does not verify over eKpubDP with KpubDP (or KpubDP is not a curve point).
    SigEKpubDp,
    /// The verifier could not decide (the platform's crypto failed; it logged why).
    Crypto,
}

crate::log::describe_names!(ChainError {
    UntrustedCi => "KpubCI not trusted",
    SigKpubDp => "SigKpubDP does not verify",
    SigEKpubDp => "SigEKpubDP does not verify",
    Crypto => "the crypto library failed",
});

impl From<ChainError> for crate::result::LoadResult {
    fn from(e: ChainError) -> Self {
        use crate::result::LoadResult;
        match e {
            ChainError::UntrustedCi => LoadResult::CiKeyMismatch,
            ChainError::SigKpubDp => LoadResult::SigKpubDpInvalid,
            ChainError::SigEKpubDp => LoadResult::SigEKpubDpInvalid,
            ChainError::Crypto => LoadResult::Failed,
        }
    }
}

/// Verifies `sig` (r||s) over `msg` with the SEC1 public key `key` on RustCrypto curve `C`.
#[cfg(feature = "chain-p256")]
pub fn verify_on<C>(key: &[u8], msg: &[u8], sig: &[u8]) -> bool
where
    C: EcdsaCurve + CurveArithmetic + DigestAlgorithm,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
    FieldBytesSize<C>: ModulusSize,
{
    use ecdsa::signature::Verifier;
    let Ok(vk) = ecdsa::VerifyingKey::<C>::from_sec1_bytes(key) else {
        return false;
    };
    let Ok(sig) = ecdsa::Signature::<C>::from_slice(sig) else {
        return false;
    };
    vk.verify(msg, &sig).is_ok()
}

/// Verifies `sig` (r||s) over `msg` with the SEC1 public key `key` on this build's curve.
pub fn verify(key: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    verify_digest(key, &sha256(msg), sig)
}

/// Verifies `sig` (r||s) over the SHA-256 digest `digest` with the SEC1 public key `key`
/// on this build's curve, with this crate's verifier: what [`crate::platform::Platform`]'s
/// `verify_signature` does unless a platform brings its own crypto.
pub fn verify_digest(key: &[u8], digest: &[u8; DIGEST_LEN], sig: &[u8]) -> bool {
    #[cfg(feature = "chain-bp256")]
    {
        use crate::bp256r1::{Signature, VerifyingKey};
        match (
            VerifyingKey::from_sec1_bytes(key),
            Signature::from_slice(sig),
        ) {
            (Ok(k), Ok(s)) => k.verify_digest(digest, &s),
            _ => false,
        }
    }
    #[cfg(not(feature = "chain-bp256"))]
    {
        use ecdsa::signature::hazmat::PrehashVerifier;
        let Ok(vk) = ecdsa::VerifyingKey::<NusimCurve>::from_sec1_bytes(key) else {
            return false;
        };
        let Ok(sig) = ecdsa::Signature::<NusimCurve>::from_slice(sig) else {
            return false;
        };
        vk.verify_prehash(digest, &sig).is_ok()
    }
}

/// True if `key` is a 65-byte uncompressed point on this build's curve (a usable trust
/// anchor).
pub fn is_public_key(key: &[u8]) -> bool {
    #[cfg(feature = "chain-bp256")]
    return crate::bp256r1::VerifyingKey::from_sec1_bytes(key).is_ok();
    #[cfg(not(feature = "chain-bp256"))]
    return key.len() == POINT_LEN
        && key[0] == 4
        && ecdsa::VerifyingKey::<NusimCurve>::from_sec1_bytes(key).is_ok();
}

/// The bytes of fixed-size field `f` in a package (or header) in wire order, which must be
/// at least [`HEADER_LEN`] long.
pub fn field(pkg: &[u8], f: Field) -> &[u8] {
    let o = f.wire_offset();
    let n = f.fixed_len().unwrap_or(0);
    &pkg[o..o + n]
}

/// Bytes of a SHA-256 digest.
pub const DIGEST_LEN: usize = 32;

/// The SHA-256 digest of `msg`.
pub fn sha256(msg: &[u8]) -> [u8; DIGEST_LEN] {
    use sha2::Digest;
    sha2::Sha256::digest(msg).into()
}

/// An ECDSA signature of a SHA-256 digest, checked by whoever verifies: `Ok(true)` valid,
/// `Ok(false)` not (a key that is not a point of the curve included), `Err(code)` when the
/// verifier could not decide (its error code, for the log).
pub type Verdict = Result<bool, i32>;

/// Checks both signatures of a package in wire order (at least its 339-byte header) with
/// this crate's verifier.
pub fn verify_chain(pkg: &[u8]) -> Result<(), ChainError> {
    verify_chain_with(pkg, |key, digest, sig| Ok(verify_digest(key, digest, sig)))
}

/// Checks both signatures of a package in wire order (at least its 339-byte header), each
/// through `verify(key, SHA-256 digest of the signed key, signature)`: the platform's
/// crypto or this crate's verifier. The first link that fails is the error; a verifier
/// that cannot decide fails the check ([`ChainError::Crypto`]).
///
/// ```
/// # #[cfg(feature = "chain-bp256")] {
/// use nusim_core::chain::{verify_chain_with, verify_digest, ChainError, A1_HEADER};
/// // The public A.1 chain verifies with this crate's verifier...
/// assert_eq!(verify_chain_with(&A1_HEADER, |k, d, s| Ok(verify_digest(k, d, s))), Ok(()));
/// // ...and a verifier that cannot decide refuses it.
/// assert_eq!(verify_chain_with(&A1_HEADER, |_, _, _| Err(-1)), Err(ChainError::Crypto));
/// # }
/// ```
pub fn verify_chain_with(
    pkg: &[u8],
    mut verify: impl FnMut(&[u8; POINT_LEN], &[u8; DIGEST_LEN], &[u8; SIG_LEN]) -> Verdict,
) -> Result<(), ChainError> {
    const _: () = assert!(POINT_LEN == 65 && SIG_LEN == 64);
    if pkg.len() < HEADER_LEN {
        return Err(ChainError::SigKpubDp);
    }
    let mut link = |key: Field, signed: Field, sig: Field, fails: ChainError| {
        let (Ok(key), Ok(sig)) = (field(pkg, key).try_into(), field(pkg, sig).try_into()) else {
            return Err(fails);
        };
        match verify(key, &sha256(field(pkg, signed)), sig) {
            Ok(true) => Ok(()),
            Ok(false) => Err(fails),
            Err(_) => Err(ChainError::Crypto),
        }
    };
    link(
        Field::KpubCI,
        Field::KpubDP,
        Field::SigKpubDP,
        ChainError::SigKpubDp,
    )?;
    link(
        Field::KpubDP,
        Field::EKpubDP,
        Field::SigEKpubDP,
        ChainError::SigEKpubDp,
    )
}

/// The KpubCI of a package in wire order, if it has a whole header.
pub fn kpub_ci(pkg: &[u8]) -> Option<&[u8]> {
    (pkg.len() >= HEADER_LEN).then(|| field(pkg, Field::KpubCI))
}

/// The device-side check of a package: KpubCI is one of `trust` (skipped when `trust`
/// is empty: then the nuSIM alone decides), then both signatures.
pub fn check_package<const N: usize>(
    pkg: &[u8],
    trust: &TrustAnchors<N>,
) -> Result<(), ChainError> {
    let ci = kpub_ci(pkg).ok_or(ChainError::SigKpubDp)?;
    if !trust.admits(ci) {
        return Err(ChainError::UntrustedCi);
    }
    verify_chain(pkg)
}

/// The header (eKpubDP, mac, SigEKpubDP, KpubDP, SigKpubDP, KpubCI, in wire order) of the
/// public nuSIM test vectors, Eagle provisioning spec A.1
/// (`../shared/vectors/nusim-provisioning-a1.json`): a valid brainpoolP256r1 chain, for
/// benchmarks and tests.
pub static A1_HEADER: [u8; 339] = [
    0x04, 0xa4, 0x7a, 0x63, 0xc1, 0x50, 0x60, 0xf1, 0xb5, 0x24, 0xc5, 0x80, 0x82, 0xa2, 0x95, 0x6c,
    0x21, 0x39, 0xb2, 0xfd, 0x86, 0x88, 0x27, 0x4c, 0xd5, 0xd7, 0x56, 0x18, 0x9b, 0x84, 0xf9, 0x4e,
    0x40, 0x0c, 0xd6, 0x91, 0xed, 0x9b, 0xe1, 0xf0, 0xf8, 0xa2, 0xd2, 0x06, 0x85, 0x0d, 0x08, 0x32,
    0x84, 0x26, 0xfa, 0x0c, 0x09, 0x2b, 0xce, 0x39, 0xb9, 0x8a, 0x50, 0xed, 0x0b, 0x2e, 0xd8, 0x71,
    0xde, 0xd2, 0xb5, 0xe4, 0x2d, 0xb1, 0x57, 0x9f, 0xc7, 0xd2, 0x15, 0xcf, 0x17, 0x2c, 0x0d, 0x98,
    0xfa, 0x84, 0x01, 0x6a, 0x0a, 0x2a, 0x31, 0x4c, 0x55, 0x7f, 0x7a, 0xd5, 0xcf, 0x35, 0xa4, 0x8d,
    0x58, 0x72, 0xf4, 0x95, 0x90, 0x24, 0x94, 0xf9, 0x67, 0x64, 0x3e, 0x8b, 0xbb, 0x46, 0x56, 0x7b,
    0xfd, 0x89, 0x16, 0x5d, 0x2a, 0xa8, 0x25, 0xa5, 0xbb, 0xd5, 0x7a, 0x71, 0x5a, 0x4b, 0x63, 0x32,
    0x33, 0x2a, 0x42, 0xee, 0x8f, 0x64, 0xa9, 0x06, 0x8b, 0x62, 0xa1, 0xc7, 0x30, 0x59, 0x8c, 0xcf,
    0x72, 0x04, 0x1b, 0x7c, 0xc4, 0x68, 0x25, 0xb5, 0xeb, 0xf4, 0xcb, 0xa0, 0x3d, 0x4d, 0xbf, 0xdc,
    0x1d, 0xdc, 0x2e, 0xb3, 0x2f, 0x10, 0xf7, 0x2c, 0xa5, 0x2b, 0x64, 0xf9, 0xc5, 0x8e, 0xdf, 0xec,
    0xe3, 0x66, 0x83, 0x76, 0xc7, 0x41, 0xd3, 0x15, 0x98, 0xe3, 0x8c, 0x1c, 0x22, 0xe8, 0x73, 0xba,
    0xd2, 0x0d, 0xa1, 0x50, 0x6b, 0xcf, 0x90, 0x04, 0xc3, 0x05, 0xdc, 0xbe, 0x87, 0x82, 0x83, 0x5d,
    0x58, 0xfa, 0x6e, 0x13, 0xec, 0xf5, 0xe7, 0xa7, 0xc9, 0x48, 0xce, 0x85, 0xa3, 0x80, 0x24, 0xf1,
    0x92, 0x72, 0xa8, 0x40, 0x06, 0xd3, 0xf2, 0x33, 0x93, 0x1a, 0xa3, 0xae, 0x7a, 0x45, 0x45, 0x7a,
    0x66, 0x10, 0x8e, 0x44, 0x7b, 0x66, 0xb4, 0xc0, 0x52, 0x87, 0x59, 0x30, 0x86, 0xcd, 0x58, 0x6c,
    0x07, 0xcb, 0x8d, 0xd5, 0x37, 0x2b, 0xcb, 0x64, 0x0f, 0x3d, 0x4a, 0xc8, 0x38, 0xa8, 0x76, 0x32,
    0xca, 0x91, 0x04, 0x45, 0x16, 0x69, 0x37, 0x0a, 0x39, 0xc1, 0x4a, 0xa1, 0x66, 0x04, 0x8a, 0x93,
    0x9c, 0x60, 0x61, 0xdc, 0x60, 0x66, 0x41, 0x8e, 0x88, 0x5f, 0xb7, 0x1b, 0x4d, 0x59, 0x56, 0x47,
    0xe0, 0x2d, 0xa2, 0x87, 0x55, 0x3a, 0x53, 0x8a, 0x08, 0x1b, 0x2c, 0xbc, 0xe2, 0xee, 0xc7, 0x90,
    0x43, 0xf4, 0xdc, 0x67, 0x43, 0x71, 0x45, 0x6f, 0xba, 0x5d, 0x81, 0x8b, 0xe5, 0x8b, 0x35, 0x39,
    0x3b, 0x3b, 0xf4,
];

#[cfg(test)]
#[cfg_attr(not(feature = "chain-bp256"), allow(dead_code))]
mod tests {
    use super::*;
    extern crate std;
    use std::vec::Vec;

    // ../shared/vectors/nusim-provisioning-a1.json (public, Eagle provisioning spec A.1).
    const KPUB_CI: &str = "04451669370A39C14AA166048A939C6061DC6066418E885FB71B4D595647E02DA287553A538A081B2CBCE2EEC79043F4DC674371456FBA5D818BE58B35393B3BF4";
    const KPUB_DP: &str = "041B7CC46825B5EBF4CBA03D4DBFDC1DDC2EB32F10F72CA52B64F9C58EDFECE3668376C741D31598E38C1C22E873BAD20DA1506BCF9004C305DCBE8782835D58FA";
    const SIG_KPUB_DP: &str = "6E13ECF5E7A7C948CE85A38024F19272A84006D3F233931AA3AE7A45457A66108E447B66B4C05287593086CD586C07CB8DD5372BCB640F3D4AC838A87632CA91";
    const EKPUB_DP: &str = "04A47A63C15060F1B524C58082A2956C2139B2FD8688274CD5D756189B84F94E400CD691ED9BE1F0F8A2D206850D08328426FA0C092BCE39B98A50ED0B2ED871DE";
    const SIG_EKPUB_DP: &str = "84016A0A2A314C557F7AD5CF35A48D5872F495902494F967643E8BBB46567BFD89165D2AA825A5BBD57A715A4B6332332A42EE8F64A9068B62A1C730598CCF72";
    const MAC: &str = "D2B5E42DB1579FC7D215CF172C0D98FA";

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn vector_header() -> Vec<u8> {
        [EKPUB_DP, MAC, SIG_EKPUB_DP, KPUB_DP, SIG_KPUB_DP, KPUB_CI]
            .iter()
            .flat_map(|h| unhex(h))
            .collect()
    }

    #[test]
    fn the_exported_header_is_the_vectors_file() {
        assert_eq!(vector_header(), A1_HEADER);
    }

    #[cfg(feature = "chain-bp256")]
    #[test]
    fn public_vectors_verify() {
        assert!(verify(
            &unhex(KPUB_CI),
            &unhex(KPUB_DP),
            &unhex(SIG_KPUB_DP)
        ));
        assert!(verify(
            &unhex(KPUB_DP),
            &unhex(EKPUB_DP),
            &unhex(SIG_EKPUB_DP)
        ));
        assert_eq!(verify_chain(&vector_header()), Ok(()));
    }

    /// What a platform's verifier (PSA Crypto) is asked, in order: the CI's signature of
    /// KpubDP, then KpubDP's of eKpubDP, each over the SHA-256 digest of the signed key; a
    /// refusal stops at its link, and a verifier that cannot decide fails the check.
    #[test]
    fn a_platform_verifier_sees_each_link_in_order() {
        let h = vector_header();
        let mut asked = Vec::new();
        let r = verify_chain_with(&h, |k, d, s| {
            asked.push((k.to_vec(), *d, s.to_vec()));
            Ok(true)
        });
        assert_eq!(r, Ok(()));
        let digest = |hexkey: &str| -> [u8; 32] { sha256(&unhex(hexkey)) };
        assert_eq!(
            asked,
            [
                (unhex(KPUB_CI), digest(KPUB_DP), unhex(SIG_KPUB_DP)),
                (unhex(KPUB_DP), digest(EKPUB_DP), unhex(SIG_EKPUB_DP)),
            ]
        );
        // The digest is SHA-256's: the empty message's is the known one.
        assert_eq!(
            sha256(b"")[..4],
            [0xe3, 0xb0, 0xc4, 0x42],
            "SHA-256 of the empty message"
        );
        let mut calls = 0;
        let first_refused = verify_chain_with(&h, |_, _, _| {
            calls += 1;
            Ok(false)
        });
        assert_eq!((first_refused, calls), (Err(ChainError::SigKpubDp), 1));
        let mut calls = 0;
        let second_refused = verify_chain_with(&h, |_, _, _| {
            calls += 1;
            Ok(calls == 1)
        });
        assert_eq!((second_refused, calls), (Err(ChainError::SigEKpubDp), 2));
        assert_eq!(
            verify_chain_with(&h, |_, _, _| Err(-134)),
            Err(ChainError::Crypto)
        );
        assert_eq!(
            crate::result::LoadResult::from(ChainError::Crypto),
            crate::result::LoadResult::Failed
        );
        assert_eq!(
            verify_chain_with(&h[..HEADER_LEN - 1], |_, _, _| Ok(true)),
            Err(ChainError::SigKpubDp),
            "a short header never reaches the verifier"
        );
    }

    /// The default of `Platform::verify_signature` is this crate's verifier, over a digest.
    #[cfg(feature = "chain-bp256")]
    #[test]
    fn verify_digest_is_verify_over_the_digest() {
        let ok = verify_digest(
            &unhex(KPUB_CI),
            &sha256(&unhex(KPUB_DP)),
            &unhex(SIG_KPUB_DP),
        );
        let other = verify_digest(
            &unhex(KPUB_CI),
            &sha256(&unhex(EKPUB_DP)),
            &unhex(SIG_KPUB_DP),
        );
        assert!(ok && !other);
    }

    #[cfg(feature = "chain-bp256")]
    #[test]
    fn every_flipped_bit_of_the_chain_fails() {
        let good = vector_header();
        let covered = [
            (Field::SigKpubDP, ChainError::SigKpubDp),
            (Field::KpubCI, ChainError::SigKpubDp),
            (Field::SigEKpubDP, ChainError::SigEKpubDp),
            (Field::EKpubDP, ChainError::SigEKpubDp),
        ];
        for (f, want) in covered {
            let o = f.wire_offset();
            for bit in 0..f.fixed_len().unwrap() * 8 {
                let mut p = good.clone();
                p[o + bit / 8] ^= 1 << (bit % 8);
                assert_eq!(verify_chain(&p), Err(want), "{f:?} bit {bit}");
            }
        }
        // KpubDP is signed by the CI: any change breaks the first link.
        let o = Field::KpubDP.wire_offset();
        for bit in (0..65 * 8).step_by(7) {
            let mut p = good.clone();
            p[o + bit / 8] ^= 1 << (bit % 8);
            assert_eq!(verify_chain(&p), Err(ChainError::SigKpubDp));
        }
    }

    /// The curve matters: the valid brainpoolP256r1 chain of the public vectors does not
    /// verify on NIST P-256 (its keys are not P-256 points), and a valid P-256 signature
    /// verifies there (and only there) with the same API.
    #[cfg(feature = "chain-p256")]
    #[test]
    fn not_p256() {
        use p256::ecdsa::{signature::Signer, Signature as P256Sig, SigningKey};
        type P256 = p256::NistP256;
        let (ci, dp, sig) = (unhex(KPUB_CI), unhex(KPUB_DP), unhex(SIG_KPUB_DP));
        assert!(!verify_on::<P256>(&ci, &dp, &sig));
        let sk = SigningKey::from_slice(&[0x11; 32]).unwrap();
        let pk = sk.verifying_key().to_sec1_point(false);
        let s: P256Sig = sk.sign(&dp);
        assert!(verify_on::<P256>(pk.as_bytes(), &dp, &s.to_bytes()));
        let mut bad = s.to_bytes();
        bad[7] ^= 1;
        assert!(!verify_on::<P256>(pk.as_bytes(), &dp, &bad));
        #[cfg(feature = "chain-bp256")]
        assert!(!verify_on::<bp256::BrainpoolP256r1>(
            pk.as_bytes(),
            &dp,
            &s.to_bytes()
        ));
        #[cfg(not(feature = "chain-bp256"))]
        {
            // This build's curve is P-256: the chain API takes P-256 keys.
            assert!(is_public_key(pk.as_bytes()) && !is_public_key(&ci));
            assert!(verify(pk.as_bytes(), &dp, &s.to_bytes()));
        }
    }

    /// The next string value of any of `keys` in `json` after `at`: (key index, value,
    /// position after it). Enough for Wycheproof's regular files, without a JSON crate.
    fn next_value<'a>(json: &'a str, at: usize, keys: &[&str]) -> Option<(usize, &'a str, usize)> {
        let (k, pos) = keys
            .iter()
            .enumerate()
            .filter_map(|(i, k)| {
                json[at..]
                    .find(&std::format!("\"{k}\""))
                    .map(|p| (i, at + p))
            })
            .min_by_key(|&(_, p)| p)?;
        let after_key = pos + keys[k].len() + 2;
        let open = after_key + json[after_key..].find('"')? + 1;
        let close = open + json[open..].find('"')?;
        Some((k, &json[open..close], close + 1))
    }

    /// RustCrypto's `bp256` on the same inputs (the differential reference).
    #[cfg(feature = "chain-bp256")]
    fn rc_verify(key: &[u8], msg: &[u8], sig: &[u8]) -> bool {
        use bp256::r1::ecdsa::Signature;
        use signature::Verifier;
        type VerifyingKey = ecdsa::VerifyingKey<bp256::BrainpoolP256r1>;
        match (
            VerifyingKey::from_sec1_bytes(key),
            Signature::from_slice(sig),
        ) {
            (Ok(k), Ok(s)) => k.verify(msg, &s).is_ok(),
            _ => false,
        }
    }

    /// Every Wycheproof ECDSA brainpoolP256r1 SHA-256 vector (raw r||s): the valid ones
    /// are accepted, the invalid ones refused (../shared/vectors/wycheproof/), and `bp256`
    /// decides every one the same way.
    #[cfg(feature = "chain-bp256")]
    #[test]
    fn wycheproof_brainpool_p256_sha256() {
        let path = std::format!(
            "{}/../../../shared/vectors/wycheproof/ecdsa_brainpoolP256r1_sha256_p1363_test.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let json = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let keys = ["uncompressed", "msg", "sig", "result"];
        let (mut key, mut msg, mut sig) = (Vec::new(), Vec::new(), Vec::new());
        let (mut valid, mut invalid, mut at) = (0, 0, 0);
        while let Some((k, v, next)) = next_value(&json, at, &keys) {
            at = next;
            match k {
                0 => key = unhex(v),
                1 => msg = unhex(v),
                // Some invalid signatures are of odd length: keep whole bytes only.
                2 => sig = unhex(&v[..v.len() & !1]),
                _ => {
                    let ok = verify(&key, &msg, &sig);
                    assert_eq!(ok, rc_verify(&key, &msg, &sig), "bp256 disagrees");
                    match v {
                        "valid" => {
                            assert!(ok, "valid vector {} refused", valid + invalid + 1);
                            valid += 1;
                        }
                        "invalid" => {
                            assert!(!ok, "invalid vector {} accepted", valid + invalid + 1);
                            invalid += 1;
                        }
                        other => panic!("result {other}"),
                    }
                }
            }
        }
        assert_eq!((valid, invalid), (175, 86));
    }

    #[cfg(feature = "chain-bp256")]
    #[test]
    fn trust_anchors_gate_the_ci_key() {
        let pkg = vector_header();
        let ci = unhex(KPUB_CI);
        assert!(is_public_key(&ci));
        let mut t = TrustAnchors::<2>::new();
        assert_eq!(
            check_package(&pkg, &t),
            Ok(()),
            "empty set: the nuSIM decides"
        );
        t.set(&unhex(KPUB_DP), is_public_key).unwrap();
        assert_eq!(check_package(&pkg, &t), Err(ChainError::UntrustedCi));
        t.set(&[unhex(KPUB_DP), ci.clone()].concat(), is_public_key)
            .unwrap();
        assert_eq!(check_package(&pkg, &t), Ok(()));
        t.poison();
        assert_eq!(check_package(&pkg, &t), Err(ChainError::UntrustedCi));
        assert_eq!(
            check_package(&pkg[..300], &TrustAnchors::<1>::new()),
            Err(ChainError::SigKpubDp)
        );
        // Not points: wrong prefix, off the curve, short.
        let mut off = ci.clone();
        off[64] ^= 1;
        let mut compressed = ci.clone();
        compressed[0] = 2;
        for bad in [&off[..], &compressed[..], &ci[..64]] {
            assert!(!is_public_key(bad));
        }
    }

    #[cfg(feature = "chain-p256")]
    #[test]
    fn the_verifier_is_generic_over_the_curve() {
        use ecdsa::signature::Signer;
        let sk = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
        let pk = sk.verifying_key().to_sec1_point(false);
        let msg = unhex(KPUB_DP);
        let sig: p256::ecdsa::Signature = sk.sign(&msg);
        assert!(verify_on::<p256::NistP256>(
            pk.as_bytes(),
            &msg,
            &sig.to_bytes()
        ));
        let mut bad = sig.to_bytes();
        bad[5] ^= 1;
        assert!(!verify_on::<p256::NistP256>(pk.as_bytes(), &msg, &bad));
        // A brainpool key is not a P-256 point.
        assert!(!verify_on::<p256::NistP256>(
            &unhex(KPUB_CI),
            &msg,
            &sig.to_bytes()
        ));
    }
}
