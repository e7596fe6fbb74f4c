// The shared library's one C entry point: the version it was built as, so that a program loading
// libllbitmap.so.0 (dlopen, or a script through ctypes) can tell which release it holds before it
// calls any C++ interface. Everything else is the C++ API of libformat's headers.

extern "C" __attribute__((visibility("default"))) const char* llbitmap_version(void) {
  return LLB_VERSION;
}
