#!/usr/bin/env bash
# Footprint of the module on a board (default qemu_cortex_m3), measured from the build:
# the same app (tests/lwm2m_nusim) with CONFIG_LWM2M_NUSIM=n and =y; then how the module's
# share splits between the objects and the simulated nuSIM, from the symbol sizes.
# Usage: scripts/footprint.sh [board]   (needs the Zephyr tree: see README)
set -euo pipefail
board=${1:-qemu_cortex_m3}
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/env.sh"
out=${FOOTPRINT_OUT:-/tmp/nusim-footprint}
size_of() { # flash = text + data, RAM = data + bss (arm-none-eabi-size)
  arm-none-eabi-size "$1" | awk 'NR==2 {print $1+$2, $2+$3}'
}
for v in n y; do
  rm -rf "$out/$v"
  cmake -GNinja -S "$root/tests/lwm2m_nusim" -B "$out/$v" -DBOARD="$board" "${NUSIM_CMAKE_ARGS[@]}" \
    -DCONFIG_LWM2M_NUSIM=$v >"$out.$v.log" 2>&1
  ninja -C "$out/$v" >>"$out.$v.log" 2>&1
done
read -r fn rn < <(size_of "$out/n/zephyr/zephyr.elf")
read -r fy ry < <(size_of "$out/y/zephyr/zephyr.elf")
echo "board $board: app without the module: flash $fn B, RAM $rn B"
echo "board $board: app with the module:    flash $fy B, RAM $ry B"
echo "module (objects + simulated nuSIM, incl. 8 KB work-queue stack): flash $((fy - fn)) B, RAM $((ry - rn)) B"
# Split by symbol: the simulator's share and Rust's formatting code.
arm-none-eabi-nm -S --size-sort -C "$out/y/zephyr/zephyr.elf" | python3 "$root/scripts/footprint_split.py"
