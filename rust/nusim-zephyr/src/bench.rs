//! The benchmark of the device-side check (`benchmarks/chain_verify`): the two ECDSA
//! verifications of a package header, on the public A.1 vectors
//! (`../shared/vectors/nusim-provisioning-a1.json`, Eagle provisioning spec A.1), in wire
//! order. Benchmark builds only (Kconfig NUSIM_BENCH).

use nusim_core::chain::{self, A1_HEADER};
use nusim_core::field::Field;

/// Both verifications of the chain (what a load costs on the device). 0 if the chain
/// verifies, 1 if it does not (it must: the vectors are valid).
#[no_mangle]
pub extern "C" fn nusim_bench_rs_verify_chain() -> i32 {
    i32::from(chain::verify_chain(core::hint::black_box(&A1_HEADER)).is_err())
}

/// One verification: SigKpubDP over KpubDP with KpubCI. 0 if it verifies.
#[no_mangle]
pub extern "C" fn nusim_bench_rs_verify_one() -> i32 {
    let h = core::hint::black_box(&A1_HEADER);
    let f = |f: Field| chain::field(h, f);
    i32::from(!chain::verify(
        f(Field::KpubCI),
        f(Field::KpubDP),
        f(Field::SigKpubDP),
    ))
}

/// The curve-point check of a trust anchor (what `lwm2m_nusim_set_trusted_ci_keys` runs on
/// the caller's stack per key). 0 if KpubCI of the vectors is a valid key.
#[no_mangle]
pub extern "C" fn nusim_bench_rs_key_check() -> i32 {
    let h = core::hint::black_box(&A1_HEADER);
    i32::from(!chain::is_public_key(chain::field(h, Field::KpubCI)))
}
