# Replay binaries: every fuzz/fuzz_*.c harness linked with fuzz/replay_main.c (a
# standalone main, no fuzzing engine), so any compiler (gcc, clang), valgrind and
# coverage builds can run the corpora. Included by the top-level CMakeLists.txt in
# ordinary builds (TCPSIFT_BUILD_TESTS) and by fuzz/CMakeLists.txt when
# TCPSIFT_FUZZ=replay. Registers one ctest per harness that replays
# corpus/<harness>/ and corpus/regress/<harness>/.
file(GLOB TCPSIFT_FUZZ_HARNESSES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/fuzz/fuzz_*.c)
foreach(src ${TCPSIFT_FUZZ_HARNESSES})
  get_filename_component(harness ${src} NAME_WE)
  add_executable(replay_${harness} ${src} ${PROJECT_SOURCE_DIR}/fuzz/replay_main.c)
  target_include_directories(replay_${harness} PRIVATE ${PROJECT_SOURCE_DIR}/fuzz
                             ${PROJECT_SOURCE_DIR}/parser/src)
  # replay_main.c walks directories (POSIX opendir); the harnesses are plain C11.
  set_source_files_properties(${PROJECT_SOURCE_DIR}/fuzz/replay_main.c PROPERTIES
                              COMPILE_DEFINITIONS _POSIX_C_SOURCE=200809L)
  target_link_libraries(replay_${harness} PRIVATE tcpsift_internal)
  if(TCPSIFT_BUILD_TESTS)
    add_test(NAME fuzz_replay_${harness}
             COMMAND replay_${harness} ${PROJECT_SOURCE_DIR}/corpus/${harness}
                     ${PROJECT_SOURCE_DIR}/corpus/regress/${harness})
  endif()
endforeach()
