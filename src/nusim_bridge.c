/*
 * Copyright (c) 2026 nusim-lwm2m contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The bridge between Rust and Zephyr for Objects 507/508: the module's work queue and its
 * work items, the nuSIM device, the engine's notifications, the application's callbacks
 * and API (include/nusim/lwm2m_nusim.h). It forwards; Rust decides.
 */

#include <errno.h>
#include <string.h>
#include <zephyr/kernel.h>
#include <zephyr/logging/log.h>
#include <zephyr/sys/atomic.h>
#include <zephyr/net/lwm2m.h>
#include <zephyr/net/net_event.h>
#include <zephyr/net/net_mgmt.h>

#include "lwm2m_registry.h"
#include "lwm2m_observation.h"
#include <nusim/nusim.h>
#include <nusim/lwm2m_nusim.h>
#include "nusim_glue.h"
#include "nusim_rs.h"

LOG_MODULE_REGISTER(lwm2m_nusim, CONFIG_LWM2M_NUSIM_LOG_LEVEL);

#define NUSIM_NODE DT_CHOSEN(nusim_device)
BUILD_ASSERT(DT_NODE_HAS_STATUS(NUSIM_NODE, okay),
	     "CONFIG_LWM2M_NUSIM needs a nuSIM device: set /chosen/nusim,device in devicetree");

static const struct device *const nusim_dev = DEVICE_DT_GET(NUSIM_NODE);

/* The status struct of the API is written by Rust: the same layout, field by field. */
#define SAME_FIELD(c, r, f)                                                                    \
	BUILD_ASSERT(offsetof(struct c, f) == offsetof(struct r, f) &&                         \
			     sizeof(((struct c *)0)->f) == sizeof(((struct r *)0)->f),         \
		     #c "." #f " differs from Rust's")
SAME_FIELD(lwm2m_nusim_status, NusimRsStatus, result);
SAME_FIELD(lwm2m_nusim_status, NusimRsStatus, phase);
SAME_FIELD(lwm2m_nusim_status, NusimRsStatus, busy);
SAME_FIELD(lwm2m_nusim_status, NusimRsStatus, has_backup);
SAME_FIELD(lwm2m_nusim_status, NusimRsStatus, link);
SAME_FIELD(lwm2m_nusim_status, NusimRsStatus, iccid);
SAME_FIELD(lwm2m_nusim_status, NusimRsStatus, backup_iccid);
SAME_FIELD(lwm2m_nusim_status, NusimRsStatus, profiles);
BUILD_ASSERT(sizeof(struct lwm2m_nusim_status) == sizeof(struct NusimRsStatus));

/* --- work queue --- */

K_THREAD_STACK_DEFINE(nusim_wq_stack, CONFIG_LWM2M_NUSIM_WORKQ_STACK_SIZE);
static struct k_work_q nusim_wq;
static struct k_work_delayable works[NUSIM_WORK_COUNT];

static void work_handler(struct k_work *work)
{
	struct k_work_delayable *dw = k_work_delayable_from_work(work);

	nusim_rs_work((uint8_t)(dw - works));
}

void nusim_glue_submit(uint8_t work, uint32_t delay_ms)
{
	if (work < NUSIM_WORK_COUNT) {
		(void)k_work_reschedule_for_queue(&nusim_wq, &works[work], K_MSEC(delay_ms));
	}
}

void nusim_glue_cancel(uint8_t work)
{
	if (work < NUSIM_WORK_COUNT) {
		(void)k_work_cancel_delayable(&works[work]);
	}
}

void nusim_glue_sleep_ms(uint32_t ms)
{
	(void)k_msleep((int32_t)MIN(ms, (uint32_t)INT32_MAX));
}

int64_t nusim_glue_uptime_ms(void)
{
	return k_uptime_get();
}

const void *nusim_glue_current_thread(void)
{
	return k_current_get();
}

/* The engine's observer lists are guarded by the registry lock (its own callers hold it). */
void nusim_glue_notify(uint16_t obj, uint16_t inst, uint16_t res)
{
	lwm2m_registry_lock();
	(void)lwm2m_notify_observer_path(&LWM2M_OBJ(obj, inst, res));
	lwm2m_registry_unlock();
}

/* --- the nuSIM device --- */

int nusim_glue_load(const uint8_t *pkg, size_t len, int32_t *reason, char *iccid, size_t size)
{
	struct nusim_load_status st = {0};
	int rc;

	if (size == 0) {
		return -EINVAL;
	}
	if (!device_is_ready(nusim_dev)) {
		return -ENODEV;
	}
	rc = nusim_load(nusim_dev, pkg, len, &st);
	*reason = st.reason;
	st.iccid[sizeof(st.iccid) - 1] = '\0';
	strncpy(iccid, st.iccid, size - 1);
	iccid[size - 1] = '\0';
	return rc;
}

int nusim_glue_get_eid(char *buf, size_t size)
{
	return device_is_ready(nusim_dev) ? nusim_get_eid(nusim_dev, buf, size) : -ENODEV;
}

int nusim_glue_get_iccid(char *buf, size_t size)
{
	return device_is_ready(nusim_dev) ? nusim_get_iccid(nusim_dev, buf, size) : -ENODEV;
}

int nusim_glue_get_certificate(uint8_t *buf, size_t size)
{
	return device_is_ready(nusim_dev) ? nusim_get_certificate(nusim_dev, buf, size) : -ENODEV;
}

int nusim_glue_get_capabilities(uint8_t *buf, size_t size)
{
	return device_is_ready(nusim_dev) ? nusim_get_capabilities(nusim_dev, buf, size) : -ENODEV;
}

/* --- the application --- */

/* Set by an application thread, read on the work queue. */
static atomic_ptr_t app_cb = ATOMIC_PTR_INIT(NULL);

void lwm2m_nusim_set_callbacks(const struct lwm2m_nusim_callbacks *cb)
{
	(void)atomic_ptr_set(&app_cb, (atomic_ptr_val_t)cb);
}

bool nusim_glue_policy(uint8_t source, uint16_t inst, int *answer)
{
	const struct lwm2m_nusim_callbacks *cb = atomic_ptr_get(&app_cb);

	if (cb == NULL || cb->policy == NULL) {
		return false;
	}
	*answer = (int)cb->policy((enum lwm2m_nusim_source)source, inst, cb->user_data);
	return true;
}

void nusim_glue_report(uint8_t source, uint16_t inst, uint8_t result, const char *iccid)
{
	const struct lwm2m_nusim_callbacks *cb = atomic_ptr_get(&app_cb);

	if (cb != NULL && cb->result != NULL) {
		cb->result((enum lwm2m_nusim_source)source, inst, (enum lwm2m_nusim_result)result,
			   iccid, cb->user_data);
	}
}

int lwm2m_nusim_load(uint16_t inst)
{
	return nusim_rs_load(inst);
}

int lwm2m_nusim_rollback(void)
{
	return nusim_rs_rollback();
}

void lwm2m_nusim_network_ready(void)
{
	nusim_rs_network_ready();
}

/* --- what proves a new profile (CONFIG_LWM2M_NUSIM_PROOF) --- */

#define SAME_EVENT(e)                                                                          \
	BUILD_ASSERT(LWM2M_RD_CLIENT_EVENT_##e == RD_EVENT_##e, #e " differs from Rust's")
SAME_EVENT(BOOTSTRAP_TRANSFER_COMPLETE);
SAME_EVENT(REGISTRATION_FAILURE);
SAME_EVENT(REGISTRATION_COMPLETE);
SAME_EVENT(REG_TIMEOUT);
SAME_EVENT(REG_UPDATE_COMPLETE);
SAME_EVENT(DISCONNECT);
SAME_EVENT(NETWORK_ERROR);
SAME_EVENT(REG_UPDATE);

/* The application's event callback, behind the module's. */
static atomic_ptr_t app_rd_event;

static void rd_event(struct lwm2m_ctx *ctx, enum lwm2m_rd_client_event event)
{
	lwm2m_ctx_event_cb_t cb = (lwm2m_ctx_event_cb_t)atomic_ptr_get(&app_rd_event);

	nusim_rs_rd_event((int32_t)event);
	if (cb != NULL) {
		cb(ctx, event);
	}
}

int lwm2m_nusim_rd_client_start(struct lwm2m_ctx *ctx, const char *ep_name, uint32_t flags,
				lwm2m_ctx_event_cb_t event_cb, lwm2m_observe_cb_t observe_cb)
{
	int ret;

	atomic_ptr_set(&app_rd_event, (atomic_ptr_val_t)event_cb);
	ret = lwm2m_rd_client_start(ctx, ep_name, flags, rd_event, observe_cb);
	if (ret == 0) {
		nusim_rs_rd_client_started();
	}
	return ret;
}

#ifdef CONFIG_LWM2M_NUSIM_PROOF_L4
static struct net_mgmt_event_callback l4_cb;

/* The event's type is 32 bits wide on Zephyr 3.4, 64 on 4.x. */
static void l4_event(struct net_mgmt_event_callback *cb,
		     __typeof__(((struct net_mgmt_event_callback *)0)->event_mask) event,
		     struct net_if *iface)
{
	ARG_UNUSED(cb);
	ARG_UNUSED(iface);
	if (event == NET_EVENT_L4_CONNECTED) {
		nusim_rs_l4_connected();
	}
}
#endif

int lwm2m_nusim_get_status(struct lwm2m_nusim_status *status)
{
	return nusim_rs_status((struct NusimRsStatus *)status);
}

#ifdef CONFIG_LWM2M_NUSIM_CHECK_PACKAGES
/* Build-time trust anchors from the nuSIM node (65 bytes a key); one spare byte so the
 * array is never empty.
 */
#define KEY_BYTE(node, prop, idx) DT_PROP_BY_IDX(node, prop, idx),
static const uint8_t TRUSTED_DT_KEYS[] = {
	COND_CODE_1(DT_NODE_HAS_PROP(NUSIM_NODE, trusted_ci_keys),
		    (DT_FOREACH_PROP_ELEM(NUSIM_NODE, trusted_ci_keys, KEY_BYTE)), ()) 0};
BUILD_ASSERT((sizeof(TRUSTED_DT_KEYS) - 1) % LWM2M_NUSIM_CI_KEY_LEN == 0,
	     "trusted-ci-keys must be whole 65-byte uncompressed points");

int lwm2m_nusim_set_trusted_ci_keys(const uint8_t *keys, size_t count)
{
	return nusim_rs_trust_set(keys, count);
}

int lwm2m_nusim_trusted_ci_count(void)
{
	return nusim_rs_trust_count();
}
#else
int lwm2m_nusim_set_trusted_ci_keys(const uint8_t *keys, size_t count)
{
	ARG_UNUSED(keys);
	ARG_UNUSED(count);
	return -ENOTSUP;
}

int lwm2m_nusim_trusted_ci_count(void)
{
	return -ENOTSUP;
}
#endif

/* Called first by the objects' init: the work queue, then the nuSIM's identity. */
void nusim_bridge_init(void)
{
	for (int i = 0; i < NUSIM_WORK_COUNT; i++) {
		k_work_init_delayable(&works[i], work_handler);
	}
	k_work_queue_start(&nusim_wq, nusim_wq_stack, K_THREAD_STACK_SIZEOF(nusim_wq_stack),
			   K_PRIO_PREEMPT(CONFIG_LWM2M_NUSIM_WORKQ_PRIORITY), NULL);
	k_thread_name_set(&nusim_wq.thread, "nusim_load");
	nusim_rs_init();
#ifdef CONFIG_LWM2M_NUSIM_PROOF_L4
	net_mgmt_init_event_callback(&l4_cb, l4_event, NET_EVENT_L4_CONNECTED);
	net_mgmt_add_event_callback(&l4_cb);
#endif
#ifdef CONFIG_LWM2M_NUSIM_CHECK_PACKAGES
	nusim_rs_trust_init(CONFIG_LWM2M_NUSIM_TRUSTED_CI_KEYS, TRUSTED_DT_KEYS,
			    sizeof(TRUSTED_DT_KEYS) - 1);
#endif
}
