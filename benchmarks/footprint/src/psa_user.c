/*
 * Copyright (c) 2026 nusim-lwm2m contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * CONFIG_FOOTPRINT_PSA_USER: the application's own use of PSA Crypto (a brainpoolP256r1
 * ECDSA verification, as a DTLS stack or a firmware check would make), so that the PSA
 * setups measure the module against an application that already links that code.
 */

#include <psa/crypto.h>

int footprint_psa_user(const uint8_t key[65], const uint8_t hash[32], const uint8_t sig[64])
{
	psa_key_attributes_t attr = PSA_KEY_ATTRIBUTES_INIT;
	mbedtls_svc_key_id_t id = MBEDTLS_SVC_KEY_ID_INIT;
	psa_status_t st = psa_crypto_init();

	if (st != PSA_SUCCESS) {
		return st;
	}
	psa_set_key_type(&attr, PSA_KEY_TYPE_ECC_PUBLIC_KEY(PSA_ECC_FAMILY_BRAINPOOL_P_R1));
	psa_set_key_bits(&attr, 256);
	psa_set_key_usage_flags(&attr, PSA_KEY_USAGE_VERIFY_HASH);
	psa_set_key_algorithm(&attr, PSA_ALG_ECDSA(PSA_ALG_SHA_256));
	st = psa_import_key(&attr, key, 65, &id);
	if (st == PSA_SUCCESS) {
		st = psa_verify_hash(id, PSA_ALG_ECDSA(PSA_ALG_SHA_256), hash, 32, sig, 64);
		psa_destroy_key(id);
	}
	return st;
}
