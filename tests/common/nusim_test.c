/*
 * Copyright (c) 2026 nusim-lwm2m contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The engine calls every object suite makes (declared in nusim_test.h).
 */

#include <zephyr/kernel.h>

#include "lwm2m_engine.h"
#include "lwm2m_registry.h"
#include "nusim_test.h"

void write_pkg(uint16_t inst, const char *const pkg[7])
{
	for (uint16_t r = 0; r < 7; r++) {
		zassert_ok(lwm2m_set_string(P(inst, r), pkg[r]), "507/%u/%u", inst, r);
	}
}

int set_link(uint16_t obj, uint16_t inst)
{
	struct lwm2m_objlnk l = {.obj_id = obj, .obj_inst = inst};

	return lwm2m_set_objlnk(N(4), &l);
}

int execute(void)
{
	struct lwm2m_engine_res *res = lwm2m_engine_get_res(N(5));

	zassert_not_null(res);
	zassert_not_null(res->execute_cb);
	return res->execute_cb(0, NULL, 0);
}

uint8_t result(void)
{
	uint8_t v = 0xAA;

	zassert_ok(lwm2m_get_u8(N(6), &v));
	return v;
}

uint8_t wait_result(void)
{
	for (int i = 0; i < 600; i++) {
		uint8_t v = result();

		if (v != R_IN_PROGRESS) {
			return v;
		}
		k_msleep(100);
	}
	ztest_test_fail();
	return 0;
}

const char *iccid(void)
{
	static char s[32];

	zassert_ok(lwm2m_get_string(N(1), s, sizeof(s)));
	return s;
}
