import Account
import EngineKit
import EngineModel
import Execution

/// The account snapshot as the `account` segment shows it to other processes.
enum AccountViews {
    static func view(of s: AccountSnapshot, quoteAsset: String) -> AccountView {
        var totals = AccountTotalsView(
            realized: s.pnl.realizedPnl.e8, unrealized: s.pnl.unrealizedPnl.e8, total: s.pnl.totalPnl.e8,
            daily: s.pnl.dailyPnl.e8, fees: s.pnl.feesPaid.e8, funding: s.pnl.funding.e8, maxDrawdown: s.pnl.maxDrawdown.e8)
        totals.winRateBps = s.pnl.winRateBps.map { Int32(clamping: $0) }
        totals.maxDrawdownBps = s.pnl.maxDrawdownBps.map { Int32(clamping: $0) }
        let balances = s.balances.values.sorted { $0.asset < $1.asset }.map { b in
            AccountBalanceView(
                asset: b.asset, total: b.total.e8, available: b.available.e8, hold: b.hold.e8, updatedNs: b.updatedNs,
                source: source(b.source))
        }
        let positions = s.positions.values.sorted { $0.key < $1.key }.map { p in
            AccountPositionView(
                strategyId: p.key.strategyId, symbol: p.key.symbol, market: p.market == .usdm ? .usdm : .spot,
                size: p.size.mantissa, quantityExponent: p.size.exponent, entryPrice: p.entryPrice?.e8 ?? 0,
                markPrice: p.markPrice?.e8, unrealized: p.unrealizedPnl.e8, realized: p.realizedPnl.e8,
                fees: p.feesPaid.e8, funding: p.funding.e8, marginUsed: p.marginUsed?.e8 ?? 0,
                liquidationPrice: p.liquidationPrice?.e8, leverage: Int32(clamping: p.leverage ?? 0),
                updatedNs: p.updatedNs)
        }
        // Open orders first, then the most recent closed ones.
        let orders = s.orders.values.sorted {
            ($0.isOpen ? 0 : 1, -$0.lastUpdateNs, $0.clientOrderId) < ($1.isOpen ? 0 : 1, -$1.lastUpdateNs, $1.clientOrderId)
        }.map { o in
            AccountOrderView(
                clientOrderId: o.clientOrderId, venueOrderId: o.venueOrderId, symbol: o.symbol, side: o.side,
                orderType: OrderType(name: o.type), state: OrderState(rawValue: o.status.uppercased())?.abiValue ?? 0,
                isOpen: o.isOpen, strategyId: o.strategyId, price: o.price?.mantissa ?? 0, quantity: o.quantity.mantissa,
                filled: o.filledQuantity.mantissa, priceExponent: o.price?.exponent ?? 0,
                quantityExponent: o.quantity.exponent, averagePrice: o.averagePrice?.e8 ?? 0,
                lastUpdateNs: o.lastUpdateNs, lastEventSeq: o.lastEventSeq)
        }
        return AccountView(
            version: s.version, updatedNs: s.updatedNs, journalSeq: s.journalSeq, quoteAsset: quoteAsset,
            totals: totals, balances: balances, positions: positions, orders: orders)
    }

    private static func source(_ source: BalanceSource) -> AccountBalanceSource {
        switch source {
        case .stream: .stream
        case .reconciliation: .reconciliation
        case .local: .local
        }
    }
}
