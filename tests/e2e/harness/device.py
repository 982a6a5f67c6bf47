# Copyright (c) 2026 nusim-lwm2m contributors
# SPDX-License-Identifier: Apache-2.0
"""samples/nusim_client as a native_sim process: started, watched and stopped like a device.

Its flash (profiles, backup, the simulated nuSIM's profile) is a file, so a stop and a start
are a power cycle: the next run boots from what the last one left.
"""

from __future__ import annotations

import random
import re
import signal
import subprocess
import threading
import time
from pathlib import Path


def kconfig(build: Path) -> dict[str, str]:
    """The build's Kconfig values (zephyr/.config), strings without their quotes."""
    values = {}
    for line in (Path(build) / "zephyr" / ".config").read_text().splitlines():
        if line.startswith("CONFIG_") and "=" in line:
            k, v = line.split("=", 1)
            if len(v) >= 2 and v[0] == v[-1] == '"':
                v = re.sub(r"\\(.)", r"\1", v[1:-1])
            values[k] = v
    return values


class Device:
    def __init__(self, exe: Path, flash: Path, log=None):
        self.exe, self.flash, self.log = Path(exe), Path(flash), log
        self.proc: subprocess.Popen | None = None
        self.lines: list[str] = []
        self._cond = threading.Condition()
        self._start_line = 0
        self._mark = 0

    def erase(self):
        self.flash.unlink(missing_ok=True)

    def mark(self) -> int:
        """Starts a step: wait_line() looks at lines printed from here on only, so a
        line an earlier step printed never satisfies a later wait."""
        with self._cond:
            self._mark = len(self.lines)
        return self._mark

    def start(self):
        with self._cond:
            self._start_line = self._mark = len(self.lines)
        self.proc = subprocess.Popen(
            # A seed of its own per boot: native_sim's entropy is otherwise the same each
            # run, and so would be the client's CoAP message IDs and tokens.
            [str(self.exe), f"--flash={self.flash}", f"--seed={random.getrandbits(31)}"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
        threading.Thread(target=self._reader, args=(self.proc,), daemon=True).start()

    def _reader(self, proc):
        for line in proc.stdout:
            line = line.rstrip("\n")
            if self.log:
                self.log(line)
            with self._cond:
                self.lines.append(line)
                self._cond.notify_all()

    def stop(self):
        """Power off: SIGKILL, no shutdown path runs (as a pulled battery)."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self.proc = None

    def wait_line(self, pattern: str, timeout: float = 30) -> re.Match:
        """The first log line matching pattern printed since the last mark() (or start)."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        i = self._mark
        with self._cond:
            while True:
                for j in range(i, len(self.lines)):
                    m = rx.search(self.lines[j])
                    if m:
                        return m
                i = len(self.lines)
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc is not None and self.proc.poll() is not None):
                    raise TimeoutError(f"no log line /{pattern}/ within {timeout} s")
                self._cond.wait(min(left, 0.5))

    def since_mark(self) -> list[str]:
        """The lines printed since the last mark() (or start)."""
        with self._cond:
            return self.lines[self._mark :]

    def output(self) -> str:
        return "\n".join(self.lines[self._start_line :])
