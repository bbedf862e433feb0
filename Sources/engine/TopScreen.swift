import EngineKit
import Foundation

/// What a key asks `engine top` to do beyond changing the screen.
enum TopAction { case none, quit, halt, resume }

/// A key read from the terminal.
enum TopKey: Equatable {
    case char(UInt8), left, right, tab
}

/// The screen of `engine top`: which view and symbol, the prompt and the last answer, and the
/// frame as lines — a pure function of the model, so it is cheap and testable.
struct TopScreen {
    var view: TopView
    var symbol = 0
    var confirmingHalt = false
    var status = "keys: 1 books  2 orders  3 positions  4 latency  5 feeds  n/p symbol  h halt  r resume  q quit"

    mutating func handle(_ key: TopKey) -> TopAction {
        if confirmingHalt {
            confirmingHalt = false
            if key == .char(UInt8(ascii: "y")) { return .halt }
            status = "halt cancelled"
            return .none
        }
        switch key {
        case .char(let c) where c >= UInt8(ascii: "1") && c <= UInt8(ascii: "5"):
            view = TopView(rawValue: Int(c - UInt8(ascii: "0")))!
        case .tab: view = TopView(rawValue: view.rawValue % 5 + 1)!
        case .right, .char(UInt8(ascii: "n")): symbol += 1
        case .left, .char(UInt8(ascii: "p")): symbol -= 1
        case .char(UInt8(ascii: "h")):
            confirmingHalt = true
            status = "halt: cancel every open order and refuse new ones? y/n"
        case .char(UInt8(ascii: "r")): return .resume
        case .char(UInt8(ascii: "q")), .char(3): return .quit
        default: break
        }
        return .none
    }

    mutating func render(_ m: TopModel, width: Int, height: Int) -> [String] {
        let count = max(1, m.view.books.instruments.count)
        symbol = ((symbol % count) + count) % count
        let uptime = String(format: "%.0f", m.header["uptime_s"] as? Double ?? 0)
        let kill = m.account.map { "\($0.risk.state)" + ($0.risk.reason.isEmpty ? "" : " (\($0.risk.reason))") } ?? "-"
        var lines = [
            "tickwire \(m.view.name) — \(m.header["state"] ?? "?") — up \(uptime) s — kill switch \(kill)"
                + " — view \(view.rawValue) \(view.name)",
            String(repeating: "─", count: min(width, 100)),
        ]
        switch view {
        case .books: lines += books(m)
        case .orders: lines += orders(m)
        case .positions: lines += positions(m)
        case .latency: lines += latency(m)
        case .feeds: lines += feeds(m)
        }
        let body = lines.prefix(max(3, height - 2)).map { String($0.prefix(width)) }
        return Array(body) + ["", String(status.prefix(width))]
    }

    private func books(_ m: TopModel) -> [String] {
        let entry = m.view.books.instruments[symbol]
        let state = m.instruments[safe: symbol]?["state"] as? String ?? "?"
        var out = ["\(entry.symbol)  (\(symbol + 1)/\(m.view.books.instruments.count), n/p)  state \(state)"]
        if let why = m.instruments[safe: symbol].flatMap(reasonText) { out.append("why: \(why)") }
        guard let book = m.books[symbol] else { return out + ["no book"] }
        let px = { decimal($0, entry.priceExponent) }
        let qty = { decimal($0, entry.quantityExponent) }
        if let bid = book.bids.first, let ask = book.asks.first {
            out.append("spread \(px(ask.price - bid.price))\(book.stale ? "  STALE" : "")")
        }
        out.append(pad("BID QTY", 16) + pad("BID", 16) + pad("ASK", 16) + "ASK QTY")
        let largest = (book.bids + book.asks).map(\.quantity).max() ?? 1
        for i in 0..<max(book.bids.count, book.asks.count) {
            let b = book.bids[safe: i], a = book.asks[safe: i]
            let bar = { (q: Int64) in String(repeating: "█", count: Int(min(12, 12 * q / max(largest, 1)))) }
            out.append(
                pad(b.map { qty($0.quantity) } ?? "", 16) + pad(b.map { px($0.price) } ?? "", 16)
                    + pad(a.map { px($0.price) } ?? "", 16) + pad(a.map { qty($0.quantity) } ?? "", 14)
                    + (b.map { bar($0.quantity) } ?? "") + " | " + (a.map { bar($0.quantity) } ?? ""))
        }
        return out
    }

    private func orders(_ m: TopModel) -> [String] {
        let open = (m.board?.orders ?? []).filter { $0.state.isOpen }
        var out = [
            pad("CLIENT ID", 24) + pad("SYMBOL", 10) + pad("SIDE", 6) + pad("TYPE", 12) + pad("PRICE", 14)
                + pad("QTY", 12)
                + pad("FILLED", 12) + "STATE"
        ]
        for o in open.suffix(30) {
            out.append(
                pad(o.clientOrderId, 24) + pad(o.symbol, 10) + pad(o.side.name, 6) + pad(o.type.name, 12)
                    + pad(o.price?.description ?? "-", 14) + pad(o.quantity.description, 12)
                    + pad(o.knownFilledQuantity.description, 12) + o.state.rawValue)
        }
        return out + ["\(open.count) open of \(m.board?.orders.count ?? 0) this session"]
    }

    private func positions(_ m: TopModel) -> [String] {
        guard let a = m.account else { return ["no account segment"] }
        let t = a.totals
        var out = [
            "PnL (\(a.quoteAsset)): total \(e8(t.total))  realized \(e8(t.realized))  unrealized \(e8(t.unrealized))"
                + "  daily \(e8(t.daily))  fees \(e8(t.fees))",
            "",
            pad("SYMBOL", 10) + pad("STRATEGY", 10) + pad("SIZE", 14) + pad("ENTRY", 16) + pad("MARK", 16)
                + pad("UNREALIZED", 16)
                + "REALIZED",
        ]
        for p in a.positions where p.size != 0 || p.realized != 0 {
            out.append(
                pad(p.symbol, 10) + pad("\(p.strategyId)", 10) + pad(decimal(p.size, p.quantityExponent), 14)
                    + pad(p.size == 0 ? "-" : e8(p.entryPrice), 16) + pad(p.markPrice.map(e8) ?? "-", 16)
                    + pad(e8(p.unrealized), 16) + e8(p.realized))
        }
        return out
    }

    private func latency(_ m: TopModel) -> [String] {
        let hist = m.engine["histograms"] as? [String: [String: Any]] ?? [:]
        var out = [
            pad("HISTOGRAM (ns)", 22) + pad("COUNT", 12) + pad("P50", 12) + pad("P99", 12) + pad("P99.9", 12) + "MAX"
        ]
        for name in hist.keys.sorted() {
            let h = hist[name]!
            out.append(
                pad(name, 22) + pad("\(h["count"] ?? 0)", 12) + pad("\(h["p50"] ?? 0)", 12)
                    + pad("\(h["p99"] ?? 0)", 12)
                    + pad("\(h["p999"] ?? 0)", 12) + "\(h["max"] ?? 0)")
        }
        return out
    }

    private func feeds(_ m: TopModel) -> [String] {
        var out = [
            pad("SYMBOL", 10) + pad("STATE", 9) + pad("AGE_MS", 9) + pad("MSGS", 10) + pad("GAPS", 6) + pad("RESYNC", 8)
                + pad("RECONN", 8) + pad("BAD", 6) + pad("BBO_CHECKS/MISMATCHES", 23) + "REASON"
        ]
        for i in m.instruments {
            let stale = (i["stale"] as? Bool ?? false) && i["state"] as? String == "live"
            let age = (i["last_update_age_ms"] as? Double).map { String(format: "%.0f", $0) } ?? "-"
            out.append(
                pad("\(i["symbol"] ?? "")", 10) + pad(stale ? "stale" : "\(i["state"] ?? "")", 9) + pad(age, 9)
                    + pad("\(i["messages"] ?? 0)", 10) + pad("\(i["gaps"] ?? 0)", 6) + pad("\(i["resyncs"] ?? 0)", 8)
                    + pad("\(i["reconnects"] ?? 0)", 8) + pad("\(i["malformed"] ?? 0)", 6)
                    + pad("\(i["bookticker_checks"] ?? 0)/\(i["bookticker_mismatches"] ?? 0)", 23)
                    + (reasonText(i) ?? "-"))
        }
        return out
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
