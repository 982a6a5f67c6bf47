//! Builds nuSIM profile packages for the simulated nuSIM's scheme (see `nusim-sim`), valid
//! or broken on purpose, so that tests and servers can drive Objects 507/508.
//!
//! Host-side (std). Signatures are deterministic (RFC 6979), the ephemeral DP key is derived
//! from a seed: the same inputs give the same package.
#![forbid(unsafe_code)]

use aes::cipher::{Array, BlockCipherEncrypt, KeyInit};
use aes::Aes128;
use bp256::r1::{NonZeroScalar, ProjectivePoint};
use bp256::BrainpoolP256r1;
use ecdsa::signature::Signer;
use ecdsa::SigningKey;
use nusim_core::codec::{self, Encoding};
use nusim_core::field::{Field, BLOCK, HEADER_LEN};
use nusim_sim::{cmac, ecdh, kdf};
use sha2::{Digest, Sha256};

/// A brainpoolP256r1 private scalar (big-endian).
pub type Secret = [u8; 32];

/// The uncompressed public key of `secret`.
pub fn public(secret: &Secret) -> [u8; 65] {
    let s = NonZeroScalar::from_repr(Array::from(*secret)).expect("valid scalar");
    let p = (ProjectivePoint::GENERATOR * *s).to_affine();
    let enc = bp256::elliptic_curve::sec1::ToSec1Point::to_sec1_point(&p, false);
    enc.as_bytes().try_into().expect("65 bytes")
}

/// A valid scalar derived from a label (SHA-256, retried on the negligible invalid case).
pub fn secret_from_label(label: &str) -> Secret {
    let mut h: [u8; 32] = Sha256::digest(label.as_bytes()).into();
    loop {
        if bool::from(NonZeroScalar::from_repr(Array::from(h)).is_some()) {
            return h;
        }
        h = Sha256::digest(h).into();
    }
}

/// ECDSA/SHA-256 signature, raw r||s.
pub fn sign(secret: &Secret, msg: &[u8]) -> [u8; 64] {
    let sk = SigningKey::<BrainpoolP256r1>::from_slice(secret).expect("valid scalar");
    let sig: ecdsa::Signature<BrainpoolP256r1> = sk.sign(msg);
    sig.to_bytes().as_slice().try_into().expect("64 bytes")
}

/// The profile CBOR map {1: ICCID, 2: IMSI, 3: operator}.
pub fn profile_cbor(iccid: &str, imsi: &str, operator: &str) -> Vec<u8> {
    let mut e = minicbor::Encoder::new(Vec::new());
    e.map(3)
        .and_then(|e| e.u8(1)?.str(iccid)?.u8(2)?.str(imsi)?.u8(3)?.str(operator))
        .expect("encoding into a Vec cannot fail");
    e.into_writer()
}

/// AES-128-CBC, zero IV, ISO/IEC 7816-4 padding.
pub fn cbc_encrypt(key: &[u8; 16], plain: &[u8]) -> Vec<u8> {
    let mut data = plain.to_vec();
    data.push(0x80);
    while data.len() % BLOCK != 0 {
        data.push(0);
    }
    let aes = Aes128::new(&Array::from(*key));
    let mut prev = [0u8; BLOCK];
    for block in data.chunks_exact_mut(BLOCK) {
        for (b, p) in block.iter_mut().zip(prev) {
            *b ^= p;
        }
        let mut a = Array::try_from(&*block).expect("16 bytes");
        aes.encrypt_block(&mut a);
        block.copy_from_slice(&a);
        prev.copy_from_slice(block);
    }
    data
}

/// The seven values of a 507 instance, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Package {
    /// 507/x/0 .. 507/x/6 in resource order.
    pub fields: [Vec<u8>; 7],
}

/// Who signs and for whom a package is made.
pub struct Builder {
    /// CI private key (signs KpubDP).
    pub ci: Secret,
    /// DP private key (signs eKpubDP).
    pub dp: Secret,
    /// The target nuSIM's public key.
    pub nusim_public: [u8; 65],
}

impl Builder {
    /// For the simulated nuSIM's test identity (`test-material/`).
    pub fn test_identity() -> Self {
        use nusim_sim::test_identity as t;
        Builder {
            ci: t::CI_SECRET,
            dp: t::DP_SECRET,
            nusim_public: t::NUSIM_PUBLIC,
        }
    }

    /// Encrypts `plain` (a profile) for the nuSIM, with an ephemeral key derived from `seed`.
    pub fn build(&self, plain: &[u8], seed: &str) -> Package {
        let eph = secret_from_label(&format!("ephemeral {seed}"));
        let ekpub = public(&eph);
        let z = ecdh(&eph, &self.nusim_public).expect("nuSIM key is a curve point");
        let (k_enc, k_mac) = kdf(&z);
        let enc_p = cbc_encrypt(&k_enc, plain);
        let mac = cmac(&k_mac, &enc_p);
        let kpub_dp = public(&self.dp);
        let kpub_ci = public(&self.ci);
        Package {
            fields: [
                enc_p,
                mac.to_vec(),
                ekpub.to_vec(),
                sign(&self.dp, &ekpub).to_vec(),
                kpub_dp.to_vec(),
                sign(&self.ci, &kpub_dp).to_vec(),
                kpub_ci.to_vec(),
            ],
        }
    }

    /// A package carrying the profile (ICCID, IMSI, operator).
    pub fn profile(&self, iccid: &str, imsi: &str, operator: &str) -> Package {
        self.build(&profile_cbor(iccid, imsi, operator), iccid)
    }
}

/// Ways to break a package, one per failure class of 508/0/6.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Breakage {
    /// Signed by another CI, consistently (nuSIM 541).
    OtherCi,
    /// SigKpubDP bit flipped (542).
    SigKpubDp,
    /// SigEKpubDP bit flipped (543).
    SigEKpubDp,
    /// A bit of encP flipped (MAC check, 544).
    EncP,
    /// A valid MAC over a plaintext that is not a profile (546).
    Unparsable,
}

impl Breakage {
    /// All of them.
    pub const ALL: [Breakage; 5] = [
        Breakage::OtherCi,
        Breakage::SigKpubDp,
        Breakage::SigEKpubDp,
        Breakage::EncP,
        Breakage::Unparsable,
    ];

    /// Name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Breakage::OtherCi => "other-ci",
            Breakage::SigKpubDp => "sig-kpubdp",
            Breakage::SigEKpubDp => "sig-ekpubdp",
            Breakage::EncP => "encp",
            Breakage::Unparsable => "unparsable",
        }
    }

    /// Applies the breakage to a package built by `b`.
    pub fn package(self, b: &Builder, iccid: &str) -> Package {
        let flip = |mut p: Package, f: Field| {
            p.fields[f as usize][7] ^= 0x10;
            p
        };
        match self {
            Breakage::OtherCi => {
                let other = Builder {
                    ci: secret_from_label("some other CI"),
                    ..Builder::test_identity()
                };
                Builder {
                    nusim_public: b.nusim_public,
                    ..other
                }
                .profile(iccid, "001010123456789", "Other")
            }
            Breakage::SigKpubDp => flip(
                b.profile(iccid, "001010123456789", "Test"),
                Field::SigKpubDP,
            ),
            Breakage::SigEKpubDp => flip(
                b.profile(iccid, "001010123456789", "Test"),
                Field::SigEKpubDP,
            ),
            Breakage::EncP => flip(b.profile(iccid, "001010123456789", "Test"), Field::EncP),
            Breakage::Unparsable => b.build(b"this is not a CBOR profile map", iccid),
        }
    }
}

impl Package {
    /// The vendor wire format: eKpubDP, mac, SigEKpubDP, KpubDP, SigKpubDP, KpubCI, encP.
    pub fn wire(&self) -> Vec<u8> {
        let mut w = vec![0u8; HEADER_LEN + self.fields[0].len()];
        for f in Field::ALL {
            let v = &self.fields[f as usize];
            w[f.wire_offset()..f.wire_offset() + v.len()].copy_from_slice(v);
        }
        w
    }

    /// The text a server writes for field `f`: mac as upper-case hex, everything else as
    /// padded base64 (what the public loader does).
    pub fn text(&self, f: Field) -> String {
        let enc = if f == Field::Mac {
            Encoding::HexUpper
        } else {
            Encoding::Base64Padded
        };
        let v = &self.fields[f as usize];
        let mut out = vec![0u8; codec::encoded_len(v.len(), enc)];
        codec::encode(v, enc, &mut out).expect("sized above");
        String::from_utf8(out).expect("ASCII")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nusim_core::result::reason;
    use nusim_sim::{SimNusim, TEST_IDENTITY};

    /// A simulated chip with a plaintext buffer of `P` bytes.
    struct Chip<const P: usize> {
        sim: SimNusim,
        plain: [u8; P],
    }

    impl<const P: usize> Chip<P> {
        fn new(id: &'static nusim_sim::Identity, single: bool) -> Self {
            Chip {
                sim: SimNusim::new(id, single),
                plain: [0; P],
            }
        }
        fn load(&mut self, pkg: &[u8]) -> Result<&[u8], u16> {
            self.sim.load(pkg, &mut self.plain)
        }
        fn iccid(&self) -> &[u8] {
            self.sim.iccid()
        }
    }

    #[test]
    fn committed_test_header_is_current() {
        let committed = include_str!("../../../tests/lwm2m_nusim/src/packages.h");
        assert!(
            committed == c_header(),
            "tests/lwm2m_nusim/src/packages.h is stale: cargo run -p nusim-pkg --bin nusim-tool -- c-header > tests/lwm2m_nusim/src/packages.h"
        );
    }

    #[test]
    fn committed_wire_header_is_current() {
        let committed = include_str!("../../../tests/nusim_at/src/wire_packages.h");
        assert!(
            committed == c_header_wire(),
            "tests/nusim_at/src/wire_packages.h is stale: cargo run -p nusim-pkg --bin nusim-tool -- c-header-wire > tests/nusim_at/src/wire_packages.h"
        );
    }

    #[test]
    fn max_size_package_loads() {
        let b = Builder::test_identity();
        let p = b.build(
            &profile_cbor_sized(test_iccids::MAX, "262030000000033", "M", 1024),
            "max",
        );
        assert_eq!(p.fields[0].len(), 1024);
        let mut sim = Chip::<1024>::new(&TEST_IDENTITY, false);
        assert_eq!(sim.load(&p.wire()), Ok(test_iccids::MAX.as_bytes()));
        let mut small = Chip::<1008>::new(&TEST_IDENTITY, false);
        assert_eq!(small.load(&p.wire()), Err(reason::GENERAL));
    }

    #[test]
    fn identity_is_consistent() {
        use nusim_sim::test_identity as t;
        assert_eq!(public(&t::CI_SECRET), t::CI_PUBLIC);
        assert_eq!(public(&t::DP_SECRET), t::DP_PUBLIC);
        assert_eq!(public(&t::NUSIM_SECRET), t::NUSIM_PUBLIC);
        // The certificate carries the nuSIM's public key and its EID.
        let cert = t::CERT_DER;
        assert!(cert.windows(65).any(|w| w == t::NUSIM_PUBLIC));
        assert!(cert.windows(32).any(|w| w == t::EID.as_bytes()));
        assert!(nusim_core::text::is_eid(t::EID.as_bytes()));
    }

    #[test]
    fn cbc_roundtrip_and_padding() {
        let key = [7u8; 16];
        for n in [0usize, 1, 15, 16, 17, 100] {
            let plain: Vec<u8> = (0..n as u8).collect();
            let ct = cbc_encrypt(&key, &plain);
            assert_eq!(ct.len(), (n / 16 + 1) * 16);
            let mut out = vec![0u8; ct.len()];
            let m = nusim_sim::cbc_decrypt(&key, &ct, &mut out).unwrap();
            assert_eq!(&out[..m], &plain[..]);
        }
    }

    #[test]
    fn cmac_rfc4493_vectors() {
        let key: [u8; 16] = [
            0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6, 0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf,
            0x4f, 0x3c,
        ];
        assert_eq!(
            cmac(&key, &[]),
            [
                0xbb, 0x1d, 0x69, 0x29, 0xe9, 0x59, 0x37, 0x28, 0x7f, 0xa3, 0x7d, 0x12, 0x9b, 0x75,
                0x67, 0x46
            ]
        );
        let m16 = [
            0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96, 0xe9, 0x3d, 0x7e, 0x11, 0x73, 0x93,
            0x17, 0x2a,
        ];
        assert_eq!(
            cmac(&key, &m16),
            [
                0x07, 0x0a, 0x16, 0xb4, 0x6b, 0x4d, 0x41, 0x44, 0xf7, 0x9b, 0xdd, 0x9d, 0xd0, 0x4a,
                0x28, 0x7c
            ]
        );
    }

    #[test]
    fn valid_package_loads_and_iccid_becomes_current() {
        let b = Builder::test_identity();
        let p = b.profile("8949000000000000017", "262010000000017", "Carrier A");
        let mut sim = Chip::<1024>::new(&TEST_IDENTITY, false);
        assert_eq!(sim.load(&p.wire()), Ok(&b"8949000000000000017"[..]));
        let q = b.profile("8949000000000000025", "262020000000025", "Carrier B");
        assert_eq!(sim.load(&q.wire()), Ok(&b"8949000000000000025"[..]));
        assert_eq!(sim.iccid(), b"8949000000000000025");
    }

    #[test]
    fn each_breakage_gets_its_reason_and_keeps_the_iccid() {
        let b = Builder::test_identity();
        let mut sim = Chip::<1024>::new(&TEST_IDENTITY, false);
        sim.load(
            &b.profile("8949000000000000017", "262010000000017", "A")
                .wire(),
        )
        .unwrap();
        let want = [
            (Breakage::OtherCi, reason::CI_MISMATCH),
            (Breakage::SigKpubDp, reason::SIG_KPUB_DP),
            (Breakage::SigEKpubDp, reason::SIG_EKPUB_DP),
            (Breakage::EncP, reason::MAC),
            (Breakage::Unparsable, reason::UNPARSABLE),
        ];
        for (br, r) in want {
            assert_eq!(
                sim.load(&br.package(&b, "8949000000000000099").wire()),
                Err(r),
                "{br:?}"
            );
            assert_eq!(sim.iccid(), b"8949000000000000017");
        }
    }

    #[test]
    fn every_mac_bit_matters_and_short_packages_are_syntax_errors() {
        let b = Builder::test_identity();
        let p = b.profile("8949000000000000017", "262010000000017", "A");
        let mut sim = Chip::<1024>::new(&TEST_IDENTITY, false);
        for bit in 0..128 {
            let mut w = p.wire();
            w[Field::Mac.wire_offset() + bit / 8] ^= 1 << (bit % 8);
            assert_eq!(sim.load(&w), Err(reason::MAC));
        }
        assert_eq!(sim.load(&p.wire()[..HEADER_LEN]), Err(reason::SYNTAX));
        assert_eq!(sim.load(&p.wire()[..HEADER_LEN + 17]), Err(reason::SYNTAX));
    }

    #[test]
    fn single_profile_chip_refuses_reprovisioning() {
        let b = Builder::test_identity();
        let mut sim = Chip::<1024>::new(&TEST_IDENTITY, true);
        sim.load(
            &b.profile("8949000000000000017", "262010000000017", "A")
                .wire(),
        )
        .unwrap();
        let q = b.profile("8949000000000000025", "262020000000025", "B");
        assert_eq!(sim.load(&q.wire()), Err(reason::REPROVISIONING));
    }

    #[test]
    fn profile_parser_rejects_bad_profiles() {
        use nusim_sim::parse_profile;
        assert!(
            parse_profile(&profile_cbor("8949000000000000017", "262010000000017", "A")).is_some()
        );
        assert!(
            parse_profile(&profile_cbor("894900000000000001", "262010000000017", "A")).is_some()
        );
        assert!(
            parse_profile(&profile_cbor("89490000000000001", "262010000000017", "A")).is_none()
        );
        assert!(
            parse_profile(&profile_cbor("89490000000000001X", "262010000000017", "A")).is_none()
        );
        assert!(parse_profile(&profile_cbor("8949000000000000017", "26201", "A")).is_none());
        let mut trailing = profile_cbor("8949000000000000017", "262010000000017", "A");
        trailing.push(0);
        assert!(parse_profile(&trailing).is_none());
        assert!(parse_profile(&[0xa0]).is_none());
        assert!(parse_profile(&[]).is_none());
    }
}

/// A profile whose encP is exactly `encp_len` bytes (a multiple of 16): the CBOR map gets a
/// filler entry under key 4, which the simulated nuSIM skips.
pub fn profile_cbor_sized(iccid: &str, imsi: &str, operator: &str, encp_len: usize) -> Vec<u8> {
    assert!(encp_len % BLOCK == 0 && encp_len >= 64);
    // Padding adds 1..=16 bytes: aim for a plaintext of encp_len - 1 bytes.
    let want = encp_len - 1;
    for filler in 0..encp_len {
        let mut e = minicbor::Encoder::new(Vec::new());
        e.map(4)
            .and_then(|e| {
                e.u8(1)?
                    .str(iccid)?
                    .u8(2)?
                    .str(imsi)?
                    .u8(3)?
                    .str(operator)?
                    .u8(4)?
                    .bytes(&vec![0x5a; filler])
            })
            .expect("encoding into a Vec cannot fail");
        let v = e.into_writer();
        if v.len() >= want - (BLOCK - 1) && v.len() <= want {
            return v;
        }
    }
    unreachable!("some filler length lands in the last block")
}

/// ICCIDs of the generated test header.
pub mod test_iccids {
    /// The simulated chip's bootstrap profile in the tests.
    pub const INITIAL: &str = "8949000000000000009";
    /// Profile A.
    pub const A: &str = "8949000000000000017";
    /// Profile B.
    pub const B: &str = "8949000000000000025";
    /// The largest profile (encP = 1024 bytes).
    pub const MAX: &str = "89490000000000000330";
}

/// The C header of test packages that the twister suites include
/// (`tests/lwm2m_nusim/src/packages.h`): what a server would write, per package.
pub fn c_header() -> String {
    use std::fmt::Write;
    let b = Builder::test_identity();
    let mut h = String::from(
        "/* @generated by `cargo run -p nusim-pkg --bin nusim-tool -- c-header`: do not edit.\n \
         * Packages for the simulated nuSIM's TEST identity (test-material/), as a server writes\n \
         * them: mac as upper-case hex, the other six values as padded base64.\n */\n\n\
         #ifndef NUSIM_TEST_PACKAGES_H_\n#define NUSIM_TEST_PACKAGES_H_\n\n",
    );
    let ids = [
        ("INITIAL", test_iccids::INITIAL),
        ("A", test_iccids::A),
        ("B", test_iccids::B),
        ("MAX", test_iccids::MAX),
    ];
    for (n, v) in ids {
        writeln!(h, "#define ICCID_{n} \"{v}\"").unwrap();
    }
    writeln!(
        h,
        "#define TEST_EID \"{}\"\n",
        nusim_sim::test_identity::EID
    )
    .unwrap();
    let mut emit = |name: &str, what: &str, p: &Package, hex_lower: bool| {
        writeln!(h, "/* {what} */\nstatic const char *const {name}[7] = {{").unwrap();
        for f in Field::ALL {
            let t = if hex_lower {
                p.fields[f as usize]
                    .iter()
                    .map(|x| format!("{x:02x}"))
                    .collect()
            } else {
                p.text(f)
            };
            writeln!(h, "\t\"{t}\",").unwrap();
        }
        h.push_str("};\n\n");
    };
    let a = b.profile(test_iccids::A, "262010000000017", "Carrier A");
    emit("pkg_a", "valid, ICCID_A", &a, false);
    emit(
        "pkg_a_hex",
        "pkg_a with every value as lower-case hex",
        &a,
        true,
    );
    emit(
        "pkg_b",
        "valid, ICCID_B",
        &b.profile(test_iccids::B, "262020000000025", "Carrier B"),
        false,
    );
    let max = b.build(
        &profile_cbor_sized(test_iccids::MAX, "262030000000033", "Carrier Max", 1024),
        "max",
    );
    assert_eq!(max.fields[0].len(), 1024);
    emit(
        "pkg_max",
        "valid, ICCID_MAX, encP of 1024 bytes",
        &max,
        false,
    );
    for br in Breakage::ALL {
        let what = match br {
            Breakage::OtherCi => "signed by another CI (nuSIM 541)",
            Breakage::SigKpubDp => "SigKpubDP bit flipped (542)",
            Breakage::SigEKpubDp => "SigEKpubDP bit flipped (543)",
            Breakage::EncP => "encP bit flipped: MAC mismatch (544)",
            Breakage::Unparsable => "valid MAC, plaintext is not a profile (546)",
        };
        emit(
            &format!("pkg_{}", br.name().replace('-', "_")),
            what,
            &br.package(&b, "8949000000000000991"),
            false,
        );
    }
    h.push_str("#endif /* NUSIM_TEST_PACKAGES_H_ */\n");
    h
}

/// The C header of test packages in the vendor wire order, as a driver receives them
/// (`tests/nusim_at/src/wire_packages.h`), for the driver-level suites.
pub fn c_header_wire() -> String {
    use std::fmt::Write;
    let b = Builder::test_identity();
    let mut h = String::from(
        "/* @generated by `cargo run -p nusim-pkg --bin nusim-tool -- c-header-wire`: do not edit.\n \
         * Packages for the simulated nuSIM's TEST identity (test-material/) in the vendor wire\n \
         * order (eKpubDP, mac, SigEKpubDP, KpubDP, SigKpubDP, KpubCI, encP), as drivers get them.\n */\n\n\
         #ifndef NUSIM_TEST_WIRE_PACKAGES_H_\n#define NUSIM_TEST_WIRE_PACKAGES_H_\n\n#include <stdint.h>\n\n",
    );
    writeln!(h, "#define WIRE_ICCID_INITIAL \"{}\"", test_iccids::INITIAL).unwrap();
    writeln!(h, "#define WIRE_ICCID_A \"{}\"", test_iccids::A).unwrap();
    writeln!(h, "#define WIRE_ICCID_MAX \"{}\"", test_iccids::MAX).unwrap();
    writeln!(
        h,
        "#define WIRE_TEST_EID \"{}\"",
        nusim_sim::test_identity::EID
    )
    .unwrap();
    writeln!(
        h,
        "#define WIRE_TEST_CERT_LEN {}\n",
        nusim_sim::test_identity::CERT_DER.len()
    )
    .unwrap();
    let mut emit = |name: &str, what: &str, w: &[u8]| {
        writeln!(
            h,
            "/* {what} */\nstatic const uint8_t {name}[{}] = {{",
            w.len()
        )
        .unwrap();
        for line in w.chunks(16) {
            let l: Vec<String> = line.iter().map(|x| format!("0x{x:02x}")).collect();
            writeln!(h, "\t{},", l.join(", ")).unwrap();
        }
        h.push_str("};\n\n");
    };
    emit(
        "wire_a",
        "valid, WIRE_ICCID_A",
        &b.profile(test_iccids::A, "262010000000017", "Carrier A")
            .wire(),
    );
    let max = b.build(
        &profile_cbor_sized(test_iccids::MAX, "262030000000033", "Carrier Max", 1024),
        "max",
    );
    emit(
        "wire_max",
        "valid, WIRE_ICCID_MAX, encP of 1024 bytes",
        &max.wire(),
    );
    for br in Breakage::ALL {
        emit(
            &format!("wire_{}", br.name().replace('-', "_")),
            br.name(),
            &br.package(&b, "8949000000000000991").wire(),
        );
    }
    h.push_str("#endif /* NUSIM_TEST_WIRE_PACKAGES_H_ */\n");
    h
}
