import Foundation
import Testing
import TickwireTestSupport

/// `engine start` on its default venue: ExchangeSim on loopback, reached through the C feed
/// thread's real network path (io_uring, WebSocket, Binance decoders, book sync) into shared
/// memory, where `engine status`/`engine book` and the external readers see the books.
@Suite(.serialized) struct FeedIntegrationTests {
    let dir = Harness.shmDir()
    var env: [String: String] { Harness.environment(dir) }
    var pythonReader: String { Harness.root.appendingPathComponent("Tools/readers/tickwire_reader.py").path }

    /// `engine status --json` of an instance, or nil while it has no segments.
    func status(_ instance: String) -> [String: Any]? {
        guard let r = try? Harness.run(Harness.engine, ["status", "--json", "--instance", instance], env: env),
            r.status == 0
        else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
    }

    /// Each instrument's status object, by symbol.
    func symbols(_ instance: String) -> [String: [String: Any]] {
        var out: [String: [String: Any]] = [:]
        for item in status(instance)?["instruments"] as? [[String: Any]] ?? [] {
            if let name = item["symbol"] as? String { out[name] = item }
        }
        return out
    }

    static func number(_ item: [String: Any]?, _ key: String) -> UInt64 {
        (item?[key] as? NSNumber)?.uint64Value ?? 0
    }

    @Test func theDefaultVenueGivesLiveCorrectBooksForSeveralSymbols() throws {
        let names = ["BTCUSDT", "ETHUSDT", "SOLUSDT"]
        let engine = try Harness.Child(
            Harness.engine, ["start", "--instance", "feed", "--symbols", names.joined(separator: ","), "--duration", "60"],
            env: env)
        defer { engine.signal(SIGTERM); engine.wait(seconds: 15) }
        #expect(Harness.eventually(seconds: 30) { engine.stdout.contains("venue sim at ws://127.0.0.1:") },
                "no banner: \(engine.stdout)\(engine.stderr)")
        // Live, and the venue's own oracle (bookTickers against the book) checked several times.
        let synced = Harness.eventually(seconds: 40) {
            let now = symbols("feed")
            return names.allSatisfy {
                now[$0]?["state"] as? String == "live" && Self.number(now[$0], "bookticker_checks") >= 3
            }
        }
        let now = symbols("feed")
        #expect(synced, "not live with bookTicker checks: \(now)\n\(engine.stderr)")
        for name in names {
            let item = now[name]
            #expect(Self.number(item, "bookticker_mismatches") == 0, "\(name): \(item ?? [:])")
            #expect(Self.number(item, "gaps") == 0, "\(name): \(item ?? [:])")
            #expect(Self.number(item, "malformed") == 0, "\(name): \(item ?? [:])")
            #expect(Self.number(item, "messages") > 0)
            #expect(Self.number(item, "last_update_id") > 0)
            #expect(item?["stale"] as? Bool == false)
        }
        // The book in shared memory: sorted, uncrossed, several levels.
        let book = try Harness.run(Harness.engine, ["book", "BTCUSDT", "--instance", "feed", "--json", "--depth", "5"], env: env)
        #expect(book.status == 0, "\(book.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(book.stdout.utf8)) as? [String: Any])
        let bids = try #require(object["bids"] as? [[String]])  // [price, quantity] pairs, best first
        let asks = try #require(object["asks"] as? [[String]])
        #expect(bids.count == 5 && asks.count == 5, "\(object)")
        let bidPrices = bids.compactMap { Decimal(string: $0[0]) }
        let askPrices = asks.compactMap { Decimal(string: $0[0]) }
        #expect(bidPrices == bidPrices.sorted(by: >) && askPrices == askPrices.sorted())
        #expect(bidPrices[0] < askPrices[0])
        // An external process reading the ABI alone sees the same instruments live.
        let top = try Harness.run("/usr/bin/env", ["python3", pythonReader, "top", "--instance", "feed"], env: env)
        #expect(top.status == 0, "\(top.stderr)")
        for name in names { #expect(top.stdout.contains(name), "\(top.stdout)") }
        // The per-message wire → shm histogram is filled.
        let histograms = status("feed")?["histograms"] as? [String: [String: Any]]
        #expect(Self.number(histograms?["feed_wire_ns"], "count") > 0, "\(histograms ?? [:])")
    }

    @Test func theBuiltInSimOverTLSIsVerifiedAndLive() throws {
        let engine = try Harness.Child(
            Harness.engine, ["start", "--instance", "feedtls", "--symbols", "ETHUSDT", "--sim-tls", "--duration", "60"],
            env: env)
        defer { engine.signal(SIGTERM); engine.wait(seconds: 15) }
        let live = Harness.eventually(seconds: 40) {
            let eth = symbols("feedtls")["ETHUSDT"]
            return eth?["state"] as? String == "live" && Self.number(eth, "bookticker_checks") >= 2
        }
        #expect(live, "\(symbols("feedtls"))\n\(engine.stderr)")
        #expect(engine.stdout.contains("venue sim at wss://127.0.0.1:"), "\(engine.stdout)")
        #expect(Self.number(symbols("feedtls")["ETHUSDT"], "bookticker_mismatches") == 0)
    }
}
