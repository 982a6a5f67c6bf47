# Copyright (c) 2026 nusim-lwm2m contributors
# SPDX-License-Identifier: Apache-2.0
"""Who may switch the carrier: the sample over DTLS 1.2 with a pre-shared key (its default)
against the aiocoap server's DTLS side, in a private network namespace.

- A server that holds another key is refused; the device keeps trying, each wait longer
  than the last, and registers as soon as the server holds its key.
- Requests that claim to come from the server but are not inside its DTLS session (a
  forged source address and port) store nothing and load nothing, while the very same
  requests inside the session do switch the carrier.

Each test boots its own device from an erased flash. Needs root (namespace, TAP device,
raw socket).
"""

from __future__ import annotations

import random
import socket
import time

import aiocoap
import pytest
from aiocoap import Code
from conftest import EP

from harness import codec
from harness.codec import ObjLink
from harness.device import Device, kconfig
from harness.forge import send_udp
from harness.netns import CLIENT_ADDR, SERVER_ADDR, Namespace
from harness.packages import package
from harness.server import Lwm2mServer, PskStore

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


def test_a_server_with_another_key_is_refused_and_retried_with_backoff(dtls_build):
    """The server holds another key for the device's identity: every handshake fails (the
    device's Finished does not decrypt, so the server drops it and the device's handshake
    times out), nothing registers, and the device keeps trying without ever speeding up:
    Zephyr 4.x's engine waits 1, 2, 4, 8 s between its retries, 3.4's retries at once
    after each 3 s handshake timeout, and after five the sample waits 1, 2, 4, ... s
    (CONFIG_NUSIM_CLIENT_RETRY_SECONDS) before the next round. Once the server holds the
    device's key, the next attempt registers."""
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
                deadline = time.monotonic() + 45
                while len(_groups(srv.psk.lookups)) < 4 and time.monotonic() < deadline:
                    time.sleep(0.2)
                groups = _groups(srv.psk.lookups)
                assert len(groups) >= 4, f"attempts: {groups}"
                assert all(i == identity for _, i in srv.psk.lookups)
                assert "register" not in [e for e, _ in srv.history], srv.history
                assert not srv.registrations
                # From one attempt's start to the next: never under a second, never
                # shorter than the one before.
                starts = [a for a, _ in groups]
                gaps = [b - a for a, b in zip(starts, starts[1:])]
                assert min(gaps) >= 1.0, gaps
                assert all(g2 >= g1 - 0.3 for g1, g2 in zip(gaps, gaps[1:])), gaps

                srv.psk.keys[identity] = key
                reg = srv.wait_registration(EP, 40)
                assert reg.claims == (":" + identity.decode(),)
                r = srv.read(EP, "/508/0/1", codec.TEXT)
                assert r.ok and r.text() == INITIAL, r
            finally:
                dev.stop()
                dev.erase()


def test_the_forge_reaches_a_socket():
    """The forged datagrams of the next test are well formed: a socket receives one with
    the source it claims and its payload."""
    with Namespace():
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as rx:
            rx.bind((SERVER_ADDR, 0))
            rx.settimeout(5)
            port = rx.getsockname()[1]
            send_udp((CLIENT_ADDR, 40404), (SERVER_ADDR, port), b"forged")
            data, src = rx.recvfrom(64)
    assert (data, src) == (b"forged", (CLIENT_ADDR, 40404))


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

                # The whole switch, from the server's address and port, outside DTLS.
                ob = srv.observe(EP, "/508/0/6", codec.TEXT)
                for req in (_coap(Code.POST, "/507", instance, codec.TLV),
                            _coap(Code.PUT, "/508/0/4", link, codec.TEXT),
                            _coap(Code.POST, "/508/0/5")):
                    send_udp((SERVER_ADDR, srv.port), device, req)
                    time.sleep(0.5)
                time.sleep(3)  # a load the execute started would take 1.5 s

                assert srv.read(EP, "/507/0", codec.TLV).code == Code.NOT_FOUND
                assert srv.read(EP, "/508/0/4", codec.TEXT).payload != link
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
