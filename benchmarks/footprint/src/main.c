/*
 * Copyright (c) 2026 nusim-lwm2m contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Footprint baseline: an LwM2M client that starts registration. The module, when enabled,
 * adds Objects 507/508 through its init hooks; nothing here refers to it.
 */

#include <zephyr/net/lwm2m.h>

static struct lwm2m_ctx ctx;

int main(void)
{
	lwm2m_rd_client_start(&ctx, "footprint", 0, NULL, NULL);
	return 0;
}
