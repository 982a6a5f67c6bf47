//! The model test's engine (rust/nusim-model) with the fuzzer's bytes as every choice:
//! the configuration, the schedule, every failure and power cut. A broken rule panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = nusim_model::run_bytes(data) {
        panic!("{e}");
    }
});
