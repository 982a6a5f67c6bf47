/*
 * Copyright (c) 2026 nusim-lwm2m contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * @file
 * @brief What tests can ask the simulated nuSIM (CONFIG_NUSIM_SIMULATOR).
 */

#ifndef NUSIM_NUSIM_SIM_H_
#define NUSIM_NUSIM_SIM_H_

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Packages handed to the simulated chip since boot (accepted or not): tells a test
 * whether a package reached the nuSIM or was stopped before.
 */
int nusim_sim_load_count(void);

/** @brief Makes the next load fail with @p err (a negative errno, e.g. -EIO) without
 * looking at the package; with @p wipe the chip also loses the profile it held, as a chip
 * that erased it before an install that then failed. Models the failures that make the
 * module fall back to its backup. 0 disarms.
 */
void nusim_sim_fail_next(int err, bool wipe);

/** @brief Makes the next @p count loads fail with @p err, as nusim_sim_fail_next() does
 * for one (a driver that stays busy, or a modem that keeps timing out). 0 disarms.
 */
void nusim_sim_fail_loads(int err, int count, bool wipe);

/** @brief Answers the next @p count ICCID queries with -EAGAIN, as a modem that is still
 * booting. On native_sim, --nusim-sim-iccid-unavailable=N does this from boot on.
 */
void nusim_sim_iccid_unavailable(int count);

#ifdef __cplusplus
}
#endif

#endif /* NUSIM_NUSIM_SIM_H_ */
