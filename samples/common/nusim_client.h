/*
 * Copyright (c) 2026 nusim-lwm2m contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The LwM2M client of the nuSIM samples (C and Rust): one server, over DTLS with a
 * pre-shared key for coaps:// (NoSec for coap://), registration retried with a back-off
 * after failures, and every registration telling the nuSIM module that the device is on
 * the network.
 */

#ifndef NUSIM_SAMPLE_CLIENT_H_
#define NUSIM_SAMPLE_CLIENT_H_

/** Points Security 0 / Server 0 at CONFIG_NUSIM_CLIENT_SERVER_URI (with the PSK and its
 * identity for coaps://) and starts the client.
 * @retval 0 started
 * @retval -EINVAL CONFIG_NUSIM_CLIENT_PSK is not hex of 1 to CONFIG_LWM2M_SECURITY_KEY_SIZE
 *         bytes, or the identity is empty or longer
 * @retval -ENOTSUP a coaps:// URI without CONFIG_LWM2M_DTLS_SUPPORT
 * @retval else the engine's negative errno
 */
int nusim_client_start(void);

/** A new profile was loaded, or the backup came back: reach the server over it now (a
 * registration update, or at once a client that waits to restart after failures). Its
 * answer proves the profile (lwm2m_nusim_network_ready()); without it the backup returns.
 */
void nusim_client_update(void);

#endif /* NUSIM_SAMPLE_CLIENT_H_ */
