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
#include <zephyr/sys/atomic.h>
#include <nusim/nusim.h>
#include <nusim/nusim_sim.h>
#include "nusim_rs.h"

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

int nusim_sim_load_count(void)
{
	return (int)atomic_get(&loads);
}

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
	rc = nusim_sim_rs_load(pkg, len, &status->reason, status->iccid, sizeof(status->iccid));
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
SIM_GETTER(sim_iccid, char, nusim_sim_rs_iccid)
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

	k_mutex_init(&data->lock);
	nusim_sim_rs_init(cfg->single_profile, cfg->initial_iccid);
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
