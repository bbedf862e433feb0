import Foundation
import Testing
import TickwireTestSupport

/// `engine sim` in its own process; python-binance's futures calls (`futures_create_order`,
/// `futures_get_order`, `futures_cancel_order`, `futures_position_information`,
/// `futures_account`, `futures_change_leverage`) trade against it through
/// `Tools/conformance/binance_futures.py`. Skipped when `.venv-pb` is missing: create it with
/// `Tools/ci/setup-python.sh`.
@Suite(.serialized) struct BinanceFuturesConformanceTests {
    @Test(.enabled(
        if: BinanceRESTConformanceTests.hasVenv(".venv-pb"),
        ".venv-pb (python-binance) \(BinanceRESTConformanceTests.setupHint)"))
    func pythonBinanceFutures() throws {
        let (sim, banner) = try BinanceRESTConformanceTests().startSim()
        defer { sim.signal(SIGTERM); sim.wait(seconds: 10) }
        let endpoint = try #require(banner, "no rest-url in \(sim.stdout)")
        #expect(sim.stdout.contains("futures-ws-api-url: "), "\(sim.stdout)")
        let script = Harness.root.appendingPathComponent("Tools/conformance/binance_futures.py").path
        let result = try Harness.run(
            BinanceRESTConformanceTests.venvPython(".venv-pb"),
            [script, endpoint.url, endpoint.apiKey, endpoint.apiSecret], env: ProcessInfo.processInfo.environment,
            timeout: 120)
        #expect(result.status == 0, "conformance failed:\n\(result.stdout)\n\(result.stderr)\nsim: \(sim.stderr)")
        #expect(result.stdout.contains("PASS"), "\(result.stdout)")
    }
}
