#!/usr/bin/env bash
# Installs what the tests and the demo need on Debian/Ubuntu (as root, or with sudo):
# build tools, the Arm toolchain and qemu, Debian's Rust with library sources (cross
# targets via -Zbuild-std), rustfmt/clippy, and Zephyr's Python requirements in a venv
# next to the Zephyr tree. Idempotent: installed pieces are skipped.
set -euo pipefail
. "$(dirname "$0")/env.sh"

pkgs=(cmake ninja-build device-tree-compiler gcc-multilib gcc-arm-none-eabi
      libnewlib-arm-none-eabi qemu-system-arm iproute2 python3-venv)
# Cross-compiling core without rustup downloads (see docs/setup.md, "Rust toolchains").
pkgs+=(rustc-web cargo-web rust-web-src)
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if ! command -v cargo >/dev/null; then
  echo "setup: no cargo on PATH: install Rust (https://rustup.rs) or Debian's cargo" >&2
  exit 1
fi
if command -v rustup >/dev/null; then
  rustup component add rustfmt clippy >/dev/null 2>&1 || true
fi

if [ -f "$ZEPHYR_BASE/VERSION" ]; then
  venv=$(dirname "$ZEPHYR_BASE")/.venv
  if [ ! -f "$venv/.nusim-reqs-ok" ]; then
    echo "setup: Python requirements of Zephyr into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q -r "$ZEPHYR_BASE/scripts/requirements-base.txt" \
      -r "$ZEPHYR_BASE/scripts/requirements-build-test.txt" \
      -r "$ZEPHYR_BASE/scripts/requirements-run-test.txt"
    touch "$venv/.nusim-reqs-ok"
  fi
  # The LwM2M server harness of the end-to-end tests and the demo.
  if [ ! -f "$venv/.nusim-e2e-ok" ] || [ "$NUSIM_ROOT/tests/e2e/requirements.txt" -nt "$venv/.nusim-e2e-ok" ]; then
    "$venv/bin/pip" install -q -r "$NUSIM_ROOT/tests/e2e/requirements.txt"
    touch "$venv/.nusim-e2e-ok"
  fi
fi
