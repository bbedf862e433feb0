import ExchangeSim
import Testing

/// The compact fault syntax of `--fault`, configuration files and `POST /admin/faults`.
@Suite("Fault specs")
struct FaultSpecTests {
    @Test(arguments: [
        ("disconnect:after=500", "disconnect:after=500"),
        ("drop-diff:symbol=btcusdt,after=100", "drop-diff:symbol=BTCUSDT,after=100,count=1"),
        ("malformed:after=50,next=2", "malformed:after=50,next=2"),
        ("stall:after=100,ms=5000", "stall:after=100,ms=5000"),
        ("stall:conn=7", "stall:after=0,conn=7"),
        ("rest-429:count=20", "rest-429:count=20,retry=1"),
        ("order-5xx:count=1", "order-5xx:count=1"),
        ("ack-delay:ms=300", "ack-delay:ms=300"),
        ("order-5xx:conn=3", "order-5xx:count=1,conn=3"),
        ("ack-delay:ms=300,next=2", "ack-delay:ms=300,next=2"),
        ("dup-exec:count=1,next=1", "dup-exec:count=1,next=1"),
    ])
    func parsesAndPrintsBack(_ text: String, _ canonical: String) throws {
        let spec = try FaultSpec(parsing: text)
        #expect(spec.description == canonical)
        #expect(try FaultSpec(parsing: canonical) == spec)
    }

    @Test(arguments: [
        ("explode", "unknown kind 'explode'; known: disconnect, drop-diff"),
        ("disconnect:ms=5", "disconnect takes no 'ms'; keys: after, conn, next"),
        ("disconnect:after=-1", "after must be an integer ≥ 0, got '-1'"),
        ("stall:after=x", "after must be an integer ≥ 0, got 'x'"),
        ("stall:conn=1,next=2", "give conn= or next=, not both"),
        ("rest-429:count=2,next=1", "rest-429 acts on REST requests and takes no conn= or next="),
        ("ack-delay:count=2", "ack-delay needs ms=<milliseconds>"),
        ("malformed:after", "expected key=value, got 'after'"),
        ("malformed:after=1,after=2", "'after' given twice"),
        ("drop-diff:symbol=BTC-USDT", "symbol must be letters and digits"),
    ])
    func refusesWithAClearMessage(_ text: String, _ message: String) {
        #expect {
            _ = try FaultSpec(parsing: text)
        } throws: { error in
            String(describing: error).contains(message) && String(describing: error).hasPrefix("fault '\(text)'")
        }
    }

    @Test("POST /admin/faults refuses a bad spec with 400 and arms nothing; GET lists what is armed")
    func adminRefusesBadSpecs() async throws {
        try await SimHTTP.with(SimHTTP.quiet()) { sim in
            let bad = try await sim.armFault("stall:after=x")
            #expect(bad.status == 400)
            #expect((bad.object["error"] as? String)?.contains("after must be an integer") == true)
            #expect(try await sim.armFault("ack-delay:ms=50").status == 200)
            let listed = try await sim.send(.get, "/admin/faults").object["faults"] as? [[String: Any]] ?? []
            #expect(listed.map { $0["spec"] as? String } == ["ack-delay:ms=50"])
            #expect(try await sim.send(.delete, "/admin/faults").object["cleared"] as? Int == 1)
        }
    }

    @Test("Faults from the configuration are armed at start")
    func configuredFaults() async throws {
        var configuration = SimHTTP.quiet()
        configuration.faults = [try FaultSpec(parsing: "order-5xx:count=3")]
        let server = try ExchangeSimServer(configuration: configuration)
        #expect(server.faults.armedFaults.map(\.spec.description) == ["order-5xx:count=3"])
        #expect(server.faults.armedFaults.first?.source == "configuration")
    }
}
