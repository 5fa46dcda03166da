#ifndef BEDROCK_TEST_SUPPORT_VECTORS_HPP
#define BEDROCK_TEST_SUPPORT_VECTORS_HPP

// Reading the third-party vectors in ../shared/vectors. ctest hands their folder to each test in the
// environment variable BEDROCK_VECTORS_DIR (from the CMake cache variable of that name); it is not
// compiled in, so the test objects do not depend on where the checkout is and ccache can share them.

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace bedrock::test {

inline std::filesystem::path vectors_dir()
{
    const char* dir = std::getenv("BEDROCK_VECTORS_DIR");
    if (!dir || !*dir)
        throw std::runtime_error("BEDROCK_VECTORS_DIR is not set (ctest sets it; set it to shared/vectors)");
    return dir;
}

inline std::filesystem::path vector_path(const std::string& relative)
{
    auto p = vectors_dir() / relative;
    if (!std::filesystem::exists(p))
        throw std::runtime_error("missing test vector: " + p.string());
    return p;
}

inline std::vector<std::uint8_t> read_bytes(const std::filesystem::path& p)
{
    std::ifstream in(p, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot open " + p.string());
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline std::string read_text(const std::filesystem::path& p)
{
    std::ifstream in(p, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot open " + p.string());
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace bedrock::test

#endif
