/*
 * Copyright (c) 2026 nusim-lwm2m contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Simulated nuSIM driver (tests and demos only). The device, its devicetree properties and
 * a mutex live here; the chip's behaviour is Rust (rust/nusim-zephyr/src/sim.rs).
 */

#define DT_DRV_COMPAT nusim_simulated

#include <zephyr/device.h>
#include <zephyr/kernel.h>
#include <string.h>
#include <zephyr/logging/log.h>
#include <zephyr/sys/atomic.h>
#ifdef CONFIG_NUSIM_SIMULATOR_PERSIST
#include <zephyr/settings/settings.h>
#endif
#include <nusim/nusim.h>
#include <nusim/nusim_sim.h>
#include "nusim_rs.h"

LOG_MODULE_DECLARE(nusim, CONFIG_NUSIM_LOG_LEVEL);

BUILD_ASSERT(DT_NUM_INST_STATUS_OKAY(DT_DRV_COMPAT) == 1,
	     "exactly one nusim,simulated node may be enabled");

struct nusim_sim_config {
	const char *initial_iccid;
	uint32_t load_delay_ms;
	bool single_profile;
};

struct nusim_sim_data {
	struct k_mutex lock;
};

static atomic_t loads;
/* The armed load failures: set by tests, taken by loads on the work queue. */
static K_MUTEX_DEFINE(fail_lock);
static int fail_err;
static int fail_count;
static bool fail_wipe;
static atomic_t iccid_unavailable;

#ifdef CONFIG_ARCH_POSIX
#include "cmdline.h"
#include "soc.h"

/* --nusim-sim-iccid-unavailable=N: the first N ICCID queries after boot fail, as from a
 * modem that is still booting when the LwM2M module starts.
 */
static uint32_t boot_iccid_unavailable;

static void sim_native_options(void)
{
	static struct args_struct_t opts[] = {
		{.option = "nusim-sim-iccid-unavailable",
		 .name = "count",
		 .type = 'u',
		 .dest = (void *)&boot_iccid_unavailable,
		 .descript = "The simulated nuSIM answers the first <count> ICCID queries with "
			     "-EAGAIN (a modem still booting)"},
		ARG_TABLE_ENDMARKER,
	};

	native_add_command_line_opts(opts);
}
NATIVE_TASK(sim_native_options, PRE_BOOT_1, 1);
#endif

int nusim_sim_load_count(void)
{
	return (int)atomic_get(&loads);
}

void nusim_sim_fail_loads(int err, int count, bool wipe)
{
	k_mutex_lock(&fail_lock, K_FOREVER);
	fail_err = err;
	fail_count = err != 0 ? MAX(count, 0) : 0;
	fail_wipe = wipe;
	k_mutex_unlock(&fail_lock);
}

void nusim_sim_fail_next(int err, bool wipe)
{
	nusim_sim_fail_loads(err, 1, wipe);
}

void nusim_sim_iccid_unavailable(int count)
{
	atomic_set(&iccid_unavailable, MAX(count, 0));
}

#ifdef CONFIG_NUSIM_SIMULATOR_PERSIST
#define ICCID_KEY "nusim-sim/iccid"

/* The chip's memory: the ICCID of the profile it holds, "-" for none (no entry: the chip
 * is as it left the factory, with the devicetree's initial-iccid).
 */
static void remember(const char *iccid)
{
	int rc = settings_save_one(ICCID_KEY, iccid[0] ? iccid : "-",
				   iccid[0] ? strlen(iccid) : 1);

	if (rc < 0) {
		LOG_ERR("simulated nuSIM: storing the ICCID failed (%d)", rc);
	}
}

static int recall_cb(const char *key, size_t len, settings_read_cb read_cb, void *cb_arg,
		     void *param)
{
	char *iccid = param;

	if ((key == NULL || key[0] == '\0') && len > 0 && len < NUSIM_ICCID_MAX_LEN + 1) {
		ssize_t n = read_cb(cb_arg, iccid, len);

		iccid[n > 0 ? n : 0] = '\0';
	}
	return 1;
}
#endif

static int sim_load(const struct device *dev, const uint8_t *pkg, size_t len,
		    struct nusim_load_status *status)
{
	const struct nusim_sim_config *cfg = dev->config;
	struct nusim_sim_data *data = dev->data;
	int rc;

	if (pkg == NULL || status == NULL) {
		return -EINVAL;
	}
	status->reason = NUSIM_REASON_NONE;
	status->iccid[0] = '\0';
	k_mutex_lock(&data->lock, K_FOREVER);
	atomic_inc(&loads);
	if (cfg->load_delay_ms > 0) {
		k_msleep(cfg->load_delay_ms);
	}
	k_mutex_lock(&fail_lock, K_FOREVER);
	bool fail = fail_count > 0;
	bool wipe = fail_wipe;

	rc = fail_err;
	if (fail) {
		fail_count--;
	}
	k_mutex_unlock(&fail_lock);
	if (fail) {
		if (wipe) {
			nusim_sim_rs_wipe();
			IF_ENABLED(CONFIG_NUSIM_SIMULATOR_PERSIST, (remember("");))
		}
	} else {
		rc = nusim_sim_rs_load(pkg, len, &status->reason, status->iccid,
				       sizeof(status->iccid));
		IF_ENABLED(CONFIG_NUSIM_SIMULATOR_PERSIST, (if (rc == 0) { remember(status->iccid); }))
	}
	k_mutex_unlock(&data->lock);
	return rc;
}

/* Every call into the Rust chip model holds the device mutex (see sim.rs). */
#define SIM_GETTER(name, type, call)                                                               \
	static int name(const struct device *dev, type *buf, size_t size)                          \
	{                                                                                          \
		struct nusim_sim_data *data = dev->data;                                           \
		int rc;                                                                            \
                                                                                                   \
		k_mutex_lock(&data->lock, K_FOREVER);                                              \
		rc = call(buf, size);                                                              \
		k_mutex_unlock(&data->lock);                                                       \
		return rc;                                                                         \
	}

SIM_GETTER(sim_eid, char, nusim_sim_rs_eid)
SIM_GETTER(sim_iccid_now, char, nusim_sim_rs_iccid)

static int sim_iccid(const struct device *dev, char *buf, size_t size)
{
	atomic_val_t left = atomic_get(&iccid_unavailable);

	/* Not ready (yet): counts down, without touching the chip model. */
	while (left > 0) {
		if (atomic_cas(&iccid_unavailable, left, left - 1)) {
			return -EAGAIN;
		}
		left = atomic_get(&iccid_unavailable);
	}
	return sim_iccid_now(dev, buf, size);
}
SIM_GETTER(sim_certificate, uint8_t, nusim_sim_rs_certificate)
SIM_GETTER(sim_capabilities, uint8_t, nusim_sim_rs_capabilities)

static const struct nusim_driver_api sim_api = {
	.load = sim_load,
	.get_eid = sim_eid,
	.get_iccid = sim_iccid,
	.get_certificate = sim_certificate,
	.get_capabilities = sim_capabilities,
};

static int sim_init(const struct device *dev)
{
	const struct nusim_sim_config *cfg = dev->config;
	struct nusim_sim_data *data = dev->data;

	const char *iccid = cfg->initial_iccid;

	k_mutex_init(&data->lock);
#ifdef CONFIG_NUSIM_SIMULATOR_PERSIST
	static char stored[NUSIM_ICCID_MAX_LEN + 1];

	if (settings_subsys_init() == 0 &&
	    settings_load_subtree_direct(ICCID_KEY, recall_cb, stored) == 0 && stored[0]) {
		iccid = strcmp(stored, "-") == 0 ? "" : stored;
	}
#endif
	nusim_sim_rs_init(cfg->single_profile, iccid);
#ifdef CONFIG_ARCH_POSIX
	/* The command line presets an option not given to UINT32_MAX. */
	nusim_sim_iccid_unavailable(boot_iccid_unavailable == UINT32_MAX ? 0
				    : (int)MIN(boot_iccid_unavailable, INT32_MAX));
#endif
	return 0;
}

static const struct nusim_sim_config sim_config = {
	.initial_iccid = DT_INST_PROP_OR(0, initial_iccid, ""),
	.load_delay_ms = DT_INST_PROP(0, load_delay_ms),
	.single_profile = DT_INST_PROP(0, single_profile),
};
static struct nusim_sim_data sim_data;

DEVICE_DT_INST_DEFINE(0, sim_init, NULL, &sim_data, &sim_config, POST_KERNEL,
		      CONFIG_NUSIM_INIT_PRIORITY, &sim_api);
