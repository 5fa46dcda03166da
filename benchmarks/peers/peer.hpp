#ifndef BEDROCK_BENCHMARKS_PEERS_PEER_HPP
#define BEDROCK_BENCHMARKS_PEERS_PEER_HPP

// What the C++ peers of benchmarks/peers share, so that they are measured by the same rules: the
// command line (run.py calls every peer alike), the CPU measured around the workload, and the JSON
// line run.py reads.

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace peers {

/// `<peer> stream <events> <streams>` or `<peer> unary <calls> <warm-up calls>`.
struct arguments {
    std::string workload; ///< "stream" or "unary"
    long size = 0;        ///< events per stream, or measured calls
    long streams = 0;     ///< stream: measured streams (after one unmeasured)
    long warmup = 1;      ///< unary: unmeasured calls first (at least one)

    /// The measured units: events (every stream's) or calls.
    long units() const { return workload == "stream" ? size * streams : size; }
};

/// The arguments, or nothing after printing the usage.
inline std::optional<arguments> parse_arguments(int argc, char** argv)
{
    const std::string_view workload = argc > 1 ? argv[1] : "";
    if (argc != 4 || (workload != "stream" && workload != "unary")) {
        std::fprintf(stderr, "usage: %s stream <events> <streams> | unary <calls> <warm-up calls>\n", argv[0]);
        return std::nullopt;
    }
    arguments a;
    a.workload = workload;
    a.size = std::atol(argv[2]);
    a.streams = workload == "stream" ? std::atol(argv[3]) : 0;
    a.warmup = workload == "unary" ? std::max(1L, std::atol(argv[3])) : 1;
    return a;
}

/// The whole process's CPU (user + sys), in seconds.
inline double process_cpu_seconds()
{
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

struct measurement {
    double cpu_s = 0;
    double wall_s = 0;
};

/// Runs `work` and measures it (the warm-up is the caller's, before).
template <class Work>
measurement measure(Work&& work)
{
    const auto wall0 = std::chrono::steady_clock::now();
    const double cpu0 = process_cpu_seconds();
    work();
    return {process_cpu_seconds() - cpu0, std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count()};
}

/// The line run.py reads: {"peer","workload","units","cpu_s","wall_s", <extra>}, where `extra` is
/// one more `"name":value` member.
inline void print_result(const char* peer, const arguments& a, const measurement& m, const std::string& extra)
{
    std::printf("{\"peer\":\"%s\",\"workload\":\"%s\",\"units\":%ld,\"cpu_s\":%.6f,\"wall_s\":%.6f,%s}\n", peer,
                a.workload.c_str(), a.units(), m.cpu_s, m.wall_s, extra.c_str());
}

} // namespace peers

#endif
