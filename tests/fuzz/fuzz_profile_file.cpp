// libFuzzer: the shared config/credentials file parser (auth::parse_profile_file). Input: one byte
// choosing the file kind (config or credentials), then the file's text. Besides never crashing:
//  - parsing is deterministic: the same text into two empty sets gives equal sets;
//  - parsing is idempotent: the same text merged a second time into its own result changes nothing;
//  - what it keeps is well formed: profile names non-empty and without spaces, keys non-empty,
//    trimmed and without '=' or line breaks, every line of a value trimmed, and a key with a
//    sub-section has a value that is empty or only continuation lines.

#include <bedrock/auth/profile.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

using bedrock::auth::profile;
using bedrock::auth::profile_set;

bool same(const profile& a, const profile& b)
{
    return a.values == b.values && a.sub_sections == b.sub_sections;
}

bool same(const std::map<std::string, profile, std::less<>>& a, const std::map<std::string, profile, std::less<>>& b)
{
    if (a.size() != b.size())
        return false;
    for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j)
        if (i->first != j->first || !same(i->second, j->second))
            return false;
    return true;
}

bool same(const profile_set& a, const profile_set& b)
{
    return same(a.profiles, b.profiles) && same(a.services, b.services);
}

constexpr std::string_view space = " \t\r\f\v";

bool trimmed(std::string_view s)
{
    return s.empty() || (space.find(s.front()) == std::string_view::npos && space.find(s.back()) == std::string_view::npos);
}

bool good_key(std::string_view k)
{
    return !k.empty() && trimmed(k) && k.find_first_of("=\n") == std::string_view::npos;
}

bool good_value(std::string_view v)
{
    for (;;) {
        const auto nl = v.find('\n');
        if (!trimmed(v.substr(0, nl)))
            return false;
        if (nl == std::string_view::npos)
            return true;
        v.remove_prefix(nl + 1);
    }
}

bool well_formed(const profile& p)
{
    for (const auto& [k, v] : p.values)
        if (!good_key(k) || !good_value(v))
            return false;
    for (const auto& [k, sub] : p.sub_sections) {
        // `k =` opened it: the value is "" plus any continuation lines that had no '='.
        auto v = p.values.find(k);
        if (v == p.values.end() || (!v->second.empty() && v->second.front() != '\n'))
            return false;
        for (const auto& [sk, sv] : sub)
            if (!trimmed(sk) || sk.find_first_of("=\n") != std::string::npos || !trimmed(sv) ||
                sv.find('\n') != std::string::npos)
                return false;
    }
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    const auto kind = data[0] & 1 ? bedrock::auth::profile_file_kind::credentials
                                  : bedrock::auth::profile_file_kind::config;
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

    profile_set first, second;
    bedrock::auth::parse_profile_file(text, kind, first);
    bedrock::auth::parse_profile_file(text, kind, second);
    if (!same(first, second))
        __builtin_trap();

    for (const auto& [name, p] : first.profiles)
        if (name.empty() || name.find(' ') != std::string::npos || !well_formed(p))
            __builtin_trap();
    for (const auto& [name, p] : first.services)
        if (name.empty() || !well_formed(p))
            __builtin_trap();

    // The same file read twice (a second load, or both paths naming one file) changes nothing.
    bedrock::auth::parse_profile_file(text, kind, second);
    if (!same(first, second))
        __builtin_trap();

    // Lookups agree with the maps.
    for (const auto& [name, p] : first.profiles) {
        const profile* found = first.find(name);
        if (found != &p)
            __builtin_trap();
        for (const auto& [k, v] : p.values)
            if (p.get(k) != std::string_view{v})
                __builtin_trap();
    }
    return 0;
}
