/*
 * Copyright (c) 2026 nusim-lwm2m contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Functions the Rust staticlib (rust/nusim-zephyr) exports to the C glue.
 */

#ifndef NUSIM_RS_H_
#define NUSIM_RS_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Objects 507/508 (rust/nusim-zephyr/src/objects.rs) */
int nusim_rs_init(void);
uint8_t *nusim_rs_record_buf(size_t *size);
void nusim_rs_restore_pass(uint8_t pass);
int nusim_rs_restore(const char *key, ssize_t len);
int nusim_rs_restored_id(size_t idx);
void nusim_rs_start(void);
int nusim_rs_local_load(uint16_t inst);
int nusim_rs_rollback(void);
bool nusim_rs_network_ready(void);
void nusim_rs_network_timeout(void);
struct lwm2m_nusim_status;
int nusim_rs_status(struct lwm2m_nusim_status *status);
int nusim_rs_507_create(uint16_t inst);
int nusim_rs_507_delete(uint16_t inst);
void nusim_rs_507_readopt(uint16_t inst, bool on);
int nusim_rs_507_block(uint16_t inst, uint16_t res, size_t offset, bool last);
void nusim_rs_507_block_end(void);
uint8_t *nusim_rs_507_staging(uint16_t inst, uint16_t res, size_t *len);
int nusim_rs_507_commit(uint16_t inst, uint16_t res, size_t len);
const uint8_t *nusim_rs_507_read(uint16_t inst, uint16_t res, size_t *len);
const uint8_t *nusim_rs_508_read(uint16_t res, size_t *len);
uint8_t *nusim_rs_508_link_staging(size_t *len);
int nusim_rs_508_link_commit(void);
int nusim_rs_508_execute(void);
void nusim_rs_load_work(void);
void nusim_rs_report_work(void);
void nusim_rs_trust_init(const char *kconfig_hex, const uint8_t *dt_keys, size_t dt_len);
int nusim_rs_trust_set(const uint8_t *keys, size_t count);
int nusim_rs_trust_count(void);

/* Simulated nuSIM (rust/nusim-zephyr/src/sim.rs) */
void nusim_sim_rs_init(bool single_profile, const char *initial_iccid);
int nusim_sim_rs_load(const uint8_t *pkg, size_t len, int32_t *reason, char *iccid,
		      size_t iccid_size);
int nusim_sim_rs_eid(char *buf, size_t size);
int nusim_sim_rs_iccid(char *buf, size_t size);
int nusim_sim_rs_certificate(uint8_t *buf, size_t size);
int nusim_sim_rs_capabilities(uint8_t *buf, size_t size);
void nusim_sim_rs_wipe(void);

/* AT-command driver (rust/nusim-zephyr/src/at.rs) */
enum nusim_at_request {
	NUSIM_AT_SETPROFILE = 0,
	NUSIM_AT_GETEID = 1,
	NUSIM_AT_GETICCID = 2,
	NUSIM_AT_GETCERTIFICATE = 3,
	NUSIM_AT_GETCAPABILITIES = 4,
};
void nusim_at_rs_init(void);
/* ...and what drivers/nusim/nusim_at.c gives it (dev is the AT modem's device) */
struct device;
int nusim_at_glue_write(const struct device *dev, const uint8_t *buf, size_t len);
int nusim_at_glue_read(const struct device *dev, uint8_t *buf, size_t size, uint32_t timeout_ms);
void nusim_at_glue_discard(const struct device *dev);
int64_t nusim_at_glue_uptime_ms(void);
int nusim_at_rs_request(const void *dev, uint8_t req, const uint8_t *pkg, size_t pkg_len,
			uint8_t *out, size_t out_size, uint32_t timeout_ms, int32_t *reason);

/* AT modem emulator of tests/nusim_at (rust/nusim-zephyr/src/at_emul.rs) */
size_t nusim_at_emul_rs_feed(const uint8_t *data, size_t len, uint8_t *out, size_t size);
void nusim_at_emul_rs_set_fault(uint8_t fault, uint16_t code);
void nusim_at_emul_rs_reset(bool single_profile, const char *iccid);
uint32_t nusim_at_emul_rs_commands(void);

#endif /* NUSIM_RS_H_ */
