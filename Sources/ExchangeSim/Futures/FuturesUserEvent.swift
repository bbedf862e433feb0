import EngineModel
import Matching

/// An event of a futures account's listen-key stream.
enum FuturesUserEvent: Sendable {
    /// `ORDER_TRADE_UPDATE`.
    case order(FuturesOrderUpdate)
    /// `ACCOUNT_UPDATE`.
    case account(FuturesAccountUpdate)

    /// The account it belongs to.
    var account: AccountID {
        switch self {
        case .order(let update): update.account
        case .account(let update): update.account
        }
    }

    /// Whether it reports an execution (what `dup-exec` duplicates).
    var isOrderUpdate: Bool {
        if case .order = self { return true }
        return false
    }
}

/// What happened to an order (`ORDER_TRADE_UPDATE`'s `o`); prices are decimal text at their
/// own precision, money at 8 decimals.
struct FuturesOrderUpdate: Sendable {
    let account: AccountID
    let symbol: String
    /// `c`: the client order id ("autoclose-…" for a liquidation).
    let clientOrderId: String
    let side: Side
    /// `o`/`ot`: LIMIT, MARKET or LIQUIDATION.
    let type: String
    /// `f`: GTC, IOC, FOK or GTX.
    let timeInForce: String
    let origQty: Quantity
    let price: String
    let averagePrice: String
    /// `x`: NEW, TRADE, CANCELED, EXPIRED or CALCULATED (a liquidation fill).
    let executionType: String
    /// `X`.
    let status: String
    let orderId: Int64
    let lastQty: Quantity
    let cumulativeQty: Quantity
    let lastPrice: String
    /// `n` (money), in USDT.
    let commission: Int64
    let time: Int64
    /// `t`: the trade id, 0 when not a fill.
    let tradeId: Int64
    /// `b`/`a`: the account's open buy and sell notional on the symbol after the event (money).
    let bidNotional: Int64
    let askNotional: Int64
    let isMaker: Bool
    let reduceOnly: Bool
    /// `rp`: realized PnL of this fill (money).
    let realizedPnl: Int64
}

/// A balance and position change (`ACCOUNT_UPDATE`'s `a`).
struct FuturesAccountUpdate: Sendable {
    let account: AccountID
    /// `m`: ORDER, FUNDING_FEE, …
    let reason: String
    let time: Int64
    /// `wb`/`cw` (money).
    let wallet: Int64
    /// `bc`: the balance change other than PnL and commission (funding) (money).
    let balanceChange: Int64
    /// `P`: the positions the event changed.
    let positions: [FuturesPositionRisk]
}

/// The payloads of Binance's USD-M user data stream, with Binance's field names and order.
enum FuturesUserJSON {
    /// The JSON of an event.
    static func event(_ event: FuturesUserEvent) -> JSONValue {
        switch event {
        case .order(let update): orderTradeUpdate(update)
        case .account(let update): accountUpdate(update)
        }
    }

    /// `ORDER_TRADE_UPDATE`.
    static func orderTradeUpdate(_ update: FuturesOrderUpdate) -> JSONValue {
        let side = update.side == .buy ? "BUY" : "SELL"
        let order: [(String, JSONValue)] = [
            ("s", .string(update.symbol)), ("c", .string(update.clientOrderId)), ("S", .string(side)),
            ("o", .string(update.type)), ("f", .string(update.timeInForce)),
            ("q", .string(update.origQty.description)), ("p", .string(update.price)),
            ("ap", .string(update.averagePrice)), ("sp", .string("0")), ("x", .string(update.executionType)),
            ("X", .string(update.status)), ("i", .int(update.orderId)),
            ("l", .string(update.lastQty.description)), ("z", .string(update.cumulativeQty.description)),
            ("L", .string(update.lastPrice)), ("N", .string("USDT")),
            ("n", .string(FuturesMath.text(update.commission))), ("T", .int(update.time)), ("t", .int(update.tradeId)),
            ("b", .string(FuturesMath.text(update.bidNotional))),
            ("a", .string(FuturesMath.text(update.askNotional))), ("m", .bool(update.isMaker)),
            ("R", .bool(update.reduceOnly)), ("wt", .string("CONTRACT_PRICE")), ("ot", .string(update.type)),
            ("ps", .string("BOTH")), ("cp", .bool(false)), ("rp", .string(FuturesMath.text(update.realizedPnl))),
            ("pP", .bool(false)), ("si", .int(0)), ("ss", .int(0)), ("V", .string("NONE")), ("pm", .string("NONE")),
            ("gtd", .int(0)),
        ]
        return .object([
            ("e", .string("ORDER_TRADE_UPDATE")), ("E", .int(update.time)), ("T", .int(update.time)),
            ("o", .object(order)),
        ])
    }

    /// `ACCOUNT_UPDATE`.
    static func accountUpdate(_ update: FuturesAccountUpdate) -> JSONValue {
        let balance: JSONValue = .object([
            ("a", .string("USDT")), ("wb", .string(FuturesMath.text(update.wallet))),
            ("cw", .string(FuturesMath.text(update.wallet))), ("bc", .string(FuturesMath.text(update.balanceChange))),
        ])
        return .object([
            ("e", .string("ACCOUNT_UPDATE")), ("E", .int(update.time)), ("T", .int(update.time)),
            ("a", .object([
                ("m", .string(update.reason)), ("B", .array([balance])),
                ("P", .array(update.positions.map(position))),
            ])),
        ])
    }

    /// One `P` entry.
    static func position(_ risk: FuturesPositionRisk) -> JSONValue {
        .object([
            ("s", .string(risk.symbol)), ("pa", .string(amount(risk))),
            ("ep", .string(FuturesMath.text(risk.entryPrice))), ("bep", .string(FuturesMath.text(risk.entryPrice))),
            ("cr", .string(FuturesMath.text(risk.position.realized))),
            ("up", .string(FuturesMath.text(risk.unrealized))), ("mt", .string("cross")), ("iw", .string("0")),
            ("ps", .string("BOTH")),
        ])
    }

    /// A position amount at the contract's precision, signed ("-0.100").
    static func amount(_ risk: FuturesPositionRisk, exponent: Int8? = nil) -> String {
        Price(mantissa: risk.position.amount, exponent: exponent ?? risk.quantityExponent).description
    }

    /// `listenKeyExpired`.
    static func listenKeyExpired(_ key: String, time: Int64) -> JSONValue {
        .object([("e", .string("listenKeyExpired")), ("E", .int(time)), ("listenKey", .string(key))])
    }
}
