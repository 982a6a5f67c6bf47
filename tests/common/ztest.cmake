# SPDX-License-Identifier: Apache-2.0
# Included by the test suites before find_package(Zephyr). Zephyr 3.x (3.4.99 of nRF Connect
# SDK 2.5) has the new ztest API behind CONFIG_ZTEST_NEW_API; 4.x has only that API and
# refuses the option, so it comes in as an extra fragment on 3.x alone.
file(STRINGS $ENV{ZEPHYR_BASE}/VERSION nusim_zephyr_major REGEX "^VERSION_MAJOR")
string(REGEX MATCH "[0-9]+" nusim_zephyr_major "${nusim_zephyr_major}")
if(nusim_zephyr_major LESS 4)
  set(EXTRA_CONF_FILE ${CMAKE_CURRENT_LIST_DIR}/ztest-3.conf ${EXTRA_CONF_FILE})
endif()
