//! Turns the build's Kconfig into Rust constants, so every buffer is sized by Kconfig, and
//! checks that the crate's features are the parts Kconfig turned on.
//!
//! The Kconfig comes from the `.config` file named by `DOTCONFIG`: the module's CMake
//! passes it when it builds nusim-staticlib for a C application, and zephyr-lang-rust
//! passes it to the cargo build of a Rust application. Without it (`cargo check`,
//! `clippy` outside a Zephyr build) the Kconfig defaults apply.

use std::collections::HashMap;
use std::{env, fs, path::PathBuf};

/// `CONFIG_X=value` lines of the `.config` file, quotes removed.
fn read_config() -> Option<HashMap<String, String>> {
    println!("cargo:rerun-if-env-changed=DOTCONFIG");
    let path = env::var("DOTCONFIG").ok().filter(|p| !p.is_empty())?;
    println!("cargo:rerun-if-changed={path}");
    let text = fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("DOTCONFIG={path} cannot be read: {e}"));
    Some(
        text.lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_string(), v.trim().trim_matches('"').to_string()))
            .collect(),
    )
}

struct Kconfig(Option<HashMap<String, String>>);

impl Kconfig {
    /// A number; unset (the symbol does not exist in this configuration): `default`.
    fn num(&self, name: &str, default: usize) -> usize {
        match self.0.as_ref().and_then(|c| c.get(name)) {
            None => default,
            Some(v) => v
                .parse()
                .unwrap_or_else(|_| panic!("{name}={v} is not a number")),
        }
    }

    /// A bool: `y`, or off.
    fn on(&self, name: &str) -> bool {
        self.0
            .as_ref()
            .is_some_and(|c| c.get(name).is_some_and(|v| v == "y"))
    }
}

/// Each feature and the Kconfig option that builds its C half.
const FEATURES: [(&str, &str); 7] = [
    ("objects", "CONFIG_LWM2M_NUSIM"),
    ("check", "CONFIG_LWM2M_NUSIM_CHECK_PACKAGES"),
    ("check-psa", "CONFIG_LWM2M_NUSIM_CHECK_PSA"),
    ("sim", "CONFIG_NUSIM_SIMULATOR"),
    ("at", "CONFIG_NUSIM_AT"),
    ("at-emul", "CONFIG_NUSIM_AT_EMULATOR"),
    ("bench", "CONFIG_NUSIM_BENCH"),
];

/// In a Zephyr build, a feature without its C half (or the reverse) would end in undefined
/// symbols at link time: say which feature to add or drop instead.
fn check_features(k: &Kconfig) {
    if k.0.is_none() {
        return;
    }
    let mut wrong = Vec::new();
    for (feature, option) in FEATURES {
        let var = format!("CARGO_FEATURE_{}", feature.to_uppercase().replace('-', "_"));
        let enabled = env::var_os(var).is_some();
        if enabled != k.on(option) {
            wrong.push(if enabled {
                format!("drop feature \"{feature}\" of nusim-zephyr ({option} is not set)")
            } else {
                format!("add feature \"{feature}\" of nusim-zephyr ({option}=y)")
            });
        }
    }
    let rust_app = env::var_os("CARGO_FEATURE_RUST_APPLICATION").is_some();
    if rust_app != k.on("CONFIG_RUST") {
        wrong.push(if rust_app {
            "drop feature \"rust-application\": this is not a Rust application (CONFIG_RUST \
             is not set)"
                .to_string()
        } else {
            "add feature \"rust-application\" of nusim-zephyr (CONFIG_RUST=y: the \
             application's zephyr crate supplies the panic handler)"
                .to_string()
        });
    }
    assert!(
        wrong.is_empty(),
        "nusim-zephyr's features do not match this build's Kconfig: {}",
        wrong.join("; ")
    );
}

fn main() {
    let k = Kconfig(read_config());
    check_features(&k);
    let count = k.num("CONFIG_LWM2M_NUSIM_PROFILE_INSTANCE_COUNT", 2);
    let encp = k.num("CONFIG_LWM2M_NUSIM_ENCP_MAX_SIZE", 1024);
    let cert = k.num("CONFIG_LWM2M_NUSIM_CERT_MAX_SIZE", 1024);
    let trusted = k.num("CONFIG_LWM2M_NUSIM_TRUSTED_CI_MAX", 4);
    let at_line = k.num("CONFIG_NUSIM_AT_LINE_MAX", 2112);
    // Constants, not features: the code behind them is always compiled and linted, and
    // dropped when off.
    let persist = k.on("CONFIG_LWM2M_NUSIM_PERSIST");
    let net_timeout = k.num("CONFIG_LWM2M_NUSIM_NETWORK_TIMEOUT", 0);
    // Without a .config (cargo on the host) the Kconfig default.
    let proof = if k.on("CONFIG_LWM2M_NUSIM_PROOF_L4") {
        "L4"
    } else if k.on("CONFIG_LWM2M_NUSIM_PROOF_APPLICATION") {
        "Application"
    } else {
        "Registration"
    };
    let policy_retry = k.num("CONFIG_LWM2M_NUSIM_POLICY_RETRY", 60);
    let attempts = k.num("CONFIG_LWM2M_NUSIM_FALLBACK_ATTEMPTS", 5);
    let retry = k.num("CONFIG_LWM2M_NUSIM_FALLBACK_RETRY_DELAY", 10);
    let driver_wait = k.num("CONFIG_LWM2M_NUSIM_DRIVER_WAIT_MS", 10000);
    // The Rust lines go to log module `nusim`: below its level they are not compiled in.
    let log_level = if k.on("CONFIG_LOG") {
        k.num("CONFIG_NUSIM_LOG_LEVEL", 3)
            .min(k.num("CONFIG_LOG_MAX_LEVEL", 4))
    } else {
        0
    };
    assert!(
        (1..=255).contains(&attempts),
        "CONFIG_LWM2M_NUSIM_FALLBACK_ATTEMPTS must be 1..255"
    );
    assert!(
        count >= 1,
        "CONFIG_LWM2M_NUSIM_PROFILE_INSTANCE_COUNT must be at least 1"
    );
    assert!(
        encp >= 16 && encp % 16 == 0,
        "CONFIG_LWM2M_NUSIM_ENCP_MAX_SIZE must be a multiple of 16"
    );
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("config.rs");
    fs::write(
        out,
        format!(
            "/// CONFIG_LWM2M_NUSIM_PROFILE_INSTANCE_COUNT\npub const PROFILE_INSTANCE_COUNT: usize = {count};\n\
             /// CONFIG_LWM2M_NUSIM_ENCP_MAX_SIZE\npub const ENCP_MAX_SIZE: usize = {encp};\n\
             /// CONFIG_LWM2M_NUSIM_CERT_MAX_SIZE\npub const CERT_MAX_SIZE: usize = {cert};\n\
             /// CONFIG_LWM2M_NUSIM_TRUSTED_CI_MAX\npub const TRUSTED_CI_MAX: usize = {trusted};\n\
             /// CONFIG_NUSIM_AT_LINE_MAX\npub const AT_LINE_MAX: usize = {at_line};\n\
             /// CONFIG_LWM2M_NUSIM_PERSIST\npub const PERSIST: bool = {persist};\n\
             /// CONFIG_LWM2M_NUSIM_NETWORK_TIMEOUT (seconds; 0: no deadline)\npub const NETWORK_TIMEOUT_S: u32 = {net_timeout};\n\
             /// CONFIG_LWM2M_NUSIM_PROOF: what proves a new profile\npub const PROOF: Proof = Proof::{proof};\n\
             /// CONFIG_LWM2M_NUSIM_POLICY_RETRY (seconds)\npub const POLICY_RETRY_S: u32 = {policy_retry};\n\
             /// CONFIG_LWM2M_NUSIM_FALLBACK_ATTEMPTS\npub const FALLBACK_ATTEMPTS: u8 = {attempts};\n\
             /// CONFIG_LWM2M_NUSIM_FALLBACK_RETRY_DELAY (seconds)\npub const FALLBACK_RETRY_S: u32 = {retry};\n\
             /// CONFIG_LWM2M_NUSIM_DRIVER_WAIT_MS\npub const DRIVER_WAIT_MS: u32 = {driver_wait};\n\
             /// CONFIG_NUSIM_LOG_LEVEL, at most CONFIG_LOG_MAX_LEVEL (0 without CONFIG_LOG)\npub const LOG_LEVEL: u8 = {log_level};\n",
        ),
    )
    .unwrap();
}
