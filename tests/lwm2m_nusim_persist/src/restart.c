/*
 * Copyright (c) 2026 nusim-lwm2m contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Suite restart: one step per process, chosen by pytest/test_persist.py with
 * --test=restart::<step>; the flash file carries the state from one process to the next,
 * as flash carries it over a power cycle. Arguments after -testargs:
 *   cut=<k>   the power goes at the k-th flash write of the step: that write and all
 *             later ones never reach the flash (the flash simulator's thresholds);
 *   torn=<n>  ...and of the k-th write only the first n bytes arrive;
 *   net=<0|1> whether the network comes (for the step "check").
 * Run without arguments (plain twister, no pytest) every step skips.
 */

#include <stdlib.h>
#include <zephyr/kernel.h>
#include <zephyr/settings/settings.h>
#include <zephyr/stats/stats.h>
#include <zephyr/sys/byteorder.h>
#include <zephyr/sys/crc.h>
#include <zephyr/ztest.h>

#include <nusim/nusim_sim.h>

#include "common.h"
#include "packages.h"

void native_get_test_cmd_line_args(int *argc, char ***argv);

static long arg(const char *name, long dflt)
{
	int argc;
	char **argv;
	size_t n = strlen(name);

	native_get_test_cmd_line_args(&argc, &argv);
	for (int i = 0; i < argc; i++) {
		if (strncmp(argv[i], name, n) == 0 && argv[i][n] == '=') {
			return strtol(argv[i] + n + 1, NULL, 10);
		}
	}
	return dflt;
}

static bool has_args(void)
{
	int argc;
	char **argv;

	native_get_test_cmd_line_args(&argc, &argv);
	return argc > 0;
}

/* --- the flash simulator's counters and power-cut thresholds --- */

struct find {
	const char *name;
	uint32_t *p;
};

static int find_cb(struct stats_hdr *hdr, void *arg, const char *name, uint16_t off)
{
	struct find *f = arg;

	if (strcmp(name, f->name) == 0) {
		f->p = (uint32_t *)((uint8_t *)hdr + off);
	}
	return 0;
}

static uint32_t *stat(const char *group, const char *name)
{
	struct find f = {.name = name};
	struct stats_hdr *hdr = stats_group_find(group);

	zassert_not_null(hdr, "%s", group);
	stats_walk(hdr, find_cb, &f);
	zassert_not_null(f.p, "%s", name);
	return f.p;
}

static uint32_t base;

static void arm_power_cut(void)
{
	long cut = arg("cut", 0);

	base = *stat("flash_sim_stats", "flash_write_calls");
	if (cut > 0) {
		*stat("flash_sim_thresholds", "max_write_calls") = base + cut;
		*stat("flash_sim_thresholds", "max_len") = arg("torn", 0);
	}
}

/* How many flash writes the step made (all of them, when no cut was armed). */
static void op_done(void)
{
	printk("OPDONE writes=%u\n", *stat("flash_sim_stats", "flash_write_calls") - base);
}

static void before(void *f)
{
	ARG_UNUSED(f);
	if (!has_args()) {
		ztest_test_skip();
	}
}

ZTEST_SUITE(restart, NULL, NULL, before, NULL, NULL);

/* Two profiles, A proven (the backup), B stored. */
ZTEST(restart, test_setup)
{
	zassert_equal(status().profiles, 0, "run with --flash_erase");
	zassert_ok(create_with(0, pkg_a));
	zassert_ok(create_with(1, pkg_b));
	zassert_ok(lwm2m_nusim_load(0));
	zassert_equal(wait_idle(), R_SUCCESS);
	lwm2m_nusim_network_ready();
	zassert_str_equal(status().backup_iccid, ICCID_A);
	print_state("STATE");
}

/* After a restart: let recovery finish, let the network come or not, report. */
ZTEST(restart, test_check)
{
	(void)wait_idle();
	if (status().phase == 2) {
		if (arg("net", 1)) {
			lwm2m_nusim_network_ready();
		} else {
			k_sleep(K_SECONDS(CONFIG_LWM2M_NUSIM_NETWORK_TIMEOUT + 1));
			(void)wait_idle();
		}
	}
	/* A modem slow at boot (--nusim-sim-iccid-unavailable) is asked again in the
	 * background: its ICCID arrives within CONFIG_LWM2M_NUSIM_DRIVER_WAIT_MS.
	 */
	for (int i = 0; i < CONFIG_LWM2M_NUSIM_DRIVER_WAIT_MS / 10 && status().iccid[0] == '\0'; i++) {
		k_msleep(10);
	}
	print_state("STATE");
}

ZTEST(restart, test_op_write)
{
	arm_power_cut();
	write_pkg(1, pkg_a_hex);
	op_done();
}

ZTEST(restart, test_op_create)
{
	arm_power_cut();
	zassert_ok(create_with(2, pkg_max));
	op_done();
}

ZTEST(restart, test_op_delete)
{
	arm_power_cut();
	zassert_ok(lwm2m_delete_object_inst(I(1)));
	op_done();
}

ZTEST(restart, test_op_switch)
{
	arm_power_cut();
	zassert_ok(lwm2m_nusim_load(1));
	(void)wait_idle();
	lwm2m_nusim_network_ready();
	op_done();
}

ZTEST(restart, test_op_timeout)
{
	arm_power_cut();
	zassert_ok(lwm2m_nusim_load(1));
	(void)wait_idle();
	k_sleep(K_SECONDS(CONFIG_LWM2M_NUSIM_NETWORK_TIMEOUT + 1));
	(void)wait_idle();
	op_done();
}

ZTEST(restart, test_op_failure)
{
	arm_power_cut();
	nusim_sim_fail_next(-EIO, true);
	zassert_ok(lwm2m_nusim_load(1));
	(void)wait_idle();
	op_done();
}

ZTEST(restart, test_op_rollback)
{
	arm_power_cut();
	zassert_ok(lwm2m_nusim_load(1));
	(void)wait_idle();
	zassert_ok(lwm2m_nusim_rollback());
	(void)wait_idle();
	op_done();
}

static enum lwm2m_nusim_decision always_defer(enum lwm2m_nusim_source source, uint16_t inst,
					      void *user_data)
{
	return LWM2M_NUSIM_DEFER;
}

/* A load the policy defers, then the power goes: the load does not survive it. */
ZTEST(restart, test_defer_then_power_off)
{
	static const struct lwm2m_nusim_callbacks cb = {.policy = always_defer};

	lwm2m_nusim_set_callbacks(&cb);
	zassert_ok(set_link(507, 1));
	zassert_ok(execute());
	k_sleep(K_MSEC(100));
	zassert_equal(result(), R_DEFERRED);
	print_state("STATE");
}

/* Booted with --nusim-sim-iccid-unavailable=1: the module's init could not learn the
 * ICCID. A load that then fails after the chip erased its profile must still be seen as
 * destructive, and the backup must go back (regression: the unknown ICCID was an empty
 * one, equal to "no profile", so nothing seemed to have changed).
 */
ZTEST(restart, test_failure_after_slow_boot)
{
	nusim_sim_fail_next(-EIO, true);
	zassert_ok(lwm2m_nusim_load(1));
	(void)wait_idle();
	print_state("STATE");
}

/* The fallback's first load of the backup fails, then the power goes while it waits to
 * try again: the restart resumes the retries.
 */
ZTEST(restart, test_fallback_fails_then_power_off)
{
	zassert_ok(lwm2m_nusim_load(1));
	zassert_equal(wait_idle(), R_SUCCESS);
	nusim_sim_fail_loads(-EIO, 100, false);
	k_sleep(K_SECONDS(CONFIG_LWM2M_NUSIM_NETWORK_TIMEOUT));
	k_sleep(K_MSEC(500)); /* one attempt failed, the next waits a second */
	zassert_equal(result(), R_IN_PROGRESS);
	zassert_equal(status().phase, 3, "rolling back");
	print_state("STATE");
}

struct raw {
	uint8_t buf[64];
	ssize_t len;
};

static int raw_cb(const char *key, size_t len, settings_read_cb read_cb, void *cb_arg,
		  void *param)
{
	struct raw *r = param;

	if ((key == NULL || key[0] == '\0') && len <= sizeof(r->buf)) {
		r->len = read_cb(cb_arg, r->buf, len);
	}
	return 0;
}

/* Damages records behind the module's back: a corrupt value, a truncated one, a record of
 * a future format version, a name this version never writes, and the state record.
 */
ZTEST(restart, test_damage)
{
	static const uint8_t garbage[] = {0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04};
	/* {0: 2, 2: h'00'}, then its CRC-32: format version 2 does not exist yet. */
	uint8_t newer[10] = {0xa2, 0x00, 0x02, 0x02, 0x41, 0x00};
	uint32_t crc = crc32_ieee(newer, 6);
	struct raw r = {.len = -1};

	sys_put_le32(crc, &newer[6]);
	zassert_ok(settings_save_one("nusim/p/1/0", garbage, sizeof(garbage)));
	zassert_ok(settings_save_one("nusim/p/1/3", newer, sizeof(newer)));
	zassert_ok(settings_save_one("nusim/zz", garbage, sizeof(garbage)));
	/* The state record (link, backup, switch): its mirror keeps them. */
	zassert_ok(settings_save_one("nusim/s", garbage, sizeof(garbage)));
	/* 507/1/1 (16 bytes of mac in CBOR, then the CRC) cut to its first 10 bytes. */
	zassert_ok(settings_load_subtree_direct("nusim/p/1/1", raw_cb, &r));
	zassert_true(r.len > 16, "%d", (int)r.len);
	zassert_ok(settings_save_one("nusim/p/1/1", r.buf, 10));
}

/* After the damage and a restart: the damaged values are gone, nothing else is; the state
 * (link, backup) comes from its mirror.
 */
ZTEST(restart, test_after_damage)
{
	char v[200];

	for (uint16_t res = 0; res < 7; res++) {
		v[0] = '\0';
		zassert_ok(lwm2m_get_string(P(1, res), v, sizeof(v)));
		if (res == 0 || res == 1 || res == 3) {
			zassert_equal(v[0], '\0', "507/1/%u should be empty", res);
		} else {
			zassert_str_equal(v, pkg_b[res]);
		}
		zassert_ok(lwm2m_get_string(P(0, res), v, sizeof(v)));
		zassert_true(strncmp(v, pkg_a[res], sizeof(v) - 1) == 0, "507/0/%u", res);
	}
	struct lwm2m_nusim_status st = status();

	zassert_equal(st.link, 0);
	zassert_str_equal(st.backup_iccid, ICCID_A);
	zassert_str_equal(st.iccid, ICCID_A);
	/* 507/1 is incomplete now: a load says so and the chip is not asked. */
	zassert_ok(lwm2m_nusim_load(1));
	zassert_equal(wait_idle(), R_INCOMPLETE);
	print_state("STATE");
}
