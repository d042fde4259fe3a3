# macOS: a drag-and-drop .dmg holding "Hanzo KMS.app", made self-contained by
# macdeployqt. hanzo-kmsctl travels inside the bundle (Contents/MacOS), so it
# shares the deployed frameworks. Included from packaging/CMakeLists.txt;
# written for, but not built on, this project's Linux machines (README.md).
#   cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
#   cmake --build build && cpack --config build/CPackConfig.cmake -B dist
set(CPACK_GENERATOR DragNDrop)
# One image with the app; the gateway is a Linux container, not packaged here.
set(CPACK_COMPONENTS_ALL desktop)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
set(CPACK_DMG_VOLUME_NAME "Hanzo KMS")
set(CPACK_DMG_FORMAT UDZO)
set(CPACK_PACKAGE_FILE_NAME "HanzoKMS-${PROJECT_VERSION}-macOS")
# Signing is optional: give a "Developer ID Application: ..." identity to sign
# with the hardened runtime (notarize the .dmg afterwards with notarytool).
set(KMS_MACOS_SIGN_IDENTITY "" CACHE STRING "codesign identity for macdeployqt; empty: not signed")

find_program(KMS_MACDEPLOYQT macdeployqt HINTS "${QT6_INSTALL_PREFIX}/${QT6_INSTALL_BINS}")
find_program(KMS_ICONUTIL iconutil REQUIRED)

# The bundle's Info.plist and icon (an .icns made from the committed PNGs).
set(_iconset ${CMAKE_CURRENT_BINARY_DIR}/ai.hanzo.KmsDesktop.iconset)
set(_icns ${CMAKE_CURRENT_BINARY_DIR}/ai.hanzo.KmsDesktop.icns)
set(_png_dir ${PROJECT_SOURCE_DIR}/resources/icons/hicolor)
file(MAKE_DIRECTORY ${_iconset})
foreach(pair IN ITEMS 16:16x16 32:16x16@2x 32:32x32 64:32x32@2x 128:128x128 256:128x128@2x 256:256x256)
  string(REPLACE ":" ";" pair "${pair}")
  list(GET pair 0 size)
  list(GET pair 1 name)
  configure_file(${_png_dir}/${size}x${size}/apps/ai.hanzo.KmsDesktop.png ${_iconset}/icon_${name}.png COPYONLY)
endforeach()
execute_process(COMMAND ${KMS_ICONUTIL} -c icns -o ${_icns} ${_iconset} COMMAND_ERROR_IS_FATAL ANY)
set_target_properties(hanzo-kms PROPERTIES
  OUTPUT_NAME "Hanzo KMS"
  MACOSX_BUNDLE_BUNDLE_NAME "Hanzo KMS"
  MACOSX_BUNDLE_GUI_IDENTIFIER ai.hanzo.KmsDesktop
  MACOSX_BUNDLE_ICON_FILE ai.hanzo.KmsDesktop.icns
  MACOSX_BUNDLE_SHORT_VERSION_STRING ${PROJECT_VERSION}
  MACOSX_BUNDLE_BUNDLE_VERSION ${PROJECT_VERSION}
  MACOSX_BUNDLE_COPYRIGHT "Hanzo, Apache-2.0")
install(FILES ${_icns} DESTINATION "Hanzo KMS.app/Contents/Resources" COMPONENT desktop)

# After the binaries are installed (app/ and resources/ come first): move the
# CLI into the bundle and run macdeployqt on both executables.
if(KMS_MACDEPLOYQT)
  configure_file(${CMAKE_CURRENT_LIST_DIR}/macos-deploy.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/macos-deploy.cmake @ONLY)
  install(SCRIPT ${CMAKE_CURRENT_BINARY_DIR}/macos-deploy.cmake COMPONENT desktop)
else()
  message(WARNING "macdeployqt not found next to Qt: installs and .dmg files will not be self-contained")
endif()
