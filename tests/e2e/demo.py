# Copyright (c) 2026 nusim-lwm2m contributors
# SPDX-License-Identifier: Apache-2.0
"""The carrier-switch demo (scripts/demo): samples/nusim_client on native_sim (64-bit) and the
aiocoap LwM2M server in a private network namespace. The server writes a real-size profile
(1 KB encP) into 507/0, links 508/0/4 to it and executes 508/0/5; the demo prints the
ICCID before and after and the Load Profile Result. Run as root: demo.py <build dir>."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from conftest import EP  # noqa: E402
from harness import codec  # noqa: E402
from harness.codec import ObjLink  # noqa: E402
from harness.device import Device  # noqa: E402
from harness.netns import SERVER_ADDR, Namespace, available  # noqa: E402
from harness.packages import package  # noqa: E402
from harness.server import Lwm2mServer  # noqa: E402

NEW_ICCID = "8949000000000000017"


def main(build: Path) -> int:
    why = available()
    if why:
        print(f"demo: {why}", file=sys.stderr)
        return 1
    flash = build / "flash-demo.bin"
    server = Lwm2mServer.for_build(build, SERVER_ADDR, log=lambda m: print("  " + m))
    with Namespace() as ns:
        how = "DTLS 1.2, pre-shared key" if server.psk else "NoSec"
        print(f"demo: namespace {ns.name}, server {server.uri} ({how}), client 192.0.2.1")
        dev = Device(build / "zephyr" / "zephyr.exe", flash,
                     log=lambda l: print("  device |", l) if "nusim" in l else None)
        dev.erase()
        with server as srv:
            dev.start()
            try:
                srv.wait_registration(EP, 30)
                before = srv.read(EP, "/508/0/1", codec.TEXT).text()
                print(f"demo: ICCID before: {before}")
                values = package(NEW_ICCID, "--encp-size", "1024")
                srv.create(EP, 507, codec.tlv_instance(0, {}), codec.TLV)
                small = {k: v for k, v in values.items() if k != 0}
                r = srv.write(EP, "/507/0", codec.tlv_resources(small), codec.TLV, replace=False)
                print(f"demo: wrote six 507/0 values in TLV: {r.code}")
                r = srv.write(EP, "/507/0/0", values[0].encode(), codec.TEXT, block_size=512)
                print(f"demo: wrote encP ({len(values[0])} characters, {r.blocks} blocks): {r.code}")
                ob = srv.observe(EP, "/508/0/6", codec.TEXT)
                r = srv.write(EP, "/508/0/4", codec.plain_text(ObjLink(507, 0)), codec.TEXT)
                print(f"demo: 508/0/4 = 507:0: {r.code}")
                r = srv.execute(EP, "/508/0/5")
                print(f"demo: execute 508/0/5: {r.code}")
                n = ob.wait(lambda r: r.payload not in (b"2", b"255"), 30)
                result = int(n.payload)
                after = srv.read(EP, "/508/0/1", codec.TEXT).text()
                print(f"demo: Load Profile Result (508/0/6, observed): {result}")
                print(f"demo: ICCID after:  {after}")
                dev.wait_line(r"backup", 15)
                ok = result == 0 and after == NEW_ICCID and before != after
                print("demo: carrier switch " + ("done" if ok else "FAILED"))
                return 0 if ok else 1
            finally:
                dev.stop()
                dev.erase()


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
