/// Why the engine itself refused a command (`tw_reject_code_t`).
///
/// Raw values are the abi.h constants and must never change: they are written to the exec
/// journal's `code` field (with `TW_EXEC_FLAG_LOCAL`) and index the rejection counters
/// (`TW_CTR_REJECT_BASE + code`). Venue rejections carry the venue's own (negative) code instead;
/// see `OrderReason`.
public enum RejectCode: UInt8, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    /// Unknown op, side, type or tif; bad instrument index; bad id; quantity or price ≤ 0.
    /// `TW_REJ_MALFORMED`.
    case malformed = 1
    /// The price is not a multiple of the tick size. `TW_REJ_TICK`.
    case tick = 2
    /// The quantity is not a multiple of the step size. `TW_REJ_LOT`.
    case lot = 3
    /// The quantity is below the instrument's minimum. `TW_REJ_MIN_QTY`.
    case minQuantity = 4
    /// The quantity is above the instrument's maximum. `TW_REJ_MAX_QTY`.
    case maxQuantity = 5
    /// Price × quantity is below the minimum notional. `TW_REJ_NOTIONAL`.
    case notional = 6
    /// The price is too far from the live mid. `TW_REJ_PRICE_BAND`.
    case priceBand = 7
    /// The order would take the position past its limit. `TW_REJ_POSITION`.
    case position = 8
    /// Not enough available balance. `TW_REJ_BALANCE`.
    case balance = 9
    /// The order rate limit (local or the venue's) is reached. `TW_REJ_RATE`.
    case rate = 10
    /// The circuit breaker is open. `TW_REJ_BREAKER`.
    case breaker = 11
    /// Trading is halted (kill switch, authentication failure). `TW_REJ_HALTED`.
    case halted = 12
    /// The exec journal is nearly full. `TW_REJ_JOURNAL_FULL`.
    case journalFull = 13
    /// The client order id is already used by another order. `TW_REJ_DUPLICATE`.
    case duplicate = 14
    /// A cancel of an order the engine does not know. `TW_REJ_UNKNOWN_ORDER`.
    case unknownOrder = 15
    /// No live book to check the price against. `TW_REJ_NO_MARKET`.
    case noMarket = 16
    /// The gateway's queue is full or it is not connected. `TW_REJ_GATEWAY`.
    case gateway = 17
    /// Observation mode: validated, not sent. `TW_REJ_MODE`.
    case mode = 18

    /// The code as the exec journal's `int32_t code` field holds it.
    public var journalCode: Int32 { Int32(rawValue) }

    /// The code of a journal `code` value; nil for venue codes (≤ 0) and unknown values.
    public init?(journalCode: Int32) {
        guard let byte = UInt8(exactly: journalCode), let code = RejectCode(rawValue: byte) else { return nil }
        self = code
    }

    /// A stable snake_case name for metrics labels and APIs ("min_qty", "price_band").
    public var name: String {
        switch self {
        case .malformed: "malformed"
        case .tick: "tick"
        case .lot: "lot"
        case .minQuantity: "min_qty"
        case .maxQuantity: "max_qty"
        case .notional: "notional"
        case .priceBand: "price_band"
        case .position: "position"
        case .balance: "balance"
        case .rate: "rate"
        case .breaker: "breaker"
        case .halted: "halted"
        case .journalFull: "journal_full"
        case .duplicate: "duplicate"
        case .unknownOrder: "unknown_order"
        case .noMarket: "no_market"
        case .gateway: "gateway"
        case .mode: "mode"
        }
    }

    /// The code by its snake_case name; nil when unknown.
    public init?(name: String) {
        guard let code = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = code
    }

    /// A short human sentence saying what the rule is, for when no more specific text exists.
    public var reason: String {
        switch self {
        case .malformed: "malformed order: bad side, type, time in force, instrument, id, price or quantity"
        case .tick: "price is not a multiple of the tick size"
        case .lot: "quantity is not a multiple of the step size"
        case .minQuantity: "quantity is below the minimum quantity"
        case .maxQuantity: "quantity is above the maximum quantity"
        case .notional: "price x quantity is below the minimum notional"
        case .priceBand: "price is too far from the market mid"
        case .position: "order would exceed the position limit"
        case .balance: "not enough available balance"
        case .rate: "order rate limit reached"
        case .breaker: "circuit breaker is open"
        case .halted: "trading is halted"
        case .journalFull: "exec journal is nearly full"
        case .duplicate: "client order id is already used by another order"
        case .unknownOrder: "unknown order"
        case .noMarket: "no live market to check the price against"
        case .gateway: "order gateway is not available"
        case .mode: "observation mode: order validated, not sent"
        }
    }

    /// The snake_case name.
    public var description: String { name }
}
