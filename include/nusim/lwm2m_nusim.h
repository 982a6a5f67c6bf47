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

#include <stdbool.h>
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

/** Who asked for a load. */
enum lwm2m_nusim_source {
	/** An LwM2M server executed 508/0/5. */
	LWM2M_NUSIM_SOURCE_SERVER = 0,
	/** The application: lwm2m_nusim_load() or the shell. */
	LWM2M_NUSIM_SOURCE_LOCAL = 1,
	/** The module: a switch failed and the backup goes back. */
	LWM2M_NUSIM_SOURCE_FALLBACK = 2,
	/** The application: lwm2m_nusim_rollback() or the shell. */
	LWM2M_NUSIM_SOURCE_ROLLBACK = 3,
};

/** The policy's answer before a load. Any other answer denies (fail closed) and is logged
 * as an error.
 */
enum lwm2m_nusim_decision {
	/** Load now. */
	LWM2M_NUSIM_ALLOW = 0,
	/** Do not load: 508/0/6 becomes 16. */
	LWM2M_NUSIM_DENY = 1,
	/** Not now: 508/0/6 becomes 17 and the policy is asked again after
	 * CONFIG_LWM2M_NUSIM_POLICY_RETRY seconds. Loads stay refused meanwhile.
	 */
	LWM2M_NUSIM_DEFER = 2,
};

/** 507 instance reported for a load of the backup package. */
#define LWM2M_NUSIM_BACKUP_INSTANCE 0xFFFF

/**
 * @brief What the application is asked and told. All callbacks run on the module's work
 * queue, without the LwM2M registry lock: they may call the LwM2M API, but should return
 * promptly (a load waits for the policy's answer).
 */
struct lwm2m_nusim_callbacks {
	/**
	 * Asked before the package of a server's or a local load reaches the nuSIM (after
	 * the load was accepted, before the device-side checks). Not asked for the backup
	 * going back: a device whose new profile failed must be able to return. NULL: allow.
	 */
	enum lwm2m_nusim_decision (*policy)(enum lwm2m_nusim_source source, uint16_t inst,
					    void *user_data);
	/**
	 * Told how each load ended: @p result is the new 508/0/6 value (README, "Result
	 * codes"), @p iccid what 508/0/1 says now. A fallback reports twice: the failure,
	 * then 18 or 19. NULL: not told.
	 */
	void (*result)(enum lwm2m_nusim_source source, uint16_t inst, uint8_t result,
		       const char *iccid, void *user_data);
	/** Passed to both. */
	void *user_data;
};

/**
 * @brief Installs the application's callbacks (NULL removes them). The struct must stay
 * valid while installed (a static const one is typical).
 */
void lwm2m_nusim_set_callbacks(const struct lwm2m_nusim_callbacks *cb);

/**
 * @brief Loads the profile stored in 507 instance @p inst, as a server would: 508/0/4 is
 * pointed at it (and stored), then Load Profile runs. The outcome arrives in 508/0/6 and
 * through the result callback.
 * @retval 0 the load was queued, or ended at once (an incomplete instance: see 508/0/6).
 * @retval -ENOENT no 507 instance @p inst.
 * @retval -EBUSY a load runs, or a new profile awaits the network.
 * @retval -EIO the link could not be stored.
 */
int lwm2m_nusim_load(uint16_t inst);

/**
 * @brief Loads the backup package (the last one that reached the network) again.
 *
 * While a new profile awaits the network this ends its trial at once, without waiting for
 * CONFIG_LWM2M_NUSIM_NETWORK_TIMEOUT; otherwise it puts the backup's profile back on a
 * nuSIM that no longer holds it.
 * @retval 0 queued; 508/0/6 becomes 18 on success, 19 on failure.
 * @retval -ENOENT there is no backup yet.
 * @retval -EBUSY a load runs.
 * @retval -ENOTSUP CONFIG_LWM2M_NUSIM_PERSIST is off: there are no backups.
 */
int lwm2m_nusim_rollback(void);

/**
 * @brief Tells the module the device is on the network (attached, or registered with its
 * LwM2M server). A profile loaded less than CONFIG_LWM2M_NUSIM_NETWORK_TIMEOUT seconds ago
 * becomes the backup; without this call in time the backup goes back. Harmless at any
 * other time, from any thread.
 */
void lwm2m_nusim_network_ready(void);

/** A snapshot of the module, for status displays. */
struct lwm2m_nusim_status {
	/** 508/0/6. */
	uint8_t result;
	/** 0 no switch running; 1 loading; 2 awaiting the network; 3 loading the backup. */
	uint8_t phase;
	/** A load runs or awaits the network: loads are refused. */
	bool busy;
	/** A backup package is stored. */
	bool has_backup;
	/** The 507 instance of 508/0/4, or -1 for the null link. */
	int32_t link;
	/** 508/0/1, NUL-terminated (empty: no profile). */
	char iccid[21];
	/** The backup's ICCID, NUL-terminated (empty: no backup). */
	char backup_iccid[21];
	/** Stored 507 instances. */
	uint8_t profiles;
};

/**
 * @brief Fills @p status.
 * @retval 0 done.
 * @retval -EINVAL @p status is NULL.
 */
int lwm2m_nusim_get_status(struct lwm2m_nusim_status *status);

#ifdef __cplusplus
}
#endif

#endif /* NUSIM_LWM2M_NUSIM_H_ */
