import Foundation
import Testing
import TickwireTestSupport

/// `engine sim` runs as its own process; Binance's own Python clients (python-binance and
/// binance-connector, each in its venv) trade against it through `Tools/conformance/binance_rest.py`.
/// The client tests are skipped when their venv is missing: create both with
/// `Tools/ci/setup-python.sh`.
@Suite(.serialized) struct BinanceRESTConformanceTests {
    /// The interpreter of a repository venv.
    static func venvPython(_ venv: String) -> String {
        Harness.root.appendingPathComponent("\(venv)/bin/python").path
    }

    /// Whether a venv exists.
    static func hasVenv(_ venv: String) -> Bool {
        FileManager.default.isExecutableFile(atPath: venvPython(venv))
    }

    static let setupHint = "missing; create both venvs with Tools/ci/setup-python.sh (python3 -m venv, pip install)"

    /// The sim's URL and the test account's credentials, from its banner.
    struct Endpoint {
        let url: String
        let apiKey: String
        let apiSecret: String
    }

    /// Starts `engine sim --port 0` and reads its banner.
    func startSim() throws -> (Harness.Child, Endpoint?) {
        let sim = try Harness.Child(Harness.engine, ["sim", "--port", "0", "--seed", "7"],
            env: ProcessInfo.processInfo.environment)
        let ready = Harness.eventually(seconds: 30) { sim.stdout.contains("symbols: ") }
        #expect(ready, "engine sim printed no banner: \(sim.stderr)")
        var values: [String: String] = [:]
        for line in sim.stdout.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            if parts.count == 2 { values[String(parts[0])] = String(parts[1]) }
        }
        guard let url = values["rest-url:"], let key = values["api-key:"], let secret = values["api-secret:"] else {
            return (sim, nil)
        }
        return (sim, Endpoint(url: url, apiKey: key, apiSecret: secret))
    }

    /// Runs the conformance script with `venv`'s python for `client`, against a fresh sim.
    func conform(venv: String, client: String) throws {
        let (sim, banner) = try startSim()
        defer { sim.signal(SIGTERM); sim.wait(seconds: 10) }
        let endpoint = try #require(banner, "no rest-url in \(sim.stdout)")
        #expect(endpoint.url.hasPrefix("http://127.0.0.1:"))
        let script = Harness.root.appendingPathComponent("Tools/conformance/binance_rest.py").path
        let result = try Harness.run(
            Self.venvPython(venv), [script, endpoint.url, endpoint.apiKey, endpoint.apiSecret, "--client", client],
            env: ProcessInfo.processInfo.environment, timeout: 120)
        #expect(result.status == 0, "conformance failed:\n\(result.stdout)\n\(result.stderr)\nsim: \(sim.stderr)")
        #expect(result.stdout.contains("PASS"), "\(result.stdout)")
    }

    @Test func engineSimPrintsItsURLAndStopsOnSIGTERM() throws {
        let (sim, endpoint) = try startSim()
        #expect(endpoint?.url.hasPrefix("http://127.0.0.1:") == true)
        #expect(endpoint?.apiKey.isEmpty == false)
        sim.signal(SIGTERM)
        #expect(sim.wait(seconds: 10) == 0, "engine sim did not exit cleanly: \(sim.stderr)")
    }

    @Test(.enabled(if: hasVenv(".venv-pb"), ".venv-pb (python-binance) \(setupHint)"))
    func pythonBinanceTradesAgainstTheSim() throws {
        try conform(venv: ".venv-pb", client: "python-binance")
    }

    @Test(.enabled(if: hasVenv(".venv-bc"), ".venv-bc (binance-connector) \(setupHint)"))
    func binanceConnectorTradesAgainstTheSim() throws {
        try conform(venv: ".venv-bc", client: "binance-connector")
    }
}
