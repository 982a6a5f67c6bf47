#!/usr/bin/env python3
"""Reads `arm-none-eabi-nm -S -C` output of a build with the module on stdin and sums its
flash by part: the module's Rust by crate (nusim_core, nusim_zephyr, nusim_at, ...), the
curve and hash code of the checks, CBOR, and Rust's formatting code (core::fmt, whose
target is zero)."""
import re
import sys

PARTS = [
    ("curve and ECDSA (nusim_core::bp256r1; bp256 and its crates in the simulator)",
     re.compile(r"bp256|primefield|primeorder|crypto_bigint|elliptic_curve|ecdsa|sec1|der::")),
    ("SHA-256, AES, CMAC", re.compile(r"sha2|digest|aes::|cmac")),
    ("CBOR (the records' nusim_core::cbor; minicbor in the simulator)",
     re.compile(r"minicbor|nusim_core::cbor")),
    ("Rust core::fmt / panic formatting", re.compile(r"core::fmt|core::panicking|core::str::|core::num::")),
    ("nusim_core", re.compile(r"nusim_core")),
    ("nusim_at", re.compile(r"nusim_at::")),
    ("nusim_sim (simulated nuSIM)", re.compile(r"nusim_sim::|SimNusim")),
    ("nusim_zephyr and the module's C", re.compile(r"nusim_zephyr|^nusim_|lwm2m_nusim|^obj50[78]_|nusim_rs_")),
]

acc = {name: 0 for name, _ in PARTS}
for line in sys.stdin:
    parts = line.split(maxsplit=3)
    if len(parts) < 4 or parts[2] not in "tTrR":
        continue
    size, name = int(parts[1], 16), parts[3]
    for part, rx in PARTS:
        if rx.search(name):
            acc[part] += size
            break
print("Flash by part (by symbol; LTO inlines across crates, so the split is approximate):")
for part, _ in PARTS:
    print(f"  {part}: {acc[part]:,} B")
