/*
 * Copyright (c) 2026 nusim-lwm2m contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Objects 507 (nuSIM Profile) and 508 (nuSIM): the engine's tables and callbacks. Every
 * callback forwards to Rust (rust/nusim-zephyr/src/objects.rs), which owns all data.
 */

#include <errno.h>
#include <string.h>
#include <zephyr/init.h>
#include <zephyr/kernel.h>
#include <zephyr/logging/log.h>
#include <zephyr/net/lwm2m.h>
#ifdef CONFIG_LWM2M_NUSIM_PERSIST
#include <zephyr/settings/settings.h>
#endif
/* <version.h> up to 3.5, <zephyr/version.h> since */
#if __has_include(<zephyr/version.h>)
#include <zephyr/version.h>
#else
#include <version.h>
#endif

#include "lwm2m_engine.h"
#include "lwm2m_message_handling.h"
#include "lwm2m_object.h"
#include "lwm2m_observation.h"
#include "lwm2m_registry.h"
#include <nusim/nusim.h>
#include <nusim/lwm2m_nusim.h>
#include "nusim_rs.h"

LOG_MODULE_REGISTER(lwm2m_nusim, CONFIG_LWM2M_NUSIM_LOG_LEVEL);

#define PROFILE_OBJ_ID   507
#define NUSIM_OBJ_ID     508
#define PROFILE_RES_COUNT 7
#define NUSIM_RES_COUNT  7
#define MAX_PROFILES     CONFIG_LWM2M_NUSIM_PROFILE_INSTANCE_COUNT

#define NUSIM_NODE DT_CHOSEN(nusim_device)
BUILD_ASSERT(DT_NODE_HAS_STATUS(NUSIM_NODE, okay),
	     "CONFIG_LWM2M_NUSIM needs a nuSIM device: set /chosen/nusim,device in devicetree");
BUILD_ASSERT(sizeof(struct lwm2m_objlnk) == 4, "objlnk layout shared with Rust");

/* 3.7+ passes the block offset to post-write callbacks. */
#if ZEPHYR_VERSION_CODE >= ZEPHYR_VERSION(3, 7, 0)
#define POST_WRITE_OFFSET_ARG , size_t offset
#else
#define POST_WRITE_OFFSET_ARG
#endif

static const struct device *const nusim_dev = DEVICE_DT_GET(NUSIM_NODE);

#ifdef CONFIG_LWM2M_NUSIM_CHECK_PACKAGES
/* Build-time trust anchors from the nuSIM node (65 bytes a key); one spare byte so the
 * array is never empty.
 */
#define KEY_BYTE(node, prop, idx) DT_PROP_BY_IDX(node, prop, idx),
static const uint8_t TRUSTED_DT_KEYS[] = {
	COND_CODE_1(DT_NODE_HAS_PROP(NUSIM_NODE, trusted_ci_keys),
		    (DT_FOREACH_PROP_ELEM(NUSIM_NODE, trusted_ci_keys, KEY_BYTE)), ()) 0};
BUILD_ASSERT((sizeof(TRUSTED_DT_KEYS) - 1) % 65 == 0,
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

static struct lwm2m_engine_obj profile_obj;
static struct lwm2m_engine_obj_field profile_fields[PROFILE_RES_COUNT] = {
	OBJ_FIELD_DATA(0, RW, STRING), /* encP */
	OBJ_FIELD_DATA(1, RW, STRING), /* mac */
	OBJ_FIELD_DATA(2, RW, STRING), /* eKpubDP */
	OBJ_FIELD_DATA(3, RW, STRING), /* SigEKpubDP */
	OBJ_FIELD_DATA(4, RW, STRING), /* KpubDP */
	OBJ_FIELD_DATA(5, RW, STRING), /* SigKpubDP */
	OBJ_FIELD_DATA(6, RW, STRING), /* KpubCI */
};
static struct lwm2m_engine_obj_inst profile_inst[MAX_PROFILES];
static struct lwm2m_engine_res profile_res[MAX_PROFILES][PROFILE_RES_COUNT];
static struct lwm2m_engine_res_inst profile_ri[MAX_PROFILES][PROFILE_RES_COUNT];

static struct lwm2m_engine_obj nusim_obj;
static struct lwm2m_engine_obj_field nusim_fields[NUSIM_RES_COUNT] = {
	OBJ_FIELD_DATA(0, R, STRING),     /* EID */
	OBJ_FIELD_DATA(1, R, STRING),     /* ICCID */
	OBJ_FIELD_DATA(2, R, OPAQUE),     /* nuSIM Capabilities */
	OBJ_FIELD_DATA(3, R_OPT, STRING), /* nuSIM Cert (base64 DER) */
	OBJ_FIELD_DATA(4, RW, OBJLNK),    /* nuSIM Profile */
	OBJ_FIELD_EXECUTE(5),             /* Load Profile */
	OBJ_FIELD_DATA(6, R, U8),         /* Load Profile Result */
};
static struct lwm2m_engine_obj_inst nusim_inst;
static struct lwm2m_engine_res nusim_res[NUSIM_RES_COUNT];
static struct lwm2m_engine_res_inst nusim_ri[NUSIM_RES_COUNT - 1];

K_THREAD_STACK_DEFINE(nusim_wq_stack, CONFIG_LWM2M_NUSIM_WORKQ_STACK_SIZE);
static struct k_work_q nusim_wq;

static void load_work_handler(struct k_work *work)
{
	ARG_UNUSED(work);
	nusim_rs_load_work();
}
static K_WORK_DELAYABLE_DEFINE(load_work, load_work_handler);

static void network_timeout_handler(struct k_work *work)
{
	ARG_UNUSED(work);
	nusim_rs_network_timeout();
}
static K_WORK_DELAYABLE_DEFINE(network_work, network_timeout_handler);

static void report_work_handler(struct k_work *work)
{
	ARG_UNUSED(work);
	nusim_rs_report_work();
}
static K_WORK_DEFINE(report_work, report_work_handler);

/* 507 instances the engine dropped although their delete failed (see nusim_rs_507_delete). */
static ATOMIC_DEFINE(recreate, CONFIG_LWM2M_NUSIM_PROFILE_INSTANCE_COUNT);
static uint16_t recreate_id[CONFIG_LWM2M_NUSIM_PROFILE_INSTANCE_COUNT];

/* The queue is filled by delete_cb, under the registry lock, and drained under it too. */
static void recreate_work_handler(struct k_work *work)
{
	struct lwm2m_engine_obj_inst *inst;

	ARG_UNUSED(work);
	lwm2m_registry_lock();
	for (int i = 0; i < CONFIG_LWM2M_NUSIM_PROFILE_INSTANCE_COUNT; i++) {
		uint16_t id = recreate_id[i];

		if (!atomic_test_and_clear_bit(recreate, i)) {
			continue;
		}
		nusim_rs_507_readopt(id, true);
		if (lwm2m_create_obj_inst(PROFILE_OBJ_ID, id, &inst) < 0) {
			LOG_ERR("507/%u kept but not re-created in the engine", id);
		}
		nusim_rs_507_readopt(id, false);
	}
	lwm2m_registry_unlock();
}
static K_WORK_DEFINE(recreate_work, recreate_work_handler);

static const struct lwm2m_nusim_callbacks *app_cb;

BUILD_ASSERT(sizeof(struct lwm2m_nusim_status) == 52, "status layout shared with Rust");

/* --- the application's API (include/nusim/lwm2m_nusim.h) --- */

void lwm2m_nusim_set_callbacks(const struct lwm2m_nusim_callbacks *cb)
{
	app_cb = cb;
}

int lwm2m_nusim_load(uint16_t inst)
{
	return nusim_rs_local_load(inst);
}

int lwm2m_nusim_rollback(void)
{
	int rc = nusim_rs_rollback();

	if (rc == 0) {
		(void)k_work_cancel_delayable(&network_work);
	}
	return rc;
}

void lwm2m_nusim_network_ready(void)
{
	if (nusim_rs_network_ready()) {
		(void)k_work_cancel_delayable(&network_work);
	}
}

int lwm2m_nusim_get_status(struct lwm2m_nusim_status *status)
{
	return nusim_rs_status(status);
}

/* --- calls from Rust --- */

void nusim_glue_submit_load(void)
{
	(void)k_work_reschedule_for_queue(&nusim_wq, &load_work, K_NO_WAIT);
}

void nusim_glue_submit_load_after(uint32_t ms)
{
	(void)k_work_reschedule_for_queue(&nusim_wq, &load_work, K_MSEC(ms));
}

void nusim_glue_sleep_ms(uint32_t ms)
{
	(void)k_msleep((int32_t)MIN(ms, (uint32_t)INT32_MAX));
}

int64_t nusim_glue_uptime_ms(void)
{
	return k_uptime_get();
}

/* Called from delete_cb, with the registry lock held. */
void nusim_glue_recreate_profile(uint16_t inst)
{
	for (int i = 0; i < CONFIG_LWM2M_NUSIM_PROFILE_INSTANCE_COUNT; i++) {
		if (!atomic_test_bit(recreate, i)) {
			recreate_id[i] = inst;
			atomic_set_bit(recreate, i);
			(void)k_work_submit_to_queue(&nusim_wq, &recreate_work);
			return;
		}
	}
	LOG_ERR("507/%u kept but cannot be re-created in the engine: queue full", inst);
}

void nusim_glue_submit_report(void)
{
	(void)k_work_submit_to_queue(&nusim_wq, &report_work);
}

const void *nusim_glue_current_thread(void)
{
	return k_current_get();
}

void nusim_glue_defer_load(void)
{
	(void)k_work_reschedule_for_queue(&nusim_wq, &load_work,
					  K_SECONDS(CONFIG_LWM2M_NUSIM_POLICY_RETRY));
}

void nusim_glue_arm_network_timer(void)
{
	(void)k_work_reschedule_for_queue(&nusim_wq, &network_work,
					  K_SECONDS(CONFIG_LWM2M_NUSIM_NETWORK_TIMEOUT));
}

int nusim_glue_policy(uint8_t source, uint16_t inst)
{
	const struct lwm2m_nusim_callbacks *cb = app_cb;

	if (cb == NULL || cb->policy == NULL) {
		return LWM2M_NUSIM_ALLOW;
	}
	return cb->policy((enum lwm2m_nusim_source)source, inst, cb->user_data);
}

void nusim_glue_report(uint8_t source, uint16_t inst, uint8_t result, const char *iccid)
{
	const struct lwm2m_nusim_callbacks *cb = app_cb;

	if (cb != NULL && cb->result != NULL) {
		cb->result((enum lwm2m_nusim_source)source, inst, result, iccid ? iccid : "",
			   cb->user_data);
	}
}

#ifdef CONFIG_LWM2M_NUSIM_PERSIST
int nusim_glue_save(const char *name, const uint8_t *data, size_t len)
{
	return data == NULL ? settings_delete(name) : settings_save_one(name, data, len);
}

struct record_read {
	uint8_t *buf;
	size_t size;
	int len;
};

static int record_read_cb(const char *key, size_t len, settings_read_cb read_cb, void *cb_arg,
			  void *param)
{
	struct record_read *r = param;

	if (key != NULL && key[0] != '\0') {
		return 0; /* a deeper name, not the entry itself */
	}
	if (len > r->size) {
		r->len = (int)len;
		return 1;
	}
	r->len = (int)read_cb(cb_arg, r->buf, len);
	return 1;
}

int nusim_glue_read_record(const char *name, uint8_t *buf, size_t size)
{
	struct record_read r = {.buf = buf, .size = size, .len = -ENOENT};
	int rc = settings_load_subtree_direct(name, record_read_cb, &r);

	return rc < 0 ? rc : r.len;
}

static int settings_set(const char *key, size_t len, settings_read_cb read_cb, void *cb_arg)
{
	size_t size;
	uint8_t *buf = nusim_rs_record_buf(&size);

	/* Someone else's settings_load(): not ours to read (no buffer, no lock taken). */
	if (buf == NULL) {
		return 0;
	}
	/* A record too large for the buffer is not read; Rust reports it and skips it. */
	return nusim_rs_restore(key, len <= size ? read_cb(cb_arg, buf, len) : -EFBIG);
}

SETTINGS_STATIC_HANDLER_DEFINE(lwm2m_nusim, "nusim", NULL, settings_set, NULL, NULL);

/* Reads the records back (instances and state first, then the 507 values) and re-creates
 * the 507 instances in the engine, before the application can start registration. The
 * registry lock is held around the settings calls: lock order registry, then settings,
 * as everywhere (rust/nusim-zephyr/src/objects.rs).
 */
static void restore(void)
{
	struct lwm2m_engine_obj_inst *inst;
	size_t n = 0;
	int rc = settings_subsys_init();

	if (rc < 0) {
		LOG_ERR("settings unavailable (%d): nothing restored, nothing will persist", rc);
		return;
	}
	lwm2m_registry_lock();
	for (uint8_t pass = 1; pass <= 2; pass++) {
		nusim_rs_restore_pass(pass);
		rc = settings_load_subtree("nusim");
		if (rc < 0) {
			LOG_ERR("reading stored records failed (%d)", rc);
		}
	}
	nusim_rs_restore_pass(3);
	lwm2m_registry_unlock();
	for (int id; (id = nusim_rs_restored_id(n)) >= 0; n++) {
		rc = lwm2m_create_obj_inst(PROFILE_OBJ_ID, (uint16_t)id, &inst);
		if (rc < 0) {
			LOG_ERR("507/%d restored but not created in the engine (%d)", id, rc);
		}
	}
	LOG_INF("%zu stored nuSIM profile instance(s) restored", n);
}
#else
int nusim_glue_save(const char *name, const uint8_t *data, size_t len)
{
	ARG_UNUSED(name);
	ARG_UNUSED(data);
	ARG_UNUSED(len);
	return -ENOTSUP;
}

int nusim_glue_read_record(const char *name, uint8_t *buf, size_t size)
{
	ARG_UNUSED(name);
	ARG_UNUSED(buf);
	ARG_UNUSED(size);
	return -ENOTSUP;
}
#endif /* CONFIG_LWM2M_NUSIM_PERSIST */

/* The engine's observer lists are guarded by the registry lock (its own callers hold it). */
void nusim_glue_notify(uint16_t obj, uint16_t inst, uint16_t res)
{
	lwm2m_registry_lock();
	(void)lwm2m_notify_observer_path(&LWM2M_OBJ(obj, inst, res));
	lwm2m_registry_unlock();
}

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

/* --- Object 507 --- */

static void *profile_read(uint16_t inst, uint16_t res, uint16_t ri, size_t *len)
{
	ARG_UNUSED(ri);
	return (void *)nusim_rs_507_read(inst, res, len);
}

static void *profile_pre_write(uint16_t inst, uint16_t res, uint16_t ri, size_t *len)
{
	ARG_UNUSED(ri);
	return nusim_rs_507_staging(inst, res, len);
}

static int profile_post_write(uint16_t inst, uint16_t res, uint16_t ri, uint8_t *data,
			      uint16_t len, bool last_block, size_t total_size
			      POST_WRITE_OFFSET_ARG)
{
	ARG_UNUSED(ri);
	ARG_UNUSED(last_block);
	ARG_UNUSED(total_size);
	/* 3.4.99 passes strlen, 3.7+ counts the NUL: take the string's own length. */
	return nusim_rs_507_commit(inst, res, strnlen((const char *)data, len));
}

/*
 * Block-wise writes of 507 values. The engine hands each CoAP Block1 block of a String to
 * the object as if it were the whole value, at the start of the buffer and marked last
 * (3.4.99), so a value larger than one packet (a 1 KB encP) could not arrive. The module
 * links with --wrap=lwm2m_write_handler (CMakeLists.txt): this wrapper reads the block's
 * offset and "more" flag from the engine's block context, and Rust places the block in
 * the staging buffer and commits the value after its last block. Other objects pass
 * through untouched.
 */
int __real_lwm2m_write_handler(struct lwm2m_engine_obj_inst *obj_inst,
			       struct lwm2m_engine_res *res,
			       struct lwm2m_engine_res_inst *res_inst,
			       struct lwm2m_engine_obj_field *obj_field, struct lwm2m_message *msg);

int __wrap_lwm2m_write_handler(struct lwm2m_engine_obj_inst *obj_inst,
			       struct lwm2m_engine_res *res,
			       struct lwm2m_engine_res_inst *res_inst,
			       struct lwm2m_engine_obj_field *obj_field, struct lwm2m_message *msg)
{
	struct lwm2m_block_context *blk;
	size_t offset = 0;
	bool last = true;
	int ret;

	if (!obj_inst || !obj_inst->obj || obj_inst->obj->obj_id != PROFILE_OBJ_ID || !res ||
	    !msg || !msg->in.in_cpkt) {
		return __real_lwm2m_write_handler(obj_inst, res, res_inst, obj_field, msg);
	}
	/* The engine receives into NET_IPV6_MTU bytes and cuts a longer datagram silently:
	 * a request that filled the buffer may be a cut one. Too large (4.13), never stored.
	 */
	if (msg->in.in_cpkt->max_len >= NET_IPV6_MTU - 1) {
		LOG_WRN("507/%u/%u: request of %u bytes may have been cut: use block-wise",
			obj_inst->obj_inst_id, res->res_id, msg->in.in_cpkt->max_len);
		return -EFBIG;
	}
	blk = msg->in.block_ctx;
	if (blk) {
		/* Only plain text keeps a String's bytes contiguous across blocks; the engine
		 * cannot continue a TLV or SenML string in the next block.
		 */
		if (coap_get_option_int(msg->in.in_cpkt, COAP_OPTION_CONTENT_FORMAT) > 0) {
			LOG_WRN("507/%u/%u: block-wise writes only in plain text",
				obj_inst->obj_inst_id, res->res_id);
			return -ENOTSUP;
		}
		offset = blk->ctx.current;
		last = blk->last_block;
	}
	ret = nusim_rs_507_block(obj_inst->obj_inst_id, res->res_id, offset, last);
	if (ret == 0) {
		ret = __real_lwm2m_write_handler(obj_inst, res, res_inst, obj_field, msg);
	}
	nusim_rs_507_block_end();
	return ret;
}

static struct lwm2m_engine_obj_inst *profile_create(uint16_t id)
{
	int slot, i = 0, j = 0;

	for (slot = 0; slot < MAX_PROFILES; slot++) {
		if (profile_inst[slot].obj == NULL) {
			break;
		}
	}
	if (slot == MAX_PROFILES || nusim_rs_507_create(id) < 0) {
		LOG_WRN("507/%u: no room or exists", id);
		return NULL;
	}

	(void)memset(profile_res[slot], 0, sizeof(profile_res[slot]));
	init_res_instance(profile_ri[slot], ARRAY_SIZE(profile_ri[slot]));
	for (uint16_t r = 0; r < PROFILE_RES_COUNT; r++) {
		INIT_OBJ_RES_OPT(r, profile_res[slot], i, profile_ri[slot], j, 1, false, true,
				 profile_read, profile_pre_write, NULL, profile_post_write, NULL);
	}
	profile_inst[slot].resources = profile_res[slot];
	profile_inst[slot].resource_count = i;
	LOG_DBG("507/%u created", id);
	return &profile_inst[slot];
}

static int profile_delete(uint16_t id)
{
	return nusim_rs_507_delete(id);
}

/* --- Object 508 --- */

static void *nusim_read(uint16_t inst, uint16_t res, uint16_t ri, size_t *len)
{
	ARG_UNUSED(inst);
	ARG_UNUSED(ri);
	return (void *)nusim_rs_508_read(res, len);
}

static void *link_pre_write(uint16_t inst, uint16_t res, uint16_t ri, size_t *len)
{
	ARG_UNUSED(inst);
	ARG_UNUSED(res);
	ARG_UNUSED(ri);
	return nusim_rs_508_link_staging(len);
}

static int link_post_write(uint16_t inst, uint16_t res, uint16_t ri, uint8_t *data,
			   uint16_t len, bool last_block, size_t total_size POST_WRITE_OFFSET_ARG)
{
	ARG_UNUSED(inst);
	ARG_UNUSED(res);
	ARG_UNUSED(ri);
	ARG_UNUSED(data);
	ARG_UNUSED(last_block);
	ARG_UNUSED(total_size);
	return len == sizeof(struct lwm2m_objlnk) ? nusim_rs_508_link_commit() : -EEXIST;
}

static int load_execute(uint16_t inst, uint8_t *args, uint16_t args_len)
{
	ARG_UNUSED(inst);
	ARG_UNUSED(args);
	ARG_UNUSED(args_len);
	return nusim_rs_508_execute();
}

static struct lwm2m_engine_obj_inst *nusim_create(uint16_t id)
{
	int i = 0, j = 0;

	if (id != 0 || nusim_inst.obj != NULL) {
		return NULL;
	}
	(void)memset(nusim_res, 0, sizeof(nusim_res));
	init_res_instance(nusim_ri, ARRAY_SIZE(nusim_ri));
	for (uint16_t r = 0; r <= 3; r++) {
		INIT_OBJ_RES_OPT(r, nusim_res, i, nusim_ri, j, 1, false, true,
				 nusim_read, NULL, NULL, NULL, NULL);
	}
	INIT_OBJ_RES_OPT(4, nusim_res, i, nusim_ri, j, 1, false, true,
			 nusim_read, link_pre_write, NULL, link_post_write, NULL);
	INIT_OBJ_RES_EXECUTE(5, nusim_res, i, load_execute);
	INIT_OBJ_RES_OPT(6, nusim_res, i, nusim_ri, j, 1, false, true,
			 nusim_read, NULL, NULL, NULL, NULL);
	nusim_inst.resources = nusim_res;
	nusim_inst.resource_count = i;
	return &nusim_inst;
}

static int lwm2m_nusim_init(void)
{
	struct lwm2m_engine_obj_inst *inst = NULL;
	int ret;

	k_work_queue_start(&nusim_wq, nusim_wq_stack, K_THREAD_STACK_SIZEOF(nusim_wq_stack),
			   K_PRIO_PREEMPT(CONFIG_LWM2M_NUSIM_WORKQ_PRIORITY), NULL);
	k_thread_name_set(&nusim_wq.thread, "nusim_load");

	(void)nusim_rs_init();
#ifdef CONFIG_LWM2M_NUSIM_CHECK_PACKAGES
	nusim_rs_trust_init(CONFIG_LWM2M_NUSIM_TRUSTED_CI_KEYS, TRUSTED_DT_KEYS,
			    sizeof(TRUSTED_DT_KEYS) - 1);
#endif

	profile_obj.obj_id = PROFILE_OBJ_ID;
	profile_obj.version_major = 1;
	profile_obj.version_minor = 0;
	profile_obj.is_core = false;
	profile_obj.fields = profile_fields;
	profile_obj.field_count = ARRAY_SIZE(profile_fields);
	profile_obj.max_instance_count = MAX_PROFILES;
	profile_obj.create_cb = profile_create;
	profile_obj.delete_cb = profile_delete;
	lwm2m_register_obj(&profile_obj);

	nusim_obj.obj_id = NUSIM_OBJ_ID;
	nusim_obj.version_major = 1;
	nusim_obj.version_minor = 0;
	nusim_obj.is_core = false;
	nusim_obj.fields = nusim_fields;
	nusim_obj.field_count = ARRAY_SIZE(nusim_fields);
	nusim_obj.max_instance_count = 1;
	nusim_obj.create_cb = nusim_create;
	lwm2m_register_obj(&nusim_obj);

	ret = lwm2m_create_obj_inst(NUSIM_OBJ_ID, 0, &inst);
	if (ret < 0) {
		LOG_ERR("Create 508/0 failed: %d", ret);
		return ret;
	}
#ifdef CONFIG_LWM2M_NUSIM_PERSIST
	restore();
#endif
	nusim_rs_start();
	return 0;
}

#ifdef LWM2M_OBJ_INIT
LWM2M_OBJ_INIT(lwm2m_nusim_init);
#else
SYS_INIT(lwm2m_nusim_init, APPLICATION, CONFIG_KERNEL_INIT_PRIORITY_DEFAULT);
#endif
