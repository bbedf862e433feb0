import CEngineShm
import EngineKit
import EngineModel
import Foundation
import Testing

@Suite struct CommandLaneTests {
    @Test func commandsRoundTripThroughALaneAndAFullLaneRefusesExplicitly() throws {
        let name = uniqueInstance("lane")
        let instance = try EngineInstance.create(
            InstanceConfig(instance: name, instruments: [try btc()], cmdLanes: 4, laneSlots: 8))
        defer { instance.shutdown(keepSegments: false) }
        instance.setState(.live)
        let producer = try CommandProducer(instance: name)
        let consumer = CommandConsumer(segment: instance.cmd, instrumentCount: 1)
        for i in 0..<8 {
            try producer.submit(
                OrderCommand(op: .new, instrument: 0, side: i % 2 == 0 ? .buy : .sell, price: 6_500_000 + Int64(i),
                             quantity: 100, clientOrderId: "tw-\(i)"))
        }
        #expect(throws: CommandSubmitError.full) {
            try producer.submit(OrderCommand(op: .cancelAll, instrument: 0))
        }
        #expect(consumer.counters.rejectedFull == 1)
        for i in 0..<8 {
            let incoming = try #require(consumer.next())
            #expect(incoming.producer == producer.token)
            #expect(incoming.commandId == UInt64(i + 1))
            let command = try incoming.command.get()
            #expect(command.clientOrderId == "tw-\(i)")
            #expect(command.price == 6_500_000 + Int64(i))
            #expect(command.side == (i % 2 == 0 ? .buy : .sell))
        }
        #expect(consumer.next() == nil)
        try producer.submit(OrderCommand(op: .cancel, instrument: 0, targetId: 7))
        #expect(try consumer.next()?.command.get().targetId == 7)
    }

    @Test func unknownEnumValuesAndABadInstrumentAreRefusedNeverDefaulted() throws {
        let name = uniqueInstance("lanebad")
        let instance = try EngineInstance.create(InstanceConfig(instance: name, instruments: [try btc()], cmdLanes: 2))
        defer { instance.shutdown(keepSegments: false) }
        instance.setState(.live)
        let consumer = CommandConsumer(segment: instance.cmd, instrumentCount: 1)
        var lane: UInt32 = 0
        var token: UInt64 = 0
        #expect(tw_cmd_lane_claim(instance.cmd.base, &lane, &token) == 0)
        func push(_ edit: (inout tw_command_t) -> Void) -> String? {
            var c = tw_command_t()
            c.op = 1
            c.side = 1
            c.order_type = 1
            c.tif = 1
            c.quantity = 1
            c.price = 1
            edit(&c)
            #expect(tw_cmd_lane_push(instance.cmd.base, lane, token, instance.generation, &c) == 0)
            guard case .failure(let error) = consumer.next()!.command else { return nil }
            return error.reason
        }
        #expect(push { $0.op = 9 }?.contains("unknown op 9") == true)
        #expect(push { $0.side = 0 }?.contains("unknown side 0") == true)
        #expect(push { $0.order_type = 7 }?.contains("unknown order type 7") == true)
        #expect(push { $0.tif = 4 }?.contains("unknown time in force 4") == true)
        #expect(push { $0.instrument = 1 }?.contains("out of range") == true)
        #expect(push { c in withUnsafeMutableBytes(of: &c.client_order_id) { for i in $0.indices { $0[i] = 0x41 } } }?
            .contains("NUL") == true)
        #expect(push { _ in } == nil)
    }

    @Test func aSubmitIntoAStoppedOrRestartedEngineFailsForTheCaller() throws {
        let name = uniqueInstance("lanestale")
        let first = try EngineInstance.create(InstanceConfig(instance: name, instruments: [try btc()]))
        first.setState(.live)
        let producer = try CommandProducer(instance: name)
        try producer.submit(OrderCommand(op: .cancelAll, instrument: 0))
        first.shutdown(keepSegments: true)
        #expect(throws: CommandSubmitError.stale) { try producer.submit(OrderCommand(op: .cancelAll, instrument: 0)) }
        let second = try EngineInstance.create(InstanceConfig(instance: name, instruments: [try btc()]))
        defer { second.shutdown(keepSegments: false) }
        second.setState(.live)
        // The old mapping is marked dead when the new segment replaces it: still refused.
        #expect(throws: CommandSubmitError.stale) { try producer.submit(OrderCommand(op: .cancelAll, instrument: 0)) }
        let consumer = CommandConsumer(segment: second.cmd, instrumentCount: 1)
        #expect(consumer.next() == nil)
    }

    @Test func everyLaneOwnedByALiveProducerRefusesTheNextClaim() throws {
        let name = uniqueInstance("lanefull")
        let instance = try EngineInstance.create(InstanceConfig(instance: name, instruments: [try btc()], cmdLanes: 2))
        defer { instance.shutdown(keepSegments: false) }
        instance.setState(.live)
        let a = try CommandProducer(instance: name)
        let b = try CommandProducer(instance: name)
        #expect(a.lane != b.lane)
        #expect(throws: (any Error).self) { _ = try CommandProducer(instance: name) }
        #expect(CommandConsumer(segment: instance.cmd, instrumentCount: 1).counters.rejectedNoLane == 1)
        _ = (a, b)
    }

    @Test func theExecJournalIsReadLikeARingAndNeverOverwritesWhatTheEngineHasNotConsumed() throws {
        let name = uniqueInstance("journal")
        let instance = try EngineInstance.create(
            InstanceConfig(instance: name, instruments: [try btc()], execSlots: 16, execReserve: 4))
        defer { instance.shutdown(keepSegments: false) }
        let writer = try ExecJournalWriter(segment: instance.exec)
        let reader = try ExecJournalReader(segment: try Segment.attach(instance: name, kind: .exec))
        var report = ExecReport(type: .fill, instrument: 0)
        report.clientOrderId = "abc"
        report.tradeId = 42
        report.price = 6_400_000
        report.quantity = 100
        report.side = .sell
        report.flags = UInt8(TW_EXEC_FLAG_MAKER)
        for i in 0..<12 {
            report.commandId = UInt64(i + 1)
            #expect(writer.admit())
            #expect(writer.append(report) == UInt64(i + 1))
        }
        #expect(!writer.admit(), "4 free slots left: at the reserve, new orders are refused")
        for i in 12..<16 {
            report.commandId = UInt64(i + 1)
            #expect(writer.append(report) == UInt64(i + 1))
        }
        #expect(writer.append(report) == nil, "full up to consumed: nothing overwritten")
        #expect(reader.counters.overflowed == 1)
        #expect(reader.counters.refusedFull == 1)
        guard case .record(let first) = reader.poll(), case .report(let got) = first.body else {
            Issue.record("no record")
            return
        }
        #expect(first.seq == 1)
        #expect(got.type == .fill && got.clientOrderId == "abc" && got.tradeId == 42 && got.isMaker && got.side == .sell)
        #expect(got.publishNs > 0)
        instance.exec.setExecConsumed(8)
        #expect(writer.admit())
        #expect(writer.append(report) == 17)
    }
}
