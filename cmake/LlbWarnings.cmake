# Compiler flags shared by every target of the project: warnings, optional -Werror and sanitizers.
add_library(llb_options INTERFACE)
target_compile_options(llb_options INTERFACE -Wall -Wextra -Wshadow -Wnon-virtual-dtor
                       -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wpedantic)
if(LLB_WERROR)
  target_compile_options(llb_options INTERFACE -Werror)
endif()
if(LLB_SANITIZE)
  target_compile_options(llb_options INTERFACE -fsanitize=address,undefined
                         -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(llb_options INTERFACE -fsanitize=address,undefined)
endif()
# The libraries a fuzz target exercises carry libFuzzer's coverage instrumentation too: without
# it the fuzzer sees only the target's own file and mutates blind.
# Edge coverage only in the libraries: comparison tracing on every byte of a state area made the
# member fuzzer several times slower, and the seeds already hold the magic numbers.
if(LLB_FUZZ)
  target_compile_options(llb_options INTERFACE -fsanitize=fuzzer-no-link
                         -fno-sanitize-coverage=trace-cmp)
endif()

# The tools are linked fully static (glibc, libstdc++, Boost, libblkid, libuuid), as mdadm.static:
# a short examine otherwise spends two of its seven milliseconds in the dynamic loader (measured
# with bench/examine_bench). Without static libblkid/libuuid, only libstdc++, libgcc and Boost are.
# Not with sanitizers, which want the shared runtime; the Debian package turns it off (policy).
option(LLB_STATIC_RUNTIME "Link the tools statically" ON)
if(LLB_SANITIZE)
  set(LLB_STATIC_RUNTIME OFF)
endif()
add_library(llb_exe_options INTERFACE)
if(LLB_STATIC_RUNTIME)
  set(Boost_USE_STATIC_LIBS ON)
  find_library(LLB_BLKID_STATIC libblkid.a)
  find_library(LLB_UUID_STATIC libuuid.a)
  if(LLB_BLKID_STATIC AND LLB_UUID_STATIC)
    target_link_options(llb_exe_options INTERFACE -static)
  else()
    target_link_options(llb_exe_options INTERFACE -static-libstdc++ -static-libgcc)
  endif()
endif()
