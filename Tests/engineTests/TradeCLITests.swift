import Foundation
import Testing
import TickwireTestSupport

/// `engine trade` as an operator meets it: a script piped into the console against a running
/// engine on the built-in sim venue, every order through the engine's command lanes and risk.
@Suite(.serialized) struct TradeCLITests {
    let dir = Harness.shmDir()
    var env: [String: String] { Harness.environment(dir) }

    /// Starts an engine on the default (sim) venue and returns it with the best bid of BTCUSDT
    /// once its book is live.
    func startEngine(_ instance: String) throws -> (engine: Harness.Child, bid: Decimal) {
        let engine = try Harness.Child(
            Harness.engine, ["start", "--instance", instance, "--symbols", "BTCUSDT", "--duration", "120"], env: env)
        var bid: Decimal?
        _ = Harness.eventually(seconds: 30) {
            guard let r = try? Harness.run(Harness.engine, ["status", "--instance", instance, "--json"], env: env),
                r.status == 0,
                let status = try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any],
                let entry = (status["instruments"] as? [[String: Any]])?.first, entry["state"] as? String == "live",
                let price = (entry["bid"] as? [String: Any])?["price"] as? String
            else { return false }
            bid = Decimal(string: price)
            return true
        }
        return (engine, try #require(bid, "no live book: \(engine.stderr)"))
    }

    /// Runs `engine trade` with `lines` on its standard input (a file, through the shell).
    func trade(_ instance: String, _ lines: [String], _ flags: [String] = []) throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        let script = dir + "/script-\(UInt64.random(in: 0...UInt64.max)).txt"
        try (lines.joined(separator: "\n") + "\n").write(toFile: script, atomically: true, encoding: .utf8)
        return try Harness.run(
            "/bin/sh",
            ["-c", #"s=$1; shift; exec "$0" trade "$@" < "$s""#, Harness.engine, script, "--instance", instance]
                + flags, env: env, timeout: 60)
    }

    /// A price at 2 decimals (BTCUSDT's tick).
    static func price(_ value: Decimal) -> String {
        var v = value
        var rounded = Decimal()
        NSDecimalRound(&rounded, &v, 2, .plain)
        return "\(rounded)"
    }

    @Test func aScriptedSessionTradesThroughRiskAndKeepsGoingPastBadLines() throws {
        let instance = "trade\(getpid() % 10000)"
        let (engine, bid) = try startEngine(instance)
        defer {
            engine.signal(SIGTERM)
            engine.wait(seconds: 15)
        }
        let r = try trade(
            instance,
            [
                "buy BTCUSDT 0.001 \(Self.price(bid - 50)) --id trade-rest-1",
                "orders",
                "buy NOPE 1",
                "frobnicate",
                "buy BTCUSDT 0.001 --type limit-maker",
                "buy BTCUSDT 0.001 \(Self.price(bid / 2)) --id trade-band-1",
                "",
                "cancel BTCUSDT trade-rest-1",
                "orders",
                "history",
                "quit",
                "buy BTCUSDT 0.001 \(Self.price(bid - 50)) --id trade-after-quit",
            ])
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stderr.isEmpty, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        func at(_ prefix: String) -> Int? { lines.firstIndex { $0.hasPrefix(prefix) } }

        let placed = try #require(
            at("accepted: client order id trade-rest-1, venue ack, state SUBMITTED"), "\(r.stdout)")
        let listed = try #require(at("trade-rest-1 "), "the order is in `orders`: \(r.stdout)")
        #expect(lines[listed].hasSuffix("SUBMITTED"), "\(lines[listed])")
        let unknown = try #require(at("error: unknown symbol 'NOPE'; known: BTCUSDT"), "\(r.stdout)")
        let bad = try #require(at("error: unknown command 'frobnicate'"), "\(r.stdout)")
        let noPrice = try #require(at("error: a limit-maker order needs a PRICE"), "\(r.stdout)")
        let rejected = try #require(at("rejected: price_band: "), "\(r.stdout)")
        let canceled = try #require(
            at("accepted: client order id trade-rest-1, venue canceled, state CANCELED"), "\(r.stdout)")
        let empty = try #require(at("no open orders"), "\(r.stdout)")
        let order = [placed, listed, unknown, bad, noPrice, rejected, canceled, empty]
        #expect(order == order.sorted(), "one answer each, in order: \(r.stdout)")

        // The history holds the three orders sent, not the lines refused before sending.
        let history = lines.filter { $0.contains("  ->  ") }
        #expect(history.count == 3, "\(history)")
        #expect(
            history.first?.contains("buy BTCUSDT 0.001") == true && history.last?.contains("cancel BTCUSDT") == true)
        #expect(!r.stdout.contains("trade-after-quit"), "nothing runs after quit")

        // The engine's own view agrees: risk rejected the band order, nothing was sent after quit.
        let orders = try Harness.run(Harness.engine, ["orders", "--instance", instance, "--json"], env: env)
        let states = (try JSONSerialization.jsonObject(with: Data(orders.stdout.utf8)) as? [[String: Any]] ?? [])
            .reduce(into: [String: String]()) { $0[$1["client_order_id"] as! String] = $1["state"] as? String }
        #expect(states["trade-rest-1"] == "CANCELED" && states["trade-band-1"] == "REJECTED", "\(states)")
        #expect(states["trade-after-quit"] == nil && states.count == 2, "\(states)")
    }

    @Test func jsonModeIsOneObjectPerLineAndEveryOrderUsesTheSessionsOneLane() throws {
        let instance = "tradej\(getpid() % 10000)"
        let (engine, bid) = try startEngine(instance)
        defer {
            engine.signal(SIGTERM)
            engine.wait(seconds: 15)
        }
        let r = try trade(
            instance,
            [
                "buy BTCUSDT 0.001 \(Self.price(bid - 60)) --id tj-1",
                "sell BTCUSDT 0.5x",
                "buy BTCUSDT 0.001 \(Self.price(bid / 2))",
                "cancel-all BTCUSDT",
                "orders",
                "history 2",
            ], ["--json"])
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        let values = r.stdout.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) }
        #expect(values.count == 6 && values.allSatisfy { $0 != nil }, "one JSON line per command: \(r.stdout)")
        guard values.count == 6 else { return }
        #expect(values[4] is [[String: Any]], "orders is one JSON array: \(String(describing: values[4]))")
        let objects = values.map { $0 as? [String: Any] ?? [:] }
        #expect(
            objects[0]["accepted"] as? Bool == true && objects[0]["state"] as? String == "SUBMITTED", "\(objects[0])")
        #expect((objects[1]["error"] as? String)?.contains("\"0.5x\"") == true, "\(objects[1])")
        #expect(objects[2]["accepted"] as? Bool == false && objects[2]["code_name"] as? String == "price_band")
        #expect(objects[3]["accepted"] as? Bool == true, "\(objects[3])")
        let producers = [0, 2, 3].map { (objects[$0]["answer"] as? [String: Any])?["producer"] as? String }
        #expect(producers[0] != nil && Set(producers).count == 1, "one lane for the session: \(producers)")
        let history = objects[5]["history"] as? [[String: Any]]
        #expect(
            history?.map { $0["command"] as? String } == [
                "buy BTCUSDT 0.001 \(Self.price(bid / 2))", "cancel-all BTCUSDT",
            ])
    }

    @Test func withNoEngineRunningTheConsoleExits1WithOneClearLine() throws {
        let r = try trade("ghost", ["buy BTCUSDT 0.001 100"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("no engine running on instance 'ghost'"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "one clear line: \(r.stderr)")
        #expect(r.stdout.isEmpty, "\(r.stdout)")
    }
}
