import EngineModel
import Matching

/// The payloads of Binance's spot user data stream (user-data-stream.md): `executionReport`,
/// `outboundAccountPosition` and `balanceUpdate`, with Binance's field names and order.
/// Prices and quantities are decimal strings with eight decimals, as the REST answers.
enum UserDataJSON {
    /// The payload of a user-stream event; nil for public events.
    static func event(_ event: VenueEvent) -> JSONValue? {
        switch event {
        case .execution(let report): executionReport(report)
        case .accountPosition(let position): accountPosition(position)
        case .balanceUpdate(let update): balanceUpdate(update)
        case .trade, .depth, .bookTicker: nil
        }
    }

    /// `executionReport`. `W` appears once the order has been on the book; `v` and the other
    /// self-trade-prevention fields never do (the simulator's only STP mode is NONE).
    static func executionReport(_ report: ExecutionReport) -> JSONValue {
        let order = report.order
        let zero: JSONValue = .string("0.00000000")
        let isTrade = report.executionType == .trade
        var members: [(String, JSONValue)] = [
            ("e", .string("executionReport")), ("E", .int(report.transactTime)), ("s", .string(order.symbol)),
            ("c", .string(report.clientOrderId)), ("S", .string(order.side.name.uppercased())),
            ("o", .string(order.type.name.uppercased())), ("f", .string(order.timeInForce.name.uppercased())),
            ("q", SpotJSON.decimal(order.origQty)), ("p", SpotJSON.decimal(order.price)), ("P", zero), ("F", zero),
            ("g", .int(-1)), ("C", .string(report.originalClientOrderId ?? "")),
            ("x", .string(report.executionType.rawValue)), ("X", .string(order.status.rawValue)),
            ("r", .string("NONE")), ("i", .int(order.orderId)), ("l", SpotJSON.decimal(report.lastQty)),
            ("z", SpotJSON.decimal(order.executedQty)), ("L", SpotJSON.decimal(report.lastPrice)),
            ("n", isTrade ? SpotJSON.decimal(report.commission) : .string("0")),
            ("N", isTrade ? report.commissionAsset.map(JSONValue.string) ?? .null : .null),
            ("T", .int(report.transactTime)), ("t", .int(report.tradeId)), ("I", .int(report.executionId)),
            ("w", .bool(order.isWorking)), ("m", .bool(report.isMaker)), ("M", .bool(false)),
            ("O", .int(order.time)), ("Z", SpotJSON.decimal(order.cumulativeQuoteQty)),
            ("Y", SpotJSON.decimal(report.lastQuoteQty)), ("Q", SpotJSON.decimal(order.origQuoteOrderQty)),
        ]
        if let working = order.workingTime { members.append(("W", .int(working))) }
        members.append(("V", .string("NONE")))
        return .object(members)
    }

    /// `outboundAccountPosition`: the balances the call may have changed.
    static func accountPosition(_ position: AccountPosition) -> JSONValue {
        .object([
            ("e", .string("outboundAccountPosition")), ("E", .int(position.updateTime)),
            ("u", .int(position.updateTime)),
            ("B", .array(position.balances.map { balance in
                .object([
                    ("a", .string(balance.asset)), ("f", SpotJSON.decimal(balance.free)),
                    ("l", SpotJSON.decimal(balance.locked)),
                ])
            })),
        ])
    }

    /// `balanceUpdate`: a deposit or withdrawal.
    static func balanceUpdate(_ update: BalanceUpdate) -> JSONValue {
        .object([
            ("e", .string("balanceUpdate")), ("E", .int(update.time)), ("a", .string(update.asset)),
            ("d", SpotJSON.decimal(update.delta)), ("T", .int(update.time)),
        ])
    }
}
