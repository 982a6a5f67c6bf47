#!/usr/bin/env python3
# Copyright (c) 2026 nusim-lwm2m contributors
# SPDX-License-Identifier: Apache-2.0
"""A twister run counts only when every configuration it selected passed.

twister can end with exit 0 although a configuration did not pass: a pytest harness that
crashed is reported as neither passed nor failed, and a configuration can be skipped.
This reads the run's twister.json and fails unless what passed equals what was selected
(configurations that the filters left out are not selected), and, given an expected
count, unless exactly that many were selected: a platform name twister did not know or a
filter that dropped a configuration must not pass as a smaller run. A scenario named
with --build-only passes when it was built (Zephyr 4.x reports it "not run").

Usage: twister_check.py <twister.json> <label> [--expect N] [--build-only SCENARIO]...
"""

import argparse
import json
import sys


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("report")
    ap.add_argument("label")
    ap.add_argument("--expect", type=int)
    ap.add_argument("--build-only", action="append", default=[])
    a = ap.parse_args()
    try:
        with open(a.report) as f:
            suites = json.load(f)["testsuites"]
    except (OSError, ValueError, KeyError) as e:
        print(f"twister {a.label}: no usable report at {a.report}: {e}")
        return 1

    def ok(s) -> bool:
        if s.get("status") == "passed":
            return True
        return (s["name"] in a.build_only and s.get("status") == "not run"
                and float(s.get("build_time") or 0) > 0)

    selected = [s for s in suites if s.get("status") != "filtered"]
    passed = [s for s in selected if ok(s)]
    for s in selected:
        if not ok(s):
            print(f"twister {a.label}: {s['name']} on {s['platform']}: "
                  f"{s.get('status')} ({s.get('reason')})")
    print(f"twister {a.label}: {len(passed)} of {len(selected)} selected configurations passed")
    if a.expect is not None and len(selected) != a.expect:
        print(f"twister {a.label}: {len(selected)} configurations selected, {a.expect} expected:")
        for s in suites:
            if s.get("status") == "filtered":
                print(f"  filtered: {s['name']} on {s['platform']} ({s.get('reason')})")
        return 1
    return 0 if selected and len(passed) == len(selected) else 1


if __name__ == "__main__":
    sys.exit(main())
