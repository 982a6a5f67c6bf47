/*
 * Copyright (c) 2026 nusim-lwm2m contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The emulated modem of this suite (src/main.c), for the suites in src/.
 */

#ifndef NUSIM_TEST_MODEM_H_
#define NUSIM_TEST_MODEM_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Emulator faults (rust/nusim-sim/src/at_emul.rs, Fault). */
enum fault {
	F_NONE, F_ECHO, F_NOISE, F_SILENT, F_CME, F_BARE_ERROR, F_NO_FINAL, F_NO_INFO,
	F_BAD_VALUE, F_DOUBLE_INFO, F_OVERLONG, F_LOAD_THEN_SILENT, F_LOAD_REFUSED,
};

#define assert_str(a, b) zassert_equal(strcmp((a), (b)), 0, "\"%s\" != \"%s\"", (a), (b))

/* The modem's answers reach the UART in pieces of `chunk` bytes every `gap_ms`, after
 * `delay_ms`.
 */
void line(size_t chunk, uint32_t gap_ms, uint32_t delay_ms);
/* The same with the gap in microseconds. */
void line_us(size_t chunk, uint32_t gap_us, uint32_t delay_ms);
/* Bytes the driver sent, since boot, that the modem's input buffer could not hold (0). */
size_t modem_lost(void);
/* The emulator's fault (rust/nusim-sim/src/at_emul.rs) and chip, under the modem's lock. */
void modem_fault(uint8_t fault, uint16_t code);
void modem_chip_reset(bool single_profile, const char *iccid);
/* Commands the emulator has answered since its reset. */
uint32_t modem_commands(void);
/* Fresh chip (bootstrap ICCID), no fault, a 115200-baud-like line, nothing in flight. */
void modem_reset(void *fixture);

#endif /* NUSIM_TEST_MODEM_H_ */
