/*
 * Copyright (c) 2026 nusim-lwm2m contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The LwM2M client of the nuSIM samples (nusim_client.h).
 */

#include <errno.h>
#include <zephyr/kernel.h>
#include <zephyr/logging/log.h>
#include <zephyr/net/lwm2m.h>
#include <nusim/lwm2m_nusim.h>

#include "nusim_client.h"

LOG_MODULE_REGISTER(nusim_client, LOG_LEVEL_INF);

static struct lwm2m_ctx client;

static void rd_event(struct lwm2m_ctx *ctx, enum lwm2m_rd_client_event ev);

/* After a refused or failed registration Zephyr 3.4's client stops: start it again a
 * little later, as a device whose server was out of reach must. Zephyr 4.x's client goes
 * on retrying by itself (with a back-off) and reports the same events meanwhile.
 */
static void restart_client(struct k_work *work)
{
	int ret;

	ARG_UNUSED(work);
	ret = lwm2m_rd_client_start(&client, CONFIG_NUSIM_CLIENT_ENDPOINT, 0, rd_event, NULL);
	if (ret == -EINPROGRESS) {
		LOG_INF("The LwM2M client retries by itself");
	} else if (ret < 0) {
		LOG_WRN("Restarting the LwM2M client failed: %d", ret);
	}
}
static K_WORK_DELAYABLE_DEFINE(restart_work, restart_client);

static void rd_event(struct lwm2m_ctx *ctx, enum lwm2m_rd_client_event ev)
{
	ARG_UNUSED(ctx);
	switch (ev) {
	case LWM2M_RD_CLIENT_EVENT_REGISTRATION_COMPLETE:
		LOG_INF("Registered with %s", CONFIG_NUSIM_CLIENT_SERVER_URI);
		/* The server is reachable over the current profile: it has proved itself. */
		lwm2m_nusim_network_ready();
		break;
	case LWM2M_RD_CLIENT_EVENT_REG_UPDATE_COMPLETE:
		lwm2m_nusim_network_ready();
		break;
	case LWM2M_RD_CLIENT_EVENT_REGISTRATION_FAILURE:
	case LWM2M_RD_CLIENT_EVENT_NETWORK_ERROR:
		LOG_WRN("Registration failed (event %d): trying again in %d s", ev,
			CONFIG_NUSIM_CLIENT_RETRY_SECONDS);
		k_work_reschedule(&restart_work, K_SECONDS(CONFIG_NUSIM_CLIENT_RETRY_SECONDS));
		break;
	default:
		break;
	}
}

int nusim_client_start(void)
{
	int ret;

	ret = lwm2m_set_string(&LWM2M_OBJ(0, 0, 0), CONFIG_NUSIM_CLIENT_SERVER_URI);
	ret = ret ?: lwm2m_set_u8(&LWM2M_OBJ(0, 0, 2), LWM2M_SECURITY_NOSEC);
	/* Server object 1/0 exists from start; pair it with security instance 0. */
	ret = ret ?: lwm2m_set_u16(&LWM2M_OBJ(0, 0, 10), CONFIG_LWM2M_SERVER_DEFAULT_SSID);
	ret = ret ?: lwm2m_set_u16(&LWM2M_OBJ(1, 0, 0), CONFIG_LWM2M_SERVER_DEFAULT_SSID);
	if (ret < 0) {
		LOG_ERR("Server setup failed: %d", ret);
		return ret;
	}
	LOG_INF("Endpoint %s, server %s", CONFIG_NUSIM_CLIENT_ENDPOINT,
		CONFIG_NUSIM_CLIENT_SERVER_URI);
	return lwm2m_rd_client_start(&client, CONFIG_NUSIM_CLIENT_ENDPOINT, 0, rd_event, NULL);
}

void nusim_client_update(void)
{
	lwm2m_rd_client_update();
}
