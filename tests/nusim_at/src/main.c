/*
 * Copyright (c) 2026 nusim-lwm2m contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * The AT nuSIM driver through its driver API, against the AT modem emulator on the far
 * side of an emulated UART: every answer, every nuSIM error code, and the ways a modem
 * or a line goes wrong (echo, unsolicited lines, garbage, lines in pieces, silence, late
 * answers, malformed and overlong answers).
 */

#include <string.h>
#include <zephyr/drivers/serial/uart_emul.h>
#include <zephyr/drivers/uart.h>
#include <zephyr/kernel.h>
#include <zephyr/ztest.h>
#include <nusim/nusim.h>
#include "nusim_rs.h"
#include "modem.h"
#include "wire_packages.h"

static const struct device *const modem = DEVICE_DT_GET(DT_NODELABEL(modem));
static const struct device *const uart = DEVICE_DT_GET(DT_NODELABEL(euart0));

/* The modem's answers wait here and reach the UART in pieces of `chunk` bytes, one piece
 * every `gap_us`, after `delay_ms`: a real line, not a memcpy.
 */
static struct {
	uint8_t buf[8192];
	size_t len, sent;
	size_t chunk;
	uint32_t gap_us, delay_ms;
	bool started;
	/* A real line: what does not fit the receive FIFO is lost (and counted). */
	bool lossy;
	size_t dropped;
} answer;
static K_MUTEX_DEFINE(answer_lock);
static void feed_work_fn(struct k_work *work);
static K_WORK_DELAYABLE_DEFINE(feed_work, feed_work_fn);

static void feed_work_fn(struct k_work *work)
{
	size_t n;

	ARG_UNUSED(work);
	k_mutex_lock(&answer_lock, K_FOREVER);
	n = MIN(answer.chunk, answer.len - answer.sent);
	if (answer.lossy) {
		answer.dropped += n - uart_emul_put_rx_data(uart, &answer.buf[answer.sent], n);
		answer.sent += n;
	} else {
		answer.sent += uart_emul_put_rx_data(uart, &answer.buf[answer.sent], n);
	}
	if (answer.sent < answer.len) {
		k_work_schedule(&feed_work, K_USEC(answer.gap_us));
	} else {
		answer.len = answer.sent = 0;
		answer.started = false;
	}
	k_mutex_unlock(&answer_lock);
}

/* Bytes the driver sent, waiting for the modem. The modem answers from the system work
 * queue, as the separate processor it is would, never on the sender's stack: the load's
 * stack high-water mark is then the module's own, not the simulated chip's. Holds the
 * longest command (a 1 KB encP as hex) whole, for a sender the work queue cannot preempt.
 */
static struct {
	uint8_t buf[4096];
	size_t len;
	/* Lost since boot (sent bytes the buffer could not hold, answers that did not fit
	 * theirs, bytes still unread at a reset), and how many a modem_reset() reported.
	 */
	size_t lost, reported;
} sent;
static void modem_work_fn(struct k_work *work);
static K_WORK_DEFINE(modem_work, modem_work_fn);

/* The modem reads what was sent and queues its answer for the feeder. */
static void modem_work_fn(struct k_work *work)
{
	size_t room, total;

	ARG_UNUSED(work);
	k_mutex_lock(&answer_lock, K_FOREVER);
	room = sizeof(answer.buf) - answer.len;
	total = nusim_at_emul_rs_feed(sent.buf, sent.len, &answer.buf[answer.len], room);
	/* An answer that does not fit is lost too: counted with what the modem lost. */
	answer.len += MIN(total, room);
	sent.lost += total - MIN(total, room);
	sent.len = 0;
	if (answer.len > answer.sent && !answer.started) {
		answer.started = true;
		k_work_schedule(&feed_work, K_MSEC(answer.delay_ms));
	}
	k_mutex_unlock(&answer_lock);
}

/* Bytes the driver sent: kept for the modem (what does not fit is counted as lost). */
static void tx_ready(const struct device *dev, size_t size, void *user_data)
{
	uint8_t drop[16];
	uint32_t n;

	ARG_UNUSED(size);
	ARG_UNUSED(user_data);
	k_mutex_lock(&answer_lock, K_FOREVER);
	do {
		n = uart_emul_get_tx_data(dev, &sent.buf[sent.len], sizeof(sent.buf) - sent.len);
		sent.len += n;
	} while (n > 0 && sent.len < sizeof(sent.buf));
	while ((n = uart_emul_get_tx_data(dev, drop, sizeof(drop))) > 0) {
		sent.lost += n;
	}
	k_mutex_unlock(&answer_lock);
	k_work_submit(&modem_work);
}

size_t modem_lost(void)
{
	size_t n;

	k_mutex_lock(&answer_lock, K_FOREVER);
	n = sent.lost;
	k_mutex_unlock(&answer_lock);
	return n;
}

/* The emulator's state changes under the lock its work item holds: never while it reads. */
void modem_fault(uint8_t fault, uint16_t code)
{
	k_mutex_lock(&answer_lock, K_FOREVER);
	nusim_at_emul_rs_set_fault(fault, code);
	k_mutex_unlock(&answer_lock);
}

uint32_t modem_commands(void)
{
	uint32_t n;

	k_mutex_lock(&answer_lock, K_FOREVER);
	n = nusim_at_emul_rs_commands();
	k_mutex_unlock(&answer_lock);
	return n;
}

void modem_chip_reset(bool single_profile, const char *iccid)
{
	k_mutex_lock(&answer_lock, K_FOREVER);
	nusim_at_emul_rs_reset(single_profile, iccid);
	k_mutex_unlock(&answer_lock);
}

void line(size_t chunk, uint32_t gap_ms, uint32_t delay_ms)
{
	line_us(chunk, gap_ms * 1000, delay_ms);
}

void line_us(size_t chunk, uint32_t gap_us, uint32_t delay_ms)
{
	k_mutex_lock(&answer_lock, K_FOREVER);
	answer.chunk = chunk;
	answer.gap_us = gap_us;
	answer.delay_ms = delay_ms;
	k_mutex_unlock(&answer_lock);
}

/* The line drops what does not fit the receive FIFO (counted), or not. */
static void __maybe_unused line_lossy(bool lossy)
{
	k_mutex_lock(&answer_lock, K_FOREVER);
	answer.lossy = lossy;
	k_mutex_unlock(&answer_lock);
}

static size_t __maybe_unused line_dropped(void)
{
	size_t n;

	k_mutex_lock(&answer_lock, K_FOREVER);
	n = answer.dropped;
	k_mutex_unlock(&answer_lock);
	return n;
}

/* The modem answers from boot on: Objects 508 read EID, ICCID, certificate and
 * capabilities through the driver at init (APPLICATION level).
 */
static int modem_on(void)
{
	uart_emul_callback_tx_data_ready_set(uart, tx_ready, NULL);
	modem_chip_reset(false, WIRE_ICCID_INITIAL);
	line(13, 1, 0);
	return 0;
}
SYS_INIT(modem_on, POST_KERNEL, 99);

void modem_reset(void *fixture)
{
	struct k_work_sync sync;
	size_t lost;

	ARG_UNUSED(fixture);
	k_work_cancel_sync(&modem_work, &sync);
	k_work_cancel_delayable_sync(&feed_work, &sync);
	/* One step for any sender: the UART calls below take spinlocks only. */
	k_mutex_lock(&answer_lock, K_FOREVER);
	/* Sent, and never read by the modem: a sender still talking when its test ended. */
	sent.lost += sent.len;
	sent.len = 0;
	lost = sent.lost - sent.reported;
	sent.reported = sent.lost;
	answer.len = answer.sent = 0;
	answer.started = false;
	answer.lossy = false;
	answer.dropped = 0;
	uart_emul_flush_rx_data(uart);
	uart_emul_flush_tx_data(uart);
	uart_emul_callback_tx_data_ready_set(uart, tx_ready, NULL);
	nusim_at_emul_rs_reset(false, WIRE_ICCID_INITIAL);
	nusim_at_emul_rs_set_fault(F_NONE, 4);
	line(13, 1, 0); /* (answer_lock is recursive) */
	k_mutex_unlock(&answer_lock);
	/* Bytes the previous test's driver sent that the modem could not hold (the last
	 * test of a suite: test_work_queue_stack_keeps_its_margin checks the total).
	 */
	zassert_equal(lost, 0, "the modem lost %zu bytes (sent to it, or its answers)", lost);
}

static void __maybe_unused assert_iccid(const char *want)
{
	char iccid[NUSIM_ICCID_MAX_LEN + 1];

	zassert_ok(nusim_get_iccid(modem, iccid, sizeof(iccid)));
	assert_str(iccid, want);
}

#ifdef CONFIG_TEST_LOSSY_LINE
/* Regression: the polled reader slept a millisecond between drains and lost bytes at
 * 115200 baud; a certificate that lost an even number of hex digits was accepted.
 */
ZTEST(nusim_at_lossy, test_polled_reader_keeps_up_at_115200)
{
	static uint8_t cert[1024];

	/* One byte every 87 us (115200 baud) into a 4-byte receive FIFO. */
	line_lossy(true);
	line_us(1, 87, 0);
	for (int i = 0; i < 5; i++) {
		int n = nusim_get_certificate(modem, cert, sizeof(cert));

		size_t dropped = line_dropped();

		zassert_equal(dropped, 0, "round %d: %zu bytes lost on the line", i, dropped);
		zassert_equal(n, WIRE_TEST_CERT_LEN, "round %d: %d", i, n);
		zassert_equal(cert[0], 0x30);
	}
	/* The same line without loss, at the usual pace, afterwards. */
	line_lossy(false);
	line(13, 1, 0);
	zassert_equal(nusim_get_certificate(modem, cert, sizeof(cert)), WIRE_TEST_CERT_LEN);
}

ZTEST_SUITE(nusim_at_lossy, NULL, NULL, modem_reset, NULL, NULL);
#else

ZTEST(nusim_at, test_identity)
{
	char eid[NUSIM_EID_LEN + 1];
	uint8_t cert[1024];
	uint8_t caps[8];
	int n;

	zassert_true(device_is_ready(modem));
	zassert_ok(nusim_get_eid(modem, eid, sizeof(eid)));
	assert_str(eid, WIRE_TEST_EID);
	assert_iccid(WIRE_ICCID_INITIAL);
	n = nusim_get_certificate(modem, cert, sizeof(cert));
	zassert_equal(n, WIRE_TEST_CERT_LEN, "certificate length %d", n);
	/* DER: a SEQUENCE whose two-byte length covers the rest. */
	zassert_equal(cert[0], 0x30);
	zassert_equal(cert[1], 0x82);
	zassert_equal((cert[2] << 8 | cert[3]) + 4, n);
	zassert_equal(nusim_get_capabilities(modem, caps, sizeof(caps)), 2);
	zassert_equal(caps[0], 0x01);
	zassert_equal(caps[1], 0x01, "DP authentication bit");
}

/* The receive path the build chose: with CONFIG_UART_INTERRUPT_DRIVEN
 * (drivers.nusim.at.interrupt, Zephyr 4.x's emulator raises its interrupts from a work
 * queue) the driver's handler takes every byte off the UART as it arrives, even with no
 * command running, into the driver's ring; polled, bytes wait in the UART until a command
 * reads. Either way the next command discards what nobody asked for and gets its own answer.
 */
ZTEST(nusim_at, test_receive_path)
{
	/* Not const: 3.4.99's uart_emul_put_rx_data() takes a plain pointer. */
	static uint8_t unsolicited[] = "\r\n+CEREG: 5\r\n";
	uint8_t c;
	int left;

	zassert_equal(uart_emul_put_rx_data(uart, unsolicited, sizeof(unsolicited) - 1),
		      sizeof(unsolicited) - 1);
	k_msleep(20);
	left = uart_poll_in(uart, &c);
	if (IS_ENABLED(CONFIG_UART_INTERRUPT_DRIVEN)) {
		zassert_equal(left, -1, "the bytes stayed in the UART: the driver does not "
					"receive in its interrupt handler");
	} else {
		zassert_equal(left, 0, "polled, the bytes wait in the UART");
	}
	assert_iccid(WIRE_ICCID_INITIAL);
}

ZTEST(nusim_at, test_small_buffers_are_refused)
{
	char eid[NUSIM_EID_LEN];
	uint8_t cert[100];

	zassert_equal(nusim_get_eid(modem, eid, sizeof(eid)), -ENOMEM);
	zassert_equal(nusim_get_certificate(modem, cert, sizeof(cert)), -ENOMEM);
	zassert_equal(nusim_load(modem, wire_a, 0, &(struct nusim_load_status){0}), -EINVAL);
}

ZTEST(nusim_at, test_load)
{
	struct nusim_load_status st;

	zassert_ok(nusim_load(modem, wire_a, sizeof(wire_a), &st));
	zassert_equal(st.reason, NUSIM_REASON_NONE);
	assert_str(st.iccid, WIRE_ICCID_A);
	assert_iccid(WIRE_ICCID_A);
	/* The real size: 1 KB of encP, a 2.7 KB command line. */
	zassert_ok(nusim_load(modem, wire_max, sizeof(wire_max), &st));
	assert_str(st.iccid, WIRE_ICCID_MAX);
}

static void expect_refusal(const uint8_t *pkg, size_t len, int32_t reason)
{
	struct nusim_load_status st;

	zassert_equal(nusim_load(modem, pkg, len, &st), -EBADMSG, "reason %d", reason);
	zassert_equal(st.reason, reason);
	zassert_equal(st.iccid[0], '\0');
}

ZTEST(nusim_at, test_every_error_code)
{
	expect_refusal(wire_other_ci, sizeof(wire_other_ci), NUSIM_REASON_CI_MISMATCH);
	expect_refusal(wire_sig_kpubdp, sizeof(wire_sig_kpubdp), NUSIM_REASON_SIG_KPUB_DP);
	expect_refusal(wire_sig_ekpubdp, sizeof(wire_sig_ekpubdp), NUSIM_REASON_SIG_EKPUB_DP);
	expect_refusal(wire_encp, sizeof(wire_encp), NUSIM_REASON_MAC);
	expect_refusal(wire_unparsable, sizeof(wire_unparsable), NUSIM_REASON_UNPARSABLE);
	/* The modem's own syntax check: a package cut short. */
	expect_refusal(wire_a, 100, NUSIM_REASON_SYNTAX);
	assert_iccid(WIRE_ICCID_INITIAL);

	modem_chip_reset(true, WIRE_ICCID_INITIAL);
	expect_refusal(wire_a, sizeof(wire_a), NUSIM_REASON_REPROVISIONING);

	modem_fault(F_CME, NUSIM_REASON_GENERAL);
	expect_refusal(wire_a, sizeof(wire_a), NUSIM_REASON_GENERAL);
	modem_fault(F_BARE_ERROR, 0);
	expect_refusal(wire_a, sizeof(wire_a), NUSIM_REASON_GENERAL);
	/* Every code of the dialect passes through as it came. */
	for (int32_t code = 541; code <= 546; code++) {
		modem_fault(F_CME, code);
		expect_refusal(wire_a, sizeof(wire_a), code);
	}
}

ZTEST(nusim_at, test_noisy_modems_still_work)
{
	struct nusim_load_status st;
	char eid[NUSIM_EID_LEN + 1];

	modem_fault(F_ECHO, 0);
	zassert_ok(nusim_get_eid(modem, eid, sizeof(eid)));
	zassert_ok(nusim_load(modem, wire_a, sizeof(wire_a), &st), "echoed 800-byte command");
	modem_chip_reset(false, WIRE_ICCID_INITIAL);
	modem_fault(F_NOISE, 0);
	zassert_ok(nusim_get_eid(modem, eid, sizeof(eid)));
	zassert_ok(nusim_load(modem, wire_a, sizeof(wire_a), &st));
	assert_str(st.iccid, WIRE_ICCID_A);
	/* One byte at a time, 1 ms apart, noise included. */
	line(1, 1, 0);
	zassert_ok(nusim_get_eid(modem, eid, sizeof(eid)));
	assert_str(eid, WIRE_TEST_EID);
}

/* The driver gives up at its deadline, not later, and the modem is usable afterwards. */
static void expect_rc_in_time(enum fault f, int want_load, int want_query)
{
	struct nusim_load_status st;
	char eid[NUSIM_EID_LEN + 1];
	int64_t t0 = k_uptime_get();
	int rc;

	/* A fast line: the 5 KB junk line must arrive well within the deadline. */
	line(64, 1, 0);
	modem_fault(f, 0);
	rc = nusim_get_eid(modem, eid, sizeof(eid));
	zassert_equal(rc, want_query, "fault %d: query %d", f, rc);
	/* After a timeout the driver lets the line go quiet (a quarter of the timeout, at
	 * least 100 ms) before anything else is sent.
	 */
	zassert_true(k_uptime_get() - t0 <= 300 + 100 + 50, "fault %d: query took too long", f);
	t0 = k_uptime_get();
	rc = nusim_load(modem, wire_a, sizeof(wire_a), &st);
	zassert_equal(rc, want_load, "fault %d: load %d", f, rc);
	zassert_true(k_uptime_get() - t0 <= 2000 + 500 + 50, "fault %d: load took too long", f);
	modem_fault(F_NONE, 0);
	zassert_ok(nusim_get_eid(modem, eid, sizeof(eid)), "fault %d: no recovery", f);
}

ZTEST(nusim_at, test_broken_answers_fail_cleanly)
{
	expect_rc_in_time(F_SILENT, -ETIMEDOUT, -ETIMEDOUT);
	expect_rc_in_time(F_NO_FINAL, -ETIMEDOUT, -ETIMEDOUT);
	expect_rc_in_time(F_NO_INFO, -EIO, -EIO);
	expect_rc_in_time(F_BAD_VALUE, -EIO, -EIO);
	expect_rc_in_time(F_DOUBLE_INFO, -EIO, -EIO);
	expect_rc_in_time(F_OVERLONG, -EIO, -EIO);
	expect_rc_in_time(F_BARE_ERROR, -EBADMSG, -EIO);
}

ZTEST(nusim_at, test_late_answer_is_not_taken_for_the_next)
{
	char iccid[NUSIM_ICCID_MAX_LEN + 1];
	char eid[NUSIM_EID_LEN + 1];

	/* The EID answer comes after the driver gave up... */
	line(13, 1, 400);
	zassert_equal(nusim_get_eid(modem, eid, sizeof(eid)), -ETIMEDOUT);
	k_msleep(200);
	/* ...and is thrown away before the next command: the ICCID is an ICCID. */
	line(13, 1, 0);
	zassert_ok(nusim_get_iccid(modem, iccid, sizeof(iccid)));
	assert_str(iccid, WIRE_ICCID_INITIAL);
	zassert_true(modem_commands() >= 2);
}

/* Regression: an answer that came after the driver gave up was taken for the answer to the
 * next command when that one was sent before the late answer arrived: a load's late
 * +SETPROFILE for the next load's (the backup's after a timed-out switch).
 */
ZTEST(nusim_at, test_late_load_answer_is_not_taken_for_the_next_load)
{
	struct nusim_load_status st;

	/* The chip installs A, but its answer comes 300 ms after the driver's 2 s deadline... */
	line(13, 1, 2300);
	zassert_equal(nusim_load(modem, wire_a, sizeof(wire_a), &st), -ETIMEDOUT);
	/* ...while the next load goes out at once: it gets its own answer. */
	line(13, 1, 0);
	zassert_ok(nusim_load(modem, wire_max, sizeof(wire_max), &st));
	assert_str(st.iccid, WIRE_ICCID_MAX);
	assert_iccid(WIRE_ICCID_MAX);
}

ZTEST_SUITE(nusim_at, NULL, NULL, modem_reset, NULL, NULL);
#endif /* CONFIG_TEST_LOSSY_LINE */
