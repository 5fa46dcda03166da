#ifndef BEDROCK_BENCHMARKS_THREAD_CPU_HPP
#define BEDROCK_BENCHMARKS_THREAD_CPU_HPP

// The benchmarks that run a server in their own process (the emulator, a test server) count the
// client's CPU alone: the calling thread's, user and system.

#include <sys/resource.h>

namespace bench {

/// CPU seconds (user + system) the calling thread has used so far (Linux: RUSAGE_THREAD).
inline double thread_cpu_seconds()
{
    rusage ru{};
    getrusage(RUSAGE_THREAD, &ru);
    return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

} // namespace bench

#endif
