import Account
import EngineModel
import Foundation
import Recorder
import Testing

@testable import RecorderPostgres

/// Whether a PostgreSQL server can be started here; the comment names the package to install.
let serverAvailable = ConditionTrait.enabled(
    if: PostgresServer.binDirectory != nil, Comment(rawValue: PostgresServer.missingMessage))

/// A fresh database `recorder` on a throwaway server, its URL, and the server.
func withDatabase<T>(_ body: (String, PostgresServer) throws -> T) throws -> T {
    try PostgresServer.with { server in
        try PostgresRecorder.execute(["CREATE DATABASE recorder"], url: server.url("postgres"))
        return try body(server.url("recorder"), server)
    }
}

/// A SQLite store in a temporary file, removed afterwards.
func withSQLite<T>(_ body: (SQLiteRecorder) throws -> T) throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pg-compare-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    return try body(try SQLiteRecorder(path: directory.appendingPathComponent("recorder.sqlite").path))
}

/// One second in ns.
let second: Int64 = 1_000_000_000

/// A fill of `symbol` at `price` (exponent −2) for 0.001 (exponent −5).
func makeFill(tradeId: UInt64, venue: String = "sim", symbol: String = "BTCUSDT", price: Int64 = 6_400_000, ns: Int64)
    -> Fill
{
    Fill(
        venue: venue, tradeId: tradeId, market: symbol.hasSuffix("PERP") ? .usdm : .spot, symbol: symbol,
        baseAsset: "BTC", quoteAsset: "USDT", side: tradeId % 2 == 0 ? .buy : .sell,
        price: Price(mantissa: price, exponent: -2), quantity: Quantity(mantissa: 100, exponent: -5),
        fee: Amount(e8: 6_400), feeAsset: "USDT", liquidity: tradeId % 3 == 0 ? .maker : .taker,
        clientOrderId: "c\(tradeId)", venueOrderId: UInt64.max - tradeId, strategyId: 3, venueNs: ns)
}

/// An order in state `status` as of journal record `seq`.
func makeOrder(_ id: String, status: String, filled: Int64, seq: UInt64, symbol: String = "BTCUSDT") -> AccountOrder {
    AccountOrder(
        clientOrderId: id, venueOrderId: 9, symbol: symbol, side: .sell, type: "limit",
        price: filled == 0 ? nil : Price(mantissa: 6_400_000, exponent: -2),
        quantity: Quantity(mantissa: 1_000, exponent: -5), filledQuantity: Quantity(mantissa: filled, exponent: -5),
        averagePrice: filled > 0 ? Amount(e8: 6_400_000_000_000) : nil, status: status, isOpen: status != "filled",
        strategyId: 3, lastUpdateNs: Int64(seq) * 10, lastEventSeq: seq)
}

/// The two postings of one transaction.
func makePostings(_ transaction: String, amount: Int64) -> [Posting] {
    [
        Posting(
            transactionId: transaction, eventKey: "sim:\(transaction)", account: "assets:spot:USDT", asset: "USDT",
            amount: Amount(e8: -amount), venueNs: 5),
        Posting(
            transactionId: transaction, eventKey: "sim:\(transaction)", account: "equity:trading:BTCUSDT",
            asset: "USDT", amount: Amount(e8: amount), venueNs: 5),
    ]
}

/// A position of `symbol` for strategy `strategy`, `size` at exponent −3.
func makePosition(_ symbol: String, strategy: UInt32, size: Int64, ns: Int64) -> PositionEntry {
    var entry = PositionEntry(
        key: PositionKey(strategyId: strategy, symbol: symbol), market: .usdm,
        size: SignedSize(mantissa: size, exponent: -3))
    entry.entryPrice = size == 0 ? nil : Amount(e8: 6_400_000_000_000)
    entry.unrealizedPnl = Amount(e8: size * 1_000)
    entry.realizedPnl = Amount(e8: -12)
    entry.leverage = size == 0 ? nil : 5
    entry.updatedNs = ns
    return entry
}

/// A trade tick at `ns` of `price` at exponent `exponent` and `quantity` (exponent −5).
func trade(_ ns: Int64, _ price: Int64, _ quantity: Int64, symbol: String = "BTCUSDT", exponent: Int8 = -2)
    -> TickRecord
{
    .trade(
        symbol: symbol, ns: ns, price: Price(mantissa: price, exponent: exponent),
        quantity: Quantity(mantissa: quantity, exponent: -5), side: ns % 2 == 0 ? .buy : nil)
}

/// A best bid and offer at `ns` around `bid`.
func bbo(_ ns: Int64, _ bid: Int64, symbol: String = "BTCUSDT") -> TickRecord {
    .bbo(
        symbol: symbol, ns: ns, bidPrice: Price(mantissa: bid, exponent: -2),
        bidQuantity: Quantity(mantissa: 300, exponent: -5), askPrice: Price(mantissa: bid + 1, exponent: -2),
        askQuantity: Quantity(mantissa: 5, exponent: -4))
}

/// A reconciliation report at `timestamp`.
func makeReport(_ timestamp: Int64, mismatches: Int) -> ReconciliationReport {
    let discrepancies = (0..<mismatches).map { index in
        Discrepancy(
            kind: "balance", symbol: "USDT", localSize: Amount(e8: 100), exchangeSize: Amount(e8: 100 + Int64(index)),
            differenceBps: index, detail: "off by \(index)")
    }
    return ReconciliationReport(
        timestamp: timestamp, positionsChecked: 2, balancesChecked: 3, ordersChecked: 4, tradesChecked: 5,
        missingFills: mismatches, discrepancies: discrepancies, exceededThreshold: mismatches > 1, durationNs: 900)
}
