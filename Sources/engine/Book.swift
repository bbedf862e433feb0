import ArgumentParser
import EngineKit
import Foundation

/// `engine book SYMBOL`: a consistent copy of one book, once or refreshed.
struct Book: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print one instrument's book from shared memory.")

    @OptionGroup var options: InstanceOptions

    @Argument(help: "Symbol, e.g. BTCUSDT.")
    var symbol: String

    @Option(help: "Levels a side to show.")
    var depth: Int = 10

    @Flag(help: "Refresh until interrupted (or --count refreshes).")
    var watch = false

    @Option(help: "Seconds between refreshes with --watch.")
    var interval: Double = 0.5

    @Option(help: "Stop --watch after this many refreshes.")
    var count: Int?

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        guard depth > 0 else { throw ValidationError("--depth must be positive") }
        guard interval > 0 else { throw ValidationError("--interval must be positive") }
    }

    func run() throws {
        let view = try InstanceView(instance: options.instance)
        let index = try view.index(of: symbol)
        var shown = 0
        repeat {
            let book = try view.bookObject(index, levels: depth)
            if json { print(jsonLine(book)) } else { render(book, state: view.isLive) }
            flushOutput()
            shown += 1
            if watch, count.map({ shown < $0 }) ?? true { usleep(UInt32(interval * 1e6)) } else { break }
        } while true
    }

    private func render(_ book: [String: Any], state live: Bool) {
        let bids = book["bids"] as? [[String]] ?? []
        let asks = book["asks"] as? [[String]] ?? []
        let stale = (book["stale"] as? Bool ?? false) ? " STALE" : ""
        print("\(book["symbol"]!) update \(book["update_id"]!) \(book["state"]!)\(stale)\(live ? "" : " (engine not live)")")
        print(pad("BID QTY", 16) + pad("BID", 16) + pad("ASK", 16) + "ASK QTY")
        for i in 0..<max(bids.count, asks.count) {
            let b = i < bids.count ? bids[i] : ["", ""]
            let a = i < asks.count ? asks[i] : ["", ""]
            print(pad(b[1], 16) + pad(b[0], 16) + pad(a[0], 16) + a[1])
        }
    }
}
