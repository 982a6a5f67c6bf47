#!/usr/bin/env bash
# Installs what the tests and the demo need on Debian/Ubuntu (as root, or with sudo):
# build tools, the Arm toolchain and qemu, Debian's Rust with library sources (cross
# targets via -Zbuild-std), clang for zephyr-lang-rust's bindgen, rustfmt/clippy; where no
# Zephyr tree exists, a west workspace from west.yml; and Zephyr's Python requirements in
# a venv next to each tree. Idempotent: installed pieces are skipped.
set -euo pipefail
. "$(dirname "$0")/env.sh"

pkgs=(cmake ninja-build device-tree-compiler gcc-multilib gcc-arm-none-eabi
      libnewlib-arm-none-eabi qemu-system-arm iproute2 python3-venv)
# Cross-compiling core without rustup downloads (see docs/setup.md, "Rust toolchains").
pkgs+=(rustc-web cargo-web rust-web-src)
# Rust applications (zephyr-lang-rust): its zephyr-sys runs bindgen on libclang.
pkgs+=(clang libclang-dev)
# The e2e suite's DTLS server: DTLSSocket builds tinydtls from source (autoreconf) and a
# CPython extension.
pkgs+=(autoconf automake python3-dev)
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

# No Zephyr tree anywhere: a west workspace from this repository's manifest (west.yml:
# Zephyr v4.3.0 and only the modules it names), where env.sh looks first.
have_tree=false
for t in ${ZEPHYR_BASE:-} $NUSIM_ZEPHYR_TREES; do
  [ -f "$t/VERSION" ] && have_tree=true
done
if ! $have_tree; then
  ws=$(dirname "${NUSIM_ZEPHYR_TREES%% *}")
  echo "setup: no Zephyr tree: a west workspace at $ws from west.yml (Zephyr v4.3.0; a few GB)"
  mkdir -p "$ws/manifest"
  sed 's|^    path: nusim-lwm2m$|    path: manifest|' "$NUSIM_ROOT/west.yml" >"$ws/manifest/west.yml"
  [ -x "$ws/.venv/bin/west" ] || { python3 -m venv "$ws/.venv" && "$ws/.venv/bin/pip" install -q west; }
  if ! (cd "$ws" && { [ -d .west ] || "$ws/.venv/bin/west" init -l manifest; } \
        && "$ws/.venv/bin/west" update --narrow -o=--depth=1); then
    echo "setup: west could not fetch Zephyr (no access to its git hosts?): lay out Zephyr" \
      "4.3.0 and its modules at $ws by hand (docs/setup.md, \"Getting Zephyr\"), or set" \
      "ZEPHYR_BASE to a tree you have." >&2
  fi
  export ZEPHYR_BASE=$ws/zephyr
fi

# Zephyr's Python requirements, one venv per tree (beside it), for every tree present.
for t in $ZEPHYR_BASE $NUSIM_ZEPHYR_TREES; do
  [ -f "$t/VERSION" ] || continue
  venv=$(dirname "$t")/.venv
  if [ ! -f "$venv/.nusim-reqs-ok" ]; then
    echo "setup: Python requirements of Zephyr ($t) into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q -r "$t/scripts/requirements-base.txt" \
      -r "$t/scripts/requirements-build-test.txt" \
      -r "$t/scripts/requirements-run-test.txt"
    touch "$venv/.nusim-reqs-ok"
  fi
  # The LwM2M server harness of the end-to-end tests and the demo.
  if [ ! -f "$venv/.nusim-e2e-ok" ] || [ "$NUSIM_ROOT/tests/e2e/requirements.txt" -nt "$venv/.nusim-e2e-ok" ]; then
    "$venv/bin/pip" install -q -r "$NUSIM_ROOT/tests/e2e/requirements.txt"
    touch "$venv/.nusim-e2e-ok"
  fi
done
