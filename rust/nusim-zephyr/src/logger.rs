//! The module's log lines into Zephyr's log (log module `nusim`, CONFIG_NUSIM_LOG_LEVEL),
//! with no `core::fmt`: `nusim_core::log` puts each line together from a static text and
//! numbers. Levels below CONFIG_NUSIM_LOG_LEVEL are not compiled in.
//!
//! Under `rust-application`, [`install`] also offers the application a `log` backend into
//! the same log: the application's own records, formatted by `core::fmt`, which only an
//! application that calls it links.

use nusim_core::log::{Arg, Level, Line, LINE_MAX};

/// Hands one line to Zephyr's log at `level`.
pub fn line(level: Level, line: &[u8]) {
    let mut buf = [0u8; LINE_MAX + 1];
    let n = line.len().min(LINE_MAX);
    buf[..n].copy_from_slice(&line[..n]);
    // SAFETY: buf is NUL-terminated (buf[n] == 0) and outlives the call; Zephyr's log
    // copies strings that live in RAM into the message.
    unsafe { crate::ffi::nusim_glue_log(level as core::ffi::c_int, buf.as_ptr().cast()) };
}

/// Formats `msg` with `args` (`{}` placeholders, see `nusim_core::log`) and logs it, if
/// CONFIG_NUSIM_LOG_LEVEL takes `level` (else it is not compiled in).
#[inline(always)]
// LOG_LEVEL is Kconfig's: 0 (nothing logged) in a build without CONFIG_LOG.
#[allow(clippy::absurd_extreme_comparisons)]
pub fn log(level: Level, msg: &str, args: &[Arg]) {
    if level as u8 <= crate::config::LOG_LEVEL {
        line(level, Line::format(msg, args).as_bytes());
    }
}

#[cfg(feature = "rust-application")]
mod app_log {
    use core::fmt::Write;

    struct ZephyrLog;

    static LOGGER: ZephyrLog = ZephyrLog;

    impl log::Log for ZephyrLog {
        fn enabled(&self, _: &log::Metadata) -> bool {
            true
        }

        fn log(&self, record: &log::Record) {
            // Bounded, never allocated: a piece that no longer fits is left out.
            let mut s: heapless::String<{ nusim_core::log::LINE_MAX }> = heapless::String::new();
            let _ = write!(s, "{}: {}", record.target(), record.args());
            let level = match record.level() {
                log::Level::Error => nusim_core::log::Level::Error,
                log::Level::Warn => nusim_core::log::Level::Warn,
                log::Level::Info => nusim_core::log::Level::Info,
                log::Level::Debug | log::Level::Trace => nusim_core::log::Level::Debug,
            };
            super::line(level, s.as_bytes());
        }

        fn flush(&self) {}
    }

    /// Installs the application's `log` backend: records go to Zephyr's log, prefixed
    /// with their target, at most 120 bytes (a piece that no longer fits is left out), with
    /// no heap.
    pub fn install() -> Result<(), log::SetLoggerError> {
        log::set_logger(&LOGGER)?;
        log::set_max_level(log::LevelFilter::Debug);
        Ok(())
    }
}
#[cfg(feature = "rust-application")]
pub use app_log::install;
