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
