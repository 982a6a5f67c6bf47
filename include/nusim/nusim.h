/*
 * Copyright (c) 2026 nusim-lwm2m contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * @file
 * @brief nuSIM driver API: the "vendor nuSIM API" behind Objects 507/508.
 *
 * A nuSIM chip (or the modem firmware that fronts it) loads an encrypted profile package
 * and reports its identity. Drivers implement this API; Objects 507/508 reach the chip only
 * through it. A package is passed in the fixed field order of the public vendor wire format:
 * eKpubDP (65), mac (16), SigEKpubDP (64), KpubDP (65), SigKpubDP (64), KpubCI (65), encP (n).
 */

#ifndef NUSIM_NUSIM_H_
#define NUSIM_NUSIM_H_

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <zephyr/device.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Reasons a nuSIM refuses a package: the codes of the public AT dialect. */
enum nusim_reason {
	NUSIM_REASON_NONE = 0,             /**< No refusal. */
	NUSIM_REASON_GENERAL = 4,          /**< General error. */
	NUSIM_REASON_SYNTAX = 50,          /**< Syntax error (malformed package). */
	NUSIM_REASON_CI_MISMATCH = 541,    /**< KpubCI is not the stored KpubCI. */
	NUSIM_REASON_SIG_KPUB_DP = 542,    /**< SigKpubDP verification failed. */
	NUSIM_REASON_SIG_EKPUB_DP = 543,   /**< SigEKpubDP verification failed. */
	NUSIM_REASON_MAC = 544,            /**< MAC mismatch. */
	NUSIM_REASON_REPROVISIONING = 545, /**< A profile is loaded; reprovisioning unsupported. */
	NUSIM_REASON_UNPARSABLE = 546,     /**< The decrypted profile could not be parsed. */
};

/** Bytes before encP in a package. */
#define NUSIM_PACKAGE_HEADER_LEN 339
/** Longest ICCID (digits). */
#define NUSIM_ICCID_MAX_LEN 20
/** EID length (digits). */
#define NUSIM_EID_LEN 32

/** Outcome of a load. */
struct nusim_load_status {
	/** enum nusim_reason when the load returned -EBADMSG, else NUSIM_REASON_NONE. */
	int32_t reason;
	/** On success: the ICCID of the loaded profile, NUL-terminated. */
	char iccid[NUSIM_ICCID_MAX_LEN + 1];
};

/** @cond INTERNAL_HIDDEN */
typedef int (*nusim_api_load_t)(const struct device *dev, const uint8_t *pkg, size_t len,
				struct nusim_load_status *status);
typedef int (*nusim_api_get_text_t)(const struct device *dev, char *buf, size_t size);
typedef int (*nusim_api_get_bytes_t)(const struct device *dev, uint8_t *buf, size_t size);

__subsystem struct nusim_driver_api {
	nusim_api_load_t load;
	nusim_api_get_text_t get_eid;
	nusim_api_get_text_t get_iccid;
	nusim_api_get_bytes_t get_certificate;
	nusim_api_get_bytes_t get_capabilities;
};
/** @endcond */

/**
 * @brief Hand a profile package to the nuSIM. May take seconds: never call it from the
 * LwM2M engine's thread.
 *
 * @retval 0 loaded; status->iccid is the new current ICCID.
 * @retval -EBADMSG the nuSIM refused the package; status->reason says why.
 * @retval -EBUSY the chip or modem is busy; nothing was attempted.
 * @retval -ETIMEDOUT, -EIO no valid answer from the chip or modem.
 * @retval -EINVAL bad arguments.
 */
static inline int nusim_load(const struct device *dev, const uint8_t *pkg, size_t len,
			     struct nusim_load_status *status)
{
	const struct nusim_driver_api *api = (const struct nusim_driver_api *)dev->api;

	return api->load(dev, pkg, len, status);
}

/** @brief EID (32 digits) as a NUL-terminated string. 0 or a negative errno. */
static inline int nusim_get_eid(const struct device *dev, char *buf, size_t size)
{
	return ((const struct nusim_driver_api *)dev->api)->get_eid(dev, buf, size);
}

/** @brief ICCID of the current profile, NUL-terminated ("" if none). 0 or a negative errno. */
static inline int nusim_get_iccid(const struct device *dev, char *buf, size_t size)
{
	return ((const struct nusim_driver_api *)dev->api)->get_iccid(dev, buf, size);
}

/**
 * @brief CERT.NUSIM.ECDSA (DER). Returns its length, -ENOTSUP if the chip has none,
 * -ENOMEM if @p size is too small, or another negative errno.
 */
static inline int nusim_get_certificate(const struct device *dev, uint8_t *buf, size_t size)
{
	return ((const struct nusim_driver_api *)dev->api)->get_certificate(dev, buf, size);
}

/**
 * @brief Capabilities as the chip reports them (e.g. version byte, feature byte; bit 0x01 of
 * the feature byte = DP authentication supported). Returns the length or a negative errno.
 */
static inline int nusim_get_capabilities(const struct device *dev, uint8_t *buf, size_t size)
{
	return ((const struct nusim_driver_api *)dev->api)->get_capabilities(dev, buf, size);
}

#ifdef __cplusplus
}
#endif

#endif /* NUSIM_NUSIM_H_ */
