# Copyright (c) 2026 nusim-lwm2m contributors
# SPDX-License-Identifier: Apache-2.0
"""Carrier switches end to end: samples/nusim_client on native_sim_64 (the real Zephyr
LwM2M engine, Objects 507/508, the simulated nuSIM) against the aiocoap LwM2M server,
over the TAP interface of a network namespace the suite creates and removes.

The tests run in order on one device, as one server would drive it: each leaves the
device in the state the next starts from. Needs root (namespace, TAP device).
"""

from __future__ import annotations

import os
import time

import pytest
from aiocoap import Code
from conftest import EP

from harness import codec
from harness.codec import ObjLink
from harness.device import Device
from harness.netns import SERVER_ADDR, Namespace
from harness.packages import package
from harness.server import Lwm2mServer

INITIAL = "8949000000000000009"  # the simulator's bootstrap profile (sample's devicetree)
ICCID_A = "8949000000000000017"
ICCID_B = "89490000000000000330"
ICCID_C = "8949000000000000025"

# 508/0/6 values (README, "Object 508").
OK, IN_PROGRESS, ROLLED_BACK, INTERRUPTED = 0, 2, 18, 20


class Lab:
    def __init__(self, server: Lwm2mServer, device: Device):
        self.srv, self.dev = server, device

    def text(self, path: str) -> str:
        r = self.srv.read(EP, path, codec.TEXT)
        assert r.ok, f"read {path}: {r.code}"
        return r.text()

    def result(self) -> int:
        return int(self.text("/508/0/6"))

    def link_and_load(self, inst: int, fmt: int = codec.TEXT) -> None:
        link = ObjLink(507, inst)
        if fmt == codec.TLV:
            payload = codec.tlv_resources({4: link})
        elif fmt == codec.SENML_CBOR:
            payload = codec.senml_cbor("/508/0/", {4: link})
        else:
            payload = codec.plain_text(link)
        r = self.srv.write(EP, "/508/0/4", payload, fmt)
        assert r.ok, f"link: {r.code}"
        r = self.srv.execute(EP, "/508/0/5")
        assert r.ok, f"execute: {r.code}"

    def wait_result(self, ob, timeout: float = 30) -> int:
        n = ob.wait(lambda r: r.payload not in (b"2", b"255"), timeout)
        return int(n.payload)


@pytest.fixture(scope="module")
def lab(e2e_build):
    flash = e2e_build / "flash-e2e.bin"
    with Namespace():
        dev = Device(e2e_build / "zephyr" / "zephyr.exe", flash)
        dev.erase()
        with Lwm2mServer(SERVER_ADDR, 5683, log=lambda m: None) as srv:
            dev.start()
            try:
                srv.wait_registration(EP, 30)
                yield Lab(srv, dev)
            finally:
                dev.stop()
                # All boots' output, for a failure's post-mortem.
                (e2e_build / "e2e-device.log").write_text("\n".join(dev.lines) + "\n")
                if os.environ.get("NUSIM_E2E_LOG"):
                    print("\n".join(dev.lines))
        dev.erase()


def test_registration_offers_the_objects(lab):
    reg = lab.srv.registrations[EP]
    assert "/507" in reg.links and "/508/0" in reg.links
    assert reg.version == "1.1"
    assert lab.text("/508/0/1") == INITIAL
    assert len(lab.text("/508/0/0")) == 32
    assert lab.result() == 255


def test_read_508_whole_in_tlv_and_senml_cbor(lab):
    """508/0 read whole in both formats agrees with single reads in plain text; the
    certificate (about 0.7 KB of base64, so the TLV answer comes block-wise) is DER."""
    import base64

    single = {r: lab.text(f"/508/0/{r}") for r in (0, 1, 3, 6)}
    tlv = lab.srv.read(EP, "/508/0", codec.TLV)
    assert tlv.ok and tlv.content_format == codec.TLV, tlv
    got = {i: v for _, i, v in codec.tlv_decode(tlv.payload)}
    assert set(got) == {0, 1, 2, 3, 4, 6}  # 5 is the execute
    for r in (0, 1, 3):
        assert got[r].decode() == single[r]
    assert codec.tlv_int(got[6]) == int(single[6])
    assert codec.tlv_objlnk(got[4]) == codec.NULL_LINK
    assert got[2] == bytes([0x01, 0x01])  # capabilities: version 1, DP authentication
    senml = codec.senml_cbor_decode(lab.srv.read(EP, "/508/0", codec.SENML_CBOR).payload)
    assert senml["/508/0/1"] == single[1] and senml["/508/0/3"] == single[3]
    assert senml["/508/0/4"] == codec.NULL_LINK and senml["/508/0/6"] == int(single[6])
    der = base64.b64decode(single[3], validate=True)
    assert der[0] == 0x30 and len(der) > 200


def test_switch_with_a_tlv_instance(lab):
    """Create 507/0 with one TLV write, link it, execute: the ICCID changes, the result is
    0, and both observations notify."""
    values = package(ICCID_A)
    r = lab.srv.create(EP, 507, codec.tlv_instance(0, values), codec.TLV)
    assert r.code.dotted == "2.01", r
    for rid, text in values.items():
        assert lab.text(f"/507/0/{rid}") == text
    ob_result = lab.srv.observe(EP, "/508/0/6", codec.TEXT)
    ob_iccid = lab.srv.observe(EP, "/508/0/1", codec.TEXT)
    assert ob_result.first.payload == b"255"
    updates = lab.srv.registrations[EP].updates
    lab.link_and_load(0)
    assert lab.wait_result(ob_result) == OK
    assert ob_iccid.wait(lambda r: r.text() == ICCID_A, 10)
    assert lab.text("/508/0/1") == ICCID_A
    assert lab.text("/508/0/4") == "507:0"
    # The sample reaches the server over the new profile (a registration update), which
    # makes it the backup before the 10 s deadline: no rollback follows.
    lab.srv.wait_for("update", EP, 10)
    assert lab.srv.registrations[EP].updates > updates
    lab.dev.wait_line(r"backup", 10)
    time.sleep(11)
    assert lab.result() == OK and lab.text("/508/0/1") == ICCID_A
    ob_result.cancel()
    ob_iccid.cancel()


def test_second_switch_with_senml_cbor_and_a_1kb_encp(lab):
    """The real profile size: a 1,024-byte encP (1,368 characters of base64) reaches the
    device block-wise in plain text; the other six values in one SenML CBOR write."""
    values = package(ICCID_B, "--encp-size", "1024")
    assert len(values[0]) == 1368
    r = lab.srv.create(EP, 507, codec.tlv_instance(1, {}), codec.TLV)
    assert r.code.dotted == "2.01", r
    small = {k: v for k, v in values.items() if k != 0}
    r = lab.srv.write(EP, "/507/1", codec.senml_cbor("/507/1/", small), codec.SENML_CBOR,
                      replace=False)
    assert r.ok, r
    r = lab.srv.write(EP, "/507/1/0", values[0].encode(), codec.TEXT, block_size=512)
    assert r.ok and r.blocks == 3, r
    got = lab.srv.read(EP, "/507/1", codec.SENML_CBOR)  # 1.9 KB: read back block-wise
    assert got.ok, got
    assert codec.senml_cbor_decode(got.payload) == {
        f"/507/1/{k}": v for k, v in values.items()
    }
    ob = lab.srv.observe(EP, "/508/0/6", codec.TEXT)
    lab.link_and_load(1, codec.TLV)
    assert lab.wait_result(ob) == OK
    assert lab.text("/508/0/1") == ICCID_B
    lab.dev.wait_line(r"backup", 12)
    ob.cancel()


def test_a_read_between_blocks_abandons_the_write(lab):
    """The staging buffer is shared: a read of 507 between two blocks abandons the value
    being assembled, its next block gets 4.08, and the stored value stays."""
    values = package(ICCID_B, "--encp-size", "1024")
    before = lab.text("/507/1/0")
    text = values[0][::-1].encode()  # valid base64 characters, another value
    r = lab.srv.write_block(EP, "/507/1/0", text[:512], codec.TEXT, 0, True, 512)
    assert r.ok, r
    assert lab.text("/507/1/1") == values[1]
    r = lab.srv.write_block(EP, "/507/1/0", text[512:1024], codec.TEXT, 1, True, 512)
    assert r.code.dotted == "4.08", r
    lab.dev.wait_line(r"block-wise 507 write was abandoned", 5)
    assert lab.text("/507/1/0") == before


def test_one_message_too_large_is_refused_not_cut(lab):
    """A single datagram that fills the engine's 1,280-byte receive buffer may have been
    cut: 4.13, and the stored value stays."""
    values = package(ICCID_B, "--encp-size", "1024")
    r = lab.srv.write(EP, "/507/1/0", values[0].encode(), codec.TEXT)
    assert r.code.dotted == "4.13", r
    assert lab.text("/507/1/0") == values[0]


@pytest.mark.parametrize(
    "kind,code",
    [("other-ci", 6), ("sig-kpubdp", 7), ("sig-ekpubdp", 8), ("encp", 9), ("unparsable", 10)],
)
def test_rejected_package(lab, kind, code):
    """Each failure class gets its own 508/0/6 code; the profile and ICCID stay."""
    values = package(ICCID_C, "--break", kind)
    r = lab.srv.write(EP, "/507/0", codec.tlv_resources(values), codec.TLV)
    assert r.ok, r
    before = lab.text("/508/0/1")
    ob = lab.srv.observe(EP, "/508/0/6", codec.TEXT)
    lab.link_and_load(0)
    assert lab.wait_result(ob) == code
    assert lab.text("/508/0/1") == before == ICCID_B
    ob.cancel()


def test_bad_value_is_refused(lab):
    r = lab.srv.write(EP, "/507/0/1", b"not hex, not base64!", codec.TEXT)
    assert r.code.dotted == "4.00", r
    r = lab.srv.write(EP, "/508/0/4", b"507:9", codec.TEXT)
    assert r.code.dotted == "4.00", r


def test_reboot_in_the_middle_of_a_load(lab):
    """Power off while the nuSIM installs (its load takes 1.5 s): after the restart the
    switch is known to have been cut short (20) and the old profile is still there. A new
    execute then switches."""
    values = package(ICCID_C)
    r = lab.srv.write(EP, "/507/0", codec.tlv_resources(values), codec.TLV)
    assert r.ok, r
    lab.link_and_load(0, codec.SENML_CBOR)
    lab.dev.wait_line(r"requested", 10)
    time.sleep(0.5)  # inside the nuSIM's 1.5 s install
    lab.dev.stop()
    n = len(lab.srv.history)
    lab.dev.start()
    lab.srv.wait_registration(EP, 30, after=n)
    assert lab.result() == INTERRUPTED
    assert lab.text("/508/0/1") == ICCID_B
    assert lab.text("/508/0/4") == "507:0"
    ob = lab.srv.observe(EP, "/508/0/6", codec.TEXT)
    r = lab.srv.execute(EP, "/508/0/5")
    assert r.ok, r
    assert lab.wait_result(ob) == OK
    assert lab.text("/508/0/1") == ICCID_C
    lab.dev.wait_line(r"backup", 12)
    ob.cancel()


def test_fallback_when_the_new_profile_does_not_reach_the_server(lab):
    """After a switch the server refuses the device (as if the new carrier could not reach
    it): the deadline passes and the device returns to its backup profile (18) by itself.
    Once the server takes it again, the sample's retry registers it and it is read."""
    lab.srv.refuse_update = Code.NOT_FOUND
    lab.srv.refuse_register = Code.FORBIDDEN
    n = len(lab.srv.history)
    try:
        ob = lab.srv.observe(EP, "/508/0/6", codec.TEXT)
        lab.link_and_load(1)  # back to B: a valid profile, but "unreachable"
        assert lab.wait_result(ob) == OK
        lab.dev.wait_line(r"rolled back|back to the backup|backup profile", 30)
    finally:
        lab.srv.refuse_update = None
        lab.srv.refuse_register = None
    lab.dev.wait_line(r"result 18", 10)
    assert ("update refused", EP) in lab.srv.history[n:]
    assert ("refused", "") in lab.srv.history[n:], "the device tried to register again"
    lab.srv.wait_registration(EP, 20, after=n)
    assert lab.result() == ROLLED_BACK
    assert lab.text("/508/0/1") == ICCID_C

