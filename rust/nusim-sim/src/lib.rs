//! A simulated nuSIM, for tests and demos only: NOT a security product.
//!
//! A real nuSIM decrypts with a scheme that is not public (NTS.01). This simulator defines
//! its own, modelled on GSMA SGP.22, so that any board can run the whole carrier switch:
//! - the chain checks are the real ones: KpubCI must be the provisioned CI key, SigKpubDP
//!   must verify over KpubDP with KpubCI, SigEKpubDP over eKpubDP with KpubDP
//!   (ECDSA/SHA-256, brainpoolP256r1);
//! - Z = x-coordinate of ECDH(nuSIM private key, eKpubDP);
//! - ANSI X9.63 KDF, SHA-256, 32-bit big-endian counter from 1, shared info "nuSIM-sim":
//!   bytes 0..16 are the AES-128 encryption key, 16..32 the AES-128 CMAC key;
//! - mac = AES-CMAC(MAC key, encP), compared in constant time;
//! - encP = AES-128-CBC(encryption key, zero IV, profile + ISO/IEC 7816-4 padding);
//! - the profile is a CBOR map {1: ICCID, 2: IMSI, 3: operator name} (text values).
//!
//! Refusals carry the reason codes of the public AT dialect (541..546, 4, 50).

#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use aes::cipher::{Array, BlockCipherDecrypt, KeyInit};
use aes::Aes128;
use bp256::elliptic_curve::point::AffineCoordinates;
use bp256::elliptic_curve::sec1::FromSec1Point;
use bp256::r1::{AffinePoint, NonZeroScalar, ProjectivePoint, Sec1Point};
use cmac::{Cmac, Mac};
use nusim_core::chain::{verify_chain, ChainError};
use nusim_core::field::{Field, BLOCK, HEADER_LEN, MAC_LEN, POINT_LEN};
use nusim_core::result::reason;
use nusim_core::text::{is_iccid, Text};
use sha2::{Digest, Sha256};

/// Shared info of the simulator's KDF.
pub const KDF_SHARED_INFO: &[u8] = b"nuSIM-sim";

/// The simulated chip's provisioned identity.
pub struct Identity {
    /// The CI public key the chip trusts (65 bytes, uncompressed).
    pub ci_public: [u8; POINT_LEN],
    /// The chip's brainpoolP256r1 private scalar (big-endian).
    pub secret: [u8; 32],
    /// EID, 32 digits.
    pub eid: &'static str,
    /// CERT.NUSIM.ECDSA, DER.
    pub cert_der: &'static [u8],
    /// Capabilities as the AT dialect reports them: version, feature bits.
    pub capabilities: [u8; 2],
}

/// What the profile inside a package says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProfileInfo<'a> {
    /// ICCID, 18..20 digits.
    pub iccid: &'a str,
    /// IMSI, 6..15 digits.
    pub imsi: &'a str,
    /// Operator name.
    pub operator: &'a str,
}

/// Derives the encryption and MAC keys from the ECDH shared secret Z (X9.63, SHA-256).
pub fn kdf(z: &[u8; 32]) -> ([u8; 16], [u8; 16]) {
    let mut h = Sha256::new();
    h.update(z);
    h.update(1u32.to_be_bytes());
    h.update(KDF_SHARED_INFO);
    let out = h.finalize();
    let mut enc = [0u8; 16];
    let mut mac = [0u8; 16];
    enc.copy_from_slice(&out[..16]);
    mac.copy_from_slice(&out[16..32]);
    (enc, mac)
}

/// AES-CMAC of `data` under `key`.
pub fn cmac(key: &[u8; 16], data: &[u8]) -> [u8; 16] {
    let mut m = <Cmac<Aes128> as KeyInit>::new(&Array::from(*key));
    m.update(data);
    let mut out = [0u8; 16];
    out.copy_from_slice(&m.finalize().into_bytes());
    out
}

/// Z = x(ECDH(secret, public)); `None` if `public` is not a point of the curve or the
/// secret is not a valid scalar.
pub fn ecdh(secret: &[u8; 32], public: &[u8]) -> Option<[u8; 32]> {
    let point = Sec1Point::from_bytes(public).ok()?;
    let peer: AffinePoint = Option::from(AffinePoint::from_sec1_point(&point))?;
    let scalar: NonZeroScalar = Option::from(NonZeroScalar::from_repr(Array::from(*secret)))?;
    let shared = (ProjectivePoint::from(peer) * *scalar).to_affine();
    let mut z = [0u8; 32];
    z.copy_from_slice(&shared.x());
    Some(z)
}

/// Decrypts AES-128-CBC with a zero IV from `ct` into `out` and strips the ISO/IEC 7816-4
/// padding; returns the plaintext length, `None` if the padding is wrong.
pub fn cbc_decrypt(key: &[u8; 16], ct: &[u8], out: &mut [u8]) -> Option<usize> {
    if ct.is_empty() || ct.len() % BLOCK != 0 || out.len() < ct.len() {
        return None;
    }
    let aes = Aes128::new(&Array::from(*key));
    let mut prev = [0u8; BLOCK];
    for (c, o) in ct.chunks_exact(BLOCK).zip(out.chunks_exact_mut(BLOCK)) {
        let mut b = Array::try_from(c).ok()?;
        aes.decrypt_block(&mut b);
        for i in 0..BLOCK {
            o[i] = b[i] ^ prev[i];
        }
        prev.copy_from_slice(c);
    }
    let n = ct.len();
    let tail = &out[n - BLOCK..n];
    let pad = tail.iter().rev().position(|&b| b != 0)?;
    (tail[BLOCK - 1 - pad] == 0x80).then_some(n - 1 - pad)
}

/// Parses the decrypted profile: a definite CBOR map with text values for keys 1, 2, 3
/// (other unsigned keys are skipped), and nothing after it.
pub fn parse_profile(plain: &[u8]) -> Option<ProfileInfo<'_>> {
    let mut d = minicbor::Decoder::new(plain);
    let n = d.map().ok()??;
    let (mut iccid, mut imsi, mut operator) = (None, None, None);
    for _ in 0..n {
        match d.u32().ok()? {
            1 => iccid = Some(d.str().ok()?),
            2 => imsi = Some(d.str().ok()?),
            3 => operator = Some(d.str().ok()?),
            _ => d.skip().ok()?,
        }
    }
    if d.position() != plain.len() {
        return None;
    }
    let info = ProfileInfo {
        iccid: iccid?,
        imsi: imsi?,
        operator: operator?,
    };
    let imsi_ok =
        (6..=15).contains(&info.imsi.len()) && info.imsi.bytes().all(|c| c.is_ascii_digit());
    (is_iccid(info.iccid.as_bytes()) && imsi_ok).then_some(info)
}

/// The simulated chip. Its state is small; the plaintext of a load goes to a scratch buffer
/// the caller lends to [`SimNusim::load`] (its size bounds the largest encP accepted).
pub struct SimNusim {
    id: &'static Identity,
    iccid: Text<21>,
    single_profile: bool,
}

impl SimNusim {
    /// A chip with no profile. With `single_profile`, a second load is refused with 545, as
    /// on chips without reprovisioning.
    pub const fn new(id: &'static Identity, single_profile: bool) -> Self {
        SimNusim {
            id,
            iccid: Text::new(),
            single_profile,
        }
    }

    /// Makes `iccid` the current profile's ICCID, as if it had been loaded before power-up
    /// (the bootstrap profile a chip ships with). False, and unchanged, if not an ICCID.
    pub fn preload(&mut self, iccid: &[u8]) -> bool {
        is_iccid(iccid) && self.iccid.set(iccid)
    }

    /// Forgets the current profile, as a chip that erased it before an install that then
    /// failed (a fault tests inject to exercise the fallback).
    pub fn wipe(&mut self) {
        self.iccid.set(b"");
    }

    /// The identity.
    pub fn identity(&self) -> &'static Identity {
        self.id
    }

    /// ICCID of the loaded profile (empty if none).
    pub fn iccid(&self) -> &[u8] {
        self.iccid.as_bytes()
    }

    /// Checks, decrypts (into `plain`, wiped afterwards) and installs `pkg` (vendor wire
    /// order). On success the profile's ICCID becomes current and is returned; on refusal
    /// the nuSIM reason code. An encP longer than `plain` is a general error (4).
    pub fn load(&mut self, pkg: &[u8], plain: &mut [u8]) -> Result<&[u8], u16> {
        if pkg.len() < HEADER_LEN + BLOCK || (pkg.len() - HEADER_LEN) % BLOCK != 0 {
            return Err(reason::SYNTAX);
        }
        if pkg.len() - HEADER_LEN > plain.len() {
            return Err(reason::GENERAL);
        }
        if self.single_profile && !self.iccid.as_bytes().is_empty() {
            return Err(reason::REPROVISIONING);
        }
        let f = |f: Field| &pkg[f.wire_offset()..f.wire_offset() + f.fixed_len().unwrap_or(0)];
        if f(Field::KpubCI) != self.id.ci_public {
            return Err(reason::CI_MISMATCH);
        }
        verify_chain(pkg).map_err(|e| match e {
            ChainError::UntrustedCi => reason::CI_MISMATCH,
            ChainError::SigKpubDp => reason::SIG_KPUB_DP,
            ChainError::SigEKpubDp => reason::SIG_EKPUB_DP,
            // The chip's own verifier always decides; were it not to, a general error.
            ChainError::Crypto => reason::GENERAL,
        })?;
        let z = ecdh(&self.id.secret, f(Field::EKpubDP)).ok_or(reason::GENERAL)?;
        let (k_enc, k_mac) = kdf(&z);
        let enc_p = &pkg[HEADER_LEN..];
        let mut m = <Cmac<Aes128> as KeyInit>::new(&Array::from(k_mac));
        m.update(enc_p);
        // verify_slice compares in constant time.
        m.verify_slice(&f(Field::Mac)[..MAC_LEN])
            .map_err(|_| reason::MAC)?;
        let parsed = cbc_decrypt(&k_enc, enc_p, plain)
            .and_then(|n| parse_profile(&plain[..n]))
            // is_iccid (in parse_profile) bounded it to 20 digits: it fits.
            .map(|info| self.iccid.set(info.iccid.as_bytes()));
        plain.fill(0);
        match parsed {
            Some(true) => Ok(self.iccid.as_bytes()),
            Some(false) => Err(reason::GENERAL),
            None => Err(reason::UNPARSABLE),
        }
    }
}

pub mod at_emul;

/// The simulated nuSIM's TEST identity (`test-material/`). Its private keys are public.
pub mod test_identity {
    include!("../../../test-material/identity.rs");
}

/// The test identity as an [`Identity`].
pub static TEST_IDENTITY: Identity = Identity {
    ci_public: test_identity::CI_PUBLIC,
    secret: test_identity::NUSIM_SECRET,
    eid: test_identity::EID,
    cert_der: test_identity::CERT_DER,
    capabilities: test_identity::CAPABILITIES,
};
