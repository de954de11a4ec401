find_package(GTest REQUIRED)
find_package(rapidcheck CONFIG REQUIRED)
include(GoogleTest)

# zddc_add_test(<name> LABELS <label>... SOURCES <file>... [LIBRARIES <lib>...])
#
# One executable per component; every gtest case becomes its own CTest entry
# (discovered when ctest runs, so building never executes test binaries).
function(zddc_add_test name)
  cmake_parse_arguments(arg "" "" "LABELS;SOURCES;LIBRARIES" ${ARGN})
  add_executable(${name} ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE
    zddc::core zddc_options zddc_warnings
    GTest::gtest GTest::gtest_main rapidcheck rapidcheck_gtest
    ${arg_LIBRARIES})
  gtest_discover_tests(${name}
    TEST_PREFIX "${name}."
    PROPERTIES LABELS "${arg_LABELS}"
    DISCOVERY_MODE PRE_TEST
    DISCOVERY_TIMEOUT 60)
endfunction()
