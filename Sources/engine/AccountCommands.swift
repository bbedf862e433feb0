import ArgumentParser
import EngineKit
import Foundation

/// `engine balances`: the account's balances as the engine holds them (the `account` segment).
struct Balances: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The account's balances: asset, total, available, in orders, source, updated.")

    @OptionGroup var options: InstanceOptions

    @Flag(help: "Print a JSON array.")
    var json = false

    func run() throws {
        let view = try AccountViewReader.read(options.instance)
        let rows = view.balances.sorted { $0.asset < $1.asset }
        if json {
            print(jsonLine(rows.map(AccountJSON.balance)))
            return
        }
        if rows.isEmpty { return print("no balances yet (the first reconciliation brings them)") }
        print(pad("asset", 10) + pad("total", 22) + pad("available", 22) + pad("in_orders", 22) + pad("source", 16) + "updated")
        for b in rows {
            print(
                pad(b.asset, 10) + pad(e8(b.total), 22) + pad(e8(b.available), 22) + pad(e8(b.hold), 22)
                    + pad(AccountJSON.sourceName(b.source), 16) + isoTime(b.updatedNs))
        }
    }
}

/// `engine positions`: per (strategy, symbol) positions and their PnL.
struct Positions: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Positions per strategy and symbol: side, size, entry, mark, unrealized PnL (USD-M: leverage, margin, liquidation).")

    @OptionGroup var options: InstanceOptions

    @Flag(help: "Print a JSON array.")
    var json = false

    @Flag(help: "Include flat positions.")
    var all = false

    func run() throws {
        let view = try AccountViewReader.read(options.instance)
        let rows = view.positions.filter { all || $0.size != 0 }.sorted {
            ($0.symbol, $0.strategyId) < ($1.symbol, $1.strategyId)
        }
        if json {
            print(jsonLine(rows.map(AccountJSON.position)))
            return
        }
        if rows.isEmpty { return print("no open positions") }
        print(
            pad("strategy", 9) + pad("symbol", 10) + pad("side", 6) + pad("size", 14) + pad("entry_price", 16)
                + pad("mark_price", 16) + pad("unrealized_pnl", 18) + pad("realized_pnl", 18) + "leverage")
        for p in rows {
            let object = AccountJSON.position(p)
            print(
                pad("\(p.strategyId)", 9) + pad(p.symbol, 10) + pad(object["side"] as! String, 6)
                    + pad(object["size"] as! String, 14) + pad(text(object["entry_price"]), 16)
                    + pad(text(object["mark_price"]), 16) + pad(e8(p.unrealized), 18) + pad(e8(p.realized), 18)
                    + text(object["leverage"]))
        }
    }
}

/// `engine pnl`: realized, unrealized, total, daily, fees, win rate and drawdown.
struct PnL: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pnl",
        abstract: "Profit and loss in the quote asset: realized, unrealized, total, daily, fees, win rate, max drawdown; per strategy and in total.")

    @OptionGroup var options: InstanceOptions

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        let view = try AccountViewReader.read(options.instance)
        let object = AccountJSON.pnl(view)
        if json {
            print(jsonLine(object))
            return
        }
        let total = object["total"] as! [String: Any]
        print("quote asset \(view.quoteAsset), account version \(view.version)")
        for key in [
            "realized_pnl", "unrealized_pnl", "total_pnl", "daily_pnl", "fees_paid", "funding", "win_rate",
            "max_drawdown", "max_drawdown_percent",
        ] {
            print(pad(key, 22) + text(total[key]))
        }
        let strategies = object["strategies"] as! [[String: Any]]
        if strategies.count > 1 {
            print("")
            print(pad("strategy", 10) + pad("realized", 18) + pad("unrealized", 18) + pad("fees", 16) + "total")
            for s in strategies {
                print(
                    pad(text(s["strategy_id"]), 10) + pad(text(s["realized_pnl"]), 18) + pad(text(s["unrealized_pnl"]), 18)
                        + pad(text(s["fees_paid"]), 16) + text(s["total_pnl"]))
            }
        }
    }
}

/// Reads the `account` segment, with a clear exit when there is none.
enum AccountViewReader {
    static func read(_ instance: String) throws -> AccountView {
        let reader = try attachOrExit(instance) { () throws(ShmError) in try AccountSegmentReader(instance: instance) }
        do { return try reader.read() } catch { throw fail("account segment of '\(instance)': \(error)") }
    }
}

/// An amount at 1e-8 as a decimal string.
func e8(_ value: Int64) -> String { decimal(value, -8) }

/// A JSON value as text ("-" for null).
func text(_ value: Any?) -> String {
    switch value {
    case nil, is NSNull: "-"
    case let s as String: s
    default: "\(value!)"
    }
}

/// A time in ns since the epoch as ISO 8601 UTC with milliseconds ("-" for 0).
func isoTime(_ ns: Int64) -> String {
    guard ns > 0 else { return "-" }
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: Date(timeIntervalSince1970: Double(ns) / 1e9))
}
