/*
 * Copyright (c) 2026 nusim-lwm2m contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * What the suites that drive Objects 507/508 through the engine share (tests/lwm2m_nusim,
 * tests/lwm2m_nusim_persist, tests/nusim_at's objects variant): paths, the 508/0/6 codes,
 * a 3.4.99 gap in ztest, and the engine calls every suite makes (nusim_test.c).
 */

#ifndef NUSIM_TEST_H_
#define NUSIM_TEST_H_

#include <stdint.h>
#include <string.h>
#include <zephyr/net/lwm2m.h>
#include <zephyr/ztest.h>

/* zassert_str_equal arrived after 3.4.99 */
#ifndef zassert_str_equal
#define zassert_str_equal(a, b, ...) zassert_true(strcmp((a), (b)) == 0, "\"%s\" != \"%s\"", (a), (b))
#endif

#define P(i, r) (&LWM2M_OBJ(507, i, r))
#define I(i)    (&LWM2M_OBJ(507, i))
#define N(r)    (&LWM2M_OBJ(508, 0, r))

/* 508/0/6 codes (docs/objects.md, "Result codes"; enum lwm2m_nusim_result). */
enum {
	R_SUCCESS = 0, R_FAILED = 1, R_IN_PROGRESS = 2, R_NO_LINK = 3, R_DANGLING = 4, R_INCOMPLETE = 5,
	R_CI = 6, R_SIG_KPUB_DP = 7, R_SIG_EKPUB_DP = 8, R_MAC = 9, R_UNPARSABLE = 10,
	R_REPROVISIONING = 11, R_DRIVER_BUSY = 12, R_DRIVER_ERROR = 13, R_GENERAL = 14, R_SYNTAX = 15, R_DENIED = 16, R_DEFERRED = 17, R_ROLLED_BACK = 18,
	R_ROLLBACK_FAILED = 19, R_INTERRUPTED = 20, R_NEVER = 255,
};

/* Writes the seven values of @p pkg into 507 instance @p inst (asserting each write). */
void write_pkg(uint16_t inst, const char *const pkg[7]);
/* Writes 508/0/4; the engine's return code. */
int set_link(uint16_t obj, uint16_t inst);
/* Executes 508/0/5 through the engine's callback; its return code. */
int execute(void);
/* 508/0/6. */
uint8_t result(void);
/* 508/0/6 once it is no longer 2 (in progress); fails the test after 60 s. */
uint8_t wait_result(void);
/* 508/0/1 (a static buffer). */
const char *iccid(void);
/* The stack high-water mark of the thread named @p name: 0 with *used and *size filled,
 * -ENOENT without such a thread (or one without stack information), -ENOTSUP in a build
 * without CONFIG_THREAD_MONITOR, CONFIG_THREAD_STACK_INFO, CONFIG_INIT_STACKS and
 * CONFIG_THREAD_NAME.
 */
int thread_stack_use(const char *name, size_t *used, size_t *size);

#endif /* NUSIM_TEST_H_ */
