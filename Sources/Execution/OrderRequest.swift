import EngineModel

/// A new-order command as the execution stage reads it, before it becomes an `OrderRecord`.
///
/// Mirrors `tw_command_t` (op NEW) with the instrument resolved: prices and quantities are at
/// the instrument's exponents (the validator checks this), `price` is nil for market orders.
public struct OrderRequest: Hashable, Sendable {
    /// The producer's client order id, or nil to have the engine generate one.
    public var clientOrderId: String?
    /// The instrument's index in the shared-memory instrument table.
    public var instrumentIndex: UInt32
    /// The instrument, with its exponents and filters.
    public var instrument: Instrument
    /// Buy or sell.
    public var side: Side
    /// Limit, market or limit-maker.
    public var type: OrderType
    /// Time in force.
    public var timeInForce: TimeInForce
    /// The limit price; nil for market orders.
    public var price: Price?
    /// The quantity of the base asset.
    public var quantity: Quantity
    /// The strategy that asked for the order (0: none).
    public var strategyId: UInt32
    /// The producer's command id (`tw_command_t.command_id`).
    public var commandId: UInt64
    /// The producer's lane token (0: the engine itself).
    public var producer: UInt64

    /// A request; ids default to "none".
    public init(
        clientOrderId: String? = nil, instrumentIndex: UInt32, instrument: Instrument, side: Side,
        type: OrderType, timeInForce: TimeInForce = .gtc, price: Price?, quantity: Quantity,
        strategyId: UInt32 = 0, commandId: UInt64 = 0, producer: UInt64 = 0
    ) {
        self.clientOrderId = clientOrderId
        self.instrumentIndex = instrumentIndex
        self.instrument = instrument
        self.side = side
        self.type = type
        self.timeInForce = timeInForce
        self.price = price
        self.quantity = quantity
        self.strategyId = strategyId
        self.commandId = commandId
        self.producer = producer
    }

    /// Whether `record` is this same order (instrument, side, type, time in force, price and
    /// quantity), so a repeated submit under its client order id is the same request, not a
    /// second order with a reused id.
    public func matches(_ record: OrderRecord) -> Bool {
        record.instrumentIndex == instrumentIndex && record.side == side && record.type == type
            && record.timeInForce == timeInForce && record.price == price && record.quantity == quantity
    }
}
