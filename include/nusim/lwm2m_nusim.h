/*
 * Copyright (c) 2026 nusim-lwm2m contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * @file
 * @brief Application API of Objects 507/508 (CONFIG_LWM2M_NUSIM).
 */

#ifndef NUSIM_LWM2M_NUSIM_H_
#define NUSIM_LWM2M_NUSIM_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Length of a CI public key: SEC1 uncompressed point (0x04 || X || Y). */
#define LWM2M_NUSIM_CI_KEY_LEN 65

/**
 * @brief Replaces the CI public keys a package must be signed under before it reaches the
 * nuSIM (device-side check, CONFIG_LWM2M_NUSIM_CHECK_PACKAGES).
 *
 * The keys installed at build time (CONFIG_LWM2M_NUSIM_TRUSTED_CI_KEYS and the nuSIM node's
 * @c trusted-ci-keys) are replaced, not extended. With @p count 0 the device trusts what
 * the nuSIM trusts: it still verifies both signatures of every package, and the nuSIM
 * decides about the CI. A load that is running keeps the decision it started with.
 *
 * @param keys  @p count keys of LWM2M_NUSIM_CI_KEY_LEN bytes, back to back.
 * @param count number of keys, at most CONFIG_LWM2M_NUSIM_TRUSTED_CI_MAX.
 * @retval 0 the new set is in force.
 * @retval -EINVAL a key is not a point on the nuSIM curve (brainpoolP256r1); nothing changed.
 * @retval -ENOMEM more keys than CONFIG_LWM2M_NUSIM_TRUSTED_CI_MAX; nothing changed.
 * @retval -ENOTSUP the checks are disabled in this build.
 */
int lwm2m_nusim_set_trusted_ci_keys(const uint8_t *keys, size_t count);

/**
 * @brief Number of trusted CI keys in force (0: the nuSIM decides).
 * @retval -EBADMSG the build-time keys were malformed: every package is refused until
 * lwm2m_nusim_set_trusted_ci_keys() installs a valid set.
 * @retval -ENOTSUP the checks are disabled in this build.
 */
int lwm2m_nusim_trusted_ci_count(void);

#ifdef __cplusplus
}
#endif

#endif /* NUSIM_LWM2M_NUSIM_H_ */
