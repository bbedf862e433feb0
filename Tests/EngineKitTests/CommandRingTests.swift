import EngineKit
import EngineModel
import Foundation
import Testing

@Suite struct CommandRingTests {
    @Test func commandsRoundTripAndAFullRingRejectsExplicitly() throws {
        let name = uniqueInstance("cmd")
        let instance = try EngineInstance.create(InstanceConfig(instance: name, instruments: [try btc()], cmdSlots: 8))
        defer { instance.shutdown(keepSegments: false) }
        let producer = try CommandRing(instance: name)
        let consumer = CommandRing(segment: instance.cmd)
        #expect(producer.capacity == 8)
        for i in 0..<8 {
            try producer.submit(
                OrderCommand(op: .new, commandId: UInt64(i), instrument: 0, side: i % 2 == 0 ? .buy : .sell,
                             price: 6_500_000 + Int64(i), quantity: 100, clientOrderId: "tw-\(i)"))
        }
        #expect(throws: CommandRingError.full) {
            try producer.submit(OrderCommand(op: .cancelAll, commandId: 99, instrument: 0, side: .buy, price: 0, quantity: 0))
        }
        #expect(producer.rejectedFull == 1)
        for i in 0..<8 {
            let command = try #require(consumer.next())
            #expect(command.commandId == UInt64(i))
            #expect(command.clientOrderId == "tw-\(i)")
            #expect(command.price == 6_500_000 + Int64(i))
            #expect(command.side == (i % 2 == 0 ? .buy : .sell))
        }
        #expect(consumer.next() == nil)
        #expect(producer.positions == (tail: 8, head: 8))
        try producer.submit(OrderCommand(op: .cancel, commandId: 100, instrument: 0, side: .buy, price: 0, quantity: 0, targetId: 7))
        #expect(consumer.next()?.targetId == 7)
    }

    @Test func anOverlongClientOrderIdIsRejectedBeforeQueuing() throws {
        let name = uniqueInstance("cmdid")
        let instance = try EngineInstance.create(InstanceConfig(instance: name, instruments: [try btc()]))
        defer { instance.shutdown(keepSegments: false) }
        let ring = try CommandRing(instance: name)
        let id = String(repeating: "x", count: 40)
        #expect(throws: CommandRingError.clientOrderIdTooLong(40)) {
            try ring.submit(OrderCommand(op: .new, commandId: 1, instrument: 0, side: .buy, price: 1, quantity: 1, clientOrderId: id))
        }
        #expect(ring.positions.tail == 0)
    }
}
