# Build step of libtcpsift.a (CMakeLists.txt): makes every global definition of the
# relocatable object IN local but the tcpsift_ API (parser/exports.map's pattern) and the
# signatures of COMDAT groups, and writes the result to OUT.
#
# A group's signature stays global because the final link keeps one copy of each group and
# discards the others: a local signature would leave the library's references pointing into a
# discarded copy (i386 PIC's __x86.get_pc_thunk.*, sanitizer coverage's module constructors).
# Such symbols are compiler-made and identical in every object that has them.
#
#   cmake -DIN=all.o -DOUT=public.o -DOBJCOPY=objcopy -DREADELF=readelf -P localize_static.cmake
cmake_minimum_required(VERSION 3.25)
foreach(v IN ITEMS IN OUT OBJCOPY READELF)
  if(NOT ${v})
    message(FATAL_ERROR "localize_static.cmake: ${v} not set")
  endif()
endforeach()
execute_process(COMMAND ${READELF} -g -W ${IN}
                OUTPUT_VARIABLE groups ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${READELF} -g ${IN} failed (${rc}): ${err}")
endif()
# "COMDAT group section [    3] `.group' [__x86.get_pc_thunk.bx] contains 1 sections:"
set(keep --wildcard --keep-global-symbol=tcpsift_*)
string(REGEX MATCHALL "COMDAT group section \\[ *[0-9]+\\] [^[\n]*\\[[^]\n]+\\]" lines "${groups}")
foreach(line IN LISTS lines)
  if(line MATCHES "\\[([^]]+)\\]$")
    list(APPEND keep --keep-global-symbol=${CMAKE_MATCH_1})
  endif()
endforeach()
execute_process(COMMAND ${OBJCOPY} ${keep} ${IN} ${OUT} ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${OBJCOPY} failed (${rc}): ${err}")
endif()
