# zddc_add_component(<name> SOURCES <files>... [INCLUDE <dir>] [LIBRARIES <libs>...])
#
# A static library of a component's non-template code; while a component is
# all templates it is an INTERFACE library with the same usage requirements.
function(zddc_add_component name)
  cmake_parse_arguments(arg "" "INCLUDE" "SOURCES;LIBRARIES" ${ARGN})
  if(arg_SOURCES)
    add_library(${name} STATIC ${arg_SOURCES})
    target_include_directories(${name} PUBLIC "${arg_INCLUDE}")
    target_link_libraries(${name} PUBLIC zddc::core ${arg_LIBRARIES}
                          PRIVATE zddc_options zddc_warnings)
  else()
    add_library(${name} INTERFACE)
    target_include_directories(${name} INTERFACE "${arg_INCLUDE}")
    target_link_libraries(${name} INTERFACE zddc::core ${arg_LIBRARIES})
  endif()
endfunction()
