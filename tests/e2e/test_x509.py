# Copyright (c) 2026 nusim-lwm2m contributors
# SPDX-License-Identifier: Apache-2.0
"""The sample over DTLS 1.2 with X.509 certificates (overlay-x509.conf) against the
harness's server behind Mbed TLS (harness/x509.py), in a private network namespace.

- The whole switch over certificates: the server authenticates the device by its
  certificate (CN = endpoint name) and the device loads the profile the server sent.
- The device authenticates its server: one whose certificate another CA signed, or that
  the right CA signed for another name, is refused at the handshake (nothing registers,
  the device backs off); once the server shows its own certificate, the device registers.
  (Zephyr's engine alone would not check: on 4.x it turns peer verification off for a
  URI with an IP address, on 3.4.99 unless the application asks; the sample's client
  turns it on.)

Each test boots its own device from an erased flash. Needs root (namespace, TAP device).
"""

from __future__ import annotations

import re
import time

from conftest import EP

from harness import codec
from harness.codec import ObjLink
from harness.device import Device, kconfig
from harness.netns import SERVER_ADDR, Namespace
from harness.packages import package
from harness.server import Lwm2mServer
from harness.x509 import load_pki, make_pki, sign_server

INITIAL = "8949000000000000009"
ICCID_NEW = "8949000000000000017"


def _device(build) -> Device:
    dev = Device(build / "zephyr" / "zephyr.exe", build / "flash-x509.bin")
    dev.erase()
    return dev


def _pki(build):
    return load_pki(kconfig(build)["CONFIG_NUSIM_CLIENT_CERT_DIR"])


def test_switch_over_certificates(e2e_x509_build):
    build = e2e_x509_build
    values = package(ICCID_NEW)
    with Namespace():
        dev = _device(build)
        with Lwm2mServer.for_build(build, SERVER_ADDR, log=lambda m: None) as srv:
            dev.start()
            try:
                dev.wait_line(r"Endpoint nusim-demo, server coaps://192\.0\.2\.2:5684, "
                              r"DTLS with X\.509 certificates", 10)
                reg = srv.wait_registration(EP, 30)
                # One handshake, which authenticated the device's certificate (the harness
                # registers no other).
                assert reg.claims == (f"CN={EP}",)
                assert [o for _, _, o, _ in srv.front.handshakes] == ["ok"], srv.front.handshakes
                assert srv.read(EP, "/508/0/1", codec.TEXT).text() == INITIAL

                ob = srv.observe(EP, "/508/0/6", codec.TEXT)
                r = srv.create(EP, 507, codec.tlv_instance(0, values), codec.TLV)
                assert r.code.is_successful(), r
                link = codec.plain_text(ObjLink(507, 0))
                assert srv.write(EP, "/508/0/4", link, codec.TEXT).code.is_successful()
                assert srv.execute(EP, "/508/0/5").code.is_successful()
                n = ob.wait(lambda r: r.payload not in (b"2", b"255"), 30)
                assert n.payload == b"0", n
                assert srv.read(EP, "/508/0/1", codec.TEXT).text() == ICCID_NEW
            finally:
                dev.stop()
                dev.erase()


def test_a_server_the_device_cannot_verify_is_refused(e2e_x509_build, tmp_path):
    """The server first shows a certificate of another CA (for the right name), then one
    of the device's CA for another name (while it trusts the device's certificate all
    along): the device refuses both at the handshake, with an alert, and backs off (1 s,
    then 2 s). Then the server's own certificate: the device registers."""
    build = e2e_x509_build
    pki = _pki(build)
    stranger = make_pki(tmp_path, EP, SERVER_ADDR)
    other_name, other_name_key = sign_server(pki, "lwm2m.other.test")
    with Namespace():
        dev = _device(build)
        srv = Lwm2mServer.for_build(build, SERVER_ADDR, log=lambda m: None)
        srv.front.set_credentials(stranger.server, stranger.ca, stranger.server_key,
                                  "another CA")
        with srv:
            dev.start()
            try:
                dev.wait_line(r"Registration failed: trying again in 1 s\b", 60)
                srv.front.set_credentials(other_name, pki.ca, other_name_key, "another name")
                dev.mark()
                dev.wait_line(r"Registration failed: trying again in 2 s\b", 60)
                assert not srv.registrations
                assert "register" not in [e for e, _ in srv.history], srv.history
                seen = srv.front.handshakes
                assert "ok" not in [o for _, _, o, _ in seen], seen
                # Each certificate was shown and refused by the device's check (its alert
                # ends the server's handshake), and no attempt failed otherwise.
                assert all(re.search(r"(?i)fatal alert", o) for _, _, o, _ in seen), seen
                for label in ("another CA", "another name"):
                    assert any(lb == label and re.search(r"(?i)fatal alert", o)
                               for _, _, o, lb in seen), (label, seen)

                srv.front.set_credentials(*pki.server_credentials())
                started = time.monotonic()
                reg = srv.wait_registration(EP, 40)
                assert reg.claims == (f"CN={EP}",)
                # The next attempt, after the 2 s wait, registers.
                assert time.monotonic() - started < 15
                assert srv.read(EP, "/508/0/1", codec.TEXT).text() == INITIAL
            finally:
                dev.stop()
                dev.erase()
