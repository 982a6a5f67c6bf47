#!/usr/bin/env python3
"""Reads `arm-none-eabi-nm -S -C` output on stdin and sums symbol sizes that only the
simulated nuSIM pulls in (curve arithmetic, ECDSA, AES, CMAC, SHA-256, CBOR, the sim
driver), and Rust's formatting code, split into flash (text/rodata) and RAM."""
import re
import sys

SIM = re.compile(r"bp256|primefield|primeorder|crypto_bigint|elliptic_curve|ecdsa|aes::|cmac|"
                 r"sha2|digest|minicbor|nusim_sim|nusim_zephyr::sim::|SimNusim|"
                 r"sim_(load|eid|iccid|certificate|capabilities|init|api|config|data)\b")
FMT = re.compile(r"core::fmt|core::panicking|core::str|core::num")

acc = {"sim": [0, 0], "fmt": [0, 0]}
for line in sys.stdin:
    parts = line.split(maxsplit=3)
    if len(parts) < 4:
        continue
    size, kind, name = int(parts[1], 16), parts[2], parts[3]
    key = "sim" if SIM.search(name) else "fmt" if FMT.search(name) else None
    if key:
        acc[key][0 if kind in "tTrR" else 1] += size
sim_flash, sim_ram = acc["sim"]
print(f"simulated nuSIM share (by symbol): flash {sim_flash} B, RAM {sim_ram} B")
print(f"Rust core::fmt/panic/str share (by symbol): flash {acc['fmt'][0]} B")
