//! The device-side checks through PSA Crypto (CONFIG_LWM2M_NUSIM_CHECK_PSA, feature
//! `check-psa`): each signature goes to the platform's `psa_verify_hash` on brainpoolP256r1
//! (mbedTLS in Zephyr, TF-M where the build has it), and each trust anchor to its
//! `psa_import_key`, so the module links no curve code of its own. The C glue
//! (`src/nusim_psa.c`) only fills the key's attributes, which C defines as macros and
//! inline functions; what a status means is decided here.

use crate::ffi::psa::{self, Step};
use crate::logger;
use nusim_core::chain::{Verdict, DIGEST_LEN};
use nusim_core::field::{POINT_LEN, SIG_LEN};
use nusim_core::log::{Arg, Level};

/// `PSA_SUCCESS` (psa/crypto_values.h).
const SUCCESS: i32 = 0;
/// `PSA_ERROR_INVALID_ARGUMENT`: from the import, the key is not a point of the curve (the
/// lengths are fixed); from any other step, a bug or a misconfiguration (logged).
const INVALID_ARGUMENT: i32 = -135;
/// `PSA_ERROR_INVALID_SIGNATURE`: the signature does not verify.
const INVALID_SIGNATURE: i32 = -149;

/// `sig` (r‖s) of the SHA-256 digest `digest` under `key` (uncompressed), by PSA Crypto:
/// valid, not valid (a key off the curve included), or the status PSA failed with
/// (logged with its step: the build lacks brainpoolP256r1, a key slot or heap, or PSA did
/// not start).
pub fn verify(key: &[u8; POINT_LEN], digest: &[u8; DIGEST_LEN], sig: &[u8; SIG_LEN]) -> Verdict {
    if key[0] != 4 {
        return Ok(false);
    }
    match psa::verify(key, digest, sig) {
        (SUCCESS, _) => Ok(true),
        (INVALID_SIGNATURE, Step::Verify) | (INVALID_ARGUMENT, Step::Import) => Ok(false),
        (status, step) => {
            logger::log(
                Level::Error,
                "PSA Crypto could not verify a signature (status {}, step {})",
                &[Arg::from(status), Arg::from(step as u8)],
            );
            Err(status)
        }
    }
}

/// True if `key` is a 65-byte uncompressed brainpoolP256r1 point PSA Crypto accepts (a
/// usable trust anchor). A PSA failure other than "not a point" is logged; the key is
/// refused either way (fail closed).
pub fn is_public_key(key: &[u8]) -> bool {
    let Ok(key) = <&[u8; POINT_LEN]>::try_from(key) else {
        return false;
    };
    if key[0] != 4 {
        return false;
    }
    match psa::check_key(key) {
        (SUCCESS, _) => true,
        (INVALID_ARGUMENT, Step::Import) => false,
        (status, step) => {
            logger::log(
                Level::Error,
                "PSA Crypto could not check a trusted CI key (status {}, step {})",
                &[Arg::from(status), Arg::from(step as u8)],
            );
            false
        }
    }
}
