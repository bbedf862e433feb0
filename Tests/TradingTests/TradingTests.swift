import CEngineShm
import EngineKit
import EngineModel
import Execution
import Foundation
import Testing
import Trading

/// A private segment directory for this test process.
let tradingShmDir: String = {
    var template = Array((NSTemporaryDirectory() + "tickwire-trading-XXXXXX").utf8CString)
    let dir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    setenv("TICKWIRE_SHM_DIR", dir, 0)
    return String(cString: getenv("TICKWIRE_SHM_DIR"))
}()

func btcusdt() throws -> Instrument {
    try Instrument(symbol: "BTCUSDT", venue: "sim", tickSize: "0.01", stepSize: "0.00001", minNotional: "5")
}

/// An instance, a producer, an intake over the observation route and a board, all in-process.
struct Rig {
    let instance: EngineInstance
    let producer: CommandProducer
    let intake: OrderIntake
    let journal: ExecJournalReader
    var board: OrderBoard

    init(tag: String, mid: Price? = Price(mantissa: 6_500_000, exponent: -2)) throws {
        _ = tradingShmDir
        instance = try EngineInstance.create(
            InstanceConfig(instance: "tr\(getpid() % 100000)-\(tag)", instruments: [try btcusdt()]))
        instance.setState(.live)
        producer = try CommandProducer(instance: instance.config.instance)
        let route = ObservationRoute(writer: try ExecJournalWriter(segment: instance.exec))
        intake = OrderIntake(
            instance: instance, route: route,
            check: { c, _, mid, _ in
                guard let mid else { return OrderRejection(.noMarket) }
                return abs(c.price - mid.mantissa) * 10 > mid.mantissa ? OrderRejection(.priceBand) : nil
            }, mid: { _ in mid }, idPrefix: "t")
        journal = try ExecJournalReader(segment: instance.exec, fromOldest: true)
        board = OrderBoard(instruments: instance.config.instruments)
    }

    /// Runs every waiting command and folds what they journaled.
    mutating func pump() -> [ExecReport] {
        while intake.step(board: board) {}
        var reports: [ExecReport] = []
        while case .record(let record) = journal.poll() {
            board.apply(record)
            if case .report(let r) = record.body { reports.append(r) }
        }
        return reports
    }
}

@Suite(.serialized) struct TradingTests {
    @Test func everyCommandIsAnsweredAndObservationModeSendsNothing() throws {
        var rig = try Rig(tag: "obs")
        defer { rig.instance.shutdown(keepSegments: false) }
        let id = try rig.producer.submit(
            OrderCommand(op: .new, instrument: 0, side: .buy, price: 6_400_000, quantity: 100, clientOrderId: "obs-1"))
        let reports = rig.pump()
        let answer = try #require(reports.first)
        #expect(answer.type == .accepted && answer.commandId == id && answer.producer == rig.producer.token)
        #expect(reports.last?.type == .rejected && reports.last?.code == Int32(RejectCode.mode.rawValue))
        #expect(rig.board.order(clientOrderId: "obs-1")?.state == .rejected)
    }

    @Test func riskRejectionsCarryTheirCodeAndNameAnEngineMadeId() throws {
        var rig = try Rig(tag: "band")
        defer { rig.instance.shutdown(keepSegments: false) }
        try rig.producer.submit(OrderCommand(op: .new, instrument: 0, side: .sell, price: 9_000_000, quantity: 100))
        let reports = rig.pump()
        #expect(reports.count == 1)
        let r = try #require(reports.first)
        #expect(r.type == .rejected && r.code == Int32(RejectCode.priceBand.rawValue) && r.isLocal)
        #expect(r.clientOrderId == "t1")
        #expect(rig.board.order(clientOrderId: "t1")?.lastReason?.code == Int32(RejectCode.priceBand.rawValue))
        let counters = tw_stats_counters(rig.instance.stats.base)!
        #expect(counters[Int(TW_CTR_CMD_REJECTED.rawValue)] == 1)
        #expect(counters[Int(TW_CTR_REJECT_BASE.rawValue) + Int(RejectCode.priceBand.rawValue)] == 1)
    }

    @Test func noLiveBookRefusesWithNoMarket() throws {
        var rig = try Rig(tag: "nomkt", mid: nil)
        defer { rig.instance.shutdown(keepSegments: false) }
        try rig.producer.submit(OrderCommand(op: .new, instrument: 0, side: .buy, price: 6_400_000, quantity: 100))
        #expect(rig.pump().first?.code == Int32(RejectCode.noMarket.rawValue))
    }

    @Test func aMalformedCommandIsRejectedWithTheDecodeReason() throws {
        var rig = try Rig(tag: "bad")
        defer { rig.instance.shutdown(keepSegments: false) }
        var raw = tw_command_t()
        raw.op = 1
        raw.side = 3
        raw.order_type = 1
        raw.tif = 1
        raw.command_id = 77
        #expect(tw_cmd_lane_push(rig.instance.cmd.base, rig.producer.lane, rig.producer.token, rig.instance.generation, &raw) == 0)
        let r = try #require(rig.pump().first)
        #expect(r.type == .rejected && r.code == Int32(RejectCode.malformed.rawValue) && r.commandId == 77)
        #expect(r.text.contains("unknown side 3"))
    }

    @Test func aRepeatedSubmitAnswersWithTheExistingOrderAndAConflictingOneIsADuplicate() throws {
        var rig = try Rig(tag: "idem")
        defer { rig.instance.shutdown(keepSegments: false) }
        let order = OrderCommand(op: .new, instrument: 0, side: .buy, price: 6_400_000, quantity: 100, clientOrderId: "same")
        try rig.producer.submit(order)
        _ = rig.pump()
        try rig.producer.submit(order)
        let again = rig.pump()
        #expect(again.count == 1 && again[0].type == .accepted && again[0].text.contains("existing order"))
        var other = order
        other.quantity = 200
        try rig.producer.submit(other)
        let conflict = rig.pump()
        #expect(conflict.first?.code == Int32(RejectCode.duplicate.rawValue))
        #expect(rig.board.orders.count == 1)
    }

    @Test func theBoardFoldsFillsOnceAndIsIdempotentPerRecord() throws {
        let instrument = try btcusdt()
        var board = OrderBoard(instruments: [instrument])
        var seq: UInt64 = 0
        func record(_ r: ExecReport) -> ExecRecord {
            seq += 1
            return ExecRecord(seq: seq, body: .report(r))
        }
        var accepted = ExecReport(type: .accepted, instrument: 0)
        accepted.clientOrderId = "f1"
        accepted.side = .buy
        accepted.orderType = .limit
        accepted.timeInForce = .gtc
        accepted.price = 6_400_000
        accepted.quantity = 100
        board.apply(record(accepted))
        var ack = accepted
        ack.type = .ack
        ack.venueOrderId = 9
        board.apply(record(ack))
        var fill = ack
        fill.type = .partialFill
        fill.tradeId = 1
        fill.quantity = 40
        fill.cumQuantity = 40
        let first = record(fill)
        board.apply(first)
        board.apply(first)  // the same record again: skipped by sequence
        board.apply(record(fill))  // the same trade again under a new sequence: the duplicate guard
        #expect(board.order(clientOrderId: "f1")?.filledQuantity.mantissa == 40)
        #expect(board.issues["duplicate_fill"] == 1)
        fill.type = .fill
        fill.tradeId = 2
        fill.quantity = 60
        fill.cumQuantity = 100
        board.apply(record(fill))
        let order = try #require(board.order(venueOrderId: 9))
        #expect(order.state == .filled && order.filledQuantity.mantissa == 100)
        #expect(order.averagePrice == Price(mantissa: 6_400_000, exponent: -2))
    }

    @Test func credentialsFileMustBe0600AndNeverShowTheSecret() throws {
        let path = NSTemporaryDirectory() + "creds-\(getpid()).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(#"{"api_key": "KEY123456", "api_secret": "TOPSECRET"}"#.utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o644)
        #expect(throws: Credentials.LoadError.tooOpen(path: path, mode: 0o644)) { try Credentials.fromFile(path) }
        chmod(path, 0o600)
        let credentials = try Credentials.fromFile(path)
        #expect(credentials.apiSecret == "TOPSECRET")
        #expect(!"\(credentials)".contains("TOPSECRET"))
        #expect(throws: Credentials.LoadError.self) {
            try Credentials.fromEnvironment(["TICKWIRE_API_KEY": "k"])
        }
        #expect(try Credentials.fromEnvironment([:]) == nil)
    }
}

@Suite struct RiskGateTests {
    final class Clock: @unchecked Sendable {
        var now: Int64 = 1_000_000_000_000
    }

    func rejection(_ code: Int32) -> ExecRecord {
        var r = ExecReport(type: .rejected, instrument: 0)
        r.code = code
        r.clientOrderId = "x"
        return ExecRecord(seq: 1, body: .report(r))
    }

    @Test func theVenuesOrderRateRefusalBacksTheGateOffThenItRecovers() throws {
        let clock = Clock()
        let gate = RiskGate(settings: ExecutionSettings(maxOrdersPerSecond: 1000), clock: { clock.now }, backoffNs: 2_000_000_000)
        let instrument = try btcusdt()
        let board = OrderBoard(instruments: [instrument])
        let mid = Price(mantissa: 6_500_000, exponent: -2)
        let order = OrderCommand(op: .new, instrument: 0, side: .buy, price: 6_400_000, quantity: 100)
        #expect(gate.check(order, instrument: instrument, mid: mid, board: board) == nil)
        gate.observe(rejection(-1015))
        #expect(gate.check(order, instrument: instrument, mid: mid, board: board)?.code == .rate)
        clock.now += 2_100_000_000
        #expect(gate.check(order, instrument: instrument, mid: mid, board: board) == nil)
    }

    @Test func fiveVenueFailuresOpenTheBreakerAndAnAckAfterTheTimeoutClosesIt() throws {
        let clock = Clock()
        let gate = RiskGate(settings: ExecutionSettings(maxOrdersPerSecond: 1000), clock: { clock.now })
        let instrument = try btcusdt()
        let board = OrderBoard(instruments: [instrument])
        let mid = Price(mantissa: 6_500_000, exponent: -2)
        let order = OrderCommand(op: .new, instrument: 0, side: .buy, price: 6_400_000, quantity: 100)
        for _ in 0..<5 { gate.observe(rejection(-1007)) }
        #expect(gate.check(order, instrument: instrument, mid: mid, board: board)?.code == .breaker)
        #expect(gate.breakerState == "open")
        clock.now += 31_000_000_000
        #expect(gate.check(order, instrument: instrument, mid: mid, board: board) == nil, "half-open: one probe")
        var ack = ExecReport(type: .ack, instrument: 0)
        ack.clientOrderId = "x"
        gate.observe(ExecRecord(seq: 2, body: .report(ack)))
        #expect(gate.breakerState == "closed")
    }
}
