#!/usr/bin/env python3
"""The footprint table and the growth check of scripts/footprint.

Reads the sizes the builds gave (board, setup, flash, RAM, work-queue stack per line),
works out each setup's cost against its reference build, prints the table (Markdown) and
writes it with the figures to --out. With --check, fails when a cost grew by more than 5%
(and at least 16 B: alignment) over the committed baseline of this Zephyr line; with
--update, writes this run's costs into that baseline instead.
"""
import argparse
import json
import os
import sys
from pathlib import Path

# cost: (setup built, reference setup, what it is). The reference is on the same board.
COSTS = {
    "at": ("at", "base", "Objects 507/508 + AT driver; checks and persistence off"),
    "at-quiet": ("at-quiet", "base", "the same with the module's logs off"),
    "checks": ("at-checks", "at", "the device-side checks alone (at-checks - at)"),
    "at-checks": ("at-checks", "base", "Objects 507/508 + AT driver + checks (a product)"),
    "sim-checks": ("sim-checks", "base", "Objects 507/508 + simulated nuSIM + checks (the demo)"),
    "psa": ("base-psa", "base",
            "PSA Crypto verifying brainpoolP256r1 ECDSA (mbedTLS), called by the "
            "application, the module absent"),
    "checks-psa": ("at-checks-psa", "at-psa",
                   "the device-side checks through PSA Crypto alone, where the application "
                   "has it (at-checks-psa - at-psa)"),
    "at-checks-psa": ("at-checks-psa", "base-psa",
                      "Objects 507/508 + AT driver + checks through PSA Crypto, where the "
                      "application has it"),
    "persist": ("persist", "settings",
                "persistence, backup and fallback (on NVS, against settings alone)"),
}
GROWTH = 0.05
SLACK = 16


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--zephyr", required=True)
    ap.add_argument("--commit", required=True)
    ap.add_argument("--baseline", required=True)
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--update", action="store_true")
    a = ap.parse_args()

    builds = {}
    for line in Path(a.sizes).read_text().splitlines():
        board, setup, flash, ram, stack, fmt = line.split("\t")
        builds[(board, setup)] = {"flash": int(flash), "ram": int(ram), "stack": int(stack),
                                  "fmt_symbols": int(fmt)}
    if a.check and a.update:
        print("footprint: --check and --update exclude each other")
        return 2
    costs = {}
    for setup, (built, ref_setup, _) in COSTS.items():
        for (board, s), b in sorted(builds.items()):
            ref = builds.get((board, ref_setup))
            if s != built or ref is None:
                continue
            costs.setdefault(board, {})[setup] = {
                "flash": b["flash"] - ref["flash"],
                "ram": b["ram"] - ref["ram"],
                "stack": b["stack"] - ref["stack"],
            }

    line = ".".join(a.zephyr.split(".")[:2])
    rows = [
        f"Zephyr {a.zephyr}, commit {a.commit} (scripts/footprint).",
        "",
        "| setup | board | flash | RAM | of which work-queue stack |",
        "|---|---|---|---|---|",
    ]
    for setup in COSTS:
        for board, per in costs.items():
            if setup in per:
                c = per[setup]
                rows.append(
                    f"| {COSTS[setup][2]} | {board} | {c['flash']:+,} B | {c['ram']:+,} B "
                    f"| {c['stack']:,} B |".replace("+0 B", "0 B")
                )
    refs = [f"{b} {s}: flash {v['flash']:,} B, RAM {v['ram']:,} B"
            for (b, s), v in sorted(builds.items()) if s in ("base", "base-psa", "settings")]
    rows += ["", "References (whole application): " + "; ".join(refs) + "."]
    table = "\n".join(rows)
    print(table)
    out = Path(a.out)
    (out / "footprint.md").write_text(table + "\n")
    (out / "footprint.json").write_text(json.dumps(
        {"zephyr": a.zephyr, "commit": a.commit, "builds": {f"{b} {s}": v for (b, s), v in builds.items()},
         "costs": costs}, indent=1) + "\n")

    bl_path = Path(a.baseline)
    baseline = json.loads(bl_path.read_text()) if bl_path.exists() else {}
    if a.update:
        baseline[line] = {"zephyr": a.zephyr, "commit": a.commit,
                          "costs": {b: {s: {"flash": c["flash"], "ram": c["ram"]} for s, c in per.items()}
                                    for b, per in costs.items()}}
        bl_path.write_text(json.dumps(baseline, indent=1, sort_keys=True) + "\n")
        print(f"baseline for Zephyr {line} written to {bl_path}")
    fmt = {f"{s} on {b}": v["fmt_symbols"] for (b, s), v in sorted(builds.items())
           if v["fmt_symbols"] != 0 and not s.startswith("base")}
    if any(n < 0 for n in fmt.values()):
        print("core::fmt not checked where core was not built here (rustup's installed core): "
              + ", ".join(k for k, n in fmt.items() if n < 0))
    if a.check:
        if os.environ.get("CI") == "true" and any(n < 0 for n in fmt.values()):
            print("footprint check FAILED: under CI every build's core is built here, so "
                  "that core::fmt can be checked")
            return 1
        linked = [f"{k}: {n} symbols" for k, n in fmt.items() if n > 0]
        if linked:
            print("footprint check FAILED: core::fmt is linked: " + "; ".join(linked))
            return 1
        base = baseline.get(line)
        if base is None:
            print(f"footprint check FAILED: no baseline for Zephyr {line} in {bl_path} "
                  "(scripts/footprint --update)")
            return 1
        bad = []
        for board, per in costs.items():
            for setup, c in per.items():
                ref = base["costs"].get(board, {}).get(setup)
                if ref is None:
                    bad.append(f"{setup} on {board}: no baseline")
                    continue
                for k in ("flash", "ram"):
                    allowed = ref[k] + max(abs(ref[k]) * GROWTH, SLACK)
                    if c[k] > allowed:
                        bad.append(f"{setup} on {board}: {k} {c[k]:+,} B, baseline {ref[k]:+,} B "
                                   f"(at {base['commit']}): more than {GROWTH:.0%} growth")
        if bad:
            print("footprint check FAILED:\n  " + "\n  ".join(bad))
            return 1
        print(f"footprint check passed: every cost within {GROWTH:.0%} of the Zephyr {line} "
              f"baseline (commit {base['commit']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
