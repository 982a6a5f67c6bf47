//! The model test's engine (rust/nusim-model) with the fuzzer's bytes as every choice:
//! the configuration, the schedule, every failure and power cut. A broken rule panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nusim_model::{schedule, Bytes};

fuzz_target!(|data: &[u8]| {
    let Some((&cfg, rest)) = data.split_first() else {
        return;
    };
    let mut rng = Bytes(rest);
    let steps = 10 + u32::from(cfg >> 2) % 40;
    let r = match cfg & 3 {
        0 => schedule::<_, true, 60>(&mut rng, steps),
        1 => schedule::<_, true, 0>(&mut rng, steps),
        2 => schedule::<_, false, 60>(&mut rng, steps),
        _ => schedule::<_, false, 0>(&mut rng, steps),
    };
    if let Err(e) = r {
        panic!("{e}");
    }
});
