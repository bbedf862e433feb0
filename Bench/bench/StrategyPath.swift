import Backtest
import CEngineShm
import EngineKit
import EngineModel
import ExchangeSim
import Execution
import Foundation
import Histogram
import Logging
import Strategy
import StrategyRuntime
import Synchronization
import Trading

/// `bench latency --scenario strategy`: a book event published to the md ring → the strategy
/// runner's thread sees it → the market maker signals → the desk plans, the limits check →
/// the command in the runner's lane → the engine's intake takes it, checks pre-trade risk and the
/// risk limits, and hands the order to the route (where the C gateway would sign it). The
/// product's runner, host, desk, intake and risk gate; the route records the hand-off time and
/// acknowledges in the exec journal so the strategy requotes on the next event. The floor is the
/// md ring's own hop (publish → a RingReader on another thread) measured in the same run. Fails
/// when an event brings no order. Also the backtest's throughput on the recorded file, beside a
/// replay with no strategy.
enum StrategyPath {
    static let name = "strategy"

    struct Result {
        var path: Histogram<UInt64>
        var floor: Histogram<UInt64>
        var strategyCall: (p50: UInt64, p99: UInt64)
        /// md event published → the command in the runner's lane (the stats segment's strategy_path).
        var toLane: (p50: UInt64, p99: UInt64)
        /// md event published → the runner made the round's first order (its command's created_ns).
        var runnerSide: Histogram<UInt64>
        var samples: Int
        var backtest: (events: Int, eventsPerSecond: Double, fills: Int)?
        var replayOnly: Double?
    }

    /// The route of the bench: records when an order is handed over and answers it at once.
    final class HandOff: OrderRoute {
        let writer: ExecJournalWriter
        let placed = Atomic<Int64>(0)
        /// When the first order of the round was made by the runner (its command's created_ns).
        var created: Int64 = 0
        var places = 0
        init(writer: ExecJournalWriter) { self.writer = writer }
        func journal(_ report: ExecReport) -> Bool { writer.append(report) != nil }
        func place(_ command: OrderCommand, producer: UInt64) -> Bool {
            if placed.load(ordering: .relaxed) == 0 {
                created = command.createdNs
                placed.store(realtimeNs(), ordering: .relaxed)
            }
            places += 1
            var ack = ExecReport(type: .ack, instrument: command.instrument)
            ack.clientOrderId = command.clientOrderId
            ack.side = command.side
            ack.price = command.price
            ack.quantity = command.quantity
            ack.strategyId = command.strategyId
            ack.venueOrderId = UInt64(places)
            return writer.append(ack) != nil
        }
        func cancel(_ command: OrderCommand, producer: UInt64) -> Bool {
            var done = ExecReport(type: .canceled, instrument: command.instrument)
            done.clientOrderId = command.clientOrderId
            return writer.append(done) != nil
        }
        func cancelAll(_ command: OrderCommand, producer: UInt64) -> Bool { true }
        func queryStatus(_ command: OrderCommand) -> Bool { true }
        var haltReason: String? { nil }
        var mode: String { "bench" }
        var isReady: Bool { true }
    }

    static func measure(count: Int, instance: String, data: String?) throws -> Result {
        let btc = try Instrument(symbol: "BTCUSDT", venue: "sim", tickSize: "0.01", stepSize: "0.00001", minNotional: "5")
        let engine = try EngineInstance.create(
            InstanceConfig(instance: instance, instruments: [btc], mdSlots: 4096, execSlots: 1 << 17, execReserve: 1 << 12))
        defer { engine.shutdown(keepSegments: false) }
        engine.setState(.live)
        var ring = tw_ring_writer_t()
        guard tw_ring_writer_init(&ring, engine.md.base) == 0 else { throw ScenarioError(message: "md ring writer") }
        let floor = try ringFloor(&ring, instance: instance, count: max(count, 1000))

        var limits = RiskLimits()
        limits.maxPosition = ["BTCUSDT": "1"]
        limits.maxTotalExposure = 1_000_000 * 100_000_000
        let host = try StrategyHost(
            instruments: [btc], books: nil, limits: limits, clientIdPrefix: "b",
            measure: { DispatchTime.now().uptimeNanoseconds })
        host.add(
            MarketMaker(name: "mm"),
            config: StrategyConfig(
                name: "mm", type: "market-maker", symbols: ["BTCUSDT"], orderSize: "0.001",
                parameters: ["min_requote_ms": .number(0), "skew_bps": .number(0), "max_position": .text("1")]))
        let runner = try StrategyRunner(
            instance: engine, host: host, wait: .spin, core: nil, mode: "bench", aggregation: "independent",
            tradingState: { .active }, statusPath: nil)
        let route = HandOff(writer: try ExecJournalWriter(segment: engine.exec))
        let gate = RiskGate(
            // No venue behind the route: its order-count limits would only stop the bench.
            settings: ExecutionSettings(
                maxOrdersPerSecond: 1_000_000,
                venueRateLimits: VenueRateLimits(ordersPer10s: 10_000_000, ordersPerDay: 100_000_000, weightPerMinute: 100_000_000)),
            clock: { realtimeNs() },
            limits: try LimitGuard(limits: limits, instruments: [btc]), marks: { _ in 6_500_000 })
        let intake = OrderIntake(
            instance: engine, route: route, check: { command, instrument, mid, board in
                gate.check(command, instrument: instrument, mid: mid, board: board)
            }, mid: { _ in Price(mantissa: 6_500_000, exponent: -2) }, idPrefix: "i")
        let board = OrderBoard(instruments: [btc])
        runner.start()
        defer { runner.stop() }
        var path = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
        var runnerSide = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
        let warmup = 100
        for i in 0..<(warmup + count) {
            // The touch moves one tick each event: the market maker replaces both quotes.
            let bid: Int64 = 6_500_000 + Int64(i % 2)
            var book = tw_md_book_t()
            book.update_id = UInt64(i + 1)
            book.first_update_id = UInt64(i + 1)
            book.bid_px = bid
            book.bid_qty = 100_000
            book.ask_px = bid + 10
            book.ask_qty = 100_000
            book.levels_changed = 2
            route.placed.store(0, ordering: .relaxed)
            let now = realtimeNs()
            book.exchange_ns = now
            book.recv_ns = now
            book.publish_ns = now
            guard tw_ring_publish(&ring, UInt16(TW_MD_BOOK.rawValue), 0, &book, UInt32(MemoryLayout<tw_md_book_t>.size)) != 0
            else { throw ScenarioError(message: "md ring publish") }
            let deadline = DispatchTime.now().uptimeNanoseconds + 2_000_000_000
            while route.placed.load(ordering: .relaxed) == 0 {
                if !intake.step(board: board), DispatchTime.now().uptimeNanoseconds > deadline {
                    let s = host.statuses[0]
                    var why = ""
                    if let journal = try? ExecJournalReader(segment: engine.exec, fromOldest: true) {
                        while case .record(let r) = journal.poll() {
                            if case .report(let x) = r.body, x.type == .rejected { why = x.text }
                        }
                    }
                    throw ScenarioError(
                        message: "book event \(i) brought no order within 2 s (strategy \(s.state) \(s.reason ?? "") \(s.errors) errors \(s.calls) calls \(s.detail): \(s.signals) signals, \(s.orders) orders, "
                            + "\(s.rejected) refused \(host.rejectedByRisk), working \(host.desk.count); route placed \(route.places); last rejection: \(why))")
                }
            }
            if i >= warmup {
                path.record(UInt64(max(0, route.placed.load(ordering: .relaxed) - now)))
                runnerSide.record(UInt64(max(0, route.created - now)))
            }
            // Let the rest of the round (the other quote, the cancels, the acks) settle untimed.
            let settle = DispatchTime.now().uptimeNanoseconds + 300_000
            while DispatchTime.now().uptimeNanoseconds < settle { _ = intake.step(board: board) }
        }
        let status = host.statuses[0]
        let lane = try StatsReader(instance: instance).histogram(histogramNames.first { $0.name == "strategy_path_ns" }!.index)
        var backtest: (Int, Double, Int)?
        var replayOnly: Double?
        if let data, FileManager.default.fileExists(atPath: data) {
            let recording = try ReplayRecording.load([ReplaySource(path: data)])
            let mm = StrategyConfig(
                name: "mm", type: "market-maker", symbols: ["BTCUSDT"], orderSize: "0.01",
                parameters: ["spread_bps": .number(0.2)])
            let report = try Backtester(recording: recording, settings: BacktestSettings(strategies: [mm])).run()
            guard !report.fills.isEmpty else { throw ScenarioError(message: "the backtest filled nothing") }
            backtest = (report.timing.events, report.timing.eventsPerSecond, report.fills.count)
            replayOnly = try Backtester(recording: recording, settings: BacktestSettings(strategies: [])).run().timing.eventsPerSecond
        }
        return Result(
            path: path, floor: floor, strategyCall: (status.p50Ns, status.p99Ns), toLane: (lane.p50, lane.p99), runnerSide: runnerSide, samples: count, backtest: backtest,
            replayOnly: replayOnly)
    }

    /// The md ring's hop between the same two threads: publish → a RingReader sees it, one way.
    static func ringFloor(_ ring: inout tw_ring_writer_t, instance: String, count: Int) throws -> Histogram<UInt64> {
        let seen = Atomic<Int>(-1)
        let values = Mutex<[UInt64]>([])
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            var local: [UInt64] = []
            local.reserveCapacity(count)
            guard let reader = try? RingReader(instance: instance) else {
                done.signal()
                return
            }
            seen.store(0, ordering: .releasing)
            while local.count < count {
                if case .event(let e) = reader.poll(), case .book(let top) = e.kind {
                    local.append(UInt64(max(0, realtimeNs() - top.publishNs)))
                    seen.store(local.count, ordering: .releasing)
                }
            }
            values.withLock { $0 = local }
            done.signal()
        }
        thread.start()
        while seen.load(ordering: .acquiring) < 0 {}
        var book = tw_md_book_t()
        for i in 0..<count {
            book.update_id = UInt64(i + 1)
            book.publish_ns = realtimeNs()
            _ = tw_ring_publish(&ring, UInt16(TW_MD_BOOK.rawValue), 0, &book, UInt32(MemoryLayout<tw_md_book_t>.size))
            while seen.load(ordering: .acquiring) <= i {}
        }
        done.wait()
        var histogram = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
        for v in values.withLock({ $0 }) { histogram.record(v) }
        return histogram
    }

    static func report(_ r: Result, json: Bool) {
        let p50 = r.path.valueAtPercentile(50), p99 = r.path.valueAtPercentile(99)
        let f50 = r.floor.valueAtPercentile(50), f99 = r.floor.valueAtPercentile(99)
        let ratio = f50 > 0 ? Double(p50) / Double(f50) : 0
        if json {
            var rows: [[String: Any]] = [
                ["scenario": "ring-hop", "p50": f50, "p99": f99, "unit": "ns", "floor": true],
                ["scenario": name, "p50": p50, "p99": p99, "p999": r.path.valueAtPercentile(99.9), "unit": "ns",
                 "ratio_p50": ratio, "floor_scenario": "ring-hop", "samples": r.samples, "bar_p50_ns": 5000,
                 "strategy_call_p50": r.strategyCall.p50, "strategy_call_p99": r.strategyCall.p99,
                 "to_lane_p50": r.toLane.p50, "to_lane_p99": r.toLane.p99,
                 "runner_first_order_p50": r.runnerSide.valueAtPercentile(50)],
            ]
            if let b = r.backtest {
                rows.append(["scenario": "backtest", "events": b.events, "events_per_s": b.eventsPerSecond, "fills": b.fills,
                             "replay_only_events_per_s": r.replayOnly ?? 0, "unit": "events/s"])
            }
            for row in rows {
                let data = try! JSONSerialization.data(withJSONObject: row, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            }
        } else {
            print("strategy: book event published -> runner -> market maker -> desk + limits -> lane -> intake + risk -> order handed to the route")
            print("  md ring hop (floor, one way):  p50 \(f50) ns  p99 \(f99) ns")
            print("  event -> order handed over:    p50 \(p50) ns  p99 \(p99) ns  p99.9 \(r.path.valueAtPercentile(99.9)) ns"
                + "  (\(String(format: "%.1f", ratio))x the floor; bar p50 < 5000 ns: \(p50 < 5000 ? "met" : "NOT met"), \(r.samples) events)")
            print("  event -> command in the runner's lane (strategy_path, every command): p50 \(r.toLane.p50) ns  p99 \(r.toLane.p99) ns")
            print("  event -> the round's first order made by the runner: p50 \(r.runnerSide.valueAtPercentile(50)) ns  p99 \(r.runnerSide.valueAtPercentile(99)) ns")
            print("  one strategy call (the runner's own timing): p50 \(r.strategyCall.p50) ns  p99 \(r.strategyCall.p99) ns")
            if let b = r.backtest {
                print("  backtest (market maker on the recorded file): \(b.events) events, \(Int(b.eventsPerSecond)) events/s, \(b.fills) fills;"
                    + " replay with no strategy \(Int(r.replayOnly ?? 0)) events/s")
            }
        }
    }
}
