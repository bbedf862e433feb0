import ArgumentParser
import EngineKit
import Foundation

/// `engine tail md|exec`: follows the md ring or the exec journal and prints one JSON object per event.
struct Tail: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Follow a ring and print its events as JSON lines (laps and restarts are reported).")

    @OptionGroup var options: InstanceOptions

    @Argument(help: "Ring to follow: md (market data) or exec (execution reports and command answers).")
    var ring: String

    @Option(help: "Only this symbol's events.")
    var symbol: String?

    @Option(help: "Exit after printing this many events.")
    var count: Int?

    @Option(help: "Exit after this many seconds without an event.")
    var timeout: Double?

    @Flag(name: .customLong("from-oldest"), help: "Start at the oldest event still in the ring.")
    var fromOldest = false

    func validate() throws {
        guard ring == "md" || ring == "exec" else { throw ValidationError("unknown ring '\(ring)'; available: md, exec") }
        if let count, count <= 0 { throw ValidationError("--count must be positive") }
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be positive") }
    }

    func run() throws {
        let view = try InstanceView(instance: options.instance)
        let filter = try symbol.map { try view.index(of: $0) }
        if ring == "exec" { return try tailExec(view: view, filter: filter) }
        let reader = try attachOrExit(options.instance) { () throws(ShmError) in
            try RingReader(instance: options.instance, fromOldest: fromOldest)
        }
        var printed = 0
        var lastEvent = Date()
        var books = view.books
        while count.map({ printed < $0 }) ?? true {
            switch reader.poll() {
            case .event(let event):
                lastEvent = Date()
                if let filter, event.instrument != filter { continue }
                print(jsonLine(EventJSON.object(event, books.instruments)))
                printed += 1
            case .lapped(let lost):
                print(jsonLine(["event": "lapped", "lost": lost, "resume": reader.nextSeq]))
            case .restarted:
                do {
                    try reader.reattach()
                    books = try BooksReader(instance: options.instance)
                } catch { throw fail("engine restarted and its segments cannot be attached: \(error)") }
                print(jsonLine(["event": "restart", "generation": reader.generation]))
            case .empty:
                if let timeout, Date().timeIntervalSince(lastEvent) >= timeout { return }
                flushOutput()
                usleep(200)
            }
        }
    }
}

extension Tail {
    /// Follows the exec journal (read like a ring: an external reader can be lapped, and says so).
    func tailExec(view: InstanceView, filter: Int?) throws {
        let reader = try attachOrExit(options.instance) { () throws(ShmError) in
            try ExecJournalReader(instance: options.instance, fromOldest: fromOldest)
        }
        var printed = 0
        var lastEvent = Date()
        while count.map({ printed < $0 }) ?? true {
            switch reader.poll() {
            case .record(let record):
                lastEvent = Date()
                if let filter, case .report(let r) = record.body, r.instrument != filter { continue }
                print(jsonLine(ExecJSON.object(record, view.books.instruments)))
                printed += 1
            case .lapped(let lost):
                print(jsonLine(["event": "lapped", "lost": lost, "resume": reader.nextSeq]))
            case .stopped:
                print(jsonLine(["event": "stopped"]))
                return
            case .empty:
                if let timeout, Date().timeIntervalSince(lastEvent) >= timeout { return }
                flushOutput()
                usleep(200)
            }
        }
    }
}

/// JSON shape of md events, shared by `tail` and tests.
enum EventJSON {
    static func object(_ event: MarketEvent, _ instruments: [InstrumentEntry]) -> [String: Any] {
        let entry = event.instrument < instruments.count ? instruments[event.instrument] : nil
        let pe = entry?.priceExponent ?? 0
        let qe = entry?.quantityExponent ?? 0
        var o: [String: Any] = ["seq": event.seq, "symbol": entry?.symbol ?? "#\(event.instrument)"]
        switch event.kind {
        case .book(let t), .bbo(let t):
            if case .bbo = event.kind { o["type"] = "bbo" } else { o["type"] = "book" }
            o["update_id"] = t.updateId
            o["first_update_id"] = t.firstUpdateId
            o["exchange_ns"] = t.exchangeNs
            o["recv_ns"] = t.receiveNs
            o["publish_ns"] = t.publishNs
            o["bid_px"] = decimal(t.bidPrice, pe)
            o["bid_qty"] = decimal(t.bidQuantity, qe)
            o["ask_px"] = decimal(t.askPrice, pe)
            o["ask_qty"] = decimal(t.askQuantity, qe)
            o["stale"] = t.stale
        case .trade(let t):
            o["type"] = "trade"
            o["trade_id"] = t.tradeId
            o["exchange_ns"] = t.exchangeNs
            o["recv_ns"] = t.receiveNs
            o["price"] = decimal(t.price, pe)
            o["qty"] = decimal(t.quantity, qe)
            o["aggressor"] = t.aggressor?.name ?? NSNull()
        case .status(let state):
            o["type"] = "status"
            o["state"] = state.name
        case .unknown(let type):
            o["type"] = "unknown"
            o["raw_type"] = Int(type)
        }
        return o
    }
}
