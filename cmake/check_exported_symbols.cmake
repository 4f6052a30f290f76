# ctest exported_symbols: the shared library's dynamic symbol table holds
# only tcpsift_-prefixed definitions (parser/exports.map), and the API is
# really there (an empty or unreadable table fails too).
#
#   cmake -DLIBRARY=path/to/libtcpsift.so -P cmake/check_exported_symbols.cmake
cmake_minimum_required(VERSION 3.25)
if(NOT LIBRARY)
  message(FATAL_ERROR "usage: cmake -DLIBRARY=libtcpsift.so -P check_exported_symbols.cmake")
endif()
find_program(NM nm REQUIRED)
execute_process(COMMAND ${NM} -D --defined-only ${LIBRARY}
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm -D --defined-only ${LIBRARY} failed (${rc}): ${err}")
endif()
string(REPLACE "\n" ";" lines "${out}")
set(exported "")
set(foreign "")
foreach(line IN LISTS lines)
  # "ADDRESS TYPE NAME[@VERSION]"
  if(line MATCHES "^[0-9a-fA-F]* *([A-Za-z]) ([^ @]+)")
    set(type ${CMAKE_MATCH_1})
    set(name ${CMAKE_MATCH_2})
    list(APPEND exported ${name})
    if(NOT name MATCHES "^tcpsift_")
      list(APPEND foreign "${type} ${name}")
    endif()
  elseif(NOT line STREQUAL "")
    list(APPEND foreign "unparsed: ${line}")
  endif()
endforeach()
list(LENGTH exported n)
message(STATUS "${n} exported symbols in ${LIBRARY}")
if(foreign)
  list(JOIN foreign "\n  " foreign_text)
  message(FATAL_ERROR "symbols without the tcpsift_ prefix:\n  ${foreign_text}")
endif()
# A few entry points every embedder calls, one per public header family.
foreach(sym tcpsift_version tcpsift_error_name tcpsift_packet_decode tcpsift_capture_open
            tcpsift_capture_next tcpsift_tracker_create tcpsift_tracker_packet
            tcpsift_tracker_destroy tcpsift_framer_spec_parse tcpsift_state_table_print_dot)
  if(NOT sym IN_LIST exported)
    message(FATAL_ERROR "${sym} is not exported")
  endif()
endforeach()
message(STATUS "every exported symbol carries the tcpsift_ prefix")
