/*
 * Copyright (c) 2026 nusim-lwm2m contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * What the C glue declares for itself beyond the generated nusim_rs.h. nusim_rs.h carries
 * the Rust exports and also the C functions Rust declares (rust/nusim-zephyr/src/ffi.rs),
 * so the C definitions are checked against Rust's view of them where they are compiled;
 * the AT driver's glue is declared here because Rust sees its device as an opaque pointer.
 */

#ifndef NUSIM_GLUE_H_
#define NUSIM_GLUE_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The work queue and the nuSIM's identity, before the objects register (nusim_bridge.c). */
void nusim_bridge_init(void);

/* Every build with the Rust staticlib (nusim_glue.c). */
extern const int32_t nusim_errno_table[12];

/* AT-command driver (drivers/nusim/nusim_at.c); dev is the AT modem's device. The
 * requests of nusim_at_rs_request() (nusim_at::Request).
 */
enum nusim_at_request {
	NUSIM_AT_SETPROFILE = 0,
	NUSIM_AT_GETEID = 1,
	NUSIM_AT_GETICCID = 2,
	NUSIM_AT_GETCERTIFICATE = 3,
	NUSIM_AT_GETCAPABILITIES = 4,
};
struct device;
int nusim_at_glue_write(const struct device *dev, const uint8_t *buf, size_t len);
int nusim_at_glue_read(const struct device *dev, uint8_t *buf, size_t size, uint32_t timeout_ms);
void nusim_at_glue_discard(const struct device *dev);
int64_t nusim_at_glue_uptime_ms(void);

#endif /* NUSIM_GLUE_H_ */
