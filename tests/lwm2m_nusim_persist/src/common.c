/*
 * Copyright (c) 2026 nusim-lwm2m contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Helpers of the persistence tests: Objects 507/508 through the real engine's API.
 */

#include <zephyr/kernel.h>
#include <zephyr/sys/crc.h>

#include "lwm2m_engine.h"
#include "lwm2m_registry.h"
#include "common.h"

static char buf[2200];

int create_with(uint16_t inst, const char *const pkg[7])
{
	int rc = lwm2m_create_object_inst(I(inst));

	if (rc == 0) {
		write_pkg(inst, pkg);
	}
	return rc;
}

uint8_t wait_idle(void)
{
	for (int i = 0; i < 2000; i++) {
		struct lwm2m_nusim_status st = status();

		/* Busy during a load, a deferral or a rollback; awaiting the network is not
		 * a load (phase 2), the callers decide about it.
		 */
		if (st.phase == 2 || (!st.busy && st.result != R_IN_PROGRESS &&
				      st.result != R_DEFERRED)) {
			return st.result;
		}
		k_msleep(10);
	}
	ztest_test_fail();
	return 0;
}

struct lwm2m_nusim_status status(void)
{
	struct lwm2m_nusim_status st;

	zassert_ok(lwm2m_nusim_get_status(&st));
	return st;
}

void print_state(const char *tag)
{
	struct lwm2m_nusim_status st = status();

	/* One line per instance: the console breaks lines longer than 256 characters. */
	printk("%s chip=%s backup=%s link=%d result=%u phase=%u\n", tag,
	       st.iccid[0] ? st.iccid : "-", st.has_backup ? st.backup_iccid : "-", (int)st.link,
	       st.result, st.phase);
	for (uint16_t i = 0; i < 8; i++) {
		if (lwm2m_engine_get_obj_inst(I(i)) == NULL) {
			continue;
		}
		printk("%s+", tag);
		for (uint16_t r = 0; r < 7; r++) {
			buf[0] = '\0';
			(void)lwm2m_get_string(P(i, r), buf, sizeof(buf));
			printk(" v%u.%u=%08x", i, r, crc32_ieee(buf, strlen(buf)));
		}
		printk("\n");
	}
}
