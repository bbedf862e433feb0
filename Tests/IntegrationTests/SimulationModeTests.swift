import Foundation
import Testing
import TickwireTestSupport

/// Simulation mode end to end: `engine start --mode simulation` with market data from an
/// `engine sim` in its own process. Orders fill locally, by the Matching engine against the
/// engine's own book, and the venue is never sent one (python-binance asks it).
@Suite(.serialized) struct SimulationModeTests {
    @Test(.enabled(if: OrderFaultTests.venv, ".venv-pb missing: Tools/ci/setup-python.sh"))
    func ordersFillLocallyAndTheVenueNeverSeesOne() throws {
        let sim = try OrderFaultTests.Sim()
        defer { sim.stop() }
        let dir = Harness.shmDir()
        let env = Harness.environment(dir)
        let instance = "simmode\(getpid() % 10000)"
        let child = try Harness.Child(
            Harness.engine,
            [
                "start", "--mode", "simulation", "--venue", "sim", "--sim-url", sim.url, "--instance", instance,
                "--symbols", "BTCUSDT", "--duration", "120",
            ], env: env)
        let engine = OrderPathTests.Engine(child: child, env: env, instance: instance)
        defer { engine.stop() }
        let touch = try #require(try engine.touch("BTCUSDT"), "no live book: \(engine.child.stderr)")

        // A crossing IOC buy: filled at the book's asks, with a fee in the asset bought.
        let take = try engine.run([
            "order", "place", "BTCUSDT", "buy", "0.001", "--price", OrderPathTests.price(touch.ask + 50),
            "--tif", "IOC", "--client-id", "sim-take", "--json",
        ])
        #expect(take.status == 0, "place: \(take.stdout) \(take.stderr) engine: \(engine.child.stderr)")

        // A resting buy below the touch: acknowledged with a local venue order id, then canceled.
        let rest = try engine.run([
            "order", "place", "BTCUSDT", "buy", "0.001", "--price", OrderPathTests.price(touch.bid - 50),
            "--client-id", "sim-rest", "--json",
        ])
        #expect(rest.status == 0, "place: \(rest.stdout) \(rest.stderr)")
        let placed = try JSONSerialization.jsonObject(with: Data(rest.stdout.utf8)) as? [String: Any]
        #expect(placed?["state"] as? String == "SUBMITTED", "\(rest.stdout)")
        #expect((placed?["venue_order_id"] as? Int ?? 0) > 0, "\(rest.stdout)")
        let cancel = try engine.run(["order", "cancel", "BTCUSDT", "--client-id", "sim-rest", "--json"])
        #expect(cancel.status == 0, "\(cancel.stdout) \(cancel.stderr)")

        var orders: [[String: Any]] = []
        let settled = Harness.eventually(seconds: 10) {
            orders = (try? engine.orders()) ?? []
            let pairs = orders.map { ($0["client_order_id"] as! String, $0["state"] as! String) }
            let states = Dictionary(pairs) { first, _ in first }
            return states["sim-take"] == "FILLED" && states["sim-rest"] == "CANCELED"
        }
        #expect(settled, "orders: \(orders) engine: \(engine.child.stderr)")
        let filled = orders.first { $0["client_order_id"] as? String == "sim-take" }
        let quantity = (filled?["filled_quantity"] as? String).flatMap { Decimal(string: $0) }
        #expect(quantity == Decimal(string: "0.001"), "\(String(describing: filled))")
        let average = (filled?["avg_price"] as? String).flatMap { Decimal(string: $0) }
        #expect(average.map { $0 >= touch.ask - 50 && $0 <= touch.ask + 50 } == true, "\(String(describing: filled))")
        let fees = filled?["fees"] as? [String: String]
        #expect(
            fees?["BTC"].flatMap { Decimal(string: $0) } == Decimal(string: "0.000001"), "\(String(describing: fees))")

        let tail = try engine.run(["tail", "exec", "--from-oldest", "--timeout", "1"])
        let types = Set(Harness.jsonLines(tail.stdout).compactMap { $0["type"] as? String })
        #expect(types.isSuperset(of: ["accepted", "sent", "ack", "fill", "canceled"]), "\(types)")

        // The venue never saw an order: none open, no trade of ours, and it knows neither id.
        let (status, output) = try sim.python(
            [
                "from binance.exceptions import BinanceAPIException",
                "def known(cid):",
                "    try:",
                "        client.get_order(symbol='BTCUSDT', origClientOrderId=cid)",
                "        return 'known'",
                "    except BinanceAPIException as e:",
                "        return str(e.code)",
                "print(len(client.get_open_orders(symbol='BTCUSDT')), len(client.get_my_trades(symbol='BTCUSDT')),",
                "      known('sim-take'), known('sim-rest'))",
            ].joined(separator: "\n"))
        #expect(status == 0, "\(output)")
        #expect(output.trimmingCharacters(in: .whitespacesAndNewlines) == "0 0 -2013 -2013", "\(output)")
    }
}
