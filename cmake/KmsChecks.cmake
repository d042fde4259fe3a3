# The builds CI makes besides the normal one (packaging/run-tests.sh):
#
#   KMS_SANITIZE=ON  every target (libraries, apps, tests, kms-testcluster)
#                    under AddressSanitizer + UndefinedBehaviorSanitizer; the
#                    first report aborts the process, so the test fails.
#   KMS_FUZZ=ON      clang only: the libFuzzer targets of tests/fuzz and the
#                    libraries they need, instrumented the same way; nothing else.
#
# Both use the Debug configuration with its flags replaced: -O1 keeps the
# sanitizers fast, -g1 (line tables) is enough for symbolised reports and
# keeps compile and link times down; Q_ASSERT stays on (no QT_NO_DEBUG).
option(KMS_SANITIZE "Build every target with -fsanitize=address,undefined" OFF)
option(KMS_FUZZ "Build only the libFuzzer targets (tests/fuzz) with clang" OFF)
option(KMS_BENCHMARKS "Build the benchmarks (tests/bench)" ON)

if(KMS_SANITIZE OR KMS_FUZZ)
  if(NOT CMAKE_BUILD_TYPE STREQUAL "Debug")
    message(FATAL_ERROR "KMS_SANITIZE and KMS_FUZZ builds use CMAKE_BUILD_TYPE=Debug (packaging/build.sh sets it)")
  endif()
  set(CMAKE_CXX_FLAGS_DEBUG "-O1 -g1")
  # -fno-sanitize-recover: UBSan's reports otherwise print and carry on, and a
  # test that passed would hide them. GCC leaves float-cast-overflow (1e300
  # into an integer) out of "undefined"; clang includes it.
  set(KMS_SANITIZERS address,undefined,float-cast-overflow)
  add_compile_options(-fsanitize=${KMS_SANITIZERS} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${KMS_SANITIZERS})
  # Tests scale their time and memory bounds (tests/support/TestSupport.h).
  add_compile_definitions(KMS_SANITIZED)
endif()

if(KMS_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "KMS_FUZZ needs clang (libFuzzer): configure with CMAKE_CXX_COMPILER=clang++")
  endif()
  if(KMS_SANITIZE)
    message(FATAL_ERROR "KMS_FUZZ and KMS_SANITIZE are separate build folders; choose one")
  endif()
  # Coverage instrumentation for libFuzzer in every object; only the fuzz
  # targets link libFuzzer's main (-fsanitize=fuzzer, in tests/fuzz).
  add_compile_options(-fsanitize=fuzzer-no-link)
  # Clang 14's -fsanitize=function (part of "undefined") cannot compile
  # coroutines ("Cannot represent a difference across sections", LLVM #49689).
  add_compile_options(-fno-sanitize=function)
endif()
