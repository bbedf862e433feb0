import CEngineShm
import EngineKit
import EngineModel
import Foundation

/// Everything an ops command reads from a running instance, attached read-only like any external reader.
struct InstanceView {
    let name: String
    let books: BooksReader
    let stats: StatsReader
    let md: Segment
    let cmd: CommandConsumer?
    let exec: Segment?

    init(instance: String) throws {
        name = instance
        books = try attachOrExit(instance) { () throws(ShmError) in try BooksReader(instance: instance) }
        stats = try attachOrExit(instance) { () throws(ShmError) in try StatsReader(instance: instance) }
        md = try attachOrExit(instance) { () throws(ShmError) in try Segment.attach(instance: instance, kind: .md) }
        let count = books.instruments.count
        cmd = (try? Segment.attach(instance: instance, kind: .cmd)).map {
            CommandConsumer(segment: $0, instrumentCount: count)
        }
        exec = try? Segment.attach(instance: instance, kind: .exec)
    }

    /// Whether the engine behind the segments is live.
    var isLive: Bool { stats.segment.state == .live && stats.segment.writerAlive }

    /// The instrument index of a symbol, or a clear exit listing the known ones.
    func index(of symbol: String) throws -> Int {
        guard let index = books.index(of: symbol) else {
            let known = books.instruments.map(\.symbol).joined(separator: ",")
            throw fail("unknown symbol '\(symbol)' on instance '\(name)'; known: \(known)")
        }
        return index
    }

    /// Header, state and liveness.
    func headerObject() -> [String: Any] {
        let s = stats.segment
        let now = nowNs()
        let abi = s.abiVersion
        // A segment whose writer is gone (kill -9) still says live: the state word says what it is.
        let state = s.writerAlive || s.state == .dead ? s.state.description : "dead"
        return [
            "instance": name, "state": state, "segment_state": s.state.description, "generation": s.generation,
            "pid": Int(s.writerPID),
            "pid_alive": s.writerAlive, "abi": "\(abi.major).\(abi.minor)", "created_ns": s.createdNs,
            "uptime_s": Double(now - s.createdNs) / 1e9, "heartbeat_age_ms": Double(now - s.heartbeatNs) / 1e6,
            "live": isLive,
        ]
    }

    /// `engine status --json` (and the control plane's /api/status): header, instruments, engine.
    func statusObject() -> [String: Any] {
        var object = headerObject()
        object["instruments"] = books.instruments.map(instrumentObject)
        object.merge(engineObject()) { a, _ in a }
        return object
    }

    /// Why a symbol is in its state: the reason's name and what a user is told ("" when nothing).
    /// A writer that is gone (kill -9) left its last words in the segments: the symbol is dead, not live.
    func health(_ index: Int) -> (name: String, text: String) {
        guard stats.segment.writerAlive else {
            return ("writer_gone",
                    "the engine (pid \(stats.segment.writerPID)) is gone; the book was last \(books.feedState(index).label)")
        }
        let c = stats.instrument(index)
        let reason = FeedReason(rawValue: c.healthReason) ?? .none
        return (reason.name, reason.text(detail: c.healthDetail))
    }

    /// One instrument's state, top of book and counters.
    func instrumentObject(_ entry: InstrumentEntry) -> [String: Any] {
        let c = stats.instrument(entry.index)
        let writerGone = !stats.segment.writerAlive
        let why = health(entry.index)
        var o: [String: Any] = [
            "symbol": entry.symbol, "index": entry.index, "venue": entry.venue,
            "state": writerGone ? "dead" : books.feedState(entry.index).label,
            "reason": why.name,
            "reason_detail": c.healthDetail,
            "reason_text": why.text,
            "reason_age_ms": c.healthNs > 0 ? Double(nowNs() - c.healthNs) / 1e6 : NSNull(),
            "last_update_id": c.lastUpdateId,
            "messages": c.messages, "bytes": c.bytes, "gaps": c.gaps, "resyncs": c.resyncs,
            "reconnects": c.reconnects, "malformed": c.malformed, "bookticker_checks": c.bookTickerChecks,
            "bookticker_mismatches": c.bookTickerMismatches, "book_updates": c.bookUpdates, "trades": c.trades,
            "last_update_age_ms": c.lastUpdateNs > 0 ? Double(nowNs() - c.lastUpdateNs) / 1e6 : NSNull(),
        ]
        if let book = try? books.snapshot(entry.index, levels: 1) {
            o["stale"] = book.stale
            o["bid"] = book.bids.first.map { ["price": decimal($0.price, entry.priceExponent),
                                              "qty": decimal($0.quantity, entry.quantityExponent)] } ?? NSNull()
            o["ask"] = book.asks.first.map { ["price": decimal($0.price, entry.priceExponent),
                                              "qty": decimal($0.quantity, entry.quantityExponent)] } ?? NSNull()
        }
        return o
    }

    /// Global counters, histograms and ring positions.
    func engineObject() -> [String: Any] {
        var counters: [String: Any] = [:]
        for (name, index) in globalCounterNames { counters[name] = stats.counter(index) }
        var histograms: [String: Any] = [:]
        for (name, index) in histogramNames {
            let h = stats.histogram(index)
            histograms[name] = ["count": h.count, "min": h.min, "p50": h.p50, "p99": h.p99, "p999": h.p999, "max": h.max]
        }
        let ring = tw_ring_of(md.base)!.pointee
        var rings: [String: Any] = [
            "md": ["head": tw_ring_head(tw_ring_of(md.base)), "slots": ring.slot_count, "slot_size": ring.slot_size]
        ]
        if let cmd {
            let c = cmd.counters
            let lanes = cmd.lanes
            rings["cmd"] = [
                "lanes": lanes.count, "lanes_owned": lanes.owned, "waiting": cmd.depth, "rejected_full": c.rejectedFull,
                "rejected_no_lane": c.rejectedNoLane, "lanes_reclaimed": c.lanesReclaimed,
            ]
        }
        if let exec, let reader = try? ExecJournalReader(segment: exec) {
            let c = reader.counters
            rings["exec"] = [
                "head": c.head, "consumed": c.consumed, "slots": c.capacity, "reserve": c.reserve,
                "refused_full": c.refusedFull, "overflowed": c.overflowed,
            ]
        }
        return ["counters": counters, "histograms": histograms, "rings": rings]
    }

    /// A full book as JSON.
    func bookObject(_ index: Int, levels: Int? = nil) throws -> [String: Any] {
        let entry = books.instruments[index]
        let book: BookSnapshot
        do { book = try books.snapshot(index, levels: levels) } catch { throw fail(error.description) }
        func side(_ levels: [BookLevel]) -> [[String]] {
            levels.map { [decimal($0.price, entry.priceExponent), decimal($0.quantity, entry.quantityExponent)] }
        }
        return [
            "symbol": entry.symbol, "update_id": book.updateId, "exchange_ns": book.exchangeNs,
            "recv_ns": book.receiveNs, "stale": book.stale, "state": books.feedState(index).label,
            "bids": side(book.bids), "asks": side(book.asks),
        ]
    }
}
