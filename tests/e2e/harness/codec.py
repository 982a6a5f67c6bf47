# Copyright (c) 2026 nusim-lwm2m contributors
# SPDX-License-Identifier: Apache-2.0
"""LwM2M payload formats the harness server writes and reads (OMA-TS-LightweightM2M-Core).

- Plain text (content format 0): one value as text; an object link as "507:1".
- OMA TLV (11542): type byte, 8/16-bit identifier, 0..3 length bytes, value (TS 1.1 Core
  §7.4.3). Strings are UTF-8, integers big-endian two's complement of 1, 2, 4 or 8 bytes,
  an object link 4 bytes (object id, instance id).
- SenML CBOR (112, RFC 8428 with the LwM2M 1.1 rules): an array of maps with integer labels
  (bn -2, n 0, v 2, vs 3, vb 4, vd 8) and the text label "vlo" for an object link.

Values are Python values: str (String), bytes (Opaque), bool, int, and ObjLink.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import cbor2

TEXT = 0
LINK_FORMAT = 40
OPAQUE = 42
TLV = 11542
SENML_CBOR = 112

# SenML labels (RFC 8428 §6) as CBOR map keys.
BN, N, V, VS, VB, VD = -2, 0, 2, 3, 4, 8
VLO = "vlo"

# TLV type byte, bits 7-6.
TLV_INSTANCE, TLV_RES_INSTANCE, TLV_MULTI_RES, TLV_RESOURCE = 0, 1, 2, 3


@dataclass(frozen=True)
class ObjLink:
    obj: int
    inst: int

    def __str__(self) -> str:
        return f"{self.obj}:{self.inst}"


NULL_LINK = ObjLink(65535, 65535)


def _value_bytes(value) -> bytes:
    """A resource value as TLV value bytes."""
    if isinstance(value, bool):
        return b"\x01" if value else b"\x00"
    if isinstance(value, int):
        for size in (1, 2, 4, 8):
            lo, hi = -(1 << (8 * size - 1)), (1 << (8 * size - 1)) - 1
            if lo <= value <= hi:
                return value.to_bytes(size, "big", signed=True)
        raise ValueError(f"integer {value} does not fit 64 bits")
    if isinstance(value, ObjLink):
        return struct.pack(">HH", value.obj, value.inst)
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    raise TypeError(f"no TLV encoding for {type(value).__name__}")


def tlv(kind: int, ident: int, value: bytes) -> bytes:
    """One TLV element: its header and value."""
    if not 0 <= ident <= 0xFFFF:
        raise ValueError(f"TLV identifier {ident} out of range")
    n = len(value)
    if n >= 1 << 24:
        raise ValueError("TLV value longer than 16 MiB")
    t = kind << 6
    head = b""
    if ident > 0xFF:
        t |= 0x20
        ident_b = ident.to_bytes(2, "big")
    else:
        ident_b = bytes([ident])
    if n < 8:
        t |= n
    elif n < 1 << 8:
        t |= 0x08
        head = n.to_bytes(1, "big")
    elif n < 1 << 16:
        t |= 0x10
        head = n.to_bytes(2, "big")
    else:
        t |= 0x18
        head = n.to_bytes(3, "big")
    return bytes([t]) + ident_b + head + value


def tlv_resources(values: dict[int, object]) -> bytes:
    """Resources of one instance, in resource order; a dict value is a multiple resource."""
    out = b""
    for rid in sorted(values):
        v = values[rid]
        if isinstance(v, dict):
            inner = b"".join(
                tlv(TLV_RES_INSTANCE, ri, _value_bytes(v[ri])) for ri in sorted(v)
            )
            out += tlv(TLV_MULTI_RES, rid, inner)
        else:
            out += tlv(TLV_RESOURCE, rid, _value_bytes(v))
    return out


def tlv_instance(inst: int, values: dict[int, object]) -> bytes:
    """An object instance wrapping its resources (a create of that instance id)."""
    return tlv(TLV_INSTANCE, inst, tlv_resources(values))


def tlv_decode(data: bytes) -> list[tuple[int, int, bytes]]:
    """Top-level TLV elements as (kind, identifier, value); raises on a short buffer."""
    out, i = [], 0
    while i < len(data):
        t = data[i]
        i += 1
        kind = t >> 6
        if t & 0x20:
            ident = int.from_bytes(data[i : i + 2], "big")
            i += 2
        else:
            ident = data[i]
            i += 1
        ltype = (t >> 3) & 3
        if ltype == 0:
            n = t & 7
        else:
            n = int.from_bytes(data[i : i + ltype], "big")
            i += ltype
        if i + n > len(data):
            raise ValueError("TLV value runs past the end of the payload")
        out.append((kind, ident, data[i : i + n]))
        i += n
    return out


def tlv_int(value: bytes) -> int:
    if len(value) not in (1, 2, 4, 8):
        raise ValueError(f"TLV integer of {len(value)} bytes")
    return int.from_bytes(value, "big", signed=True)


def tlv_objlnk(value: bytes) -> ObjLink:
    if len(value) != 4:
        raise ValueError(f"TLV object link of {len(value)} bytes")
    return ObjLink(*struct.unpack(">HH", value))


def senml_cbor(base: str, values: dict[int, object]) -> bytes:
    """SenML CBOR pack: base name `base` (e.g. "/507/1/"), one record per resource."""
    records = []
    for i, rid in enumerate(sorted(values)):
        v = values[rid]
        rec: dict = {}
        if i == 0:
            rec[BN] = base
        rec[N] = str(rid)
        if isinstance(v, bool):
            rec[VB] = v
        elif isinstance(v, ObjLink):
            rec[VLO] = str(v)
        elif isinstance(v, (int, float)):
            rec[V] = v
        elif isinstance(v, str):
            rec[VS] = v
        elif isinstance(v, (bytes, bytearray)):
            rec[VD] = bytes(v)
        else:
            raise TypeError(f"no SenML encoding for {type(v).__name__}")
        records.append(rec)
    return cbor2.dumps(records)


def senml_cbor_paths(paths: list[str]) -> bytes:
    """The body of a Read-Composite (LwM2M 1.1 §7.4.3): one SenML record per path, with
    its name only."""
    return cbor2.dumps([{N: p} for p in paths])


def senml_cbor_decode(data: bytes) -> dict[str, object]:
    """A SenML CBOR pack as {full name: value}, resolving base names (RFC 8428 §4.5)."""
    out: dict[str, object] = {}
    base = ""
    for rec in cbor2.loads(data):
        if not isinstance(rec, dict):
            raise ValueError("SenML record is not a map")
        base = rec.get(BN, base)
        name = base + rec.get(N, "")
        for key in (V, VS, VB, VD, VLO):
            if key in rec:
                val = rec[key]
                if key == VLO:
                    o, _, n = val.partition(":")
                    val = ObjLink(int(o), int(n))
                out[name] = val
                break
        else:
            raise ValueError(f"SenML record {name} has no value")
    return out


def plain_text(value) -> bytes:
    """One value in the plain text format."""
    if isinstance(value, bool):
        return b"1" if value else b"0"
    if isinstance(value, ObjLink):
        return str(value).encode()
    if isinstance(value, int):
        return str(value).encode()
    if isinstance(value, str):
        return value.encode()
    raise TypeError(f"no plain text encoding for {type(value).__name__}")


def parse_link_format(payload: str) -> list[str]:
    """The paths of a registration's CoRE link list: '</507>,</508/0>' -> ['/507', '/508/0']."""
    out = []
    for item in payload.split(","):
        item = item.strip()
        if item.startswith("<") and ">" in item:
            out.append(item[1 : item.index(">")])
    return out
