# Copyright (c) 2026 nusim-lwm2m contributors
# SPDX-License-Identifier: Apache-2.0
"""The harness's payload encoders against the LwM2M specification's example and an
independent SenML implementation (kpn_senml). Needs no root and no Zephyr."""

import cbor2
import pytest

from harness import codec
from harness.codec import ObjLink

# OMA-TS-LightweightM2M-V1_0, 6.4.3.1, the example read of Device object instance /3/0 in
# TLV, byte for byte as the specification prints it.
SPEC_DEVICE_TLV = bytes.fromhex(
    "C800144F70656E204D6F62696C6520416C6C69616E6365"  # 0 Manufacturer
    "C801164C69676874776569676874204D324D20436C69656E74"  # 1 Model Number
    "C80209333435303030313233"  # 2 Serial Number
    "C303312E30"  # 3 Firmware Version
    "86064100014101 05".replace(" ", "")  # 6 Available Power Sources {0: 1, 1: 5}
    + "88070842000ED842011388"  # 7 Power Source Voltage {0: 3800, 1: 5000}
    "87084100 7D42010384".replace(" ", "")  # 8 Power Source Current {0: 125, 1: 900}
    + "C10964"  # 9 Battery Level
    "C10A0F"  # 10 Memory Free
    "830B410000"  # 11 Error Code {0: 0}
    "C40D5182428F"  # 13 Current Time
    "C60E2B30323A3030"  # 14 UTC Offset
    "C11055"  # 16 Supported Binding
)
SPEC_DEVICE_VALUES = {
    0: "Open Mobile Alliance",
    1: "Lightweight M2M Client",
    2: "345000123",
    3: "1.0",
    6: {0: 1, 1: 5},
    7: {0: 3800, 1: 5000},
    8: {0: 125, 1: 900},
    9: 100,
    10: 15,
    11: {0: 0},
    13: 1367491215,
    14: "+02:00",
    16: "U",
}


def test_tlv_matches_the_specification_example():
    assert codec.tlv_resources(SPEC_DEVICE_VALUES) == SPEC_DEVICE_TLV


def test_tlv_decodes_the_specification_example():
    top = codec.tlv_decode(SPEC_DEVICE_TLV)
    assert [i for _, i, _ in top] == sorted(SPEC_DEVICE_VALUES)
    kinds = {i: k for k, i, _ in top}
    assert kinds[0] == codec.TLV_RESOURCE and kinds[7] == codec.TLV_MULTI_RES
    vals = {i: v for _, i, v in top}
    assert vals[0].decode() == "Open Mobile Alliance"
    assert codec.tlv_int(vals[13]) == 1367491215
    inner = codec.tlv_decode(vals[7])
    assert [(i, codec.tlv_int(v)) for _, i, v in inner] == [(0, 3800), (1, 5000)]


@pytest.mark.parametrize(
    "length,header",
    [(7, "C700"), (8, "C80008"), (255, "C800FF"), (256, "D0000100"), (65536, "D800010000")],
)
def test_tlv_length_fields(length, header):
    # Each length class of the type byte (TS Core 7.4.3): in the type byte, 8, 16, 24 bits.
    enc = codec.tlv(codec.TLV_RESOURCE, 0, b"x" * length)
    assert enc[: len(header) // 2] == bytes.fromhex(header)
    assert codec.tlv_decode(enc) == [(codec.TLV_RESOURCE, 0, b"x" * length)]


def test_tlv_16_bit_identifier_and_objlnk():
    enc = codec.tlv_resources({5700: ObjLink(507, 1)})
    assert enc == bytes.fromhex("E4164401FB0001")
    assert codec.tlv_objlnk(codec.tlv_decode(enc)[0][2]) == ObjLink(507, 1)


def test_tlv_instance_wrapper():
    enc = codec.tlv_instance(1, {0: "ab"})
    assert enc == bytes.fromhex("0401C2006162")


def test_senml_cbor_against_kpn_senml():
    kpn = pytest.importorskip("kpn_senml")
    # kpn_senml 1.0.1 still names Python 2's basestring when it checks a text value.
    import builtins

    builtins.basestring = str
    values = {0: "AAEC", 1: 42, 4: ObjLink(507, 1), 6: b"\x01\x02", 7: True}
    ours = codec.senml_cbor("/508/0/", values)
    pack = kpn.SenmlPack("/508/0/")
    pack.add(kpn.SenmlRecord("0", value="AAEC"))
    pack.add(kpn.SenmlRecord("1", value=42))
    pack.add(kpn.SenmlRecord("6", value=bytearray(b"\x01\x02")))
    pack.add(kpn.SenmlRecord("7", value=True))
    theirs = cbor2.loads(pack.to_cbor())
    mine = cbor2.loads(ours)
    # kpn_senml has no object links (an LwM2M addition): compare the other records.
    assert [r for r in mine if codec.VLO not in r] == theirs
    assert {codec.N: "4", codec.VLO: "507:1"} in mine
    assert codec.senml_cbor_decode(ours) == {
        "/508/0/0": "AAEC",
        "/508/0/1": 42,
        "/508/0/4": ObjLink(507, 1),
        "/508/0/6": b"\x01\x02",
        "/508/0/7": True,
    }


def test_senml_cbor_decode_resolves_base_names():
    data = cbor2.dumps([{-2: "/508/0/", 0: "1", 3: "894"}, {0: "6", 2: 0}])
    assert codec.senml_cbor_decode(data) == {"/508/0/1": "894", "/508/0/6": 0}


def test_plain_text_and_link_format():
    assert codec.plain_text(ObjLink(507, 1)) == b"507:1"
    assert codec.plain_text(codec.NULL_LINK) == b"65535:65535"
    assert codec.parse_link_format('</>;rt="oma.lwm2m",</1/0>,</507>,</508/0>') == [
        "/",
        "/1/0",
        "/507",
        "/508/0",
    ]
