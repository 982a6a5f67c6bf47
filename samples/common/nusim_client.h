/*
 * Copyright (c) 2026 nusim-lwm2m contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The LwM2M client of the nuSIM samples (C and Rust): one server, over DTLS with a
 * pre-shared key for coaps:// (NoSec for coap://), and registration retried with a
 * back-off after failures. The client runs through lwm2m_nusim_rd_client_start(): the
 * module follows its registrations, which prove a new profile.
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

/** A new profile was loaded, or the backup came back: what failed before was another
 * network. The back-off starts over, and a client that waits to restart after failures
 * starts now. (A running client is asked for a registration update by the module.)
 */
void nusim_client_new_network(void);

#endif /* NUSIM_SAMPLE_CLIENT_H_ */
