//! The nuSIM key chain: SigKpubDP over KpubDP with KpubCI, SigEKpubDP over eKpubDP with
//! KpubDP; ECDSA with SHA-256 over the 65-byte uncompressed keys, raw r||s signatures.
//! The curve is brainpoolP256r1 (RustCrypto `bp256`). The code names the curve once, in
//! [`NusimCurve`]; RustCrypto's `p256` has the same API, so another curve is one alias away.

use crate::field::{Field, POINT_LEN, SIG_LEN};
use ecdsa::signature::Verifier;
use ecdsa::{Signature, VerifyingKey};

/// The curve nuSIM uses.
pub type NusimCurve = bp256::BrainpoolP256r1;

/// Which link of the chain broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChainError {
    /// SigKpubDP does not verify over KpubDP with KpubCI (or KpubCI is not a curve point).
    SigKpubDp,
    /// SigEKpubDP does not verify over eKpubDP with KpubDP (or KpubDP is not a curve point).
    SigEKpubDp,
}

/// Verifies `sig` (r||s) over `msg` with the SEC1 public key `key` on [`NusimCurve`].
pub fn verify(key: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    let Ok(vk) = VerifyingKey::<NusimCurve>::from_sec1_bytes(key) else {
        return false;
    };
    let Ok(sig) = Signature::<NusimCurve>::from_slice(sig) else {
        return false;
    };
    vk.verify(msg, &sig).is_ok()
}

fn field(pkg: &[u8], f: Field) -> &[u8] {
    let o = f.wire_offset();
    let n = f.fixed_len().unwrap_or(0);
    &pkg[o..o + n]
}

/// Checks both signatures of a package in wire order (at least its 339-byte header).
pub fn verify_chain(pkg: &[u8]) -> Result<(), ChainError> {
    const _: () = assert!(POINT_LEN == 65 && SIG_LEN == 64);
    if pkg.len() < crate::field::HEADER_LEN {
        return Err(ChainError::SigKpubDp);
    }
    let kpub_dp = field(pkg, Field::KpubDP);
    if !verify(
        field(pkg, Field::KpubCI),
        kpub_dp,
        field(pkg, Field::SigKpubDP),
    ) {
        return Err(ChainError::SigKpubDp);
    }
    if !verify(
        kpub_dp,
        field(pkg, Field::EKpubDP),
        field(pkg, Field::SigEKpubDP),
    ) {
        return Err(ChainError::SigEKpubDp);
    }
    Ok(())
}

#[cfg(test)]
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

    #[test]
    fn not_p256() {
        // The public keys are not points of NIST P-256: the curve matters.
        assert!(!verify(
            &unhex(KPUB_DP),
            &unhex(KPUB_DP),
            &unhex(SIG_KPUB_DP)
        ));
    }
}
