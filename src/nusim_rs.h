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

/* Objects 507/508 (rust/nusim-zephyr/src/objects.rs) */
int nusim_rs_init(void);
int nusim_rs_507_create(uint16_t inst);
int nusim_rs_507_delete(uint16_t inst);
uint8_t *nusim_rs_507_staging(uint16_t inst, uint16_t res, size_t *len);
int nusim_rs_507_commit(uint16_t inst, uint16_t res, size_t len);
const uint8_t *nusim_rs_507_read(uint16_t inst, uint16_t res, size_t *len);
const uint8_t *nusim_rs_508_read(uint16_t res, size_t *len);
uint8_t *nusim_rs_508_link_staging(size_t *len);
int nusim_rs_508_link_commit(void);
int nusim_rs_508_execute(void);
void nusim_rs_load_work(void);

/* Simulated nuSIM (rust/nusim-zephyr/src/sim.rs) */
void nusim_sim_rs_init(bool single_profile, const char *initial_iccid);
int nusim_sim_rs_load(const uint8_t *pkg, size_t len, int32_t *reason, char *iccid,
		      size_t iccid_size);
int nusim_sim_rs_eid(char *buf, size_t size);
int nusim_sim_rs_iccid(char *buf, size_t size);
int nusim_sim_rs_certificate(uint8_t *buf, size_t size);
int nusim_sim_rs_capabilities(uint8_t *buf, size_t size);

#endif /* NUSIM_RS_H_ */
