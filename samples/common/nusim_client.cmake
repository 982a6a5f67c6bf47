# SPDX-License-Identifier: Apache-2.0
# The LwM2M client of the nuSIM samples (common/nusim_client.c), for a sample's
# CMakeLists.txt after project(): its source, and with
# CONFIG_NUSIM_CLIENT_CREDENTIALS_X509 the device's certificate, key and CA from
# CONFIG_NUSIM_CLIENT_CERT_DIR, embedded as generated includes.
target_sources(app PRIVATE ${CMAKE_CURRENT_LIST_DIR}/nusim_client.c)
target_include_directories(app PRIVATE ${CMAKE_CURRENT_LIST_DIR})

if(CONFIG_NUSIM_CLIENT_CREDENTIALS_X509)
  set(certs "${CONFIG_NUSIM_CLIENT_CERT_DIR}")
  if(certs STREQUAL "")
    message(FATAL_ERROR "CONFIG_NUSIM_CLIENT_CREDENTIALS_X509 needs CONFIG_NUSIM_CLIENT_CERT_DIR: "
      "a directory with client.der, client-key.der and ca.der "
      "(python3 tests/e2e/harness/x509.py DIR writes a demo set)")
  endif()
  get_filename_component(certs "${certs}" ABSOLUTE BASE_DIR "${APPLICATION_SOURCE_DIR}")
  set(gen ${ZEPHYR_BINARY_DIR}/include/generated/nusim_client)
  foreach(f client client-key ca)
    if(NOT EXISTS "${certs}/${f}.der")
      message(FATAL_ERROR "CONFIG_NUSIM_CLIENT_CERT_DIR (${certs}) has no ${f}.der")
    endif()
    generate_inc_file_for_target(app "${certs}/${f}.der" ${gen}/${f}.der.inc)
  endforeach()
  target_include_directories(app PRIVATE ${gen})
endif()

# Zephyr 4.3's engine calls lwm2m_server_short_id_to_inst() and lwm2m_server_get_ssid()
# in lwm2m_registry.c and lwm2m_obj_access_control.c with CONFIG_LWM2M_ACCESS_CONTROL_ENABLE
# without including their declarations (lwm2m_obj_server.h): implicit declarations, errors
# with warnings as errors. Where that header exists (4.x; 3.4.99 declares them in
# lwm2m_engine.h), the engine's library gets it first; it has an include guard.
set(server_h ${ZEPHYR_BASE}/subsys/net/lib/lwm2m/lwm2m_obj_server.h)
if(CONFIG_LWM2M_ACCESS_CONTROL_ENABLE AND EXISTS ${server_h} AND TARGET subsys__net__lib__lwm2m)
  target_compile_options(subsys__net__lib__lwm2m PRIVATE -include ${server_h})
endif()
