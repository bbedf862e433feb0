import CEngineShm
import EngineModel

// Conversions between the account views and the ABI's structs (abi.h, ABI 2.1). Strings longer than
// their field are cut and NUL-terminated; unknown values (`nil` marks, win rate) use the ABI's markers.

extension AccountBalanceView {
    init(_ c: tw_account_balance_t) {
        self.init(
            asset: cString(c.asset), total: c.total, available: c.available, hold: c.hold, updatedNs: c.updated_ns,
            source: AccountBalanceSource(rawValue: c.source) ?? .unknown)
    }

    var abi: tw_account_balance_t {
        var c = tw_account_balance_t()
        setCString(&c.asset, asset)
        c.total = total
        c.available = available
        c.hold = hold
        c.updated_ns = updatedNs
        c.source = source.rawValue
        return c
    }
}

extension AccountPositionView {
    init(_ c: tw_account_position_t) {
        let noMark = c.flags & UInt16(TW_POSITION_FLAG_NO_MARK) != 0
        let noLiquidation = c.flags & UInt16(TW_POSITION_FLAG_NO_LIQUIDATION) != 0
        self.init(
            strategyId: c.strategy_id, symbol: cString(c.symbol), market: AccountMarket(rawValue: c.market) ?? .unknown,
            size: c.size, quantityExponent: c.qty_exponent, entryPrice: c.entry_price,
            markPrice: noMark ? nil : c.mark_price, unrealized: c.unrealized, realized: c.realized, fees: c.fees,
            funding: c.funding, marginUsed: c.margin_used, liquidationPrice: noLiquidation ? nil : c.liquidation_price,
            leverage: c.leverage, updatedNs: c.updated_ns)
    }

    var abi: tw_account_position_t {
        var c = tw_account_position_t()
        setCString(&c.symbol, symbol)
        c.strategy_id = strategyId
        c.market = market.rawValue
        c.qty_exponent = quantityExponent
        c.flags =
            (markPrice == nil ? UInt16(TW_POSITION_FLAG_NO_MARK) : 0)
            | (liquidationPrice == nil ? UInt16(TW_POSITION_FLAG_NO_LIQUIDATION) : 0)
        c.size = size
        c.entry_price = entryPrice
        c.mark_price = markPrice ?? 0
        c.unrealized = unrealized
        c.realized = realized
        c.fees = fees
        c.funding = funding
        c.margin_used = marginUsed
        c.liquidation_price = liquidationPrice ?? 0
        c.leverage = leverage
        c.updated_ns = updatedNs
        return c
    }
}

extension AccountOrderView {
    init(_ c: tw_account_order_t) {
        self.init(
            clientOrderId: cString(c.client_order_id), venueOrderId: c.venue_order_id, symbol: cString(c.symbol),
            side: Side(rawValue: c.side), orderType: OrderType(rawValue: c.order_type), state: c.state,
            isOpen: c.is_open != 0, strategyId: c.strategy_id, price: c.price, quantity: c.quantity, filled: c.filled,
            priceExponent: c.price_exponent, quantityExponent: c.qty_exponent, averagePrice: c.average_price,
            lastUpdateNs: c.last_update_ns, lastEventSeq: c.last_event_seq)
    }

    var abi: tw_account_order_t {
        var c = tw_account_order_t()
        setCString(&c.client_order_id, clientOrderId)
        setCString(&c.symbol, symbol)
        c.venue_order_id = venueOrderId
        c.price = price
        c.quantity = quantity
        c.filled = filled
        c.average_price = averagePrice
        c.last_update_ns = lastUpdateNs
        c.last_event_seq = lastEventSeq
        c.strategy_id = strategyId
        c.side = side?.rawValue ?? 0
        c.order_type = orderType?.rawValue ?? 0
        c.state = state
        c.is_open = isOpen ? 1 : 0
        c.price_exponent = priceExponent
        c.qty_exponent = quantityExponent
        return c
    }
}

extension AccountView {
    /// The view of a header copied by `tw_account_read`, with the entries copied beside it.
    init(
        header h: tw_account_header_t, balances: [AccountBalanceView], positions: [AccountPositionView],
        orders: [AccountOrderView]
    ) {
        let totals = AccountTotalsView(
            realized: h.realized, unrealized: h.unrealized, total: h.total, daily: h.daily, fees: h.fees,
            funding: h.funding, maxDrawdown: h.max_drawdown, winRateBps: h.win_rate_bps < 0 ? nil : h.win_rate_bps,
            maxDrawdownBps: h.max_drawdown_bps < 0 ? nil : h.max_drawdown_bps)
        self.init(
            version: h.version, updatedNs: h.updated_ns, journalSeq: h.journal_seq, quoteAsset: cString(h.quote_asset),
            totals: totals, balances: balances, positions: positions, orders: orders,
            truncated: h.flags & UInt32(TW_ACCOUNT_FLAG_TRUNCATED) != 0)
        // A state this build does not know reads as halted: the cautious reading.
        risk = AccountRiskView(
            state: AccountRiskView.State(rawValue: h.risk_state) ?? .halted, sinceNs: h.risk_since_ns,
            reason: cString(h.risk_reason))
    }

    /// The snapshot fields of the ABI header (counts, seq and geometry are the writer's business).
    var abiHeader: tw_account_header_t {
        var h = tw_account_header_t()
        h.version = version
        h.updated_ns = updatedNs
        h.journal_seq = journalSeq
        setCString(&h.quote_asset, quoteAsset)
        h.realized = totals.realized
        h.unrealized = totals.unrealized
        h.total = totals.total
        h.daily = totals.daily
        h.fees = totals.fees
        h.funding = totals.funding
        h.max_drawdown = totals.maxDrawdown
        h.win_rate_bps = totals.winRateBps.map { max($0, 0) } ?? -1
        h.max_drawdown_bps = totals.maxDrawdownBps.map { max($0, 0) } ?? -1
        h.risk_state = risk.state.rawValue
        h.risk_since_ns = risk.sinceNs
        setCString(&h.risk_reason, risk.reason)
        return h
    }
}
