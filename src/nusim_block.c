/*
 * Copyright (c) 2026 nusim-lwm2m contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Block-wise writes of 507 values. The engine hands each CoAP Block1 block of a String to
 * the object as if it were the whole value, at the start of the buffer and marked last
 * (3.4.99), so a value larger than one packet (a 1 KB encP) could not arrive. The module
 * links with --wrap=lwm2m_write_handler (CMakeLists.txt): this wrapper tells Rust what the
 * engine received (the block's offset and "more" flag from its block context, the
 * Content-Format, the request's size against the receive buffer), and Rust decides
 * whether the write goes on and where the block lands. Other objects pass through.
 */

#include <zephyr/net/coap.h>
#include <zephyr/net/lwm2m.h>

#include "lwm2m_engine.h"
#include "lwm2m_object.h"
#include <nusim/lwm2m_nusim.h>
#include "nusim_rs.h"

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
	struct NusimRsWrite w = {.last = true, .content_format = -1};
	struct coap_option cf_opt;
	int ret;

	if (!obj_inst || !obj_inst->obj || obj_inst->obj->obj_id != LWM2M_NUSIM_OBJ_PROFILE ||
	    !res || !msg || !msg->in.in_cpkt) {
		return __real_lwm2m_write_handler(obj_inst, res, res_inst, obj_field, msg);
	}
	/* The engine receives into NET_IPV6_MTU bytes and cuts a longer datagram silently. */
	w.received = msg->in.in_cpkt->max_len;
	w.receive_max = NET_IPV6_MTU;
	/* As the engine reads it (lwm2m_message_handling.c): the option's value cut to the
	 * uint16_t it keeps. coap_get_option_int() would make a 4-byte value of 0x80000000 and
	 * above negative, which reads as no Content-Format at all.
	 */
	if (coap_find_options(msg->in.in_cpkt, COAP_OPTION_CONTENT_FORMAT, &cf_opt, 1) > 0) {
		w.content_format = (uint16_t)coap_option_value_to_int(&cf_opt);
	}
	blk = msg->in.block_ctx;
	if (blk) {
		w.block = true;
		w.offset = blk->ctx.current;
		w.last = blk->last_block;
	}
	ret = nusim_rs_507_begin_write(obj_inst->obj_inst_id, res->res_id, &w);
	if (ret == 0) {
		ret = __real_lwm2m_write_handler(obj_inst, res, res_inst, obj_field, msg);
	}
	nusim_rs_507_end_write();
	return ret;
}
