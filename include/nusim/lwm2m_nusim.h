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
#include <zephyr/net/lwm2m.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @name Object and resource IDs (OMA LwM2M registry)
 * @{
 */
/** nuSIM Profile: one instance per stored profile package. */
#define LWM2M_NUSIM_OBJ_PROFILE 507
/** nuSIM: the chip, and Load Profile. */
#define LWM2M_NUSIM_OBJ_NUSIM   508

/** 507: encP, the encrypted profile. */
#define LWM2M_NUSIM_RES_ENCP       0
/** 507: mac over encP. */
#define LWM2M_NUSIM_RES_MAC        1
/** 507: eKpubDP, the profile's ephemeral public key. */
#define LWM2M_NUSIM_RES_EKPUBDP    2
/** 507: SigEKpubDP, eKpubDP signed with KpubDP. */
#define LWM2M_NUSIM_RES_SIGEKPUBDP 3
/** 507: KpubDP, the provider's public key. */
#define LWM2M_NUSIM_RES_KPUBDP     4
/** 507: SigKpubDP, KpubDP signed by the CI. */
#define LWM2M_NUSIM_RES_SIGKPUBDP  5
/** 507: KpubCI, the CI's public key. */
#define LWM2M_NUSIM_RES_KPUBCI     6

/** 508: EID. */
#define LWM2M_NUSIM_RES_EID          0
/** 508: ICCID of the profile the nuSIM holds. */
#define LWM2M_NUSIM_RES_ICCID        1
/** 508: nuSIM capabilities. */
#define LWM2M_NUSIM_RES_CAPABILITIES 2
/** 508: the nuSIM's certificate (base64 DER). */
#define LWM2M_NUSIM_RES_CERTIFICATE  3
/** 508: object link to the 507 instance to load. */
#define LWM2M_NUSIM_RES_PROFILE      4
/** 508: Load Profile (execute). */
#define LWM2M_NUSIM_RES_LOAD_PROFILE 5
/** 508: Load Profile Result (enum lwm2m_nusim_result). */
#define LWM2M_NUSIM_RES_LOAD_RESULT  6
/** @} */

/** Buffer for an EID: 32 digits and a NUL. */
#define LWM2M_NUSIM_EID_LEN   33
/** Buffer for an ICCID: up to 20 digits and a NUL. */
#define LWM2M_NUSIM_ICCID_LEN 21

/** 508/0/6 Load Profile Result (docs/objects.md, "Result codes"). 0 and 1 are the
 * registry's; the others are this implementation's.
 */
enum lwm2m_nusim_result {
	/** The profile was loaded; 508/0/1 holds its ICCID. */
	LWM2M_NUSIM_RESULT_SUCCESS = 0,
	/** Not successful, for a reason none of the codes below names. */
	LWM2M_NUSIM_RESULT_FAILED = 1,
	/** A load was accepted and is running. */
	LWM2M_NUSIM_RESULT_IN_PROGRESS = 2,
	/** 508/0/4 is the null link (or was never written). */
	LWM2M_NUSIM_RESULT_NO_LINK = 3,
	/** 508/0/4 names a 507 instance that does not exist (any more). */
	LWM2M_NUSIM_RESULT_DANGLING_LINK = 4,
	/** The linked 507 instance lacks at least one of its seven values. */
	LWM2M_NUSIM_RESULT_INCOMPLETE = 5,
	/** KpubCI is not a CI key the device or the nuSIM trusts (nuSIM 541). */
	LWM2M_NUSIM_RESULT_CI_KEY_MISMATCH = 6,
	/** SigKpubDP does not verify over KpubDP with KpubCI (nuSIM 542). */
	LWM2M_NUSIM_RESULT_SIG_KPUBDP_INVALID = 7,
	/** SigEKpubDP does not verify over eKpubDP with KpubDP (nuSIM 543). */
	LWM2M_NUSIM_RESULT_SIG_EKPUBDP_INVALID = 8,
	/** The MAC over encP does not match (nuSIM 544). */
	LWM2M_NUSIM_RESULT_MAC_MISMATCH = 9,
	/** The decrypted profile could not be parsed (nuSIM 546). */
	LWM2M_NUSIM_RESULT_PROFILE_UNPARSABLE = 10,
	/** The nuSIM holds a profile and does not support reprovisioning (nuSIM 545). */
	LWM2M_NUSIM_RESULT_REPROVISIONING_REFUSED = 11,
	/** The driver or modem is busy; try again later. */
	LWM2M_NUSIM_RESULT_DRIVER_BUSY = 12,
	/** The driver or modem failed: I/O error, timeout, an unparsable answer, or a
	 * refusal code the dialect does not define.
	 */
	LWM2M_NUSIM_RESULT_DRIVER_ERROR = 13,
	/** The nuSIM reported a general error (nuSIM 4). */
	LWM2M_NUSIM_RESULT_NUSIM_GENERAL_ERROR = 14,
	/** The nuSIM or modem reported a syntax error (nuSIM 50). */
	LWM2M_NUSIM_RESULT_NUSIM_SYNTAX_ERROR = 15,
	/** The application's policy refused the switch. */
	LWM2M_NUSIM_RESULT_POLICY_DENIED = 16,
	/** The application's policy deferred the switch; it is asked again later. */
	LWM2M_NUSIM_RESULT_POLICY_DEFERRED = 17,
	/** The switch failed and the backup profile was loaded again, or a rollback the
	 * application asked for succeeded.
	 */
	LWM2M_NUSIM_RESULT_ROLLED_BACK = 18,
	/** The switch failed and the backup could not be loaded again, or there is none. */
	LWM2M_NUSIM_RESULT_ROLLBACK_FAILED = 19,
	/** A restart cut the load short and the nuSIM kept the profile it had. */
	LWM2M_NUSIM_RESULT_INTERRUPTED = 20,
	/** No load has run since the device was provisioned. */
	LWM2M_NUSIM_RESULT_NEVER_LOADED = 255,
};

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
 * @retval -EINVAL a key is not a point on the nuSIM curve (brainpoolP256r1), or, with
 *         CONFIG_LWM2M_NUSIM_CHECK_PSA, PSA Crypto could not check it (logged); nothing
 *         changed.
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
	 * Told how each load ended: @p result is the new 508/0/6 value, @p iccid what
	 * 508/0/1 says now. A fallback reports twice: the failure, then 18 or 19. NULL: not
	 * told.
	 */
	void (*result)(enum lwm2m_nusim_source source, uint16_t inst,
		       enum lwm2m_nusim_result result, const char *iccid, void *user_data);
	/** Passed to both. */
	void *user_data;
};

/**
 * @brief Installs the application's callbacks (NULL removes them). The struct must stay
 * valid while installed (a static const one is typical); removing it does not wait for a
 * callback that is already running.
 *
 * Lock order: the module stores its records with the LwM2M registry lock held, so the
 * order is registry lock, then settings lock. An application's own settings handler must
 * not call the LwM2M or nuSIM API during a settings_load() while the client runs.
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
 * becomes the backup; without a proof in time the backup goes back. Counts with every
 * CONFIG_LWM2M_NUSIM_PROOF choice; harmless at any other time, from any thread.
 */
void lwm2m_nusim_network_ready(void);

/**
 * @brief Starts the LwM2M client as lwm2m_rd_client_start() does, with the module
 * following its registrations (CONFIG_LWM2M_NUSIM_PROOF_REGISTRATION).
 *
 * Every event reaches @p event_cb (NULL: none), after the module saw it. With
 * CONFIG_LWM2M_NUSIM_PROOF_REGISTRATION a completed registration or registration update
 * proves a profile on trial, and the module asks for an update after each new profile
 * and after the backup came back; with the other choices the events only pass through.
 * Use it for every start and restart of the client; lwm2m_rd_client_stop() stays the
 * engine's, and replaces the event callback: after a stop the module sees no events until
 * the next start through this function. One client: the module follows the last context
 * started through it. Only a registration whose request went out after the last load
 * counts: the answer to an update sent before it proves nothing.
 *
 * @code
 * static void rd_event(struct lwm2m_ctx *ctx, enum lwm2m_rd_client_event ev) { ... }
 *
 * ret = lwm2m_nusim_rd_client_start(&client, "my-endpoint", 0, rd_event, NULL);
 * @endcode
 * @return what lwm2m_rd_client_start() returns.
 */
int lwm2m_nusim_rd_client_start(struct lwm2m_ctx *ctx, const char *ep_name, uint32_t flags,
				lwm2m_ctx_event_cb_t event_cb, lwm2m_observe_cb_t observe_cb);

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
	char iccid[LWM2M_NUSIM_ICCID_LEN];
	/** The backup's ICCID, NUL-terminated (empty: no backup). */
	char backup_iccid[LWM2M_NUSIM_ICCID_LEN];
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
