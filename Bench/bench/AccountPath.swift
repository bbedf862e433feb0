import Account
import AccountService
import EngineKit
import EngineModel
import Foundation
import Histogram
import Logging
import Recorder
import Synchronization

/// `bench latency --scenario account`: an execution report appended to the exec journal (as the
/// gateway appends it) → the account processor thread folds it (book, ledger, recorder hand-off)
/// → the new snapshot visible to a reader of the `account` segment on another thread — the
/// product's own processor, writer and reader. The floor is a cross-thread atomic hand-off between
/// the same two threads in the same run. Also: the cost of one snapshot read (vs memcpy of the
/// same bytes), and the recorder's sustained fills/s into SQLite. Fails when a fill is not seen in
/// the snapshot or not stored.
enum AccountPath {
    static let name = "account"

    struct Result {
        var visible: Histogram<UInt64>
        var floor: Histogram<UInt64>
        var read: Histogram<UInt64>
        var memcpy: Histogram<UInt64>
        var readBytes: Int
        var fillsPerSecond: Double
        var stored: Int
        var samples: Int
    }

    static func measure(count: Int, instance: String) throws -> Result {
        let floor = handOffFloor(count: max(count, 1000))
        let btc = try Instrument(symbol: "BTCUSDT", venue: "sim", tickSize: "0.01", stepSize: "0.00001", minNotional: "5")
        let engine = try EngineInstance.create(
            InstanceConfig(instance: instance, instruments: [btc], mdSlots: 1024, execSlots: 1 << 17, execReserve: 1 << 12))
        defer { engine.shutdown(keepSegments: false) }
        engine.setState(.live)
        let directory = NSTemporaryDirectory() + "tickwire-bench-\(getpid())"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteRecorder(path: directory + "/account.sqlite")
        let recorder = RecorderWriter(store: store)
        var logger = Logger(label: "bench")
        logger.logLevel = .critical
        let settings = AccountProcessor.Settings(
            venue: "sim", market: .spot, quoteAsset: "USDT", instruments: [btc],
            assets: [SymbolAssets(baseAsset: "BTC", quoteAsset: "USDT", market: .spot)])
        let processor = try AccountProcessor(
            instance: engine, settings: settings, recorder: recorder, segment: AccountSegmentWriter(segment: engine.account),
            marks: { _ in nil }, consumption: nil, killSwitch: nil, logger: logger)
        processor.start()
        defer {
            processor.stop()
            recorder.stop()
        }
        let writer = try ExecJournalWriter(segment: engine.exec)
        let reader = try AccountSegmentReader(segment: engine.account)
        var visible = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
        var size: Int64 = 0
        let warmup = 50
        for i in 0..<(warmup + count) {
            let start = DispatchTime.now().uptimeNanoseconds
            writer.append(fillReport(i))
            size += 100
            // Wait for a snapshot showing this fill (the position grew by it).
            let deadline = start + 5_000_000_000
            var seen = false
            while DispatchTime.now().uptimeNanoseconds < deadline {
                if let view = try? reader.read(), view.positions.first?.size == size {
                    seen = true
                    break
                }
                // On a 2-core machine the processor and the recorder threads need the cores too.
                sched_yield()
            }
            guard seen else { throw ScenarioError(message: "fill \(i) not visible in the account snapshot within 5 s") }
            if i >= warmup { visible.record(DispatchTime.now().uptimeNanoseconds - start) }
        }
        var read = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
        var copy = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
        let bytes = 384 + 128  // the header and the one position the snapshot holds
        let source = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        let target = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        defer {
            source.deallocate()
            target.deallocate()
        }
        memset(source, 1, bytes)
        for _ in 0..<count {
            var t = DispatchTime.now().uptimeNanoseconds
            _ = try reader.read()
            read.record(DispatchTime.now().uptimeNanoseconds - t)
            t = DispatchTime.now().uptimeNanoseconds
            memcpy(target, source, bytes)
            copy.record(DispatchTime.now().uptimeNanoseconds - t)
        }
        try recorder.flush()
        // The recorder alone, sustained: fills through the writer's queue into SQLite, then flushed.
        let burst = 50_000
        let t0 = DispatchTime.now().uptimeNanoseconds
        for i in 0..<burst { recorder.submit(.fill(fill(1_000_000 + i))) }
        try recorder.flush()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        let stored = try store.fillKeys().count
        guard stored == warmup + count + burst else {
            throw ScenarioError(message: "the recorder stored \(stored) fills of \(warmup + count + burst)")
        }
        return Result(
            visible: visible, floor: floor, read: read, memcpy: copy, readBytes: bytes,
            fillsPerSecond: Double(burst) / seconds, stored: stored, samples: count)
    }

    /// A fill of 0.001 BTC, as the gateway journals one.
    static func fillReport(_ i: Int) -> ExecReport {
        var r = ExecReport(type: .fill, instrument: 0)
        r.clientOrderId = "b\(i)"
        r.side = .buy
        r.orderType = .limit
        r.tradeId = UInt64(i + 1)
        r.price = 6_500_000
        r.quantity = 100
        r.cumQuantity = 100
        r.fee = 65_000
        r.feeExponent = -8
        r.feeAsset = "USDT"
        r.venueNs = 1_700_000_000_000_000_000 + Int64(i)
        r.orderState = 5
        r.flags = 2
        return r
    }

    static func fill(_ i: Int) -> Fill {
        Fill(
            venue: "sim", tradeId: UInt64(i), market: .spot, symbol: "BTCUSDT", baseAsset: "BTC", quoteAsset: "USDT",
            side: .buy, price: Price(mantissa: 6_500_000, exponent: -2), quantity: Quantity(mantissa: 100, exponent: -5),
            fee: Amount(e8: 65_000), feeAsset: "USDT", liquidity: .taker, clientOrderId: "r\(i)", venueOrderId: UInt64(i),
            strategyId: 0, venueNs: 1_700_000_000_000_000_000 + Int64(i))
    }

    /// One-way hand-off between two threads through one atomic word (half a round trip).
    static func handOffFloor(count: Int) -> Histogram<UInt64> {
        let word = Atomic<Int>(0)
        var floor = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
        let done = DispatchSemaphore(value: 0)
        let echo = Thread {
            var expected = 1
            while expected <= count {
                if word.load(ordering: .acquiring) == expected {
                    word.store(-expected, ordering: .releasing)
                    expected += 1
                }
            }
            done.signal()
        }
        echo.start()
        for i in 1...count {
            let start = DispatchTime.now().uptimeNanoseconds
            word.store(i, ordering: .releasing)
            while word.load(ordering: .acquiring) != -i {}
            floor.record((DispatchTime.now().uptimeNanoseconds - start) / 2)
        }
        done.wait()
        return floor
    }

    static func report(_ r: Result, json: Bool) {
        let p50 = r.visible.valueAtPercentile(50), p99 = r.visible.valueAtPercentile(99)
        let f50 = r.floor.valueAtPercentile(50), f99 = r.floor.valueAtPercentile(99)
        let r50 = r.read.valueAtPercentile(50), m50 = r.memcpy.valueAtPercentile(50)
        if json {
            let rows: [[String: Any]] = [
                ["scenario": "thread-handoff", "p50": f50, "p99": f99, "unit": "ns", "floor": true],
                ["scenario": name, "p50": p50, "p99": p99, "p999": r.visible.valueAtPercentile(99.9), "unit": "ns",
                 "ratio_p50": f50 > 0 ? Double(p50) / Double(f50) : 0, "floor_scenario": "thread-handoff",
                 "samples": r.samples],
                ["scenario": "account-read", "p50": r50, "p99": r.read.valueAtPercentile(99), "unit": "ns",
                 "memcpy_p50": m50, "bytes": r.readBytes],
                ["scenario": "recorder-fills", "fills_per_s": r.fillsPerSecond, "unit": "fills/s", "stored": r.stored],
            ]
            for row in rows {
                let data = try! JSONSerialization.data(withJSONObject: row, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            }
        } else {
            print("account: fill appended to the exec journal -> account processor -> snapshot visible to a segment reader")
            print("  thread hand-off (floor, one way): p50 \(f50) ns  p99 \(f99) ns")
            print("  exec report -> snapshot visible:  p50 \(p50) ns  p99 \(p99) ns  p99.9 \(r.visible.valueAtPercentile(99.9)) ns"
                + "  (\(String(format: "%.1f", f50 > 0 ? Double(p50) / Double(f50) : 0))x the floor, \(r.samples) fills)")
            print("  snapshot read (header + 1 position): p50 \(r50) ns  p99 \(r.read.valueAtPercentile(99)) ns;"
                + " memcpy of \(r.readBytes) B p50 \(m50) ns")
            print("  recorder: \(String(format: "%.0f", r.fillsPerSecond)) fills/s sustained into SQLite (WAL), \(r.stored) stored once each")
        }
    }
}
