/*
 * Copyright (c) 2026 nusim-lwm2m contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Cost of the device-side package check: the two ECDSA verifications (brainpoolP256r1,
 * SHA-256) of the public A.1 vectors, in Rust, run in a thread of known stack. Prints the
 * cycle counter's reading and the instructions executed, plus the thread's stack
 * high-water mark. A benchmark, not a test: scripts/bench runs it.
 *
 * Instructions: under qemu's instruction counting (-icount) time advances per instruction,
 * but how the board's cycle counter relates to it differs between qemu machines. So the
 * benchmark first times a loop of exactly known length (SUBS/BNE, 2 instructions a turn)
 * and converts cycles to instructions with that ratio, the same way on every board.
 */

#include <zephyr/kernel.h>
#include <zephyr/sys/printk.h>

int nusim_bench_rs_verify_chain(void);
int nusim_bench_rs_verify_one(void);
int nusim_bench_rs_key_check(void);

BUILD_ASSERT(!IS_ENABLED(CONFIG_NUSIM_BENCH_EXPECT_PSA) ||
		     IS_ENABLED(CONFIG_LWM2M_NUSIM_CHECK_PSA),
	     "psa.conf did not take: CONFIG_LWM2M_NUSIM_CHECK_PSA is off");

#define STACK_SIZE 8192
K_THREAD_STACK_DEFINE(bench_stack, STACK_SIZE);
static struct k_thread bench_thread;

#define CAL_TURNS 1000000u
/* Cycles that CAL_TURNS turns (2 * CAL_TURNS + 1 instructions) took. */
static uint32_t cal_cycles;

static void calibrate(void)
{
	uint32_t n = CAL_TURNS;
	uint32_t c0 = k_cycle_get_32();

	__asm__ volatile("1: subs %0, %0, #1\n\tbne 1b" : "+r"(n) : : "cc");
	cal_cycles = k_cycle_get_32() - c0;
	printk("bench calibration: %u instructions in %u cycles\n", 2 * CAL_TURNS + 1, cal_cycles);

	/* Cross-check with 8 instructions a turn: the same ratio means qemu counts
	 * instructions, not translation blocks.
	 */
	n = CAL_TURNS;
	c0 = k_cycle_get_32();
	__asm__ volatile("1: subs %0, %0, #1\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\t"
			 "bne 1b"
			 : "+r"(n)
			 :
			 : "cc");
	printk("bench cross-check: %u instructions in %u cycles\n", 8 * CAL_TURNS + 1,
	       k_cycle_get_32() - c0);
}

/* A measurement of something that did not work is no measurement: counted, and the run
 * ends in "bench FAILED" instead of "bench done" (scripts/bench checks).
 */
static int failures;

static void measure(const char *what, int (*fn)(void))
{
	uint32_t c0 = k_cycle_get_32();
	int rc = fn();
	uint32_t cycles = k_cycle_get_32() - c0;

	printk("bench %s: rc=%d cycles=%u instructions=%llu\n", what, rc, cycles,
	       (uint64_t)cycles * (2 * CAL_TURNS + 1) / cal_cycles);
	if (rc != 0) {
		printk("bench %s: FAILED (rc=%d)\n", what, rc);
		failures++;
	}
}

/* The stack must keep a margin: what the measured path uses plus what it does not. */
#define STACK_MARGIN 256

static void check_stack(const char *what, size_t used)
{
	printk("bench %s stack: used=%zu of %d\n", what, used, STACK_SIZE);
	if (used + STACK_MARGIN > STACK_SIZE) {
		printk("bench %s stack: FAILED (less than %d bytes to spare)\n", what,
		       STACK_MARGIN);
		failures++;
	}
}

static void bench(void *a, void *b, void *c)
{
	ARG_UNUSED(a);
	ARG_UNUSED(b);
	ARG_UNUSED(c);
	/* The first run warms nothing up (no caches on these cores); run twice anyway. */
	measure("verify_one", nusim_bench_rs_verify_one);
	measure("verify_chain", nusim_bench_rs_verify_chain);
	measure("verify_chain", nusim_bench_rs_verify_chain);
}

static void key_check(void *a, void *b, void *c)
{
	ARG_UNUSED(a);
	ARG_UNUSED(b);
	ARG_UNUSED(c);
	measure("key_check", nusim_bench_rs_key_check);
}

int main(void)
{
	size_t unused = 0;

	printk("bench board=%s cpu_hz=%u backend=%s\n", CONFIG_BOARD, sys_clock_hw_cycles_per_sec(),
	       IS_ENABLED(CONFIG_LWM2M_NUSIM_CHECK_PSA) ? "psa" : "rust");
	calibrate();
	/* The check lwm2m_nusim_set_trusted_ci_keys() runs per key, on the caller's stack.
	 * Each thread created on the stack paints it afresh (CONFIG_INIT_STACKS).
	 */
	k_thread_create(&bench_thread, bench_stack, K_THREAD_STACK_SIZEOF(bench_stack), key_check,
			NULL, NULL, NULL, K_PRIO_PREEMPT(1), 0, K_NO_WAIT);
	k_thread_join(&bench_thread, K_FOREVER);
	if (k_thread_stack_space_get(&bench_thread, &unused) == 0) {
		check_stack("key_check", (size_t)STACK_SIZE - unused);
	}
	k_thread_create(&bench_thread, bench_stack, K_THREAD_STACK_SIZEOF(bench_stack), bench,
			NULL, NULL, NULL, K_PRIO_PREEMPT(1), 0, K_NO_WAIT);
	k_thread_join(&bench_thread, K_FOREVER);
	if (k_thread_stack_space_get(&bench_thread, &unused) == 0) {
		check_stack("verify", (size_t)STACK_SIZE - unused);
	}
	printk(failures ? "bench FAILED\n" : "bench done\n");
	return 0;
}
