# Sourced by the scripts: where Zephyr and its modules are, the board names of that Zephyr
# line, and the CMake arguments that every build here needs.
#
# The tree: $ZEPHYR_BASE if set, else the first of $NUSIM_ZEPHYR_TREES that exists
# (Zephyr 4.3 first, then 3.4.99 as in nRF Connect SDK 2.5; docs/setup.md).
NUSIM_ZEPHYR_TREES=${NUSIM_ZEPHYR_TREES:-"$HOME/zephyrproject-4.3/zephyr $HOME/zephyrproject/zephyr"}
if [ -z "${ZEPHYR_BASE:-}" ]; then
  for t in $NUSIM_ZEPHYR_TREES; do
    if [ -f "$t/VERSION" ]; then ZEPHYR_BASE=$t; break; fi
  done
fi
export ZEPHYR_BASE=${ZEPHYR_BASE:-$HOME/zephyrproject-4.3/zephyr}
ZP=$(dirname "$ZEPHYR_BASE")
NUSIM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The Zephyr line: 4.x names boards by hardware model (native_sim/native/64), 3.x did not.
NUSIM_ZEPHYR_MAJOR=0
if [ -f "$ZEPHYR_BASE/VERSION" ]; then
  # (The 3.4.99 tree of NCS 2.5 has CRLF line ends.)
  nusim_version_field() { tr -d '\r' <"$ZEPHYR_BASE/VERSION" | sed -n "s/^$1 *= *//p"; }
  NUSIM_ZEPHYR_MAJOR=$(nusim_version_field VERSION_MAJOR)
  NUSIM_ZEPHYR_VERSION=$NUSIM_ZEPHYR_MAJOR.$(nusim_version_field VERSION_MINOR).$(nusim_version_field PATCHLEVEL)
fi
export NUSIM_ZEPHYR_VERSION=${NUSIM_ZEPHYR_VERSION:-none}
if [ "$NUSIM_ZEPHYR_MAJOR" -ge 4 ]; then
  NUSIM_BOARD_NATIVE=native_sim/native/64 NUSIM_BOARD_AN521=mps2/an521/cpu0
  NUSIM_BOARD_NRF9160=nrf9160dk/nrf9160
else
  NUSIM_BOARD_NATIVE=native_sim_64 NUSIM_BOARD_AN521=mps2_an521
  NUSIM_BOARD_NRF9160=nrf9160dk_nrf9160
fi
export NUSIM_BOARD_NATIVE NUSIM_BOARD_AN521 NUSIM_BOARD_NRF9160
if [ -x "$ZP/.venv/bin/python3" ]; then
  export PATH="$ZP/.venv/bin:$PATH"
fi
export PATH="$HOME/.cargo/bin:$PATH"
# Outside a west workspace Zephyr needs every module in ZEPHYR_MODULES (CMSIS is cmsis_6
# on 4.x).
NUSIM_MODULES="$NUSIM_ROOT"
# zephyr-lang-rust (lang/rust, 4.x) does nothing unless an application sets CONFIG_RUST.
for m in "$ZP/modules/hal/cmsis" "$ZP/modules/hal/cmsis_6" "$ZP/modules/hal/nordic" \
         "$ZP/modules/lib/zcbor" "$ZP/modules/crypto/mbedtls" "$ZP/modules/lang/rust"; do
  [ -d "$m" ] && NUSIM_MODULES="$NUSIM_MODULES;$m"
done
export NUSIM_MODULES
NUSIM_CMAKE_ARGS=(-DZEPHYR_MODULES="$NUSIM_MODULES" -DZEPHYR_TOOLCHAIN_VARIANT=gnuarmemb -DGNUARMEMB_TOOLCHAIN_PATH=/usr)

# Rust applications (zephyr-lang-rust, samples/nusim_client_rust): its CMake runs plain
# `cargo build --target <target>` for the application crate. Where rustup lacks that
# target's standard library, Debian's toolchain (rustc-web, rust-web-src; scripts/setup.sh)
# builds core itself. zephyr-sys runs bindgen, whose clang cannot parse GCC's arm_acle.h
# that the GNU Arm toolchain's include path brings in: clang's own is read first.
# Usage: nusim_rust_app_env <rust target> (x86_64-unknown-none, thumbv7m-none-eabi, ...)
nusim_rust_app_env() {
  local target=$1 sysroot
  sysroot=$(rustc --print sysroot 2>/dev/null || true)
  if [ ! -d "$sysroot/lib/rustlib/$target/lib" ]; then
    # Debian's cargo and rustc first on PATH, and nothing else of /usr/bin (a Python venv
    # stays in front).
    local bin=$NUSIM_ROOT/build/debian-rust-bin
    mkdir -p "$bin"
    ln -sf /usr/bin/cargo "$bin/cargo"
    ln -sf /usr/bin/rustc "$bin/rustc"
    export PATH="$bin:$PATH" RUSTC=/usr/bin/rustc CARGO=/usr/bin/cargo RUSTC_BOOTSTRAP=1 \
      CARGO_UNSTABLE_BUILD_STD=core,alloc,compiler_builtins
  fi
  case $target in
    thumb*)
      local resource acle
      resource=$(clang -print-resource-dir) || {
        echo "env.sh: clang is needed for zephyr-lang-rust's bindgen (scripts/setup.sh)" >&2
        return 1
      }
      acle="-D_GCC_ARM_ACLE_H -include $resource/include/arm_acle.h"
      # bindgen reads BINDGEN_EXTRA_CLANG_ARGS_<target, - as _>; a name with a dot
      # (thumbv8m.main) cannot be exported, so those get the general one.
      case $target in
        *.*) export BINDGEN_EXTRA_CLANG_ARGS="$acle" ;;
        *) export "BINDGEN_EXTRA_CLANG_ARGS_${target//-/_}=$acle" ;;
      esac
      ;;
  esac
}

# samples/nusim_client needs zcbor (SenML CBOR): say so plainly where it is missing.
# Usage: nusim_require_zcbor <who>
nusim_require_zcbor() {
  if [ ! -d "$ZP/modules/lib/zcbor" ]; then
    echo "$1: samples/nusim_client needs the zcbor module at $ZP/modules/lib/zcbor" \
      "(west.yml; docs/setup.md, 'Getting Zephyr')" >&2
    return 1
  fi
}

# Builds samples/nusim_client for the native board of the line into <dir>, quietly. A build directory
# from an older checkout may name files that are gone: it is configured afresh then.
# Usage: nusim_build_sample <dir> [cmake args...]
nusim_build_sample() {
  local dir=$1
  shift
  local cfg=(cmake -GNinja -S "$NUSIM_ROOT/samples/nusim_client" -B "$dir" -DBOARD="$NUSIM_BOARD_NATIVE"
             -DZEPHYR_TOOLCHAIN_VARIANT=host -DZEPHYR_MODULES="$NUSIM_MODULES" "$@")
  "${cfg[@]}" >/dev/null 2>&1 || { rm -rf "$dir"; "${cfg[@]}" >/dev/null; }
  ninja -C "$dir" >"$dir/ninja.log" 2>&1 || { tail -30 "$dir/ninja.log" >&2; return 1; }
}
