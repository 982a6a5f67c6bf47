//! Host side of `scripts/bench`: the device-side check on the public A.1 vectors, once,
//! in functions callgrind can count alone (`run_one`, `run_chain`).

use nusim_core::chain::{self, A1_HEADER};
use nusim_core::field::Field;

#[inline(never)]
#[no_mangle]
fn run_one(h: &[u8]) -> bool {
    let f = |f: Field| chain::field(h, f);
    chain::verify(f(Field::KpubCI), f(Field::KpubDP), f(Field::SigKpubDP))
}

#[inline(never)]
#[no_mangle]
fn run_chain(h: &[u8]) -> bool {
    chain::verify_chain(h).is_ok()
}

fn main() {
    let h = A1_HEADER.to_vec();
    let ok = match std::env::args().nth(1).as_deref() {
        Some("one") => run_one(std::hint::black_box(&h)),
        _ => run_chain(std::hint::black_box(&h)),
    };
    assert!(ok, "the public vectors must verify");
}
