# Copyright (c) 2026 nusim-lwm2m contributors
# SPDX-License-Identifier: Apache-2.0
"""A carrier switch in LwM2M queue mode: the sample with overlay-queue.conf (binding U
with Q, listening 10 s after its last message, its socket closed in between, over DTLS),
against a server that holds its requests while the device sleeps, in a private network
namespace.

The device registers in queue mode and falls asleep; a request sent to it then is not
answered. The server holds the switch (create 507/0, link 508/0/4, execute 508/0/5) until
the device's next registration update, and the device, awake again, takes all three and
switches. The update the module asks for after the load proves the new profile before the
deadline, although the device sleeps in between.

Needs root (namespace, TAP device).
"""

from __future__ import annotations

import time

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
                except Exception:  # no answer in time, or the network refused it
                    r = None
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

                # The nuSIM's load (1.5 s), then the update the module asks for: the new
                # profile is proven and becomes the backup.
                dev.wait_line(r"nuSIM profile loaded", 10)
                dev.wait_line(r"reached the network: it is the backup", 10)
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
