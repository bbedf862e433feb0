import Account
import EngineModel
import GRDB

// Turning rows back into values. Every column is decoded with GRDB's throwing accessors and every
// enum and exponent is checked, so a damaged or hand-edited file gives `.corruptData`, not a trap.

/// Reads typed values out of one row.
struct RowReader {
    let row: Row
    let table: String

    func int64(_ column: String) throws -> Int64 { try row.decode(Int64.self, forColumn: column) }

    func optionalInt64(_ column: String) throws -> Int64? { try row.decode(Int64?.self, forColumn: column) }

    func int(_ column: String) throws -> Int { try row.decode(Int.self, forColumn: column) }

    func text(_ column: String) throws -> String { try row.decode(String.self, forColumn: column) }

    func bool(_ column: String) throws -> Bool { try int64(column) != 0 }

    /// A UInt64 stored as its Int64 bit pattern.
    func uint64(_ column: String) throws -> UInt64 { UInt64(bitPattern: try int64(column)) }

    func uint32(_ column: String) throws -> UInt32 {
        let value = try int64(column)
        guard let narrow = UInt32(exactly: value) else { throw corrupt(column, "\(value)") }
        return narrow
    }

    func amount(_ column: String) throws -> Amount { Amount(e8: try int64(column)) }

    func optionalAmount(_ column: String) throws -> Amount? { try optionalInt64(column).map { Amount(e8: $0) } }

    func exponent(_ column: String) throws -> Int8 {
        let value = try int64(column)
        guard (-18...18).contains(value) else { throw corrupt(column, "exponent \(value)") }
        return Int8(value)
    }

    /// `<prefix>_m` and `<prefix>_e` as a price.
    func price(_ prefix: String) throws -> Price {
        Price(mantissa: try int64(prefix + "_m"), exponent: try exponent(prefix + "_e"))
    }

    /// `<prefix>_m` and `<prefix>_e` as a price, nil when the mantissa is NULL.
    func optionalPrice(_ prefix: String) throws -> Price? {
        guard try optionalInt64(prefix + "_m") != nil else { return nil }
        return try price(prefix)
    }

    /// `<prefix>_m` and `<prefix>_e` as a (non-negative) quantity.
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

    /// A string-backed enum.
    func value<T: RawRepresentable>(_ type: T.Type, _ column: String) throws -> T where T.RawValue == String {
        let raw = try text(column)
        guard let value = T(rawValue: raw) else { throw corrupt(column, raw) }
        return value
    }

    func corrupt(_ column: String, _ value: String) -> RecorderError {
        .corruptData(reason: "\(table).\(column) holds \(value)")
    }
}

extension SQLiteRecorder {
    static func fill(_ row: Row) throws -> Fill {
        let r = RowReader(row: row, table: "fills")
        return Fill(
            venue: try r.text("venue"), tradeId: try r.uint64("trade_id"),
            market: try r.value(MarketKind.self, "market"), symbol: try r.text("symbol"),
            baseAsset: try r.text("base_asset"), quoteAsset: try r.text("quote_asset"), side: try r.side("side"),
            price: try r.price("price"), quantity: try r.quantity("qty"), fee: try r.amount("fee_e8"),
            feeAsset: try r.text("fee_asset"), liquidity: try r.value(Liquidity.self, "liquidity"),
            clientOrderId: try r.text("client_order_id"), venueOrderId: try r.uint64("venue_order_id"),
            strategyId: try r.uint32("strategy_id"), venueNs: try r.int64("venue_ns"))
    }

    static func order(_ row: Row) throws -> AccountOrder {
        let r = RowReader(row: row, table: "orders")
        return AccountOrder(
            clientOrderId: try r.text("client_order_id"), venueOrderId: try r.uint64("venue_order_id"),
            symbol: try r.text("symbol"), side: try r.side("side"), type: try r.text("type"),
            price: try r.optionalPrice("price"), quantity: try r.quantity("qty"),
            filledQuantity: try r.quantity("filled"), averagePrice: try r.optionalAmount("avg_price_e8"),
            status: try r.text("status"), isOpen: try r.bool("is_open"), strategyId: try r.uint32("strategy_id"),
            lastUpdateNs: try r.int64("last_update_ns"), lastEventSeq: try r.uint64("last_event_seq"))
    }

    static func posting(_ row: Row) throws -> Posting {
        let r = RowReader(row: row, table: "postings")
        return Posting(
            transactionId: try r.text("transaction_id"), eventKey: try r.text("event_key"),
            account: try r.text("account"), asset: try r.text("asset"), amount: try r.amount("amount_e8"),
            venueNs: try r.int64("venue_ns"))
    }

    static func alert(_ row: Row) throws -> Alert {
        let r = RowReader(row: row, table: "alerts")
        return Alert(
            id: try r.text("alert_id"), severity: try r.value(Alert.Severity.self, "severity"),
            category: try r.value(Alert.Category.self, "category"), rule: try r.text("rule"),
            message: try r.text("message"), timestamp: try r.int64("timestamp"),
            acknowledged: try r.bool("acknowledged"))
    }

    static func balance(_ row: Row) throws -> BalanceEntry {
        let r = RowReader(row: row, table: "balance_snapshots")
        return BalanceEntry(
            asset: try r.text("asset"), total: try r.amount("total_e8"), available: try r.amount("available_e8"),
            source: try r.value(BalanceSource.self, "source"), updatedNs: try r.int64("updated_ns"))
    }

    static func position(_ row: Row) throws -> PositionEntry {
        let r = RowReader(row: row, table: "position_snapshots")
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

    static func openBar(_ row: Row) throws -> OpenBar {
        let r = RowReader(row: row, table: "bars")
        let bar = Bar(
            symbol: try r.text("symbol"), intervalSeconds: try r.int("interval_s"), openNs: try r.int64("open_ns"),
            open: try r.price("open"), high: try r.price("high"), low: try r.price("low"),
            close: try r.price("close"), volume: try r.quantity("volume"), trades: try r.int("trades"))
        return OpenBar(bar: bar, firstTradeNs: try r.int64("first_trade_ns"), lastTradeNs: try r.int64("last_trade_ns"))
    }
}
