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

# Tools start in about a millisecond when libstdc++ and Boost are linked statically: dynamic
# symbol lookup otherwise dominates a short examine. Not with sanitizers, which want the shared
# runtime.
option(LLB_STATIC_RUNTIME "Link libstdc++, libgcc and Boost statically into executables" ON)
if(LLB_SANITIZE)
  set(LLB_STATIC_RUNTIME OFF)
endif()
add_library(llb_exe_options INTERFACE)
if(LLB_STATIC_RUNTIME)
  set(Boost_USE_STATIC_LIBS ON)
  target_link_options(llb_exe_options INTERFACE -static-libstdc++ -static-libgcc)
endif()
