import EngineModel

/// Background liquidity for a live symbol: a seeded, deterministic "participant" that, each
/// time it is stepped, posts a post-only order a few ticks around a drifting mid, cancels a
/// stale one, or now and then crosses the spread with a small market order — so the simulated
/// book keeps moving like a real one.
///
/// It trades through the engine's public API from its own account, like any user. It owns no
/// timer and reads no clock or system randomness: the caller decides when to `step(_:now:)`,
/// and the same seed against the same engine state gives the same orders. Its post-only
/// prices are kept one tick off the opposite best, so it never tries to take with them.
public struct LiquidityParticipant: Sendable {
    /// What the participant trades and how busily.
    public struct Configuration: Hashable, Sendable {
        /// The symbol (listed in `.live` mode).
        public var symbol: String
        /// The participant's own account.
        public var account: AccountID
        /// Where the mid starts.
        public var initialMid: Price
        /// Orders are posted 1…`levels` ticks from the mid.
        public var levels: Int
        /// Above this many open orders it only cancels.
        public var maxOpenOrders: Int
        /// Order sizes in steps, raised to LOT_SIZE's minimum and the minimum notional.
        public var sizeSteps: ClosedRange<Int>
        /// Chance per step (‰) of canceling the order farthest from the mid.
        public var cancelPerMille: Int
        /// Chance per step (‰) of a market order.
        public var marketPerMille: Int
        /// Chance per step (‰) of the mid moving.
        public var driftPerMille: Int
        /// The largest mid move, in ticks.
        public var maxDriftTicks: Int

        /// A configuration with moderate defaults.
        public init(
            symbol: String, account: AccountID = "participant", initialMid: Price, levels: Int = 10,
            maxOpenOrders: Int = 60, sizeSteps: ClosedRange<Int> = 1...20, cancelPerMille: Int = 250,
            marketPerMille: Int = 50, driftPerMille: Int = 200, maxDriftTicks: Int = 2
        ) {
            self.symbol = symbol
            self.account = account
            self.initialMid = initialMid
            self.levels = levels
            self.maxOpenOrders = maxOpenOrders
            self.sizeSteps = sizeSteps
            self.cancelPerMille = cancelPerMille
            self.marketPerMille = marketPerMille
            self.driftPerMille = driftPerMille
            self.maxDriftTicks = maxDriftTicks
        }
    }

    /// The settings.
    public let configuration: Configuration

    /// The generator; its state is the participant's whole randomness.
    public private(set) var random: SimRandom

    /// The current mid price mantissa at the symbol's price exponent (set on the first step).
    private var mid: Int64?

    /// A participant drawing from `seed`.
    public init(configuration: Configuration, seed: UInt64) {
        self.configuration = configuration
        random = SimRandom(seed: seed)
    }

    /// Deposits ample base and quote balances into the participant's account.
    public func fund(_ engine: inout MatchingEngine, now: Int64) throws(VenueError) -> [VenueEvent] {
        let spec = try engine.spec(configuration.symbol)
        var events: [VenueEvent] = []
        for asset in [spec.baseAsset, spec.quoteAsset] {
            let amount = Quantity(mantissa: Int64.max / 8, exponent: engine.assetExponent(asset))
            events += try engine.deposit(account: configuration.account, asset: asset, amount: amount, now: now)
        }
        return events
    }

    /// Takes one action and returns the events it caused (empty when the engine refused it,
    /// e.g. for lack of balance or liquidity).
    public mutating func step(_ engine: inout MatchingEngine, now: Int64) -> [VenueEvent] {
        guard let spec = try? engine.spec(configuration.symbol),
            let open = try? engine.openOrders(account: configuration.account, symbol: configuration.symbol)
        else { return [] }
        let tick = spec.instrument.tickSize.mantissa
        var mid = self.mid ?? ((try? configuration.initialMid.rescaled(to: spec.priceExponent).mantissa) ?? tick)
        if random.chance(perMille: configuration.driftPerMille) {
            mid += Int64(random.int(in: -configuration.maxDriftTicks...configuration.maxDriftTicks)) * tick
        }
        mid = max(mid - mid % tick, tick * Int64(configuration.levels + 2))
        self.mid = mid

        if !open.isEmpty
            && (open.count > configuration.maxOpenOrders || random.chance(perMille: configuration.cancelPerMille))
        {
            let farthest = open.max { distance($0, from: mid) < distance($1, from: mid) }!
            let result = try? engine.cancelOrder(
                symbol: spec.symbol, account: configuration.account, order: .orderId(farthest.orderId), now: now)
            return result?.events ?? []
        }
        let side: Side = random.chance(perMille: 500) ? .buy : .sell
        let book = try? engine.book(symbol: spec.symbol)
        if random.chance(perMille: configuration.marketPerMille) {
            let reference = (try? engine.lastTradePrice(symbol: spec.symbol))??.mantissa ?? mid
            let request = NewOrder.market(spec.symbol, side, quantity: size(spec, price: reference))
            return (try? engine.placeOrder(request, account: configuration.account, now: now))?.events ?? []
        }
        let offset = Int64(random.int(in: 1...max(1, configuration.levels))) * tick
        var price = side == .buy ? mid - offset : mid + offset
        if side == .buy, let ask = book?.bestAsk?.price.mantissa { price = min(price, ask - tick) }
        if side == .sell, let bid = book?.bestBid?.price.mantissa { price = max(price, bid + tick) }
        guard price > 0 else { return [] }
        let request = NewOrder.limitMaker(
            spec.symbol, side, price: spec.price(price), quantity: size(spec, price: price))
        return (try? engine.placeOrder(request, account: configuration.account, now: now))?.events ?? []
    }

    /// A random size in steps, raised to LOT_SIZE's minimum and to the minimum notional at
    /// `price`.
    private mutating func size(_ spec: SymbolSpec, price: Int64) -> Quantity {
        let step = spec.instrument.stepSize.mantissa
        var quantity = Int64(random.int(in: configuration.sizeSteps)) * step
        quantity = max(quantity, spec.minQuantity.mantissa)
        let needed =
            ScaledMath.quotient(
                spec.instrument.minNotional.mantissa, shift: -Int(spec.quantityExponent), dividedBy: max(price, 1),
                rounding: .up) ?? quantity
        quantity = max(quantity, needed)
        quantity += (step - quantity % step) % step
        return spec.quantity(quantity)
    }

    /// How far an order's price is from the mid, in price mantissa units.
    private func distance(_ order: VenueOrder, from mid: Int64) -> Int64 {
        abs(order.price.mantissa - mid)
    }

    /// The current mid, once the participant has stepped.
    public func midPrice(exponent: Int8) -> Price? {
        mid.map { Price(mantissa: $0, exponent: exponent) }
    }
}
