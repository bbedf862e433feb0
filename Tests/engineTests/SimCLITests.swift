import Foundation
import Testing
import TickwireTestSupport

/// `engine sim` as an operator meets it: the printed URLs and CA certificate, and bad flags.
@Suite(.serialized) struct SimCLITests {
    let dir = Harness.shmDir()
    var env: [String: String] { Harness.environment(dir) }

    @Test func simWithTLSPrintsHTTPSAndWSSURLsAndWritesTheCACertificateWhereAsked() throws {
        let ca = dir + "/sim-ca.pem"
        let sim = try Harness.Child(
            Harness.engine, ["sim", "--tls", "--ca-out", ca, "--symbols", "BTCUSDT", "--fault", "ack-delay:ms=10"],
            env: env)
        defer {
            sim.signal(SIGTERM)
            sim.wait(seconds: 10)
        }
        #expect(Harness.eventually(seconds: 15) { sim.stdout.contains("symbols: BTCUSDT") }, "\(sim.stderr)")
        let lines = sim.stdout.split(separator: "\n").map(String.init)
        func value(_ key: String) -> String? {
            lines.first { $0.hasPrefix(key + ": ") }.map { String($0.dropFirst(key.count + 2)) }
        }
        #expect(value("rest-url")?.hasPrefix("https://127.0.0.1:") == true)
        #expect(value("ws-url")?.hasPrefix("wss://127.0.0.1:") == true)
        #expect(value("ws-stream-url")?.hasSuffix("/stream") == true)
        #expect(value("ca-certificate") == ca)
        #expect(value("faults") == "ack-delay:ms=10")
        #expect(value("api-key") != nil && value("api-secret") != nil)
        let pem = try String(contentsOfFile: ca, encoding: .utf8)
        #expect(pem.hasPrefix("-----BEGIN CERTIFICATE-----"))
        sim.signal(SIGINT)
        #expect(sim.wait(seconds: 10) == 0)
    }

    @Test func plainSimPrintsNoCACertificate() throws {
        let sim = try Harness.Child(Harness.engine, ["sim", "--symbols", "ETHUSDT"], env: env)
        defer {
            sim.signal(SIGTERM)
            sim.wait(seconds: 10)
        }
        #expect(Harness.eventually(seconds: 15) { sim.stdout.contains("symbols: ETHUSDT") }, "\(sim.stderr)")
        #expect(sim.stdout.contains("rest-url: http://127.0.0.1:"))
        #expect(sim.stdout.contains("ws-url: ws://127.0.0.1:"))
        #expect(!sim.stdout.contains("ca-certificate"))
    }

    @Test(arguments: [
        (["sim", "--fault", "explode"], "--fault: fault 'explode': unknown kind 'explode'"),
        (["sim", "--fault", "stall:after=x"], "after must be an integer"),
        (["sim", "--port", "70000"], "--port must be 0...65535"),
        (["sim", "--symbols", "BTCUSDT,NOPE"], "unknown symbol 'NOPE'"),
        (["sim", "--ca-out", "/tmp/x.pem"], "--ca-out needs --tls"),
        (["sim", "--speed", "max"], "--speed needs --replay FILE"),
        (["sim", "--seed", "x"], "--seed must be a non-negative integer"),
        (["sim", "--replay", "/nonexistent/recording.gz"], "--replay: "),
    ])
    func badSimFlagsAreOneLineAndExit2(_ args: [String], _ message: String) throws {
        let r = try Harness.run(Harness.engine, args, env: env, timeout: 20)
        #expect(r.status == 2, "\(args): \(r.stderr)")
        #expect(r.stderr.contains(message), "stderr: \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "one clear line: \(r.stderr)")
        #expect(r.stdout.isEmpty)
    }
}
