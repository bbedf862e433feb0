import Account
import EngineModel
import Foundation

@testable import Recorder

/// A directory under the system temp directory, removed when the test's body returns.
func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("recorder-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try body(directory)
}

/// A fresh store in a temporary directory (its file deleted afterwards), and the file's path.
func withStore<T>(_ body: (SQLiteRecorder, String) throws -> T) throws -> T {
    try withTemporaryDirectory { directory in
        let path = directory.appendingPathComponent("recorder.sqlite").path
        let store = try SQLiteRecorder(path: path)
        return try body(store, path)
    }
}

/// A fill of BTCUSDT at `price` (exponent −2) for 0.001 (exponent −5).
func makeFill(
    tradeId: UInt64, venue: String = "sim", symbol: String = "BTCUSDT", price: Int64 = 6_400_000, ns: Int64 = 1_000,
    clientOrderId: String = "c1"
) -> Fill {
    Fill(
        venue: venue, tradeId: tradeId, market: .spot, symbol: symbol, baseAsset: "BTC", quoteAsset: "USDT",
        side: tradeId % 2 == 0 ? .buy : .sell, price: Price(mantissa: price, exponent: -2),
        quantity: Quantity(mantissa: 100, exponent: -5), fee: Amount(e8: 6_400), feeAsset: "USDT",
        liquidity: .taker, clientOrderId: clientOrderId, venueOrderId: 77, strategyId: 3, venueNs: ns)
}

/// An order in state `status` as of journal record `seq`.
func makeOrder(_ clientOrderId: String, status: String, filled: Int64, seq: UInt64, symbol: String = "BTCUSDT")
    -> AccountOrder
{
    AccountOrder(
        clientOrderId: clientOrderId, venueOrderId: 9, symbol: symbol, side: .buy, type: "limit",
        price: Price(mantissa: 6_400_000, exponent: -2), quantity: Quantity(mantissa: 1_000, exponent: -5),
        filledQuantity: Quantity(mantissa: filled, exponent: -5),
        averagePrice: filled > 0 ? Amount(e8: 6_400_000_000_000) : nil, status: status,
        isOpen: status != "filled", strategyId: 3, lastUpdateNs: Int64(seq) * 10, lastEventSeq: seq)
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

/// A trade tick at `ns` of `price` (exponent −2) and `quantity` (exponent −5).
func trade(_ ns: Int64, _ price: Int64, _ quantity: Int64, symbol: String = "BTCUSDT") -> TickRecord {
    .trade(
        symbol: symbol, ns: ns, price: Price(mantissa: price, exponent: -2),
        quantity: Quantity(mantissa: quantity, exponent: -5), side: .buy)
}

/// One second in ns.
let second: Int64 = 1_000_000_000
