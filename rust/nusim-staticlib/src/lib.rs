//! The one Rust static library of a C Zephyr application that uses this module.
//!
//! Everything is in `nusim-zephyr`; this crate makes it a static library and gives it what
//! a final Rust artefact needs and a library must not bring: the panic handler. A Rust
//! application (zephyr-lang-rust) depends on `nusim-zephyr` itself, and the `zephyr` crate
//! supplies the panic handler there (docs/rust.md).
#![no_std]
#![deny(missing_docs)]

// Every `#[no_mangle]` export of nusim-zephyr goes into this library.
pub use nusim_zephyr;

/// Logs where the panic happened (file and line, no message: that would need `core::fmt`)
/// and stops the system. Where the module's CMake builds `core` itself (build-std), it
/// builds it with `panic=immediate-abort`: a panic is then an undefined instruction that
/// Zephyr's fatal error handler reports, and this handler is never reached.
#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    nusim_zephyr::fatal(info)
}
