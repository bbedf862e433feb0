import EngineModel
import Matching
import Testing

/// A BTCUSDT venue like Binance's: tick 0.01, step 0.00001, min notional 5, 8-decimal balances.
enum Fixture {
    /// The symbol every test trades.
    static let symbol = "BTCUSDT"

    /// The instrument: prices at exponent −2, quantities at −5.
    static let instrument: Instrument = {
        do {
            return try Instrument(symbol: symbol, venue: "sim", tickSize: "0.01", stepSize: "0.00001", minNotional: "5")
        } catch {
            preconditionFailure("\(error)")
        }
    }()

    /// BTCUSDT's rules with a max price of 1 000 000, a max quantity of 9000 and a max notional
    /// of 10 000 000.
    static let spec = SymbolSpec(
        instrument: instrument, baseAsset: "BTC", quoteAsset: "USDT", maxPrice: Price("1000000", exponent: -2),
        maxQuantity: Quantity("9000", exponent: -5), maxNotional: Price("10000000", exponent: -2))

    /// An engine listing BTCUSDT.
    static func engine(
        commissions: CommissionSchedule = .free, mode: BookMode = .live, assetExponents: [String: Int8] = [:]
    ) -> MatchingEngine {
        var engine = MatchingEngine(
            configuration: .init(commissions: commissions, assetExponents: assetExponents, seed: 42))
        engine.addSymbol(spec, mode: mode)
        return engine
    }

    /// A price at the symbol's exponent.
    static func p(_ text: String) -> Price { Price(text, exponent: -2) }

    /// A quantity at the symbol's exponent.
    static func q(_ text: String) -> Quantity { Quantity(text, exponent: -5) }

    /// An asset amount at 8 decimals.
    static func amount(_ text: String) -> Quantity { Quantity(text, exponent: -8) }
}

extension MatchingEngine {
    /// Deposits BTC and USDT into `account`.
    mutating func fund(_ account: AccountID, btc: String = "100", usdt: String = "10000000") {
        do {
            _ = try deposit(account: account, asset: "BTC", amount: Fixture.amount(btc), now: 0)
            _ = try deposit(account: account, asset: "USDT", amount: Fixture.amount(usdt), now: 0)
        } catch {
            preconditionFailure(error.description)
        }
    }

    /// Places a LIMIT order on BTCUSDT.
    mutating func limit(
        _ account: AccountID, _ side: Side, _ price: String, _ quantity: String, tif: TimeInForce = .gtc,
        clientOrderId: String? = nil, now: Int64 = 1
    ) throws(VenueError) -> OrderResult {
        try placeOrder(
            .limit(
                Fixture.symbol, side, price: Fixture.p(price), quantity: Fixture.q(quantity), timeInForce: tif,
                clientOrderId: clientOrderId), account: account, now: now)
    }

    /// The free and locked mantissas of a balance.
    func mantissas(_ account: AccountID, _ asset: String) -> (free: Int64, locked: Int64) {
        let balance = balance(account: account, asset: asset)
        return (balance.free.mantissa, balance.locked.mantissa)
    }
}

extension Array where Element == VenueEvent {
    /// The execution reports, in order.
    var reports: [ExecutionReport] { compactMap(\.executionReport) }

    /// The account positions, in order.
    var positions: [AccountPosition] {
        compactMap { if case .accountPosition(let p) = $0 { p } else { nil } }
    }

    /// The public trades, in order.
    var trades: [PublicTrade] { compactMap { if case .trade(let t) = $0 { t } else { nil } } }

    /// The depth updates, in order.
    var depthUpdates: [DepthUpdate] { compactMap { if case .depth(let d) = $0 { d } else { nil } } }

    /// The book tickers, in order.
    var tickers: [BookTicker] { compactMap { if case .bookTicker(let t) = $0 { t } else { nil } } }
}

/// Expects `body` to throw a `VenueError` with exactly this code and message.
func expectVenueError(
    _ code: Int, _ msg: String, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("expected error \(code) \(msg), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as VenueError {
        #expect(error.code == code, sourceLocation: sourceLocation)
        #expect(error.msg == msg, sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected a VenueError, got \(error)", sourceLocation: sourceLocation)
    }
}

/// A local order book kept the way a Binance client keeps one: a snapshot, then diffs.
struct LocalBook: Equatable {
    /// Bid quantities by price.
    var bids: [Price: Quantity] = [:]
    /// Ask quantities by price.
    var asks: [Price: Quantity] = [:]
    /// The last applied update id.
    var lastUpdateId: Int64

    /// A book from a snapshot.
    init(_ snapshot: DepthSnapshot) {
        lastUpdateId = snapshot.lastUpdateId
        for level in snapshot.bids { bids[level.price] = level.quantity }
        for level in snapshot.asks { asks[level.price] = level.quantity }
    }

    /// Applies a diff; false when it does not continue the sequence (a gap).
    mutating func apply(_ update: DepthUpdate) -> Bool {
        if update.lastUpdateId <= lastUpdateId { return true }
        guard update.firstUpdateId <= lastUpdateId + 1 else { return false }
        for level in update.bids { bids[level.price] = level.quantity.isZero ? nil : level.quantity }
        for level in update.asks { asks[level.price] = level.quantity.isZero ? nil : level.quantity }
        lastUpdateId = update.lastUpdateId
        return true
    }
}
