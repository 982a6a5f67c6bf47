# Copyright (c) 2026 nusim-lwm2m contributors
# SPDX-License-Identifier: Apache-2.0
"""Datagrams with a forged source: an attacker on the path that claims to be the server.

`send_udp(src, dst, payload)` builds the IPv4 and UDP headers itself and sends them on a
raw socket, so the datagram carries the server's address and port while no socket of the
server's sent it. Only for the test's own network namespace (needs CAP_NET_RAW).
"""

from __future__ import annotations

import socket
import struct


def _sum16(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def udp_datagram(src: tuple[str, int], dst: tuple[str, int], payload: bytes) -> bytes:
    """IPv4 header + UDP header (with its checksum) + payload."""
    s, d = socket.inet_aton(src[0]), socket.inet_aton(dst[0])
    length = 8 + len(payload)
    pseudo = s + d + struct.pack("!BBH", 0, socket.IPPROTO_UDP, length)
    header = struct.pack("!HHHH", src[1], dst[1], length, 0)
    csum = 0xFFFF - _sum16(pseudo + header + payload) or 0xFFFF
    udp = struct.pack("!HHHH", src[1], dst[1], length, csum) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64,
                     socket.IPPROTO_UDP, 0, s, d)
    ip = ip[:10] + struct.pack("!H", 0xFFFF - _sum16(ip)) + ip[12:]
    return ip + udp


def send_udp(src: tuple[str, int], dst: tuple[str, int], payload: bytes) -> None:
    """Sends payload to dst as if from src."""
    with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW) as sock:
        sock.sendto(udp_datagram(src, dst, payload), (dst[0], 0))


def port_unreachable_answers(src: tuple[str, int], dst: tuple[str, int], timeout: float = 5) -> bool:
    """Sends an empty forged datagram from src to a port of dst that nothing listens on,
    and tells whether dst's stack answered it with ICMP port unreachable quoting it: the
    proof that forged datagrams reach dst's UDP layer whole (checksums verified)."""
    import select
    import time

    with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP) as icmp:
        send_udp(src, dst, b"")
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            if not select.select([icmp], [], [], left)[0]:
                break
            pkt, (frm, _) = icmp.recvfrom(2048)
            ihl = (pkt[0] & 0x0F) * 4
            if len(pkt) < ihl + 8:
                continue  # not an ICMP message this can read
            typ, code = pkt[ihl], pkt[ihl + 1]
            quoted = pkt[ihl + 8:]
            qihl = (quoted[0] & 0x0F) * 4 if quoted else 0
            udp = quoted[qihl:qihl + 4]
            if (frm == dst[0] and (typ, code) == (3, 3) and len(udp) == 4
                    and struct.unpack("!HH", udp) == (src[1], dst[1])):
                return True
    return False
