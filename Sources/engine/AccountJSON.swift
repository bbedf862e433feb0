import Account
import EngineKit
import Foundation

/// The stable JSON shapes of the account commands (`--json`): snake_case keys, decimals as strings
/// (never floats), times in ns since the epoch.
enum AccountJSON {
    static func balance(_ b: AccountBalanceView) -> [String: Any] {
        [
            "asset": b.asset, "total": e8(b.total), "available": e8(b.available), "in_orders": e8(b.hold),
            "source": sourceName(b.source), "updated_ns": b.updatedNs,
        ]
    }

    static func sourceName(_ source: AccountBalanceSource) -> String { source.description }

    static func position(_ p: AccountPositionView) -> [String: Any] {
        let usdm = p.market == .usdm
        return [
            "strategy_id": Int(p.strategyId), "symbol": p.symbol, "market": p.market.description,
            "side": p.size > 0 ? "long" : p.size < 0 ? "short" : "flat", "size": decimal(p.size, p.quantityExponent),
            "entry_price": p.size == 0 ? NSNull() : e8(p.entryPrice), "mark_price": p.markPrice.map(e8) ?? NSNull(),
            "unrealized_pnl": e8(p.unrealized), "realized_pnl": e8(p.realized), "fees_paid": e8(p.fees),
            "funding": e8(p.funding), "leverage": usdm && p.leverage > 0 ? Int(p.leverage) : NSNull(),
            "margin_used": usdm ? e8(p.marginUsed) : NSNull(),
            "liquidation_price": p.liquidationPrice.map(e8) ?? NSNull(), "updated_ns": p.updatedNs,
        ]
    }

    /// The account's PnL (`total`) and each strategy's (from its positions: realized, unrealized,
    /// fees, funding; win rate and drawdown are the account's).
    static func pnl(_ view: AccountView) -> [String: Any] {
        let t = view.totals
        let total: [String: Any] = [
            "realized_pnl": e8(t.realized), "unrealized_pnl": e8(t.unrealized), "total_pnl": e8(t.total),
            "daily_pnl": e8(t.daily), "fees_paid": e8(t.fees), "funding": e8(t.funding),
            "win_rate": t.winRateBps.map { Double($0) / 100 } ?? NSNull(), "max_drawdown": e8(t.maxDrawdown),
            "max_drawdown_percent": t.maxDrawdownBps.map { Double($0) / 100 } ?? NSNull(),
        ]
        var byStrategy: [UInt32: (realized: Int64, unrealized: Int64, fees: Int64, funding: Int64)] = [:]
        for p in view.positions {
            var s = byStrategy[p.strategyId] ?? (0, 0, 0, 0)
            s.realized += p.realized
            s.unrealized += p.unrealized
            s.fees += p.fees
            s.funding += p.funding
            byStrategy[p.strategyId] = s
        }
        let strategies = byStrategy.keys.sorted().map { id -> [String: Any] in
            let s = byStrategy[id]!
            return [
                "strategy_id": Int(id), "realized_pnl": e8(s.realized), "unrealized_pnl": e8(s.unrealized),
                "fees_paid": e8(s.fees), "funding": e8(s.funding),
                "total_pnl": e8(s.realized + s.unrealized - s.fees + s.funding),
            ]
        }
        return [
            "quote_asset": view.quoteAsset, "version": Int(view.version), "updated_ns": view.updatedNs, "total": total,
            "strategies": strategies,
        ]
    }

    static func fill(_ f: Fill) -> [String: Any] {
        [
            "trade_id": Int(f.tradeId), "client_order_id": f.clientOrderId, "venue_order_id": Int(f.venueOrderId),
            "symbol": f.symbol, "side": f.side.name, "price": f.price.description, "quantity": f.quantity.description,
            "fee": f.fee.description, "fee_asset": f.feeAsset, "liquidity": f.liquidity.rawValue, "venue_ns": f.venueNs,
            "venue": f.venue, "strategy_id": Int(f.strategyId), "market": f.market.rawValue,
        ]
    }

    static func order(_ o: AccountOrder) -> [String: Any] {
        [
            "client_order_id": o.clientOrderId, "venue_order_id": Int(o.venueOrderId), "symbol": o.symbol,
            "side": o.side.name, "type": o.type, "price": o.price?.description ?? NSNull(),
            "quantity": o.quantity.description, "filled_quantity": o.filledQuantity.description,
            "avg_price": o.averagePrice?.description ?? NSNull(), "state": o.status, "open": o.isOpen,
            "strategy_id": Int(o.strategyId), "updated_ns": o.lastUpdateNs,
        ]
    }

    static func alert(_ a: Alert) -> [String: Any] {
        [
            "id": a.id, "severity": a.severity.rawValue, "category": a.category.rawValue, "rule": a.rule,
            "message": a.message, "timestamp": a.timestamp, "acknowledged": a.acknowledged,
        ]
    }

    static func report(_ r: ReconciliationReport) -> [String: Any] {
        [
            "timestamp": r.timestamp, "positions_checked": r.positionsChecked, "balances_checked": r.balancesChecked,
            "orders_checked": r.ordersChecked, "trades_checked": r.tradesChecked, "missing_fills": r.missingFills,
            "mismatches_found": r.mismatchesFound, "exceeded_threshold": r.exceededThreshold,
            "duration_ms": Double(r.durationNs) / 1e6,
            "discrepancies": r.discrepancies.map { d in
                [
                    "kind": d.kind, "symbol": d.symbol, "local_size": d.localSize.description,
                    "exchange_size": d.exchangeSize.description, "difference": d.difference.description,
                    "difference_percent": Double(d.differenceBps) / 100, "detail": d.detail,
                ] as [String: Any]
            },
        ]
    }

    static func trialBalance(_ t: TrialBalance) -> [String: Any] {
        [
            "balanced": t.balanced,
            "rows": t.rows.map { r in
                [
                    "account": r.account, "asset": r.asset, "debits": r.debits.description,
                    "credits": r.credits.description, "balance": r.balance.description,
                ] as [String: Any]
            },
            "assets": t.assets.map { a in
                ["asset": a.asset, "debits": a.debits.description, "credits": a.credits.description] as [String: Any]
            },
        ]
    }
}
