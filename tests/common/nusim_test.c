/*
 * Copyright (c) 2026 nusim-lwm2m contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The engine calls every object suite makes (declared in nusim_test.h).
 */

#include <errno.h>
#include <string.h>
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

struct stack_use {
	const char *name;
	size_t used, size;
	bool found;
};

#if defined(CONFIG_THREAD_MONITOR) && defined(CONFIG_THREAD_STACK_INFO) && \
	defined(CONFIG_INIT_STACKS) && defined(CONFIG_THREAD_NAME)
static void stack_use_of(const struct k_thread *t, void *user_data)
{
	struct stack_use *u = user_data;
	const char *name = k_thread_name_get((k_tid_t)t);
	size_t unused = 0;

	if (name != NULL && strcmp(name, u->name) == 0 &&
	    k_thread_stack_space_get(t, &unused) == 0) {
		u->size = t->stack_info.size;
		u->used = u->size - unused;
		u->found = true;
	}
}
#endif

int thread_stack_use(const char *name, size_t *used, size_t *size)
{
#if defined(CONFIG_THREAD_MONITOR) && defined(CONFIG_THREAD_STACK_INFO) && \
	defined(CONFIG_INIT_STACKS) && defined(CONFIG_THREAD_NAME)
	struct stack_use u = {.name = name};

	/* Unlocked: scanning a stack takes a while, and the threads of interest are idle. */
	k_thread_foreach_unlocked(stack_use_of, &u);
	if (!u.found) {
		return -ENOENT;
	}
	*used = u.used;
	*size = u.size;
	return 0;
#else
	ARG_UNUSED(name);
	ARG_UNUSED(used);
	ARG_UNUSED(size);
	return -ENOTSUP;
#endif
}
