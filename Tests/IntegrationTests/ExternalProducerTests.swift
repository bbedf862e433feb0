import Foundation
import Testing
import TickwireTestSupport

/// An external process submits orders through a command lane with the Python reader's producer
/// (Tools/readers: standard library + libtw_producer.so for the lane claim): the same intake,
/// the same risk, answers in the exec journal. A burst past the venue's order-count limit (100
/// per 10 s) never reaches the venue's -1015: the engine counts what it sent against the venue's
/// limits (up to 80% of them) and refuses the rest itself, with the rate code.
@Suite(.serialized) struct ExternalProducerTests {
    static let readers = Harness.root.appendingPathComponent("Tools/readers").path

    @Test func aPythonProducersBurstIsAnsweredAndTheEngineKeepsUnderTheVenuesOrderLimit() throws {
        let build = try Harness.run("/usr/bin/env", ["make", "-s", "-C", Self.readers + "/c"], env: ProcessInfo.processInfo.environment)
        #expect(build.status == 0, "make readers: \(build.stderr)")
        let config = NSTemporaryDirectory() + "tw-burst-\(getpid()).json"
        try Data(#"{"trading": {"max_orders_per_second": 10000}}"#.utf8).write(to: URL(fileURLWithPath: config))
        defer { try? FileManager.default.removeItem(atPath: config) }
        let dir = Harness.shmDir()
        let env = Harness.environment(dir)
        let instance = "xprod\(getpid() % 10000)"
        let child = try Harness.Child(
            Harness.engine, ["start", "--instance", instance, "--symbols", "BTCUSDT", "--duration", "120", "--config", config],
            env: env)
        let engine = OrderPathTests.Engine(child: child, env: env, instance: instance)
        defer { engine.stop() }
        let touch = try #require(try engine.touch("BTCUSDT"), "no live book: \(child.stderr)")
        let price = OrderPathTests.price(touch.bid - 80)
        let script = """
            import json, sys
            sys.path.insert(0, "\(Self.readers)")
            import tickwire_reader as tw
            answers = []
            with tw.CommandProducer("\(instance)") as producer:
                for i in range(130):
                    r = tw.submit_order("\(instance)", "BTCUSDT", "buy", "0.001", price="\(price)", client_order_id=f"py{i}", producer=producer, timeout=10)
                    answers.append(r["type"])
            print(json.dumps({"accepted": answers.count("accepted"), "rejected": answers.count("rejected")}))
            """
        let run = try Harness.run("/usr/bin/env", ["python3", "-c", script], env: env, timeout: 120)
        #expect(run.status == 0, "\(run.stdout) \(run.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Int]
        #expect(summary?["accepted"] == 80, "80% of the sim's 100 orders per 10 s: \(run.stdout)")
        #expect(summary?["rejected"] == 50, "\(run.stdout)")
        let tail = try engine.run(["tail", "exec", "--from-oldest", "--timeout", "2"])
        let records = Harness.jsonLines(tail.stdout)
        let venueLimited = records.filter { $0["type"] as? String == "rejected" && $0["code"] as? Int == -1015 }
        let backedOff = records.filter {
            $0["type"] as? String == "rejected" && $0["code"] as? Int == 10 && $0["local"] as? Bool == true
        }
        #expect(venueLimited.isEmpty, "the venue never had to refuse: \(venueLimited)")
        #expect(backedOff.count == 50, "the engine refused the rest itself, with the rate code")
        #expect((backedOff.first?["reason"] as? String ?? "").contains("10"), "\(String(describing: backedOff.first))")
        _ = try engine.run(["order", "cancel", "BTCUSDT", "--all"])
    }
}
