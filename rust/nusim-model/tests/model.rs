//! At least 100,000 random schedules per run (NUSIM_MODEL_SCHEDULES to change, NUSIM_MODEL_SEED
//! to start elsewhere), over three configurations of persistence and the network deadline.
//! A failure names the seed that repeats the schedule that broke a rule.

use nusim_model::{schedule, SplitMix};
use std::io::Write;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn random_schedules_keep_the_documented_behaviour() {
    let total = env("NUSIM_MODEL_SCHEDULES", 100_000);
    let seed = env("NUSIM_MODEL_SEED", 0x6e75_5349_4d00);
    let mut seen = nusim_model::Seen::default();
    if std::env::var_os("NUSIM_MODEL_TRACE").is_some() {
        nusim_model::TRACE.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    for i in 0..total {
        let s = seed.wrapping_add(i);
        let mut rng = SplitMix(s);
        let steps = 10 + (s % 31) as u32;
        // Everything from the seed: NUSIM_MODEL_SEED=<s> NUSIM_MODEL_SCHEDULES=1 repeats it.
        let r = match s % 4 {
            0 => schedule::<_, true, 60>(&mut rng, steps),
            1 => schedule::<_, true, 0>(&mut rng, steps),
            2 => schedule::<_, false, 0>(&mut rng, steps),
            // Without persistence the deadline changes nothing: the fourth is the first's.
            _ => schedule::<_, true, 60>(&mut rng, steps),
        };
        match r {
            Ok(n) => {
                // Each profile the nuSIM took (a new one, or the backup back, or one a
                // restart found there) asked for the network once, so that a registration
                // can prove it.
                assert_eq!(
                    n.reached,
                    n.loaded + n.rolled_back + n.resumed,
                    "schedule {i} (NUSIM_MODEL_SEED={s}): requests to reach the network"
                );
                seen.backup += u64::from(n.backup > 0);
                seen.loaded += n.loaded;
                seen.rolled_back += n.rolled_back;
                seen.rollback_failed += n.rollback_failed;
                seen.cuts += n.cuts;
            }
            Err(e) => panic!(
                "schedule {i} (NUSIM_MODEL_SEED={s} NUSIM_MODEL_SCHEDULES=1, configuration {}; \
                 NUSIM_MODEL_TRACE=1 shows each step): {e}",
                s % 4
            ),
        }
    }
    // Past libtest's capture: the count is part of every run's output.
    let _ = writeln!(
        std::io::stderr(),
        "{total} schedules: {} with a backup, {} loads, {} fallbacks back (18), {} failed (19), {} power cuts",
        seen.backup, seen.loaded, seen.rolled_back, seen.rollback_failed, seen.cuts
    );
    // The schedules reach what they are meant to test.
    if total >= 10_000 {
        assert!(seen.backup > total / 10 && seen.rolled_back > 0 && seen.rollback_failed > 0);
    }
}

/// Every input in `tests/found/` (schedules the `model` fuzz target found breaking a rule,
/// kept after the fix) keeps the documented behaviour.
#[test]
fn schedules_the_fuzzer_found_keep_the_documented_behaviour() {
    if std::env::var_os("NUSIM_MODEL_TRACE").is_some() {
        nusim_model::TRACE.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/found");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/found")
        .map(|e| e.expect("entry").path())
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no inputs in {}", dir.display());
    let failed: Vec<String> = names
        .iter()
        .filter_map(|p| {
            let data = std::fs::read(p).expect("input");
            nusim_model::run_bytes(&data)
                .err()
                .map(|e| format!("{}: {e}", p.display()))
        })
        .collect();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
