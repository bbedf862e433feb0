import Foundation
import Testing
import TickwireTestSupport

/// USD-M futures order entry end to end: `engine sim` in its own process, `engine start --venue
/// binance-futures` pointed at it (market data on `/fstream/stream`, orders on `/ws-fapi/v1`, user
/// data on the listenKey stream the engine makes over REST), orders placed and canceled with
/// `engine order`, `engine orders --json` checked against what the venue says through
/// python-binance's `futures_get_order` (`.venv-pb`), and the position records in `engine tail exec`.
@Suite(.serialized) struct FuturesOrderPathTests {
    /// The sim's banner as `name: value` pairs.
    static func banner(_ stdout: String) -> [String: String] {
        var values: [String: String] = [:]
        for line in stdout.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            values[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return values
    }

    /// One order as the venue has it (python-binance `futures_get_order`), or nil.
    static func venueOrder(_ banner: [String: String], clientId: String) -> [String: Any]? {
        let script = """
            import json, sys
            from binance.client import Client
            c = Client(sys.argv[2], sys.argv[3], ping=False)
            c.FUTURES_URL = sys.argv[1].rstrip("/") + "/fapi"
            print(json.dumps(c.futures_get_order(symbol="BTCUSDT", origClientOrderId=sys.argv[4])))
            """
        guard let url = banner["rest-url"], let key = banner["api-key"], let secret = banner["api-secret"],
            let r = try? Harness.run(
                BinanceRESTConformanceTests.venvPython(".venv-pb"), ["-c", script, url, key, secret, clientId],
                env: ProcessInfo.processInfo.environment, timeout: 60),
            r.status == 0
        else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
    }

    /// The engine's view of one order (`engine orders --json`).
    static func engineOrder(_ engine: OrderPathTests.Engine, clientId: String) -> [String: Any]? {
        (try? engine.orders())?.first { $0["client_order_id"] as? String == clientId }
    }

    /// An order's state: the engine's `state`, the venue's `status`.
    static func state(_ order: [String: Any]?) -> String {
        ((order?["state"] ?? order?["status"]) as? String ?? "").uppercased()
    }

    @Test(.enabled(
        if: BinanceRESTConformanceTests.hasVenv(".venv-pb"),
        ".venv-pb (python-binance) \(BinanceRESTConformanceTests.setupHint)"))
    func placeCancelAndPositionsAgainstTheSim() throws {
        let sim = try Harness.Child(
            Harness.engine, ["sim", "--port", "0", "--seed", "7"], env: ProcessInfo.processInfo.environment)
        defer { sim.signal(SIGTERM); sim.wait(seconds: 10) }
        #expect(Harness.eventually(seconds: 60) { sim.stdout.contains("futures-ws-api-url: ") }, "\(sim.stderr)")
        let venue = Self.banner(sim.stdout)
        let rest = try #require(venue["rest-url"]), key = try #require(venue["api-key"])
        let secret = try #require(venue["api-secret"])
        let streams = try #require(venue["futures-ws-stream-url"]), api = try #require(venue["futures-ws-api-url"])

        let dir = Harness.shmDir()
        let credentials = URL(fileURLWithPath: dir).appendingPathComponent("futures-credentials").path
        try "api_key = \(key)\napi_secret = \(secret)\n".write(toFile: credentials, atomically: true, encoding: .utf8)
        chmod(credentials, 0o600)
        let env = Harness.environment(dir)
        let instance = "fut\(getpid() % 10000)"
        let child = try Harness.Child(
            Harness.engine,
            [
                "start", "--instance", instance, "--venue", "binance-futures", "--symbols", "BTCUSDT", "--rest-url", rest,
                "--ws-url", streams, "--ws-api-url", api, "--credentials", credentials, "--mode", "live",
                "--duration", "120",
            ], env: env)
        let engine = OrderPathTests.Engine(child: child, env: env, instance: instance)
        defer { engine.stop() }
        let touch = try #require(try engine.touch("BTCUSDT"), "no live book: \(child.stderr)")
        #expect(!child.stderr.contains(secret), "the secret must never be printed")

        // A resting order: the venue says NEW and the engine SUBMITTED (its word for a working order),
        // then both CANCELED. Until the user-data
        // stream is up the gateway refuses orders (TW_REJ_GATEWAY): each try gets its own client id.
        var placed: (status: Int32, stdout: String, stderr: String) = (1, "", "")
        var rest1 = ""
        for attempt in 1...30 where placed.status != 0 {
            rest1 = "fut-rest-\(attempt)"
            placed = try engine.run([
                "order", "place", "BTCUSDT", "buy", "0.002", "--price", OrderPathTests.price(touch.bid - 500),
                "--client-id", rest1, "--json",
            ])
            if placed.status != 0 { Thread.sleep(forTimeInterval: 1) }
        }
        #expect(placed.status == 0, "place: \(placed.stdout)\(placed.stderr)\n\(child.stderr)")
        #expect(Harness.eventually(seconds: 20) { Self.state(Self.venueOrder(venue, clientId: rest1)) == "NEW" })
        #expect(Harness.eventually(seconds: 20) { Self.state(Self.engineOrder(engine, clientId: rest1)) == "SUBMITTED" },
            "engine orders: \(String(describing: try? engine.orders()))")
        let cancel = try engine.run(["order", "cancel", "BTCUSDT", "--client-id", rest1, "--json"])
        #expect(cancel.status == 0, "cancel: \(cancel.stdout)\(cancel.stderr)")
        #expect(Harness.eventually(seconds: 20) {
            Self.state(Self.venueOrder(venue, clientId: rest1)) == "CANCELED"
                && Self.state(Self.engineOrder(engine, clientId: rest1)) == "CANCELED"
        })

        // A taker: it fills, the venue and the engine agree, and ACCOUNT_UPDATE journals the position.
        let take = try engine.run([
            "order", "place", "BTCUSDT", "buy", "0.002", "--price", OrderPathTests.price(touch.ask + 500), "--tif", "IOC",
            "--client-id", "fut-take-1", "--json",
        ])
        #expect(take.status == 0, "take: \(take.stdout)\(take.stderr)")
        #expect(Harness.eventually(seconds: 20) {
            Self.state(Self.venueOrder(venue, clientId: "fut-take-1")) == "FILLED"
                && Self.state(Self.engineOrder(engine, clientId: "fut-take-1")) == "FILLED"
        }, "venue: \(String(describing: Self.venueOrder(venue, clientId: "fut-take-1")))")
        var records: [[String: Any]] = []
        _ = Harness.eventually(seconds: 20) {
            let tail = try? engine.run(["tail", "exec", "--from-oldest", "--timeout", "1"])
            records = Harness.jsonLines(tail?.stdout ?? "")
            return records.contains { $0["type"] as? String == "position" }
        }
        let types = Set(records.compactMap { $0["type"] as? String })
        #expect(types.contains("position") && types.contains("balance"), "exec types: \(types)")
        #expect(records.contains { $0["type"] as? String == "fill" || $0["type"] as? String == "partial_fill" })
    }
}
