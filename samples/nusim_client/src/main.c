/*
 * Copyright (c) 2026 nusim-lwm2m contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * LwM2M client (DTLS with a pre-shared key) with Objects 507/508: a server can switch the
 * carrier profile.
 * samples/nusim_client_rust is the same application with its main in Rust.
 */

#include <zephyr/kernel.h>
#include <zephyr/logging/log.h>
#include <zephyr/net/lwm2m.h>
#include <nusim/lwm2m_nusim.h>

#include "nusim_client.h"

LOG_MODULE_DECLARE(nusim_client, LOG_LEVEL_INF);

/* A real product would ask here whether a switch may happen now: not while a firmware
 * update runs, not on a low battery, not while roaming, ...
 */
static enum lwm2m_nusim_decision may_switch(enum lwm2m_nusim_source source, uint16_t inst,
					   void *user_data)
{
	ARG_UNUSED(user_data);
	LOG_INF("Profile switch to 507/%u requested (source %d): allowed", inst, source);
	return LWM2M_NUSIM_ALLOW;
}

static void switched(enum lwm2m_nusim_source source, uint16_t inst,
		     enum lwm2m_nusim_result result, const char *iccid, void *user_data)
{
	ARG_UNUSED(user_data);
	LOG_INF("Profile load from 507/%u (source %d) ended: result %u, ICCID %s", inst, source,
		result, iccid);
	if ((result == LWM2M_NUSIM_RESULT_SUCCESS && (source == LWM2M_NUSIM_SOURCE_SERVER ||
			    source == LWM2M_NUSIM_SOURCE_LOCAL)) ||
	    result == LWM2M_NUSIM_RESULT_ROLLED_BACK) {
		nusim_client_new_network();
	}
}

static const struct lwm2m_nusim_callbacks nusim_cb = {
	.policy = may_switch,
	.result = switched,
};

int main(void)
{
	char eid[40], iccid[24];

	if (lwm2m_get_string(&LWM2M_OBJ(508, 0, 0), eid, sizeof(eid)) == 0 &&
	    lwm2m_get_string(&LWM2M_OBJ(508, 0, 1), iccid, sizeof(iccid)) == 0) {
		LOG_INF("nuSIM EID %s, ICCID %s", eid, iccid);
	}
	lwm2m_nusim_set_callbacks(&nusim_cb);
	return nusim_client_start();
}
