# Copyright (c) 2026 nusim-lwm2m contributors
# SPDX-License-Identifier: Apache-2.0
"""A private network namespace holding the TAP interface native_sim's Ethernet driver uses.

`with Namespace() as ns:` creates the namespace `nusim-e2e-<pid>`, moves the calling thread
into it (setns), creates the TAP device `zeth` there with the server's address, and on exit
moves the thread back and deletes the namespace (which removes the TAP device). Threads and
processes started inside the block live in the namespace: nothing the test sends can leave it.
Needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN).
"""

from __future__ import annotations

import ctypes
import os
import subprocess

CLONE_NEWNET = 0x40000000
TAP = "zeth"  # CONFIG_ETH_NATIVE_POSIX_DRV_NAME
SERVER_ADDR = "192.0.2.2"  # the host side; the client is 192.0.2.1 (TEST-NET-1, RFC 5737)
CLIENT_ADDR = "192.0.2.1"

_libc = ctypes.CDLL(None, use_errno=True)


def available() -> str | None:
    """None when namespaces can be used here, else why not."""
    if os.geteuid() != 0:
        return "needs root (network namespace and TAP device): run as root or with sudo"
    if not os.path.exists("/dev/net/tun"):
        return "no /dev/net/tun"
    if subprocess.run(["ip", "netns", "list"], capture_output=True).returncode != 0:
        return "the ip tool (iproute2) cannot manage network namespaces here"
    return None


def _setns(fd: int):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"setns: {os.strerror(e)}")


def _ip(*args: str):
    subprocess.run(["ip", *args], check=True, capture_output=True)


class Namespace:
    def __init__(self, name: str | None = None):
        self.name = name or f"nusim-e2e-{os.getpid()}"
        self._home = None

    def __enter__(self) -> "Namespace":
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True)
        _ip("netns", "add", self.name)
        try:
            self._home = os.open("/proc/self/ns/net", os.O_RDONLY)
            fd = os.open(f"/run/netns/{self.name}", os.O_RDONLY)
            try:
                _setns(fd)
            finally:
                os.close(fd)
            _ip("link", "set", "lo", "up")
            _ip("tuntap", "add", "dev", TAP, "mode", "tap")
            _ip("addr", "add", f"{SERVER_ADDR}/24", "dev", TAP)
            _ip("link", "set", TAP, "up")
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        if self._home is not None:
            _setns(self._home)
            os.close(self._home)
            self._home = None
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True)
