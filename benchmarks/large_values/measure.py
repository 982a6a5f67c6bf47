# Copyright (c) 2026 nusim-lwm2m contributors
# SPDX-License-Identifier: Apache-2.0
"""Measures, on the real engine, the largest encP (decoded bytes, a multiple of 16) that a
server can deliver to samples/nusim_client per content format, in one message and
block-wise. Run as root (it makes its own network namespace):

    sudo scripts/bench-large

For each way of writing, encP grows by 16 bytes from 16 until the write is refused or what
reads back differs; the other six values are a real package's, in base64.
"""

from __future__ import annotations

import base64
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "e2e"))

from harness import codec  # noqa: E402
from harness.device import Device  # noqa: E402
from harness.netns import SERVER_ADDR, Namespace  # noqa: E402
from harness.packages import package  # noqa: E402
from harness.server import Lwm2mServer  # noqa: E402

EP = "nusim-demo"
ROOT = Path(__file__).resolve().parents[2]


def encp_text(n: int, hexa: bool) -> str:
    raw = os.urandom(n)
    return raw.hex().upper() if hexa else base64.b64encode(raw).decode()


def ways(values):
    """(name, write(srv, text) -> Response, readback path)."""
    others = {k: v for k, v in values.items() if k != 0}

    def text_single(block):
        return lambda srv, t: srv.write(EP, "/507/0/0", t.encode(), codec.TEXT, block_size=block)

    def tlv_instance(block):
        return lambda srv, t: srv.write(
            EP, "/507/0", codec.tlv_resources({0: t, **others}), codec.TLV, block_size=block)

    def tlv_single(block):
        return lambda srv, t: srv.write(
            EP, "/507/0/0", codec.tlv_resources({0: t}), codec.TLV, block_size=block)

    def senml_instance(block):
        return lambda srv, t: srv.write(
            EP, "/507/0", codec.senml_cbor("/507/0/", {0: t, **others}), codec.SENML_CBOR,
            block_size=block)

    def senml_single(block):
        return lambda srv, t: srv.write(
            EP, "/507/0/0", codec.senml_cbor("/507/0/", {0: t}), codec.SENML_CBOR,
            block_size=block)

    for hexa in (False, True):
        enc = "hex" if hexa else "base64"
        yield f"plain text, 507/0/0, {enc}, one message", text_single(None), hexa
        yield f"plain text, 507/0/0, {enc}, Block1 512", text_single(512), hexa
        yield f"plain text, 507/0/0, {enc}, Block1 1024", text_single(1024), hexa
    yield "TLV, 507/0/0, base64, one message", tlv_single(None), False
    yield "TLV, 507/0/0, base64, Block1 512", tlv_single(512), False
    yield "TLV, whole 507/0, base64, one message", tlv_instance(None), False
    yield "TLV, whole 507/0, base64, Block1 512", tlv_instance(512), False
    yield "SenML CBOR, 507/0/0, base64, one message", senml_single(None), False
    yield "SenML CBOR, whole 507/0, base64, one message", senml_instance(None), False
    yield "SenML CBOR, whole 507/0, base64, Block1 512", senml_instance(512), False


def measure(srv, write, hexa, limit=1024):
    best, refusal = 0, None
    for n in range(16, limit + 1, 16):
        t = encp_text(n, hexa)
        r = write(srv, t)
        if not r.ok:
            refusal = f"{r.code} at {n}"
            break
        back = srv.read(EP, "/507/0/0", codec.TEXT)
        if back.payload.decode() != t:
            refusal = f"read back differs at {n}"
            break
        best = n
    return best, refusal


def main():
    build = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "build" / "nusim_client")
    values = package("8949000000000000017")
    rows = []
    with Namespace():
        dev = Device(build / "zephyr" / "zephyr.exe", build / "flash-measure.bin")
        dev.erase()
        with Lwm2mServer.for_build(build, SERVER_ADDR, log=lambda m: None) as srv:
            dev.start()
            srv.wait_registration(EP, 30)
            r = srv.create(EP, 507, codec.tlv_instance(0, values), codec.TLV)
            assert r.ok, r
            for name, write, hexa in ways(values):
                best, why = measure(srv, write, hexa)
                rows.append((name, best, why or "none up to 1024"))
                print(f"| {name} | {best} | {why or 'none up to 1024'} |", flush=True)
            dev.stop()
        dev.erase()
    return rows


if __name__ == "__main__":
    main()
