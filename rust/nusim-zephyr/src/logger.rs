//! A `log` backend that writes into Zephyr's log under the module's log name.

use core::fmt::Write;

struct ZephyrLog;

static LOGGER: ZephyrLog = ZephyrLog;

impl log::Log for ZephyrLog {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }

    fn log(&self, record: &log::Record) {
        // Bounded: longer messages are cut, never allocated.
        let mut s: heapless::String<120> = heapless::String::new();
        // The application's records (app::set_logger) say where they come from.
        if !record.target().starts_with("nusim") {
            let _ = write!(s, "{}: ", record.target());
        }
        let _ = write!(s, "{}", record.args());
        let mut buf = [0u8; 121];
        let n = s.len().min(120);
        buf[..n].copy_from_slice(&s.as_bytes()[..n]);
        let level = match record.level() {
            log::Level::Error => 1,
            log::Level::Warn => 2,
            log::Level::Info => 3,
            log::Level::Debug | log::Level::Trace => 4,
        };
        // SAFETY: buf is NUL-terminated (buf[n] == 0) and outlives the call; Zephyr's log
        // copies strings that live in RAM into the message.
        unsafe { crate::ffi::nusim_glue_log(level, buf.as_ptr().cast()) };
    }

    fn flush(&self) {}
}

/// Installs the logger (idempotent; the level filter is Zephyr's, so everything is passed).
/// In a Rust application the application installs a logger (`app::set_logger()`, or
/// `zephyr::set_logger()`, which fails if one is set already), and the module's messages
/// go there.
pub fn init() {
    if cfg!(not(feature = "rust-application")) {
        let _ = install();
    }
}

/// Installs this logger: records go to Zephyr's log, cut at 120 bytes, with no heap.
pub fn install() -> Result<(), log::SetLoggerError> {
    log::set_logger(&LOGGER)?;
    log::set_max_level(log::LevelFilter::Debug);
    Ok(())
}
