import Foundation
import Testing
import TickwireTestSupport

/// `engine sim` as its own process, driven over WebSockets by Binance's own Python clients
/// (`Tools/conformance/binance_wsapi.py`: python-binance's ws_* methods and user socket, and
/// binance-connector's SpotWebsocketAPIClient) and by a local order book kept with the
/// `websockets` client from the documented snapshot + diff procedure
/// (`Tools/conformance/binance_depth_book.py`). Skipped when a venv is missing: create them with
/// `Tools/ci/setup-python.sh`.
@Suite(.serialized) struct BinanceWSConformanceTests {
    typealias REST = BinanceRESTConformanceTests

    /// Runs `script` with `venv`'s python against a fresh sim; expects exit 0 and "PASS".
    func conform(venv: String, script: String, arguments: [String] = []) throws {
        let (sim, banner) = try REST().startSim()
        defer { sim.signal(SIGTERM); sim.wait(seconds: 10) }
        let endpoint = try #require(banner, "no rest-url in \(sim.stdout)")
        let path = Harness.root.appendingPathComponent("Tools/conformance/\(script)").path
        let result = try Harness.run(
            REST.venvPython(venv), [path, endpoint.url, endpoint.apiKey, endpoint.apiSecret] + arguments,
            env: ProcessInfo.processInfo.environment, timeout: 150)
        #expect(result.status == 0, "\(script) failed:\n\(result.stdout)\n\(result.stderr)\nsim: \(sim.stderr)")
        #expect(result.stdout.contains("PASS"), "\(result.stdout)")
    }

    @Test(.enabled(if: REST.hasVenv(".venv-pb"), ".venv-pb (python-binance) \(REST.setupHint)"))
    func pythonBinanceTradesOverTheWebSocketAPI() throws {
        try conform(venv: ".venv-pb", script: "binance_wsapi.py", arguments: ["--client", "python-binance"])
    }

    @Test(.enabled(if: REST.hasVenv(".venv-bc"), ".venv-bc (binance-connector) \(REST.setupHint)"))
    func binanceConnectorTradesOverTheWebSocketAPI() throws {
        try conform(venv: ".venv-bc", script: "binance_wsapi.py", arguments: ["--client", "binance-connector"])
    }

    @Test(.enabled(if: REST.hasVenv(".venv-pb"), ".venv-pb (websockets) \(REST.setupHint)"))
    func websocketsLocalBookMatchesTheSimsBook() throws {
        try conform(venv: ".venv-pb", script: "binance_depth_book.py", arguments: ["--seconds", "4"])
    }
}
