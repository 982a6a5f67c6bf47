/*
 * Copyright (c) 2026 nusim-lwm2m contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * nuSIM over AT commands (compatible "nusim,at-modem"): the device, its UART and the
 * receive path live here; commands and answers are Rust (rust/nusim-zephyr/src/at.rs).
 * Reception is interrupt-driven where the UART supports it and polled otherwise. Polled
 * reception spins while an answer is awaited (no sleeping: a UART without a FIFO holds one
 * byte, and at 115200 baud the next one arrives 87 us later), yielding to threads of
 * the same priority, so it costs CPU for the length of a command and lower priorities
 * wait meanwhile: prefer a UART with interrupt support.
 */

#define DT_DRV_COMPAT nusim_at_modem

#include <zephyr/device.h>
#include <zephyr/drivers/uart.h>
#include <zephyr/kernel.h>
#include <zephyr/logging/log.h>
#include <zephyr/sys/ring_buffer.h>
#include <nusim/nusim.h>
#include "nusim_glue.h"
#include "nusim_rs.h"

LOG_MODULE_REGISTER(nusim_at, CONFIG_NUSIM_LOG_LEVEL);

struct nusim_at_config {
	const struct device *uart;
	uint32_t response_timeout_ms;
	uint32_t load_timeout_ms;
};

struct nusim_at_data {
	struct ring_buf rx;
	uint8_t rx_buf[CONFIG_NUSIM_AT_RX_BUF_SIZE];
	struct k_sem rx_ready;
	bool irq;
};

/* The Rust side has one line buffer for all AT modems: one command at a time. */
static K_MUTEX_DEFINE(at_lock);

#ifdef CONFIG_UART_INTERRUPT_DRIVEN
static void at_isr(const struct device *uart, void *user_data)
{
	struct nusim_at_data *data = ((const struct device *)user_data)->data;
	uint8_t buf[32];
	int n;

	while (uart_irq_update(uart) && uart_irq_rx_ready(uart)) {
		n = uart_fifo_read(uart, buf, sizeof(buf));
		if (n <= 0) {
			break;
		}
		/* A full ring drops bytes; the parser then sees a broken line and says so. */
		(void)ring_buf_put(&data->rx, buf, n);
		k_sem_give(&data->rx_ready);
	}
}
#endif

int nusim_at_glue_write(const struct device *dev, const uint8_t *buf, size_t len)
{
	const struct nusim_at_config *cfg = dev->config;

	for (size_t i = 0; i < len; i++) {
		uart_poll_out(cfg->uart, buf[i]);
	}
	return 0;
}

static size_t poll_drain(const struct device *dev, uint8_t *buf, size_t size)
{
	const struct nusim_at_config *cfg = dev->config;
	size_t n = 0;

	while (n < size && uart_poll_in(cfg->uart, &buf[n]) == 0) {
		n++;
	}
	return n;
}

int nusim_at_glue_read(const struct device *dev, uint8_t *buf, size_t size, uint32_t timeout_ms)
{
	struct nusim_at_data *data = dev->data;
	int64_t deadline = k_uptime_get() + timeout_ms;
	size_t n;

	for (;;) {
		n = data->irq ? ring_buf_get(&data->rx, buf, size) : poll_drain(dev, buf, size);
		if (n > 0 || k_uptime_get() >= deadline) {
			return (int)n;
		}
		if (data->irq) {
			int64_t left = deadline - k_uptime_get();

			(void)k_sem_take(&data->rx_ready, K_MSEC(MAX(left, 0)));
		} else {
			/* Well below one character time at 115200 baud; threads of the same
			 * priority (a work queue feeding the line, say) get their turn.
			 */
			k_busy_wait(20);
			k_yield();
		}
	}
}

void nusim_at_glue_discard(const struct device *dev)
{
	struct nusim_at_data *data = dev->data;
	uint8_t sink[16];

	if (data->irq) {
		/* The ISR fills the ring: empty it from the consumer side only, as any read
		 * does (one producer, one consumer), never reset it under the ISR.
		 */
		while (ring_buf_get(&data->rx, sink, sizeof(sink)) > 0) {
		}
		k_sem_reset(&data->rx_ready);
	} else {
		while (poll_drain(dev, sink, sizeof(sink)) > 0) {
		}
	}
}

int64_t nusim_at_glue_uptime_ms(void)
{
	return k_uptime_get();
}

static int at_request(const struct device *dev, enum nusim_at_request req, const uint8_t *pkg,
		      size_t len, uint8_t *out, size_t size, int32_t *reason)
{
	const struct nusim_at_config *cfg = dev->config;
	uint32_t timeout = req == NUSIM_AT_SETPROFILE ? cfg->load_timeout_ms
						     : cfg->response_timeout_ms;
	int rc;

	k_mutex_lock(&at_lock, K_FOREVER);
	rc = nusim_at_rs_request(dev, req, pkg, len, out, size, timeout, reason);
	k_mutex_unlock(&at_lock);
	return rc;
}

static int at_load(const struct device *dev, const uint8_t *pkg, size_t len,
		   struct nusim_load_status *status)
{
	int rc;

	if (pkg == NULL || status == NULL || len == 0) {
		return -EINVAL;
	}
	status->reason = NUSIM_REASON_NONE;
	status->iccid[0] = '\0';
	rc = at_request(dev, NUSIM_AT_SETPROFILE, pkg, len, (uint8_t *)status->iccid,
			sizeof(status->iccid), &status->reason);
	return rc < 0 ? rc : 0;
}

/* A modem that refuses a query is an I/O failure of the query, not a nuSIM verdict. */
static int query(const struct device *dev, enum nusim_at_request req, uint8_t *buf, size_t size)
{
	int32_t reason = 0;
	int rc;

	if (buf == NULL) {
		return -EINVAL;
	}
	rc = at_request(dev, req, NULL, 0, buf, size, &reason);
	if (rc == -EBADMSG) {
		LOG_WRN("modem refused query %d: error %d", req, reason);
		return -EIO;
	}
	return rc;
}

static int at_eid(const struct device *dev, char *buf, size_t size)
{
	int rc = query(dev, NUSIM_AT_GETEID, (uint8_t *)buf, size);

	return rc < 0 ? rc : 0;
}

static int at_iccid(const struct device *dev, char *buf, size_t size)
{
	int rc = query(dev, NUSIM_AT_GETICCID, (uint8_t *)buf, size);

	return rc < 0 ? rc : 0;
}

static int at_certificate(const struct device *dev, uint8_t *buf, size_t size)
{
	return query(dev, NUSIM_AT_GETCERTIFICATE, buf, size);
}

static int at_capabilities(const struct device *dev, uint8_t *buf, size_t size)
{
	return query(dev, NUSIM_AT_GETCAPABILITIES, buf, size);
}

static const struct nusim_driver_api at_api = {
	.load = at_load,
	.get_eid = at_eid,
	.get_iccid = at_iccid,
	.get_certificate = at_certificate,
	.get_capabilities = at_capabilities,
};

static int at_init(const struct device *dev)
{
	const struct nusim_at_config *cfg = dev->config;
	struct nusim_at_data *data = dev->data;

	if (!device_is_ready(cfg->uart)) {
		LOG_ERR("UART %s not ready", cfg->uart->name);
		return -ENODEV;
	}
	ring_buf_init(&data->rx, sizeof(data->rx_buf), data->rx_buf);
	k_sem_init(&data->rx_ready, 0, 1);
#ifdef CONFIG_UART_INTERRUPT_DRIVEN
	if (uart_irq_callback_user_data_set(cfg->uart, at_isr, (void *)dev) == 0) {
		data->irq = true;
		uart_irq_rx_enable(cfg->uart);
	}
#endif
	LOG_DBG("%s on %s, %s receive", dev->name, cfg->uart->name,
		data->irq ? "interrupt" : "polled");
	return 0;
}

#define NUSIM_AT_DEFINE(n)                                                                         \
	static const struct nusim_at_config at_config_##n = {                                      \
		.uart = DEVICE_DT_GET(DT_INST_BUS(n)),                                             \
		.response_timeout_ms = DT_INST_PROP(n, response_timeout_ms),                       \
		.load_timeout_ms = DT_INST_PROP(n, load_timeout_ms),                               \
	};                                                                                         \
	static struct nusim_at_data at_data_##n;                                                   \
	DEVICE_DT_INST_DEFINE(n, at_init, NULL, &at_data_##n, &at_config_##n, POST_KERNEL,         \
			      CONFIG_NUSIM_INIT_PRIORITY, &at_api);

DT_INST_FOREACH_STATUS_OKAY(NUSIM_AT_DEFINE)
