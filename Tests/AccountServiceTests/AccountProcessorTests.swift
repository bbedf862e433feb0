import Account
import AccountService
import EngineKit
import EngineModel
import Foundation
import Logging
import Recorder
import Testing
import Trading

/// A private segment directory for this test process.
let accountShmDir: String = {
    var template = Array((NSTemporaryDirectory() + "tickwire-account-XXXXXX").utf8CString)
    let dir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    setenv("TICKWIRE_SHM_DIR", dir, 0)
    return String(cString: getenv("TICKWIRE_SHM_DIR"))
}()

func btcusdt() throws -> Instrument {
    try Instrument(symbol: "BTCUSDT", venue: "sim", tickSize: "0.01", stepSize: "0.00001", minNotional: "5")
}

/// An instance whose journal the test writes as a gateway would, and a processor over it with a
/// real SQLite recorder and the account segment.
final class AccountRig {
    let instance: EngineInstance
    let writer: ExecJournalWriter
    let store: SQLiteRecorder
    let recorder: RecorderWriter
    let processor: AccountProcessor
    let killSwitch = KillSwitch()
    let consumption: JournalConsumption
    let path: String

    init(tag: String, recorderPath: String? = nil, previous: PreviousJournal? = nil) throws {
        _ = accountShmDir
        instance = try EngineInstance.create(
            InstanceConfig(instance: "ac\(getpid() % 100000)-\(tag)", instruments: [try btcusdt()]))
        instance.setState(.live)
        writer = try ExecJournalWriter(segment: instance.exec)
        path = recorderPath ?? (accountShmDir + "/\(tag)-\(UInt32.random(in: 0...UInt32.max)).sqlite")
        store = try SQLiteRecorder(path: path)
        recorder = RecorderWriter(store: store)
        consumption = JournalConsumption(segment: instance.exec, consumers: 1)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        var settings = AccountProcessor.Settings(
            venue: "sim", market: .spot, quoteAsset: "USDT", instruments: instance.config.instruments,
            assets: [SymbolAssets(baseAsset: "BTC", quoteAsset: "USDT", market: .spot)])
        settings.flushIntervalNs = 1_000_000
        processor = try AccountProcessor(
            instance: instance, settings: settings, recorder: recorder,
            segment: AccountSegmentWriter(segment: instance.account),
            marks: { _ in Price(mantissa: 6_500_000, exponent: -2) }, consumption: (consumption, 0),
            killSwitch: killSwitch, logger: logger)
        _ = try processor.restore(from: store, previous: previous)
        processor.start()
    }

    func stop(keepSegments: Bool = false) {
        processor.stop()
        recorder.stop()
        instance.shutdown(keepSegments: keepSegments)
    }

    /// An order accepted and acknowledged.
    func place(_ id: String, side: Side, price: Int64, quantity: Int64, venueOrderId: UInt64) {
        var accepted = ExecReport(type: .accepted, instrument: 0)
        accepted.clientOrderId = id
        accepted.side = side
        accepted.orderType = .limit
        accepted.timeInForce = .gtc
        accepted.price = price
        accepted.quantity = quantity
        accepted.flags = 1
        writer.append(accepted)
        var ack = accepted
        ack.type = .ack
        ack.flags = 0
        ack.venueOrderId = venueOrderId
        ack.orderState = 3
        writer.append(ack)
    }

    /// One fill of an order, with its fee, as the user-data stream reports it.
    func fill(
        _ id: String, side: Side, tradeId: UInt64, price: Int64, quantity: Int64, cum: Int64, total: Int64,
        venueOrderId: UInt64, fee: Int64 = 0, feeAsset: String = "USDT"
    ) {
        var r = ExecReport(type: cum == total ? .fill : .partialFill, instrument: 0)
        r.clientOrderId = id
        r.side = side
        r.orderType = .limit
        r.tradeId = tradeId
        r.price = price
        r.quantity = quantity
        r.cumQuantity = cum
        r.venueOrderId = venueOrderId
        r.fee = fee
        r.feeExponent = -8
        r.feeAsset = feeAsset
        r.venueNs = 1_700_000_000_000_000_000 + Int64(tradeId)
        r.orderState = cum == total ? 5 : 4
        r.flags = 2
        writer.append(r)
    }

    /// Waits until the snapshot satisfies `condition`.
    func eventually(_ condition: (AccountSnapshot) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if condition(processor.store.snapshot) { return true }
            usleep(1000)
        }
        return false
    }
}
