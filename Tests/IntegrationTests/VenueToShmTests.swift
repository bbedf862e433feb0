import Foundation
import Testing
import TickwireTestSupport

/// ExchangeSim → engine → shared memory, each its own process as in production: `engine sim`
/// replays recorded Binance data or injects faults, `engine start` connects to it through the C
/// feed thread (io_uring, TLS when asked, WebSocket, sync), and the test judges the books by
/// `engine status --json`, where the venue's own oracle (bookTicker against book) is counted.
@Suite(.serialized) struct VenueToShmTests {
    let dir = Harness.shmDir()
    var env: [String: String] { Harness.environment(dir) }
    static let data = Harness.root.appendingPathComponent("Tests/Data/binance").path

    /// A running `engine sim` and the values of its banner (`rest-url`, `ws-stream-url`, …).
    struct Sim {
        let child: Harness.Child
        let banner: [String: String]
        var rest: String { banner["rest-url"] ?? "" }
        var streams: String { banner["ws-stream-url"] ?? "" }
    }

    func startSim(_ arguments: [String]) throws -> Sim {
        let child = try Harness.Child(Harness.engine, ["sim", "--port", "0"] + arguments, env: env)
        let ready = Harness.eventually(seconds: 60) { child.stdout.contains("symbols: ") || !child.process.isRunning }
        var banner: [String: String] = [:]
        for line in child.stdout.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            banner[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        #expect(ready && banner["rest-url"] != nil, "engine sim did not start: \(child.stdout)\(child.stderr)")
        return Sim(child: child, banner: banner)
    }

    func startEngine(_ instance: String, _ arguments: [String]) throws -> Harness.Child {
        try Harness.Child(Harness.engine, ["start", "--instance", instance, "--duration", "120"] + arguments, env: env)
    }

    /// `engine status --json`'s instruments by symbol, and its counters.
    func status(_ instance: String) -> (symbols: [String: [String: Any]], counters: [String: Any]) {
        guard let r = try? Harness.run(Harness.engine, ["status", "--json", "--instance", instance], env: env),
            r.status == 0, let o = try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        else { return ([:], [:]) }
        var out: [String: [String: Any]] = [:]
        for item in o["instruments"] as? [[String: Any]] ?? [] {
            if let name = item["symbol"] as? String { out[name] = item }
        }
        return (out, o["counters"] as? [String: Any] ?? [:])
    }

    static func n(_ item: [String: Any]?, _ key: String) -> UInt64 { (item?[key] as? NSNumber)?.uint64Value ?? 0 }

    /// GET on the sim's admin API (python's urllib: nothing else to install).
    func admin(_ url: String) -> [String: Any] {
        let script = "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())"
        guard let r = try? Harness.run("/usr/bin/env", ["python3", "-c", script, url], env: env, timeout: 15),
            r.status == 0
        else { return [:] }
        return (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]) ?? [:]
    }

    /// Replays `file` through the sim at `speed`, with the engine connected as `venue`; waits for
    /// the end of the recording and for the engine to have taken every message; returns the
    /// final status per symbol.
    func replay(
        _ file: String, speed: String, venue: String, symbols: [String], simSymbols: [String] = [], streamPath: String? = nil
    ) throws -> [String: [String: Any]] {
        var simArguments = file.split(separator: "\u{0}").flatMap { ["--replay", "\(Self.data)/\($0)"] } + ["--speed", speed]
        if !simSymbols.isEmpty { simArguments += ["--symbols", simSymbols.joined(separator: ",")] }
        let sim = try startSim(simArguments)
        defer { sim.child.signal(SIGTERM); sim.child.wait(seconds: 10) }
        let ws = streamPath.flatMap { sim.banner[$0] } ?? sim.streams
        let engine = try startEngine(
            "replay", ["--venue", venue, "--ws-url", ws, "--rest-url", sim.rest, "--symbols", symbols.joined(separator: ",")])
        defer { engine.signal(SIGTERM); engine.wait(seconds: 15) }
        let finished = Harness.eventually(seconds: 90) {
            admin(sim.rest + "/admin/replay")["state"] as? String == "finished" || !engine.process.isRunning
        }
        #expect(finished, "replay did not finish: \(admin(sim.rest + "/admin/replay"))\n\(engine.stderr)")
        // Let the engine drain: its message counts stop moving.
        var last: [UInt64] = []
        _ = Harness.eventually(seconds: 10) {
            let now = symbols.map { Self.n(status("replay").symbols[$0], "messages") }
            defer { last = now }
            usleep(300_000)
            return now == last
        }
        let final = status("replay").symbols
        #expect(engine.process.isRunning, "engine stopped: \(engine.stdout)\(engine.stderr)")
        return final
    }

    @Test func hftbacktestSpotBTCUSDTReplaysToACorrectBook() throws {
        let final = try replay(
            "hftbacktest_spot_btcusdt_20240808.first15000lines.gz", speed: "20", venue: "binance",
            symbols: ["BTCUSDT"], simSymbols: ["BTCUSDT"])
        let btc = final["BTCUSDT"]
        #expect(btc?["state"] as? String == "live", "\(btc ?? [:])")
        // 229 bookTickers in the file share a diff's u; those after the engine synced are checked.
        #expect(Self.n(btc, "bookticker_checks") >= 150, "\(btc ?? [:])")
        #expect(Self.n(btc, "bookticker_mismatches") == 0, "\(btc ?? [:])")
        #expect(Self.n(btc, "gaps") == 0 && Self.n(btc, "malformed") == 0, "\(btc ?? [:])")
        #expect(Self.n(btc, "trades") > 0)
    }

    /// Sums a counter over symbols.
    static func total(_ final: [String: [String: Any]], _ key: String) -> UInt64 {
        final.values.reduce(0) { $0 + n($1, key) }
    }

    @Test func cryptofeedSpotReplaysToCorrectBooks() throws {
        let symbols = ["NKNUSDT", "BLZETH", "LRCBTC", "RUNEEUR"]
        let final = try replay(
            "spot-2021/cryptofeed_BINANCE.ws.1.0.txt\u{0}spot-2021/cryptofeed_BINANCE.http.0.0.txt", speed: "5",
            venue: "binance", symbols: symbols)
        for symbol in symbols { #expect(final[symbol]?["state"] as? String == "live", "\(symbol): \(final[symbol] ?? [:])") }
        // 26 bookTickers of the recording share a diff's u.
        #expect(Self.total(final, "bookticker_checks") >= 10, "\(final)")
        #expect(Self.total(final, "bookticker_mismatches") == 0, "\(final)")
        #expect(Self.total(final, "gaps") == 0 && Self.total(final, "malformed") == 0, "\(final)")
    }

    @Test func cryptofeedUSDMFuturesReplaysWithAnUnbrokenPuChain() throws {
        let symbols = ["SUSHIUSDT", "CTKUSDT", "AKROUSDT", "KEEPUSDT"]
        let final = try replay(
            "usdm-2021/cryptofeed_BINANCE_FUTURES.ws.1.0.txt\u{0}usdm-2021/cryptofeed_BINANCE_FUTURES.http.0.0.txt",
            speed: "5", venue: "binance-futures", symbols: symbols, streamPath: "futures-ws-stream-url")
        for symbol in symbols { #expect(final[symbol]?["state"] as? String == "live", "\(symbol): \(final[symbol] ?? [:])") }
        // 50 bookTickers of the recording share a diff's u; pu continuity is checked on every diff.
        #expect(Self.total(final, "bookticker_checks") >= 20, "\(final)")
        #expect(Self.total(final, "bookticker_mismatches") == 0, "\(final)")
        #expect(Self.total(final, "gaps") == 0 && Self.total(final, "malformed") == 0, "\(final)")
    }

    // MARK: Faults: each is followed by recovery to a correct book.

    /// Runs the engine against a sim with `fault`, waits for `reacted`, then for every symbol to be
    /// live again with new bookTicker checks and no mismatch. Returns the final status.
    func recover(
        from fault: String, engineArguments: [String] = [], instance: String,
        reacted: ([String: [String: Any]], [String: Any]) -> Bool
    ) throws -> [String: [String: Any]] {
        let sim = try startSim(["--fault", fault, "--symbols", "BTCUSDT,ETHUSDT"])
        defer { sim.child.signal(SIGTERM); sim.child.wait(seconds: 10) }
        let engine = try startEngine(
            instance,
            ["--venue", "binance", "--ws-url", sim.streams, "--rest-url", sim.rest, "--symbols", "BTCUSDT,ETHUSDT"]
                + engineArguments)
        defer { engine.signal(SIGTERM); engine.wait(seconds: 15) }
        let hit = Harness.eventually(seconds: 45) {
            let now = status(instance)
            return reacted(now.symbols, now.counters)
        }
        #expect(hit, "no reaction to \(fault): \(status(instance))\n\(engine.stderr)")
        let checksThen = Self.total(status(instance).symbols, "bookticker_checks")
        let healed = Harness.eventually(seconds: 45) {
            let now = status(instance).symbols
            return now.count == 2 && now.values.allSatisfy { $0["state"] as? String == "live" }
                && Self.total(now, "bookticker_checks") >= checksThen + 3
        }
        let final = status(instance).symbols
        #expect(healed, "not live again after \(fault): \(final)\n\(engine.stderr)")
        #expect(Self.total(final, "bookticker_mismatches") == 0, "\(final)")
        #expect(engine.process.isRunning, "\(engine.stderr)")
        return final
    }

    @Test func aDisconnectIsFollowedByReconnectResyncAndALiveBook() throws {
        let final = try recover(from: "disconnect:after=150,next=1", instance: "disc") { symbols, _ in
            Self.total(symbols, "reconnects") >= 2  // one per symbol on the dropped connection
        }
        #expect(Self.total(final, "gaps") == 0)
    }

    @Test func aDroppedDiffIsAGapThenAResnapshot() throws {
        let final = try recover(from: "drop-diff:symbol=BTCUSDT,after=20", instance: "gap") { symbols, _ in
            Self.n(symbols["BTCUSDT"], "gaps") >= 1 && Self.n(symbols["BTCUSDT"], "resyncs") >= 1
        }
        #expect(Self.n(final["BTCUSDT"], "gaps") >= 1)
        #expect(Self.n(final["ETHUSDT"], "gaps") == 0)
    }

    @Test func aMalformedFrameIsCountedAndSkipped() throws {
        let final = try recover(from: "malformed:after=40,next=1", instance: "bad") { symbols, counters in
            Self.total(symbols, "malformed") + Self.n(counters, "feed_unrouted") >= 1
        }
        #expect(Self.total(final, "gaps") == 0, "a skipped malformed frame loses no diff: \(final)")
        #expect(Self.total(final, "reconnects") == 0, "\(final)")
    }

    @Test func aStallTripsTheHeartbeatAndTheFeedReconnects() throws {
        let config = NSTemporaryDirectory() + "tickwire-stall-\(UInt64.random(in: 0...UInt64.max)).json"
        try #"{"feed": {"heartbeat_ms": 1500, "reconnect_base_ms": 100, "reconnect_max_ms": 1000}}"#
            .write(toFile: config, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: config) }
        _ = try recover(from: "stall:after=60,ms=20000,next=1", engineArguments: ["--config", config], instance: "stall") {
            symbols, _ in Self.total(symbols, "reconnects") >= 2
        }
    }

    /// A config file with `stale_intervals`: a book goes stale after that many 100 ms intervals.
    func staleConfig(_ intervals: Int) throws -> String {
        let config = NSTemporaryDirectory() + "tickwire-health-\(UInt64.random(in: 0...UInt64.max)).json"
        try #"{"feed": {"stale_intervals": \#(intervals)}}"#.write(toFile: config, atomically: true, encoding: .utf8)
        return config
    }

    @Test func aSilentLiveBookGoesStaleWithItsReasonAndResumesOnTheSameChain() throws {
        let config = try staleConfig(10)  // 1 s without a valid update
        defer { try? FileManager.default.removeItem(atPath: config) }
        var sawText = ""
        let final = try recover(
            from: "stall:after=200,ms=4000,next=1", engineArguments: ["--config", config], instance: "silent"
        ) { symbols, _ in
            guard let btc = symbols["BTCUSDT"], btc["state"] as? String == "stale", btc["reason"] as? String == "no_updates"
            else { return false }
            sawText = (try? Harness.run(Harness.engine, ["status", "--instance", "silent"], env: env).stdout) ?? ""
            return true
        }
        #expect(sawText.contains("no valid update for 1."), "engine status does not say why: \(sawText)")
        // The stall ends, the queued diffs follow the chain: live again without a snapshot or a gap.
        for name in ["BTCUSDT", "ETHUSDT"] {
            #expect(final[name]?["reason"] as? String == "resumed", "\(name): \(final[name] ?? [:])")
            #expect(Self.n(final[name], "gaps") == 0 && Self.n(final[name], "resyncs") == 0, "\(final[name] ?? [:])")
        }
    }

    @Test func aSymbolStuckInSyncingSaysWhy() throws {
        // The raw-stream endpoint instead of the combined one: the connection opens, and nothing comes.
        let sim = try startSim(["--symbols", "BTCUSDT"])
        defer { sim.child.signal(SIGTERM); sim.child.wait(seconds: 10) }
        let config = try staleConfig(10)
        defer { try? FileManager.default.removeItem(atPath: config) }
        let wrong = sim.streams.replacingOccurrences(of: "/stream", with: "/ws")
        let engine = try startEngine(
            "stuck",
            ["--venue", "binance", "--ws-url", wrong, "--rest-url", sim.rest, "--symbols", "BTCUSDT", "--config", config])
        defer { engine.signal(SIGTERM); engine.wait(seconds: 15) }
        let told = Harness.eventually(seconds: 30) {
            let btc = status("stuck").symbols["BTCUSDT"]
            return btc?["state"] as? String == "syncing" && btc?["reason"] as? String == "no_diffs"
        }
        let btc = status("stuck").symbols["BTCUSDT"] ?? [:]
        #expect(told, "\(btc)\n\(engine.stderr)")
        #expect((btc["reason_text"] as? String ?? "").contains("no depth diffs received"), "\(btc)")
        let text = try Harness.run(Harness.engine, ["status", "--instance", "stuck"], env: env)
        #expect(text.stdout.contains("no depth diffs received for"), "\(text.stdout)")
        // engine top says it too: the feeds view's REASON column and the books view's "why" line.
        for view in ["feeds", "books"] {
            let top = try Harness.run(Harness.engine, ["top", "--instance", "stuck", "--once", "--view", view], env: env)
            #expect(top.status == 0 && top.stdout.contains("no depth diffs received for"), "\(view): \(top.stdout)")
        }
    }

    @Test func tlsToTheSimIsVerifiedAgainstItsCAAndRefusedWithoutIt() throws {
        let ca = NSTemporaryDirectory() + "tickwire-ca-\(UInt64.random(in: 0...UInt64.max)).pem"
        let sim = try startSim(["--tls", "--ca-out", ca, "--symbols", "BTCUSDT"])
        defer { sim.child.signal(SIGTERM); sim.child.wait(seconds: 10); try? FileManager.default.removeItem(atPath: ca) }
        #expect(sim.streams.hasPrefix("wss://127.0.0.1:") && sim.rest.hasPrefix("https://"), "\(sim.banner)")
        let target = ["--venue", "binance", "--ws-url", sim.streams, "--rest-url", sim.rest, "--symbols", "BTCUSDT"]
        // Without the CA: the REST client refuses the certificate before anything is created.
        let refused = try Harness.run(Harness.engine, ["start", "--instance", "tlsno", "--duration", "5"] + target, env: env)
        #expect(refused.status != 0, "\(refused.stdout)")
        #expect(!Harness.segmentExists(dir, "tlsno", "books"))
        // With it: wss through OpenSSL on memory BIOs, verified, live with checks.
        let engine = try startEngine("tls", target + ["--ca-file", ca])
        defer { engine.signal(SIGTERM); engine.wait(seconds: 15) }
        let live = Harness.eventually(seconds: 40) {
            let btc = status("tls").symbols["BTCUSDT"]
            return btc?["state"] as? String == "live" && Self.n(btc, "bookticker_checks") >= 2
        }
        let btc = status("tls").symbols["BTCUSDT"]
        #expect(live, "\(btc ?? [:])\n\(engine.stderr)")
        #expect(Self.n(btc, "bookticker_mismatches") == 0)
    }
}
