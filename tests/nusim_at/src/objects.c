/*
 * Copyright (c) 2026 nusim-lwm2m contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Variant drivers.nusim.at.objects: Objects 507/508 through Zephyr's real LwM2M engine on
 * top of the AT driver and the emulated modem: identity read over AT at init, a switch,
 * every modem error code as its own 508/0/6 result, and 508/0/1 re-read from the chip
 * after a load whose answer was lost.
 */

#include <string.h>
#include <zephyr/kernel.h>
#include <zephyr/net/lwm2m.h>
#include <zephyr/ztest.h>

#include "lwm2m_engine.h"
#include "lwm2m_registry.h"
#include "nusim_rs.h"
#include "nusim_test.h"
#include "modem.h"
#include "wire_packages.h"

/* Writes a wire-order package into 507/0 as hex, resource by resource. */
static void write_wire(const uint8_t *pkg, size_t len)
{
	/* 507 resource -> (wire offset, length); encP is the rest. */
	static const uint16_t off[7] = {339, 65, 0, 81, 145, 210, 274};
	static const uint16_t n[7] = {0, 16, 65, 64, 65, 64, 65};
	static char hex[2 * 1024 + 1];

	for (uint16_t r = 0; r < 7; r++) {
		size_t l = r == 0 ? len - 339 : n[r];

		for (size_t i = 0; i < l; i++) {
			snprintk(&hex[2 * i], 3, "%02X", pkg[off[r] + i]);
		}
		hex[2 * l] = '\0';
		zassert_ok(lwm2m_set_string(P(0, r), hex), "507/0/%u", r);
	}
}

static uint8_t load(const uint8_t *pkg, size_t len)
{
	write_wire(pkg, len);
	zassert_ok(set_link(507, 0));
	zassert_ok(execute());
	return wait_result();
}

static void before(void *f)
{
	modem_reset(f);
	(void)lwm2m_create_object_inst(&LWM2M_OBJ(507, 0));
}

ZTEST(nusim_at_objects, test_identity_read_over_at_at_init)
{
	char eid[40];

	zassert_ok(lwm2m_get_string(N(0), eid, sizeof(eid)));
	assert_str(eid, WIRE_TEST_EID);
}

ZTEST(nusim_at_objects, test_switch_and_every_code)
{
	static const struct {
		uint16_t code;
		uint8_t result;
	} codes[] = {
		{4, R_GENERAL}, {50, R_SYNTAX}, {541, R_CI}, {542, R_SIG_KPUB_DP},
		{543, R_SIG_EKPUB_DP}, {544, R_MAC}, {545, R_REPROVISIONING}, {546, R_UNPARSABLE},
		{999, R_DRIVER_ERROR},
	};

	zassert_equal(load(wire_a, sizeof(wire_a)), R_SUCCESS);
	assert_str(iccid(), WIRE_ICCID_A);
	zassert_equal(load(wire_max, sizeof(wire_max)), R_SUCCESS, "1 KB encP over AT");
	assert_str(iccid(), WIRE_ICCID_MAX);
	/* A valid package passes the device's checks; the modem refuses the load with each
	 * code (and answers the ICCID query before it).
	 */
	for (size_t i = 0; i < ARRAY_SIZE(codes); i++) {
		modem_fault(F_LOAD_REFUSED, codes[i].code);
		zassert_equal(load(wire_a, sizeof(wire_a)), codes[i].result, "code %u",
			      codes[i].code);
		assert_str(iccid(), WIRE_ICCID_MAX);
	}
}

ZTEST(nusim_at_objects, test_broken_packages)
{
	/* Stopped on the device (6, 7, 8) or refused by the chip behind the modem (9, 10). */
	zassert_equal(load(wire_other_ci, sizeof(wire_other_ci)), R_CI);
	zassert_equal(load(wire_sig_kpubdp, sizeof(wire_sig_kpubdp)), R_SIG_KPUB_DP);
	zassert_equal(load(wire_sig_ekpubdp, sizeof(wire_sig_ekpubdp)), R_SIG_EKPUB_DP);
	zassert_equal(load(wire_encp, sizeof(wire_encp)), R_MAC);
	zassert_equal(load(wire_unparsable, sizeof(wire_unparsable)), R_UNPARSABLE);
	assert_str(iccid(), WIRE_ICCID_INITIAL);
}

ZTEST(nusim_at_objects, test_iccid_reread_after_a_lost_answer)
{
	/* Silent modem: its ICCID cannot be learnt, so no load begins; the ICCID stays. */
	modem_fault(F_SILENT, 0);
	zassert_equal(load(wire_a, sizeof(wire_a)), R_DRIVER_ERROR);
	assert_str(iccid(), WIRE_ICCID_INITIAL);
	/* The chip installed the profile but the answer was lost: 508/0/1 follows the chip. */
	modem_fault(F_LOAD_THEN_SILENT, 0);
	zassert_equal(load(wire_a, sizeof(wire_a)), R_DRIVER_ERROR);
	assert_str(iccid(), WIRE_ICCID_A);
}

/* Last (by name): after the switches, every refusal and the broken packages above, the
 * work queue has kept CONFIG_LWM2M_NUSIM_WORKQ_STACK_SIZE's margin with the AT driver and
 * the device-side checks (the default's sizing path). A real core only: native_sim threads
 * run on host stacks without a high-water mark.
 */
ZTEST(nusim_at_objects, test_work_queue_stack_keeps_its_margin)
{
	const size_t margin = 512;
	size_t used = 0, size = 0, main_used = 0, main_size = 0;

	zassert_equal(modem_lost(), 0, "the modem lost %zu bytes since boot", modem_lost());
	if (IS_ENABLED(CONFIG_ARCH_POSIX)) {
		TC_PRINT("native_sim: no stack high-water mark to read\n");
		ztest_test_skip();
	}
	zassert_ok(thread_stack_use("nusim_load", &used, &size),
		   "no nusim_load thread with stack information");
	zassert_ok(thread_stack_use("main", &main_used, &main_size));
	/* For the docs: the identity read over AT at init runs on the main thread. */
	TC_PRINT("main stack (init, then ztest): %zu of %zu bytes used\n", main_used, main_size);
	TC_PRINT("nusim_load stack (AT driver, checks %s): %zu of %zu bytes used (Kconfig %d)\n",
		 IS_ENABLED(CONFIG_LWM2M_NUSIM_CHECK_PACKAGES) ? "on" : "off", used, size,
		 CONFIG_LWM2M_NUSIM_WORKQ_STACK_SIZE);
	zassert_true(used + margin <= size, "%zu of %zu bytes used: less than %zu to spare", used,
		     size, margin);
}

ZTEST_SUITE(nusim_at_objects, NULL, NULL, before, NULL, NULL);
