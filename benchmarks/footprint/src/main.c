/*
 * Copyright (c) 2026 nusim-lwm2m contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Footprint baseline: an LwM2M client that starts registration. The module, when enabled,
 * adds Objects 507/508 through its init hooks; nothing here refers to it.
 */

#include <zephyr/net/lwm2m.h>

static struct lwm2m_ctx ctx;

#ifdef CONFIG_FOOTPRINT_PSA_USER
int footprint_psa_user(const uint8_t key[65], const uint8_t hash[32], const uint8_t sig[64]);
/* Inputs the compiler cannot see through: the call and what it links stay. */
static volatile uint8_t psa_input[65 + 32 + 64];
#endif

int main(void)
{
	lwm2m_rd_client_start(&ctx, "footprint", 0, NULL, NULL);
#ifdef CONFIG_FOOTPRINT_PSA_USER
	uint8_t in[sizeof(psa_input)];

	for (size_t i = 0; i < sizeof(in); i++) {
		in[i] = psa_input[i];
	}
	(void)footprint_psa_user(in, &in[65], &in[97]);
#endif
	return 0;
}
