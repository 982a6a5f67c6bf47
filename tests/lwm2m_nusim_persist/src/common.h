/*
 * Copyright (c) 2026 nusim-lwm2m contributors
 * SPDX-License-Identifier: Apache-2.0
 */

#ifndef PERSIST_COMMON_H_
#define PERSIST_COMMON_H_

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <zephyr/net/lwm2m.h>
#include <zephyr/ztest.h>
#include <nusim/lwm2m_nusim.h>

#include "nusim_test.h"

int create_with(uint16_t inst, const char *const pkg[7]);
/* 508/0/6 once no load runs (a deferral counts as running). */
uint8_t wait_idle(void);
struct lwm2m_nusim_status status(void);
/* One line that says what a restart must preserve: the nuSIM's and the backup's ICCID,
 * the link, 508/0/6, the switch phase, and a CRC-32 of every value of every 507 instance.
 */
void print_state(const char *tag);

#endif
