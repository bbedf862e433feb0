import GRDB

// The schema, one named migration at a time. A migration, once released, is never edited: a change
// is a new migration appended here, so an older file migrates forward when a newer build opens it.
// Prices and quantities are stored as an Int64 mantissa and its exponent (`*_m`, `*_e`), amounts as
// Int64 at 10⁻⁸ (`*_e8`); nothing is REAL. UInt64 ids are stored as their Int64 bit pattern.

extension SQLiteRecorder {
    /// The migrations this build knows, in order.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-orders-fills-ledger") { db in
            try db.execute(sql: schemaV1)
        }
        migrator.registerMigration("v2-snapshots-reports-alerts") { db in
            try db.execute(sql: schemaV2)
        }
        migrator.registerMigration("v3-market-data") { db in
            try db.execute(sql: schemaV3)
        }
        return migrator
    }

    /// The schema version a store opened by this build has: the number of migrations it knows.
    public static var latestSchemaVersion: Int { migrator.migrations.count }

    private static let schemaV1 = """
        CREATE TABLE orders (
            client_order_id TEXT PRIMARY KEY NOT NULL,
            venue_order_id INTEGER NOT NULL,
            symbol TEXT NOT NULL,
            side TEXT NOT NULL,
            type TEXT NOT NULL,
            price_m INTEGER, price_e INTEGER,
            qty_m INTEGER NOT NULL, qty_e INTEGER NOT NULL,
            filled_m INTEGER NOT NULL, filled_e INTEGER NOT NULL,
            avg_price_e8 INTEGER,
            status TEXT NOT NULL,
            is_open INTEGER NOT NULL,
            strategy_id INTEGER NOT NULL,
            last_update_ns INTEGER NOT NULL,
            last_event_seq INTEGER NOT NULL,
            recorded_ns INTEGER NOT NULL
        );
        CREATE INDEX orders_by_symbol ON orders (symbol, last_update_ns);
        CREATE INDEX orders_by_update ON orders (last_update_ns);
        CREATE TABLE fills (
            id INTEGER PRIMARY KEY,
            venue TEXT NOT NULL,
            trade_id INTEGER NOT NULL,
            market TEXT NOT NULL,
            symbol TEXT NOT NULL,
            base_asset TEXT NOT NULL,
            quote_asset TEXT NOT NULL,
            side TEXT NOT NULL,
            price_m INTEGER NOT NULL, price_e INTEGER NOT NULL,
            qty_m INTEGER NOT NULL, qty_e INTEGER NOT NULL,
            fee_e8 INTEGER NOT NULL,
            fee_asset TEXT NOT NULL,
            liquidity TEXT NOT NULL,
            client_order_id TEXT NOT NULL,
            venue_order_id INTEGER NOT NULL,
            strategy_id INTEGER NOT NULL,
            venue_ns INTEGER NOT NULL,
            UNIQUE (venue, trade_id)
        );
        CREATE INDEX fills_by_time ON fills (venue_ns, trade_id);
        CREATE INDEX fills_by_symbol ON fills (symbol, venue_ns);
        CREATE TABLE postings (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            transaction_id TEXT NOT NULL,
            event_key TEXT NOT NULL,
            account TEXT NOT NULL,
            asset TEXT NOT NULL,
            amount_e8 INTEGER NOT NULL,
            venue_ns INTEGER NOT NULL,
            UNIQUE (transaction_id, account, asset)
        );
        CREATE TABLE journal_marks (
            generation INTEGER PRIMARY KEY NOT NULL,
            seq INTEGER NOT NULL
        );
        """

    private static let schemaV2 = """
        CREATE TABLE balance_snapshots (
            id INTEGER PRIMARY KEY,
            ns INTEGER NOT NULL,
            asset TEXT NOT NULL,
            total_e8 INTEGER NOT NULL,
            available_e8 INTEGER NOT NULL,
            source TEXT NOT NULL,
            updated_ns INTEGER NOT NULL
        );
        CREATE INDEX balance_snapshots_by_asset ON balance_snapshots (asset, id);
        CREATE TABLE position_snapshots (
            id INTEGER PRIMARY KEY,
            ns INTEGER NOT NULL,
            strategy_id INTEGER NOT NULL,
            symbol TEXT NOT NULL,
            market TEXT NOT NULL,
            size_m INTEGER NOT NULL, size_e INTEGER NOT NULL,
            entry_e8 INTEGER, mark_e8 INTEGER,
            unrealized_e8 INTEGER NOT NULL,
            realized_e8 INTEGER NOT NULL,
            fees_e8 INTEGER NOT NULL,
            funding_e8 INTEGER NOT NULL,
            leverage INTEGER,
            margin_e8 INTEGER,
            liquidation_e8 INTEGER,
            updated_ns INTEGER NOT NULL
        );
        CREATE INDEX position_snapshots_by_key ON position_snapshots (strategy_id, symbol, id);
        CREATE TABLE reconciliation_reports (
            id INTEGER PRIMARY KEY,
            timestamp INTEGER NOT NULL,
            positions_checked INTEGER NOT NULL,
            balances_checked INTEGER NOT NULL,
            orders_checked INTEGER NOT NULL,
            trades_checked INTEGER NOT NULL,
            missing_fills INTEGER NOT NULL,
            mismatches INTEGER NOT NULL,
            exceeded_threshold INTEGER NOT NULL,
            duration_ns INTEGER NOT NULL,
            json TEXT NOT NULL
        );
        CREATE INDEX reconciliation_reports_by_time ON reconciliation_reports (timestamp);
        CREATE TABLE alerts (
            seq INTEGER PRIMARY KEY,
            alert_id TEXT NOT NULL UNIQUE,
            severity TEXT NOT NULL,
            category TEXT NOT NULL,
            rule TEXT NOT NULL,
            message TEXT NOT NULL,
            timestamp INTEGER NOT NULL,
            acknowledged INTEGER NOT NULL
        );
        CREATE INDEX alerts_by_time ON alerts (timestamp);
        """

    private static let schemaV3 = """
        CREATE TABLE md_ticks (
            id INTEGER PRIMARY KEY,
            symbol TEXT NOT NULL,
            first_ns INTEGER NOT NULL,
            last_ns INTEGER NOT NULL,
            count INTEGER NOT NULL,
            data BLOB NOT NULL
        );
        CREATE INDEX md_ticks_by_symbol ON md_ticks (symbol, last_ns);
        CREATE TABLE bars (
            symbol TEXT NOT NULL,
            interval_s INTEGER NOT NULL,
            open_ns INTEGER NOT NULL,
            open_m INTEGER NOT NULL, open_e INTEGER NOT NULL,
            high_m INTEGER NOT NULL, high_e INTEGER NOT NULL,
            low_m INTEGER NOT NULL, low_e INTEGER NOT NULL,
            close_m INTEGER NOT NULL, close_e INTEGER NOT NULL,
            volume_m INTEGER NOT NULL, volume_e INTEGER NOT NULL,
            trades INTEGER NOT NULL,
            first_trade_ns INTEGER NOT NULL,
            last_trade_ns INTEGER NOT NULL,
            PRIMARY KEY (symbol, interval_s, open_ns)
        ) WITHOUT ROWID;
        """
}
