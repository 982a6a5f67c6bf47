/*
 * Copyright (c) 2026 nusim-lwm2m contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The settings side of persistence: saving, reading one record, and the handler of the
 * subtree "nusim" through which Rust reads the records back at start
 * (rust/nusim-zephyr/src/read_back.rs says when the handler acts, and the lock order).
 */

#include <errno.h>
#include <zephyr/kernel.h>
#include <zephyr/sys/util.h>
#ifdef CONFIG_LWM2M_NUSIM_PERSIST
#include <zephyr/settings/settings.h>
#endif

#include "nusim_glue.h"
#include "nusim_rs.h"

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
	r->len = len > r->size ? (int)len : (int)read_cb(cb_arg, r->buf, len);
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
	return nusim_rs_settings_record(key, len <= size ? read_cb(cb_arg, buf, len) : -EFBIG);
}

SETTINGS_STATIC_HANDLER_DEFINE(lwm2m_nusim, "nusim", NULL, settings_set, NULL, NULL);

int nusim_glue_open_records(void)
{
	return settings_subsys_init();
}

int nusim_glue_load_records(void)
{
	return settings_load_subtree("nusim");
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

int nusim_glue_open_records(void)
{
	return -ENOTSUP;
}

int nusim_glue_load_records(void)
{
	return -ENOTSUP;
}
#endif /* CONFIG_LWM2M_NUSIM_PERSIST */
