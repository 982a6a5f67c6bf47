# Sourced by the scripts: where Zephyr and its modules are, and the CMake arguments that
# every build here needs. Override ZEPHYR_BASE to use another tree.
export ZEPHYR_BASE=${ZEPHYR_BASE:-$HOME/zephyrproject/zephyr}
ZP=$(dirname "$ZEPHYR_BASE")
NUSIM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ -x "$ZP/.venv/bin/python3" ]; then
  export PATH="$ZP/.venv/bin:$PATH"
fi
export PATH="$HOME/.cargo/bin:$PATH"
# Outside a west workspace Zephyr 3.4.99 needs every module in ZEPHYR_MODULES.
NUSIM_MODULES="$NUSIM_ROOT"
for m in "$ZP/modules/hal/cmsis" "$ZP/modules/hal/nordic" "$ZP/modules/lib/zcbor"; do
  [ -d "$m" ] && NUSIM_MODULES="$NUSIM_MODULES;$m"
done
export NUSIM_MODULES
NUSIM_CMAKE_ARGS=(-DZEPHYR_MODULES="$NUSIM_MODULES" -DZEPHYR_TOOLCHAIN_VARIANT=gnuarmemb -DGNUARMEMB_TOOLCHAIN_PATH=/usr)

# samples/nusim_client needs zcbor (SenML CBOR): say so plainly where it is missing.
# Usage: nusim_require_zcbor <who>
nusim_require_zcbor() {
  if [ ! -d "$ZP/modules/lib/zcbor" ]; then
    echo "$1: samples/nusim_client needs the zcbor module at $ZP/modules/lib/zcbor" \
      "(west.yml; docs/setup.md, 'Getting Zephyr')" >&2
    return 1
  fi
}

# Builds samples/nusim_client for native_sim_64 into <dir>, quietly. A build directory
# from an older checkout may name files that are gone: it is configured afresh then.
# Usage: nusim_build_sample <dir> [cmake args...]
nusim_build_sample() {
  local dir=$1
  shift
  local cfg=(cmake -GNinja -S "$NUSIM_ROOT/samples/nusim_client" -B "$dir" -DBOARD=native_sim_64
             -DZEPHYR_TOOLCHAIN_VARIANT=host -DZEPHYR_MODULES="$NUSIM_MODULES" "$@")
  "${cfg[@]}" >/dev/null 2>&1 || { rm -rf "$dir"; "${cfg[@]}" >/dev/null; }
  ninja -C "$dir" >"$dir/ninja.log" 2>&1 || { tail -30 "$dir/ninja.log" >&2; return 1; }
}
