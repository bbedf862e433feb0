import CBench
import EngineKit
import EngineModel
import ExchangeSim
import Execution
import Foundation
import Histogram
import Logging
import Trading

/// `bench latency --scenario order-roundtrip`: an order command submitted through a command lane
/// → the engine's intake (pre-trade risk) → the C gateway (signed, on its io_uring WebSocket) →
/// ExchangeSim's WebSocket API on loopback → the venue's answer journaled as ACK in the exec
/// journal, where the bench reads it. The whole product path; the floor is a loopback TCP round
/// trip (two one-way hops) between the same cores in the same run. Also: sustained orders/s.
enum OrderRoundTrip {
    static let name = "order-roundtrip"

    struct Result {
        var samples: Histogram<UInt64>
        /// The hops: command created → SENT journaled (intake + gateway encode), SENT → answer
        /// received (loopback + the sim), answer received → ACK journaled (gateway decode).
        var toSent = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
        var venue = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
        var decode = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
        var floor: Histogram<UInt64>
        var ordersPerSecond: Double
        var acked: Int
    }

    /// Runs `count` sequential orders (each waits for its ack), then a burst for the rate.
    static func measure(count: Int, cpuA: Int32, cpuB: Int32, instance: String) throws -> Result {
        let floor = try LoopbackScenario.tcpHopFloor(cpuA: cpuA, cpuB: cpuB, iterations: UInt64(max(count, 200)))
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        var sim = ExchangeSimServer.Configuration(host: "127.0.0.1", port: 0, symbols: [SimSymbol.named("BTCUSDT")!], seed: 11)
        sim.participantIntervalMillis = 0
        // The bench times the path, not Binance's order-count limits: raise them out of the way.
        sim.ordersPer10s = 1_000_000
        sim.ordersPerDay = 100_000_000
        sim.weightLimit = 100_000_000
        let server = try ExchangeSimServer(configuration: sim)
        let serving = Task { try await server.run() }
        defer { serving.cancel() }
        let port = Blocking.run { await server.port() }
        guard port > 0 else { throw ScenarioError(message: "the sim could not bind 127.0.0.1") }
        let btc = try Instrument(symbol: "BTCUSDT", venue: "sim", tickSize: "0.01", stepSize: "0.00001", minNotional: "5")
        let engine = try EngineInstance.create(
            InstanceConfig(instance: instance, instruments: [btc], mdSlots: 1024, execSlots: 1 << 17, execReserve: 1 << 12))
        defer { engine.shutdown(keepSegments: false) }
        engine.setState(.live)
        var config = OrderGatewayConfig(
            host: "127.0.0.1", port: UInt16(port), apiKey: ExchangeSimServer.Configuration.defaultAPIKey,
            apiSecret: ExchangeSimServer.Configuration.defaultAPISecret)
        config.core = Int(cpuB)
        let gateway = try OrderGateway(instance: engine, config: config)
        try gateway.start()
        defer { try? gateway.stop() }
        let route = GatewayRoute(gateway: gateway)
        guard waitUntil(seconds: 10, { route.isReady }) else {
            throw ScenarioError(message: "the gateway did not connect to the sim: \(gateway.status.lastErrorText)")
        }
        // Risk passes everything well formed here: the bench times the path, not the rules.
        let service = try TradingService(
            instance: engine, route: route, check: { _, _, _, _ in nil },
            mid: { _ in Price(mantissa: 6_500_000, exponent: -2) }, logger: logger)
        service.start()
        defer { service.stop() }
        let producer = try CommandProducer(instance: instance)
        let journal = try ExecJournalReader(instance: instance)
        var samples = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
        var hops = Result(samples: samples, floor: floor, ordersPerSecond: 0, acked: 0)
        func order(_ i: Int) -> OrderCommand {
            OrderCommand(op: .new, instrument: 0, side: i % 2 == 0 ? .buy : .sell,
                price: i % 2 == 0 ? 6_000_000 : 7_000_000, quantity: 100, clientOrderId: "rt\(i)")
        }
        var sentNs: Int64 = 0
        func waitAck(_ id: String, deadline: Date) throws -> ExecReport {
            while Date() < deadline {
                if case .record(let record) = journal.poll() {
                    if case .report(let r) = record.body, r.clientOrderId == id {
                        if r.type == .sent { sentNs = r.publishNs }
                        if r.type == .ack { return r }
                        if r.type == .rejected { throw ScenarioError(message: "order \(id) rejected: \(r.code) \(r.text)") }
                    }
                } else {
                    sched_yield()
                }
            }
            throw ScenarioError(message: "order \(id) not acknowledged within 5 s")
        }
        let warmup = 20
        for i in 0..<(warmup + count) {
            var command = order(i)
            command.createdNs = nowRealNs()
            _ = try producer.submit(command)
            let ack = try waitAck(command.clientOrderId, deadline: Date().addingTimeInterval(5))
            if i >= warmup {
                samples.record(UInt64(max(0, ack.publishNs - command.createdNs)))
                hops.toSent.record(UInt64(max(0, sentNs - command.createdNs)))
                hops.venue.record(UInt64(max(0, ack.receiveNs - sentNs)))
                hops.decode.record(UInt64(max(0, ack.publishNs - ack.receiveNs)))
            }
        }
        // Sustained: a burst through the lane, every order acknowledged.
        let burst = 1000
        let start = nowRealNs()
        var pending = Set<String>()
        var next = warmup + count
        var acked = 0
        let deadline = Date().addingTimeInterval(60)
        while acked < burst && Date() < deadline {
            while next < warmup + count + burst && pending.count < 200 {
                let command = order(next)
                let submitted = submit(producer, command)
                if case .failure(let error) = submitted {
                    if error == .full { break }
                    throw ScenarioError(message: "burst: \(error)")
                }
                pending.insert(command.clientOrderId)
                next += 1
            }
            while case .record(let record) = journal.poll() {
                guard case .report(let r) = record.body, pending.contains(r.clientOrderId) else { continue }
                if r.type == .ack {
                    pending.remove(r.clientOrderId)
                    acked += 1
                } else if r.type == .rejected {
                    throw ScenarioError(message: "burst order \(r.clientOrderId) rejected: \(r.code) \(r.text)")
                }
            }
        }
        guard acked == burst else { throw ScenarioError(message: "burst: \(acked) of \(burst) orders acknowledged") }
        let rate = Double(burst) / (Double(nowRealNs() - start) / 1e9)
        _ = try? producer.submit(OrderCommand(op: .cancelAll, instrument: 0))
        hops.samples = samples
        hops.ordersPerSecond = rate
        hops.acked = count
        return hops
    }

    private static func submit(_ producer: CommandProducer, _ command: OrderCommand) -> Swift.Result<UInt64, CommandSubmitError> {
        do throws(CommandSubmitError) { return .success(try producer.submit(command)) } catch { return .failure(error) }
    }

    static func waitUntil(seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }

    static func nowRealNs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// Prints the result as the table's lines or JSON rows (scenario, p50, p99, unit, ratio_p50).
    static func report(_ r: Result, json: Bool) {
        let p50 = r.samples.valueAtPercentile(50), p99 = r.samples.valueAtPercentile(99)
        let f50 = 2 * r.floor.valueAtPercentile(50), f99 = 2 * r.floor.valueAtPercentile(99)
        let ratio = f50 > 0 ? Double(p50) / Double(f50) : 0
        if json {
            let rows: [[String: Any]] = [
                ["scenario": "tcp-roundtrip", "p50": f50, "p99": f99, "unit": "ns", "floor": true],
                ["scenario": name, "p50": p50, "p99": p99, "p999": r.samples.valueAtPercentile(99.9), "unit": "ns",
                 "ratio_p50": ratio, "floor_scenario": "tcp-roundtrip", "samples": r.acked,
                 "created_to_sent_p50": r.toSent.valueAtPercentile(50), "sent_to_answer_p50": r.venue.valueAtPercentile(50),
                 "answer_to_journal_p50": r.decode.valueAtPercentile(50)],
                ["scenario": "order-throughput", "orders_per_s": r.ordersPerSecond, "unit": "orders/s"],
            ]
            for row in rows {
                let data = try! JSONSerialization.data(withJSONObject: row, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            }
        } else {
            print("order-roundtrip: command submitted -> ACK in the exec journal, via intake, gateway, sim WS API")
            print("  tcp round trip (floor, 2 x hop): p50 \(f50) ns  p99 \(f99) ns")
            print("  order round trip:                p50 \(p50) ns  p99 \(p99) ns  p99.9 \(r.samples.valueAtPercentile(99.9)) ns"
                + "  (\(String(format: "%.1f", ratio))x the floor, \(r.acked) orders)")
            print("  hops p50: created -> sent \(r.toSent.valueAtPercentile(50)) ns (intake + encode), sent -> answer received "
                + "\(r.venue.valueAtPercentile(50)) ns (loopback + sim), received -> journaled \(r.decode.valueAtPercentile(50)) ns")
            print("  sustained: \(String(format: "%.0f", r.ordersPerSecond)) orders/s acknowledged (1000-order burst, 200 in flight)")
        }
    }
}
