import Account
import EngineModel
import Foundation
import PostgresNIO
import Recorder

// One statement per item, pipelined inside the batch's transaction. Idempotence lives in the SQL as
// in the SQLite store: ON CONFLICT DO NOTHING on the fills' and postings' unique keys, an upsert
// guarded by the journal sequence for orders and GREATEST() for journal marks, so replaying a
// journal after a crash stores nothing twice. UInt64 ids go in as their Int64 bit pattern.

extension PostgresRecorder {
    /// Queues one item's statements inside the batch's transaction.
    func apply(_ item: RecorderItem, _ pipeline: inout Pipeline, _ marketData: inout PostgresMarketData) throws {
        switch item {
        case .order(let order, let ns): pipeline.send(PostgresRecorder.insert(order, ns: ns))
        case .fill(let fill): pipeline.send(PostgresRecorder.insert(fill))
        case .postings(let postings): for posting in postings { pipeline.send(PostgresRecorder.insert(posting)) }
        case .balances(let balances, let ns):
            for balance in balances { pipeline.send(PostgresRecorder.insert(balance, ns: ns)) }
        case .positions(let positions, let ns):
            for position in positions { pipeline.send(PostgresRecorder.insert(position, ns: ns)) }
        case .report(let report): pipeline.send(try PostgresRecorder.insert(report))
        case .alert(let alert): pipeline.send(PostgresRecorder.insert(alert))
        case .tick(let tick): try marketData.add(tick, &pipeline)
        case .journalMark(let generation, let seq):
            pipeline.send(
                """
                INSERT INTO journal_marks (generation, seq) VALUES (\(Int64(bitPattern: generation)), \
                \(Int64(bitPattern: seq)))
                ON CONFLICT (generation) DO UPDATE SET seq = GREATEST(journal_marks.seq, excluded.seq)
                """)
        }
    }

    private static func insert(_ fill: Fill) -> PostgresQuery {
        """
        INSERT INTO fills (venue, trade_id, market, symbol, base_asset, quote_asset, side, price_m, price_e, qty_m,
            qty_e, fee_e8, fee_asset, liquidity, client_order_id, venue_order_id, strategy_id, venue_ns)
        VALUES (\(fill.venue), \(Int64(bitPattern: fill.tradeId)), \(fill.market.rawValue), \(fill.symbol),
            \(fill.baseAsset), \(fill.quoteAsset), \(fill.side.name), \(fill.price.mantissa),
            \(Int64(fill.price.exponent)), \(fill.quantity.mantissa), \(Int64(fill.quantity.exponent)), \(fill.fee.e8),
            \(fill.feeAsset), \(fill.liquidity.rawValue), \(fill.clientOrderId), \(Int64(bitPattern: fill.venueOrderId)),
            \(Int64(fill.strategyId)), \(fill.venueNs))
        ON CONFLICT (venue, trade_id) DO NOTHING
        """
    }

    private static func insert(_ order: AccountOrder, ns: Int64) -> PostgresQuery {
        """
        INSERT INTO orders (client_order_id, venue_order_id, symbol, side, type, price_m, price_e, qty_m, qty_e,
            filled_m, filled_e, avg_price_e8, status, is_open, strategy_id, last_update_ns, last_event_seq,
            recorded_ns)
        VALUES (\(order.clientOrderId), \(Int64(bitPattern: order.venueOrderId)), \(order.symbol), \(order.side.name),
            \(order.type), \(order.price?.mantissa), \(order.price.map { Int64($0.exponent) }),
            \(order.quantity.mantissa), \(Int64(order.quantity.exponent)), \(order.filledQuantity.mantissa),
            \(Int64(order.filledQuantity.exponent)), \(order.averagePrice?.e8), \(order.status), \(order.isOpen),
            \(Int64(order.strategyId)), \(order.lastUpdateNs), \(Int64(bitPattern: order.lastEventSeq)), \(ns))
        ON CONFLICT (client_order_id) DO UPDATE SET
            venue_order_id = excluded.venue_order_id, symbol = excluded.symbol, side = excluded.side,
            type = excluded.type, price_m = excluded.price_m, price_e = excluded.price_e, qty_m = excluded.qty_m,
            qty_e = excluded.qty_e, filled_m = excluded.filled_m, filled_e = excluded.filled_e,
            avg_price_e8 = excluded.avg_price_e8, status = excluded.status, is_open = excluded.is_open,
            strategy_id = excluded.strategy_id, last_update_ns = excluded.last_update_ns,
            last_event_seq = excluded.last_event_seq, recorded_ns = excluded.recorded_ns
        WHERE excluded.last_event_seq >= orders.last_event_seq
        """
    }

    private static func insert(_ posting: Posting) -> PostgresQuery {
        """
        INSERT INTO postings (transaction_id, event_key, account, asset, amount_e8, venue_ns)
        VALUES (\(posting.transactionId), \(posting.eventKey), \(posting.account), \(posting.asset),
            \(posting.amount.e8), \(posting.venueNs))
        ON CONFLICT (transaction_id, account, asset) DO NOTHING
        """
    }

    private static func insert(_ balance: BalanceEntry, ns: Int64) -> PostgresQuery {
        """
        INSERT INTO balance_snapshots (ns, asset, total_e8, available_e8, source, updated_ns)
        VALUES (\(ns), \(balance.asset), \(balance.total.e8), \(balance.available.e8), \(balance.source.rawValue),
            \(balance.updatedNs))
        """
    }

    private static func insert(_ position: PositionEntry, ns: Int64) -> PostgresQuery {
        """
        INSERT INTO position_snapshots (ns, strategy_id, symbol, market, size_m, size_e, entry_e8, mark_e8,
            unrealized_e8, realized_e8, fees_e8, funding_e8, leverage, margin_e8, liquidation_e8, updated_ns)
        VALUES (\(ns), \(Int64(position.key.strategyId)), \(position.key.symbol), \(position.market.rawValue),
            \(position.size.mantissa), \(Int64(position.size.exponent)), \(position.entryPrice?.e8),
            \(position.markPrice?.e8), \(position.unrealizedPnl.e8), \(position.realizedPnl.e8),
            \(position.feesPaid.e8), \(position.funding.e8), \(position.leverage.map { Int64($0) }),
            \(position.marginUsed?.e8), \(position.liquidationPrice?.e8), \(position.updatedNs))
        """
    }

    private static func insert(_ report: ReconciliationReport) throws -> PostgresQuery {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(report), as: UTF8.self)
        return """
            INSERT INTO reconciliation_reports (timestamp, positions_checked, balances_checked, orders_checked,
                trades_checked, missing_fills, mismatches, exceeded_threshold, duration_ns, json)
            VALUES (\(report.timestamp), \(Int64(report.positionsChecked)), \(Int64(report.balancesChecked)),
                \(Int64(report.ordersChecked)), \(Int64(report.tradesChecked)), \(Int64(report.missingFills)),
                \(Int64(report.mismatchesFound)), \(report.exceededThreshold), \(report.durationNs), \(json))
            """
    }

    private static func insert(_ alert: Alert) -> PostgresQuery {
        """
        INSERT INTO alerts (alert_id, severity, category, rule, message, timestamp, acknowledged)
        VALUES (\(alert.id), \(alert.severity.rawValue), \(alert.category.rawValue), \(alert.rule), \(alert.message),
            \(alert.timestamp), \(alert.acknowledged))
        ON CONFLICT (alert_id) DO UPDATE SET
            severity = excluded.severity, category = excluded.category, rule = excluded.rule,
            message = excluded.message, timestamp = excluded.timestamp, acknowledged = excluded.acknowledged
        """
    }
}
