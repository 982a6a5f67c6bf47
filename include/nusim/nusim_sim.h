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

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Packages handed to the simulated chip since boot (accepted or not): tells a test
 * whether a package reached the nuSIM or was stopped before.
 */
int nusim_sim_load_count(void);

#ifdef __cplusplus
}
#endif

#endif /* NUSIM_NUSIM_SIM_H_ */
