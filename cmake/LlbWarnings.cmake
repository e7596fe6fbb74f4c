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
