/*
 * Copyright (c) 2026 nusim-lwm2m contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The LwM2M client of the nuSIM samples (nusim_client.h).
 */

#include <errno.h>
#include <string.h>
#include <zephyr/sys/atomic.h>
#include <zephyr/sys/util.h>
#include <zephyr/kernel.h>
#include <zephyr/logging/log.h>
#include <zephyr/net/lwm2m.h>
#include <zephyr/net/socket.h>
#include <nusim/lwm2m_nusim.h>

#include "nusim_client.h"

LOG_MODULE_REGISTER(nusim_client, LOG_LEVEL_INF);

static struct lwm2m_ctx client;
#if defined(CONFIG_NUSIM_CLIENT_BOOTSTRAP)
/* Security 0 is the bootstrap server; it provisions the management server. */
static const char server_uri[] = CONFIG_NUSIM_CLIENT_BOOTSTRAP_URI;
static const uint32_t start_flags = LWM2M_RD_CLIENT_FLAG_BOOTSTRAP;
#else
static const char server_uri[] = CONFIG_NUSIM_CLIENT_SERVER_URI;
static const uint32_t start_flags = 0;
#endif
/* A second management server (Security 0/1, Server 1/1), or none. */
#if defined(CONFIG_NUSIM_CLIENT_SERVER2_URI)
static const char server2_uri[] = CONFIG_NUSIM_CLIENT_SERVER2_URI;
BUILD_ASSERT(sizeof(server2_uri) == 1 || (CONFIG_LWM2M_SECURITY_INSTANCE_COUNT >= 2 &&
					  CONFIG_LWM2M_SERVER_INSTANCE_COUNT >= 2),
	     "CONFIG_NUSIM_CLIENT_SERVER2_URI needs two Security and two Server instances");
BUILD_ASSERT(sizeof(server2_uri) == 1 ||
		     CONFIG_NUSIM_CLIENT_SERVER2_SSID != CONFIG_LWM2M_SERVER_DEFAULT_SSID,
	     "the second server needs a short server ID of its own");
#else
static const char server2_uri[] = "";
#endif

/* The wait before the next registration attempt: CONFIG_NUSIM_CLIENT_RETRY_SECONDS after a
 * registration or a new profile, doubled after each failure up to
 * CONFIG_NUSIM_CLIENT_RETRY_MAX_SECONDS. Reset on the engine's thread (a registration) and
 * on the system work queue, doubled there by compare-and-swap, so a reset always holds.
 */
static atomic_t retry_seconds = ATOMIC_INIT(CONFIG_NUSIM_CLIENT_RETRY_SECONDS);

/* The sample stopped the client and a restart is due. Only the system work queue reads
 * and writes it (back_off, restart_client, new_network): they run one at a time.
 */
static bool stopped;

static void rd_event(struct lwm2m_ctx *ctx, enum lwm2m_rd_client_event ev);

static void restart_client(struct k_work *work)
{
	int ret;

	if (!stopped) {
		return;
	}
	ret = lwm2m_nusim_rd_client_start(&client, CONFIG_NUSIM_CLIENT_ENDPOINT, start_flags,
					  rd_event, NULL);
	if (ret == 0) {
		stopped = false;
	} else if (ret == -EINPROGRESS) {
		/* Zephyr 3.4: the stop came while an attempt was blocked in its DTLS handshake;
		 * the engine settles once that attempt ends. Try again then.
		 */
		k_work_reschedule(k_work_delayable_from_work(work), K_SECONDS(1));
	} else {
		/* Not started: try again after the current wait, as after a failure. */
		LOG_WRN("Restarting the LwM2M client failed: %d", ret);
		k_work_reschedule(k_work_delayable_from_work(work),
				  K_SECONDS(atomic_get(&retry_seconds)));
	}
}
static K_WORK_DELAYABLE_DEFINE(restart_work, restart_client);

/* A registration failed: refused, or the engine gave up after its network errors
 * (CONFIG_LWM2M_RD_CLIENT_MAX_RETRIES, one immediate retry; 4.x waits a second before it
 * gives up). The sample stops the client and starts it again after its own back-off, so
 * a device whose key or server is wrong keeps trying, ever more slowly: 3.4's engine would
 * otherwise retry at once and without end (there the stop may find an attempt in its
 * handshake, which ends first).
 */
static void back_off(struct k_work *work)
{
	atomic_val_t wait = atomic_get(&retry_seconds);

	ARG_UNUSED(work);
	/* No events while stopped: the attempt in progress may still fail. */
	(void)lwm2m_rd_client_stop(&client, NULL, false);
	stopped = true;
	LOG_WRN("Registration failed: trying again in %ld s", (long)wait);
	k_work_reschedule(&restart_work, K_SECONDS(wait));
	(void)atomic_cas(&retry_seconds, wait, MIN(2 * wait, CONFIG_NUSIM_CLIENT_RETRY_MAX_SECONDS));
}
static K_WORK_DEFINE(back_off_work, back_off);

/* Another profile is in the nuSIM: what failed before was another network. The next wait
 * is the first one again, and a client waiting to restart starts now.
 */
static void new_network(struct k_work *work)
{
	ARG_UNUSED(work);
	atomic_set(&retry_seconds, CONFIG_NUSIM_CLIENT_RETRY_SECONDS);
	if (stopped) {
		k_work_reschedule(&restart_work, K_NO_WAIT);
	}
}
static K_WORK_DEFINE(new_network_work, new_network);

static void rd_event(struct lwm2m_ctx *ctx, enum lwm2m_rd_client_event ev)
{
	switch (ev) {
	case LWM2M_RD_CLIENT_EVENT_REGISTRATION_COMPLETE:
		/* The module saw it first: with a new profile on trial, that is its proof. */
		LOG_INF("Registered with %s (Server 1/%d)",
			IS_ENABLED(CONFIG_NUSIM_CLIENT_BOOTSTRAP) ? "the provisioned server"
			: ctx->srv_obj_inst == 0		  ? server_uri
								  : server2_uri,
			ctx->srv_obj_inst);
		atomic_set(&retry_seconds, CONFIG_NUSIM_CLIENT_RETRY_SECONDS);
		break;
	case LWM2M_RD_CLIENT_EVENT_BOOTSTRAP_REG_COMPLETE:
		LOG_INF("Bootstrap server %s is provisioning the device", server_uri);
		break;
	case LWM2M_RD_CLIENT_EVENT_BOOTSTRAP_TRANSFER_COMPLETE:
		LOG_INF("Bootstrap done: registering with the server it provisioned");
		break;
	case LWM2M_RD_CLIENT_EVENT_QUEUE_MODE_RX_OFF:
		LOG_INF("Queue mode: not listening until the next message to the server");
		break;
	case LWM2M_RD_CLIENT_EVENT_BOOTSTRAP_REG_FAILURE:
	case LWM2M_RD_CLIENT_EVENT_REGISTRATION_FAILURE:
	case LWM2M_RD_CLIENT_EVENT_NETWORK_ERROR:
		LOG_WRN("Registration failed (event %d)", ev);
		k_work_submit(&back_off_work);
		break;
	default:
		break;
	}
}

static bool uri_is_coaps(const char *uri)
{
	return strncmp(uri, "coaps://", strlen("coaps://")) == 0;
}

#if defined(CONFIG_NUSIM_CLIENT_CREDENTIALS_X509)
BUILD_ASSERT(sizeof(CONFIG_NUSIM_CLIENT_SERVER_NAME) <= 254,
	     "CONFIG_NUSIM_CLIENT_SERVER_NAME is longer than a DNS name (253 characters)");

/* The host of uri ("scheme://host[:port][/path]", an IPv6 address in brackets) into out. */
static int uri_host(const char *uri, char *out, size_t size)
{
	const char *host = strstr(uri, "://");
	size_t len;

	host = host != NULL ? host + strlen("://") : uri;
	if (*host == '[') {
		host++;
		len = strcspn(host, "]");
		if (host[len] != ']') {
			return -EINVAL;
		}
	} else {
		len = strcspn(host, ":/?");
	}
	if (len == 0 || len >= size) {
		return -EINVAL;
	}
	memcpy(out, host, len);
	out[len] = '\0';
	return 0;
}

/* In certificate mode the server must prove who it is: its certificate must chain to the
 * CA of 0/x/4 and name CONFIG_NUSIM_CLIENT_SERVER_NAME, or else the host of this server's
 * own URI (0/x/0: a server a bootstrap server provisioned is checked against its own
 * name). The engine verifies nothing where the URI has no host name to resolve (an IP
 * address) on 4.x, and nothing at all on 3.4.99 unless the context asks for it; a device
 * that switches carrier on a server's word must know that server. On the engine's thread,
 * which alone uses the buffers.
 */
static int verify_server(struct lwm2m_ctx *ctx)
{
	static const int verify = TLS_PEER_VERIFY_REQUIRED;
	static char uri[256];
	static char host[254];
	const char *name = CONFIG_NUSIM_CLIENT_SERVER_NAME;
	uint8_t mode;
	int ret = lwm2m_get_u8(&LWM2M_OBJ(0, ctx->sec_obj_inst, 2), &mode);

	if (ret < 0 || mode != LWM2M_SECURITY_CERT) {
		return MIN(ret, 0);
	}
	if (name[0] == '\0') {
		uri[0] = '\0';
		ret = lwm2m_get_string(&LWM2M_OBJ(0, ctx->sec_obj_inst, 0), uri, sizeof(uri));
		ret = ret ?: uri_host(uri, host, sizeof(host));
		if (ret < 0) {
			LOG_ERR("No server name in the URI of Security 0/%d: %d", ctx->sec_obj_inst,
				ret);
			return ret;
		}
		name = host;
	}
	if (zsock_setsockopt(ctx->sock_fd, SOL_TLS, TLS_HOSTNAME, name, strlen(name) + 1) < 0 ||
	    zsock_setsockopt(ctx->sock_fd, SOL_TLS, TLS_PEER_VERIFY, &verify, sizeof(verify)) < 0) {
		ret = -errno;
		LOG_ERR("Setting up the verification of the server failed: %d", ret);
		return ret;
	}
	return 0;
}
#endif

#if defined(CONFIG_LWM2M_DTLS_SUPPORT)
/* The engine's socket options, a bounded DTLS handshake (1 s to
 * CONFIG_NUSIM_CLIENT_DTLS_HANDSHAKE_MAX_MS between retransmissions) and, with
 * certificates, a verified server.
 */
static int set_socket_options(struct lwm2m_ctx *ctx)
{
	static const uint32_t min_ms = 1000, max_ms = CONFIG_NUSIM_CLIENT_DTLS_HANDSHAKE_MAX_MS;
	int ret = lwm2m_set_default_sockopt(ctx);

	if (ret < 0 || !ctx->use_dtls) {
		return ret;
	}
	if (zsock_setsockopt(ctx->sock_fd, SOL_TLS, TLS_DTLS_HANDSHAKE_TIMEOUT_MIN, &min_ms,
			     sizeof(min_ms)) < 0 ||
	    zsock_setsockopt(ctx->sock_fd, SOL_TLS, TLS_DTLS_HANDSHAKE_TIMEOUT_MAX, &max_ms,
			     sizeof(max_ms)) < 0) {
		ret = -errno;
		if (ret == -ENOPROTOOPT || ret == -EOPNOTSUPP) {
			/* An offloaded DTLS stack (a modem's) keeps its own timeouts. */
			LOG_WRN("The DTLS stack keeps its own handshake timeouts");
		} else {
			LOG_ERR("Setting the DTLS handshake timeouts failed: %d", ret);
			return ret;
		}
	}
#if defined(CONFIG_NUSIM_CLIENT_CREDENTIALS_X509)
	return verify_server(ctx);
#else
	return 0;
#endif
}

#endif

#if defined(CONFIG_NUSIM_CLIENT_CREDENTIALS_PSK)
/* A key's bytes gone from the stack, whatever the compiler knows about their last use. */
static void wipe(uint8_t *buf, size_t len)
{
	volatile uint8_t *p = buf;

	while (len-- > 0) {
		*p++ = 0;
	}
}
#endif

/* Security 0/inst for uri: NoSec for coap://, a pre-shared key or certificates for
 * coaps://; with CONFIG_NUSIM_CLIENT_BOOTSTRAP 0/0 is the bootstrap server's account.
 */
static int set_security(uint16_t inst, const char *uri)
{
	int ret;

	ret = lwm2m_set_string(&LWM2M_OBJ(0, inst, 0), uri);
	ret = ret ?: lwm2m_set_bool(&LWM2M_OBJ(0, inst, 1),
				    IS_ENABLED(CONFIG_NUSIM_CLIENT_BOOTSTRAP) && inst == 0);
	if (ret < 0 || !uri_is_coaps(uri)) {
		return ret ?: lwm2m_set_u8(&LWM2M_OBJ(0, inst, 2), LWM2M_SECURITY_NOSEC);
	}
#if defined(CONFIG_NUSIM_CLIENT_CREDENTIALS_X509)
	static const uint8_t cert[] = {
#include "client.der.inc"
	};
	static const uint8_t cert_key[] = {
#include "client-key.der.inc"
	};
	static const uint8_t ca[] = {
#include "ca.der.inc"
	};
	BUILD_ASSERT(sizeof(cert) <= CONFIG_LWM2M_SECURITY_KEY_SIZE &&
			     sizeof(cert_key) <= CONFIG_LWM2M_SECURITY_KEY_SIZE &&
			     sizeof(ca) <= CONFIG_LWM2M_SECURITY_KEY_SIZE,
		     "a file of CONFIG_NUSIM_CLIENT_CERT_DIR is larger than "
		     "CONFIG_LWM2M_SECURITY_KEY_SIZE");

	ret = lwm2m_set_u8(&LWM2M_OBJ(0, inst, 2), LWM2M_SECURITY_CERT);
	ret = ret ?: lwm2m_set_opaque(&LWM2M_OBJ(0, inst, 3), (const char *)cert, sizeof(cert));
	ret = ret ?: lwm2m_set_opaque(&LWM2M_OBJ(0, inst, 5), (const char *)cert_key,
				      sizeof(cert_key));
	ret = ret ?: lwm2m_set_opaque(&LWM2M_OBJ(0, inst, 4), (const char *)ca, sizeof(ca));
	return ret;
#elif defined(CONFIG_LWM2M_DTLS_SUPPORT)
	static const char id[] = CONFIG_NUSIM_CLIENT_PSK_IDENTITY;
	static const char hex[] = CONFIG_NUSIM_CLIENT_PSK;
	uint8_t key[CONFIG_LWM2M_SECURITY_KEY_SIZE];
	size_t len = 0;

	if (strlen(hex) % 2 == 0 && strlen(hex) / 2 <= sizeof(key)) {
		len = hex2bin(hex, strlen(hex), key, sizeof(key));
	}
	if (len == 0) {
		wipe(key, sizeof(key));
		LOG_ERR("CONFIG_NUSIM_CLIENT_PSK is not 1 to %zu bytes in hex", sizeof(key));
		return -EINVAL;
	}
	if (strlen(id) == 0 || strlen(id) > CONFIG_LWM2M_SECURITY_KEY_SIZE) {
		wipe(key, sizeof(key));
		LOG_ERR("CONFIG_NUSIM_CLIENT_PSK_IDENTITY is not 1 to %d bytes",
			CONFIG_LWM2M_SECURITY_KEY_SIZE);
		return -EINVAL;
	}
	ret = lwm2m_set_u8(&LWM2M_OBJ(0, inst, 2), LWM2M_SECURITY_PSK);
	ret = ret ?: lwm2m_set_opaque(&LWM2M_OBJ(0, inst, 3), id, strlen(id));
	ret = ret ?: lwm2m_set_opaque(&LWM2M_OBJ(0, inst, 5), (const char *)key, len);
	wipe(key, sizeof(key));
	return ret;
#else
	LOG_ERR("%s needs CONFIG_LWM2M_DTLS_SUPPORT", uri);
	return -ENOTSUP;
#endif
}

/* CONFIG_NUSIM_CLIENT_SERVER2_URI: the second server's account, Security 0/1 and Server
 * 1/1, with the first's credentials. Zephyr 4.x's engine registers with it while the
 * first has disabled itself.
 */
static int add_second_server(void)
{
	int ret;

	if (server2_uri[0] == '\0') {
		return 0;
	}
	ret = lwm2m_create_object_inst(&LWM2M_OBJ(0, 1));
	ret = ret ?: lwm2m_create_object_inst(&LWM2M_OBJ(1, 1));
	ret = ret ?: set_security(1, server2_uri);
#if defined(CONFIG_NUSIM_CLIENT_SERVER2_URI)
	ret = ret ?: lwm2m_set_u16(&LWM2M_OBJ(0, 1, 10), CONFIG_NUSIM_CLIENT_SERVER2_SSID);
	ret = ret ?: lwm2m_set_u16(&LWM2M_OBJ(1, 1, 0), CONFIG_NUSIM_CLIENT_SERVER2_SSID);
#endif
	return ret;
}

int nusim_client_start(void)
{
	int ret;

#if defined(CONFIG_LWM2M_DTLS_SUPPORT)
	/* For every server the client will use over DTLS: one a bootstrap server provisions
	 * may use it where the bootstrap server does not.
	 */
	client.tls_tag = CONFIG_NUSIM_CLIENT_TLS_TAG;
	client.set_socketoptions = set_socket_options;
#endif
	ret = set_security(0, server_uri);
	if (!IS_ENABLED(CONFIG_NUSIM_CLIENT_BOOTSTRAP)) {
		/* Server object 1/0 exists from start; pair it with security instance 0. (A
		 * bootstrap server's account has no Server instance: it writes the one of the
		 * server it provisions.)
		 */
		ret = ret ?: lwm2m_set_u16(&LWM2M_OBJ(0, 0, 10), CONFIG_LWM2M_SERVER_DEFAULT_SSID);
		ret = ret ?: lwm2m_set_u16(&LWM2M_OBJ(1, 0, 0), CONFIG_LWM2M_SERVER_DEFAULT_SSID);
	}
	ret = ret ?: add_second_server();
	if (ret < 0) {
		LOG_ERR("Server setup failed: %d", ret);
		return ret;
	}
	LOG_INF("Endpoint %s, %sserver %s, %s", CONFIG_NUSIM_CLIENT_ENDPOINT,
		IS_ENABLED(CONFIG_NUSIM_CLIENT_BOOTSTRAP) ? "bootstrap " : "", server_uri,
		!uri_is_coaps(server_uri) ? "NoSec"
		: IS_ENABLED(CONFIG_NUSIM_CLIENT_CREDENTIALS_X509) ? "DTLS with X.509 certificates"
								   : "DTLS with a pre-shared key");
#if defined(CONFIG_NUSIM_CLIENT_SERVER2_URI)
	if (server2_uri[0] != '\0') {
		LOG_INF("Second server %s, short server ID %d", server2_uri,
			CONFIG_NUSIM_CLIENT_SERVER2_SSID);
	}
#endif
	/* Through the module: its registrations prove a new profile
	 * (CONFIG_LWM2M_NUSIM_PROOF_REGISTRATION), with no code here.
	 */
	return lwm2m_nusim_rd_client_start(&client, CONFIG_NUSIM_CLIENT_ENDPOINT, start_flags,
					   rd_event, NULL);
}

void nusim_client_new_network(void)
{
	k_work_submit(&new_network_work);
}
