import Account
import EngineModel

/// The JSON shapes of account state the control plane (and the CLI's `--json`) serve: snake_case
/// keys, decimals as strings, times in ns since the epoch.
public enum AccountShapes {
    public static func balance(_ b: BalanceEntry) -> JSONValue {
        [
            "asset": .string(b.asset), "total": .string(b.total.description),
            "available": .string(b.available.description), "in_orders": .string(b.hold.description),
            "source": .string(b.source.rawValue), "updated_ns": .int(b.updatedNs),
        ]
    }

    public static func position(_ p: PositionEntry) -> JSONValue {
        [
            "strategy_id": .int(Int64(p.key.strategyId)), "symbol": .string(p.key.symbol),
            "market": .string(p.market.rawValue),
            "side": .string(p.side), "size": .string(p.size.description),
            "entry_price": p.entryPrice.map { .string($0.description) } ?? .null,
            "mark_price": p.markPrice.map { .string($0.description) } ?? .null,
            "unrealized_pnl": .string(p.unrealizedPnl.description), "realized_pnl": .string(p.realizedPnl.description),
            "fees_paid": .string(p.feesPaid.description), "funding": .string(p.funding.description),
            "leverage": p.leverage.map { .int(Int64($0)) } ?? .null,
            "margin_used": p.marginUsed.map { .string($0.description) } ?? .null,
            "liquidation_price": p.liquidationPrice.map { .string($0.description) } ?? .null,
            "updated_ns": .int(p.updatedNs),
        ]
    }

    public static func pnl(_ s: PnLSummary) -> JSONValue {
        [
            "realized_pnl": .string(s.realizedPnl.description), "unrealized_pnl": .string(s.unrealizedPnl.description),
            "total_pnl": .string(s.totalPnl.description), "daily_pnl": .string(s.dailyPnl.description),
            "fees_paid": .string(s.feesPaid.description), "funding": .string(s.funding.description),
            "win_rate": s.winRateBps.map { .double(Double($0) / 100) } ?? .null,
            "max_drawdown": .string(s.maxDrawdown.description),
            "max_drawdown_percent": s.maxDrawdownBps.map { .double(Double($0) / 100) } ?? .null,
            "closing_trades": .int(Int64(s.closingTrades)), "winning_trades": .int(Int64(s.winningTrades)),
        ]
    }

    public static func fill(_ f: Fill) -> JSONValue {
        [
            "trade_id": .int(Int64(f.tradeId)), "client_order_id": .string(f.clientOrderId),
            "venue_order_id": .int(Int64(f.venueOrderId)), "symbol": .string(f.symbol), "side": .string(f.side.name),
            "price": .string(f.price.description), "quantity": .string(f.quantity.description),
            "fee": .string(f.fee.description), "fee_asset": .string(f.feeAsset),
            "liquidity": .string(f.liquidity.rawValue),
            "venue_ns": .int(f.venueNs), "venue": .string(f.venue), "strategy_id": .int(Int64(f.strategyId)),
            "market": .string(f.market.rawValue),
        ]
    }

    public static func order(_ o: AccountOrder) -> JSONValue {
        [
            "client_order_id": .string(o.clientOrderId), "venue_order_id": .int(Int64(o.venueOrderId)),
            "symbol": .string(o.symbol), "side": .string(o.side.name), "type": .string(o.type),
            "price": o.price.map { .string($0.description) } ?? .null, "quantity": .string(o.quantity.description),
            "filled_quantity": .string(o.filledQuantity.description),
            "avg_price": o.averagePrice.map { .string($0.description) } ?? .null, "state": .string(o.status),
            "open": .bool(o.isOpen), "strategy_id": .int(Int64(o.strategyId)), "updated_ns": .int(o.lastUpdateNs),
        ]
    }

    public static func alert(_ a: Alert) -> JSONValue {
        [
            "id": .string(a.id), "severity": .string(a.severity.rawValue), "category": .string(a.category.rawValue),
            "rule": .string(a.rule), "message": .string(a.message), "timestamp": .int(a.timestamp),
            "acknowledged": .bool(a.acknowledged),
        ]
    }

    /// The whole account (GET /api/account/snapshot, the stream's first message).
    public static func snapshot(_ s: AccountSnapshot) -> JSONValue {
        [
            "version": .int(Int64(s.version)), "updated_ns": .int(s.updatedNs),
            "balances": .array(s.balances.keys.sorted().map { balance(s.balances[$0]!) }),
            "positions": .array(s.positions.keys.sorted().map { position(s.positions[$0]!) }),
            "orders": .array(s.orders.values.sorted { $0.lastUpdateNs < $1.lastUpdateNs }.map(order)),
            "pnl": pnl(s.pnl),
        ]
    }

    /// One change as the account stream sends it.
    public static func change(_ c: AccountChange) -> JSONValue {
        switch c {
        case .balance(let b): balance(b)
        case .position(let p): position(p)
        case .venuePosition(let p):
            [
                "symbol": .string(p.symbol), "size": .string(p.size.description), "source": "venue",
                "entry_price": .string(p.entryPrice.description),
            ]
        case .order(let o), .orderClosed(let o): order(o)
        case .fill(let f): fill(f)
        case .pnl(let s): pnl(s)
        case .heartbeat(let ns): ["ts_ns": .int(ns)]
        }
    }
}
