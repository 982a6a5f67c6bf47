/*
 * Copyright (c) 2026 nusim-lwm2m contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * What every build of the Rust staticlib needs from C: the module's log, the fatal-error
 * path of its panic handler, and the C library's errno values.
 */

#include <errno.h>
#include <stdint.h>
#include <zephyr/kernel.h>
#include <zephyr/logging/log.h>
#include <zephyr/logging/log_ctrl.h>

#include "nusim_glue.h"
#include "nusim_rs.h"

LOG_MODULE_REGISTER(nusim, CONFIG_NUSIM_LOG_LEVEL);

/* errno values for the Rust side, in the order of rust/nusim-zephyr/src/ffi.rs errno::E. */
const int32_t nusim_errno_table[12] = {EPERM,   ENOENT, ENOMEM,    EBUSY,   EEXIST, EINVAL,
				       EBADMSG, EIO,    ETIMEDOUT, ENOTSUP, EFAULT, EFBIG};

void nusim_glue_log(int level, const char *msg)
{
	switch (level) {
	case 1: LOG_ERR("%s", msg); break;
	case 2: LOG_WRN("%s", msg); break;
	case 3: LOG_INF("%s", msg); break;
	default: LOG_DBG("%s", msg); break;
	}
}

FUNC_NORETURN void nusim_glue_fatal(void)
{
	LOG_PANIC();
	k_panic();
	CODE_UNREACHABLE;
}
