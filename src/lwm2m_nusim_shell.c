/*
 * Copyright (c) 2026 nusim-lwm2m contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Shell commands over the application API of <nusim/lwm2m_nusim.h>.
 */

#include <errno.h>
#include <stdlib.h>
#include <zephyr/shell/shell.h>
#include <nusim/lwm2m_nusim.h>

static const char *const phases[] = {"none", "loading", "awaiting network",
				     "loading the backup"};

static int cmd_status(const struct shell *sh, size_t argc, char **argv)
{
	struct lwm2m_nusim_status st;

	ARG_UNUSED(argc);
	ARG_UNUSED(argv);
	(void)lwm2m_nusim_get_status(&st);
	shell_print(sh, "result: %u", st.result);
	shell_print(sh, "iccid: %s", st.iccid[0] ? st.iccid : "(none)");
	if (st.link < 0) {
		shell_print(sh, "link: none");
	} else {
		shell_print(sh, "link: 507/%d", (int)st.link);
	}
	shell_print(sh, "profiles: %u", st.profiles);
	shell_print(sh, "backup: %s", st.has_backup ? st.backup_iccid : "(none)");
	shell_print(sh, "switch: %s%s", st.phase < ARRAY_SIZE(phases) ? phases[st.phase] : "?",
		    st.busy ? " (busy)" : "");
	return 0;
}

static int report(const struct shell *sh, int rc)
{
	switch (rc) {
	case 0:
		shell_print(sh, "queued: see \"nusim status\"");
		return 0;
	case -ENOENT:
		shell_error(sh, "no such profile instance, or no backup");
		break;
	case -EBUSY:
		shell_error(sh, "a load runs or a new profile awaits the network");
		break;
	case -ENOTSUP:
		shell_error(sh, "not supported in this build (CONFIG_LWM2M_NUSIM_PERSIST)");
		break;
	default:
		shell_error(sh, "failed (%d)", rc);
		break;
	}
	return rc;
}

static int cmd_load(const struct shell *sh, size_t argc, char **argv)
{
	char *end;
	unsigned long inst = strtoul(argv[1], &end, 10);

	ARG_UNUSED(argc);
	if (*argv[1] == '\0' || *end != '\0' || inst > 65534) {
		shell_error(sh, "usage: nusim load <507 instance 0..65534>");
		return -EINVAL;
	}
	return report(sh, lwm2m_nusim_load((uint16_t)inst));
}

static int cmd_rollback(const struct shell *sh, size_t argc, char **argv)
{
	ARG_UNUSED(argc);
	ARG_UNUSED(argv);
	return report(sh, lwm2m_nusim_rollback());
}

SHELL_STATIC_SUBCMD_SET_CREATE(nusim_cmds,
	SHELL_CMD_ARG(status, NULL, "Result, ICCID, link, backup and switch state", cmd_status,
		      1, 0),
	SHELL_CMD_ARG(load, NULL, "Load a stored profile: load <507 instance>", cmd_load, 2, 0),
	SHELL_CMD_ARG(rollback, NULL, "Load the backup profile again", cmd_rollback, 1, 0),
	SHELL_SUBCMD_SET_END);

SHELL_CMD_REGISTER(nusim, &nusim_cmds, "nuSIM profiles (Objects 507/508)", NULL);
