import Account
import EngineModel
import PostgresNIO
import Recorder

// Turning rows back into values, with the same checks as the SQLite store's (an unknown enum value,
// an exponent outside −18…18 or a negative quantity is `.corruptData`, never a trap).

/// Reads typed values out of one row by column name.
struct PGRow {
    let row: PostgresRandomAccessRow
    let table: String

    init(_ row: PostgresRow, table: String) {
        self.row = row.makeRandomAccess()
        self.table = table
    }

    private func cell(_ column: String) throws -> PostgresCell {
        guard row.contains(column) else { throw RecorderError.corruptData(reason: "\(table) has no column \(column)") }
        return row[column]
    }

    func int64(_ column: String) throws -> Int64 { try cell(column).decode(Int64.self) }

    func optionalInt64(_ column: String) throws -> Int64? { try cell(column).decode(Int64?.self) }

    func text(_ column: String) throws -> String { try cell(column).decode(String.self) }

    func bool(_ column: String) throws -> Bool { try cell(column).decode(Bool.self) }

    func bytes(_ column: String) throws -> [UInt8] {
        var buffer = try cell(column).decode(ByteBuffer.self)
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }

    /// A UInt64 stored as its Int64 bit pattern.
    func uint64(_ column: String) throws -> UInt64 { UInt64(bitPattern: try int64(column)) }

    func uint32(_ column: String) throws -> UInt32 {
        let value = try int64(column)
        guard let narrow = UInt32(exactly: value) else { throw corrupt(column, "\(value)") }
        return narrow
    }

    func int(_ column: String) throws -> Int { Int(try int64(column)) }

    func amount(_ column: String) throws -> Amount { Amount(e8: try int64(column)) }

    func optionalAmount(_ column: String) throws -> Amount? { try optionalInt64(column).map { Amount(e8: $0) } }

    func exponent(_ column: String) throws -> Int8 {
        let value = try int64(column)
        guard (-18...18).contains(value) else { throw corrupt(column, "exponent \(value)") }
        return Int8(value)
    }

    func price(_ prefix: String) throws -> Price {
        Price(mantissa: try int64(prefix + "_m"), exponent: try exponent(prefix + "_e"))
    }

    func optionalPrice(_ prefix: String) throws -> Price? {
        guard try optionalInt64(prefix + "_m") != nil else { return nil }
        return try price(prefix)
    }

    func quantity(_ prefix: String) throws -> Quantity {
        let mantissa = try int64(prefix + "_m")
        guard mantissa >= 0 else { throw corrupt(prefix + "_m", "negative quantity \(mantissa)") }
        return Quantity(mantissa: mantissa, exponent: try exponent(prefix + "_e"))
    }

    func side(_ column: String) throws -> Side {
        let name = try text(column)
        guard let side = Side.allCases.first(where: { $0.name == name }) else { throw corrupt(column, name) }
        return side
    }

    func value<T: RawRepresentable>(_ type: T.Type, _ column: String) throws -> T where T.RawValue == String {
        let raw = try text(column)
        guard let value = T(rawValue: raw) else { throw corrupt(column, raw) }
        return value
    }

    func corrupt(_ column: String, _ value: String) -> RecorderError {
        .corruptData(reason: "\(table).\(column) holds \(value)")
    }
}

extension PostgresRecorder {
    static func fill(_ row: PostgresRow) throws -> Fill {
        let r = PGRow(row, table: "fills")
        return Fill(
            venue: try r.text("venue"), tradeId: try r.uint64("trade_id"),
            market: try r.value(MarketKind.self, "market"), symbol: try r.text("symbol"),
            baseAsset: try r.text("base_asset"), quoteAsset: try r.text("quote_asset"), side: try r.side("side"),
            price: try r.price("price"), quantity: try r.quantity("qty"), fee: try r.amount("fee_e8"),
            feeAsset: try r.text("fee_asset"), liquidity: try r.value(Liquidity.self, "liquidity"),
            clientOrderId: try r.text("client_order_id"), venueOrderId: try r.uint64("venue_order_id"),
            strategyId: try r.uint32("strategy_id"), venueNs: try r.int64("venue_ns"))
    }

    static func order(_ row: PostgresRow) throws -> AccountOrder {
        let r = PGRow(row, table: "orders")
        return AccountOrder(
            clientOrderId: try r.text("client_order_id"), venueOrderId: try r.uint64("venue_order_id"),
            symbol: try r.text("symbol"), side: try r.side("side"), type: try r.text("type"),
            price: try r.optionalPrice("price"), quantity: try r.quantity("qty"),
            filledQuantity: try r.quantity("filled"), averagePrice: try r.optionalAmount("avg_price_e8"),
            status: try r.text("status"), isOpen: try r.bool("is_open"), strategyId: try r.uint32("strategy_id"),
            lastUpdateNs: try r.int64("last_update_ns"), lastEventSeq: try r.uint64("last_event_seq"))
    }

    static func posting(_ row: PostgresRow) throws -> Posting {
        let r = PGRow(row, table: "postings")
        return Posting(
            transactionId: try r.text("transaction_id"), eventKey: try r.text("event_key"),
            account: try r.text("account"), asset: try r.text("asset"), amount: try r.amount("amount_e8"),
            venueNs: try r.int64("venue_ns"))
    }

    static func alert(_ row: PostgresRow) throws -> Alert {
        let r = PGRow(row, table: "alerts")
        return Alert(
            id: try r.text("alert_id"), severity: try r.value(Alert.Severity.self, "severity"),
            category: try r.value(Alert.Category.self, "category"), rule: try r.text("rule"),
            message: try r.text("message"), timestamp: try r.int64("timestamp"),
            acknowledged: try r.bool("acknowledged"))
    }

    static func balance(_ row: PostgresRow) throws -> BalanceEntry {
        let r = PGRow(row, table: "balance_snapshots")
        return BalanceEntry(
            asset: try r.text("asset"), total: try r.amount("total_e8"), available: try r.amount("available_e8"),
            source: try r.value(BalanceSource.self, "source"), updatedNs: try r.int64("updated_ns"))
    }

    static func position(_ row: PostgresRow) throws -> PositionEntry {
        let r = PGRow(row, table: "position_snapshots")
        let key = PositionKey(strategyId: try r.uint32("strategy_id"), symbol: try r.text("symbol"))
        let size = SignedSize(mantissa: try r.int64("size_m"), exponent: try r.exponent("size_e"))
        var entry = PositionEntry(key: key, market: try r.value(MarketKind.self, "market"), size: size)
        entry.entryPrice = try r.optionalAmount("entry_e8")
        entry.markPrice = try r.optionalAmount("mark_e8")
        entry.unrealizedPnl = try r.amount("unrealized_e8")
        entry.realizedPnl = try r.amount("realized_e8")
        entry.feesPaid = try r.amount("fees_e8")
        entry.funding = try r.amount("funding_e8")
        entry.leverage = try r.optionalInt64("leverage").map { Int($0) }
        entry.marginUsed = try r.optionalAmount("margin_e8")
        entry.liquidationPrice = try r.optionalAmount("liquidation_e8")
        entry.updatedNs = try r.int64("updated_ns")
        return entry
    }

    static func storedBar(_ row: PostgresRow) throws -> StoredBar {
        let r = PGRow(row, table: "bars")
        let bar = Bar(
            symbol: try r.text("symbol"), intervalSeconds: try r.int("interval_s"), openNs: try r.int64("open_ns"),
            open: try r.price("open"), high: try r.price("high"), low: try r.price("low"),
            close: try r.price("close"), volume: try r.quantity("volume"), trades: try r.int("trades"))
        return StoredBar(
            bar: bar, firstTradeNs: try r.int64("first_trade_ns"), lastTradeNs: try r.int64("last_trade_ns"))
    }
}
