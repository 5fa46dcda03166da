#ifndef BEDROCK_TEST_CREDENTIALS_SUPPORT_HPP
#define BEDROCK_TEST_CREDENTIALS_SUPPORT_HPP

// What the credential provider tests share: one bounded fetch, and a temporary directory for the
// files the providers read (profiles, token files, caches, credential_process scripts).

#include <bedrock/auth/credentials_provider.hpp>

#include <boost/asio/io_context.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <stdlib.h>

namespace bedrock::test {

struct fetch_outcome {
    boost::system::error_code ec;
    auth::credentials creds;
    bool done = false;
};

/// Fetches once; the io_context runs until the provider completes, at most 20 s, so that no test
/// can hang (REQUIREs that it completed).
inline fetch_outcome fetch(auth::credentials_provider& provider, boost::asio::io_context& io)
{
    using namespace std::chrono_literals;
    fetch_outcome out;
    provider.async_fetch([&](boost::system::error_code ec, auth::credentials c) { out = {ec, std::move(c), true}; });
    io.restart();
    const auto end = std::chrono::steady_clock::now() + 20s;
    while (!out.done && std::chrono::steady_clock::now() < end)
        io.run_one_for(20ms);
    REQUIRE(out.done);
    return out;
}

/// A directory under /tmp, removed with everything in it at the end.
struct temp_dir {
    std::filesystem::path path;
    explicit temp_dir(const std::string& prefix = "bedrock-test")
    {
        std::string name = "/tmp/" + prefix + "-XXXXXX";
        REQUIRE(::mkdtemp(name.data()));
        path = name;
    }
    ~temp_dir() { std::filesystem::remove_all(path); }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    /// Writes `text` to `name` in the directory (owner-executable if asked); returns its path.
    std::string write(const std::string& name, const std::string& text, bool executable = false) const
    {
        const auto file = path / name;
        std::filesystem::create_directories(file.parent_path());
        std::ofstream(file) << text;
        if (executable)
            std::filesystem::permissions(file, std::filesystem::perms::owner_all);
        return file.string();
    }
};

} // namespace bedrock::test

#endif
