//! Turns the Kconfig sizes that the module's CMake passes as environment variables into
//! Rust constants, so every buffer is sized by Kconfig. Defaults match the Kconfig defaults,
//! for `cargo check`/`clippy` outside a Zephyr build.

use std::{env, fs, path::PathBuf};

fn get(name: &str, default: usize) -> usize {
    println!("cargo:rerun-if-env-changed={name}");
    // Unset or empty (the Kconfig symbol does not exist in this configuration): default.
    let v = env::var(name).unwrap_or_default();
    let v = v.trim();
    if v.is_empty() {
        return default;
    }
    v.parse()
        .unwrap_or_else(|_| panic!("{name}={v} is not a number"))
}

fn main() {
    let count = get("NUSIM_PROFILE_INSTANCE_COUNT", 2);
    let encp = get("NUSIM_ENCP_MAX_SIZE", 1024);
    let cert = get("NUSIM_CERT_MAX_SIZE", 1024);
    let trusted = get("NUSIM_TRUSTED_CI_MAX", 4);
    let at_line = get("NUSIM_AT_LINE_MAX", 2112);
    // Kconfig booleans arrive as "y" or empty (off). Constants, not features: the code
    // behind them is always compiled and linted, and dropped when off.
    println!("cargo:rerun-if-env-changed=NUSIM_PERSIST");
    let persist = env::var("NUSIM_PERSIST").is_ok_and(|v| v.trim() == "y");
    let net_timeout = get("NUSIM_NETWORK_TIMEOUT", 0);
    let policy_retry = get("NUSIM_POLICY_RETRY", 60);
    let attempts = get("NUSIM_FALLBACK_ATTEMPTS", 5);
    let retry = get("NUSIM_FALLBACK_RETRY_DELAY", 10);
    let driver_wait = get("NUSIM_DRIVER_WAIT_MS", 10000);
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
             /// CONFIG_LWM2M_NUSIM_POLICY_RETRY (seconds)\npub const POLICY_RETRY_S: u32 = {policy_retry};\n\
             /// CONFIG_LWM2M_NUSIM_FALLBACK_ATTEMPTS\npub const FALLBACK_ATTEMPTS: u8 = {attempts};\n\
             /// CONFIG_LWM2M_NUSIM_FALLBACK_RETRY_DELAY (seconds)\npub const FALLBACK_RETRY_S: u32 = {retry};\n\
             /// CONFIG_LWM2M_NUSIM_DRIVER_WAIT_MS\npub const DRIVER_WAIT_MS: u32 = {driver_wait};\n",
        ),
    )
    .unwrap();
}
