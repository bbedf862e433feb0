import Account
import ArgumentParser
import EngineKit
import Foundation
import Recorder

/// `engine history orders|fills|bars SYMBOL`: the recorder's history of a symbol, as a table or CSV.
struct History: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A symbol's recorded orders, fills or OHLC bars (1s, 1m), as a table or CSV.")

    @Argument(help: "orders, fills or bars.")
    var kind: String

    @Argument(help: "The symbol (BTCUSDT).")
    var symbol: String

    @OptionGroup var options: RecorderOptions

    @Option(help: "Bars: 1s or 1m (default 1m).")
    var interval = "1m"

    @Option(help: "Only records at or after this time: ISO 8601, epoch seconds/ms/ns, or an age (15m).")
    var since: String?

    @Option(help: "At most this many rows (default 1000).")
    var limit = 1000

    @Flag(help: "Print CSV with a header row.")
    var csv = false

    func validate() throws {
        guard ["orders", "fills", "bars"].contains(kind) else {
            throw ValidationError("history is of orders, fills or bars, not '\(kind)'")
        }
        guard ["1s", "1m"].contains(interval) else { throw ValidationError("--interval must be 1s or 1m") }
        guard limit > 0 else { throw ValidationError("--limit must be positive") }
    }

    func run() throws {
        let store = try options.open()
        let name = symbol.uppercased()
        let sinceNs = try since.map { try TimeArgument.ns($0, flag: "--since") }
        do {
            switch kind {
            case "orders":
                let orders = try store.orders(symbol: name, limit: limit)
                    .filter { sinceNs == nil || $0.lastUpdateNs >= sinceNs! }
                print(csv ? RecorderCSV.orders(orders) : table(orders.map(AccountJSON.order)), terminator: csv ? "" : "\n")
            case "fills":
                let fills = Array(try store.fills(since: sinceNs, symbol: name).prefix(limit))
                print(csv ? RecorderCSV.fills(fills) : table(fills.map(AccountJSON.fill)), terminator: csv ? "" : "\n")
            default:
                let bars = try store.bars(
                    symbol: name, intervalSeconds: interval == "1s" ? 1 : 60, since: sinceNs, limit: limit)
                print(csv ? RecorderCSV.bars(bars) : barTable(bars), terminator: csv ? "" : "\n")
            }
        } catch { throw fail("\(error)") }
    }

    private func table(_ rows: [[String: Any]]) -> String {
        guard !rows.isEmpty else { return "no \(kind) of \(symbol.uppercased())" }
        return rows.map(jsonLine).joined(separator: "\n")
    }

    private func barTable(_ bars: [Bar]) -> String {
        guard !bars.isEmpty else { return "no \(interval) bars of \(symbol.uppercased())" }
        var lines = [
            pad("open_time", 26) + pad("open", 14) + pad("high", 14) + pad("low", 14) + pad("close", 14)
                + pad("volume", 16) + "trades"
        ]
        for b in bars {
            lines.append(
                pad(isoTime(b.openNs), 26) + pad(b.open.description, 14) + pad(b.high.description, 14)
                    + pad(b.low.description, 14) + pad(b.close.description, 14) + pad(b.volume.description, 16)
                    + "\(b.trades)")
        }
        return lines.joined(separator: "\n")
    }
}

/// `engine reconcile`: asks the running engine for a reconciliation now and prints its report.
struct Reconcile: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Force one reconciliation with the venue in the running engine and print the report.")

    @OptionGroup var options: RecorderOptions

    @Option(help: "Seconds to wait for the report (default 15).")
    var timeout: Double = 15

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        let view = try InstanceView(instance: options.instance)
        guard view.isLive else { throw fail("the engine of instance '\(options.instance)' is not running") }
        let store = try options.open()
        let before = (try? store.reports(limit: 1).first?.timestamp) ?? 0
        let asked = nowNs()
        guard kill(view.stats.segment.writerPID, SIGUSR1) == 0 else {
            throw fail("cannot signal the engine (pid \(view.stats.segment.writerPID)): \(String(cString: strerror(errno)))")
        }
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let report = try? store.reports(limit: 1).first, report.timestamp > before, report.timestamp >= asked {
                if json {
                    print(jsonLine(AccountJSON.report(report)))
                } else {
                    printReport(report)
                }
                if report.exceededThreshold { throw ExitCode(3) }
                return
            }
            usleep(50_000)
        }
        throw fail("no reconciliation report within \(timeout) s (is the order path live? `engine status`)")
    }

    private func printReport(_ r: ReconciliationReport) {
        print(
            "reconciled at \(isoTime(r.timestamp)) in \(r.durationNs / 1_000_000) ms: \(r.balancesChecked) balances, "
                + "\(r.positionsChecked) positions, \(r.ordersChecked) orders, \(r.tradesChecked) trades checked; "
                + "\(r.missingFills) missing fills taken in; \(r.mismatchesFound) mismatches")
        for d in r.discrepancies {
            print(
                "  \(d.kind) \(d.symbol): local \(d.localSize) venue \(d.exchangeSize) (\(d.differenceBps) bps) \(d.detail)")
        }
        if r.exceededThreshold { print("above the threshold: trading is halted until `engine risk resume`") }
    }
}
