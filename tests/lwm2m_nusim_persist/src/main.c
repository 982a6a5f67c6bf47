/*
 * Copyright (c) 2026 nusim-lwm2m contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Suite persist_api: the backup, the network deadline, the automatic fallback, the policy
 * and result callbacks, local loads, rollback and the shell, through the real engine with
 * the simulated nuSIM, and what each step leaves in the settings backend. Runs on a clean
 * flash (pytest/test_persist.py passes --flash_erase), in this order.
 */

#include <zephyr/kernel.h>
#include <zephyr/net/net_event.h>
#include <zephyr/net/net_if.h>
#include <zephyr/net/net_mgmt.h>
#include <zephyr/settings/settings.h>
#include <zephyr/shell/shell.h>
#include <zephyr/shell/shell_dummy.h>
#include <zephyr/ztest.h>

#include <nusim/nusim_sim.h>

#include "common.h"
#include "lwm2m_engine.h"
#include "lwm2m_registry.h"
#include "packages.h"

#define LOCAL    LWM2M_NUSIM_SOURCE_LOCAL
#define SERVER   LWM2M_NUSIM_SOURCE_SERVER
#define FALLBACK LWM2M_NUSIM_SOURCE_FALLBACK
#define ROLLBACK LWM2M_NUSIM_SOURCE_ROLLBACK
#define BACKUP   LWM2M_NUSIM_BACKUP_INSTANCE

/* --- what the callbacks saw --- */

struct event {
	enum lwm2m_nusim_source source;
	uint16_t inst;
	uint8_t result;
	char iccid[21];
};
static struct event events[16];
static int n_events;
static int policy_calls;
static int defer_first; /* defer this many times, then allow */
static bool deny;
static int odd_answer; /* answer this, which is no decision, if not 0 */
static bool l4_in_policy; /* the policy raises NET_EVENT_L4_CONNECTED and sees it handled */

/* NET_EVENT_L4_CONNECTED, as Zephyr's connection manager raises it once an interface
 * is up with an address; waits until network management delivered it.
 */
static struct net_mgmt_event_callback l4_seen_cb;
static atomic_t l4_seen;

static void l4_seen_handler(struct net_mgmt_event_callback *cb,
			    __typeof__(((struct net_mgmt_event_callback *)0)->event_mask) event,
			    struct net_if *iface)
{
	atomic_inc(&l4_seen);
}

static void raise_l4_connected(void)
{
	atomic_val_t before = atomic_get(&l4_seen);

	net_mgmt_event_notify(NET_EVENT_L4_CONNECTED, net_if_get_default());
	for (int i = 0; i < 100 && atomic_get(&l4_seen) == before; i++) {
		k_msleep(10);
	}
	zassert_not_equal(atomic_get(&l4_seen), before, "the event was not delivered");
	/* The module's handler sits beside this test's in the same delivery. */
	k_msleep(50);
}

static enum lwm2m_nusim_decision policy(enum lwm2m_nusim_source source, uint16_t inst,
					void *user_data)
{
	zassert_equal_ptr(user_data, &events);
	policy_calls++;
	if (l4_in_policy) {
		/* The load was accepted; the nuSIM has not seen the package yet. */
		raise_l4_connected();
	}
	if (odd_answer != 0) {
		return (enum lwm2m_nusim_decision)odd_answer;
	}
	if (deny) {
		return LWM2M_NUSIM_DENY;
	}
	if (policy_calls <= defer_first) {
		return LWM2M_NUSIM_DEFER;
	}
	return LWM2M_NUSIM_ALLOW;
}

static void on_result(enum lwm2m_nusim_source source, uint16_t inst,
		      enum lwm2m_nusim_result result, const char *iccid, void *user_data)
{
	if (n_events < ARRAY_SIZE(events)) {
		struct event *e = &events[n_events++];

		e->source = source;
		e->inst = inst;
		e->result = result;
		strncpy(e->iccid, iccid, sizeof(e->iccid) - 1);
	}
}

static const struct lwm2m_nusim_callbacks callbacks = {
	.policy = policy,
	.result = on_result,
	.user_data = &events,
};

static void assert_event(int i, enum lwm2m_nusim_source source, uint16_t inst, uint8_t result,
			 const char *iccid)
{
	zassert_true(i < n_events, "event %d of %d", i, n_events);
	zassert_equal(events[i].source, source, "event %d source %d", i, events[i].source);
	zassert_equal(events[i].inst, inst, "event %d inst %u", i, events[i].inst);
	zassert_equal(events[i].result, result, "event %d result %u", i, events[i].result);
	zassert_str_equal(events[i].iccid, iccid);
}

/* --- what the settings backend holds --- */

struct record {
	const char *name;
	uint8_t data[1500];
	int len;
};

static int record_cb(const char *key, size_t len, settings_read_cb read_cb, void *cb_arg,
		     void *param)
{
	struct record *r = param;

	if (key == NULL || key[0] == '\0') {
		r->len = len <= sizeof(r->data) ? read_cb(cb_arg, r->data, len) : -EFBIG;
	}
	return 0;
}

static struct record rec;

/* Length of the stored record @p name, -ENOENT if there is none. */
static int stored(const char *name)
{
	rec.name = name;
	rec.len = -ENOENT;
	zassert_ok(settings_load_subtree_direct(name, record_cb, &rec));
	return rec.len;
}

static int count_cb(const char *key, size_t len, settings_read_cb read_cb, void *cb_arg,
		    void *param)
{
	(*(int *)param)++;
	return 0;
}

static int stored_records(void)
{
	int n = 0;

	zassert_ok(settings_load_subtree_direct("nusim", count_cb, &n));
	return n;
}

/* --- fixture --- */

static void before(void *f)
{
	ARG_UNUSED(f);
	lwm2m_nusim_set_callbacks(&callbacks);
	n_events = 0;
	policy_calls = 0;
	defer_first = 0;
	deny = false;
	odd_answer = 0;
	l4_in_policy = false;
	nusim_sim_fail_loads(0, 0, false);
}

static void after(void *f)
{
	ARG_UNUSED(f);
	lwm2m_nusim_set_callbacks(NULL);
}

ZTEST(persist_api, test_a_fresh_device)
{
	struct lwm2m_nusim_status st = status();

	zassert_equal(st.profiles, 0, "flash not clean: run with --flash_erase");
	zassert_false(st.has_backup);
	zassert_equal(st.result, R_NEVER);
	zassert_equal(st.link, -1);
	zassert_str_equal(st.iccid, ICCID_INITIAL);
	zassert_equal(stored_records(), 0);
	zassert_equal(lwm2m_nusim_rollback(), -ENOENT);
	zassert_equal(lwm2m_nusim_load(0), -ENOENT);
}

ZTEST(persist_api, test_b_writes_are_stored_before_they_are_acknowledged)
{
	int before_len;

	zassert_ok(create_with(0, pkg_a));
	zassert_true(stored("nusim/p/0") > 0);
	for (int r = 0; r < 7; r++) {
		char name[16];

		snprintk(name, sizeof(name), "nusim/p/0/%d", r);
		zassert_true(stored(name) > 0, "%s", name);
	}
	/* The encP record holds the decoded bytes (64) plus a few bytes of CBOR and CRC. */
	zassert_within(stored("nusim/p/0/0"), 64 + 12, 6);
	/* A refused write leaves the stored value as it was. */
	before_len = stored("nusim/p/0/1");
	uint8_t copy[sizeof(rec.data)];

	memcpy(copy, rec.data, before_len);
	zassert_equal(lwm2m_set_string(P(0, 1), "00"), -EEXIST);
	zassert_equal(stored("nusim/p/0/1"), before_len);
	zassert_mem_equal(rec.data, copy, before_len);
	/* The link goes into the state record. */
	zassert_equal(stored("nusim/s"), -ENOENT);
	zassert_ok(set_link(507, 0));
	zassert_true(stored("nusim/s") > 0);
	/* A delete removes the instance and its values. */
	zassert_ok(lwm2m_create_object_inst(I(3)));
	zassert_true(stored("nusim/p/3") > 0);
	zassert_ok(lwm2m_set_string(P(3, 1), pkg_b[1]));
	zassert_ok(lwm2m_delete_object_inst(I(3)));
	zassert_equal(stored("nusim/p/3"), -ENOENT);
	zassert_equal(stored("nusim/p/3/1"), -ENOENT);
}

ZTEST(persist_api, test_c_first_switch_without_network_has_nothing_to_fall_back_to)
{
	zassert_ok(lwm2m_nusim_load(0));
	zassert_equal(wait_idle(), R_SUCCESS);
	zassert_equal(status().phase, 2, "awaiting the network");
	zassert_str_equal(iccid(), ICCID_A);
	zassert_true(stored("nusim/b0") > 339 + 64, "candidate stored before the load");
	/* During the trial loads are refused, by the server and locally. */
	zassert_equal(execute(), -EPERM);
	zassert_equal(lwm2m_nusim_load(0), -EBUSY);
	/* CONFIG_LWM2M_NUSIM_NETWORK_TIMEOUT=3: no backup, so the new profile stays. */
	k_sleep(K_MSEC(3500));
	zassert_equal(result(), R_ROLLBACK_FAILED);
	zassert_str_equal(iccid(), ICCID_A);
	zassert_false(status().has_backup);
	assert_event(0, LOCAL, 0, R_SUCCESS, ICCID_A);
	assert_event(1, FALLBACK, BACKUP, R_ROLLBACK_FAILED, ICCID_A);
}

ZTEST(persist_api, test_d_network_makes_the_profile_the_backup)
{
	zassert_ok(lwm2m_nusim_load(0));
	zassert_equal(wait_idle(), R_SUCCESS);
	lwm2m_nusim_network_ready();
	struct lwm2m_nusim_status st = status();

	zassert_equal(st.phase, 0);
	zassert_true(st.has_backup);
	zassert_str_equal(st.backup_iccid, ICCID_A);
	/* The deadline was cancelled: nothing happens after it. */
	k_sleep(K_MSEC(3500));
	zassert_equal(result(), R_SUCCESS);
	zassert_equal(n_events, 1);
}

ZTEST(persist_api, test_e_no_network_in_time_falls_back)
{
	zassert_ok(create_with(1, pkg_b));
	zassert_ok(lwm2m_nusim_load(1));
	zassert_equal(wait_idle(), R_SUCCESS);
	zassert_str_equal(iccid(), ICCID_B);
	zassert_true(stored("nusim/b1") > 0, "the candidate's slot is not the backup's");
	zassert_equal(execute(), -EPERM);
	k_sleep(K_MSEC(3500));
	zassert_equal(wait_idle(), R_ROLLED_BACK);
	zassert_str_equal(iccid(), ICCID_A);
	zassert_str_equal(status().backup_iccid, ICCID_A);
	assert_event(0, LOCAL, 1, R_SUCCESS, ICCID_B);
	assert_event(1, FALLBACK, BACKUP, R_ROLLED_BACK, ICCID_A);
}

ZTEST(persist_api, test_f_failed_load_that_lost_the_profile_falls_back)
{
	int loads = nusim_sim_load_count();

	nusim_sim_fail_next(-EIO, true);
	zassert_ok(lwm2m_nusim_load(1));
	zassert_equal(wait_idle(), R_ROLLED_BACK);
	zassert_str_equal(iccid(), ICCID_A);
	zassert_equal(nusim_sim_load_count(), loads + 2, "the load, then the backup");
	assert_event(0, LOCAL, 1, R_DRIVER_ERROR, "");
	assert_event(1, FALLBACK, BACKUP, R_ROLLED_BACK, ICCID_A);
}

ZTEST(persist_api, test_g_failed_load_that_kept_the_profile_ends_there)
{
	int loads = nusim_sim_load_count();

	nusim_sim_fail_next(-EIO, false);
	zassert_ok(lwm2m_nusim_load(1));
	zassert_equal(wait_idle(), R_DRIVER_ERROR);
	zassert_str_equal(iccid(), ICCID_A);
	zassert_equal(nusim_sim_load_count(), loads + 1);
	zassert_equal(n_events, 1);
	assert_event(0, LOCAL, 1, R_DRIVER_ERROR, ICCID_A);
}

ZTEST(persist_api, test_h_policy_deny_and_defer)
{
	int loads = nusim_sim_load_count();

	deny = true;
	zassert_ok(lwm2m_nusim_load(1));
	zassert_equal(wait_idle(), R_DENIED);
	zassert_ok(set_link(507, 1));
	zassert_ok(execute());
	zassert_equal(wait_idle(), R_DENIED);
	zassert_equal(nusim_sim_load_count(), loads, "a denied package never reaches the chip");
	zassert_str_equal(iccid(), ICCID_A);
	assert_event(0, LOCAL, 1, R_DENIED, ICCID_A);
	assert_event(1, SERVER, 1, R_DENIED, ICCID_A);

	/* Deferred twice (CONFIG_LWM2M_NUSIM_POLICY_RETRY=1 s apart), then allowed. */
	deny = false;
	n_events = 0;
	policy_calls = 0;
	defer_first = 2;
	zassert_ok(execute());
	k_sleep(K_MSEC(300));
	zassert_equal(result(), R_DEFERRED);
	zassert_equal(execute(), -EPERM, "a deferred load holds its place");
	zassert_equal(wait_idle(), R_SUCCESS);
	zassert_equal(policy_calls, 3);
	zassert_str_equal(iccid(), ICCID_B);
	assert_event(0, SERVER, 1, R_DEFERRED, ICCID_A);
	assert_event(1, SERVER, 1, R_DEFERRED, ICCID_A);
	assert_event(2, SERVER, 1, R_SUCCESS, ICCID_B);
	lwm2m_nusim_network_ready();
	zassert_str_equal(status().backup_iccid, ICCID_B);
}

ZTEST(persist_api, test_i_rollback_ends_a_trial_early)
{
	zassert_ok(lwm2m_nusim_load(0));
	zassert_equal(wait_idle(), R_SUCCESS);
	zassert_str_equal(iccid(), ICCID_A);
	zassert_ok(lwm2m_nusim_rollback());
	zassert_equal(wait_idle(), R_ROLLED_BACK);
	zassert_str_equal(iccid(), ICCID_B);
	zassert_equal(status().phase, 0);
	assert_event(0, LOCAL, 0, R_SUCCESS, ICCID_A);
	assert_event(1, ROLLBACK, BACKUP, R_ROLLED_BACK, ICCID_B);
	/* The deadline it replaced does not fire later. */
	k_sleep(K_MSEC(3500));
	zassert_equal(n_events, 2);
	zassert_equal(result(), R_ROLLED_BACK);
}

static const char *shell(const char *cmd, int want_rc)
{
	const struct shell *sh = shell_backend_dummy_get_ptr();
	size_t size;

	shell_backend_dummy_clear_output(sh);
	zassert_equal(shell_execute_cmd(sh, cmd), want_rc, "%s", cmd);
	return shell_backend_dummy_get_output(sh, &size);
}

ZTEST(persist_api, test_j_shell)
{
	const char *out = shell("nusim status", 0);

	zassert_not_null(strstr(out, "iccid: " ICCID_B), "%s", out);
	zassert_not_null(strstr(out, "backup: " ICCID_B), "%s", out);
	zassert_not_null(strstr(out, "link: 507/0"), "%s", out);
	zassert_not_null(strstr(out, "profiles: 2"), "%s", out);
	zassert_not_null(strstr(out, "switch: none"), "%s", out);
	out = shell("nusim load 9", -ENOENT);
	zassert_not_null(strstr(out, "no such profile"), "%s", out);
	(void)shell("nusim load x", -EINVAL);
	out = shell("nusim load 0", 0);
	zassert_not_null(strstr(out, "queued"), "%s", out);
	zassert_equal(wait_idle(), R_SUCCESS);
	out = shell("nusim status", 0);
	zassert_not_null(strstr(out, "switch: awaiting network"), "%s", out);
	(void)shell("nusim rollback", 0);
	zassert_equal(wait_idle(), R_ROLLED_BACK);
	zassert_str_equal(iccid(), ICCID_B);
	out = shell("nusim status", 0);
	zassert_not_null(strstr(out, "result: 18"), "%s", out);
}

/* Regression: an answer of the policy that is none of allow, deny, defer loaded the
 * package (fail open). It denies now.
 */
ZTEST(persist_api, test_k_policy_fails_closed)
{
	int loads = nusim_sim_load_count();

	odd_answer = 7;
	zassert_ok(lwm2m_nusim_load(0));
	zassert_equal(wait_idle(), R_DENIED);
	zassert_equal(nusim_sim_load_count(), loads, "the package never reaches the chip");
	zassert_str_equal(iccid(), ICCID_B);
	assert_event(0, LOCAL, 0, R_DENIED, ICCID_B);
}

/* --- callbacks run on the module's work queue, never under the registry lock --- */

static struct {
	k_tid_t thread;
	uint8_t result;
	struct k_sem done;
} slow;

static void slow_result(enum lwm2m_nusim_source source, uint16_t inst,
			enum lwm2m_nusim_result result, const char *iccid, void *user_data)
{
	slow.thread = k_current_get();
	slow.result = result;
	k_msleep(1000);
	k_sem_give(&slow.done);
}

static const struct lwm2m_nusim_callbacks slow_callbacks = {.result = slow_result};

/* Ends at once with @p want through @p start; the caller and a reader of 508/0/6 never wait
 * for the (1 s) result callback, which runs on the module's work queue thread.
 */
static void assert_callback_off_the_caller(int (*start)(void), uint8_t want)
{
	int64_t t0;
	int64_t call_ms, read_ms;

	k_sem_init(&slow.done, 0, 1);
	slow.thread = NULL;
	t0 = k_uptime_get();
	zassert_ok(start());
	call_ms = k_uptime_get() - t0;
	t0 = k_uptime_get();
	zassert_equal(result(), want);
	read_ms = k_uptime_get() - t0;
	zassert_ok(k_sem_take(&slow.done, K_SECONDS(5)), "result callback never ran");
	zassert_true(call_ms < 500, "the caller waited %lld ms for the callback", call_ms);
	zassert_true(read_ms < 500, "a read waited %lld ms for the callback", read_ms);
	zassert_equal(slow.result, want);
	zassert_not_equal(slow.thread, k_current_get(), "callback ran on the caller's thread");
	zassert_str_equal(k_thread_name_get(slow.thread), "nusim_load");
}

static int execute_no_link(void)
{
	zassert_ok(set_link(65535, 65535));
	return execute();
}

static int local_load_incomplete(void)
{
	return lwm2m_nusim_load(2);
}

/* Regression: results that end a load at once (no link, incomplete profile) called the
 * application's callback on the engine's or the caller's thread with the registry lock
 * held.
 */
ZTEST(persist_api, test_l_immediate_results_reach_the_callback_on_the_work_queue)
{
	lwm2m_nusim_set_callbacks(&slow_callbacks);
	assert_callback_off_the_caller(execute_no_link, R_NO_LINK);
	zassert_ok(lwm2m_create_object_inst(I(2)));
	zassert_ok(lwm2m_set_string(P(2, 1), pkg_a[1]));
	assert_callback_off_the_caller(local_load_incomplete, R_INCOMPLETE);
	zassert_ok(lwm2m_delete_object_inst(I(2)));
	zassert_str_equal(iccid(), ICCID_B);
}

/* --- someone else's settings_load() while the module works --- */

static K_SEM_DEFINE(loaded, 0, 1);
static atomic_t loader_stop;
static atomic_t loader_rounds;

static int load_once_rc;

static void load_once(void *a, void *b, void *c)
{
	load_once_rc = settings_load();
	k_sem_give(&loaded);
}

static void load_loop(void *a, void *b, void *c)
{
	while (!atomic_get(&loader_stop)) {
		(void)settings_load();
		atomic_inc(&loader_rounds);
		k_msleep(2);
	}
	k_sem_give(&loaded);
}

static K_THREAD_STACK_DEFINE(loader_stack, 3072);
static struct k_thread loader;

/* Regression: the module's settings handler took the registry lock inside the settings
 * lock (the reverse of every save) and read records into the shared buffer unlocked: an
 * application's settings_load() during a write could deadlock or corrupt it.
 */
ZTEST(persist_api, test_m_settings_load_by_the_application)
{
	/* Deterministic: with the registry lock held, as the engine holds it for a request,
	 * another thread's settings_load() must complete (it needs no registry lock).
	 */
	k_sem_reset(&loaded);
	lwm2m_registry_lock();
	k_thread_create(&loader, loader_stack, K_THREAD_STACK_SIZEOF(loader_stack), load_once,
			NULL, NULL, NULL, K_PRIO_PREEMPT(1), 0, K_NO_WAIT);
	int rc = k_sem_take(&loaded, K_SECONDS(2));

	lwm2m_registry_unlock();
	zassert_ok(rc, "settings_load() waited for the registry lock (lock order inverted)");
	zassert_ok(k_thread_join(&loader, K_SECONDS(5)));
	zassert_ok(load_once_rc);

	/* A loop of them during writes and a switch: all complete, nothing changes. */
	atomic_set(&loader_stop, 0);
	atomic_set(&loader_rounds, 0);
	k_sem_reset(&loaded);
	k_thread_create(&loader, loader_stack, K_THREAD_STACK_SIZEOF(loader_stack), load_loop,
			NULL, NULL, NULL, K_PRIO_PREEMPT(1), 0, K_NO_WAIT);
	for (int round = 0; round < 3; round++) {
		write_pkg(0, pkg_a);
		write_pkg(1, pkg_b);
	}
	zassert_ok(lwm2m_nusim_load(0));
	zassert_equal(wait_idle(), R_SUCCESS);
	zassert_str_equal(iccid(), ICCID_A);
	lwm2m_nusim_network_ready();
	write_pkg(1, pkg_b);
	atomic_set(&loader_stop, 1);
	zassert_ok(k_sem_take(&loaded, K_SECONDS(10)), "the loader never finished");
	zassert_ok(k_thread_join(&loader, K_SECONDS(5)));
	zassert_true(atomic_get(&loader_rounds) > 0);
	for (uint16_t r = 0; r < 7; r++) {
		static char v[200];

		zassert_ok(lwm2m_get_string(P(0, r), v, sizeof(v)));
		zassert_str_equal(v, pkg_a[r], "507/0/%u", r);
		zassert_ok(lwm2m_get_string(P(1, r), v, sizeof(v)));
		zassert_str_equal(v, pkg_b[r], "507/1/%u", r);
	}
	zassert_str_equal(status().backup_iccid, ICCID_A);
	zassert_equal(stored_records(), 2 + 2 * 7 + 2 + 2,
		      "instances, values, state and its mirror, slots");
}

/* Regression: a failed load of the backup (driver busy, a timeout) ended in 19 at once and
 * for good. It is tried again with a back-off; each failed attempt is reported.
 */
ZTEST(persist_api, test_n_failed_backup_loads_are_retried)
{
	zassert_ok(lwm2m_nusim_load(1));
	zassert_equal(wait_idle(), R_SUCCESS);
	zassert_str_equal(iccid(), ICCID_B);
	nusim_sim_fail_loads(-EBUSY, 2, false);
	/* The deadline passes without the network: the backup's load fails, ... */
	for (int i = 0; i < 600 && n_events < 2; i++) {
		k_msleep(10);
	}
	zassert_equal(n_events, 2, "first attempt reported");
	/* ... and while it waits for the next attempt, the switch is still in progress. */
	zassert_equal(result(), R_IN_PROGRESS);
	zassert_equal(execute(), -EPERM);
	zassert_equal(status().phase, 3, "rolling back");
	zassert_equal(wait_idle(), R_ROLLED_BACK);
	zassert_str_equal(iccid(), ICCID_A);
	zassert_equal(n_events, 4);
	assert_event(0, LOCAL, 1, R_SUCCESS, ICCID_B);
	assert_event(1, FALLBACK, BACKUP, R_DRIVER_BUSY, ICCID_B);
	assert_event(2, FALLBACK, BACKUP, R_DRIVER_BUSY, ICCID_B);
	assert_event(3, FALLBACK, BACKUP, R_ROLLED_BACK, ICCID_A);
}

/* CONFIG_LWM2M_NUSIM_FALLBACK_ATTEMPTS failures: 19, and the device stays on the profile
 * it has; a rollback asked for later, once the driver works, brings the backup back.
 */
ZTEST(persist_api, test_o_fallback_gives_up_after_its_attempts)
{
	zassert_ok(lwm2m_nusim_load(1));
	zassert_equal(wait_idle(), R_SUCCESS);
	nusim_sim_fail_loads(-EIO, 100, false);
	k_sleep(K_SECONDS(CONFIG_LWM2M_NUSIM_NETWORK_TIMEOUT));
	zassert_equal(wait_idle(), R_ROLLBACK_FAILED);
	nusim_sim_fail_loads(0, 0, false);
	zassert_equal(n_events, 1 + CONFIG_LWM2M_NUSIM_FALLBACK_ATTEMPTS);
	for (int i = 1; i < CONFIG_LWM2M_NUSIM_FALLBACK_ATTEMPTS; i++) {
		assert_event(i, FALLBACK, BACKUP, R_DRIVER_ERROR, ICCID_B);
	}
	assert_event(CONFIG_LWM2M_NUSIM_FALLBACK_ATTEMPTS, FALLBACK, BACKUP, R_ROLLBACK_FAILED,
		     ICCID_B);
	zassert_str_equal(iccid(), ICCID_B);
	zassert_equal(status().phase, 0);
	zassert_ok(lwm2m_nusim_rollback());
	zassert_equal(wait_idle(), R_ROLLED_BACK);
	zassert_str_equal(iccid(), ICCID_A);
}

/* --- a settings backend that fails on request --- */

/* The destination the module saves through: a proxy in front of the real (NVS) one,
 * which refuses every save and delete while armed, as a flash that cannot be written.
 */
extern struct settings_store *settings_save_dst;
static struct settings_store *real_dst;
static bool store_fails;

static int proxy_save(struct settings_store *cs, const char *name, const char *value,
		      size_t val_len)
{
	ARG_UNUSED(cs);
	if (store_fails) {
		return -EIO;
	}
	return real_dst->cs_itf->csi_save(real_dst, name, value, val_len);
}

static const struct settings_store_itf proxy_itf = {.csi_save = proxy_save};
static struct settings_store proxy = {.cs_itf = &proxy_itf};

/* Regression: a delete that could not reach storage was acknowledged, and the instance
 * came back after a reboot. Every storage failure answers 5.00 and keeps what was there.
 */
ZTEST(persist_api, test_p_storage_failures_answer_5_00_and_keep_the_old_value)
{
	static char v[200];
	int len_before = stored("nusim/p/1/1");

	zassert_true(len_before > 0);
	real_dst = settings_save_dst;
	settings_dst_register(&proxy);
	store_fails = true;
	/* A write: refused, the old value stays, in RAM and in storage. */
	zassert_equal(lwm2m_set_string(P(1, 1), pkg_a[1]), -EIO);
	zassert_ok(lwm2m_get_string(P(1, 1), v, sizeof(v)));
	zassert_str_equal(v, pkg_b[1]);
	/* A delete: refused, and the instance is there again at once with its values. */
	zassert_equal(lwm2m_delete_object_inst(I(1)), -EIO);
	for (int i = 0; i < 100 && lwm2m_engine_get_obj_inst(I(1)) == NULL; i++) {
		k_msleep(10);
	}
	zassert_not_null(lwm2m_engine_get_obj_inst(I(1)), "507/1 not back in the engine");
	for (uint16_t r = 0; r < 7; r++) {
		zassert_ok(lwm2m_get_string(P(1, r), v, sizeof(v)));
		zassert_str_equal(v, pkg_b[r], "507/1/%u", r);
	}
	zassert_equal(status().profiles, 2);
	/* A link: refused, the old one stays. */
	zassert_equal(status().link, 1);
	zassert_equal(set_link(507, 0), -EIO);
	zassert_equal(status().link, 1);
	store_fails = false;
	settings_dst_register(real_dst);
	zassert_equal(stored("nusim/p/1/1"), len_before);
	zassert_true(stored("nusim/p/1") > 0, "the instance record is still stored");
	/* Storage back: the delete goes through. */
	zassert_ok(lwm2m_delete_object_inst(I(1)));
	zassert_equal(stored("nusim/p/1"), -ENOENT);
	zassert_ok(create_with(1, pkg_b));
}

/* CONFIG_LWM2M_NUSIM_PROOF_L4 (prj.conf): NET_EVENT_L4_CONNECTED proves a new profile,
 * but only one raised after the load: an event raised once the load was accepted (from
 * the policy, before the nuSIM sees the package) is of the profile before.
 */
ZTEST(persist_api, test_q_l4_connectivity_proves_the_profile)
{
	bool on_a = strcmp(iccid(), ICCID_A) == 0;
	const char *want = on_a ? ICCID_B : ICCID_A;

	net_mgmt_init_event_callback(&l4_seen_cb, l4_seen_handler, NET_EVENT_L4_CONNECTED);
	net_mgmt_add_event_callback(&l4_seen_cb);
	zassert_equal(status().phase, 0);
	l4_in_policy = true;
	zassert_ok(lwm2m_nusim_load(on_a ? 1 : 0));
	zassert_equal(wait_idle(), R_SUCCESS);
	zassert_equal(policy_calls, 1);
	zassert_str_equal(iccid(), want);
	zassert_equal(status().phase, 2, "the event during the load counted");
	raise_l4_connected();
	for (int i = 0; i < 100 && status().phase != 0; i++) {
		k_msleep(10);
	}
	zassert_equal(status().phase, 0, "the event after the load did not prove the profile");
	zassert_true(status().has_backup);
	zassert_str_equal(status().backup_iccid, want);
	/* The deadline was cancelled: no fallback follows. */
	k_sleep(K_MSEC(3500));
	zassert_equal(result(), R_SUCCESS);
	zassert_equal(n_events, 1);
	assert_event(0, LOCAL, on_a ? 1 : 0, R_SUCCESS, want);
	net_mgmt_del_event_callback(&l4_seen_cb);
}

ZTEST_SUITE(persist_api, NULL, NULL, before, after, NULL);
