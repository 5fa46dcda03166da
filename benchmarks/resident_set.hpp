#ifndef BEDROCK_BENCHMARKS_RESIDENT_SET_HPP
#define BEDROCK_BENCHMARKS_RESIDENT_SET_HPP

// The programs of benchmarks/ that report memory read it the same way: the process's resident set.

#include <cstdlib>
#include <fstream>
#include <string>

namespace bench {

/// VmRSS of this process in KiB (Linux's /proc/self/status), or -1 where it cannot be read.
inline long resident_kib()
{
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("VmRSS:", 0) == 0)
            return std::atol(line.c_str() + 6);
    return -1;
}

} // namespace bench

#endif
