//! The benchmark of the device-side check (`benchmarks/chain_verify`): the two ECDSA
//! verifications of a package header, on the public A.1 vectors
//! (`../shared/vectors/nusim-provisioning-a1.json`, Eagle provisioning spec A.1), in wire
//! order, through the backend the build chose: the module's verifier, or PSA Crypto with
//! CONFIG_LWM2M_NUSIM_CHECK_PSA (feature `check-psa`). Benchmark builds only (Kconfig
//! NUSIM_BENCH).

use nusim_core::chain::{self, Verdict, A1_HEADER, DIGEST_LEN};
use nusim_core::field::{Field, POINT_LEN, SIG_LEN};

/// One signature through the build's backend, as the objects' check runs it.
fn verify(key: &[u8; POINT_LEN], digest: &[u8; DIGEST_LEN], sig: &[u8; SIG_LEN]) -> Verdict {
    #[cfg(feature = "check-psa")]
    return crate::psa::verify(key, digest, sig);
    #[cfg(not(feature = "check-psa"))]
    return Ok(chain::verify_digest(key, digest, sig));
}

/// Both verifications of the chain (what a load costs on the device). 0 if the chain
/// verifies, 1 if it does not (it must: the vectors are valid).
#[no_mangle]
pub extern "C" fn nusim_bench_rs_verify_chain() -> i32 {
    i32::from(chain::verify_chain_with(core::hint::black_box(&A1_HEADER), verify).is_err())
}

/// One verification: SigKpubDP over KpubDP with KpubCI, hashing included. 0 if it
/// verifies.
#[no_mangle]
pub extern "C" fn nusim_bench_rs_verify_one() -> i32 {
    let h = core::hint::black_box(&A1_HEADER);
    let f = |f: Field| chain::field(h, f);
    let (Ok(key), Ok(sig)) = (f(Field::KpubCI).try_into(), f(Field::SigKpubDP).try_into()) else {
        return 1;
    };
    i32::from(verify(key, &chain::sha256(f(Field::KpubDP)), sig) != Ok(true))
}

/// The curve-point check of a trust anchor (what `lwm2m_nusim_set_trusted_ci_keys` runs on
/// the caller's stack per key). 0 if KpubCI of the vectors is a valid key.
#[no_mangle]
pub extern "C" fn nusim_bench_rs_key_check() -> i32 {
    #[cfg(feature = "check-psa")]
    let is_public_key = crate::psa::is_public_key;
    #[cfg(not(feature = "check-psa"))]
    let is_public_key = chain::is_public_key;
    let h = core::hint::black_box(&A1_HEADER);
    i32::from(!is_public_key(chain::field(h, Field::KpubCI)))
}
