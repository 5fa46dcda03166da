#ifndef BEDROCK_AUTH_IMPL_PROFILE_IPP
#define BEDROCK_AUTH_IMPL_PROFILE_IPP

#include <bedrock/auth/profile.hpp>
#include <bedrock/detail/text.hpp>

namespace bedrock::auth {
namespace detail {

// A value's comment starts at '#' or ';' that follows white space; "a#b" keeps its '#'.
inline std::string_view strip_value_comment(std::string_view v) noexcept
{
    for (std::size_t i = 1; i < v.size(); ++i)
        if ((v[i] == '#' || v[i] == ';') && (v[i - 1] == ' ' || v[i - 1] == '\t'))
            return v.substr(0, i);
    return v;
}

} // namespace detail

BEDROCK_DECL std::optional<std::string_view> profile::get(std::string_view key) const
{
    if (auto it = values.find(key); it != values.end())
        return std::string_view{it->second};
    return std::nullopt;
}

BEDROCK_DECL const profile* profile_set::find(std::string_view name) const
{
    auto it = profiles.find(name);
    return it == profiles.end() ? nullptr : &it->second;
}

BEDROCK_DECL const profile* profile_set::find_services(std::string_view name) const
{
    auto it = services.find(name);
    return it == services.end() ? nullptr : &it->second;
}

BEDROCK_DECL const profile* profile_set::find_sso_session(std::string_view name) const
{
    auto it = sso_sessions.find(name);
    return it == sso_sessions.end() ? nullptr : &it->second;
}

BEDROCK_DECL void parse_profile_file(std::string_view text, profile_file_kind kind, profile_set& into)
{
    // White space of a profile line: also \r (files with CRLF line ends), \f and \v.
    const auto trim = [](std::string_view s) { return bedrock::detail::trim(s, " \t\r\f\v"); };
    profile* current = nullptr;
    std::string last_key; // the key continuation lines extend
    // In the config file `[profile default]` wins over `[default]`, whatever their order.
    bool saw_prefixed_default = false;
    bool current_is_plain_default = false;

    while (!text.empty()) {
        const auto eol = text.find('\n');
        std::string_view raw = text.substr(0, eol);
        text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
        const bool indented = !raw.empty() && (raw[0] == ' ' || raw[0] == '\t');
        std::string_view line = trim(raw);
        if (line.empty() || line[0] == '#' || line[0] == ';')
            continue;

        if (line[0] == '[') {
            last_key.clear();
            current = nullptr;
            const auto close = line.find(']');
            if (close == std::string_view::npos)
                continue; // malformed section header: its keys are ignored until the next one
            std::string_view name = trim(line.substr(1, close - 1));
            if (kind == profile_file_kind::credentials) {
                if (!name.empty() && name.find(' ') == std::string_view::npos)
                    current = &into.profiles[std::string(name)];
                continue;
            }
            current_is_plain_default = false;
            if (name == "default") {
                if (saw_prefixed_default)
                    continue;
                current_is_plain_default = true;
                current = &into.profiles["default"];
            } else if (name.starts_with("profile ") || name.starts_with("profile\t")) {
                std::string_view profile_name = trim(name.substr(8));
                if (profile_name.empty() || profile_name.find(' ') != std::string_view::npos)
                    continue;
                if (profile_name == "default" && !saw_prefixed_default) {
                    saw_prefixed_default = true;
                    into.profiles.erase("default"); // a plain [default] before it loses
                }
                current = &into.profiles[std::string(profile_name)];
            } else if (name.starts_with("services ") || name.starts_with("services\t")) {
                std::string_view services_name = trim(name.substr(9));
                if (!services_name.empty())
                    current = &into.services[std::string(services_name)];
            } else if (name.starts_with("sso-session ") || name.starts_with("sso-session\t")) {
                std::string_view session_name = trim(name.substr(12));
                if (!session_name.empty() && session_name.find(' ') == std::string_view::npos)
                    current = &into.sso_sessions[std::string(session_name)];
            }
            continue;
        }
        if (!current || (current_is_plain_default && saw_prefixed_default))
            continue;

        const auto eq = line.find('=');
        if (indented && !last_key.empty()) {
            auto sub = current->sub_sections.find(last_key);
            if (sub != current->sub_sections.end() && eq != std::string_view::npos) {
                sub->second[std::string(trim(line.substr(0, eq)))] =
                    std::string(trim(detail::strip_value_comment(trim(line.substr(eq + 1)))));
            } else if (auto v = current->values.find(last_key); v != current->values.end()) {
                v->second += '\n';
                v->second += line;
            }
            continue;
        }
        if (eq == std::string_view::npos)
            continue;
        std::string key{trim(line.substr(0, eq))};
        if (key.empty())
            continue;
        std::string_view value = trim(detail::strip_value_comment(trim(line.substr(eq + 1))));
        last_key = key;
        if (value.empty()) {
            current->sub_sections[key]; // continuation lines fill it
            current->values[key] = "";
        } else {
            current->sub_sections.erase(key);
            current->values[key] = std::string(value);
        }
    }
}

} // namespace bedrock::auth

#endif
