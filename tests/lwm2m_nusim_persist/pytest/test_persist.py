# Copyright (c) 2026 nusim-lwm2m contributors
# SPDX-License-Identifier: Apache-2.0
"""Persistence of Objects 507/508 across restarts and power cuts, on native_sim.

twister builds src/ once (harness: pytest) and runs this file; each test below runs that
binary several times, each run one device power cycle. The flash is a file
(--flash=...), so what one run leaves is what the next run boots with. --no-rt lets
the simulated clock run ahead of the wall clock (the network deadline is seconds of
simulated time, milliseconds here).

Power cuts use the flash simulator's thresholds: from the k-th flash write of an
operation on, nothing reaches the flash, and the k-th write may be torn after n bytes.
After every cut the device boots again and must hold, for each thing it keeps, either
the value from before the operation or the value after it, with the nuSIM holding the
backup's profile and no switch left half done.

Outside twister: pytest tests/lwm2m_nusim_persist/pytest --build-dir=<build dir>
(or NUSIM_PERSIST_BUILD=<build dir>).
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ICCID_A = "8949000000000000017"
ICCID_B = "8949000000000000025"

# Operation of suite "restart" -> whether the network comes after it (the step "check").
OPERATIONS = {
    "write": 1,  # 507/1 rewritten, all seven values
    "create": 1,  # 507/2 created and written (the largest encP)
    "delete": 1,  # 507/1 deleted
    "switch": 1,  # load 507/1, the network comes: B becomes the backup
    "timeout": 0,  # load 507/1, no network: back to A by itself
    "failure": 1,  # the load fails after the chip erased A: back to A
    "rollback": 0,  # load 507/1, the application rolls back at once
}


def build_dir(request) -> Path:
    d = request.config.getoption("--build-dir", default=None) or os.environ.get(
        "NUSIM_PERSIST_BUILD"
    )
    if not d:
        why = "no build: pass --build-dir (twister does) or NUSIM_PERSIST_BUILD"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{why} (not allowed under CI)", pytrace=False)
        pytest.skip(why)
    return Path(d)


class Device:
    """The native_sim binary with a flash file of its own."""

    def __init__(self, exe: Path, flash: Path):
        self.exe = exe
        self.flash = flash

    def run(self, test: str, *args: str, erase: bool = False, boot: tuple = ()) -> str:
        """One power cycle running step `test`; `boot`: options of the device itself
        (e.g. the simulated nuSIM's --nusim-sim-iccid-unavailable=N)."""
        cmd = [str(self.exe), f"--flash={self.flash}", "--no-rt", f"--test=restart::{test}",
               *boot]
        if erase:
            cmd.append("--flash_erase")
        cmd += ["-testargs", "run=1", *args]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        out = p.stdout + p.stderr
        assert p.returncode == 0 and "PROJECT EXECUTION SUCCESSFUL" in out, (
            f"{' '.join(cmd)} failed:\n{out[-3000:]}"
        )
        return out

    def state(self, out: str) -> dict:
        """The STATE line and its STATE+ lines (one per 507 instance) as one dict."""
        lines = [ln for ln in out.splitlines() if ln.startswith("STATE")]
        assert sum(ln.startswith("STATE ") for ln in lines) == 1, out[-2000:]
        return dict(kv.split("=", 1) for ln in lines for kv in ln.split()[1:])

    def check(self, net: int, boot: tuple = ()) -> dict:
        return self.state(self.run("test_check", f"net={net}", boot=boot))

    def writes(self, out: str) -> int:
        m = re.search(r"OPDONE writes=(\d+)", out)
        assert m, out[-2000:]
        return int(m.group(1))


@pytest.fixture(scope="module")
def exe(request) -> Path:
    e = build_dir(request) / "zephyr" / "zephyr.exe"
    assert e.exists(), e
    return e


@pytest.fixture(scope="module")
def setup_flash(exe, tmp_path_factory) -> Path:
    """A device with profile A proven (the backup) and B stored."""
    flash = tmp_path_factory.mktemp("setup") / "flash.bin"
    d = Device(exe, flash)
    st = d.state(d.run("test_setup", erase=True))
    assert (st["chip"], st["backup"], st["link"]) == (ICCID_A, ICCID_A, "0")
    return flash


def device_from(exe, setup_flash, tmp_path, name="flash.bin") -> Device:
    flash = tmp_path / name
    shutil.copyfile(setup_flash, flash)
    return Device(exe, flash)


def test_api_suite(exe, tmp_path):
    """Suite persist_api on a clean flash: fallback, deadline, policy, rollback, shell."""
    p = subprocess.run(
        [str(exe), f"--flash={tmp_path / 'flash.bin'}", "--flash_erase", "--no-rt",
         "--test=persist_api::*"],
        capture_output=True, text=True, timeout=300,
    )
    out = p.stdout + p.stderr
    assert "SUITE PASS - 100.00% [persist_api]: pass = 17" in out, out[-4000:]
    assert p.returncode == 0, out[-2000:]


def test_restart_restores_everything(exe, setup_flash, tmp_path):
    d = device_from(exe, setup_flash, tmp_path)
    first = d.check(1)
    out = d.run("test_check", "net=1")
    second = d.state(out)
    assert first == second
    assert "2 stored nuSIM profile instance(s) read back" in out
    # Both profiles with all seven values, the link, the backup, the last result.
    assert sum(1 for k in first if k.startswith("v")) == 14
    assert (first["chip"], first["backup"], first["link"], first["result"]) == (
        ICCID_A, ICCID_A, "0", "0")


def test_damaged_records_are_reported_and_skipped(exe, setup_flash, tmp_path):
    d = device_from(exe, setup_flash, tmp_path)
    d.run("test_damage")
    out = d.run("test_after_damage")
    assert "record nusim/p/1/0 is corrupt (CRC mismatch)" in out, out[-3000:]
    assert "record nusim/p/1/1 is corrupt (CRC mismatch)" in out, out[-3000:]
    assert "record nusim/p/1/3 is of format version 2, newer than this code's 1" in out
    assert "unknown record nusim/zz: ignored" in out
    assert "record nusim/s is corrupt (CRC mismatch)" in out
    assert "state record unusable: taken from its mirror" in out


def test_destructive_failure_after_a_slow_modem_boot(exe, setup_flash, tmp_path):
    """The ICCID was unknown at init (a modem still booting): it is read again before the
    switch begins, so a load that erased the profile and failed brings the backup back
    (result 18) instead of leaving the chip without a profile."""
    d = device_from(exe, setup_flash, tmp_path)
    out = d.run("test_failure_after_slow_boot", boot=("--nusim-sim-iccid-unavailable=1",))
    assert "nuSIM ICCID unavailable or malformed (-11)" in out, "unknown at init"
    st = d.state(out)
    assert (st["result"], st["chip"], st["backup"], st["phase"]) == ("18", ICCID_A, ICCID_A, "0")


def test_fallback_retries_resume_after_a_restart(exe, setup_flash, tmp_path):
    """The backup's load failed once and the power went before the next attempt: after
    the restart the switch is still rolling back and the backup goes back (18)."""
    d = device_from(exe, setup_flash, tmp_path)
    st = d.state(d.run("test_fallback_fails_then_power_off"))
    assert (st["result"], st["phase"], st["chip"]) == ("2", "3", ICCID_B)
    st = d.check(1)
    assert (st["result"], st["phase"], st["chip"], st["backup"]) == ("18", "0", ICCID_A, ICCID_A)


@pytest.mark.parametrize("op", ["switch", "failure", "timeout"])
def test_a_slow_modem_at_the_restart_changes_no_decision(exe, setup_flash, tmp_path, op):
    """After a power cut at every write of a switch, a restart whose modem answers the
    ICCID only on the fourth query (the module waits for it) ends exactly as a restart
    whose modem answers at once."""
    net = OPERATIONS[op]
    d = device_from(exe, setup_flash, tmp_path, "new.bin")
    n = d.writes(d.run(f"test_op_{op}", "cut=0"))
    for k in range(1, n + 2):
        states = []
        for boot in ((), ("--nusim-sim-iccid-unavailable=3",)):
            d = device_from(exe, setup_flash, tmp_path, "cut.bin")
            d.run(f"test_op_{op}", f"cut={k}")
            states.append(d.check(net, boot))
        assert states[0] == states[1], f"{op}, power cut at write {k}: {states}"


def test_deferred_load_ends_with_the_restart(exe, setup_flash, tmp_path):
    """A load waiting for the policy is in RAM only: after a restart 508/0/6 says 20
    (interrupted), not 17 forever, and the chip is untouched."""
    d = device_from(exe, setup_flash, tmp_path)
    assert d.state(d.run("test_defer_then_power_off"))["result"] == "17"
    st = d.check(1)
    assert (st["result"], st["chip"], st["backup"], st["link"]) == ("20", ICCID_A, ICCID_A, "1")


def settled(st: dict, op: str, k: int, torn: int):
    where = f"{op}: power cut at write {k} (torn after {torn} bytes)"
    assert st["phase"] == "0", f"{where}: switch left in phase {st['phase']}"
    assert st["chip"] == st["backup"], f"{where}: the nuSIM holds {st['chip']}, the backup is {st['backup']}"
    return where


@pytest.mark.parametrize("op", OPERATIONS)
def test_power_cut_at_every_write(exe, setup_flash, tmp_path, op):
    net = OPERATIONS[op]
    old = device_from(exe, setup_flash, tmp_path, "old.bin").check(net)
    d = device_from(exe, setup_flash, tmp_path, "new.bin")
    n = d.writes(d.run(f"test_op_{op}", "cut=0"))
    new = d.check(net)
    assert n > 0
    assert old != new, f"{op} changed nothing"
    settled(new, op, 0, 0)
    profile = lambda st: (st["chip"], st["backup"])  # noqa: E731
    core = lambda st: {k: v for k, v in st.items() if k not in ("result",)}  # noqa: E731
    cuts = 0
    ended = {"old": 0, "new": 0, "between": 0}
    # k = n + 1: the power goes right after the last write.
    for k in range(1, n + 2):
        for torn in (0, 5):
            d = device_from(exe, setup_flash, tmp_path, "cut.bin")
            d.run(f"test_op_{op}", f"cut={k}", f"torn={torn}")
            st = d.check(net)
            where = settled(st, op, k, torn)
            assert profile(st) in (profile(old), profile(new)), f"{where}: {st}"
            assert st["link"] in (old["link"], new["link"]), f"{where}: {st}"
            # Every 507 value is the old one or the new one; an instance is there or not
            # as before or after, and one being created may still lack values.
            keys = {k for k in (*old, *new, *st) if k.startswith("v")}
            for key in keys:
                allowed = {old.get(key), new.get(key)}
                if key not in old and key in st:
                    allowed.add("00000000")  # created, value not written yet
                assert st.get(key) in allowed, f"{where}: {key}={st.get(key)} not in {allowed}"
            cuts += 1
            ended["old" if core(st) == core(old) else "new" if core(st) == core(new) else "between"] += 1
    print(f"{op}: {n} flash writes, {cuts} power cuts, each followed by a restart: all settled, "
          f"{ended['old']} as before, {ended['new']} as after, {ended['between']} with each "
          f"value old or new")
    # Early cuts lose the operation, late ones keep it: the cuts did cut.
    assert ended["old"] > 0 and ended["new"] > 0, ended
