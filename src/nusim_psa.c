/*
 * Copyright (c) 2026 nusim-lwm2m contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The device-side checks through PSA Crypto (CONFIG_LWM2M_NUSIM_CHECK_PSA): a volatile
 * brainpoolP256r1 public key for each call, whose attributes C defines as macros and
 * inline functions. Decides nothing: every status goes back to Rust
 * (rust/nusim-zephyr/src/psa.rs), which says what it means.
 *
 * Zephyr's mbedTLS is built without MBEDTLS_THREADING_C: its PSA key slots and heap have
 * no lock of their own. The module's two callers (a trust-key check on the application's
 * thread, before it takes the engine's registry lock; a load's verification on the
 * module's work queue, holding no lock) take this one, and nothing else while they hold it.
 */

#include <zephyr/kernel.h>
#include <psa/crypto.h>

#include "nusim_rs.h"

#define NUSIM_PSA_ALG PSA_ALG_ECDSA(PSA_ALG_SHA_256)

static K_MUTEX_DEFINE(nusim_psa_lock);

/* PSA Crypto started (a no-op once it has), and key imported as brainpoolP256r1. */
static psa_status_t import(const uint8_t *key, psa_key_usage_t usage, mbedtls_svc_key_id_t *id,
			   uint8_t *step)
{
	psa_key_attributes_t attr = PSA_KEY_ATTRIBUTES_INIT;
	psa_status_t st;

	*step = NUSIM_PSA_STEP_INIT;
	st = psa_crypto_init();
	if (st != PSA_SUCCESS) {
		return st;
	}
	*step = NUSIM_PSA_STEP_IMPORT;
	psa_set_key_type(&attr, PSA_KEY_TYPE_ECC_PUBLIC_KEY(PSA_ECC_FAMILY_BRAINPOOL_P_R1));
	psa_set_key_bits(&attr, 256);
	psa_set_key_usage_flags(&attr, usage);
	psa_set_key_algorithm(&attr, NUSIM_PSA_ALG);
	st = psa_import_key(&attr, key, 65, id);
	psa_reset_key_attributes(&attr);
	return st;
}

int32_t nusim_psa_verify(const uint8_t *key, const uint8_t *digest, const uint8_t *sig,
			 uint8_t *step)
{
	mbedtls_svc_key_id_t id = MBEDTLS_SVC_KEY_ID_INIT;
	psa_status_t st, destroyed;

	k_mutex_lock(&nusim_psa_lock, K_FOREVER);
	st = import(key, PSA_KEY_USAGE_VERIFY_HASH, &id, step);
	if (st == PSA_SUCCESS) {
		*step = NUSIM_PSA_STEP_VERIFY;
		st = psa_verify_hash(id, NUSIM_PSA_ALG, digest, 32, sig, 64);
		/* A key slot that could not be freed outweighs the verdict: it is reported. */
		destroyed = psa_destroy_key(id);
		if (destroyed != PSA_SUCCESS) {
			*step = NUSIM_PSA_STEP_DESTROY;
			st = destroyed;
		}
	}
	k_mutex_unlock(&nusim_psa_lock);
	return st;
}

int32_t nusim_psa_check_key(const uint8_t *key, uint8_t *step)
{
	mbedtls_svc_key_id_t id = MBEDTLS_SVC_KEY_ID_INIT;
	psa_status_t st;

	k_mutex_lock(&nusim_psa_lock, K_FOREVER);
	st = import(key, 0, &id, step);
	if (st == PSA_SUCCESS) {
		*step = NUSIM_PSA_STEP_DESTROY;
		st = psa_destroy_key(id);
	}
	k_mutex_unlock(&nusim_psa_lock);
	return st;
}
