#!/usr/bin/env python3
# Copyright (c) 2026 nusim-lwm2m contributors
# SPDX-License-Identifier: Apache-2.0
"""A twister run counts only when every configuration it selected passed.

twister can end with exit 0 although a configuration did not pass: a pytest harness that
crashed is reported as neither passed nor failed, and a configuration can be skipped.
This reads the run's twister.json and fails unless what passed equals what was selected
(configurations that the filters left out are not selected), and, given an expected
count, unless exactly that many were selected: a platform name twister did not know or a
filter that dropped a configuration must not pass as a smaller run.

Usage: twister_check.py <twister.json> <label> [<expected configurations>]
"""

import json
import sys


def main() -> int:
    path, label = sys.argv[1], sys.argv[2]
    expected = int(sys.argv[3]) if len(sys.argv) > 3 else None
    try:
        with open(path) as f:
            suites = json.load(f)["testsuites"]
    except (OSError, ValueError, KeyError) as e:
        print(f"twister {label}: no usable report at {path}: {e}")
        return 1
    selected = [s for s in suites if s.get("status") != "filtered"]
    passed = [s for s in selected if s.get("status") == "passed"]
    for s in selected:
        if s.get("status") != "passed":
            print(f"twister {label}: {s['name']} on {s['platform']}: "
                  f"{s.get('status')} ({s.get('reason')})")
    print(f"twister {label}: {len(passed)} of {len(selected)} selected configurations passed")
    if expected is not None and len(selected) != expected:
        print(f"twister {label}: {len(selected)} configurations selected, {expected} expected:")
        for s in suites:
            if s.get("status") == "filtered":
                print(f"  filtered: {s['name']} on {s['platform']} ({s.get('reason')})")
        return 1
    return 0 if selected and len(passed) == len(selected) else 1


if __name__ == "__main__":
    sys.exit(main())
