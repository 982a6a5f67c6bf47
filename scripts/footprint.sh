#!/usr/bin/env bash
# Footprint of the module on a board (default qemu_cortex_m3), measured from builds of
# benchmarks/footprint (a minimal LwM2M client):
#   base      the client alone
#   sim       + Objects 507/508, simulated nuSIM, device-side checks (the demo setup)
#   at        + Objects 507/508, AT driver, device-side checks (a product setup)
#   at-nochk  + Objects 507/508, AT driver, checks off (CONFIG_LWM2M_NUSIM_CHECK_PACKAGES=n)
#   at-settings / at-persist  the AT setup with settings on NVS, persistence off / on
#             (on FOOTPRINT_PERSIST_BOARD, default nrf9160dk (either line's name): it has a storage
#             partition); their difference is the cost of CONFIG_LWM2M_NUSIM_PERSIST
# Differences to base are the module's cost; at - at-nochk is the cost of the checks.
# Flash = text + data, RAM = data + bss (arm-none-eabi-size); RAM includes the work
# queue's stack (CONFIG_LWM2M_NUSIM_WORKQ_STACK_SIZE).
# Usage: scripts/footprint.sh [board]   (needs the Zephyr tree: see docs/setup.md)
set -euo pipefail
board=${1:-qemu_cortex_m3}
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/env.sh"
out=${FOOTPRINT_OUT:-/tmp/nusim-footprint}
app="$root/benchmarks/footprint"
size_of() {
  arm-none-eabi-size "$1" | awk 'NR==2 {print $1+$2, $2+$3}'
}
build() { # name, extra cmake args...
  local v=$1
  shift
  rm -rf "$out/$v"
  cmake -GNinja -S "$app" -B "$out/$v" -DBOARD="$board" "${NUSIM_CMAKE_ARGS[@]}" "$@" \
    >"$out.$v.log" 2>&1 && ninja -C "$out/$v" >>"$out.$v.log" 2>&1 \
    || { tail -30 "$out.$v.log"; echo "footprint build $v FAILED"; exit 1; }
  size_of "$out/$v/zephyr/zephyr.elf"
}
mkdir -p "$out"
read -r fb rb < <(build base)
read -r fs rs < <(build sim -DCONFIG_LWM2M_NUSIM=y -DEXTRA_DTC_OVERLAY_FILE="$app/sim.overlay")
read -r fa ra < <(build at -DCONFIG_LWM2M_NUSIM=y -DEXTRA_DTC_OVERLAY_FILE="$app/at.overlay")
read -r fn rn < <(build at-nochk -DCONFIG_LWM2M_NUSIM=y -DCONFIG_LWM2M_NUSIM_CHECK_PACKAGES=n \
  -DEXTRA_DTC_OVERLAY_FILE="$app/at.overlay")
stack() { grep -E '^CONFIG_LWM2M_NUSIM_WORKQ_STACK_SIZE=' "$out/$1/zephyr/.config" | cut -d= -f2; }
echo "board $board, LwM2M client alone: flash $fb B, RAM $rb B"
printf '%-44s flash %+7d B, RAM %+7d B (work-queue stack %s B)\n' \
  "module, simulated nuSIM, checks:" $((fs - fb)) $((rs - rb)) "$(stack sim)" \
  "module, AT driver, checks:" $((fa - fb)) $((ra - rb)) "$(stack at)" \
  "module, AT driver, no checks:" $((fn - fb)) $((rn - rb)) "$(stack at-nochk)" \
  "device-side checks (at - at-nochk):" $((fa - fn)) $((ra - rn)) "-"
# Persistence (CONFIG_LWM2M_NUSIM_PERSIST) needs a board with a flash driver and a storage
# partition for NVS: measured on $persist_board, both builds with settings on NVS.
persist_board=${FOOTPRINT_PERSIST_BOARD:-$NUSIM_BOARD_NRF9160}
settings=(-DCONFIG_LWM2M_NUSIM=y -DEXTRA_DTC_OVERLAY_FILE="$app/at.overlay" -DCONFIG_FLASH=y
  -DCONFIG_FLASH_MAP=y -DCONFIG_NVS=y -DCONFIG_SETTINGS=y -DCONFIG_SETTINGS_NVS=y)
board_was=$board
board=$persist_board
read -r fo ro < <(build at-settings "${settings[@]}" -DCONFIG_LWM2M_NUSIM_PERSIST=n)
read -r fp rp < <(build at-persist "${settings[@]}")
board=$board_was
printf '%-44s flash %+7d B, RAM %+7d B (on %s)\n' \
  "persistence, backup, fallback, policy:" $((fp - fo)) $((rp - ro)) "$persist_board"
# Split by symbol: the simulator's share and Rust's formatting code.
arm-none-eabi-nm -S --size-sort -C "$out/sim/zephyr/zephyr.elf" | python3 "$root/scripts/footprint_split.py"
