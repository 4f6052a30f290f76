# ctest direct_paths_bench_workloads: the tracker's direct paths (steady segment, embryo SYN,
# handshake SYN-ACK and ACK, a stream's in-order segment) checked against the general path on
# every segment of the bench's small and impaired workloads (10,000 connections each, seed 1),
# through the four cross-check tests' named-captures case (TCPSIFT_STEADY_CAPTURES). Each test prints how many segments it
# compared; a run that compared none fails here.
foreach(workload small impaired)
  execute_process(COMMAND ${GEN} ${workload} ${DIR}/paths-${workload}.pcap RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "gen_capture ${workload} failed (${rc})")
  endif()
endforeach()
set(captures "${DIR}/paths-small.pcap:${DIR}/paths-impaired.pcap")
foreach(test ${TESTS})
  execute_process(COMMAND ${CMAKE_COMMAND} -E env TCPSIFT_STEADY_CAPTURES=${captures} ${test}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  string(REGEX MATCH "on 2 named captures: [1-9][0-9]* [^\n]*" compared "${out}${err}")
  message(STATUS "${test}: ${compared}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${test} failed (${rc}):\n${out}${err}")
  endif()
  if(compared STREQUAL "")
    message(FATAL_ERROR "${test} compared nothing on the bench workloads:\n${out}${err}")
  endif()
endforeach()
file(REMOVE ${DIR}/paths-small.pcap ${DIR}/paths-small.pcap.json ${DIR}/paths-impaired.pcap
     ${DIR}/paths-impaired.pcap.json)
