# `cmake --install BUILD --prefix PREFIX`: the library, the public headers
# (lib/include/loupe/ and the generated version.h; nothing internal), the
# `loupe` command, a CMake package (find_package(Loupe), Loupe::loupe) and a
# pkg-config file. Every installed file that points at others does so
# relative to itself, so PREFIX may be chosen at install time and moved later.

include(CMakePackageConfigHelpers)

set(LOUPE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/Loupe)
get_target_property(loupe_library_type loupe TYPE)
if(loupe_library_type STREQUAL "STATIC_LIBRARY")
  set(LOUPE_STATIC ON)
else()
  set(LOUPE_STATIC OFF)
endif()

install(TARGETS loupe EXPORT LoupeTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/lib/include/loupe
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h")
install(FILES ${PROJECT_BINARY_DIR}/lib/generated/include/loupe/version.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/loupe)
install(EXPORT LoupeTargets NAMESPACE Loupe:: DESTINATION ${LOUPE_CMAKE_DIR})

configure_package_config_file(cmake/LoupeConfig.cmake.in ${PROJECT_BINARY_DIR}/LoupeConfig.cmake
  INSTALL_DESTINATION ${LOUPE_CMAKE_DIR})
# Before 1.0 a minor release may change the API, so only the same minor
# version satisfies find_package(Loupe 0.1).
write_basic_package_version_file(${PROJECT_BINARY_DIR}/LoupeConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/LoupeConfig.cmake ${PROJECT_BINARY_DIR}/LoupeConfigVersion.cmake
  DESTINATION ${LOUPE_CMAKE_DIR})

# pkg-config: the prefix is found from the .pc file's own folder.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  message(FATAL_ERROR "CMAKE_INSTALL_LIBDIR must be relative to the prefix (the package is relocatable)")
endif()
file(RELATIVE_PATH LOUPE_PC_PREFIX_FROM_PCFILEDIR
  /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
string(REGEX REPLACE "/$" "" LOUPE_PC_PREFIX_FROM_PCFILEDIR "${LOUPE_PC_PREFIX_FROM_PCFILEDIR}")
# A static library is of no use without its dependencies, so they are in
# Libs and Requires (plain `pkg-config --libs loupe` links); a shared one
# brings them itself and lists them as private, for `--static` only.
set(LOUPE_PC_DEPENDENCY_MODULES "libzstd libxxhash simdjson")
set(LOUPE_PC_DEPENDENCY_LIBS "-lstemmer -lboost_iostreams -pthread")
if(LOUPE_STATIC)
  set(LOUPE_PC_REQUIRES "Requires: ${LOUPE_PC_DEPENDENCY_MODULES}")
  set(LOUPE_PC_LIBS "-lloupe ${LOUPE_PC_DEPENDENCY_LIBS}")
  set(LOUPE_PC_LIBS_PRIVATE "")
else()
  set(LOUPE_PC_REQUIRES "Requires.private: ${LOUPE_PC_DEPENDENCY_MODULES}")
  set(LOUPE_PC_LIBS "-lloupe")
  set(LOUPE_PC_LIBS_PRIVATE "Libs.private: ${LOUPE_PC_DEPENDENCY_LIBS}")
endif()
configure_file(cmake/loupe.pc.in ${PROJECT_BINARY_DIR}/loupe.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/loupe.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
