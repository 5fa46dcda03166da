# nghttp2 ships a pkg-config file on Debian but no CMake package; wrap it as nghttp2::nghttp2.
if(NOT TARGET nghttp2::nghttp2)
  find_package(PkgConfig QUIET)
  if(PkgConfig_FOUND)
    pkg_check_modules(BEDROCK_PC_NGHTTP2 QUIET libnghttp2)
  endif()
  find_path(NGHTTP2_INCLUDE_DIR nghttp2/nghttp2.h HINTS ${BEDROCK_PC_NGHTTP2_INCLUDE_DIRS})
  find_library(NGHTTP2_LIBRARY NAMES nghttp2 HINTS ${BEDROCK_PC_NGHTTP2_LIBRARY_DIRS})
  if(NOT NGHTTP2_INCLUDE_DIR OR NOT NGHTTP2_LIBRARY)
    message(FATAL_ERROR "bedrock: nghttp2 not found (Debian: apt-get install libnghttp2-dev)")
  endif()
  add_library(nghttp2::nghttp2 UNKNOWN IMPORTED)
  set_target_properties(nghttp2::nghttp2 PROPERTIES
    IMPORTED_LOCATION "${NGHTTP2_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${NGHTTP2_INCLUDE_DIR}")
endif()
