# Copyright (c) 2026 nusim-lwm2m contributors
# SPDX-License-Identifier: Apache-2.0
"""From factory state to a carrier switch: the sample with CONFIG_NUSIM_CLIENT_BOOTSTRAP
knows only its bootstrap server and its factory key. The harness's bootstrap server (DTLS,
the factory key) deletes what the device holds (Bootstrap-Delete of "/"), writes the
management server's account (Security /0/1: URI, PSK mode, an identity and a key made for
this run) and its Server instance (/1/1), and finishes. The device registers with the
management server under the provisioned identity only, and that server switches its
carrier. Needs root (namespace, TAP device).
"""

from __future__ import annotations

import os
import time
from urllib.parse import urlsplit

import pytest
from aiocoap import Code
from conftest import EP

from harness import codec
from harness.codec import ObjLink
from harness.device import Device, kconfig
from harness.netns import SERVER_ADDR, Namespace
from harness.packages import package
from harness.server import Lwm2mServer, PskStore

INITIAL = "8949000000000000009"
ICCID_NEW = "8949000000000000017"
DM_PORT = 5684
DM_SSID = 101


@pytest.fixture(scope="module")
def bs_build(e2e_bootstrap_build):
    cfg = kconfig(e2e_bootstrap_build)
    assert cfg.get("CONFIG_NUSIM_CLIENT_BOOTSTRAP") == "y"
    assert cfg["CONFIG_NUSIM_CLIENT_BOOTSTRAP_URI"].startswith("coaps://")
    return e2e_bootstrap_build


def test_from_factory_state_to_a_switch(bs_build):
    cfg = kconfig(bs_build)
    factory = (cfg["CONFIG_NUSIM_CLIENT_PSK_IDENTITY"].encode(),
               bytes.fromhex(cfg["CONFIG_NUSIM_CLIENT_PSK"]))
    bs_port = urlsplit(cfg["CONFIG_NUSIM_CLIENT_BOOTSTRAP_URI"]).port
    dm_identity, dm_key = b"nusim-demo-dm", os.urandom(16)

    def provision(ep):
        security = {0: f"coaps://{SERVER_ADDR}:{DM_PORT}", 1: False, 2: 0,
                    3: dm_identity, 5: dm_key, 10: DM_SSID}
        server = {0: DM_SSID, 1: 30, 6: False, 7: "U"}
        return [
            (Code.DELETE, "/", None, None),
            (Code.PUT, "/0/1", codec.tlv_resources(security), codec.TLV),
            (Code.PUT, "/1/1", codec.tlv_resources(server), codec.TLV),
        ]

    with Namespace():
        dev = Device(bs_build / "zephyr" / "zephyr.exe", bs_build / "flash-bootstrap.bin")
        dev.erase()
        bs = Lwm2mServer(SERVER_ADDR, bs_port, log=lambda m: None,
                         psk=PskStore(dict([factory])), provision=provision)
        dm = Lwm2mServer(SERVER_ADDR, DM_PORT, log=lambda m: None,
                         psk=PskStore({dm_identity: dm_key}))
        with bs, dm:
            dev.start()
            try:
                bs.wait_for("bootstrapped", EP, 30)
                done = bs.bootstrapped[EP]
                assert [c.is_successful() for _, _, c in done] == [True] * 4, done
                reg = dm.wait_registration(EP, 30)
                # Registered under what the bootstrap server provisioned, never the
                # factory identity (which the management server does not know).
                assert reg.claims == (":" + dm_identity.decode(),), reg.claims
                assert {i for _, i in dm.psk.lookups} == {dm_identity}
                assert {i for _, i in bs.psk.lookups} == {factory[0]}
                # The Delete of "/" took 508/0 out of the engine; the module creates it
                # again and the server hears of it (in the registration, or an update).
                dev.wait_line(r"508/0 was deleted in the engine", 1)
                deadline = time.monotonic() + 10
                while not ("/507" in reg.links and "/508/0" in reg.links):
                    assert time.monotonic() < deadline, f"not offered: {reg.links}"
                    time.sleep(0.2)
                assert dm.read(EP, "/508/0/1", codec.TEXT).text() == INITIAL

                # The switch, driven by the provisioned server.
                r = dm.create(EP, 507, codec.tlv_instance(0, package(ICCID_NEW)), codec.TLV)
                assert r.code.dotted == "2.01", r
                r = dm.write(EP, "/508/0/4", codec.plain_text(ObjLink(507, 0)), codec.TEXT)
                assert r.ok, f"link: {r.code}"
                dev.mark()
                r = dm.execute(EP, "/508/0/5")
                assert r.ok, f"execute: {r.code}"
                dev.wait_line(r"reached the network: it is the backup", 15)
                assert dm.read(EP, "/508/0/6", codec.TEXT).text() == "0"
                assert dm.read(EP, "/508/0/1", codec.TEXT).text() == ICCID_NEW
            finally:
                dev.stop()
                (bs_build / "e2e-device.log").write_text("\n".join(dev.lines) + "\n")
        dev.erase()
