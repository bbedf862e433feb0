import Foundation
import Testing
import TickwireTestSupport

/// The `engine` command as an operator meets it: bad input, status exit codes, a second engine.
@Suite(.serialized) struct CLITests {
    let dir = Harness.shmDir()
    var env: [String: String] { Harness.environment(dir) }

    @Test func aCoreOutsideTheMachineFailsWithExit2NamingUsableCoresAndCreatesNothing() throws {
        let r = try Harness.run(Harness.engine, ["start", "--instance", "cores", "--cores", "0,4096", "--duration", "1"], env: env)
        #expect(r.status == 2)
        #expect(r.stderr.contains("core 4096 is not usable here; usable cores: "))
        #expect(r.stderr.split(separator: "\n").count == 1, "one clear line: \(r.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir)
        #expect(files.isEmpty, "nothing created: \(files)")
    }

    @Test(arguments: [
        (["start", "--symbols", "BTCUSDT,NOPE"], "unknown symbol 'NOPE'"),
        (["start", "--venue", "mars"], "unknown venue 'mars'"),
        (["start", "--cores", "x"], "invalid core list 'x'"),
        (["start", "--duration", "0"], "--duration must be a positive"),
        (["start", "--venue", "binance", "--mode", "live", "--duration", "1"], "--mode live on binance needs credentials"),
        (["start", "--mode", "bogus", "--duration", "1"], "--mode must be live, simulation, observation or off"),
        (["start", "--sim-url", "notaurl", "--duration", "1"], "is not an http:// or https:// URL"),
        (["start", "--ring-slots", "1000"], "--ring-slots must be a power of two"),
        (["start", "--symbols", "BTCUSDT,btcusdt"], "given twice"),
        (["start", "--instance", "bad/name", "--duration", "1"], "invalid instance name"),
        (["start", "--rate", "100"], "--rate applies to --venue synthetic only"),
        (["start", "--ws-url", "ws://127.0.0.1:1/stream"], "--ws-url/--rest-url apply to binance"),
        (["start", "--venue", "binance", "--ws-url", "http://x/stream"], "is not a ws:// or wss:// URL"),
        (["start", "--wait", "spin"], "--wait spin needs --cores"),
        (["start", "--wait", "sometimes"], "--wait must be block or spin"),
        (["start", "--ca-file", "/nonexistent/ca.pem"], "is not a readable file"),
        (["start", "--config", "/nonexistent/engine.json"], "cannot read config file"),
        (["start", "--reconcile-interval-ms", "10"], "--reconcile-interval-ms must be at least 500"),
    ])
    func badStartInputIsAClearErrorWithNothingCreated(_ args: [String], _ message: String) throws {
        let r = try Harness.run(Harness.engine, args, env: env)
        #expect(r.status != 0)
        #expect(r.stderr.contains(message), "stderr: \(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).filter { !$0.hasSuffix(".lock") }.isEmpty)
    }

    /// Writes `text` to a fresh file and returns its path.
    func configFile(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "tickwire-config-\(UInt64.random(in: 0...UInt64.max)).json"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(arguments: [
        (#"{"venue": "synthetic", "feed": {"heartbeat": 5}}"#, "unknown setting feed.heartbeat"),
        (#"{"symbol": ["BTCUSDT"]}"#, "unknown setting symbol"),
        (#"{"depth": "twenty"}"#, "depth should be"),
        (#"{"feed": {"stale_intervals": -1}}"#, "feed.stale_intervals must be a whole number from 0 up, not -1"),
        (#"{"feed": {"heartbeat_ms": 2.5}}"#, "feed.heartbeat_ms must be a whole number from 0 up, not 2.5"),
        (#"{"feed": {"stale_intervals": "50"}}"#, "feed.stale_intervals should be"),
        (#"{"venue": "synthetic", "#, "is not valid JSON"),
        (#"["start"]"#, "expected an object"),
        (#"{"feed": {"wait": "spin"}}"#, "--wait spin needs --cores"),
        (#"{"account": {"mismatch_threshold_percent": 0}}"#, "account.mismatch_threshold_percent must be in (0, 100]"),
        (#"{"account": {"alerts": {"max_drawdown": "5"}}}"#, "unknown setting account.alerts.max_drawdown"),
        (#"{"account": {"alerts": {"max_daily_drawdown": "-5"}}}"#, "must be a positive decimal"),
        (#"{"account": {"recorders": "x.sqlite"}}"#, "unknown setting account.recorders"),
        (#"{"strategies": [{"name": "a", "type": "nope", "symbol": "BTCUSDT"}]}"#, "unknown type 'nope'"),
        (#"{"strategies": [{"name": "a", "type": "market-maker", "spread": 3}]}"#, "strategies[0]: unknown setting spread"),
        (#"{"strategies": [{"type": "market-maker"}]}"#, "strategies[0] needs name"),
        (#"{"strategies": {"name": "a"}}"#, "strategies must be a list of objects"),
        (#"{"aggregation": "vote"}"#, "aggregation must be independent, majority"),
        (#"{"risk": {"max_total_exposure": "-1"}}"#, "risk.max_total_exposure must be a positive decimal"),
        (#"{"risk": {"max_leverage": 0}}"#, "risk.max_leverage must be a positive number"),
        (#"{"risk": {"max_positions": {}}}"#, "unknown setting risk.max_positions"),
        (#"{"venue": "synthetic", "futures_symbols": ["BTCUSDT"]}"#, "--venue sim only"),
        (#"{"futures_symbols": ["NOPEUSDT"]}"#, "unknown USD-M symbol 'NOPEUSDT' for the sim; known: BTCUSDT"),
        (#"{"futures_symbols": ["BTCUSDT"], "trading": {"mode": "simulation"}}"#, "--futures-symbols runs with --mode live"),
        (#"{"strategies": [{"name": "a", "type": "market-maker", "symbol": "BTCUSDT"}, {"name": "a", "type": "market-maker", "symbol": "ETHUSDT"}]}"#, "two strategies are named a"),
    ])
    func aBadConfigFileIsOneClearLine(_ text: String, _ message: String) throws {
        let path = try configFile(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try Harness.run(Harness.engine, ["start", "--config", path], env: env)
        #expect(r.status == 2)
        #expect(r.stderr.contains(message), "stderr: \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "one line: \(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).filter { !$0.hasSuffix(".lock") }.isEmpty)
    }

    @Test(arguments: [
        (["history", "trades", "BTCUSDT"], "history is of orders, fills or bars"),
        (["history", "bars", "BTCUSDT", "--interval", "5m"], "--interval must be 1s or 1m"),
        (["risk", "pause"], "risk takes halt, reduce, resume or status"),
        (["risk", "halt", "--reason", "tab\there"], "--reason must be at most 39 printable ASCII"),
        (["fills", "--recorder", "/nonexistent/x.sqlite"], "no recorder at /nonexistent/x.sqlite"),
        (["ledger", "--trial-balance", "--instance", "nothing-here"], "no recorder at"),
    ])
    func badAccountCommandsAreOneClearLine(_ args: [String], _ message: String) throws {
        let r = try Harness.run(Harness.engine, args, env: env)
        #expect(r.status != 0)
        #expect(r.stderr.contains(message), "stderr: \(r.stderr)")
    }

    static let recorded = Harness.root.appendingPathComponent("Tests/Data/binance/hftbacktest_spot_btcusdt_20240808.first15000lines.gz").path

    @Test(arguments: [
        (["backtest", "--strategy", "market-maker"], "--replay FILE is required"),
        (["backtest", "--replay", "/nonexistent.gz", "--strategy", "market-maker"], "/nonexistent.gz"),
        (["backtest", "--replay", recorded, "--strategy", "nope"], "unknown strategy 'nope'"),
        (["backtest", "--replay", recorded, "--strategy", "market-maker", "--speed", "2x"], "use --speed max"),
        (["backtest", "--replay", recorded, "--strategy", "market-maker", "--param", "spread"], "--param takes key=value"),
        (["backtest", "--replay", recorded, "--strategy", "market-maker", "--param", "spread_bps=-3"], "spread_bps"),
        (["backtest", "--replay", recorded, "--strategy", "market-maker", "--symbols", "ETHUSDT"], "ETHUSDT"),
        (["backtest", "--replay", recorded, "--strategy", "market-maker", "--venue", "kraken"], "--venue must be binance"),
        (["strategies", "--instance", "nothing-here"], "no engine running on instance 'nothing-here'"),
        (["reload", "--instance", "nothing-here"], "no engine running on instance 'nothing-here'"),
    ])
    func badStrategyCommandsAreOneClearLine(_ args: [String], _ message: String) throws {
        let r = try Harness.run(Harness.engine, args, env: env)
        #expect(r.status != 0)
        #expect(r.stderr.contains(message), "stderr: \(r.stderr)")
    }

    @Test func theConfigFileSetsTheRunAndFlagsWinOverIt() throws {
        let path = try configFile(
            #"{"instance": "fromfile", "venue": "synthetic", "symbols": ["ETHUSDT"], "duration": 30, "depth": 5}"#)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try Harness.run(Harness.engine, ["start", "--config", path, "--duration", "0.5"], env: env, timeout: 20)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("instance 'fromfile' live"), "\(r.stdout)")
        #expect(r.stdout.contains("[ETHUSDT]"))
        #expect(r.stdout.contains("duration 0.5 s elapsed"), "the flag wins over the file's 30 s: \(r.stdout)")
    }

    @Test func unknownFlagsAndSubcommandsAreUsageErrors() throws {
        for args in [["start", "--bogus"], ["frobnicate"], ["book"], ["tail", "bogus"], ["book", "BTCUSDT", "--depth", "0"], ["order", "place", "BTCUSDT", "hold", "1"], ["order", "cancel", "BTCUSDT"]] {
            let r = try Harness.run(Harness.engine, args, env: env)
            #expect(r.status != 0, "\(args)")
            #expect(r.stderr.contains("Error"), "\(args): \(r.stderr)")
        }
    }

    @Test func inspectingAnInstanceThatDoesNotRunExits1WithAHint() throws {
        for args in [["status"], ["book", "BTCUSDT"], ["tail", "md"], ["tail", "exec"], ["snapshot"], ["orders"]] {
            let r = try Harness.run(Harness.engine, args + ["--instance", "ghost"], env: env)
            #expect(r.status == 1, "\(args)")
            #expect(r.stderr.contains("no engine running on instance 'ghost'"), "\(args): \(r.stderr)")
        }
    }

    @Test func statusBookSnapshotWhileRunningAndASecondEngineIsRefused() throws {
        let engine = try Harness.Child(
            Harness.engine, ["start", "--instance", "ops", "--venue", "synthetic", "--symbols", "BTCUSDT,ETHUSDT", "--rate", "2000", "--duration", "20"],
            env: env)
        defer { engine.signal(SIGTERM); engine.wait(seconds: 10) }
        #expect(Harness.eventually(seconds: 15) { engine.stdout.contains("live, generation") }, "\(engine.stderr)")

        let status = try Harness.run(Harness.engine, ["status", "--instance", "ops", "--json"], env: env)
        #expect(status.status == 0, "\(status.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        #expect(object["state"] as? String == "live")
        let instruments = try #require(object["instruments"] as? [[String: Any]])
        #expect(instruments.map { $0["symbol"] as? String } == ["BTCUSDT", "ETHUSDT"])
        for key in ["state", "last_update_id", "messages", "gaps", "resyncs", "reconnects", "malformed",
                    "bookticker_checks", "bookticker_mismatches"] {
            #expect(instruments[0][key] != nil, "status lacks \(key)")
        }

        let second = try Harness.run(Harness.engine, ["start", "--instance", "ops", "--duration", "1"], env: env)
        #expect(second.status == 3)
        #expect(second.stderr.contains("already running (pid \(engine.process.processIdentifier))"), "\(second.stderr)")

        let book = try Harness.run(Harness.engine, ["book", "btcusdt", "--instance", "ops", "--depth", "5", "--json"], env: env)
        #expect(book.status == 0, "\(book.stderr)")
        let b = try #require(try JSONSerialization.jsonObject(with: Data(book.stdout.utf8)) as? [String: Any])
        let bids = try #require(b["bids"] as? [[String]])
        let asks = try #require(b["asks"] as? [[String]])
        #expect(bids.count == 5 && asks.count == 5)
        #expect(Decimal(string: bids[0][0])! < Decimal(string: asks[0][0])!)
        #expect(bids[0][0].split(separator: ".").last?.count == 2, "BTCUSDT prices at 2 decimals: \(bids[0][0])")

        let unknown = try Harness.run(Harness.engine, ["book", "DOGEUSDT", "--instance", "ops"], env: env)
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("known: BTCUSDT,ETHUSDT"))

        let out = dir + "/snap.json"
        let snap = try Harness.run(Harness.engine, ["snapshot", "--instance", "ops", "--out", out], env: env)
        #expect(snap.status == 0, "\(snap.stderr)")
        let s = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any])
        #expect((s["books"] as? [[String: Any]])?.count == 2)
        #expect((s["books"] as? [[String: Any]])?.first?["bids"] as? [[String]] != nil)

        engine.signal(SIGINT)
        #expect(engine.wait(seconds: 10) == 0)
        #expect(engine.stdout.contains("stopped (SIGINT)"))
        #expect(!Harness.segmentExists(dir, "ops", "md"), "segments removed on a clean stop")
        let after = try Harness.run(Harness.engine, ["status", "--instance", "ops"], env: env)
        #expect(after.status == 1)
    }

    @Test func anEngineKilledWithSignal9ReadsAsDeadNotLive() throws {
        let child = try Harness.Child(
            Harness.engine, ["start", "--instance", "k9", "--venue", "synthetic", "--duration", "60"], env: env)
        #expect(Harness.eventually(seconds: 20) {
            (try? Harness.run(Harness.engine, ["status", "--instance", "k9"], env: env).status) == 0
        }, "\(child.stderr)")
        child.signal(SIGKILL)
        _ = child.wait(seconds: 10)
        let text = try Harness.run(Harness.engine, ["status", "--instance", "k9"], env: env)
        #expect(text.status == 1)
        #expect(text.stdout.hasPrefix("instance k9: dead,"), "\(text.stdout)")
        #expect(text.stdout.contains("its writer is gone; the segments still say live"), "\(text.stdout)")
        let json = try Harness.run(Harness.engine, ["status", "--instance", "k9", "--json"], env: env)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["state"] as? String == "dead" && object["segment_state"] as? String == "live", "\(object)")
        for kind in ["md", "books", "cmd", "exec", "stats", "account"] {
            try? FileManager.default.removeItem(atPath: dir + "/tickwire.k9.\(kind)")
        }
    }

    @Test func keptSegmentsShowADeadEngineAndStatusExitsNonZero() throws {
        let r = try Harness.run(
            Harness.engine, ["start", "--instance", "kept", "--duration", "0.5", "--keep-segments"], env: env)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("duration 0.5 s elapsed"))
        let status = try Harness.run(Harness.engine, ["status", "--instance", "kept", "--json"], env: env)
        #expect(status.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        #expect(object["state"] as? String == "dead")
    }
}
