// A program outside the tree, built against an installed libllbitmap (tests/shipping/install_test.sh
// builds it once with find_package(llbitmap) and once with pkg-config): examine the members named
// on the command line and print what the library says, as JSON, with the library's version.

#include <iostream>
#include <string>
#include <vector>

#include "libformat/ops/examine.h"
#include "libformat/report/report_json.h"

extern "C" const char* llbitmap_version(void);

int main(int argc, char** argv) {
  const std::vector<std::string> paths(argv + 1, argv + argc);
  const llb::Examination ex = llb::examine_paths(paths, llb::LayoutChoice::Auto);
  std::cout << "libllbitmap " << llbitmap_version() << "\n"
            << llb::examination_json(ex, llb::TextOptions{}) << "\n";
  return ex.exit_status;
}
