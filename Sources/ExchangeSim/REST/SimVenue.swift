import EngineModel
import Matching

/// The venue's state behind the REST server: the matching engine, the liquidity participants
/// that keep its books moving, and the recent public trades — serialised by one actor so every
/// handler sees a consistent engine.
actor SimVenue {
    /// The matching engine (a value: every call mutates it in place here).
    var engine: MatchingEngine
    /// One participant per symbol.
    private var participants: [LiquidityParticipant]
    /// The newest public trades per symbol, oldest first.
    private var trades: [String: [PublicTrade]] = [:]
    /// How many public trades each symbol keeps.
    private static let tradeHistory = 1000
    /// The market-data WebSocket fan-out every public event is published to.
    nonisolated let streams: StreamHub
    /// The WebSocket API's user data fan-out every account event is published to.
    nonisolated let userData = UserDataHub()
    /// Whether `stepParticipants` is suspended.
    private var participantsPaused = false
    /// The replayed symbols' progress (`SimVenue+Replay.swift`).
    var replayed: [String: ReplaySymbolProgress] = [:]
    /// The USD-M clearing (positions, margin, funding) of the futures venue; nil on spot.
    var clearing: FuturesClearing?
    /// The futures venue's listen keys and user data connections (unused on spot).
    nonisolated let listenKeys = ListenKeyHub()
    /// Whether a liquidation is running (its own events must not start another).
    var liquidating = false

    /// A venue listing the configuration's symbols of `market`, with funded test accounts and
    /// participants stepped `warmUpSteps` times so books are not empty; the market's replayed
    /// symbols are listed in shadow mode instead (`SimVenue+Replay.swift`).
    init(configuration: ExchangeSimServer.Configuration, now: Int64, market: SimMarket = .spot) throws(VenueError) {
        var engine = MatchingEngine(configuration: .init(commissions: configuration.commissions,
            seed: configuration.seed))
        let replayedNames = Set(Self.replayedSpecs(configuration, market: market).map(\.symbol))
        let symbols = (market == .spot ? configuration.symbols : configuration.futures.symbols)
            .filter { !replayedNames.contains($0.symbol) }
        for symbol in symbols { engine.addSymbol(symbol.spec) }
        var participants: [LiquidityParticipant] = []
        for (index, symbol) in symbols.enumerated() {
            let participant = LiquidityParticipant(
                configuration: .init(
                    symbol: symbol.symbol, account: AccountID("participant-\(symbol.symbol)"),
                    initialMid: symbol.initialMid),
                seed: configuration.seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
            _ = try participant.fund(&engine, now: now)
            try Self.seedLadder(&engine, symbol, now: now)
            participants.append(participant)
        }
        for credential in configuration.credentials {
            for (asset, amount) in configuration.initialBalances.sorted(by: { $0.key < $1.key }) {
                let quantity = Quantity(amount, exponent: engine.assetExponent(asset))
                _ = try engine.deposit(account: credential.account, asset: asset, amount: quantity, now: now)
            }
        }
        replayed = try Self.listReplayed(&engine, configuration: configuration, market: market, now: now)
        streams = StreamHub(market: market)
        var trades: [String: [PublicTrade]] = [:]
        for _ in 0..<configuration.warmUpSteps {
            Self.record(Self.step(&participants, &engine, now: now), into: &trades, history: Self.tradeHistory)
        }
        self.engine = engine
        self.participants = participants
        self.trades = trades
        if market == .usdm {
            let futures = configuration.futures
            clearing = FuturesClearing(
                settings: FuturesSettings(futures), accounts: configuration.credentials.map(\.account),
                now: futures.clock?.now ?? now)
        }
    }

    /// Rests a ladder of post-only orders from the symbol's market-maker account, 20 levels a
    /// side 10 ticks apart around the starting mid, each worth 100 × the minimum notional, so
    /// both sides of every book have depth before the participants start.
    private static func seedLadder(_ engine: inout MatchingEngine, _ symbol: SimSymbol, now: Int64) throws(VenueError) {
        let spec = symbol.spec
        let maker = AccountID("maker-\(spec.symbol)")
        for asset in [spec.baseAsset, spec.quoteAsset] {
            let amount = Quantity(mantissa: Int64.max / 8, exponent: engine.assetExponent(asset))
            _ = try engine.deposit(account: maker, asset: asset, amount: amount, now: now)
        }
        let tick = spec.instrument.tickSize.mantissa
        let step = spec.instrument.stepSize.mantissa
        guard let mid = try? symbol.initialMid.rescaled(to: spec.priceExponent).mantissa else { return }
        let target = spec.instrument.minNotional.mantissa * 100
        for level in 1...20 {
            for side in [Side.buy, .sell] {
                let price = side == .buy ? mid - Int64(level) * 10 * tick : mid + Int64(level) * 10 * tick
                guard price > 0,
                    var quantity = ScaledMath.quotient(
                        target, shift: -Int(spec.quantityExponent), dividedBy: price, rounding: .up)
                else { continue }
                quantity = max(spec.minQuantity.mantissa, quantity + (step - quantity % step) % step)
                let order = NewOrder.limitMaker(
                    spec.symbol, side, price: Price(mantissa: price, exponent: spec.priceExponent),
                    quantity: Quantity(mantissa: quantity, exponent: spec.quantityExponent))
                _ = try engine.placeOrder(order, account: maker, now: now)
            }
        }
    }

    /// Lets every participant act once.
    func stepParticipants(now: Int64) {
        guard !participantsPaused else { return }
        record(Self.step(&participants, &engine, now: now))
    }

    /// Suspends or resumes the participants (the books then only move on client orders).
    func setParticipantsPaused(_ paused: Bool) {
        participantsPaused = paused
    }

    /// One action of every participant; the events they caused.
    private static func step(
        _ participants: inout [LiquidityParticipant], _ engine: inout MatchingEngine, now: Int64
    ) -> [VenueEvent] {
        participants.indices.flatMap { participants[$0].step(&engine, now: now) }
    }

    /// The rules of the listed symbols, in listing order, or of the named ones (-1121 if one
    /// is unknown).
    func specs(_ names: [String]?) throws(VenueError) -> [SymbolSpec] {
        let names = names ?? engine.listedSymbols
        var specs: [SymbolSpec] = []
        for name in names { specs.append(try engine.spec(name)) }
        return specs
    }

    /// The book's top `limit` levels.
    func depth(symbol: String, limit: Int) throws(VenueError) -> DepthSnapshot {
        if let replayed = replayDepth(symbol: symbol, limit: limit) { return replayed.depth }
        return try engine.depth(symbol: symbol, limit: limit)
    }

    /// The newest `limit` public trades, oldest first.
    func recentTrades(symbol: String, limit: Int) throws(VenueError) -> [PublicTrade] {
        let spec = try engine.spec(symbol)
        return Array((trades[spec.symbol] ?? []).suffix(limit))
    }

    /// The rules of one symbol.
    func spec(_ symbol: String) throws(VenueError) -> SymbolSpec { try engine.spec(symbol) }

    /// Places an order (`POST /api/v3/order`).
    func place(_ order: NewOrder, account: AccountID, now: Int64) throws(VenueError) -> OrderResult {
        let result = try engine.placeOrder(order, account: account, now: now)
        record(result.events)
        return result
    }

    /// Cancels an order (`DELETE /api/v3/order`).
    func cancel(
        symbol: String, account: AccountID, order: OrderRef, newClientOrderId: String?, now: Int64
    ) throws(VenueError) -> CancelResult {
        let result = try engine.cancelOrder(
            symbol: symbol, account: account, order: order, newClientOrderId: newClientOrderId, now: now)
        record(result.events)
        return result
    }

    /// Cancels all of an account's orders on a symbol (`DELETE /api/v3/openOrders`).
    func cancelAll(symbol: String, account: AccountID, now: Int64) throws(VenueError) -> CancelAllResult {
        let result = try engine.cancelAllOrders(symbol: symbol, account: account, now: now)
        record(result.events)
        return result
    }

    /// One order (`GET /api/v3/order`).
    func order(symbol: String, account: AccountID, _ ref: OrderRef) throws(VenueError) -> VenueOrder {
        try engine.order(symbol: symbol, account: account, ref)
    }

    /// Open orders (`GET /api/v3/openOrders`).
    func openOrders(account: AccountID, symbol: String?) throws(VenueError) -> [VenueOrder] {
        try engine.openOrders(account: account, symbol: symbol)
    }

    /// Balances and commission rates (`GET /api/v3/account`).
    func account(_ account: AccountID) -> (balances: [VenueBalance], commissions: CommissionSchedule) {
        (engine.balances(account: account), engine.commission(for: account))
    }

    /// Fills (`GET /api/v3/myTrades`).
    func myTrades(account: AccountID, symbol: String, limit: Int) throws(VenueError) -> [VenueFill] {
        try engine.myTrades(account: account, symbol: symbol, limit: limit)
    }

    /// Credits an account (a deposit, `POST /sim/v1/deposit`): a `balanceUpdate` and an
    /// `outboundAccountPosition` on its user data stream.
    func deposit(account: AccountID, asset: String, amount: Quantity, now: Int64) throws(VenueError) {
        record(try engine.deposit(account: account, asset: asset, amount: amount, now: now))
    }

    /// Publishes `events` to the market and user data streams and keeps the public trades.
    func record(_ events: [VenueEvent]) {
        streams.publish(events)
        userData.publish(events)
        Self.record(events, into: &trades, history: Self.tradeHistory)
        if clearing != nil { settleFutures(events) }
    }

    /// Appends the public trades among `events` to `trades`, keeping at least `history` a symbol.
    private static func record(_ events: [VenueEvent], into trades: inout [String: [PublicTrade]], history: Int) {
        for event in events {
            guard case .trade(let trade) = event else { continue }
            trades[trade.symbol, default: []].append(trade)
            if trades[trade.symbol]!.count > history * 2 {
                trades[trade.symbol]!.removeFirst(history)
            }
        }
    }
}
