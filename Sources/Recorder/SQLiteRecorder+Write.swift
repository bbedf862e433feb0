import Account
import EngineModel
import Foundation
import GRDB

// One statement per item kind, each cached on the writer connection. Idempotence lives in the SQL:
// INSERT OR IGNORE on the fills' and postings' unique keys, upserts guarded by the journal sequence
// for orders and by max() for journal marks, so replaying a journal after a crash stores nothing twice.

extension SQLiteRecorder {
    /// Applies one item inside the batch's transaction.
    func apply(_ item: RecorderItem, _ db: Database, _ state: inout MarketDataState) throws {
        switch item {
        case .order(let order, let ns): try insert(order, ns: ns, db)
        case .fill(let fill): try insert(fill, db)
        case .postings(let postings): for posting in postings { try insert(posting, db) }
        case .balances(let balances, let ns): for balance in balances { try insert(balance, ns: ns, db) }
        case .positions(let positions, let ns): for position in positions { try insert(position, ns: ns, db) }
        case .report(let report): try insert(report, db)
        case .alert(let alert): try insert(alert, db)
        case .tick(let tick): try state.add(tick, db)
        case .journalMark(let generation, let seq):
            try db.cachedStatement(
                sql: """
                    INSERT INTO journal_marks (generation, seq) VALUES (?, ?)
                    ON CONFLICT (generation) DO UPDATE SET seq = max(seq, excluded.seq)
                    """
            ).execute(arguments: [Int64(bitPattern: generation), Int64(bitPattern: seq)])
        }
    }

    private func insert(_ fill: Fill, _ db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO fills (venue, trade_id, market, symbol, base_asset, quote_asset, side,
                    price_m, price_e, qty_m, qty_e, fee_e8, fee_asset, liquidity, client_order_id, venue_order_id,
                    strategy_id, venue_ns)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            fill.venue, Int64(bitPattern: fill.tradeId), fill.market.rawValue, fill.symbol, fill.baseAsset,
            fill.quoteAsset, fill.side.name, fill.price.mantissa, fill.price.exponent, fill.quantity.mantissa,
            fill.quantity.exponent, fill.fee.e8, fill.feeAsset, fill.liquidity.rawValue, fill.clientOrderId,
            Int64(bitPattern: fill.venueOrderId), fill.strategyId, fill.venueNs,
        ])
    }

    private func insert(_ order: AccountOrder, ns: Int64, _ db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO orders (client_order_id, venue_order_id, symbol, side, type, price_m, price_e, qty_m,
                    qty_e, filled_m, filled_e, avg_price_e8, status, is_open, strategy_id, last_update_ns,
                    last_event_seq, recorded_ns)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (client_order_id) DO UPDATE SET
                    venue_order_id = excluded.venue_order_id, symbol = excluded.symbol, side = excluded.side,
                    type = excluded.type, price_m = excluded.price_m, price_e = excluded.price_e,
                    qty_m = excluded.qty_m, qty_e = excluded.qty_e, filled_m = excluded.filled_m,
                    filled_e = excluded.filled_e, avg_price_e8 = excluded.avg_price_e8, status = excluded.status,
                    is_open = excluded.is_open, strategy_id = excluded.strategy_id,
                    last_update_ns = excluded.last_update_ns, last_event_seq = excluded.last_event_seq,
                    recorded_ns = excluded.recorded_ns
                WHERE excluded.last_event_seq >= orders.last_event_seq
                """
        ).execute(arguments: [
            order.clientOrderId, Int64(bitPattern: order.venueOrderId), order.symbol, order.side.name, order.type,
            order.price?.mantissa, order.price?.exponent, order.quantity.mantissa, order.quantity.exponent,
            order.filledQuantity.mantissa, order.filledQuantity.exponent, order.averagePrice?.e8, order.status,
            order.isOpen, order.strategyId, order.lastUpdateNs, Int64(bitPattern: order.lastEventSeq), ns,
        ])
    }

    private func insert(_ posting: Posting, _ db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO postings (transaction_id, event_key, account, asset, amount_e8, venue_ns)
                VALUES (?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            posting.transactionId, posting.eventKey, posting.account, posting.asset, posting.amount.e8,
            posting.venueNs,
        ])
    }

    private func insert(_ balance: BalanceEntry, ns: Int64, _ db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO balance_snapshots (ns, asset, total_e8, available_e8, source, updated_ns)
                VALUES (?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            ns, balance.asset, balance.total.e8, balance.available.e8, balance.source.rawValue, balance.updatedNs,
        ])
    }

    private func insert(_ position: PositionEntry, ns: Int64, _ db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO position_snapshots (ns, strategy_id, symbol, market, size_m, size_e, entry_e8, mark_e8,
                    unrealized_e8, realized_e8, fees_e8, funding_e8, leverage, margin_e8, liquidation_e8, updated_ns)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            ns, position.key.strategyId, position.key.symbol, position.market.rawValue, position.size.mantissa,
            position.size.exponent, position.entryPrice?.e8, position.markPrice?.e8, position.unrealizedPnl.e8,
            position.realizedPnl.e8, position.feesPaid.e8, position.funding.e8, position.leverage,
            position.marginUsed?.e8, position.liquidationPrice?.e8, position.updatedNs,
        ])
    }

    private func insert(_ report: ReconciliationReport, _ db: Database) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(report), as: UTF8.self)
        try db.cachedStatement(
            sql: """
                INSERT INTO reconciliation_reports (timestamp, positions_checked, balances_checked, orders_checked,
                    trades_checked, missing_fills, mismatches, exceeded_threshold, duration_ns, json)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            report.timestamp, report.positionsChecked, report.balancesChecked, report.ordersChecked,
            report.tradesChecked, report.missingFills, report.mismatchesFound, report.exceededThreshold,
            report.durationNs, json,
        ])
    }

    private func insert(_ alert: Alert, _ db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO alerts (alert_id, severity, category, rule, message, timestamp, acknowledged)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (alert_id) DO UPDATE SET
                    severity = excluded.severity, category = excluded.category, rule = excluded.rule,
                    message = excluded.message, timestamp = excluded.timestamp, acknowledged = excluded.acknowledged
                """
        ).execute(arguments: [
            alert.id, alert.severity.rawValue, alert.category.rawValue, alert.rule, alert.message, alert.timestamp,
            alert.acknowledged,
        ])
    }
}
