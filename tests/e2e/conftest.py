# Copyright (c) 2026 nusim-lwm2m contributors
# SPDX-License-Identifier: Apache-2.0
"""Fixtures of the end-to-end suite: the sample built for native_sim (64-bit), a private network
namespace with its TAP interface, the aiocoap LwM2M server in it, and the device."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

ROOT = Path(__file__).resolve().parents[2]
EP = "nusim-demo"  # CONFIG_NUSIM_CLIENT_ENDPOINT


def pytest_addoption(parser):
    parser.addoption("--e2e-build", default=None, help="build directory of the e2e sample")
    parser.addoption("--e2e-sample", default="nusim_client",
                     help="the sample under test: nusim_client (C) or nusim_client_rust (Rust)")


def skip_or_fail(why: str):
    """Outside CI a suite that cannot run here is skipped (pytest -rs says why); under CI
    (CI=true, as .ci/run runs) that is a failure: a tier must not vanish silently."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{why} (not allowed under CI)", pytrace=False)
    pytest.skip(why)


def _require_e2e():
    """Skips (fails under CI) where the suite cannot run: no root, TAP or namespaces."""
    from harness.netns import available

    why = available()
    if why:
        skip_or_fail(f"end-to-end suite SKIPPED: {why}")


def build_sample(request, build: Path, *extra: str) -> Path:
    """Builds the sample (samples/nusim_client, or --e2e-sample) into build as the suite
    runs it: the build's own configuration plus a 10 s network deadline, a 1.5 s nuSIM
    load (e2e.overlay), a 1 s first registration retry and a 2 s cap on DTLS handshake
    retransmissions; extra adds CMake arguments."""
    _require_e2e()
    zb = Path(os.environ.get("ZEPHYR_BASE", Path.home() / "zephyrproject" / "zephyr"))
    if not (zb / "VERSION").exists():
        skip_or_fail(f"end-to-end suite SKIPPED: no Zephyr tree at {zb}")
    modules = os.environ.get("NUSIM_MODULES")
    board = os.environ.get("NUSIM_BOARD_NATIVE")
    if not modules or not board:
        skip_or_fail("end-to-end suite SKIPPED: source scripts/env.sh first (NUSIM_MODULES,"
                     " NUSIM_BOARD_NATIVE)")
    cfg = [
        "cmake", "-GNinja", "-S", str(ROOT / "samples" / request.config.getoption("--e2e-sample")),
        "-B", str(build),
        f"-DBOARD={board}", "-DZEPHYR_TOOLCHAIN_VARIANT=host",
        f"-DZEPHYR_MODULES={modules}",
        f"-DEXTRA_DTC_OVERLAY_FILE={ROOT / 'tests' / 'e2e' / 'e2e.overlay'}",
        "-DCONFIG_LWM2M_NUSIM_NETWORK_TIMEOUT=10",
        # Registration retries after 1, 2, 4, ... s (test_security.py measures them).
        "-DCONFIG_NUSIM_CLIENT_RETRY_SECONDS=1",
        # A failed DTLS handshake gives up after 1 + 2 s.
        "-DCONFIG_NUSIM_CLIENT_DTLS_HANDSHAKE_MAX_MS=2000",
        "-DCONFIG_COMPILER_WARNINGS_AS_ERRORS=y",
        *extra,
    ]
    if subprocess.run(cfg, capture_output=True).returncode != 0:
        subprocess.run(["rm", "-rf", str(build)])
        subprocess.run(cfg, check=True, capture_output=True)
    subprocess.run(["ninja", "-C", str(build)], check=True, capture_output=True)
    return build


def _build_dir(request) -> Path:
    return Path(request.config.getoption("--e2e-build") or ROOT / "build" / "e2e")


def _c_sample_only(request, what: str):
    if request.config.getoption("--e2e-sample") != "nusim_client":
        pytest.skip(f"{what}: a configuration of the C sample (samples/nusim_client)")


@pytest.fixture(scope="session")
def e2e_build(request) -> Path:
    """The sample as it is built by default (DTLS with a pre-shared key), as
    build_sample() builds it."""
    return build_sample(request, _build_dir(request))


@pytest.fixture(scope="session")
def e2e_bootstrap_build(request) -> Path:
    """The sample with CONFIG_NUSIM_CLIENT_BOOTSTRAP (it knows only its bootstrap server),
    beside the default build (<build>-bootstrap)."""
    _c_sample_only(request, "bootstrap")
    build = _build_dir(request)
    return build_sample(request, build.with_name(build.name + "-bootstrap"),
                        "-DCONFIG_NUSIM_CLIENT_BOOTSTRAP=y")


@pytest.fixture(scope="session")
def e2e_queue_build(request) -> Path:
    """The sample with overlay-queue.conf (LwM2M queue mode) and a nuSIM load longer than
    the device listens (queue.overlay), beside the default build (<build>-queue)."""
    _c_sample_only(request, "queue mode")
    build = _build_dir(request)
    here = ROOT / "tests" / "e2e"
    return build_sample(request, build.with_name(build.name + "-queue"),
                        "-DEXTRA_CONF_FILE=overlay-queue.conf",
                        f"-DEXTRA_DTC_OVERLAY_FILE={here / 'e2e.overlay'};{here / 'queue.overlay'}")


@pytest.fixture(scope="session")
def e2e_x509_build(request) -> Path:
    """The sample with overlay-x509.conf (DTLS with X.509 certificates), beside the default
    build (<build>-x509), and a fresh demo PKI for it in <build>-x509-pki
    (harness.x509.make_pki: the device's certificate, key and CA, and the server's)."""
    from harness.netns import SERVER_ADDR
    from harness.x509 import make_pki

    _c_sample_only(request, "X.509 certificates")
    _require_e2e()
    build = _build_dir(request)
    pki = build.with_name(build.name + "-x509-pki")
    make_pki(pki, EP, SERVER_ADDR)
    return build_sample(request, build.with_name(build.name + "-x509"),
                        "-DEXTRA_CONF_FILE=overlay-x509.conf",
                        f'-DCONFIG_NUSIM_CLIENT_CERT_DIR="{pki}"')


@pytest.fixture(scope="session")
def e2e_acl_build(request) -> Path:
    """The sample with overlay-acl.conf (a second server, the Access Control object;
    Zephyr 4.x), beside the default build (<build>-acl)."""
    _c_sample_only(request, "access control")
    zb = Path(os.environ.get("ZEPHYR_BASE", Path.home() / "zephyrproject" / "zephyr"))
    major = next((ln.split("=")[1].strip() for ln in (zb / "VERSION").read_text().splitlines()
                  if ln.startswith("VERSION_MAJOR")), "0") if (zb / "VERSION").exists() else "0"
    if int(major) < 4:
        skip_or_fail("access control with two servers: Zephyr 4.x (3.4.99's engine never "
                     "registers with a second server)")
    build = _build_dir(request)
    return build_sample(request, build.with_name(build.name + "-acl"),
                        "-DEXTRA_CONF_FILE=overlay-acl.conf")
