#ifndef BEDROCK_TEST_SCRIPTED_TRANSPORT_HPP
#define BEDROCK_TEST_SCRIPTED_TRANSPORT_HPP

// A transport that answers from a script, one entry per attempt: a failure at transmit, or an
// answer (status, headers, body — for a streamed answer, the body in pieces, then end-of-body, a
// read error, or a read that never completes). A duplex open hands out a duplex_channel's near end:
// the test reads what was written and pushes the answer. It completes every handler through a post,
// honours cancellation slots, and counts what it hands out so that a test can say nothing was left
// behind.

#include <bedrock/eventstream/encoder.hpp>
#include <bedrock/http/error.hpp>
#include <bedrock/http/message.hpp>
#include <bedrock/transport/transport.hpp>

#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>

#include <catch2/catch.hpp>

#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bedrock::test {

struct scripted_answer {
    boost::system::error_code transmit_error; ///< fail the exchange/open with this, no answer
    bool hang = false;                        ///< the answer never comes (until cancelled)
    unsigned status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::vector<std::string> pieces; ///< the body: one read each
    boost::system::error_code read_error; ///< after the pieces, instead of end_of_stream
    bool hang_after_pieces = false;       ///< after the pieces, a read that never completes

    static scripted_answer fail(boost::system::error_code ec)
    {
        scripted_answer a;
        a.transmit_error = ec;
        return a;
    }
    static scripted_answer never()
    {
        scripted_answer a;
        a.hang = true;
        return a;
    }
    static scripted_answer json(unsigned status, std::string body, std::string error_type = {})
    {
        scripted_answer a;
        a.status = status;
        a.headers = {{"Content-Type", "application/json"}, {"x-amzn-RequestId", "req-" + std::to_string(status)}};
        if (!error_type.empty())
            a.headers.emplace_back("x-amzn-ErrorType", error_type);
        a.pieces = {std::move(body)};
        return a;
    }
    static scripted_answer events(std::vector<std::string> frames)
    {
        scripted_answer a;
        a.headers = {{"Content-Type", "application/vnd.amazon.eventstream"}, {"x-amzn-RequestId", "req-stream"}};
        a.pieces = std::move(frames);
        return a;
    }
};

/// One event-stream frame of a ConverseStream event.
inline std::string event_frame(std::string_view type, std::string_view json)
{
    using bedrock::eventstream::header_view;
    std::vector<header_view> headers{{":event-type", type},
                                     {":content-type", std::string_view("application/json")},
                                     {":message-type", std::string_view("event")}};
    std::vector<std::uint8_t> out;
    REQUIRE_FALSE(bedrock::eventstream::encode(
        headers, bedrock::eventstream::byte_view(reinterpret_cast<const std::uint8_t*>(json.data()), json.size()), out));
    return std::string(out.begin(), out.end());
}

struct transport_counters {
    int opened = 0;    ///< bodies handed out
    int ended = 0;     ///< read to their end (end_of_stream delivered)
    int abandoned = 0; ///< closed or destroyed before their end
    int pending = 0;   ///< handlers held and not yet called
};

/// The far end of a duplex body: records what the client writes, plays the answer's body (the
/// scripted pieces, then what the test pushes), and can hold writes as a shut send window would.
/// Every handler completes through a post; a cancelled pending write or read resets the stream
/// (both directions' pending operations complete with operation_aborted), as HTTP/2's RST_STREAM.
class duplex_channel {
public:
    using ec_type = boost::system::error_code;
    template <class S>
    using handler = bedrock::transport::handler<S>;

    duplex_channel(boost::asio::any_io_executor ex, scripted_answer a, std::shared_ptr<transport_counters> c)
        : ex_(std::move(ex)), count_(std::move(c))
    {
        head.result(a.status);
        for (auto& [k, v] : a.headers)
            head.set(k, v);
        for (auto& p : a.pieces)
            pieces_.push_back(std::move(p));
        read_error_ = a.read_error;
        ended_ = !a.hang_after_pieces && !a.read_error; // the body ends after the scripted pieces
        failing_ = !a.hang_after_pieces && a.read_error;
    }

    bedrock::transport::response_head head;
    std::chrono::milliseconds idle{};

    // What the client did.
    std::vector<std::string> writes; ///< each write's bytes, in the order the transport took them
    bool finished = false;           ///< async_finish called
    std::size_t writes_at_finish = 0;
    bool reset_by_client = false;    ///< closed (or a cancellation) before the body's end

    // The test's controls.
    bool hold_writes = false; ///< a write waits until release_writes() (the send window is shut)

    void release_writes()
    {
        hold_writes = false;
        if (!pending_write_)
            return;
        writes.push_back(std::move(held_bytes_));
        complete_write({});
    }
    /// One more piece of the answer's body.
    void push(std::string piece)
    {
        pieces_.push_back(std::move(piece));
        serve_read();
    }
    /// The answer's body ends after what was pushed.
    void end()
    {
        ended_ = true;
        serve_read();
    }
    bool write_pending() const noexcept { return pending_write_.has_value(); }
    bool read_pending() const noexcept { return pending_read_.has_value(); }
    bool closed() const noexcept { return closed_; }

    void read(boost::asio::mutable_buffer buffer, handler<void(ec_type, std::size_t)> h)
    {
        REQUIRE_FALSE(pending_read_); // one read at a time
        if (closed_)
            return post([h = std::move(h)]() mutable { std::move(h)(bedrock::http::error::stream_closed, 0); });
        pending_read_.emplace(std::move(h));
        read_buffer_ = buffer;
        ++count_->pending;
        watch(*pending_read_);
        serve_read();
    }

    void write(boost::asio::const_buffer bytes, handler<void(ec_type)> h)
    {
        REQUIRE_FALSE(pending_write_); // one write at a time
        if (closed_ || finished)
            return post([h = std::move(h)]() mutable { std::move(h)(bedrock::http::error::stream_closed); });
        pending_write_.emplace(std::move(h));
        ++count_->pending;
        if (hold_writes) {
            // Copied now: the interface lets the caller reuse the buffer only after completion, but
            // the copy shows what was handed over at the call.
            held_bytes_.assign(static_cast<const char*>(bytes.data()), bytes.size());
            watch(*pending_write_);
            return;
        }
        writes.emplace_back(static_cast<const char*>(bytes.data()), bytes.size());
        complete_write({});
    }

    void finish(handler<void(ec_type)> h)
    {
        REQUIRE_FALSE(pending_write_);
        if (closed_ || finished)
            return post([h = std::move(h)]() mutable { std::move(h)(bedrock::http::error::stream_closed); });
        finished = true;
        writes_at_finish = writes.size();
        post([h = std::move(h)]() mutable { std::move(h)(ec_type{}); });
    }

    /// RST_STREAM: both directions end; pending operations complete with operation_aborted.
    void reset() noexcept
    {
        if (closed_)
            return;
        closed_ = true;
        if (!done_) {
            done_ = true;
            reset_by_client = true;
            ++count_->abandoned;
        }
        if (pending_read_) {
            auto h = take(pending_read_);
            post([h = std::move(h)]() mutable { std::move(h)(boost::asio::error::operation_aborted, 0); });
        }
        if (pending_write_) {
            auto h = take(pending_write_);
            post([h = std::move(h)]() mutable { std::move(h)(boost::asio::error::operation_aborted); });
        }
    }

private:
    template <class F>
    void post(F f)
    {
        boost::asio::post(ex_, std::move(f));
    }

    // Takes a held handler out (its slot cleared), uncounted.
    template <class H>
    H take(std::optional<H>& held)
    {
        --count_->pending;
        H h(std::move(*held));
        held.reset();
        h.get_cancellation_slot().clear();
        return h;
    }

    template <class H>
    void watch(H& h)
    {
        auto slot = h.get_cancellation_slot();
        if (slot.is_connected())
            slot.assign([this](boost::asio::cancellation_type) {
                // Not from inside the slot's own handler: reset() clears the slot that holds us.
                boost::asio::post(ex_, [this] { reset(); });
            });
    }

    void complete_write(ec_type ec)
    {
        auto h = take(pending_write_);
        post([h = std::move(h), ec]() mutable { std::move(h)(ec); });
    }

    void serve_read()
    {
        if (!pending_read_ || closed_)
            return;
        if (!pieces_.empty()) {
            auto& piece = pieces_.front();
            const std::size_t n = std::min(read_buffer_.size(), piece.size() - offset_);
            std::memcpy(read_buffer_.data(), piece.data() + offset_, n);
            offset_ += n;
            if (offset_ == piece.size()) {
                pieces_.pop_front();
                offset_ = 0;
            }
            auto h = take(pending_read_);
            return post([h = std::move(h), n]() mutable { std::move(h)(ec_type{}, n); });
        }
        if (failing_) {
            done_ = true;
            ++count_->abandoned; // failed: the stream would be reset
            auto h = take(pending_read_);
            return post([h = std::move(h), ec = read_error_]() mutable { std::move(h)(ec, 0); });
        }
        if (ended_) {
            if (!done_) {
                done_ = true;
                ++count_->ended;
            }
            auto h = take(pending_read_);
            return post([h = std::move(h)]() mutable { std::move(h)(bedrock::http::error::end_of_stream, 0); });
        }
    }

    boost::asio::any_io_executor ex_;
    std::shared_ptr<transport_counters> count_;
    std::deque<std::string> pieces_;
    std::size_t offset_ = 0;
    ec_type read_error_;
    bool ended_ = false, failing_ = false, done_ = false, closed_ = false;
    std::optional<handler<void(ec_type, std::size_t)>> pending_read_;
    boost::asio::mutable_buffer read_buffer_;
    std::optional<handler<void(ec_type)>> pending_write_;
    std::string held_bytes_;
};

class scripted_transport : public bedrock::transport::transport {
public:
    using ec_type = boost::system::error_code;
    template <class S>
    using handler = bedrock::transport::handler<S>;

    explicit scripted_transport(boost::asio::any_io_executor ex) : ex_(std::move(ex)) {}

    std::deque<scripted_answer> script;
    std::vector<bedrock::transport::request> sent;
    /// The far ends of the duplex bodies handed out, in order.
    std::vector<std::shared_ptr<duplex_channel>> duplexes;
    using counters = transport_counters;
    std::shared_ptr<counters> count = std::make_shared<counters>();

    executor_type get_executor() const noexcept override { return ex_; }
    std::string_view protocol() const noexcept override { return "scripted"; }

    void async_exchange(const bedrock::transport::request& req, bedrock::transport::response& res,
                        const bedrock::transport::timeouts&, handler<void(ec_type)> h) override
    {
        auto a = next(req);
        if (a.hang)
            return hold(std::move(h), [](auto h) { std::move(h)(boost::asio::error::operation_aborted); });
        if (!a.transmit_error) {
            res.result(a.status);
            for (auto& [k, v] : a.headers)
                res.set(k, v);
            for (auto& p : a.pieces)
                res.body() += p;
        }
        complete([h = std::move(h), ec = a.transmit_error]() mutable { std::move(h)(ec); });
    }

    void async_open(const bedrock::transport::request& req, const bedrock::transport::timeouts&,
                    handler<void(ec_type, std::unique_ptr<bedrock::transport::response_body>)> h) override
    {
        using ptr = std::unique_ptr<bedrock::transport::response_body>;
        auto a = next(req);
        if (a.hang)
            return hold(std::move(h), [](auto h) { std::move(h)(boost::asio::error::operation_aborted, ptr()); });
        if (a.transmit_error)
            return complete([h = std::move(h), ec = a.transmit_error]() mutable { std::move(h)(ec, ptr()); });
        ++count->opened;
        ptr b(new body(ex_, std::move(a), count));
        complete([h = std::move(h), b = std::move(b)]() mutable { std::move(h)(ec_type{}, std::move(b)); });
    }

    void async_open_duplex(const bedrock::transport::request& req, const bedrock::transport::timeouts&,
                           handler<void(ec_type, std::unique_ptr<bedrock::transport::duplex_body>)> h) override
    {
        using ptr = std::unique_ptr<bedrock::transport::duplex_body>;
        auto a = next(req);
        if (a.hang)
            return hold(std::move(h), [](auto h) { std::move(h)(boost::asio::error::operation_aborted, ptr()); });
        if (a.transmit_error)
            return complete([h = std::move(h), ec = a.transmit_error]() mutable { std::move(h)(ec, ptr()); });
        ++count->opened;
        auto channel = std::make_shared<duplex_channel>(ex_, std::move(a), count);
        duplexes.push_back(channel);
        ptr b(new duplex(channel));
        complete([h = std::move(h), b = std::move(b)]() mutable { std::move(h)(ec_type{}, std::move(b)); });
    }

    void close() noexcept override {}
    bedrock::http::pool_stats stats() const noexcept override { return {}; }

    /// Every body handed out was read to its end or abandoned; no handler is held.
    bool nothing_left_behind() const
    {
        return count->opened == count->ended + count->abandoned && count->pending == 0;
    }

private:
    class body final : public bedrock::transport::response_body {
    public:
        body(boost::asio::any_io_executor ex, scripted_answer a, std::shared_ptr<counters> c)
            : ex_(std::move(ex)), answer_(std::move(a)), count_(std::move(c))
        {
            head_.result(answer_.status);
            for (auto& [k, v] : answer_.headers)
                head_.set(k, v);
        }
        ~body() override { close(); }

        const bedrock::transport::response_head& head() const noexcept override { return head_; }
        void set_idle_timeout(std::chrono::milliseconds) noexcept override {}

        void async_read_some(boost::asio::mutable_buffer buffer, handler<void(ec_type, std::size_t)> h) override
        {
            if (done_)
                return post([h = std::move(h)]() mutable { std::move(h)(bedrock::http::error::stream_closed, 0); });
            if (next_ < answer_.pieces.size()) {
                auto& piece = answer_.pieces[next_];
                const std::size_t n = std::min(buffer.size(), piece.size() - offset_);
                std::memcpy(buffer.data(), piece.data() + offset_, n);
                offset_ += n;
                if (offset_ == piece.size()) {
                    ++next_;
                    offset_ = 0;
                }
                return post([h = std::move(h), n]() mutable { std::move(h)(ec_type{}, n); });
            }
            if (answer_.hang_after_pieces) {
                // emplace, not assignment: Boost 1.81's any_completion_handler has no move assignment,
                // and `=` would wrap the handler in another one (endlessly).
                pending_.emplace(std::move(h));
                ++count_->pending;
                auto slot = pending_->get_cancellation_slot();
                if (slot.is_connected())
                    slot.assign([this](boost::asio::cancellation_type) { abort_pending(); });
                return;
            }
            done_ = true;
            if (answer_.read_error) {
                ++count_->abandoned; // failed: the connection would be closed
                return post([h = std::move(h), ec = answer_.read_error]() mutable { std::move(h)(ec, 0); });
            }
            ++count_->ended;
            post([h = std::move(h)]() mutable { std::move(h)(bedrock::http::error::end_of_stream, 0); });
        }

        void close() noexcept override
        {
            abort_pending();
            if (!done_) {
                done_ = true;
                ++count_->abandoned;
            }
        }

    private:
        template <class F>
        void post(F f)
        {
            boost::asio::post(ex_, std::move(f));
        }
        void abort_pending()
        {
            if (!pending_)
                return;
            --count_->pending;
            handler<void(ec_type, std::size_t)> h(std::move(*pending_));
            pending_.reset();
            h.get_cancellation_slot().clear();
            post([h = std::move(h)]() mutable { std::move(h)(boost::asio::error::operation_aborted, 0); });
        }

        boost::asio::any_io_executor ex_;
        scripted_answer answer_;
        std::shared_ptr<counters> count_;
        bedrock::transport::response_head head_;
        std::size_t next_ = 0, offset_ = 0;
        bool done_ = false;
        std::optional<handler<void(ec_type, std::size_t)>> pending_;
    };

    // What the client holds of a duplex_channel; closing or destroying it resets the stream.
    class duplex final : public bedrock::transport::duplex_body {
    public:
        explicit duplex(std::shared_ptr<duplex_channel> c) : c_(std::move(c)) {}
        ~duplex() override { c_->reset(); }

        const bedrock::transport::response_head& head() const noexcept override { return c_->head; }
        void set_idle_timeout(std::chrono::milliseconds idle) noexcept override { c_->idle = idle; }
        void async_read_some(boost::asio::mutable_buffer buffer, handler<void(ec_type, std::size_t)> h) override
        {
            c_->read(buffer, std::move(h));
        }
        void async_write(boost::asio::const_buffer bytes, handler<void(ec_type)> h) override
        {
            c_->write(bytes, std::move(h));
        }
        void async_finish(handler<void(ec_type)> h) override { c_->finish(std::move(h)); }
        void close() noexcept override { c_->reset(); }

    private:
        std::shared_ptr<duplex_channel> c_;
    };

    scripted_answer next(const bedrock::transport::request& req)
    {
        sent.push_back(req);
        REQUIRE_FALSE(script.empty());
        auto a = std::move(script.front());
        script.pop_front();
        return a;
    }

    template <class F>
    void complete(F f)
    {
        boost::asio::post(ex_, std::move(f));
    }

    // A transmit that never answers: completes with operation_aborted when its slot is cancelled.
    template <class H, class Abort>
    void hold(H h, Abort abort)
    {
        auto slot = h.get_cancellation_slot();
        REQUIRE(slot.is_connected());
        ++count->pending;
        auto held = std::make_shared<H>(std::move(h));
        slot.assign([this, held, abort, c = count](boost::asio::cancellation_type) {
            // Copies first: clearing the slot destroys this very function object.
            auto h2 = held;
            auto abort2 = abort;
            --c->pending;
            h2->get_cancellation_slot().clear();
            boost::asio::post(ex_, [h2, abort2]() mutable { abort2(std::move(*h2)); });
        });
    }

    boost::asio::any_io_executor ex_;
};

} // namespace bedrock::test

#endif
