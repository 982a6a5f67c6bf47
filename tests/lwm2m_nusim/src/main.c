/*
 * Copyright (c) 2026 nusim-lwm2m contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Objects 507/508 driven through Zephyr's real LwM2M engine (lwm2m_set_* / lwm2m_get_* and
 * the engine's execute callback), with the simulated nuSIM behind the driver API.
 */

#include <string.h>
#include <zephyr/kernel.h>
#include <zephyr/net/lwm2m.h>
#include <zephyr/sys/base64.h>
#include <zephyr/ztest.h>

#include <nusim/lwm2m_nusim.h>
#include <nusim/nusim_sim.h>

#include "lwm2m_engine.h"
#include "lwm2m_message_handling.h"
#include "lwm2m_registry.h"
#include "lwm2m_rw_oma_tlv.h"
#ifdef CONFIG_LWM2M_RW_SENML_CBOR_SUPPORT
#include "lwm2m_rw_senml_cbor.h"
#elif defined(CONFIG_ARCH_POSIX)
/* The object-level SenML CBOR read is the regression test of the shared read places. */
#error "native_sim builds this suite with SenML CBOR: boards/<native board>.conf not applied"
#endif
#include "notify_lock.h"
#include "nusim_test.h"
#include "packages.h"

static char buf[2200];
static char buf2[2200];

static void assert_pkg(uint16_t inst, const char *const pkg[7])
{
	for (uint16_t r = 0; r < 7; r++) {
		zassert_ok(lwm2m_get_string(P(inst, r), buf, sizeof(buf)));
		zassert_str_equal(buf, pkg[r], "507/%u/%u", inst, r);
	}
}

static uint8_t load(uint16_t inst)
{
	zassert_ok(set_link(507, inst));
	zassert_ok(execute());
	return wait_result();
}

static bool contains(const uint8_t *hay, size_t n, const char *needle)
{
	size_t m = strlen(needle);

	for (size_t i = 0; i + m <= n; i++) {
		if (memcmp(hay + i, needle, m) == 0) {
			return true;
		}
	}
	return false;
}

static void before(void *f)
{
	ARG_UNUSED(f);
	/* A load from a previous test may still run: let it end. */
	(void)wait_result();
	zassert_ok(set_link(65535, 65535));
	for (uint16_t i = 0; i < 10; i++) {
		(void)lwm2m_delete_object_inst(I(i));
	}
}

ZTEST(nusim, test_508_identity)
{
	uint8_t caps[8];
	uint8_t der[600];
	size_t der_len = 0;

	zassert_ok(lwm2m_get_string(N(0), buf, sizeof(buf)));
	zassert_str_equal(buf, TEST_EID);
	zassert_true(strlen(iccid()) >= 18);

	zassert_ok(lwm2m_get_opaque(N(2), caps, sizeof(caps)));
	zassert_equal(caps[0], 0x01, "version");
	zassert_equal(caps[1] & 0x01, 0x01, "DP authentication supported");

	/* 508/0/3: base64 of the DER certificate, whose subject serial number is the EID. */
	zassert_ok(lwm2m_get_string(N(3), buf, sizeof(buf)));
	zassert_ok(base64_decode(der, sizeof(der), &der_len, buf, strlen(buf)));
	zassert_equal(der[0], 0x30, "DER SEQUENCE");
	zassert_true(contains(der, der_len, TEST_EID), "EID in the certificate");
}

ZTEST(nusim, test_507_instance_limits)
{
	zassert_ok(lwm2m_create_object_inst(I(0)));
	zassert_ok(lwm2m_create_object_inst(I(7)));
	/* CONFIG_LWM2M_NUSIM_PROFILE_INSTANCE_COUNT = 2: the engine refuses a third. */
	zassert_true(lwm2m_create_object_inst(I(3)) < 0);
	zassert_true(lwm2m_create_object_inst(I(7)) < 0, "duplicate");
	zassert_ok(lwm2m_delete_object_inst(I(0)));
	zassert_ok(lwm2m_create_object_inst(I(3)));
	/* A re-created instance starts empty. */
	zassert_ok(lwm2m_get_string(P(3, 0), buf, sizeof(buf)));
	zassert_str_equal(buf, "");
}

ZTEST(nusim, test_507_roundtrip_every_resource)
{
	zassert_ok(lwm2m_create_object_inst(I(0)));
	write_pkg(0, pkg_a);
	assert_pkg(0, pkg_a);
	/* Hex, lower case, reads back as written. */
	write_pkg(0, pkg_a_hex);
	assert_pkg(0, pkg_a_hex);
	/* Base64 without padding reads back without padding. */
	for (uint16_t r = 0; r < 7; r++) {
		strcpy(buf2, pkg_a[r]);
		for (char *e = strchr(buf2, '='); e; e = strchr(buf2, '=')) {
			*e = '\0';
		}
		zassert_ok(lwm2m_set_string(P(0, r), buf2));
		zassert_ok(lwm2m_get_string(P(0, r), buf, sizeof(buf)));
		zassert_str_equal(buf, buf2, "507/0/%u", r);
	}
}

/* Each bad value is refused and the previous value stays. */
static void refuse(uint16_t r, const char *bad)
{
	zassert_true(lwm2m_set_string(P(0, r), bad) < 0, "507/0/%u accepted %.40s", r, bad);
	zassert_ok(lwm2m_get_string(P(0, r), buf, sizeof(buf)));
	zassert_str_equal(buf, pkg_a[r], "507/0/%u changed", r);
}

ZTEST(nusim, test_507_bad_values_keep_previous)
{
	char *big = buf2;

	zassert_ok(lwm2m_create_object_inst(I(0)));
	write_pkg(0, pkg_a);

	for (uint16_t r = 0; r < 7; r++) {
		refuse(r, "not base64 or hex!");
		refuse(r, "");
		refuse(r, "QR==");          /* non-canonical base64 */
		refuse(r, "00");            /* one byte */
	}
	/* keys: 65 bytes starting 0x04 */
	memset(big, 'a', 130);
	big[130] = '\0';
	for (uint16_t r = 2; r <= 6; r += 2) {
		refuse(r, big);             /* 0xaa..: not an uncompressed point */
		big[0] = '0';
		big[1] = '4';
		big[128] = '\0';
		refuse(r, big);             /* 64 bytes */
		memset(big, 'a', 130);
	}
	/* signatures: exactly 64 */
	memset(big, 'b', 130);
	big[130] = '\0';
	refuse(3, big);
	refuse(5, big);
	/* mac: exactly 16 */
	refuse(1, "00112233445566778899aabbccddeeff00");
	refuse(1, "00112233445566778899aabbccddee");
	/* encP: non-empty multiple of 16, at most 1024 */
	refuse(0, "00112233445566778899aabbccddeeff0011");
	memset(big, '0', 2064);
	big[2064] = '\0';
	refuse(0, big);                     /* 1032 bytes as hex (longer than the text buffer) */
	memset(big, 'A', 1380);
	big[1380] = '\0';
	refuse(0, big);                     /* 1035 bytes as base64 */
	memset(big, 'A', 1388);
	big[1388] = '\0';
	refuse(0, big);                     /* 1041 bytes */
	/* A key given as base64 of the wrong length. */
	refuse(6, "BEUWaTcKOcFKoWYEipOcYGHcYGZBjohftxtNWVZH4C2ih1U6U4oIGyy84u7HkEP03GdDcUVvul2Bi+WLNTk7Ow==");
}

ZTEST(nusim, test_508_objlnk_rules)
{
	struct lwm2m_objlnk l;

	zassert_ok(lwm2m_create_object_inst(I(4)));
	zassert_ok(set_link(507, 4));
	zassert_ok(lwm2m_get_objlnk(N(4), &l));
	zassert_equal(l.obj_id, 507);
	zassert_equal(l.obj_inst, 4);
	zassert_true(set_link(507, 9) < 0, "no such instance");
	zassert_true(set_link(3, 0) < 0, "not Object 507");
	zassert_ok(lwm2m_get_objlnk(N(4), &l));
	zassert_equal(l.obj_inst, 4, "previous link kept");
	zassert_ok(set_link(65535, 65535));
	zassert_ok(lwm2m_get_objlnk(N(4), &l));
	zassert_equal(l.obj_id, 65535);
}

ZTEST(nusim, test_switch_twice)
{
	zassert_ok(lwm2m_create_object_inst(I(0)));
	zassert_ok(lwm2m_create_object_inst(I(1)));
	write_pkg(0, pkg_a);
	write_pkg(1, pkg_b);
	zassert_equal(load(0), R_SUCCESS);
	zassert_str_equal(iccid(), ICCID_A);
	zassert_equal(load(1), R_SUCCESS);
	zassert_str_equal(iccid(), ICCID_B);
	/* The profiles are still stored, unchanged. */
	assert_pkg(0, pkg_a);
	assert_pkg(1, pkg_b);
}

/* A server's Delete of /508/0, or a bootstrap server's Delete of "/": the engine drops the
 * instance whatever the object says. The module creates it again, its state kept.
 */
ZTEST(nusim, test_508_comes_back_after_a_delete)
{
	zassert_ok(lwm2m_create_object_inst(I(0)));
	write_pkg(0, pkg_a);
	zassert_equal(load(0), R_SUCCESS);
	zassert_ok(lwm2m_delete_object_inst(&LWM2M_OBJ(LWM2M_NUSIM_OBJ_NUSIM, 0)));
	for (int i = 0; i < 200 && lwm2m_engine_get_obj_inst(
					 &LWM2M_OBJ(LWM2M_NUSIM_OBJ_NUSIM, 0)) == NULL; i++) {
		k_msleep(10);
	}
	zassert_not_null(lwm2m_engine_get_obj_inst(&LWM2M_OBJ(LWM2M_NUSIM_OBJ_NUSIM, 0)),
			 "508/0 did not come back");
	/* The same chip and state behind it: identity, ICCID, link, result. */
	zassert_ok(lwm2m_get_string(N(0), buf, sizeof(buf)));
	zassert_str_equal(buf, TEST_EID);
	zassert_str_equal(iccid(), ICCID_A);
	struct lwm2m_objlnk link;

	zassert_ok(lwm2m_get_objlnk(N(4), &link));
	zassert_equal(link.obj_id, 507);
	zassert_equal(link.obj_inst, 0);
	/* And it switches again. */
	zassert_ok(lwm2m_create_object_inst(I(1)));
	write_pkg(1, pkg_b);
	zassert_equal(load(1), R_SUCCESS);
	zassert_str_equal(iccid(), ICCID_B);
}

ZTEST(nusim, test_switch_max_size_profile)
{
	zassert_ok(lwm2m_create_object_inst(I(0)));
	write_pkg(0, pkg_max);
	assert_pkg(0, pkg_max);
	zassert_equal(load(0), R_SUCCESS);
	zassert_str_equal(iccid(), ICCID_MAX);
}

ZTEST(nusim, test_every_failure_class)
{
	static const struct {
		const char *const *pkg;
		uint8_t code;
	} cases[] = {
		{pkg_other_ci, R_CI},
		{pkg_sig_kpubdp, R_SIG_KPUB_DP},
		{pkg_sig_ekpubdp, R_SIG_EKPUB_DP},
		{pkg_encp, R_MAC},
		{pkg_unparsable, R_UNPARSABLE},
	};
	char before_iccid[32];

	zassert_ok(lwm2m_create_object_inst(I(0)));
	strcpy(before_iccid, iccid());
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		write_pkg(0, cases[i].pkg);
		zassert_equal(load(0), cases[i].code, "case %zu", i);
		zassert_str_equal(iccid(), before_iccid, "ICCID kept (case %zu)", i);
		assert_pkg(0, cases[i].pkg);
	}
}

ZTEST(nusim, test_link_and_package_failures)
{
	zassert_ok(execute());
	zassert_equal(wait_result(), R_NO_LINK);

	zassert_ok(lwm2m_create_object_inst(I(0)));
	for (uint16_t r = 0; r < 6; r++) {
		zassert_ok(lwm2m_set_string(P(0, r), pkg_a[r]));
	}
	zassert_equal(load(0), R_INCOMPLETE);

	zassert_ok(set_link(507, 0));
	zassert_ok(lwm2m_delete_object_inst(I(0)));
	zassert_ok(execute());
	zassert_equal(wait_result(), R_DANGLING);
}

ZTEST(nusim, test_second_execute_refused_while_loading)
{
	zassert_ok(lwm2m_create_object_inst(I(0)));
	write_pkg(0, pkg_a);
	zassert_ok(set_link(507, 0));
	zassert_ok(execute());
	zassert_equal(result(), R_IN_PROGRESS);
	zassert_true(execute() < 0, "second execute must be refused");
	zassert_equal(wait_result(), R_SUCCESS);
	zassert_str_equal(iccid(), ICCID_A);
}

ZTEST(nusim, test_delete_instance_while_loading)
{
	zassert_ok(lwm2m_create_object_inst(I(0)));
	write_pkg(0, pkg_b);
	zassert_ok(set_link(507, 0));
	zassert_ok(execute());
	/* The load works on the copy made at execute time. */
	zassert_ok(lwm2m_delete_object_inst(I(0)));
	zassert_equal(wait_result(), R_SUCCESS);
	zassert_str_equal(iccid(), ICCID_B);
	zassert_true(lwm2m_get_string(P(0, 0), buf, sizeof(buf)) < 0, "instance gone");
}

/* Regression: the module notified 508/0/6 and 508/0/1 from its work queue without the
 * registry lock, racing the engine's observer lists.
 */
ZTEST(nusim, test_notifications_hold_the_registry_lock)
{
	atomic_val_t before = atomic_get(&notifies_of_508);

	zassert_ok(lwm2m_create_object_inst(I(0)));
	write_pkg(0, pkg_a);
	zassert_equal(load(0), R_SUCCESS);
	zassert_ok(execute());
	zassert_equal(wait_result(), R_SUCCESS);
	zassert_true(atomic_get(&notifies_of_508) - before >= 4, "508/0/6 and 508/0/1 notified");
	zassert_equal(atomic_get(&notifies_without_lock), 0,
		      "%ld notifications without the registry lock",
		      (long)atomic_get(&notifies_without_lock));
}

/* Position of @p needle in @p hay, or -1. */
static int find(const uint8_t *hay, size_t n, const char *needle)
{
	size_t m = strlen(needle);

	for (size_t i = 0; i + m <= n; i++) {
		if (memcmp(hay + i, needle, m) == 0) {
			return (int)i;
		}
	}
	return -1;
}

/* Reads @p path through the engine's own read operation and content writer, as it answers
 * a server's GET (the whole message encoded under the registry lock). The payload's length
 * in *len, at the returned pointer.
 */
static const uint8_t *engine_read(const struct lwm2m_obj_path *path, uint16_t format,
				  uint16_t *len)
{
	static uint8_t out[2048];
	static struct coap_packet cpkt;
	static struct lwm2m_message msg;
	int ret;

	memset(&msg, 0, sizeof(msg));
	zassert_ok(coap_packet_init(&cpkt, out, sizeof(out), COAP_VERSION_1, COAP_TYPE_ACK, 0,
				    NULL, COAP_RESPONSE_CODE_CONTENT, 0));
	msg.out.out_cpkt = &cpkt;
	msg.path = *path;
	lwm2m_registry_lock();
#ifdef CONFIG_LWM2M_RW_SENML_CBOR_SUPPORT
	if (format == LWM2M_FORMAT_APP_SENML_CBOR) {
		msg.out.writer = &senml_cbor_writer;
		ret = do_read_op_senml_cbor(&msg);
	} else
#endif
	{
		msg.out.writer = &oma_tlv_writer;
		ret = do_read_op_tlv(&msg, format);
	}
	lwm2m_registry_unlock();
	zassert_true(ret >= 0, "read op (format %u): %d", format, ret);
	return coap_packet_get_payload(&cpkt, len);
}

/* Every value of 507/0 (pkg_a_hex) and 507/1 (pkg_b, different in all seven) is in the
 * payload, all of instance 0's before instance 1's @p marker (or, with none, before all of
 * instance 1's values).
 */
static void assert_two_instances(const uint8_t *p, uint16_t n, const char *marker,
				 const char *what)
{
	int a_last = -1, b_first = n;

	for (uint16_t r = 0; r < 7; r++) {
		int a = find(p, n, pkg_a_hex[r]);
		int b = find(p, n, pkg_b[r]);

		zassert_true(a >= 0, "%s: 507/0/%u: instance 0's value missing", what, r);
		zassert_true(b >= 0, "%s: 507/1/%u: instance 1's value missing", what, r);
		a_last = MAX(a_last, a);
		b_first = MIN(b_first, b);
	}
	if (marker != NULL) {
		int m = find(p, n, marker);

		zassert_true(a_last < m && m < b_first, "%s: values under the wrong instance", what);
	}
	zassert_true(a_last < b_first, "%s: values under the wrong instance", what);
}

/* Regression: an object-level read returned instance 1's values for instance 0 in SenML
 * CBOR, whose writer keeps every value's pointer until the message is encoded (one read
 * place per resource, shared by the instances).
 */
ZTEST(nusim, test_object_read_two_instances)
{
	const uint8_t *p;
	uint16_t n;

	zassert_ok(lwm2m_create_object_inst(I(0)));
	zassert_ok(lwm2m_create_object_inst(I(1)));
	write_pkg(0, pkg_a_hex);
	write_pkg(1, pkg_b);
	if (IS_ENABLED(CONFIG_LWM2M_RW_SENML_CBOR_SUPPORT)) {
		p = engine_read(&LWM2M_OBJ(507), LWM2M_FORMAT_APP_SENML_CBOR, &n);
		assert_two_instances(p, n, "/507/1/", "SenML CBOR /507");
	}

	p = engine_read(&LWM2M_OBJ(507), LWM2M_FORMAT_OMA_TLV, &n);
	assert_two_instances(p, n, NULL, "TLV /507");
	for (uint16_t i = 0; IS_ENABLED(CONFIG_LWM2M_RW_SENML_CBOR_SUPPORT) && i < 2; i++) {
		p = engine_read(I(i), LWM2M_FORMAT_APP_SENML_CBOR, &n);
		for (uint16_t r = 0; r < 7; r++) {
			zassert_true(find(p, n, (i ? pkg_b : pkg_a_hex)[r]) >= 0, "507/%u/%u", i, r);
			zassert_true(find(p, n, (i ? pkg_a_hex : pkg_b)[r]) < 0, "507/%u/%u", i, r);
		}
	}
	/* Resource level and the application's view agree. */
	assert_pkg(0, pkg_a_hex);
	assert_pkg(1, pkg_b);
}

/* The build-time trust anchors as found at start, and whether malformed ones refused a
 * valid package (checked here, before the other tests need working loads).
 */
static int build_time_trust;
static bool malformed_refused;

static uint8_t load_pkg(const char *const pkg[7], bool *reached_chip);

static void *setup(void)
{
	bool reached;

	zassert_equal(result(), R_NEVER, "no load yet at start");
	zassert_str_equal(iccid(), ICCID_INITIAL, "bootstrap profile from devicetree");
	build_time_trust = lwm2m_nusim_trusted_ci_count();
	if (build_time_trust == -EBADMSG) {
		zassert_ok(lwm2m_create_object_inst(I(0)));
		malformed_refused = load_pkg(pkg_a, &reached) == R_CI && !reached &&
				    strcmp(iccid(), ICCID_INITIAL) == 0;
		zassert_ok(lwm2m_nusim_set_trusted_ci_keys(NULL, 0));
		zassert_ok(lwm2m_delete_object_inst(I(0)));
	}
	return NULL;
}

static void report_stack(const struct k_thread *t, void *user_data)
{
	size_t unused = 0;
	const char *name = k_thread_name_get((k_tid_t)t);

	ARG_UNUSED(user_data);
	/* On native_sim threads run on host stacks: only real targets have a mark to read. */
	if (!IS_ENABLED(CONFIG_ARCH_POSIX) && name != NULL && strcmp(name, "nusim_load") == 0 &&
	    k_thread_stack_space_get(t, &unused) == 0) {
		TC_PRINT("nusim_load stack: %zu of %zu bytes used\n",
			 (size_t)t->stack_info.size - unused, (size_t)t->stack_info.size);
	}
}

static void teardown(void *f)
{
	ARG_UNUSED(f);
	/* The work queue's stack high-water mark: the sizing reference of docs/measurements.md, "Stack". */
	k_thread_foreach(report_stack, NULL);
}

ZTEST_SUITE(nusim, NULL, setup, before, NULL, teardown);

/*
 * Device-side package checks (CONFIG_LWM2M_NUSIM_CHECK_PACKAGES). A package the device
 * refuses never reaches the chip: the simulator's load count says whether it did. Tests run
 * in name order: build-time anchors first, before any test replaces them.
 */

/* KpubCI of the public A.1 vectors: a valid point, but not the CI of the test identity. */
static const uint8_t foreign_ci[LWM2M_NUSIM_CI_KEY_LEN] = {
	0x04, 0x45, 0x16, 0x69, 0x37, 0x0A, 0x39, 0xC1, 0x4A, 0xA1, 0x66, 0x04, 0x8A, 0x93, 0x9C,
	0x60, 0x61, 0xDC, 0x60, 0x66, 0x41, 0x8E, 0x88, 0x5F, 0xB7, 0x1B, 0x4D, 0x59, 0x56, 0x47,
	0xE0, 0x2D, 0xA2, 0x87, 0x55, 0x3A, 0x53, 0x8A, 0x08, 0x1B, 0x2C, 0xBC, 0xE2, 0xEE, 0xC7,
	0x90, 0x43, 0xF4, 0xDC, 0x67, 0x43, 0x71, 0x45, 0x6F, 0xBA, 0x5D, 0x81, 0x8B, 0xE5, 0x8B,
	0x35, 0x39, 0x3B, 0x3B, 0xF4,
};

/* The test identity's CI key: KpubCI of every valid test package. */
static void test_ci(uint8_t out[LWM2M_NUSIM_CI_KEY_LEN])
{
	size_t n = 0;

	zassert_ok(base64_decode(out, LWM2M_NUSIM_CI_KEY_LEN, &n, pkg_a[6], strlen(pkg_a[6])));
	zassert_equal(n, LWM2M_NUSIM_CI_KEY_LEN);
}

/* Loads `pkg` through 507/0; the result, and whether the chip saw the package. */
static uint8_t load_pkg(const char *const pkg[7], bool *reached_chip)
{
	int before_count = nusim_sim_load_count();
	uint8_t r;

	write_pkg(0, pkg);
	r = load(0);
	*reached_chip = nusim_sim_load_count() != before_count;
	return r;
}

static void trust_before(void *f)
{
	before(f);
	zassert_ok(lwm2m_create_object_inst(I(0)));
}

ZTEST(nusim_trust, test_1_build_time_anchors)
{
	bool reached;

	Z_TEST_SKIP_IFNDEF(CONFIG_LWM2M_NUSIM_CHECK_PACKAGES);
	if (CONFIG_TEST_EXPECT_TRUSTED < 0) {
		/* Malformed keys in the build: fail closed until the application sets some
		 * (checked in the first suite's setup, which then cleared them).
		 */
		zassert_equal(build_time_trust, -EBADMSG);
		zassert_true(malformed_refused, "a valid package must be refused on the device");
		zassert_equal(load_pkg(pkg_a, &reached), R_SUCCESS);
		return;
	}
	zassert_equal(build_time_trust, CONFIG_TEST_EXPECT_TRUSTED);
	if (CONFIG_TEST_EXPECT_TRUSTED > 0) {
		/* Devicetree: the test CI; Kconfig: the foreign one. Another CI is refused here. */
		zassert_equal(load_pkg(pkg_other_ci, &reached), R_CI);
		zassert_false(reached, "refused on the device");
		zassert_equal(load_pkg(pkg_a, &reached), R_SUCCESS);
		zassert_true(reached);
		zassert_str_equal(iccid(), ICCID_A);
	}
}

ZTEST(nusim_trust, test_2_runtime_anchors)
{
	uint8_t keys[5][LWM2M_NUSIM_CI_KEY_LEN];
	bool reached;
	char old[32];

	if (!IS_ENABLED(CONFIG_LWM2M_NUSIM_CHECK_PACKAGES)) {
		zassert_equal(lwm2m_nusim_set_trusted_ci_keys(foreign_ci, 1), -ENOTSUP);
		zassert_equal(lwm2m_nusim_trusted_ci_count(), -ENOTSUP);
		return;
	}
	strcpy(old, iccid());
	memcpy(keys[0], foreign_ci, sizeof(foreign_ci));
	test_ci(keys[1]);

	zassert_ok(lwm2m_nusim_set_trusted_ci_keys(keys[0], 1));
	zassert_equal(lwm2m_nusim_trusted_ci_count(), 1);
	zassert_equal(load_pkg(pkg_b, &reached), R_CI, "a valid package under an untrusted CI");
	zassert_false(reached, "refused on the device");
	zassert_str_equal(iccid(), old);

	zassert_ok(lwm2m_nusim_set_trusted_ci_keys(keys[0], 2));
	zassert_equal(load_pkg(pkg_b, &reached), R_SUCCESS);
	zassert_true(reached);
	zassert_str_equal(iccid(), ICCID_B);

	/* A key off the curve, or too many keys: refused, the set in force stays. */
	memcpy(keys[2], foreign_ci, sizeof(foreign_ci));
	keys[2][64] ^= 1;
	zassert_equal(lwm2m_nusim_set_trusted_ci_keys(keys[0], 3), -EINVAL);
#ifdef CONFIG_LWM2M_NUSIM_TRUSTED_CI_MAX
	BUILD_ASSERT(CONFIG_LWM2M_NUSIM_TRUSTED_CI_MAX < ARRAY_SIZE(keys));
	zassert_equal(lwm2m_nusim_set_trusted_ci_keys(keys[0], CONFIG_LWM2M_NUSIM_TRUSTED_CI_MAX + 1),
		      -ENOMEM);
#endif
	zassert_equal(lwm2m_nusim_set_trusted_ci_keys(NULL, 1), -EINVAL);
	zassert_equal(lwm2m_nusim_trusted_ci_count(), 2);

	zassert_ok(lwm2m_nusim_set_trusted_ci_keys(NULL, 0));
	zassert_equal(lwm2m_nusim_trusted_ci_count(), 0);
}

ZTEST(nusim_trust, test_3_forged_packages_stop_on_the_device)
{
	bool checks = IS_ENABLED(CONFIG_LWM2M_NUSIM_CHECK_PACKAGES);
	bool reached;

	if (checks) {
		zassert_ok(lwm2m_nusim_set_trusted_ci_keys(NULL, 0));
	}
	zassert_equal(load_pkg(pkg_sig_kpubdp, &reached), R_SIG_KPUB_DP);
	zassert_equal(reached, !checks, "SigKpubDP: only the nuSIM checks when checks are off");
	zassert_equal(load_pkg(pkg_sig_ekpubdp, &reached), R_SIG_EKPUB_DP);
	zassert_equal(reached, !checks);
	/* The MAC needs the nuSIM's key: only the chip can check it. */
	zassert_equal(load_pkg(pkg_encp, &reached), R_MAC);
	zassert_true(reached);
}

BUILD_ASSERT(!IS_ENABLED(CONFIG_TEST_EXPECT_PSA) || IS_ENABLED(CONFIG_LWM2M_NUSIM_CHECK_PSA),
	     "psa.conf did not take: CONFIG_LWM2M_NUSIM_CHECK_PSA is off");

#ifdef CONFIG_LWM2M_NUSIM_CHECK_PSA
#include <psa/crypto.h>

/* PSA Crypto's entry points as the module calls them (CMakeLists.txt wraps them): counted,
 * and made to fail with the status in `psa_fail_import` / `psa_fail_verify` when it is not
 * PSA_SUCCESS (0). Set on the test thread, read on the module's work queue: atomics.
 */
static atomic_t psa_verifications, psa_imports, psa_fail_import, psa_fail_verify;

psa_status_t __real_psa_verify_hash(mbedtls_svc_key_id_t key, psa_algorithm_t alg,
				    const uint8_t *hash, size_t hash_length,
				    const uint8_t *signature, size_t signature_length);
psa_status_t __real_psa_import_key(const psa_key_attributes_t *attributes, const uint8_t *data,
				   size_t data_length, mbedtls_svc_key_id_t *key);

psa_status_t __wrap_psa_verify_hash(mbedtls_svc_key_id_t key, psa_algorithm_t alg,
				    const uint8_t *hash, size_t hash_length,
				    const uint8_t *signature, size_t signature_length)
{
	psa_status_t fail = (psa_status_t)atomic_get(&psa_fail_verify);

	atomic_inc(&psa_verifications);
	if (fail != PSA_SUCCESS) {
		return fail;
	}
	return __real_psa_verify_hash(key, alg, hash, hash_length, signature, signature_length);
}

psa_status_t __wrap_psa_import_key(const psa_key_attributes_t *attributes, const uint8_t *data,
				   size_t data_length, mbedtls_svc_key_id_t *key)
{
	psa_status_t fail = (psa_status_t)atomic_get(&psa_fail_import);

	atomic_inc(&psa_imports);
	if (fail != PSA_SUCCESS) {
		return fail;
	}
	return __real_psa_import_key(attributes, data, data_length, key);
}
#endif

/* With CONFIG_LWM2M_NUSIM_CHECK_PSA, PSA Crypto verifies: each link of a package is one
 * psa_verify_hash(), each trusted key one import; when PSA fails, the load fails (1) and
 * the package never reaches the nuSIM, and keys it cannot check are refused.
 */
ZTEST(nusim_trust, test_4_checks_run_in_psa_crypto)
{
#ifdef CONFIG_LWM2M_NUSIM_CHECK_PSA
	uint8_t keys[2][LWM2M_NUSIM_CI_KEY_LEN];
	atomic_val_t v0 = atomic_get(&psa_verifications);
	atomic_val_t i0 = atomic_get(&psa_imports);
	bool reached;
	char old[32];

	zassert_ok(lwm2m_nusim_set_trusted_ci_keys(NULL, 0));
	zassert_equal(load_pkg(pkg_b, &reached), R_SUCCESS);
	zassert_true(reached);
	zassert_equal(atomic_get(&psa_verifications) - v0, 2, "both links through PSA");
	zassert_equal(load_pkg(pkg_sig_ekpubdp, &reached), R_SIG_EKPUB_DP);
	zassert_false(reached);
	zassert_equal(atomic_get(&psa_verifications) - v0, 4);
	zassert_equal(load_pkg(pkg_sig_kpubdp, &reached), R_SIG_KPUB_DP);
	zassert_false(reached);
	zassert_equal(atomic_get(&psa_verifications) - v0, 5, "the first link stops it");
	zassert_equal(atomic_get(&psa_imports) - i0, 5, "one key imported per verification");

	strcpy(old, iccid());
	atomic_set(&psa_fail_import, PSA_ERROR_INSUFFICIENT_MEMORY);
	zassert_equal(load_pkg(pkg_a, &reached), R_FAILED, "PSA failed: the check fails");
	zassert_false(reached, "a package PSA could not check never reaches the nuSIM");
	zassert_str_equal(iccid(), old);
	atomic_set(&psa_fail_import, PSA_SUCCESS);
	/* The verification itself failing (not refusing): the same, and the key it imported
	 * is destroyed: more rounds than PSA has key slots (16 on 4.3, 32 on 3.4's mbedTLS).
	 */
	atomic_set(&psa_fail_verify, PSA_ERROR_INSUFFICIENT_MEMORY);
	for (int i = 0; i < 40; i++) {
		zassert_equal(load_pkg(pkg_a, &reached), R_FAILED, "round %d", i);
		zassert_false(reached);
	}
	/* An argument PSA refuses at verification is a bug, not a refusal: result 1. */
	atomic_set(&psa_fail_verify, PSA_ERROR_INVALID_ARGUMENT);
	zassert_equal(load_pkg(pkg_a, &reached), R_FAILED);
	atomic_set(&psa_fail_verify, PSA_SUCCESS);
	zassert_str_equal(iccid(), old);

	test_ci(keys[0]);
	memcpy(keys[1], foreign_ci, sizeof(foreign_ci));
	i0 = atomic_get(&psa_imports);
	atomic_set(&psa_fail_import, PSA_ERROR_INSUFFICIENT_MEMORY);
	zassert_equal(lwm2m_nusim_set_trusted_ci_keys(keys[0], 2), -EINVAL,
		      "keys PSA cannot check are refused");
	zassert_true(atomic_get(&psa_imports) > i0);
	zassert_equal(lwm2m_nusim_trusted_ci_count(), 0, "the set in force stays");
	atomic_set(&psa_fail_import, PSA_SUCCESS);
	zassert_ok(lwm2m_nusim_set_trusted_ci_keys(keys[0], 2));
	zassert_equal(atomic_get(&psa_imports) - i0, 4,
		      "each key checked once per call (before the engine's lock)");
	zassert_equal(lwm2m_nusim_trusted_ci_count(), 2);
	zassert_equal(load_pkg(pkg_a, &reached), R_SUCCESS);
	zassert_true(reached);
	zassert_ok(lwm2m_nusim_set_trusted_ci_keys(NULL, 0));
#else
	ztest_test_skip();
#endif
}

/* After every test above: no notification of 508/0/1 or 508/0/6 was made without the
 * registry lock (notify_lock.c counts them all, from boot on).
 */
ZTEST(nusim_trust, test_8_no_notification_without_the_lock)
{
	zassert_true(atomic_get(&notifies_of_508) > 0);
	zassert_equal(atomic_get(&notifies_without_lock), 0,
		      "%ld notifications without the registry lock",
		      (long)atomic_get(&notifies_without_lock));
}

/* Last: after every load, check and fallback path above, the module's work queue has kept
 * CONFIG_LWM2M_NUSIM_WORKQ_STACK_SIZE's margin (a real core only: native_sim threads run on
 * host stacks without a high-water mark).
 */
ZTEST(nusim_trust, test_9_work_queue_stack_keeps_its_margin)
{
	const size_t margin = 512;
	size_t used = 0, size = 0;

	if (IS_ENABLED(CONFIG_ARCH_POSIX)) {
		TC_PRINT("native_sim: no stack high-water mark to read\n");
		ztest_test_skip();
	}
	zassert_ok(thread_stack_use("nusim_load", &used, &size),
		   "no nusim_load thread with stack information");
	TC_PRINT("nusim_load stack: %zu of %zu bytes used (Kconfig %d)\n", used, size,
		 CONFIG_LWM2M_NUSIM_WORKQ_STACK_SIZE);
	zassert_true(used + margin <= size, "%zu of %zu bytes used: less than %zu to spare", used,
		     size, margin);
}

/* A failed assertion in test_4 leaves no PSA failure armed for the tests after it. */
static void trust_after(void *f)
{
	ARG_UNUSED(f);
#ifdef CONFIG_LWM2M_NUSIM_CHECK_PSA
	atomic_set(&psa_fail_import, PSA_SUCCESS);
	atomic_set(&psa_fail_verify, PSA_SUCCESS);
#endif
}

ZTEST_SUITE(nusim_trust, NULL, NULL, trust_before, trust_after, NULL);
