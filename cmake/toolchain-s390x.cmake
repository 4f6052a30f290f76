# Cross build for s390x (64-bit, big-endian) with Debian's cross packages,
# tests run under qemu-user. Used by ci/cross-test; see docs/cross.md.
#
#   cmake -S . -B build-be -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-s390x.cmake
#
# Compiler: clang --target=s390x-linux-gnu by default, because Debian's
# gcc-s390x-linux-gnu conflicts with gcc-multilib (which the -m32 build and
# ci/test need); with -DTCPSIFT_CROSS_CC=s390x-linux-gnu-gcc the cross gcc is
# used instead. Either links against libc6-dev-s390x-cross and
# libgcc-12-dev-s390x-cross (/usr/s390x-linux-gnu) and finds CMocka from the
# multiarch package libcmocka-dev:s390x (/usr/lib/s390x-linux-gnu).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR s390x)
set(TCPSIFT_CROSS_TRIPLE s390x-linux-gnu)
set(TCPSIFT_CROSS_SYSROOT /usr/${TCPSIFT_CROSS_TRIPLE})

set(TCPSIFT_CROSS_CC "clang" CACHE STRING "C compiler for the s390x build (clang or s390x-linux-gnu-gcc)")
set(CMAKE_C_COMPILER ${TCPSIFT_CROSS_CC})
if(TCPSIFT_CROSS_CC MATCHES "clang")
  set(CMAKE_C_COMPILER_TARGET ${TCPSIFT_CROSS_TRIPLE})
endif()

# Headers and libraries of the target only; programs (python, tshark) of the host.
set(CMAKE_FIND_ROOT_PATH ${TCPSIFT_CROSS_SYSROOT} /usr/lib/${TCPSIFT_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)

# Never the build machine's own libraries (bench/ looks for libnids and
# libtins with find_library; Debian has libtins.so in /usr/lib).
set(CMAKE_IGNORE_PATH /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu /usr/lib /lib
                      /usr/local/lib)

# pkg-config must see only the s390x .pc files (cmocka; libpcap:s390x when
# installed), never the build machine's amd64 ones.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/${TCPSIFT_CROSS_TRIPLE}/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

# ctest runs every target executable through qemu. When the multiarch
# libc6:s390x is installed (libcmocka0:s390x depends on it) it provides
# /lib/ld64.so.1 and qemu must use it as is: with -L /usr/s390x-linux-gnu the
# cross package's loader (2.36-8cross1) would load the multiarch libc.so.6 of
# another version (libcmocka0's dependency) and every program aborts with
# "stack smashing detected" at exit. Without libc6:s390x, -L gives qemu the
# cross package's loader and libc.
if(EXISTS /lib/ld64.so.1)
  set(CMAKE_CROSSCOMPILING_EMULATOR qemu-s390x)
else()
  set(CMAKE_CROSSCOMPILING_EMULATOR qemu-s390x -L ${TCPSIFT_CROSS_SYSROOT})
endif()
