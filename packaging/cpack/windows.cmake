# Windows: an installer (NSIS by default, WiX with -DKMS_WINDOWS_INSTALLER=WIX)
# holding hanzo-kms.exe and hanzo-kmsctl.exe with the Qt DLLs and plugins that
# windeployqt copies, the other DLLs they load (QtKeychain, OpenSSL, yaml-cpp)
# and the compiler runtime. Included from packaging/CMakeLists.txt; written
# for, but not built on, this project's Linux machines (README.md).
#   cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=<Qt, QtKeychain, ...>
#   cmake --build build --config Release && cpack --config build/CPackConfig.cmake -C Release -B dist
set(KMS_WINDOWS_INSTALLER NSIS CACHE STRING "CPack generator on Windows: NSIS or WIX")
set_property(CACHE KMS_WINDOWS_INSTALLER PROPERTY STRINGS NSIS WIX)
set(CPACK_GENERATOR ${KMS_WINDOWS_INSTALLER})
# One installer with the desktop app; the gateway is a Linux container.
set(CPACK_COMPONENTS_ALL desktop)
set(CPACK_PACKAGE_FILE_NAME "HanzoKMS-${PROJECT_VERSION}-win64")
set(CPACK_PACKAGE_EXECUTABLES hanzo-kms "Hanzo KMS")
set(_ico ${PROJECT_SOURCE_DIR}/resources/icons/ai.hanzo.KmsDesktop.ico)

# The icon in the executable (Explorer, taskbar).
target_sources(hanzo-kms PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../windows/hanzo-kms.rc)

set(CPACK_NSIS_PACKAGE_NAME "Hanzo KMS")
set(CPACK_NSIS_DISPLAY_NAME "Hanzo KMS ${PROJECT_VERSION}")
set(CPACK_NSIS_MUI_ICON ${_ico})
set(CPACK_NSIS_MUI_UNIICON ${_ico})
set(CPACK_NSIS_INSTALLED_ICON_NAME "bin\\\\hanzo-kms.exe")
set(CPACK_NSIS_MODIFY_PATH ON)           # offers to put bin\ (hanzo-kmsctl) on PATH
set(CPACK_NSIS_ENABLE_UNINSTALL_BEFORE_INSTALL ON)
set(CPACK_NSIS_EXECUTABLES_DIRECTORY bin)

# Fixed forever: lets a newer .msi replace an older one.
set(CPACK_WIX_UPGRADE_GUID "6C1E0F2A-7B4D-4E55-9B1A-3D2F8E6A4C10")
set(CPACK_WIX_PRODUCT_ICON ${_ico})
set(CPACK_WIX_PROGRAM_MENU_FOLDER "Hanzo KMS")

# The MSVC runtime DLLs, next to the executables.
set(CMAKE_INSTALL_SYSTEM_RUNTIME_DESTINATION ${CMAKE_INSTALL_BINDIR})
set(CMAKE_INSTALL_SYSTEM_RUNTIME_COMPONENT desktop)
include(InstallRequiredSystemLibraries)

find_program(KMS_WINDEPLOYQT windeployqt HINTS "${QT6_INSTALL_PREFIX}/${QT6_INSTALL_BINS}")
if(KMS_WINDEPLOYQT)
  configure_file(${CMAKE_CURRENT_LIST_DIR}/windows-deploy.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/windows-deploy.cmake @ONLY)
  install(SCRIPT ${CMAKE_CURRENT_BINARY_DIR}/windows-deploy.cmake COMPONENT desktop)
else()
  message(WARNING "windeployqt not found next to Qt: installs and installers will not be self-contained")
endif()
