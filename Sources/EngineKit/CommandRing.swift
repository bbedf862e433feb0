import CEngineShm
import EngineModel

/// Why a command was not queued.
public enum CommandRingError: Error, Equatable, CustomStringConvertible {
    /// The ring is full: the command was rejected, nothing was written.
    case full
    /// The client order id does not fit (at most 39 bytes).
    case clientOrderIdTooLong(Int)

    public var description: String {
        switch self {
        case .full: "command ring full: command rejected"
        case .clientOrderIdTooLong(let n): "client order id of \(n) bytes; at most 39 fit"
        }
    }
}

/// What a command asks the gateway to do; raw values are the ABI's `tw_cmd_op_t`.
public enum CommandOp: UInt16, Sendable {
    case new = 1, cancel = 2, cancelAll = 3
}

/// An order command as it travels through the cmd ring (mantissas at the instrument's exponents).
public struct OrderCommand: Equatable, Sendable {
    public var op: CommandOp
    public var commandId: UInt64
    public var instrument: Int
    public var side: Side
    public var type: OrderType
    public var timeInForce: TimeInForce
    public var price: Int64
    public var quantity: Int64
    public var strategyId: UInt32
    public var clientOrderId: String
    public var targetId: UInt64
    public var createdNs: Int64

    /// Creates a command.
    public init(
        op: CommandOp, commandId: UInt64, instrument: Int, side: Side, type: OrderType = .limit,
        timeInForce: TimeInForce = .gtc, price: Int64, quantity: Int64, strategyId: UInt32 = 0,
        clientOrderId: String = "", targetId: UInt64 = 0, createdNs: Int64 = tw_realtime_ns()
    ) {
        self.op = op
        self.commandId = commandId
        self.instrument = instrument
        self.side = side
        self.type = type
        self.timeInForce = timeInForce
        self.price = price
        self.quantity = quantity
        self.strategyId = strategyId
        self.clientOrderId = clientOrderId
        self.targetId = targetId
        self.createdNs = createdNs
    }
}

/// A producer or the consumer of an instance's command ring (mapped read-write).
public final class CommandRing: @unchecked Sendable {
    /// The mapped segment.
    public let segment: Segment

    /// Attaches read-write (the caller needs write permission on the segment).
    public init(instance: String) throws(ShmError) {
        segment = try Segment.attach(instance: instance, kind: .cmd, writable: true)
    }

    /// Uses a segment the engine already holds.
    public init(segment: Segment) { self.segment = segment }

    /// Queues a command; a full ring is an explicit rejection. The corresponding C function is `tw_cmd_push`.
    public func submit(_ command: OrderCommand) throws(CommandRingError) {
        let idBytes = command.clientOrderId.utf8.count
        guard idBytes < Int(TW_CLIENT_ID_MAX) else { throw .clientOrderIdTooLong(idBytes) }
        var c = tw_command_t()
        c.command_id = command.commandId
        c.created_ns = command.createdNs
        c.price = command.price
        c.quantity = command.quantity
        c.instrument = UInt32(command.instrument)
        c.op = UInt8(command.op.rawValue)
        c.side = command.side.rawValue
        c.order_type = command.type.rawValue
        c.tif = command.timeInForce.rawValue
        c.strategy_id = command.strategyId
        c.target_id = command.targetId
        setCString(&c.client_order_id, command.clientOrderId)
        guard tw_cmd_push(segment.base, command.op.rawValue, &c) == 0 else { throw .full }
    }

    /// Takes the next command (consumer only). The corresponding C function is `tw_cmd_pop`.
    public func next() -> OrderCommand? {
        var header = tw_slot_header_t()
        var c = tw_command_t()
        guard tw_cmd_pop(segment.base, &header, &c) == 1 else { return nil }
        return OrderCommand(
            op: CommandOp(rawValue: UInt16(c.op)) ?? .new, commandId: c.command_id, instrument: Int(c.instrument),
            side: Side(rawValue: c.side) ?? .buy, type: OrderType(rawValue: c.order_type) ?? .limit,
            timeInForce: TimeInForce(rawValue: c.tif) ?? .gtc, price: c.price, quantity: c.quantity,
            strategyId: c.strategy_id, clientOrderId: cString(c.client_order_id), targetId: c.target_id,
            createdNs: c.created_ns)
    }

    /// Commands rejected because the ring was full, over the ring's life.
    public var rejectedFull: UInt64 {
        let ring = tw_cmd_ring_of(segment.base)!
        let word = UnsafeRawPointer(ring).advanced(by: MemoryLayout<tw_cmd_ring_header_t>.offset(of: \.rejected_full)!)
        return tw_load_u64(word.assumingMemoryBound(to: UInt64.self))
    }

    /// Positions: next to claim (tail) and next to consume (head).
    public var positions: (tail: UInt64, head: UInt64) {
        let ring = UnsafeRawPointer(tw_cmd_ring_of(segment.base)!)
        let tail = ring.advanced(by: MemoryLayout<tw_cmd_ring_header_t>.offset(of: \.tail)!)
        let head = ring.advanced(by: MemoryLayout<tw_cmd_ring_header_t>.offset(of: \.head)!)
        return (tw_load_u64(tail.assumingMemoryBound(to: UInt64.self)), tw_load_u64(head.assumingMemoryBound(to: UInt64.self)))
    }

    /// Slots in the ring.
    public var capacity: Int { Int(tw_cmd_ring_of(segment.base)!.pointee.slot_count) }
}
