# Compiler flags flow only through these two INTERFACE targets, so nothing
# leaks into a consumer's build (the cmake_template pattern).
add_library(zddc_options INTERFACE)
add_library(zddc_warnings INTERFACE)

option(ZDDC_WERROR "Treat warnings as errors" OFF)
option(ZDDC_ENABLE_SANITIZER_ADDRESS "Build with AddressSanitizer" OFF)
option(ZDDC_ENABLE_SANITIZER_UNDEFINED "Build with UndefinedBehaviorSanitizer" OFF)
option(ZDDC_ENABLE_SANITIZER_THREAD "Build with ThreadSanitizer" OFF)

target_compile_options(zddc_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wcast-align
  -Woverloaded-virtual -Wimplicit-fallthrough
  $<$<BOOL:${ZDDC_WERROR}>:-Werror>
  # GCC 12 reports Asio's coroutine frame allocator as a mismatched
  # new/delete pair when optimising (a known false positive on coroutines).
  $<$<CXX_COMPILER_ID:GNU>:-Wno-mismatched-new-delete>)

if(ZDDC_ENABLE_SANITIZER_THREAD AND ZDDC_ENABLE_SANITIZER_ADDRESS)
  message(FATAL_ERROR "ThreadSanitizer cannot be combined with AddressSanitizer")
endif()

set(_zddc_sanitizers "")
if(ZDDC_ENABLE_SANITIZER_ADDRESS)
  list(APPEND _zddc_sanitizers address)
endif()
if(ZDDC_ENABLE_SANITIZER_UNDEFINED)
  list(APPEND _zddc_sanitizers undefined)
endif()
if(ZDDC_ENABLE_SANITIZER_THREAD)
  list(APPEND _zddc_sanitizers thread)
endif()
if(_zddc_sanitizers)
  list(JOIN _zddc_sanitizers "," _zddc_sanitizer_list)
  target_compile_options(zddc_options INTERFACE
    -fsanitize=${_zddc_sanitizer_list} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(zddc_options INTERFACE -fsanitize=${_zddc_sanitizer_list})
endif()

# The daemon's allocator. A small GET makes about 24 small allocations and 7
# coroutine frames too large for Asio's recycling; gperftools' tcmalloc
# (Debian's libgoogle-perftools-dev) serves them in less user CPU than
# glibc's malloc, for about 4 MiB more peak RSS (README, Benchmarks). Off
# under a sanitizer, which brings its own allocator; only the daemon's
# binary links it.
if(_zddc_sanitizers)
  set(_zddc_tcmalloc_default OFF)
else()
  set(_zddc_tcmalloc_default ON)
endif()
option(ZDDC_TCMALLOC "Link the zddc daemon with tcmalloc (gperftools)" ${_zddc_tcmalloc_default})
if(ZDDC_TCMALLOC)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(TCMALLOC REQUIRED IMPORTED_TARGET libtcmalloc_minimal)
endif()

# The sanitizer build spends most of its compile time generating optimised
# code for Beast's and Asio's composed operations and for the roles'
# coroutines. Sources the test suite never runs CPU-bound (the daemon's
# server, transport and main; the unit, property and integration tests,
# which run in seconds; the benchmarks, which the suite only builds; the
# header checks) compile at -O0 in the `dev` preset. The simulator and the
# roles as it runs them (the CPU-bound sweeps) keep the preset's -O1.
option(ZDDC_QUICK_BUILD "Compile sources the tests never run CPU-bound at -O0 (the sanitizer preset's compile time)" OFF)
function(zddc_quick_build)
  if(ZDDC_QUICK_BUILD)
    set_source_files_properties(${ARGN} PROPERTIES COMPILE_OPTIONS -O0)
  endif()
endfunction()
# The same for every source of a target (a unity build's generated sources
# carry the target's options, not their parts').
function(zddc_quick_build_target target)
  if(ZDDC_QUICK_BUILD)
    target_compile_options(${target} PRIVATE -O0)
  endif()
endfunction()
