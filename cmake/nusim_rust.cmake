# Copyright (c) 2026 nusim-lwm2m contributors
# SPDX-License-Identifier: Apache-2.0
#
# Builds the module's one Rust staticlib for the board's target and links it into the app.
#
# Cargo runs as a custom command whose dependencies come from the dep-info file cargo writes
# (every .rs and Cargo file that went into the library), plus autoconf.h (Kconfig sizes are
# passed as environment variables): editing a .rs file rebuilds and relinks, a no-op rebuild
# does not run cargo at all.
#
# Toolchain: where rustup has the target's standard library installed (`rustup target add`),
# the ordinary cargo builds it. Otherwise, for the bare-metal targets, a toolchain with the
# standard library's sources builds `core` itself (-Zbuild-std): Debian's rustc-web +
# cargo-web + rust-web-src in /usr/bin, or whatever NUSIM_RUST_BUILD_STD_CARGO/RUSTC name.

set(NUSIM_ROOT ${CMAKE_CURRENT_LIST_DIR}/..)

function(nusim_rust_target out)
  if(CONFIG_ARCH_POSIX)
    if(CONFIG_64BIT)
      set(t x86_64-unknown-linux-gnu)
    else()
      set(t i686-unknown-linux-gnu)
    endif()
  elseif(CONFIG_CPU_CORTEX_M0 OR CONFIG_CPU_CORTEX_M0PLUS OR CONFIG_CPU_CORTEX_M1)
    set(t thumbv6m-none-eabi)
  elseif(CONFIG_CPU_CORTEX_M3)
    set(t thumbv7m-none-eabi)
  elseif(CONFIG_CPU_CORTEX_M4 OR CONFIG_CPU_CORTEX_M7)
    if(CONFIG_FP_HARDABI)
      set(t thumbv7em-none-eabihf)
    else()
      set(t thumbv7em-none-eabi)
    endif()
  elseif(CONFIG_CPU_CORTEX_M23)
    set(t thumbv8m.base-none-eabi)
  elseif(CONFIG_CPU_CORTEX_M33 OR CONFIG_CPU_CORTEX_M55)
    if(CONFIG_FP_HARDABI)
      set(t thumbv8m.main-none-eabihf)
    else()
      set(t thumbv8m.main-none-eabi)
    endif()
  else()
    message(FATAL_ERROR
      "nusim-lwm2m: no Rust target is mapped for this CPU (ARCH=${ARCH}, board ${BOARD}). "
      "Add its triple to cmake/nusim_rust.cmake (nusim_rust_target).")
  endif()
  set(${out} ${t} PARENT_SCOPE)
endfunction()

# Sets CARGO_CMD (a list) for target `triple`: plain cargo if its std is installed, else
# build-std with a toolchain that has the library sources.
function(nusim_rust_cargo triple out_cmd out_buildstd)
  find_program(NUSIM_CARGO cargo HINTS $ENV{HOME}/.cargo/bin)
  find_program(NUSIM_RUSTC rustc HINTS $ENV{HOME}/.cargo/bin)
  if(NOT NUSIM_CARGO OR NOT NUSIM_RUSTC)
    message(FATAL_ERROR "nusim-lwm2m: cargo and rustc are needed (https://rustup.rs or Debian's cargo)")
  endif()
  execute_process(COMMAND ${NUSIM_RUSTC} --print sysroot OUTPUT_VARIABLE sysroot
                  OUTPUT_STRIP_TRAILING_WHITESPACE)
  # NUSIM_RUST_BUILD_STD=1 (environment, at configure time): build core here even where
  # it is installed, so that it aborts on a panic at once and links no core::fmt
  # (scripts/footprint sets it, to measure and check what a product build links).
  if(EXISTS "${sysroot}/lib/rustlib/${triple}/lib" AND NOT "$ENV{NUSIM_RUST_BUILD_STD}" STREQUAL "1")
    set(${out_cmd} ${CMAKE_COMMAND} -E env RUSTC=${NUSIM_RUSTC} ${NUSIM_CARGO} PARENT_SCOPE)
    set(${out_buildstd} OFF PARENT_SCOPE)
    return()
  endif()
  set(bs_cargo $ENV{NUSIM_RUST_BUILD_STD_CARGO})
  set(bs_rustc $ENV{NUSIM_RUST_BUILD_STD_RUSTC})
  if(NOT bs_cargo)
    set(bs_cargo /usr/bin/cargo)
    set(bs_rustc /usr/bin/rustc)
  endif()
  if(EXISTS ${bs_cargo} AND EXISTS ${bs_rustc})
    execute_process(COMMAND ${bs_rustc} --print sysroot OUTPUT_VARIABLE bs_sysroot
                    OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(EXISTS "${bs_sysroot}/lib/rustlib/src/rust/library/core")
      set(${out_cmd} ${CMAKE_COMMAND} -E env RUSTC=${bs_rustc} RUSTC_BOOTSTRAP=1 ${bs_cargo}
          PARENT_SCOPE)
      set(${out_buildstd} ON PARENT_SCOPE)
      return()
    endif()
  endif()
  message(FATAL_ERROR
    "nusim-lwm2m: Rust target ${triple} is not installed. Either `rustup target add ${triple}`, "
    "or install a toolchain with the standard library sources (Debian: apt-get install "
    "rustc-web cargo-web rust-web-src) so that core can be built with -Zbuild-std.")
endfunction()

# nusim_rust_staticlib(CRATE <package> LIB <lib name> [FEATURES f...] [ENV VAR=value...])
function(nusim_rust_staticlib)
  cmake_parse_arguments(R "" "CRATE;LIB" "FEATURES;ENV" ${ARGN})
  nusim_rust_target(triple)
  nusim_rust_cargo(${triple} cargo_cmd build_std)

  # NUSIM_RUST_TARGET_DIR (environment, at configure time): one cargo target directory
  # for builds that run one after the other (scripts/footprint), so core and the crates
  # are compiled once. Never for builds that run in parallel: they would race on the
  # one output library. Nor for a build directory built again after another build used
  # the directory: its ninja would link the other build's library without running cargo.
  if(DEFINED ENV{NUSIM_RUST_TARGET_DIR})
    set(target_dir $ENV{NUSIM_RUST_TARGET_DIR})
  else()
    set(target_dir ${CMAKE_BINARY_DIR}/nusim-rust)
  endif()
  set(lib ${target_dir}/${triple}/release/lib${R_LIB}.a)
  set(args build --release --locked -p ${R_CRATE} --target ${triple}
      --manifest-path ${NUSIM_ROOT}/Cargo.toml --target-dir ${target_dir})
  # The simulated nuSIM's brainpoolP256r1 (bp256, its ECDH) on crypto-bigint: about a third
  # of the default backend's flash (the checks' verifier is nusim-core's own).
  # SHA-256 with its rounds in a loop, not unrolled: about 6.5 KB less on Cortex-M; a
  # check hashes two short messages, so the time does not count.
  set(rustflags "'--cfg','bp256_backend=\"bigint\"','--cfg','sha2_backend_soft=\"compact\"'")
  if(build_std)
    # core is built here, so it can be built to abort on a panic at once
    # (panic=immediate-abort): no panic path links core::fmt's formatting (about 8 KB on
    # Cortex-M). A panic is then an undefined instruction, which Zephyr's fatal error
    # handler reports with the program counter (docs/measurements.md, "Footprint").
    list(APPEND args -Zbuild-std=core,compiler_builtins)
    string(APPEND rustflags ",'-Zunstable-options','-Cpanic=immediate-abort'")
    message(STATUS "nusim-lwm2m: Rust for ${triple}: core built here, panic=immediate-abort")
  else()
    message(STATUS "nusim-lwm2m: Rust for ${triple}: the installed core (its panic paths "
                   "link core::fmt)")
  endif()
  if(R_FEATURES)
    string(REPLACE ";" "," f "${R_FEATURES}")
    list(APPEND args --features ${f})
  endif()
  list(APPEND args --config "build.rustflags=[${rustflags}]")

  add_custom_command(
    OUTPUT ${lib}
    COMMAND ${CMAKE_COMMAND} -E env --unset=RUSTFLAGS --unset=CARGO_ENCODED_RUSTFLAGS
            CARGO_TERM_COLOR=never ${R_ENV} ${cargo_cmd} ${args}
    DEPFILE ${target_dir}/${triple}/release/lib${R_LIB}.d
    DEPENDS ${AUTOCONF_H} ${NUSIM_ROOT}/Cargo.toml ${NUSIM_ROOT}/Cargo.lock
    WORKING_DIRECTORY ${NUSIM_ROOT}
    COMMENT "Building Rust staticlib ${R_CRATE} for ${triple}"
    VERBATIM USES_TERMINAL
  )
  add_custom_target(${R_LIB}_build DEPENDS ${lib})
  add_library(${R_LIB} STATIC IMPORTED GLOBAL)
  set_target_properties(${R_LIB} PROPERTIES IMPORTED_LOCATION ${lib})
  add_dependencies(${R_LIB} ${R_LIB}_build)
  zephyr_link_libraries(${R_LIB})
endfunction()
