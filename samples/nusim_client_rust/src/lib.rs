//! samples/nusim_client with its main in Rust (zephyr-lang-rust): an LwM2M client whose
//! server can switch the carrier profile through Objects 507/508.
//!
//! The objects come from the module's crate, nusim-zephyr, turned on by the same Kconfig
//! option as in C (`CONFIG_LWM2M_NUSIM`). The application decides whether a switch may
//! happen ([`Application::policy`]) and hears how it ended ([`Application::result`]);
//! `../common/nusim_client.c` runs the LwM2M client through the module's
//! `lwm2m_nusim_rd_client_start()`, so its registrations prove a new profile.
#![no_std]

// zephyr-lang-rust's crate: the panic handler (through the kernel's fatal error path).
extern crate zephyr;

use log::info;
use nusim_zephyr::app::{self, Application, Callbacks, Decision, LoadResult, Source};

extern "C" {
    /// Points the LwM2M client at its server and starts it (`../common/nusim_client.c`).
    fn nusim_client_start() -> core::ffi::c_int;
    /// Another network: the registration back-off starts over, and a client waiting to
    /// restart starts now (`../common/nusim_client.c`).
    fn nusim_client_new_network();
}

/// A real product would ask here whether a switch may happen now: not while a firmware
/// update runs, not on a low battery, not while roaming, ...
struct Policy;

impl Application for Policy {
    fn policy(&self, source: Source, inst: u16) -> Decision {
        info!("Profile switch to 507/{inst} requested ({source:?}): allowed");
        Decision::Allow
    }

    fn result(&self, source: Source, inst: u16, result: LoadResult, iccid: &str) {
        info!(
            "Profile load from 507/{inst} ({source:?}) ended: result {} ({result:?}), ICCID {iccid}",
            result as u8
        );
        let new_profile =
            result == LoadResult::Success && matches!(source, Source::Server | Source::Local);
        if new_profile || result == LoadResult::RolledBack {
            // A new profile, or the backup back: a client waiting after failed
            // registrations tries now. (The module asks a running client for a
            // registration update, whose answer proves a new profile.)
            // SAFETY: no arguments and no preconditions (it only submits a work item).
            unsafe { nusim_client_new_network() };
        }
    }
}

static POLICY: Policy = Policy;
static CALLBACKS: Callbacks = Callbacks::new(&POLICY);

/// Called by zephyr-lang-rust's `main()`.
#[no_mangle]
extern "C" fn rust_main() {
    // Rust's `log` records into Zephyr's log without a heap (zephyr::set_logger() would
    // need CONFIG_RUST_ALLOC). Nothing else installed a logger: this cannot fail.
    let _ = app::set_logger();
    let st = app::status();
    let iccid = core::str::from_utf8(st.iccid.as_bytes()).unwrap_or("?");
    info!(
        "nuSIM ICCID {iccid}: {} stored profile(s), 508/0/6 = {}",
        st.profiles, st.result as u8
    );
    match app::trusted_ci_count() {
        Ok(n) => info!("Trusted CI keys: {n} (0: the nuSIM decides)"),
        Err(e) => info!("Trusted CI keys: {e:?}"),
    }
    app::set_callbacks(Some(&CALLBACKS));
    // SAFETY: no arguments; called once.
    let rc = unsafe { nusim_client_start() };
    if rc < 0 {
        info!("LwM2M client not started: {rc}");
    }
}
