import Foundation
import Testing
import TickwireTestSupport

/// The engine runs as its own process; external readers written against the ABI alone follow it.
@Suite(.serialized) struct ExternalReaderTests {
    let dir = Harness.shmDir()
    var env: [String: String] { Harness.environment(dir) }
    let python = "/usr/bin/env"
    var pythonReader: String { Harness.root.appendingPathComponent("Tools/readers/tickwire_reader.py").path }

    /// Starts `engine start` and waits until it is live.
    func startEngine(_ instance: String, _ extra: [String] = []) throws -> Harness.Child {
        let engine = try Harness.Child(
            Harness.engine, ["start", "--instance", instance, "--venue", "synthetic", "--symbols", "BTCUSDT,ETHUSDT,SOLUSDT"] + extra, env: env)
        let live = Harness.eventually(seconds: 20) { engine.stdout.contains("live, generation") }
        #expect(live, "engine did not go live: \(engine.stderr)")
        return engine
    }

    /// Checks a tail's JSON lines: events numbered without gaps, prices as decimals, no laps.
    func expectGapFree(_ lines: [[String: Any]], atLeast count: Int) {
        let events = lines.filter { $0["seq"] != nil }
        #expect(events.count >= count, "only \(events.count) events")
        let seqs = events.compactMap { ($0["seq"] as? NSNumber)?.uint64Value }
        #expect(zip(seqs, seqs.dropFirst()).allSatisfy { $1 == $0 + 1 }, "gap in \(seqs.prefix(20))…")
        #expect(!lines.contains { $0["event"] as? String == "lapped" })
        let books = events.filter { $0["type"] as? String == "book" }
        #expect(!books.isEmpty)
        for book in books.prefix(50) {
            guard let bid = book["bid_px"] as? String, let ask = book["ask_px"] as? String,
                let b = Decimal(string: bid), let a = Decimal(string: ask)
            else { Issue.record("book event without decimal prices: \(book)"); continue }
            if book["stale"] as? Bool != true { #expect(b < a) }
        }
    }

    @Test func pythonReaderTailsAGapFreeStreamFromTheRunningEngine() throws {
        let engine = try startEngine("py", ["--rate", "5000", "--duration", "30"])
        defer { engine.signal(SIGTERM); engine.wait(seconds: 10) }
        let r = try Harness.run(
            python, ["python3", pythonReader, "tail", "md", "--instance", "py", "--count", "3000", "--timeout", "20"],
            env: env, timeout: 60)
        #expect(r.status == 0, "\(r.stderr)")
        expectGapFree(Harness.jsonLines(r.stdout), atLeast: 3000)

        let top = try Harness.run(python, ["python3", pythonReader, "top", "--instance", "py"], env: env)
        #expect(top.status == 0, "\(top.stderr)")
        for symbol in ["BTCUSDT", "ETHUSDT", "SOLUSDT"] { #expect(top.stdout.contains(symbol)) }
    }

    @Test func cReaderTailsAGapFreeStreamFromTheRunningEngine() throws {
        let build = try Harness.run("/usr/bin/env", ["make", "-s", "-C", Harness.root.appendingPathComponent("Tools/readers/c").path],
                                    env: env)
        #expect(build.status == 0, "\(build.stdout)\(build.stderr)")
        let reader = Harness.root.appendingPathComponent("Tools/readers/c/tw_reader").path
        let engine = try startEngine("c", ["--rate", "5000", "--duration", "30"])
        defer { engine.signal(SIGTERM); engine.wait(seconds: 10) }
        let r = try Harness.run(reader, ["tail", "--instance", "c", "--count", "3000", "--json", "--timeout", "20"],
                                env: env, timeout: 60)
        #expect(r.status == 0, "\(r.stderr)")
        expectGapFree(Harness.jsonLines(r.stdout), atLeast: 3000)
        let top = try Harness.run(reader, ["top", "--instance", "c"], env: env)
        #expect(top.status == 0, "\(top.stderr)")
        #expect(top.stdout.contains("ETHUSDT"))
    }

    @Test func pythonLayoutMatchesTheCHeader() throws {
        let r = try Harness.run("/usr/bin/env", ["bash", Harness.root.appendingPathComponent("Tools/readers/check_layout.sh").path],
                                env: env, timeout: 120)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    }

    @Test func aReaderSeesAKilledEngineReplacedByTheNextGeneration() throws {
        let first = try startEngine("crash", ["--rate", "2000", "--duration", "60"])
        let tail = try Harness.Child(
            python, ["python3", pythonReader, "tail", "md", "--instance", "crash", "--timeout", "25"], env: env)
        #expect(Harness.eventually(seconds: 15) { tail.stdout.split(separator: "\n").count > 50 })
        let oldGeneration = try generation("crash")
        first.signal(SIGKILL)
        first.wait(seconds: 10)

        let second = try startEngine("crash", ["--rate", "2000", "--duration", "60"])
        defer { second.signal(SIGTERM); second.wait(seconds: 10) }
        #expect(second.stderr.contains("(pid \(first.process.processIdentifier)) died; took over"), "\(second.stderr)")
        #expect(Harness.eventually(seconds: 20) { tail.stdout.contains("\"restart\"") }, "reader missed the restart")
        tail.signal(SIGINT)
        #expect(tail.wait(seconds: 10) == 130, "the reader stops on SIGINT")
        let restart = Harness.jsonLines(tail.stdout).first { $0["event"] as? String == "restart" }
        let generation = (restart?["generation"] as? NSNumber)?.uint64Value ?? 0
        #expect(generation > oldGeneration)
        #expect(generation == (try self.generation("crash")))
    }

    /// The generation `engine status --json` reports.
    func generation(_ instance: String) throws -> UInt64 {
        let r = try Harness.run(Harness.engine, ["status", "--instance", instance, "--json"], env: env, timeout: 20)
        let object = try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(object != nil, "status \(r.status): \(r.stdout) \(r.stderr)")
        return (object?["generation"] as? NSNumber)?.uint64Value ?? 0
    }
}
