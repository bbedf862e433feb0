import CEngineShm
import EngineKit
import EngineModel
import Execution
import Foundation
import Testing
import Trading

/// The kill switch moved by risk commands through the same lanes as orders, and consulted by the
/// risk gate before every other rule.
@Suite(.serialized) struct KillSwitchTests {
    /// An intake whose checks are a real RiskGate sharing `killSwitch`, with a position of +0.002 BTC.
    static func rig(_ killSwitch: KillSwitch, tag: String) throws -> (EngineInstance, CommandProducer, OrderIntake, ExecJournalReader) {
        _ = tradingShmDir
        let instance = try EngineInstance.create(
            InstanceConfig(instance: "ks\(getpid() % 100000)-\(tag)", instruments: [try btcusdt()]))
        instance.setState(.live)
        let gate = RiskGate(
            settings: ExecutionSettings(maxOrdersPerSecond: 1000), clock: { tw_realtime_ns() }, killSwitch: killSwitch,
            position: { _ in 200 })
        let intake = OrderIntake(
            instance: instance, route: ObservationRoute(writer: try ExecJournalWriter(segment: instance.exec)),
            check: { c, i, mid, board in gate.check(c, instrument: i, mid: mid, board: board) },
            mid: { _ in Price(mantissa: 6_500_000, exponent: -2) }, idPrefix: "k", killSwitch: killSwitch)
        return (instance, try CommandProducer(instance: instance.config.instance), intake,
            try ExecJournalReader(segment: instance.exec, fromOldest: true))
    }

    static func answers(_ intake: OrderIntake, _ journal: ExecJournalReader, board: inout OrderBoard) -> [ExecReport] {
        while intake.step(board: board) {}
        var out: [ExecReport] = []
        while case .record(let record) = journal.poll() {
            board.apply(record)
            if case .report(let r) = record.body, r.type == .accepted || r.type == .rejected { out.append(r) }
        }
        return out
    }

    @Test func haltRefusesEveryOrderReduceOnlyReducingOnesResumeAll() throws {
        let killSwitch = KillSwitch()
        let (instance, producer, intake, journal) = try Self.rig(killSwitch, tag: "hrr")
        defer { instance.shutdown(keepSegments: false) }
        var board = OrderBoard(instruments: instance.config.instruments)
        func order(_ side: Side, _ quantity: Int64) throws -> ExecReport? {
            try producer.submit(OrderCommand(op: .new, instrument: 0, side: side, price: 6_500_000, quantity: quantity))
            return Self.answers(intake, journal, board: &board).first  // observation: accepted, then not sent
        }
        try producer.submit(OrderCommand(op: .riskHalt, instrument: 0, clientOrderId: "drawdown check"))
        let halted = Self.answers(intake, journal, board: &board)
        #expect(halted.last?.type == .accepted && halted.last?.text == "kill switch halted: drawdown check")
        #expect(killSwitch.current.state == .halted && killSwitch.current.reason == "drawdown check")
        let refused = try #require(try order(.sell, 100))
        #expect(refused.type == .rejected && refused.code == Int32(RejectCode.halted.rawValue), "\(refused.text)")

        try producer.submit(OrderCommand(op: .riskReduce, instrument: 0))
        _ = Self.answers(intake, journal, board: &board)
        #expect(killSwitch.current.state == .reducing)
        #expect(try order(.buy, 100)?.type == .rejected, "a buy adds to a long")
        #expect(try order(.sell, 300)?.type == .rejected, "selling more than the long would open a short")
        #expect(try order(.sell, 100)?.type == .accepted, "a sell within the long reduces it")

        try producer.submit(OrderCommand(op: .riskResume, instrument: 0))
        _ = Self.answers(intake, journal, board: &board)
        #expect(killSwitch.current.state == .active)
        #expect(try order(.buy, 100)?.type == .accepted)
    }

    @Test func aRiskReasonOutsidePrintableASCIIIsMalformed() throws {
        let (instance, producer, intake, journal) = try Self.rig(KillSwitch(), tag: "bad")
        defer { instance.shutdown(keepSegments: false) }
        var board = OrderBoard(instruments: instance.config.instruments)
        var raw = tw_command_t()
        raw.op = 4
        raw.command_id = 9
        withUnsafeMutableBytes(of: &raw.client_order_id) { $0[0] = 0x07 }
        #expect(tw_cmd_lane_push(instance.cmd.base, producer.lane, producer.token, instance.generation, &raw) == 0)
        let r = try #require(Self.answers(intake, journal, board: &board).first)
        #expect(r.type == .rejected && r.code == Int32(RejectCode.malformed.rawValue) && r.text.contains("printable"))
    }
}
