//! Logic of the LwM2M Objects 507 (nuSIM Profile) and 508 (nuSIM), free of Zephyr.
//!
//! `no_std`, no heap: every size is a const generic that the Zephyr build fills from Kconfig.
//! - [`codec`]: base64/hex text of the 507 String resources, decoded in place;
//! - [`field`]: the seven 507 resources and what a valid value is;
//! - [`store`]: 507 instances, kept in the vendor wire order;
//! - [`objects`]: Objects 507/508 as the engine sees them, every decision, behind
//!   [`platform::Platform`]; [`load`]: Load Profile and the switch on the work queue;
//! - [`nusim`]: 508 state and the steps of a load;
//! - [`result`]: the 508/0/6 codes and the nuSIM's reasons;
//! - [`trust`]: the CI keys the device trusts;
//! - [`persist`]: the versioned CBOR records that survive a restart ([`cbor`]: the CBOR
//!   they need);
//! - [`switch`]: backup, trial, automatic fallback and recovery after a restart;
//! - [`log`]: log lines without `core::fmt`, handed to the platform;
//! - [`block`]: reassembly of a value written block-wise (CoAP Block1).
//! - `chain` (features `chain-bp256` / `chain-p256`): the ECDSA checks of a package;
//!   `bp256r1` (feature `chain-bp256`): the brainpoolP256r1 verifier they run.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod block;
#[cfg(feature = "chain-bp256")]
pub mod bp256r1;
pub mod cbor;
#[cfg(any(feature = "chain-bp256", feature = "chain-p256"))]
pub mod chain;
pub mod codec;
pub mod field;
pub mod load;
pub mod log;
pub mod nusim;
pub mod objects;
pub mod persist;
pub mod platform;
pub mod proof;
pub mod result;
pub mod store;
pub mod switch;
pub mod text;
pub mod trust;
