# Copyright (c) 2026 nusim-lwm2m contributors
# SPDX-License-Identifier: Apache-2.0
"""Carrier switches end to end: samples/nusim_client (or --e2e-sample) on native_sim (the
real Zephyr LwM2M engine, Objects 507/508, the simulated nuSIM) against the aiocoap LwM2M server,
over the TAP interface of a network namespace the suite creates and removes.

The tests run in order on one device, as one server would drive it: each leaves the
device in the state the next starts from. Needs root (namespace, TAP device).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

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

# 508/0/6 values (docs/objects.md, "Result codes").
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
        with Lwm2mServer.for_build(e2e_build, SERVER_ADDR, log=lambda m: None) as srv:
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


@pytest.fixture(autouse=True)
def _step(lab):
    """Each test is a step: its log waits see only the lines printed during it."""
    lab.dev.mark()


def zephyr_version() -> tuple[int, int]:
    """The Zephyr tree's version (the suite's build uses $ZEPHYR_BASE)."""
    zb = Path(os.environ.get("ZEPHYR_BASE", Path.home() / "zephyrproject" / "zephyr"))
    v = {}
    for ln in (zb / "VERSION").read_text().splitlines():
        k, _, val = ln.partition("=")
        v[k.strip()] = val.strip()
    return int(v["VERSION_MAJOR"]), int(v["VERSION_MINOR"])


def tlv_texts(payload: bytes) -> dict[int, str]:
    """The resources of a TLV payload as {resource: text}."""
    out = {}
    for kind, rid, value in codec.tlv_decode(payload):
        assert kind == codec.TLV_RESOURCE, kind
        out[rid] = value.decode()
    return out


def instance_values(payload: bytes) -> dict[int, dict[int, str]]:
    """A TLV read of /507 (object instances wrapping resources) as
    {instance: {resource: text}}."""
    out: dict[int, dict[int, str]] = {}
    for kind, ident, value in codec.tlv_decode(payload):
        assert kind == codec.TLV_INSTANCE, kind
        out[ident] = tlv_texts(value)
    return out


def test_registration_offers_the_objects(lab, request):
    if request.config.getoption("--e2e-sample") == "nusim_client_rust":
        # The Rust main's start, as its sample.yaml's console run checks on qemu.
        out = lab.dev.output()
        assert f"nuSIM ICCID {INITIAL}: 0 stored profile(s), 508/0/6 = 255" in out, out
        assert "Trusted CI keys: 0 (0: the nuSIM decides)" in out, out
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
    n = len(lab.srv.history)
    lab.link_and_load(0)
    assert lab.wait_result(ob_result) == OK
    # The server sees the load accepted (2) before its result (0).
    seen = [x.payload for x in ob_result.notifications]
    assert b"2" in seen and seen.index(b"2") < seen.index(b"0"), seen
    assert ob_iccid.wait(lambda r: r.text() == ICCID_A, 10)
    assert lab.text("/508/0/1") == ICCID_A
    assert lab.text("/508/0/4") == "507:0"
    # The sample reaches the server over the new profile (a registration update), which
    # makes it the backup before the 10 s deadline: no rollback follows.
    lab.srv.wait_for("update", EP, 10, after=n)
    assert lab.srv.registrations[EP].updates > updates
    lab.dev.wait_line(r"backup", 10)
    time.sleep(11)
    assert lab.result() == OK and lab.text("/508/0/1") == ICCID_A
    ob_result.cancel()
    ob_iccid.cancel()


def test_each_instance_reads_back_its_own_values(lab):
    """Two 507 instances holding different values: every read returns exactly what was
    written to each, at object, instance and resource level, in SenML CBOR (whose encoder
    keeps every value's pointer until the message is built), TLV and plain text, single
    message and block-wise (the object read is about 1.3 KB), and in a composite read
    with 508/0/3. Then 507/1 goes away again."""
    a = {rid: lab.text(f"/507/0/{rid}") for rid in range(7)}
    b = package(ICCID_C)
    assert all(a[r] != b[r] for r in (0, 1, 2, 3)), "the packages differ"
    r = lab.srv.create(EP, 507, codec.tlv_instance(1, b), codec.TLV)
    assert r.code.dotted == "2.01", r
    want = {f"/507/{i}/{rid}": v[rid] for i, v in ((0, a), (1, b)) for rid in range(7)}

    got = lab.srv.read(EP, "/507", codec.SENML_CBOR)
    assert got.ok and len(got.payload) > 512, got  # more than one block
    assert codec.senml_cbor_decode(got.payload) == want
    got = lab.srv.read(EP, "/507", codec.TLV)
    assert got.ok and instance_values(got.payload) == {0: a, 1: b}
    for i, v in ((0, a), (1, b)):
        got = lab.srv.read(EP, f"/507/{i}", codec.SENML_CBOR)
        assert codec.senml_cbor_decode(got.payload) == {
            k: x for k, x in want.items() if k.startswith(f"/507/{i}/")
        }
        got = lab.srv.read(EP, f"/507/{i}", codec.TLV)
        assert tlv_texts(got.payload) == v
        for rid in range(7):
            assert lab.text(f"/507/{i}/{rid}") == v[rid]
    paths = ["/507/0/1", "/507/1/1", "/507/0/2", "/507/1/2", "/508/0/3"]
    # Zephyr 3.4's engine takes a request to the root path for one to Object 0 (the
    # Security object) and refuses it 4.01; it reads composite on any other path.
    at = "/" if zephyr_version() >= (3, 5) else "/508"
    got = lab.srv.composite_read(EP, paths, at)
    assert got.ok, got
    values = codec.senml_cbor_decode(got.payload)
    assert {k: values[k] for k in paths[:4]} == {k: want[k] for k in paths[:4]}
    assert values["/508/0/3"] == lab.text("/508/0/3")

    r = lab.srv.delete(EP, "/507/1")
    assert r.code.dotted == "2.02", r
    assert lab.srv.read(EP, "/507/1/0", codec.TEXT).code == Code.NOT_FOUND
    assert {rid: lab.text(f"/507/0/{rid}") for rid in range(7)} == a


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


def test_observers_and_reads_between_blocks_leave_the_write_alone(lab):
    """Observations of the 1 KB value itself and of its instance (pmin 0), and of 508/0/6
    and 508/0/1, are active while a new value arrives block-wise: the notification the engine sends after
    each block and the reads between blocks see the committed value, every block is
    accepted, and the last notification carries the completed value. (Each notification
    is checked by its first 512 bytes: the engine cannot serve the rest of a block-wise
    notification, see Lwm2mServer.observe.) The old value goes back the same way."""
    before = lab.text("/507/1/0")
    other = package(ICCID_C, "--encp-size", "1024")[0]
    assert other[:512] != before[:512] and len(other) == len(before) == 1368
    ob_value = lab.srv.observe(EP, "/507/1/0", codec.TEXT, blockwise=False)
    ob_inst = lab.srv.observe(EP, "/507/1", codec.TLV, blockwise=False)
    ob_result = lab.srv.observe(EP, "/508/0/6", codec.TEXT)
    ob_iccid = lab.srv.observe(EP, "/508/0/1", codec.TEXT)
    assert ob_value.first.payload.decode() == before[:512]
    chunks = [other[i : i + 512].encode() for i in range(0, len(other), 512)]
    for num, chunk in enumerate(chunks):
        more = num < len(chunks) - 1
        r = lab.srv.write_block(EP, "/507/1/0", chunk, codec.TEXT, num, more, 512)
        assert r.ok, f"block {num}: {r.code}"
        if more:
            # The engine notifies after each block; that read sees the committed value.
            n = ob_value.wait(lambda n, k=num: len(ob_value.notifications) > k, 10)
            assert n.payload.decode() == before[:512], f"notification after block {num}"
            n = ob_inst.wait(lambda n, k=num: len(ob_inst.notifications) > k, 10)
            assert before[:400].encode() in n.payload, f"instance after block {num}"
            assert lab.text("/507/1/0") == before, f"read after block {num}"
    assert lab.text("/507/1/0") == other
    last = ob_value.wait(lambda n: n.payload.decode() == other[:512], 10)
    assert ob_value.notifications[-1] is last
    ob_inst.wait(lambda n: other[:400].encode() in n.payload, 10)
    for ob in (ob_value, ob_inst, ob_result, ob_iccid):
        ob.cancel()
    r = lab.srv.write(EP, "/507/1/0", before.encode(), codec.TEXT, block_size=512)
    assert r.ok and r.blocks == 3, r
    assert lab.text("/507/1/0") == before


def test_one_message_too_large_is_refused_not_cut(lab):
    """A single datagram that fills the engine's receive buffer (1,280 bytes; it reads at
    most 1,279, so a full read means more may have come) may have been
    cut: 4.13, and the stored value stays. 1,330 bytes of payload: more than that buffer,
    and less than the largest DTLS record the server's stack sends (1,400 B with its
    header), so over DTLS too the device receives it whole and its socket hands the engine
    the first 1,279 bytes."""
    values = package(ICCID_B, "--encp-size", "1024")
    r = lab.srv.write(EP, "/507/1/0", values[0][:1330].encode(), codec.TEXT)
    assert r.code.dotted == "4.13", r
    assert lab.text("/507/1/0") == values[0]


def test_content_format_is_read_as_the_engine_reads_it(lab):
    """A Content-Format sent in four bytes (0x8000_2D16): the engine keeps its low 16 bits,
    TLV, so the module must see TLV too and refuse it block-wise (5.01), not take it for a
    request without a format and assemble its blocks as plain text."""
    before = lab.text("/507/1/0")
    payload = codec.tlv_resources({0: "A" * 700})
    r = lab.srv.write(EP, "/507/1/0", payload, 0x8000_0000 | codec.TLV, block_size=512)
    assert r.code.dotted == "5.01", r
    assert lab.text("/507/1/0") == before


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
    """A refused write answers 4.00 and the old value is still there."""
    mac, link = lab.text("/507/0/1"), lab.text("/508/0/4")
    r = lab.srv.write(EP, "/507/0/1", b"not hex, not base64!", codec.TEXT)
    assert r.code.dotted == "4.00", r
    assert lab.text("/507/0/1") == mac
    r = lab.srv.write(EP, "/508/0/4", b"507:9", codec.TEXT)
    assert r.code.dotted == "4.00", r
    assert lab.text("/508/0/4") == link


def test_reboot_in_the_middle_of_a_load(lab):
    """Power off while the nuSIM installs (its load takes 1.5 s): after the restart the
    switch is known to have been cut short (20) and the old profile is still there. A new
    execute then switches."""
    values = package(ICCID_C)
    r = lab.srv.write(EP, "/507/0", codec.tlv_resources(values), codec.TLV)
    assert r.ok, r
    lab.link_and_load(0, codec.SENML_CBOR)
    lab.dev.wait_line(r"requested", 10)
    # Execute while the load runs (the nuSIM takes 1.5 s): refused over CoAP with 4.05;
    # then the power goes, still inside the install.
    r = lab.srv.execute(EP, "/508/0/5")
    assert r.code == Code.METHOD_NOT_ALLOWED, r
    lab.dev.stop()
    assert not any("nuSIM profile loaded" in ln for ln in lab.dev.since_mark()), \
        "the load ended before the power cut"
    n = len(lab.srv.history)
    lab.dev.start()
    lab.srv.wait_registration(EP, 30, after=n)
    assert lab.result() == INTERRUPTED
    assert lab.text("/508/0/1") == ICCID_B
    assert lab.text("/508/0/4") == "507:0"
    # What was written came back from the flash, value for value.
    assert {rid: lab.text(f"/507/0/{rid}") for rid in range(7)} == values
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
    Once the server takes it again, the device comes back and is read: the sample's
    back-off starts the client again (1, 2, 4, ... s), which registers it."""
    lab.srv.refuse_update = Code.NOT_FOUND
    lab.srv.refuse_register = Code.FORBIDDEN
    n = len(lab.srv.history)
    try:
        ob = lab.srv.observe(EP, "/508/0/6", codec.TEXT)
        lab.link_and_load(1)  # back to B: a valid profile, but "unreachable"
        assert lab.wait_result(ob) == OK
        lab.dev.wait_line(r"rolled back|back to the backup|backup profile", 30)
    finally:
        back = len(lab.srv.history)
        lab.srv.refuse_update = None
        lab.srv.refuse_register = None
    lab.dev.wait_line(r"result 18", 10)
    assert ("update refused", EP) in lab.srv.history[n:]
    assert ("refused", "") in lab.srv.history[n:], "the device tried to register again"
    deadline = time.monotonic() + 30
    while not any(e in (("register", EP), ("update", EP)) for e in lab.srv.history[back:]):
        assert time.monotonic() < deadline, f"the device did not come back: {lab.srv.history[n:]}"
        time.sleep(0.2)
    assert lab.result() == ROLLED_BACK
    assert lab.text("/508/0/1") == ICCID_C

