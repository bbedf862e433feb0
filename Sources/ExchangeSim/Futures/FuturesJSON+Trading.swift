import EngineModel
import Matching

/// Binance's USD-M order, trade, account, balance and position answers. Quantities and order
/// prices are written at the contract's precision, money (PnL, margin, balances, mark and
/// entry prices) with 8 decimals.
extension FuturesJSON {
    /// An order (`POST/GET/DELETE /fapi/v1/order`, `openOrders`); `time` only on queries.
    static func order(_ order: VenueOrder, _ tag: FuturesOrderTag, withTime: Bool = false) -> JSONValue {
        let type: JSONValue = .string(order.type == .market ? "MARKET" : "LIMIT")
        var members: [(String, JSONValue)] = [
            ("orderId", .int(order.orderId)), ("symbol", .string(order.symbol)),
            ("status", .string(order.status.rawValue)), ("clientOrderId", .string(order.clientOrderId)),
            ("price", .string(order.price.description)), ("avgPrice", .string(SimVenue.averagePrice(order))),
            ("origQty", .string(order.origQty.description)), ("executedQty", .string(order.executedQty.description)),
            ("cumQty", .string(order.executedQty.description)),
            ("cumQuote", .string(order.cumulativeQuoteQty.description)),
            ("timeInForce", .string(SimVenue.timeInForce(order, tag))), ("type", type),
            ("reduceOnly", .bool(tag.reduceOnly)), ("closePosition", .bool(false)),
            ("side", .string(order.side == .buy ? "BUY" : "SELL")), ("positionSide", .string("BOTH")),
            ("stopPrice", .string("0")), ("workingType", .string("CONTRACT_PRICE")), ("priceProtect", .bool(false)),
            ("origType", type), ("priceMatch", .string("NONE")), ("selfTradePreventionMode", .string("NONE")),
            ("goodTillDate", .int(0)),
        ]
        if withTime { members.append(("time", .int(order.time))) }
        members.append(("updateTime", .int(order.updateTime)))
        return .object(members)
    }

    /// One fill (`GET /fapi/v1/userTrades`).
    static func trade(_ trade: FuturesTrade) -> JSONValue {
        .object([
            ("buyer", .bool(trade.side == .buy)), ("commission", .string(FuturesMath.text(trade.commission))),
            ("commissionAsset", .string("USDT")), ("id", .int(trade.tradeId)), ("maker", .bool(trade.isMaker)),
            ("orderId", .int(trade.orderId)), ("price", .string(trade.price.description)),
            ("qty", .string(trade.quantity.description)), ("quoteQty", .string(FuturesMath.text(trade.quoteQuantity))),
            ("realizedPnl", .string(FuturesMath.text(trade.realizedPnl))),
            ("side", .string(trade.side == .buy ? "BUY" : "SELL")), ("positionSide", .string("BOTH")),
            ("symbol", .string(trade.symbol)), ("time", .int(trade.time)),
        ])
    }

    /// A money amount.
    private static func money(_ value: Int64) -> JSONValue { .string(FuturesMath.text(value)) }

    /// `GET /fapi/v2/account` (and v3): totals, the USDT asset and every contract's position.
    static func account(_ risk: FuturesAccountRisk, now: Int64) -> JSONValue {
        let initial = risk.positionMargin + risk.orderMargin
        let free = money(max(0, risk.available))
        let asset: JSONValue = .object([
            ("asset", .string("USDT")), ("walletBalance", money(risk.wallet)),
            ("unrealizedProfit", money(risk.unrealized)), ("marginBalance", money(risk.marginBalance)),
            ("maintMargin", money(risk.maintMargin)), ("initialMargin", money(initial)),
            ("positionInitialMargin", money(risk.positionMargin)),
            ("openOrderInitialMargin", money(risk.orderMargin)), ("crossWalletBalance", money(risk.wallet)),
            ("crossUnPnl", money(risk.unrealized)), ("availableBalance", money(risk.available)),
            ("maxWithdrawAmount", free), ("marginAvailable", .bool(true)), ("updateTime", .int(now)),
        ])
        let positions: [JSONValue] = risk.positions.map { position in
            .object([
                ("symbol", .string(position.symbol)),
                ("initialMargin", money(position.positionMargin + position.orderMargin)),
                ("maintMargin", money(position.maintMargin)), ("unrealizedProfit", money(position.unrealized)),
                ("positionInitialMargin", money(position.positionMargin)),
                ("openOrderInitialMargin", money(position.orderMargin)),
                ("leverage", .string(String(position.leverage))), ("isolated", .bool(false)),
                ("entryPrice", money(position.entryPrice)), ("breakEvenPrice", money(position.entryPrice)),
                ("maxNotional", .string("1000000")), ("bidNotional", money(position.bidNotional)),
                ("askNotional", money(position.askNotional)), ("positionSide", .string("BOTH")),
                ("positionAmt", .string(FuturesUserJSON.amount(position))), ("notional", money(position.notional)),
                ("updateTime", .int(position.position.updateTime)),
            ])
        }
        return .object([
            ("feeTier", .int(0)), ("feeBurn", .bool(false)), ("canTrade", .bool(true)), ("canDeposit", .bool(true)),
            ("canWithdraw", .bool(true)), ("updateTime", .int(0)), ("multiAssetsMargin", .bool(false)),
            ("tradeGroupId", .int(-1)), ("totalInitialMargin", money(initial)),
            ("totalMaintMargin", money(risk.maintMargin)), ("totalWalletBalance", money(risk.wallet)),
            ("totalUnrealizedProfit", money(risk.unrealized)), ("totalMarginBalance", money(risk.marginBalance)),
            ("totalPositionInitialMargin", money(risk.positionMargin)),
            ("totalOpenOrderInitialMargin", money(risk.orderMargin)), ("totalCrossWalletBalance", money(risk.wallet)),
            ("totalCrossUnPnl", money(risk.unrealized)), ("availableBalance", money(risk.available)),
            ("maxWithdrawAmount", free), ("assets", .array([asset])), ("positions", .array(positions)),
        ])
    }

    /// `GET /fapi/v2/balance` (and v3).
    static func balance(_ risk: FuturesAccountRisk, accountAlias: String, now: Int64) -> JSONValue {
        .array([
            .object([
                ("accountAlias", .string(accountAlias)), ("asset", .string("USDT")), ("balance", money(risk.wallet)),
                ("crossWalletBalance", money(risk.wallet)), ("crossUnPnl", money(risk.unrealized)),
                ("availableBalance", money(risk.available)), ("maxWithdrawAmount", money(max(0, risk.available))),
                ("marginAvailable", .bool(true)), ("updateTime", .int(now)),
            ])
        ])
    }

    /// One entry of `GET /fapi/v2/positionRisk` (and v3).
    static func positionRisk(_ position: FuturesPositionRisk, maintenanceRate: Int64) -> JSONValue {
        .object([
            ("symbol", .string(position.symbol)), ("positionSide", .string("BOTH")),
            ("positionAmt", .string(FuturesUserJSON.amount(position))), ("entryPrice", money(position.entryPrice)),
            ("breakEvenPrice", money(position.entryPrice)), ("markPrice", money(position.markPrice)),
            ("unRealizedProfit", money(position.unrealized)), ("liquidationPrice", .string("0")),
            ("leverage", .string(String(position.leverage))), ("maxNotionalValue", .string("1000000")),
            ("marginType", .string("cross")), ("isolatedMargin", money(0)), ("isAutoAddMargin", .string("false")),
            ("notional", money(position.notional)), ("marginAsset", .string("USDT")), ("isolatedWallet", money(0)),
            ("initialMargin", money(position.positionMargin + position.orderMargin)),
            ("maintMargin", money(position.maintMargin)), ("positionInitialMargin", money(position.positionMargin)),
            ("openOrderInitialMargin", money(position.orderMargin)), ("adl", .int(0)),
            ("bidNotional", money(position.bidNotional)), ("askNotional", money(position.askNotional)),
            ("updateTime", .int(position.position.updateTime)),
        ])
    }
}
