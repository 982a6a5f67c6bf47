# Copyright (c) 2026 nusim-lwm2m contributors
# SPDX-License-Identifier: Apache-2.0
"""Access control with two servers (overlay-acl.conf; Zephyr 4.x, whose engine has the
Access Control object): who may switch the carrier when a device has two LwM2M servers.

The first server (short server ID 101) owns every object and instance (Zephyr's engine
gives them all to CONFIG_LWM2M_SERVER_DEFAULT_SSID's server), the 507 instance it creates
too. It grants the second server (102) read rights on 508/0 only, links 508/0/4 and then
disables itself (1/0/4), so the device registers with the second. The second reads 508/0
(and not 3/0, which it was not granted) but is refused with 4.01 for every step of a
switch: creating a 507 instance, writing one, writing 508/0/4 and executing 508/0/5;
reading 507/0 too. Nothing changed: the link, 508/0/6 and the ICCID read back as before.
Needs root (namespace, TAP device).
"""

from __future__ import annotations

import time

from aiocoap import Code
from conftest import EP

from harness import codec
from harness.codec import ObjLink
from harness.device import Device, kconfig
from harness.netns import SERVER_ADDR, Namespace
from harness.packages import package
from harness.server import Lwm2mServer

INITIAL = "8949000000000000009"
READ = 1  # the ACL's read bit (LwM2M Access Control object, resource 2)


def _ac_instance(srv: Lwm2mServer, obj: int, inst: int) -> int:
    """The Access Control instance that governs obj/inst, from a TLV read of /2."""
    r = srv.read(EP, "/2", codec.TLV)
    assert r.ok, r
    for kind, ac, payload in codec.tlv_decode(r.payload):
        assert kind == codec.TLV_INSTANCE, kind
        res = {rid: v for k, rid, v in codec.tlv_decode(payload) if k == codec.TLV_RESOURCE}
        if codec.tlv_int(res[0]) == obj and codec.tlv_int(res[1]) == inst:
            return ac
    raise AssertionError(f"no Access Control instance for /{obj}/{inst}")


def test_a_server_without_rights_cannot_switch_the_carrier(e2e_acl_build):
    build = e2e_acl_build
    second = int(kconfig(build)["CONFIG_NUSIM_CLIENT_SERVER2_SSID"])
    values = package("8949000000000000017")
    link = codec.plain_text(ObjLink(507, 0))
    with Namespace():
        dev = Device(build / "zephyr" / "zephyr.exe", build / "flash-acl.bin")
        dev.erase()
        first = Lwm2mServer.for_build(build, SERVER_ADDR, log=lambda m: None)
        other = Lwm2mServer.for_build(build, SERVER_ADDR, log=lambda m: None, second=True)
        with first, other:
            dev.start()
            try:
                first.wait_registration(EP, 30)
                # The owner: it creates 507/0 and links it, and grants the second server
                # read rights on 508/0 (only the owner of its Access Control instance may).
                mark = len(first.history)
                assert first.create(EP, 507, codec.tlv_instance(0, values), codec.TLV).code \
                    == Code.CREATED
                assert first.write(EP, "/508/0/4", link, codec.TEXT).code == Code.CHANGED
                ac = _ac_instance(first, 508, 0)
                r = first.write(EP, f"/2/{ac}/2/{second}", str(READ).encode(), codec.TEXT)
                assert r.code == Code.CHANGED, r
                # The registration update the new instance brings first: Zephyr's engine
                # forgets a Disable that arrives while an update is in flight (the
                # update's answer puts it back to registered), so the Disable is sent
                # again until the device de-registers.
                first.wait_for("update", EP, 10, after=mark)
                for attempt in range(3):
                    mark = len(first.history)
                    assert first.execute(EP, "/1/0/4").code == Code.CHANGED
                    try:
                        first.wait_for("deregister", EP, 5, after=mark)
                        break
                    except TimeoutError:
                        assert attempt < 2, "the device never left the first server"

                reg = other.wait_registration(EP, 40)
                assert "/508/0" in reg.links
                assert other.read(EP, "/508/0/1", codec.TEXT).text() == INITIAL
                # The grant is what lets it read: the Device object, not granted, is not.
                assert other.read(EP, "/3/0/0", codec.TEXT).code == Code.UNAUTHORIZED
                # Every step of a switch, and a read of the owner's profile: 4.01.
                refused = {
                    "create 507/1": other.create(EP, 507, codec.tlv_instance(1, values),
                                                 codec.TLV),
                    "write 507/0/1": other.write(EP, "/507/0/1", values[1].encode(),
                                                 codec.TEXT),
                    "read 507/0/1": other.read(EP, "/507/0/1", codec.TEXT),
                    "write 508/0/4": other.write(EP, "/508/0/4",
                                                 codec.plain_text(ObjLink(507, 1)), codec.TEXT),
                    "execute 508/0/5": other.execute(EP, "/508/0/5"),
                }
                assert {k: r.code for k, r in refused.items()} == {
                    k: Code.UNAUTHORIZED for k in refused}
                time.sleep(3)  # a load the execute started would take 1.5 s
                assert other.read(EP, "/508/0/4", codec.TEXT).payload == link
                assert other.read(EP, "/508/0/6", codec.TEXT).text() == "255"
                assert other.read(EP, "/508/0/1", codec.TEXT).text() == INITIAL
            finally:
                dev.stop()
                (build / "e2e-device.log").write_text(dev.output() + "\n")
                dev.erase()
