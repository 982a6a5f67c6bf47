/*
 * Copyright (c) 2026 nusim-lwm2m contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Objects 507 (nuSIM Profile) and 508 (nuSIM): the engine's field tables, instances and
 * callbacks. Every callback forwards to Rust (rust/nusim-zephyr), where nusim-core decides;
 * the instance slots are the ones Rust's store hands out.
 */

#include <errno.h>
#include <string.h>
#include <zephyr/init.h>
#include <zephyr/kernel.h>
#include <zephyr/logging/log.h>
#include <zephyr/net/lwm2m.h>
#if __has_include(<zephyr/version.h>)
#include <zephyr/version.h>
#else
#include <version.h>
#endif

#include "lwm2m_engine.h"
#include "lwm2m_object.h"
#include "lwm2m_rd_client.h"
#include "lwm2m_registry.h"
#include <nusim/lwm2m_nusim.h>
#include "nusim_glue.h"
#include "nusim_rs.h"

LOG_MODULE_DECLARE(lwm2m_nusim, CONFIG_LWM2M_NUSIM_LOG_LEVEL);

#define OBJ507_RES_COUNT 7
#define OBJ508_RES_COUNT   7
#define MAX_PROFILES      CONFIG_LWM2M_NUSIM_PROFILE_INSTANCE_COUNT

/* 3.7+ passes the block offset to post-write callbacks. */
#if ZEPHYR_VERSION_CODE >= ZEPHYR_VERSION(3, 7, 0)
#define POST_WRITE_OFFSET_ARG , size_t offset
#else
#define POST_WRITE_OFFSET_ARG
#endif

/* 508/0/4 is read and written as Rust's four native-order bytes: obj_id, then obj_inst. */
BUILD_ASSERT(sizeof(struct lwm2m_objlnk) == 4 && offsetof(struct lwm2m_objlnk, obj_id) == 0 &&
	     offsetof(struct lwm2m_objlnk, obj_inst) == 2, "objlnk layout shared with Rust");

static struct lwm2m_engine_obj obj507;
static struct lwm2m_engine_obj_field obj507_fields[OBJ507_RES_COUNT] = {
	OBJ_FIELD_DATA(LWM2M_NUSIM_RES_ENCP, RW, STRING),
	OBJ_FIELD_DATA(LWM2M_NUSIM_RES_MAC, RW, STRING),
	OBJ_FIELD_DATA(LWM2M_NUSIM_RES_EKPUBDP, RW, STRING),
	OBJ_FIELD_DATA(LWM2M_NUSIM_RES_SIGEKPUBDP, RW, STRING),
	OBJ_FIELD_DATA(LWM2M_NUSIM_RES_KPUBDP, RW, STRING),
	OBJ_FIELD_DATA(LWM2M_NUSIM_RES_SIGKPUBDP, RW, STRING),
	OBJ_FIELD_DATA(LWM2M_NUSIM_RES_KPUBCI, RW, STRING),
};
static struct lwm2m_engine_obj_inst obj507_inst[MAX_PROFILES];
static struct lwm2m_engine_res obj507_res[MAX_PROFILES][OBJ507_RES_COUNT];
static struct lwm2m_engine_res_inst obj507_ri[MAX_PROFILES][OBJ507_RES_COUNT];

static struct lwm2m_engine_obj obj508;
static struct lwm2m_engine_obj_field obj508_fields[OBJ508_RES_COUNT] = {
	OBJ_FIELD_DATA(LWM2M_NUSIM_RES_EID, R, STRING),
	OBJ_FIELD_DATA(LWM2M_NUSIM_RES_ICCID, R, STRING),
	OBJ_FIELD_DATA(LWM2M_NUSIM_RES_CAPABILITIES, R, OPAQUE),
	OBJ_FIELD_DATA(LWM2M_NUSIM_RES_CERTIFICATE, R_OPT, STRING),
	OBJ_FIELD_DATA(LWM2M_NUSIM_RES_PROFILE, RW, OBJLNK),
	OBJ_FIELD_EXECUTE(LWM2M_NUSIM_RES_LOAD_PROFILE),
	OBJ_FIELD_DATA(LWM2M_NUSIM_RES_LOAD_RESULT, R, U8),
};
static struct lwm2m_engine_obj_inst obj508_inst;
static struct lwm2m_engine_res obj508_res[OBJ508_RES_COUNT];
static struct lwm2m_engine_res_inst obj508_ri[OBJ508_RES_COUNT - 1];

/* --- Object 507 --- */

static void *obj507_read(uint16_t inst, uint16_t res, uint16_t ri, size_t *len)
{
	ARG_UNUSED(ri);
	return (void *)nusim_rs_507_read(inst, res, len);
}

static void *obj507_pre_write(uint16_t inst, uint16_t res, uint16_t ri, size_t *len)
{
	ARG_UNUSED(inst);
	ARG_UNUSED(res);
	ARG_UNUSED(ri);
	return nusim_rs_507_pre_write(len);
}

static int obj507_post_write(uint16_t inst, uint16_t res, uint16_t ri, uint8_t *data,
			      uint16_t len, bool last_block, size_t total_size POST_WRITE_OFFSET_ARG)
{
	ARG_UNUSED(ri);
	ARG_UNUSED(last_block);
	ARG_UNUSED(total_size);
	/* 3.4.99 passes strlen, 3.7+ counts the NUL: the string's own length (memchr, not
	 * strnlen, which 4.x's libc declares only for POSIX sources).
	 */
	const uint8_t *nul = memchr(data, '\0', len);

	return nusim_rs_507_post_write(inst, res, nul ? (size_t)(nul - data) : len);
}

static struct lwm2m_engine_obj_inst *obj507_create(uint16_t id)
{
	int slot = nusim_rs_507_create(id);
	int i = 0, j = 0;

	if (slot < 0 || slot >= MAX_PROFILES) {
		LOG_WRN("507/%u not created (%d)", id, slot);
		return NULL;
	}
	/* Rust's slot is the engine struct's index: one book of which instances exist (the
	 * engine clears the struct of every instance it deletes).
	 */
	__ASSERT(obj507_inst[slot].obj == NULL, "507/%u: slot %d in use", id, slot);
	(void)memset(obj507_res[slot], 0, sizeof(obj507_res[slot]));
	init_res_instance(obj507_ri[slot], ARRAY_SIZE(obj507_ri[slot]));
	for (uint16_t r = 0; r < OBJ507_RES_COUNT; r++) {
		INIT_OBJ_RES_OPT(r, obj507_res[slot], i, obj507_ri[slot], j, 1, false, true,
				 obj507_read, obj507_pre_write, NULL, obj507_post_write, NULL);
	}
	obj507_inst[slot].resources = obj507_res[slot];
	obj507_inst[slot].resource_count = i;
	return &obj507_inst[slot];
}

static int obj507_delete(uint16_t id)
{
	return nusim_rs_507_delete(id);
}

/* --- Object 508 --- */

static int obj508_delete(uint16_t id)
{
	return nusim_rs_508_delete(id);
}

static void *obj508_read(uint16_t inst, uint16_t res, uint16_t ri, size_t *len)
{
	ARG_UNUSED(inst);
	ARG_UNUSED(ri);
	return (void *)nusim_rs_508_read(res, len);
}

static void *obj508_link_pre_write(uint16_t inst, uint16_t res, uint16_t ri, size_t *len)
{
	ARG_UNUSED(inst);
	ARG_UNUSED(res);
	ARG_UNUSED(ri);
	return nusim_rs_508_pre_write_link(len);
}

static int obj508_link_post_write(uint16_t inst, uint16_t res, uint16_t ri, uint8_t *data,
			   uint16_t len, bool last_block, size_t total_size POST_WRITE_OFFSET_ARG)
{
	ARG_UNUSED(inst);
	ARG_UNUSED(res);
	ARG_UNUSED(ri);
	ARG_UNUSED(data);
	ARG_UNUSED(last_block);
	ARG_UNUSED(total_size);
	return nusim_rs_508_post_write_link(len);
}

static int obj508_execute(uint16_t inst, uint8_t *args, uint16_t args_len)
{
	ARG_UNUSED(inst);
	ARG_UNUSED(args);
	ARG_UNUSED(args_len);
	return nusim_rs_508_execute();
}

static struct lwm2m_engine_obj_inst *obj508_create(uint16_t id)
{
	int i = 0, j = 0;

	if (nusim_rs_508_create(id) < 0) {
		return NULL;
	}
	(void)memset(obj508_res, 0, sizeof(obj508_res));
	init_res_instance(obj508_ri, ARRAY_SIZE(obj508_ri));
	for (uint16_t r = LWM2M_NUSIM_RES_EID; r <= LWM2M_NUSIM_RES_CERTIFICATE; r++) {
		INIT_OBJ_RES_OPT(r, obj508_res, i, obj508_ri, j, 1, false, true, obj508_read, NULL,
				 NULL, NULL, NULL);
	}
	INIT_OBJ_RES_OPT(LWM2M_NUSIM_RES_PROFILE, obj508_res, i, obj508_ri, j, 1, false, true,
			 obj508_read, obj508_link_pre_write, NULL, obj508_link_post_write, NULL);
	INIT_OBJ_RES_EXECUTE(LWM2M_NUSIM_RES_LOAD_PROFILE, obj508_res, i, obj508_execute);
	INIT_OBJ_RES_OPT(LWM2M_NUSIM_RES_LOAD_RESULT, obj508_res, i, obj508_ri, j, 1, false, true,
			 obj508_read, NULL, NULL, NULL, NULL);
	obj508_inst.resources = obj508_res;
	obj508_inst.resource_count = i;
	return &obj508_inst;
}

/* --- registration --- */

static void register_obj(struct lwm2m_engine_obj *obj, uint16_t id,
			 struct lwm2m_engine_obj_field *fields, uint16_t count, uint16_t max,
			 lwm2m_engine_obj_create_cb_t create, lwm2m_engine_user_cb_t del)
{
	obj->obj_id = id;
	obj->version_major = 1;
	obj->version_minor = 0;
	obj->is_core = false;
	obj->fields = fields;
	obj->field_count = count;
	obj->max_instance_count = max;
	obj->create_cb = create;
	obj->delete_cb = del;
	lwm2m_register_obj(obj);
}

int nusim_glue_create_profile(uint16_t inst)
{
	struct lwm2m_engine_obj_inst *obj_inst;

	return lwm2m_create_obj_inst(LWM2M_NUSIM_OBJ_PROFILE, inst, &obj_inst);
}

int nusim_glue_create_nusim(void)
{
	struct lwm2m_ctx *ctx = lwm2m_rd_client_ctx();
	struct lwm2m_engine_obj_inst *obj_inst;
	int ret;

	/* The engine changes its instance list and the bootstrap flag under this lock. */
	lwm2m_registry_lock();
	if (lwm2m_engine_get_obj_inst(&LWM2M_OBJ(LWM2M_NUSIM_OBJ_NUSIM, 0)) != NULL) {
		ret = 1; /* a server created it meanwhile */
	} else if (ctx != NULL && ctx->bootstrap_mode) {
		ret = -EAGAIN;
	} else {
		ret = lwm2m_create_obj_inst(LWM2M_NUSIM_OBJ_NUSIM, 0, &obj_inst);
	}
	lwm2m_registry_unlock();
	if (ret == 1) {
		return 0;
	}
	if (ret == 0) {
		/* The server learns of it at once (the engine's create does not say so). */
		engine_trigger_update(true);
	}
	return ret;
}

static int lwm2m_nusim_init(void)
{
	struct lwm2m_engine_obj_inst *inst = NULL;
	int ret;

	nusim_bridge_init();
	register_obj(&obj507, LWM2M_NUSIM_OBJ_PROFILE, obj507_fields,
		     ARRAY_SIZE(obj507_fields), MAX_PROFILES, obj507_create, obj507_delete);
	register_obj(&obj508, LWM2M_NUSIM_OBJ_NUSIM, obj508_fields, ARRAY_SIZE(obj508_fields), 1,
		     obj508_create, obj508_delete);
	ret = lwm2m_create_obj_inst(LWM2M_NUSIM_OBJ_NUSIM, 0, &inst);
	if (ret < 0) {
		LOG_ERR("Create 508/0 failed: %d", ret);
		return ret;
	}
	nusim_rs_start();
	return 0;
}

#ifdef LWM2M_OBJ_INIT
LWM2M_OBJ_INIT(lwm2m_nusim_init);
#else
SYS_INIT(lwm2m_nusim_init, APPLICATION, CONFIG_KERNEL_INIT_PRIORITY_DEFAULT);
#endif
