// SPDX-License-Identifier: MIT
//
// The in-memory feed's library baseline: simdjson ondemand + std::map, on the
// same frames as the feed scenario (see tickwire/baseline.h). Written the way
// a careful C++ developer would with these libraries, not tuned against them:
// the point is an honest reference for the feed's own decoder and book.
#include "tickwire/baseline.h"

#include <pthread.h>
#include <sched.h>
#include <simdjson.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <string_view>
#include <vector>

#include "tickwire/cbench.h"
#include "tickwire/core.h"
#include "tickwire/ws.h"

namespace {

using simdjson::ondemand::array;
using simdjson::ondemand::document;
using simdjson::ondemand::object;
using simdjson::ondemand::parser;

struct Level {
    double price, qty;
};

struct Diff {
    uint64_t first, last;
    std::vector<Level> bids, asks;
};

struct Ticker {
    uint64_t u;
    double bid, bid_qty, ask, ask_qty;
};

bool to_double(std::string_view s, double &out)
{
    auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// [["price","qty"], ...] into out.
bool levels(simdjson::simdjson_result<simdjson::ondemand::value> v, std::vector<Level> &out)
{
    out.clear();
    array arr;
    if (v.get_array().get(arr))
        return false;
    for (auto item : arr) {
        array pair;
        if (item.get_array().get(pair))
            return false;
        std::string_view ps, qs;
        auto it = pair.begin();
        if (it == pair.end() || (*it).get_string().get(ps))
            return false;
        ++it;
        if (it == pair.end() || (*it).get_string().get(qs))
            return false;
        Level l;
        if (!to_double(ps, l.price) || !to_double(qs, l.qty))
            return false;
        out.push_back(l);
    }
    return true;
}

class Book {
  public:
    std::map<double, double, std::greater<double>> bids;
    std::map<double, double> asks;
    uint64_t id = 0;
    bool live = false, chained = false;
    std::vector<Diff> buffered;
    std::vector<Ticker> waiting;
    uint64_t applied = 0, stale = 0, gaps = 0, checks = 0, mismatches = 0;

    void reset()
    {
        bids.clear();
        asks.clear();
        buffered.clear();
        waiting.clear();
        id = 0;
        live = chained = false;
    }

    void snapshot(uint64_t last_id, const std::vector<Level> &b, const std::vector<Level> &a)
    {
        bids.clear();
        asks.clear();
        for (const Level &l : b)
            if (l.qty != 0)
                bids[l.price] = l.qty;
        for (const Level &l : a)
            if (l.qty != 0)
                asks[l.price] = l.qty;
        id = last_id;
        live = true;
        chained = false;
        check_waiting();
        std::vector<Diff> replay;
        replay.swap(buffered);
        for (const Diff &d : replay)
            if (!apply(d))
                return;
    }

    // false on a gap (the book is dropped, as the feed does).
    bool diff(Diff &d)
    {
        if (!live) {
            buffered.push_back(std::move(d));
            return true;
        }
        return apply(d);
    }

    void ticker(const Ticker &t)
    {
        if (!live || t.u > id) {
            if (waiting.size() == 32)
                waiting.erase(waiting.begin());
            waiting.push_back(t);
        } else if (t.u == id) {
            check(t);
        }
    }

  private:
    bool apply(const Diff &d)
    {
        if (d.last <= id) {
            stale++;
            return true;
        }
        if (chained ? d.first != id + 1 : d.first > id + 1) {
            gaps++;
            reset();
            return false;
        }
        for (const Level &l : d.bids)
            set(bids, l);
        for (const Level &l : d.asks)
            set(asks, l);
        id = d.last;
        chained = true;
        applied++;
        check_waiting();
        return true;
    }

    template <class Map> static void set(Map &m, const Level &l)
    {
        if (l.qty == 0)
            m.erase(l.price);
        else
            m[l.price] = l.qty;
    }

    void check(const Ticker &t)
    {
        double bp = 0, bq = 0, ap = 0, aq = 0;
        if (!bids.empty())
            bp = bids.begin()->first, bq = bids.begin()->second;
        if (!asks.empty())
            ap = asks.begin()->first, aq = asks.begin()->second;
        checks++;
        mismatches += t.bid != bp || t.bid_qty != bq || t.ask != ap || t.ask_qty != aq;
    }

    void check_waiting()
    {
        size_t kept = 0;
        for (const Ticker &t : waiting) {
            if (t.u > id)
                waiting[kept++] = t;
            else if (t.u == id)
                check(t);
        }
        waiting.resize(kept);
    }
};

struct Run {
    tw_bench_baseline_t *b = nullptr;
    tw_bench_frames_t fr{};
    parser json;
    Book book;
    Diff scratch;
    std::vector<Level> snap_bids, snap_asks;
    uint64_t malformed = 0;
};

bool on_snapshot(Run &r, document &doc)
{
    object o;
    uint64_t id;
    if (doc.get_object().get(o) || o["lastUpdateId"].get_uint64().get(id) || !levels(o["bids"], r.snap_bids) ||
        !levels(o["asks"], r.snap_asks))
        return false;
    r.book.snapshot(id, r.snap_bids, r.snap_asks);
    return true;
}

bool ends_with(std::string_view s, std::string_view tail)
{
    return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

bool on_stream(Run &r, document &doc)
{
    object o, data;
    std::string_view stream;
    if (doc.get_object().get(o) || o["stream"].get_string().get(stream) || o["data"].get_object().get(data))
        return false;
    if (stream.find("@depth") != std::string_view::npos) {
        Diff &d = r.scratch;
        if (data["U"].get_uint64().get(d.first) || data["u"].get_uint64().get(d.last) || !levels(data["b"], d.bids) ||
            !levels(data["a"], d.asks))
            return false;
        r.book.diff(d);
        return true;
    }
    if (ends_with(stream, "@bookTicker")) {
        Ticker t;
        std::string_view b, bq, a, aq;
        if (data["u"].get_uint64().get(t.u) || data["b"].get_string().get(b) || data["B"].get_string().get(bq) ||
            data["a"].get_string().get(a) || data["A"].get_string().get(aq) || !to_double(b, t.bid) ||
            !to_double(bq, t.bid_qty) || !to_double(a, t.ask) || !to_double(aq, t.ask_qty))
            return false;
        r.book.ticker(t);
        return true;
    }
    if (ends_with(stream, "@trade")) {
        uint64_t id, ms;
        std::string_view p, q;
        bool maker;
        double price, qty;
        if (data["t"].get_uint64().get(id) || data["p"].get_string().get(p) || data["q"].get_string().get(q) ||
            data["T"].get_uint64().get(ms) || data["m"].get_bool().get(maker) || !to_double(p, price) ||
            !to_double(q, qty))
            return false;
        __asm__ volatile("" : : "r"(price), "r"(qty), "r"(id) : "memory"); // a trade is read, then handed on
        return true;
    }
    return true; // not subscribed by the recorder: nothing to do
}

// Frames [from, to); returns the frames done.
uint64_t run_frames(Run &r, uint64_t from, uint64_t to)
{
    const uint8_t *wire = r.fr.wire;
    uint64_t k = from;
    for (size_t pos = r.fr.frame_at[from], end = r.fr.frame_at[to]; pos < end; k++) {
        tw_ws_frame_t f;
        int n = tw_ws_frame_parse(wire + pos, end - pos, 1u << 20, &f);
        if (n <= 0)
            break;
        const char *s = reinterpret_cast<const char *>(f.payload);
        size_t room = r.fr.wire_cap - static_cast<size_t>(f.payload - wire); // the next frames pad this one
        document doc;
        bool ok = !r.json.iterate(s, f.len, room).get(doc) && (r.fr.snapshot[k] ? on_snapshot(r, doc) : on_stream(r, doc));
        r.malformed += !ok;
        pos += static_cast<size_t>(n);
    }
    return k - from;
}

int fail(tw_bench_baseline_t *b, int err, const char *what)
{
    std::snprintf(b->error, sizeof(b->error), "%s", what);
    return -err;
}

int measure(Run &r)
{
    tw_bench_baseline_t *b = r.b;
    uint64_t timed = r.fr.frames - r.fr.start;
    int64_t total = 0;
    for (uint32_t p = 0; p <= b->reps; p++) { // pass 0 warms up, untimed
        r.book.reset();
        run_frames(r, 0, r.fr.start);
        uint64_t applied = r.book.applied, stale = r.book.stale, gaps = r.book.gaps, bad = r.malformed;
        int64_t t0 = tw_mono_ns();
        uint64_t done = run_frames(r, r.fr.start, r.fr.frames);
        int64_t dt = tw_mono_ns() - t0;
        if (done != timed)
            return fail(b, EBADMSG, "a frame did not parse");
        if (r.book.gaps != gaps || r.malformed != bad)
            return fail(b, EBADMSG, "a pass had a gap or a malformed message");
        if ((r.book.applied - applied) + (r.book.stale - stale) != r.fr.diffs)
            return fail(b, EBADMSG, "a depth diff was neither applied nor older than the snapshot");
        if (p == 0)
            continue;
        total += dt;
        b->applied += r.book.applied - applied;
        b->stale += r.book.stale - stale;
    }
    b->messages = timed;
    b->diffs = r.fr.diffs;
    b->elapsed_ns = total;
    b->bbo_checks = r.book.checks;
    b->bbo_mismatches = r.book.mismatches;
    b->gaps = r.book.gaps;
    b->malformed = r.malformed;
    return 0;
}

void *worker(void *arg)
{
    Run &r = *static_cast<Run *>(arg);
    tw_bench_baseline_t *b = r.b;
    int rc = 0;
    if (b->cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(b->cpu, &set);
        if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0)
            rc = fail(b, EINVAL, "cannot pin to the core asked for");
    }
    if (rc == 0 && (rc = tw_bench_frames_make(b->text, b->len, b->depth_only, &r.fr, b->error, sizeof(b->error))) == 0)
        rc = measure(r);
    tw_bench_frames_free(&r.fr);
    return reinterpret_cast<void *>(static_cast<intptr_t>(rc));
}

} // namespace

extern "C" int tw_bench_baseline(tw_bench_baseline_t *b)
{
    b->error[0] = 0;
    b->applied = b->stale = 0;
    if (b->text == nullptr || b->len == 0 || b->reps == 0)
        return fail(b, EINVAL, "no data, or no repetitions");
    Run *r = new Run;
    r->b = b;
    pthread_t tid;
    void *ret = nullptr;
    int err = pthread_create(&tid, nullptr, worker, r);
    if (err != 0) {
        delete r;
        return fail(b, err, "cannot start the benchmark thread");
    }
    pthread_join(tid, &ret);
    delete r;
    return static_cast<int>(reinterpret_cast<intptr_t>(ret));
}
