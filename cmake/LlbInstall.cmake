# Install rules: what `cmake --install build --prefix P` puts where (docs/install.md).
#   P/sbin                       llbitmap-examine, -repair, -resync, -undo, -create (as mdadm, e2fsck)
#   P/bin                        llbitmap-sim (a simulator, not an administration tool)
#   P/lib/<multiarch>            libllbitmap.so.0 (soname), libllbitmap.so (development link)
#   P/include/llbitmap/libformat the library's headers, included as "libformat/<layer>/x.h"
#   P/lib/<multiarch>/pkgconfig  llbitmap.pc
#   P/lib/<multiarch>/cmake/llbitmap   find_package(llbitmap) -> llbitmap::llbitmap
#   P/share/man/man8, man3       a page per tool, libllbitmap(3)
#   P/share/bash-completion/completions   one script, under each tool's name
#   P/share/doc/llbitmap-tools   the user documentation
#   the Python package `llbitmap` where Debian's /usr/bin/python3 looks (python/CMakeLists.txt)
# Components: tools, lib, dev, python (the Debian packages split along them).
include(CMakePackageConfigHelpers)

install(TARGETS llbitmap-examine llbitmap-repair llbitmap-resync llbitmap-undo llbitmap-create
        RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR} COMPONENT tools)
install(TARGETS llbitmap-sim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT tools)

set(LLB_MAN8 llbitmap-examine llbitmap-repair llbitmap-resync llbitmap-undo llbitmap-create
    llbitmap-sim)
foreach(page ${LLB_MAN8})
  install(FILES ${PROJECT_SOURCE_DIR}/docs/man/${page}.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8
          COMPONENT tools)
  install(FILES ${PROJECT_SOURCE_DIR}/tools/completion/llbitmap DESTINATION
          ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME ${page} COMPONENT tools)
endforeach()
file(GLOB LLB_DOCS ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${LLB_DOCS} DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/llbitmap-tools
        COMPONENT tools)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/findings DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/llbitmap-tools
        COMPONENT tools)

if(TARGET llbitmap)
  install(TARGETS llbitmap EXPORT llbitmapTargets
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT lib NAMELINK_COMPONENT dev)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/libformat/ DESTINATION
          ${CMAKE_INSTALL_INCLUDEDIR}/llbitmap/libformat COMPONENT dev FILES_MATCHING PATTERN "*.h")
  install(FILES ${PROJECT_SOURCE_DIR}/docs/man/libllbitmap.3
          DESTINATION ${CMAKE_INSTALL_MANDIR}/man3 COMPONENT dev)

  # pkg-config: paths relative to the prefix the .pc file was installed under, so a tree moved
  # elsewhere (a package unpacked with dpkg -x) still works with PKG_CONFIG_SYSROOT_DIR or
  # PKG_CONFIG_PATH alone.
  file(RELATIVE_PATH LLB_PC_TO_PREFIX
       /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
  configure_file(${PROJECT_SOURCE_DIR}/cmake/llbitmap.pc.in ${PROJECT_BINARY_DIR}/llbitmap.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/llbitmap.pc
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)

  set(LLB_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/llbitmap)
  install(EXPORT llbitmapTargets NAMESPACE llbitmap:: DESTINATION ${LLB_CMAKE_DIR} COMPONENT dev)
  configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/llbitmapConfig.cmake.in
    ${PROJECT_BINARY_DIR}/llbitmapConfig.cmake INSTALL_DESTINATION ${LLB_CMAKE_DIR})
  write_basic_package_version_file(${PROJECT_BINARY_DIR}/llbitmapConfigVersion.cmake
    COMPATIBILITY SameMajorVersion)
  install(FILES ${PROJECT_BINARY_DIR}/llbitmapConfig.cmake
          ${PROJECT_BINARY_DIR}/llbitmapConfigVersion.cmake
          DESTINATION ${LLB_CMAKE_DIR} COMPONENT dev)
endif()
