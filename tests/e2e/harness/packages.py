# Copyright (c) 2026 nusim-lwm2m contributors
# SPDX-License-Identifier: Apache-2.0
"""Packages for the simulated nuSIM, built by the workspace's host CLI (nusim-tool)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def package(iccid: str, *extra: str) -> dict[int, str]:
    """The seven 507 values a server writes (`nusim-tool package --json`), by resource id.
    `extra`: more nusim-tool options, e.g. "--encp-size", "1024" or "--break", "encp"."""
    p = subprocess.run(
        ["cargo", "run", "-q", "--release", "-p", "nusim-pkg", "--bin", "nusim-tool", "--",
         "package", "--iccid", iccid, "--json", *extra],
        cwd=ROOT, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"nusim-tool package --iccid {iccid} {' '.join(extra)}: exit "
                           f"{p.returncode}\n{p.stderr[-3000:]}")
    return {int(k): v for k, v in json.loads(p.stdout)["text"].items()}
