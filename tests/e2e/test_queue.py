# Copyright (c) 2026 nusim-lwm2m contributors
# SPDX-License-Identifier: Apache-2.0
"""A carrier switch in LwM2M queue mode: the sample with overlay-queue.conf (binding U
with Q, listening 10 s after its last message, its socket closed in between, over DTLS),
against a server that holds its requests while the device sleeps, in a private network
namespace.

The device registers in queue mode and falls asleep; a request sent to it then is not
answered. The server holds the switch (create 507/0, link 508/0/4, execute 508/0/5) until
the device's next registration update, and the device, awake again, takes all three. The
nuSIM's load (12 s here, queue.overlay) outlasts the device's 10 s of listening, so it is
asleep when the load ends: the update the module asks for wakes it and proves the new
profile before the deadline.

Needs root (namespace, TAP device).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import time

import aiocoap
import aiocoap.error
import re

import pytest
from conftest import EP

from harness import codec
from harness.codec import ObjLink
from harness.device import Device, kconfig
from harness.netns import SERVER_ADDR, Namespace
from harness.packages import package
from harness.server import Lwm2mServer

INITIAL = "8949000000000000009"
ICCID_NEW = "8949000000000000017"
ASLEEP = r"Queue mode: not listening"


def _uptime(line: str) -> float:
    """The device's uptime in seconds from a log line's [hh:mm:ss.mmm,uuu] stamp."""
    m = re.search(r"\[(\d+):(\d+):(\d+)\.(\d+),", line)
    assert m, f"no time stamp: {line}"
    h, mi, s, ms = (int(g) for g in m.groups())
    return h * 3600 + mi * 60 + s + ms / 1000


@pytest.fixture(scope="module")
def queue_build(e2e_queue_build):
    cfg = kconfig(e2e_queue_build)
    assert cfg.get("CONFIG_LWM2M_QUEUE_MODE_ENABLED") == "y", "the build is not in queue mode"
    assert cfg["CONFIG_NUSIM_CLIENT_SERVER_URI"].startswith("coaps://")
    return e2e_queue_build


def test_a_sleeping_device_gets_the_switch_when_it_wakes(queue_build):
    awake_s = float(kconfig(queue_build)["CONFIG_LWM2M_QUEUE_MODE_UPTIME"])
    values = package(ICCID_NEW)
    with Namespace():
        dev = Device(queue_build / "zephyr" / "zephyr.exe", queue_build / "flash-queue.bin")
        dev.erase()
        srv = Lwm2mServer.for_build(queue_build, SERVER_ADDR, log=lambda m: None)
        assert srv.awake_s == awake_s
        with srv:
            dev.start()
            try:
                reg = srv.wait_registration(EP, 30)
                assert reg.queue, f"registered without queue mode: binding {reg.binding}"
                assert srv.read(EP, "/508/0/1", codec.TEXT).text() == INITIAL

                # Asleep: the device says so, and a request now is not answered (its
                # socket is closed until it has something to send).
                dev.mark()
                dev.wait_line(ASLEEP, awake_s + 5)
                assert srv.asleep(EP)
                try:
                    r = srv.read(EP, "/508/0/1", codec.TEXT, hold=False, timeout=3)
                except (TimeoutError, aiocoap.error.Error, OSError, asyncio.CancelledError,
                        concurrent.futures.CancelledError):
                    r = None  # no answer in time, or the network refused it
                assert r is None or not r.ok, f"a sleeping device answered: {r}"

                # The server holds the switch until the device wakes for its update.
                n = len(srv.history)
                r = srv.create(EP, 507, codec.tlv_instance(0, values), codec.TLV)
                woke = [e for e in srv.history[n:] if e[1] == EP]
                assert ("update", EP) in woke, f"sent before the device woke: {woke}"
                assert r.code.dotted == "2.01", r
                dev.mark()
                r = srv.write(EP, "/508/0/4", codec.plain_text(ObjLink(507, 0)), codec.TEXT)
                assert r.ok, f"link: {r.code}"
                r = srv.execute(EP, "/508/0/5")
                assert r.ok, f"execute: {r.code}"

                # The device falls asleep during the nuSIM's load; the update the module
                # asks for once it ended wakes it and proves the new profile.
                dev.wait_line(r"nuSIM profile loaded", 20)
                dev.wait_line(r"reached the network: it is the backup", 10)
                lines = dev.since_mark()
                at = {k: next(i for i, ln in enumerate(lines) if re.search(p, ln))
                      for k, p in (("asleep", ASLEEP), ("loaded", r"nuSIM profile loaded"),
                                   ("proven", r"reached the network"))}
                assert at["asleep"] < at["loaded"] < at["proven"], at
                # At once: the module's request, not the next periodic update (due some
                # 8 s after the load's end).
                took = _uptime(lines[at["proven"]]) - _uptime(lines[at["loaded"]])
                assert 0 <= took < 3, f"proven {took:.2f} s after the load"
                assert srv.read(EP, "/508/0/6", codec.TEXT).text() == "0"
                assert srv.read(EP, "/508/0/1", codec.TEXT).text() == ICCID_NEW

                # It sleeps again, and the switch stays after the 10 s deadline.
                dev.mark()
                dev.wait_line(ASLEEP, awake_s + 5)
                time.sleep(2)
                assert srv.read(EP, "/508/0/6", codec.TEXT).text() == "0"
                assert srv.read(EP, "/508/0/1", codec.TEXT).text() == ICCID_NEW
                assert not any("backup profile loaded again" in ln for ln in dev.lines)
            finally:
                dev.stop()
                (queue_build / "e2e-device.log").write_text("\n".join(dev.lines) + "\n")
        dev.erase()
