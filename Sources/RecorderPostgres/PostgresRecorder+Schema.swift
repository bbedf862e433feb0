// The PostgreSQL schema: the SQLite store's tables (SQLiteRecorder+Schema.swift), migration for
// migration under the same names, in PostgreSQL's types. Released migrations are never edited; a
// change is a new migration appended here and to the SQLite store alike.
//
// Differences from SQLite, all in representation, none in what the queries return:
// - integers are BIGINT (mantissas, exponents, amounts at 10⁻⁸, ns, UInt64 ids as their Int64 bit
//   pattern); flags (is_open, exceeded_threshold, acknowledged) are BOOLEAN; nothing is floating point;
// - row ids are identity columns (SQLite: INTEGER PRIMARY KEY) and tick blocks are BYTEA (BLOB);
// - text columns that are compared or sorted use COLLATE "C", byte order like SQLite's BINARY,
//   so ordering does not depend on the server's locale.
// Each migration is a list of statements because the extended query protocol runs one at a time.

extension PostgresRecorder {
    /// A named schema step.
    struct Migration: Sendable {
        var name: String
        var statements: [String]
    }

    /// The migrations this build knows, in order.
    static let migrations: [Migration] = [
        Migration(name: "v1-orders-fills-ledger", statements: schemaV1),
        Migration(name: "v2-snapshots-reports-alerts", statements: schemaV2),
        Migration(name: "v3-market-data", statements: schemaV3),
    ]

    /// The schema version a store opened by this build has: the number of migrations it knows.
    public static var latestSchemaVersion: Int { migrations.count }

    /// The table recording applied migrations (created before any of them).
    static let migrationsTable = """
        CREATE TABLE IF NOT EXISTS tickwire_migrations (
            name TEXT COLLATE "C" PRIMARY KEY,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )
        """

    private static let schemaV1 = [
        """
        CREATE TABLE orders (
            client_order_id TEXT COLLATE "C" PRIMARY KEY,
            venue_order_id BIGINT NOT NULL,
            symbol TEXT COLLATE "C" NOT NULL,
            side TEXT NOT NULL,
            type TEXT NOT NULL,
            price_m BIGINT, price_e BIGINT,
            qty_m BIGINT NOT NULL, qty_e BIGINT NOT NULL,
            filled_m BIGINT NOT NULL, filled_e BIGINT NOT NULL,
            avg_price_e8 BIGINT,
            status TEXT NOT NULL,
            is_open BOOLEAN NOT NULL,
            strategy_id BIGINT NOT NULL,
            last_update_ns BIGINT NOT NULL,
            last_event_seq BIGINT NOT NULL,
            recorded_ns BIGINT NOT NULL
        )
        """,
        "CREATE INDEX orders_by_symbol ON orders (symbol, last_update_ns)",
        "CREATE INDEX orders_by_update ON orders (last_update_ns)",
        """
        CREATE TABLE fills (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            venue TEXT COLLATE "C" NOT NULL,
            trade_id BIGINT NOT NULL,
            market TEXT NOT NULL,
            symbol TEXT COLLATE "C" NOT NULL,
            base_asset TEXT NOT NULL,
            quote_asset TEXT NOT NULL,
            side TEXT NOT NULL,
            price_m BIGINT NOT NULL, price_e BIGINT NOT NULL,
            qty_m BIGINT NOT NULL, qty_e BIGINT NOT NULL,
            fee_e8 BIGINT NOT NULL,
            fee_asset TEXT NOT NULL,
            liquidity TEXT NOT NULL,
            client_order_id TEXT NOT NULL,
            venue_order_id BIGINT NOT NULL,
            strategy_id BIGINT NOT NULL,
            venue_ns BIGINT NOT NULL,
            UNIQUE (venue, trade_id)
        )
        """,
        "CREATE INDEX fills_by_time ON fills (venue_ns, trade_id)",
        "CREATE INDEX fills_by_symbol ON fills (symbol, venue_ns)",
        """
        CREATE TABLE postings (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            transaction_id TEXT COLLATE "C" NOT NULL,
            event_key TEXT NOT NULL,
            account TEXT COLLATE "C" NOT NULL,
            asset TEXT COLLATE "C" NOT NULL,
            amount_e8 BIGINT NOT NULL,
            venue_ns BIGINT NOT NULL,
            UNIQUE (transaction_id, account, asset)
        )
        """,
        """
        CREATE TABLE journal_marks (
            generation BIGINT PRIMARY KEY,
            seq BIGINT NOT NULL
        )
        """,
    ]

    private static let schemaV2 = [
        """
        CREATE TABLE balance_snapshots (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            ns BIGINT NOT NULL,
            asset TEXT COLLATE "C" NOT NULL,
            total_e8 BIGINT NOT NULL,
            available_e8 BIGINT NOT NULL,
            source TEXT NOT NULL,
            updated_ns BIGINT NOT NULL
        )
        """,
        "CREATE INDEX balance_snapshots_by_asset ON balance_snapshots (asset, id)",
        """
        CREATE TABLE position_snapshots (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            ns BIGINT NOT NULL,
            strategy_id BIGINT NOT NULL,
            symbol TEXT COLLATE "C" NOT NULL,
            market TEXT NOT NULL,
            size_m BIGINT NOT NULL, size_e BIGINT NOT NULL,
            entry_e8 BIGINT, mark_e8 BIGINT,
            unrealized_e8 BIGINT NOT NULL,
            realized_e8 BIGINT NOT NULL,
            fees_e8 BIGINT NOT NULL,
            funding_e8 BIGINT NOT NULL,
            leverage BIGINT,
            margin_e8 BIGINT,
            liquidation_e8 BIGINT,
            updated_ns BIGINT NOT NULL
        )
        """,
        "CREATE INDEX position_snapshots_by_key ON position_snapshots (strategy_id, symbol, id)",
        """
        CREATE TABLE reconciliation_reports (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            timestamp BIGINT NOT NULL,
            positions_checked BIGINT NOT NULL,
            balances_checked BIGINT NOT NULL,
            orders_checked BIGINT NOT NULL,
            trades_checked BIGINT NOT NULL,
            missing_fills BIGINT NOT NULL,
            mismatches BIGINT NOT NULL,
            exceeded_threshold BOOLEAN NOT NULL,
            duration_ns BIGINT NOT NULL,
            json TEXT NOT NULL
        )
        """,
        "CREATE INDEX reconciliation_reports_by_time ON reconciliation_reports (timestamp)",
        """
        CREATE TABLE alerts (
            seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            alert_id TEXT COLLATE "C" NOT NULL UNIQUE,
            severity TEXT NOT NULL,
            category TEXT NOT NULL,
            rule TEXT NOT NULL,
            message TEXT NOT NULL,
            timestamp BIGINT NOT NULL,
            acknowledged BOOLEAN NOT NULL
        )
        """,
        "CREATE INDEX alerts_by_time ON alerts (timestamp)",
    ]

    private static let schemaV3 = [
        """
        CREATE TABLE md_ticks (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            symbol TEXT COLLATE "C" NOT NULL,
            first_ns BIGINT NOT NULL,
            last_ns BIGINT NOT NULL,
            count BIGINT NOT NULL,
            data BYTEA NOT NULL
        )
        """,
        "CREATE INDEX md_ticks_by_symbol ON md_ticks (symbol, last_ns)",
        """
        CREATE TABLE bars (
            symbol TEXT COLLATE "C" NOT NULL,
            interval_s BIGINT NOT NULL,
            open_ns BIGINT NOT NULL,
            open_m BIGINT NOT NULL, open_e BIGINT NOT NULL,
            high_m BIGINT NOT NULL, high_e BIGINT NOT NULL,
            low_m BIGINT NOT NULL, low_e BIGINT NOT NULL,
            close_m BIGINT NOT NULL, close_e BIGINT NOT NULL,
            volume_m BIGINT NOT NULL, volume_e BIGINT NOT NULL,
            trades BIGINT NOT NULL,
            first_trade_ns BIGINT NOT NULL,
            last_trade_ns BIGINT NOT NULL,
            PRIMARY KEY (symbol, interval_s, open_ns)
        )
        """,
    ]
}
