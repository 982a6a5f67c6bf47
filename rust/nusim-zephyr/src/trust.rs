//! The CI keys a package must be signed under (CONFIG_LWM2M_NUSIM_CHECK_PACKAGES).

use crate::platform::{call, errno_of, rc};
use core::ffi::c_char;
use nusim_core::field::POINT_LEN;
use nusim_core::platform::Error;

/// Installs the build-time trust anchors: `kconfig` (NUL-terminated hex keys) and `dt`
/// (`dt_len` bytes, 65 a key, from the nuSIM node's `trusted-ci-keys`).
#[no_mangle]
pub extern "C" fn nusim_rs_trust_init(kconfig: *const c_char, dt: *const u8, dt_len: usize) {
    let text: &[u8] = if kconfig.is_null() {
        &[]
    } else {
        // SAFETY: non-null, and the glue passes a NUL-terminated Kconfig string literal.
        unsafe { core::ffi::CStr::from_ptr(kconfig) }.to_bytes()
    };
    let dt: &[u8] = if dt.is_null() || dt_len == 0 {
        &[]
    } else {
        // SAFETY: non-null and valid for dt_len bytes (a devicetree array in flash).
        unsafe { core::slice::from_raw_parts(dt, dt_len) }
    };
    call(|s, p| s.trust_init(p, text, dt));
}

/// `lwm2m_nusim_set_trusted_ci_keys()`: `count` keys of 65 bytes at `keys`.
#[no_mangle]
pub extern "C" fn nusim_rs_trust_set(keys: *const u8, count: usize) -> i32 {
    if count > crate::config::TRUSTED_CI_MAX {
        return errno_of(Error::NoRoom);
    }
    let flat: &[u8] = if count == 0 {
        &[]
    } else if keys.is_null() {
        return errno_of(Error::Invalid);
    } else {
        // SAFETY: non-null and valid for count * 65 bytes (the C API's contract); count is
        // at most TRUSTED_CI_MAX, so the product does not overflow.
        unsafe { core::slice::from_raw_parts(keys, count * POINT_LEN) }
    };
    rc(set(flat))
}

/// Installs the keys in `flat` (65 bytes each, back to back) in place of the set in force.
pub fn set(flat: &[u8]) -> Result<(), Error> {
    if flat.len() / POINT_LEN > crate::config::TRUSTED_CI_MAX {
        return Err(Error::NoRoom);
    }
    #[cfg(feature = "check-psa")]
    let is_public_key = crate::psa::is_public_key;
    #[cfg(not(feature = "check-psa"))]
    let is_public_key = nusim_core::chain::is_public_key;
    // Checked before the lock: with PSA Crypto a check may wait for a load's verification
    // (PSA's own lock), and the engine must not wait with it. Under the lock each key's
    // verdict is looked up by its place in `flat`.
    let mut valid = [false; crate::config::TRUSTED_CI_MAX];
    for (v, k) in valid.iter_mut().zip(flat.chunks(POINT_LEN)) {
        *v = is_public_key(k);
    }
    let verdict = |k: &[u8]| {
        let at = (k.as_ptr() as usize).wrapping_sub(flat.as_ptr() as usize) / POINT_LEN;
        valid.get(at).copied().unwrap_or(false)
    };
    call(|s, p| s.set_trusted(p, flat, verdict))
}

/// `lwm2m_nusim_trusted_ci_count()`: keys in force; -EBADMSG while the set is poisoned.
#[no_mangle]
pub extern "C" fn nusim_rs_trust_count() -> i32 {
    match call(|s, _| s.trusted_count()) {
        Ok(n) => i32::try_from(n).unwrap_or(i32::MAX),
        Err(e) => errno_of(e),
    }
}
