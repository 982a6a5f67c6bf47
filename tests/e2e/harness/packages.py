# Copyright (c) 2026 nusim-lwm2m contributors
# SPDX-License-Identifier: Apache-2.0
"""Packages for the simulated nuSIM, built by the workspace's host CLI (nusim-tool)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

# The host tool is built for the host: none of the settings that build a Rust application
# for a board (scripts/env.sh, nusim_rust_app_env) may reach its cargo.
_BOARD_RUST = ("RUSTC", "CARGO", "RUSTC_BOOTSTRAP", "CARGO_UNSTABLE_BUILD_STD")


def _host_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _BOARD_RUST}
    env["PATH"] = os.pathsep.join(
        d for d in env.get("PATH", "").split(os.pathsep) if not d.endswith("debian-rust-bin"))
    return env


def package(iccid: str, *extra: str) -> dict[int, str]:
    """The seven 507 values a server writes (`nusim-tool package --json`), by resource id.
    `extra`: more nusim-tool options, e.g. "--encp-size", "1024" or "--break", "encp"."""
    p = subprocess.run(
        ["cargo", "run", "-q", "--release", "-p", "nusim-pkg", "--bin", "nusim-tool", "--",
         "package", "--iccid", iccid, "--json", *extra],
        cwd=ROOT, capture_output=True, text=True, env=_host_env())
    if p.returncode != 0:
        raise RuntimeError(f"nusim-tool package --iccid {iccid} {' '.join(extra)}: exit "
                           f"{p.returncode}\n{p.stderr[-3000:]}")
    return {int(k): v for k, v in json.loads(p.stdout)["text"].items()}
