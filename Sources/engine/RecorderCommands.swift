import Account
import ArgumentParser
import Foundation
import Recorder

/// Options of the commands that read the recorder.
struct RecorderOptions: ParsableArguments {
    @Option(name: .long, help: "Instance name: its recorder is <instance>.sqlite in the state directory.")
    var instance: String = "default"

    @Option(help: "The recorder: a SQLite file or postgres:// URL (default: as `engine start` chose it).")
    var recorder: String?

    /// Opens the recorder, or exits with why not.
    func open() throws -> any RecorderStore {
        let path = RecorderLocation.path(explicit: recorder, instance: instance)
        guard RecorderLocation.isPostgres(path) || FileManager.default.fileExists(atPath: path) else {
            throw fail("no recorder at \(path): start the engine first, or name the file with --recorder")
        }
        do { return try RecorderLocation.open(path) } catch { throw fail("recorder: \(error)") }
    }
}

/// `engine fills`: every venue trade of ours, once each, from the recorder.
struct Fills: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fills from the recorder: one per venue trade (trade id, order ids, symbol, side, price, quantity, fee, liquidity, venue time).")

    @OptionGroup var options: RecorderOptions

    @Option(help: "Only fills at or after this time: ISO 8601, epoch seconds/ms/ns, or an age (90s, 15m, 2h, 1d).")
    var since: String?

    @Option(help: "Only this symbol.")
    var symbol: String?

    @Flag(help: "Print a JSON array.")
    var json = false

    func run() throws {
        let store = try options.open()
        let sinceNs = try since.map { try TimeArgument.ns($0, flag: "--since") }
        let fills: [Fill]
        do { fills = try store.fills(since: sinceNs, symbol: symbol?.uppercased()) } catch { throw fail("\(error)") }
        if json {
            print(jsonLine(fills.map(AccountJSON.fill)))
            return
        }
        if fills.isEmpty { return print("no fills") }
        print(
            pad("trade_id", 10) + pad("client_order_id", 26) + pad("symbol", 10) + pad("side", 5) + pad("price", 14)
                + pad("quantity", 12) + pad("fee", 14) + pad("liq", 6) + "venue_time")
        for f in fills {
            print(
                pad("\(f.tradeId)", 10) + pad(f.clientOrderId.isEmpty ? "-" : f.clientOrderId, 26) + pad(f.symbol, 10)
                    + pad(f.side.name, 5) + pad(f.price.description, 14) + pad(f.quantity.description, 12)
                    + pad("\(f.fee) \(f.feeAsset)", 14) + pad(f.liquidity.rawValue, 6) + isoTime(f.venueNs))
        }
    }
}

/// `engine ledger --trial-balance`: the double-entry ledger's balances per account and asset.
struct LedgerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "The double-entry ledger from the recorder; --trial-balance: debits and credits per account and asset.")

    @OptionGroup var options: RecorderOptions

    @Flag(name: .customLong("trial-balance"), help: "Print the trial balance (the only view so far).")
    var trialBalance = false

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        let store = try options.open()
        let ledger: Ledger
        do { ledger = Ledger(replaying: try store.postings()) } catch { throw fail("\(error)") }
        let trial = ledger.trialBalance()
        if json {
            print(jsonLine(AccountJSON.trialBalance(trial)))
            return
        }
        print(pad("account", 34) + pad("asset", 10) + pad("debits", 22) + pad("credits", 22) + "balance")
        for row in trial.rows {
            print(
                pad(row.account, 34) + pad(row.asset, 10) + pad("\(row.debits)", 22) + pad("\(row.credits)", 22)
                    + "\(row.balance)")
        }
        print(trial.balanced ? "balanced: debits equal credits in every asset" : "NOT BALANCED")
        if !trial.balanced { throw ExitCode(1) }
    }
}

/// `engine alerts`: the alerts the account raised, newest first.
struct Alerts: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Alerts from the recorder, newest first.")

    @OptionGroup var options: RecorderOptions

    @Option(help: "At most this many (default 100).")
    var limit = 100

    @Flag(help: "Print a JSON array.")
    var json = false

    func run() throws {
        let store = try options.open()
        let alerts: [Alert]
        do { alerts = try store.alerts(limit: limit) } catch { throw fail("\(error)") }
        if json {
            print(jsonLine(alerts.map(AccountJSON.alert)))
            return
        }
        if alerts.isEmpty { return print("no alerts") }
        for a in alerts {
            print(
                pad(isoTime(a.timestamp), 26) + pad(a.severity.rawValue, 10) + pad(a.category.rawValue, 10)
                    + pad(a.rule, 24) + a.message)
        }
    }
}

/// Times given on the command line.
enum TimeArgument {
    /// ISO 8601, epoch seconds / ms / ns (by magnitude), or an age before now ("90s", "15m", "2h", "1d").
    static func ns(_ text: String, flag: String, now: Int64 = nowNs()) throws -> Int64 {
        if let unit = text.last, let value = Int64(text.dropLast()), value >= 0,
            let scale = ["s": Int64(1), "m": 60, "h": 3600, "d": 86400][String(unit)]
        {
            return now - value * scale * 1_000_000_000
        }
        if let value = Int64(text), value > 0 {
            if value < 100_000_000_000 { return value * 1_000_000_000 }
            if value < 100_000_000_000_000 { return value * 1_000_000 }
            return value
        }
        let formatter = ISO8601DateFormatter()
        for options: ISO8601DateFormatter.Options in [
            [.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime], [.withFullDate],
        ] {
            formatter.formatOptions = options
            if let date = formatter.date(from: text) { return Int64(date.timeIntervalSince1970 * 1e9) }
        }
        throw fail("\(flag) '\(text)' is not a time: ISO 8601, epoch seconds/ms/ns, or an age like 15m", code: 2)
    }
}
