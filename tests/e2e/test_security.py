# Copyright (c) 2026 nusim-lwm2m contributors
# SPDX-License-Identifier: Apache-2.0
"""Who may switch the carrier: the sample over DTLS 1.2 with a pre-shared key (its default)
against the aiocoap server's DTLS side, in a private network namespace.

- A server that holds another key is refused; the device keeps trying, each wait longer
  than the last, and registers at its next attempt once the server holds its key.
- Requests that claim to come from the server but are not inside its DTLS session (a
  forged source address and port, which the device's UDP layer is shown to receive)
  store nothing and load nothing, while the very same requests inside the session do
  switch the carrier.

Each test boots its own device from an erased flash. Needs root (namespace, TAP device,
raw socket).
"""

from __future__ import annotations

import random
import time

import aiocoap
import pytest
from aiocoap import Code
from conftest import EP

from harness import codec
from harness.codec import ObjLink
from harness.device import Device, kconfig
from harness.forge import port_unreachable_answers, send_udp
from harness.netns import SERVER_ADDR, Namespace
from harness.packages import package
from harness.server import Lwm2mServer

INITIAL = "8949000000000000009"
ICCID_NEW = "8949000000000000017"


@pytest.fixture(scope="module")
def dtls_build(e2e_build):
    uri = kconfig(e2e_build)["CONFIG_NUSIM_CLIENT_SERVER_URI"]
    assert uri.startswith("coaps://"), f"the suite's build must use DTLS, not {uri}"
    return e2e_build


def _device(build) -> Device:
    dev = Device(build / "zephyr" / "zephyr.exe", build / "flash-security.bin")
    dev.erase()
    return dev


def _groups(lookups: list[tuple[float, bytes]], quiet: float = 0.5) -> list[tuple[float, float]]:
    """Handshake attempts as (first, last) lookup times, a new attempt after `quiet` s
    without a lookup (the DTLS stack asks for the key up to three times per handshake,
    and Zephyr 3.4's engine retries several times at once)."""
    out: list[list[float]] = []
    for t, _ in lookups:
        if out and t - out[-1][1] < quiet:
            out[-1][1] = t
        else:
            out.append([t, t])
    return [(a, b) for a, b in out]


def _wait_in_order(dev: Device, patterns: list[str], timeout: float) -> None:
    """Each pattern matched by a line printed since the last mark, in this order."""
    import re

    deadline = time.monotonic() + timeout
    while True:
        lines, i = dev.since_mark(), 0
        for line in lines:
            if i < len(patterns) and re.search(patterns[i], line):
                i += 1
        if i == len(patterns):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"not in order within {timeout} s: {patterns[i:]}")
        time.sleep(0.2)


def test_a_server_with_another_key_is_refused_and_retried_with_backoff(dtls_build):
    """The server holds another key for the device's identity: every handshake fails (the
    device's Finished does not decrypt, so the server drops it and the device's handshake
    times out), nothing registers, and the device keeps trying, ever more slowly: after
    each failed round (an attempt and the engine's one retry) the sample waits 1, 2, 4 s
    (CONFIG_NUSIM_CLIENT_RETRY_SECONDS, doubled). Once the server holds the device's key,
    the next attempt registers."""
    cfg = kconfig(dtls_build)
    identity = cfg["CONFIG_NUSIM_CLIENT_PSK_IDENTITY"].encode()
    key = bytes.fromhex(cfg["CONFIG_NUSIM_CLIENT_PSK"])
    other = bytes(b ^ 0x5A for b in key)
    with Namespace():
        dev = _device(dtls_build)
        srv = Lwm2mServer.for_build(dtls_build, SERVER_ADDR, log=lambda m: None,
                                    keys={identity: other})
        with srv:
            dev.start()
            try:
                waits = [rf"Registration failed: trying again in {s} s\b" for s in (1, 2, 4)]
                _wait_in_order(dev, waits, 60)
                groups = _groups(srv.psk.lookups)
                # Two attempts a round, three rounds.
                assert len(groups) >= 6, f"attempts: {groups}"
                assert all(i == identity for _, i in srv.psk.lookups)
                assert "register" not in [e for e, _ in srv.history], srv.history
                assert not srv.registrations
                starts = [a for a, _ in groups]
                gaps = [b - a for a, b in zip(starts, starts[1:])]
                assert min(gaps) >= 1.0, gaps

                srv.psk.keys[identity] = key
                reg = srv.wait_registration(EP, 40)
                assert reg.claims == (":" + identity.decode(),)
                r = srv.read(EP, "/508/0/1", codec.TEXT)
                assert r.ok and r.text() == INITIAL, r
            finally:
                dev.stop()
                dev.erase()


def _coap(code: Code, path: str, payload: bytes = b"", cf: int | None = None) -> bytes:
    msg = aiocoap.Message(mtype=aiocoap.CON, mid=random.getrandbits(16),
                          token=random.getrandbits(32).to_bytes(4, "big"), code=code,
                          payload=payload)
    msg.opt.uri_path = tuple(p for p in path.strip("/").split("/") if p)
    if cf is not None:
        msg.opt.content_format = cf
    return msg.encode()


def test_requests_outside_the_session_store_and_load_nothing(dtls_build):
    values = package(ICCID_NEW)
    instance = codec.tlv_instance(0, values)
    link = codec.plain_text(ObjLink(507, 0))
    with Namespace():
        dev = _device(dtls_build)
        with Lwm2mServer.for_build(dtls_build, SERVER_ADDR, log=lambda m: None) as srv:
            dev.start()
            try:
                reg = srv.wait_registration(EP, 30)
                host, port = reg.remote.hostinfo.rsplit(":", 1)
                device = (host, int(port))
                assert srv.read(EP, "/507/0", codec.TLV).code == Code.NOT_FOUND

                # Forged datagrams reach the device's UDP layer whole: one to a port
                # nothing listens on is answered with ICMP port unreachable.
                assert port_unreachable_answers((SERVER_ADDR, srv.port), (host, 9))

                # The whole switch, from the server's address and port, outside DTLS.
                ob = srv.observe(EP, "/508/0/6", codec.TEXT)
                for req in (_coap(Code.POST, "/507", instance, codec.TLV),
                            _coap(Code.PUT, "/508/0/4", link, codec.TEXT),
                            _coap(Code.POST, "/508/0/5")):
                    send_udp((SERVER_ADDR, srv.port), device, req)
                    time.sleep(0.5)
                time.sleep(3)  # a load the execute started would take 1.5 s

                assert srv.read(EP, "/507/0", codec.TLV).code == Code.NOT_FOUND
                r = srv.read(EP, "/508/0/4", codec.TEXT)
                assert r.ok and r.payload != link, r
                assert srv.read(EP, "/508/0/6", codec.TEXT).text() == "255"
                assert srv.read(EP, "/508/0/1", codec.TEXT).text() == INITIAL
                assert all(n.payload == b"255" for n in ob.notifications), ob.notifications

                # The same three requests inside the session switch the carrier.
                assert srv.create(EP, 507, instance, codec.TLV).code == Code.CREATED
                assert srv.write(EP, "/508/0/4", link, codec.TEXT).code == Code.CHANGED
                assert srv.execute(EP, "/508/0/5").code == Code.CHANGED
                n = ob.wait(lambda r: r.payload not in (b"2", b"255"), 30)
                assert n.payload == b"0"
                assert srv.read(EP, "/508/0/1", codec.TEXT).text() == ICCID_NEW
            finally:
                dev.stop()
                dev.erase()
