import CEngineShm
import EngineModel

/// What a command asks the engine to do; raw values are the ABI's `tw_cmd_op_t`.
public enum CommandOp: UInt8, Sendable, CaseIterable {
    /// Place a new order.
    case new = 1
    /// Cancel one order, by client order id or by venue order id (`targetId`).
    case cancel = 2
    /// Cancel every open order of the instrument.
    case cancelAll = 3
    /// Kill switch: halt (cancel every open order, refuse every new one); the reason in `clientOrderId`.
    case riskHalt = 4
    /// Kill switch: only orders that reduce a position pass.
    case riskReduce = 5
    /// Kill switch: back to active.
    case riskResume = 6

    /// A kill-switch command rather than an order command.
    public var isRisk: Bool { rawValue >= 4 }
}

/// An order command as it travels through a command lane (mantissas at the instrument's exponents).
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
    /// Empty: the engine names the order.
    public var clientOrderId: String
    /// The venue order id to cancel (0: cancel by `clientOrderId`).
    public var targetId: UInt64
    public var createdNs: Int64

    /// Creates a command.
    public init(
        op: CommandOp, commandId: UInt64 = 0, instrument: Int, side: Side = .buy, type: OrderType = .limit,
        timeInForce: TimeInForce = .gtc, price: Int64 = 0, quantity: Int64 = 0, strategyId: UInt32 = 0,
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

    /// The ABI record.
    var raw: tw_command_t {
        var c = tw_command_t()
        c.command_id = commandId
        c.created_ns = createdNs
        c.price = price
        c.quantity = quantity
        c.instrument = UInt32(clamping: instrument)
        c.op = op.rawValue
        c.side = side.rawValue
        c.order_type = type.rawValue
        c.tif = timeInForce.rawValue
        c.strategy_id = strategyId
        c.target_id = targetId
        setCString(&c.client_order_id, clientOrderId)
        return c
    }

    /// Decodes a record taken from a lane. Unknown op, side, type or time-in-force values and an
    /// unterminated client order id are refused with the reason, never defaulted.
    static func decode(_ c: tw_command_t, instrumentCount: Int) -> Result<OrderCommand, CommandDecodeError> {
        guard let op = CommandOp(rawValue: c.op) else { return .failure(.init("unknown op \(c.op)")) }
        guard Int(c.instrument) < instrumentCount else {
            return .failure(.init("instrument index \(c.instrument) out of range (\(instrumentCount) instruments)"))
        }
        let terminated = withUnsafeBytes(of: c.client_order_id) { $0.contains(0) }
        guard terminated else { return .failure(.init("client order id is not NUL-terminated")) }
        let clientId = cString(c.client_order_id)
        if op.isRisk {
            // The field carries the operator's reason: printable ASCII.
            guard clientId.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) else {
                return .failure(.init("risk reason has characters outside printable ASCII"))
            }
        } else if !clientId.utf8.allSatisfy({ isClientIdByte($0) }) {
            return .failure(.init("client order id has characters outside [A-Za-z0-9_-]"))
        }
        var side = Side.buy, type = OrderType.limit, tif = TimeInForce.gtc
        if op == .new {
            guard let s = Side(rawValue: c.side) else { return .failure(.init("unknown side \(c.side)")) }
            guard let t = OrderType(rawValue: c.order_type) else {
                return .failure(.init("unknown order type \(c.order_type)"))
            }
            guard let f = TimeInForce(rawValue: c.tif) else { return .failure(.init("unknown time in force \(c.tif)")) }
            (side, type, tif) = (s, t, f)
        } else if op == .cancel, clientId.isEmpty, c.target_id == 0 {
            return .failure(.init("cancel names no order (client order id or venue order id)"))
        }
        return .success(
            OrderCommand(
                op: op, commandId: c.command_id, instrument: Int(c.instrument), side: side, type: type,
                timeInForce: tif, price: c.price, quantity: c.quantity, strategyId: c.strategy_id,
                clientOrderId: clientId, targetId: c.target_id, createdNs: c.created_ns))
    }
}

/// Why a command taken from a lane could not be decoded.
public struct CommandDecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What was wrong, for the rejection's text.
    public let reason: String
    init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// Client order ids: Binance's charset (letters, digits, `-`, `_`).
func isClientIdByte(_ b: UInt8) -> Bool {
    (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x5F
}
