# ctest exported_symbols: the shared library's dynamic symbol table holds
# only tcpsift_-prefixed definitions (parser/exports.map), and the API is
# really there (an empty or unreadable table fails too). exported_symbols_static:
# the same for the global definitions of the static archive (libtcpsift.a),
# whose internal names a static link would otherwise let an embedder's replace.
#
# The names of COMDAT groups (i386's __x86.get_pc_thunk.*) stay global in the archive
# (cmake/localize_static.cmake): with -DREADELF they are not counted as foreign.
#
#   cmake -DLIBRARY=path/to/libtcpsift.so|.a [-DNM=nm] [-DREADELF=readelf]
#         -P cmake/check_exported_symbols.cmake
cmake_minimum_required(VERSION 3.25)
if(NOT LIBRARY)
  message(FATAL_ERROR "usage: cmake -DLIBRARY=libtcpsift.so -P check_exported_symbols.cmake")
endif()
if(NOT NM)
  find_program(NM nm REQUIRED)
endif()
if(LIBRARY MATCHES "\\.a$")
  set(table -g) # an archive has no dynamic table: its objects' global symbols
else()
  set(table -D)
endif()
execute_process(COMMAND ${NM} ${table} --defined-only ${LIBRARY}
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm ${table} --defined-only ${LIBRARY} failed (${rc}): ${err}")
endif()
set(comdat "")
if(READELF AND table STREQUAL "-g")
  execute_process(COMMAND ${READELF} -g -W ${LIBRARY} OUTPUT_VARIABLE groups RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${READELF} -g ${LIBRARY} failed (${rc})")
  endif()
  string(REGEX MATCHALL "COMDAT group section \\[ *[0-9]+\\] [^[\n]*\\[[^]\n]+\\]" glines
         "${groups}")
  foreach(g IN LISTS glines)
    if(g MATCHES "\\[([^]]+)\\]$")
      list(APPEND comdat ${CMAKE_MATCH_1})
    endif()
  endforeach()
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
    if(NOT name MATCHES "^tcpsift_" AND NOT name IN_LIST comdat)
      list(APPEND foreign "${type} ${name}")
    endif()
  elseif(NOT line STREQUAL "" AND NOT line MATCHES ":$") # "member.o:" heads an archive member
    list(APPEND foreign "unparsed: ${line}")
  endif()
endforeach()
list(LENGTH exported n)
message(STATUS "${n} exported symbols in ${LIBRARY}")
# With -DHEADERS=dir (the shared library): each exported name is declared in a public header
# (NAME( in parser/include/tcpsift/*.h); an internal tcpsift_ function that leaks fails here,
# and belongs in the local: list of parser/exports.map.
if(HEADERS)
  file(GLOB header_files ${HEADERS}/*.h)
  set(api "")
  foreach(h IN LISTS header_files)
    file(READ ${h} text)
    string(APPEND api "${text}")
  endforeach()
  foreach(name IN LISTS exported)
    string(FIND "${api}" "${name}(" at)
    if(at EQUAL -1)
      list(APPEND foreign "not in a public header: ${name}")
    endif()
  endforeach()
endif()
if(foreign)
  list(JOIN foreign "\n  " foreign_text)
  message(FATAL_ERROR "symbols without the tcpsift_ prefix, or not public API:\n  ${foreign_text}")
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
