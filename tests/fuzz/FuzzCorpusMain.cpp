// A libFuzzer target without libFuzzer: runs every file of the given folders
// (and files) through LLVMFuzzerTestOneInput once. CTest uses it to replay
// each target's corpus in the GCC builds, so a crash found once stays a test
// case in every build. Exit 0 when all ran; a broken check aborts.
#include "FuzzTarget.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

namespace {

bool runFile(const std::filesystem::path &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::cerr << "fuzz corpus: cannot read " << path << '\n';
        return false;
    }
    const std::vector<char> content { std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>() };
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t *>(content.data()), content.size());
    return true;
}

} // namespace

int main(int argc, char **argv)
{
    LLVMFuzzerInitialize(&argc, &argv);
    std::vector<std::filesystem::path> files;
    for (int i = 1; i < argc; ++i) {
        const std::filesystem::path arg(argv[i]);
        if (std::filesystem::is_directory(arg)) {
            for (const auto &entry : std::filesystem::directory_iterator(arg)) {
                if (entry.is_regular_file())
                    files.push_back(entry.path());
            }
        } else {
            files.push_back(arg);
        }
    }
    if (files.empty()) {
        std::cerr << "fuzz corpus: no input files (usage: " << argv[0] << " DIR|FILE...)\n";
        return 2;
    }
    std::sort(files.begin(), files.end());
    for (const auto &file : files) {
        if (!runFile(file))
            return 1;
    }
    std::cout << "fuzz corpus: " << files.size() << " input(s) ran without a finding\n";
    return 0;
}
