import Account
import EngineModel
import Testing

/// Events and settings for account book tests: BTCUSDT and ETHUSDT spot, BTCUSDT-PERP USD-M, PnL in USDT.
enum BookFixture {
    static let settings = AccountBookSettings(
        venue: "sim", quoteAsset: "USDT",
        symbols: [
            "BTCUSDT": SymbolInfo(baseAsset: "BTC", quoteAsset: "USDT", market: .spot),
            "ETHUSDT": SymbolInfo(baseAsset: "ETH", quoteAsset: "USDT", market: .spot),
            "BTCUSDT-PERP": SymbolInfo(baseAsset: "BTC", quoteAsset: "USDT", market: .usdm),
        ])

    static func price(_ text: String) -> Price { Price(text, exponent: -2) }
    static func quantity(_ text: String) -> Quantity { Quantity(text, exponent: -5) }
    static func amount(_ text: String) -> Amount { Amount(parsing: text)! }

    static func fill(
        _ tradeId: UInt64, _ side: Side, _ quantity: String, at price: String, symbol: String = "BTCUSDT",
        fee: String = "0", feeAsset: String = "USDT", strategy: UInt32 = 1, order: String = "o1", ns: Int64 = 1_000
    ) -> Fill {
        let info = settings.symbols[symbol]!
        return Fill(
            venue: "sim", tradeId: tradeId, market: info.market, symbol: symbol, baseAsset: info.baseAsset,
            quoteAsset: info.quoteAsset, side: side, price: Self.price(price), quantity: Self.quantity(quantity),
            fee: amount(fee), feeAsset: feeAsset, liquidity: .taker, clientOrderId: order, venueOrderId: 7,
            strategyId: strategy, venueNs: ns)
    }

    static func mark(_ symbol: String, _ price: String, ns: Int64 = 2_000) -> AccountEvent {
        .mark(symbol: symbol, price: Self.price(price), ns: ns)
    }

    static let btc = PositionKey(strategyId: 1, symbol: "BTCUSDT")
}

@Suite struct AccountBookPositionTests {
    typealias F = BookFixture

    /// buy 0.002 @ 64000 then 0.001 @ 65000: (128 + 65) / 0.003 = 64333.333… → 64333.33333333.
    static func bookWithAverage() -> AccountBook {
        var book = AccountBook(settings: F.settings)
        _ = book.apply(.fill(F.fill(1, .buy, "0.002", at: "64000")))
        _ = book.apply(.fill(F.fill(2, .buy, "0.001", at: "65000")))
        return book
    }

    @Test func averageCostOnIncrease() {
        let book = Self.bookWithAverage()
        let entry = book.snapshot().positions[F.btc]!
        #expect(entry.entryPrice == F.amount("64333.33333333"))
        #expect(entry.size == SignedSize(.buy, F.quantity("0.003")))
        #expect(book.signedSize(of: F.btc) == SignedSize(mantissa: 300, exponent: -5))
        #expect(entry.realizedPnl == .zero)
        #expect(book.pnl.closingTrades == 0)
    }

    /// sell 0.0015 @ 66000: (66000 − 64333.33333333) × 0.0015 = 1666.66666667 × 0.0015 = 2.500000000005,
    /// which rounds to 2.5 at 1e-8; the average of what is left does not move.
    @Test func partialReduceRealizesExactly() {
        var book = Self.bookWithAverage()
        let changes = book.apply(.fill(F.fill(3, .sell, "0.0015", at: "66000")))
        let entry = book.snapshot().positions[F.btc]!
        #expect(entry.realizedPnl == F.amount("2.5"))
        #expect(entry.size == SignedSize(.buy, F.quantity("0.0015")))
        #expect(entry.entryPrice == F.amount("64333.33333333"))
        #expect(book.pnl.realizedPnl == F.amount("2.5"))
        #expect(book.pnlByStrategy[1]?.realizedPnl == F.amount("2.5"))
        #expect(book.pnl.closingTrades == 1 && book.pnl.winningTrades == 1)
        #expect(changes.contains(.position(entry)))
    }

    /// sell 0.0025 @ 63000 from long 0.0015: closes 0.0015 at (63000 − 64333.33333333) × 0.0015 =
    /// −1.999999999995 → −2, then opens short 0.001 at 63000.
    @Test func flipThroughZero() {
        var book = Self.bookWithAverage()
        _ = book.apply(.fill(F.fill(3, .sell, "0.0015", at: "66000")))
        _ = book.apply(.fill(F.fill(4, .sell, "0.0025", at: "63000")))
        let entry = book.snapshot().positions[F.btc]!
        #expect(entry.realizedPnl == F.amount("0.5"))
        #expect(book.signedSize(of: F.btc) == SignedSize(mantissa: -100, exponent: -5))
        #expect(entry.size == SignedSize(mantissa: -100, exponent: -5) && entry.side == "short")
        #expect(entry.entryPrice == F.amount("63000"))
        #expect(book.pnl.closingTrades == 2 && book.pnl.winningTrades == 1)
    }

    @Test func shortPositions() {
        var book = AccountBook(settings: F.settings)
        _ = book.apply(.fill(F.fill(1, .sell, "0.002", at: "100")))
        _ = book.apply(.fill(F.fill(2, .sell, "0.002", at: "110")))
        #expect(book.snapshot().positions[F.btc]?.entryPrice == F.amount("105"))
        _ = book.apply(.fill(F.fill(3, .buy, "0.001", at: "90")))  // (90 − 105) × 0.001 × −1
        #expect(book.pnl.realizedPnl == F.amount("0.015"))
        _ = book.apply(F.mark("BTCUSDT", "100"))  // (100 − 105) × 0.003 × −1
        #expect(book.pnl.unrealizedPnl == F.amount("0.015"))
        #expect(book.signedSize(of: F.btc)?.isShort == true)
        _ = book.apply(.fill(F.fill(4, .buy, "0.003", at: "120")))  // (120 − 105) × 0.003 × −1
        let entry = book.snapshot().positions[F.btc]!
        #expect(entry.realizedPnl == F.amount("-0.03"))
        #expect(entry.size.isFlat && entry.side == "flat" && entry.entryPrice == nil && entry.unrealizedPnl == .zero)
        #expect(book.pnl.unrealizedPnl == .zero)
    }

    @Test func duplicateFillIgnored() {
        var book = AccountBook(settings: F.settings)
        let fill = F.fill(1, .buy, "0.002", at: "64000")
        let first = book.apply(.fill(fill), seq: 5)
        let before = book.snapshot()
        #expect(first.contains(.fill(fill)))
        #expect(book.apply(.fill(fill), seq: 6).isEmpty)
        let after = book.snapshot()
        #expect(after.version == before.version && after.journalSeq == 5)
        #expect(after.positions == before.positions)
        #expect(book.hasSeen(tradeKey: "sim:1") && book.appliedSeq == 6)
        var recovered = AccountBook(settings: F.settings)
        recovered.markSeen(book.seenTradeKeys)
        #expect(recovered.apply(.fill(fill)).isEmpty)
    }

    @Test func feeInBaseAssetConvertedAtFillPrice() {
        var book = AccountBook(settings: F.settings)
        _ = book.apply(.fill(F.fill(1, .buy, "0.01", at: "64000", fee: "0.00001", feeAsset: "BTC")))
        #expect(book.snapshot().positions[F.btc]?.feesPaid == F.amount("0.64"))
        #expect(book.pnl.feesPaid == F.amount("0.64"))
        #expect(book.pnl.totalPnl == F.amount("-0.64"))
    }

    @Test func feeInBNBConvertedWithAMarkUnconvertedWithout() {
        var book = AccountBook(settings: F.settings)
        _ = book.apply(.fill(F.fill(1, .buy, "0.01", at: "64000", fee: "0.001", feeAsset: "BNB")))
        #expect(book.unconvertedFees["BNB"] == F.amount("0.001"))
        #expect(book.pnl.feesPaid == .zero)
        _ = book.apply(F.mark("BNBUSDT", "600.5"))
        _ = book.apply(.fill(F.fill(2, .buy, "0.01", at: "64000", fee: "0.002", feeAsset: "BNB")))
        #expect(book.pnl.feesPaid == F.amount("1.201"))
        #expect(book.unconvertedFees["BNB"] == F.amount("0.001"))
    }

    @Test func unrealizedFollowsMarks() {
        var book = AccountBook(settings: F.settings)
        _ = book.apply(.fill(F.fill(1, .buy, "0.002", at: "64000")))
        _ = book.apply(.fill(F.fill(2, .buy, "1", at: "3000", symbol: "ETHUSDT", strategy: 2)))
        let changes = book.apply(F.mark("BTCUSDT", "65000"))
        #expect(changes.count == 2)  // the BTC position and the PnL, not ETH
        #expect(book.snapshot().positions[F.btc]?.markPrice == F.amount("65000"))
        #expect(book.pnl.unrealizedPnl == F.amount("2"))
        _ = book.apply(F.mark("BTCUSDT", "63000"))
        #expect(book.pnl.unrealizedPnl == F.amount("-2"))
        _ = book.apply(F.mark("ETHUSDT", "3100"))
        #expect(book.pnl.unrealizedPnl == F.amount("98"))
        #expect(book.pnlByStrategy[2]?.unrealizedPnl == F.amount("100"))
        #expect(book.apply(F.mark("ETHUSDT", "3100")).isEmpty)
    }

    @Test func venuePositionLeverageAndFunding() {
        var book = AccountBook(settings: F.settings)
        let key = PositionKey(strategyId: 1, symbol: "BTCUSDT-PERP")
        _ = book.apply(.fill(F.fill(1, .buy, "0.002", at: "64000", symbol: "BTCUSDT-PERP")))
        let update = PositionUpdate(
            symbol: "BTCUSDT-PERP", size: SignedSize(.buy, F.quantity("0.002")), entryPrice: F.price("64000"), leverage: 10,
            liquidationPrice: F.price("58000"), markPrice: F.price("65000"), venueNs: 3_000)
        let changes = book.apply(.position(update))
        #expect(changes.contains(.venuePosition(update)))
        let entry = book.snapshot().positions[key]!
        #expect(entry.market == .usdm && entry.leverage == 10)
        #expect(entry.marginUsed == F.amount("13") && entry.liquidationPrice == F.amount("58000"))
        #expect(entry.unrealizedPnl == F.amount("2"))
        #expect(book.snapshot().venuePositions["BTCUSDT-PERP"] == update)
        let funding = FundingPayment(
            venue: "sim", eventId: "f1", symbol: "BTCUSDT-PERP", asset: "USDT", amount: F.amount("-0.35"),
            venueNs: 4_000)
        #expect(!book.apply(.funding(funding)).isEmpty)
        #expect(book.apply(.funding(funding)).isEmpty)
        #expect(book.pnl.funding == F.amount("-0.35") && book.pnlByStrategy[0]?.funding == F.amount("-0.35"))
        #expect(
            book.snapshot().positions[PositionKey(strategyId: 0, symbol: "BTCUSDT-PERP")]?.funding == F.amount("-0.35"))
    }
}
