# Warnings are errors for the project's own targets.
function(kms_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
endfunction()

# Sources of a layer, by folder. Globbing keeps the build lists from being a
# merge point; CONFIGURE_DEPENDS picks up new files on the next build.
function(kms_sources out)
  set(result)
  foreach(dir IN LISTS ARGN)
    file(GLOB found CONFIGURE_DEPENDS ${dir}/*.cpp ${dir}/*.h)
    list(APPEND result ${found})
  endforeach()
  set(${out} ${result} PARENT_SCOPE)
endfunction()

# One Qt Test executable per tests/<kind>/tst_<name>.cpp, registered with CTest
# as <kind>_<name>. Each test gets its own keychain service name so tests can
# run in parallel against one keyring, and runs offscreen.
function(kms_add_tests kind)
  cmake_parse_arguments(ARG "" "TIMEOUT" "LIBS;LABELS" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  # A sanitized build runs several times slower: more time per test, and per
  # test function (Qt Test's own limit is 300 s).
  set(env "QT_QPA_PLATFORM=offscreen")
  if(KMS_SANITIZE)
    math(EXPR ARG_TIMEOUT "${ARG_TIMEOUT} * 3")
    list(APPEND env "QTEST_FUNCTION_TIMEOUT=900000")
  endif()
  file(GLOB tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/tst_*.cpp)
  foreach(src IN LISTS tests)
    get_filename_component(base ${src} NAME_WE)
    string(REGEX REPLACE "^tst_" "" name ${base})
    set(target ${kind}_${name})
    add_executable(${target} ${src})
    target_link_libraries(${target} PRIVATE ${ARG_LIBS} Qt6::Test)
    kms_warnings(${target})
    add_test(NAME ${target} COMMAND ${target})
    set_tests_properties(${target} PROPERTIES
      TIMEOUT ${ARG_TIMEOUT}
      LABELS "${kind};${ARG_LABELS}"
      ENVIRONMENT "${env};HANZO_KMS_KEYCHAIN_SERVICE=hanzo-kms-test-${target}")
  endforeach()
endfunction()
