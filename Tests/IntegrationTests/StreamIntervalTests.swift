import Foundation
import Testing
import TickwireTestSupport

/// Every diff-depth stream the venues offer, end to end: an engine on `engine sim`'s USD-M market
/// on @depth@0ms (unthrottled), @100ms, @250ms (@depth) and @500ms, and on its spot market on
/// @depth@100ms and @depth (1000 ms), each book live and agreeing with every bookTicker.
@Suite(.serialized) struct StreamIntervalTests {
    /// Runs an engine on `venue` with `feed.depth_interval_ms` = `interval` against `sim`; the
    /// instrument's counters once live with at least `checks` bookTicker checks.
    func run(_ venue: [String: String], futures: Bool, interval: Int, checks: Int = 20) throws -> [String: Any]? {
        let dir = Harness.shmDir()
        let env = Harness.environment(dir)
        let config = dir + "/engine.json"
        try #"{"feed": {"depth_interval_ms": \#(interval)}}"#.write(toFile: config, atomically: true, encoding: .utf8)
        let instance = "iv\(futures ? "f" : "s")\(interval)-\(getpid() % 10000)"
        let urls =
            futures
            ? ["--venue", "binance-futures", "--rest-url", venue["rest-url"]!, "--ws-url", venue["futures-ws-stream-url"]!]
            : ["--venue", "sim", "--sim-url", venue["rest-url"]!]
        let child = try Harness.Child(
            Harness.engine,
            ["start", "--instance", instance, "--symbols", "BTCUSDT", "--mode", "off", "--config", config, "--duration", "60"]
                + urls, env: env)
        defer {
            child.signal(SIGTERM)
            child.wait(seconds: 15)
        }
        var entry: [String: Any]?
        _ = Harness.eventually(seconds: 40) {
            guard let r = try? Harness.run(Harness.engine, ["status", "--instance", instance, "--json"], env: env), r.status == 0,
                let o = try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any],
                let first = (o["instruments"] as? [[String: Any]])?.first
            else { return false }
            entry = first
            return first["state"] as? String == "live" && (first["bookticker_checks"] as? Int ?? 0) >= checks
        }
        #expect(entry?["state"] as? String == "live", "interval \(interval): \(String(describing: entry)) \(child.stderr)")
        return entry
    }

    @Test func everyDepthIntervalSyncsAndAgreesWithBookTicker() throws {
        let sim = try Harness.Child(Harness.engine, ["sim", "--port", "0", "--seed", "11"], env: ProcessInfo.processInfo.environment)
        defer {
            sim.signal(SIGTERM)
            sim.wait(seconds: 10)
        }
        #expect(Harness.eventually(seconds: 60) { sim.stdout.contains("futures-ws-api-url: ") }, "\(sim.stderr)")
        let venue = FuturesOrderPathTests.banner(sim.stdout)
        for (futures, interval) in [(true, 0), (true, 100), (true, 250), (true, 500), (false, 100), (false, 1000)] {
            let entry = try run(venue, futures: futures, interval: interval, checks: interval == 1000 ? 3 : 20)
            #expect((entry?["bookticker_checks"] as? Int ?? 0) > 0, "\(interval) ms: no bookTicker check")
            #expect(entry?["bookticker_mismatches"] as? Int == 0, "\(interval) ms: \(String(describing: entry))")
            #expect(entry?["gaps"] as? Int == 0, "\(interval) ms: \(String(describing: entry))")
        }
    }
}
