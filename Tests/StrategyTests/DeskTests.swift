import EngineModel
import Strategy
import Testing

/// BTCUSDT as Binance spot lists it: tick 0.01, step 0.00001.
let btc = try! Instrument(symbol: "BTCUSDT", venue: "binance", tickSize: "0.01", stepSize: "0.00001", minNotional: "5")
/// The perpetual: tick 0.1, step 0.001.
let perp = try! Instrument(symbol: "BTCUSDT", venue: "binance-futures", tickSize: "0.1", stepSize: "0.001", minNotional: "5")

func quote(_ bid: Int64, _ ask: Int64, qty: Int64 = 100_000) -> Quote {
    Quote(bidPrice: bid, bidQuantity: qty, askPrice: ask, askQuantity: qty)
}

@Suite("Order desk: signals to orders")
struct DeskTests {
    @Test("urgency decides the order: passive rests at the hint, normal joins the touch, aggressive crosses IOC")
    func urgency() {
        var desk = OrderDesk(instruments: [btc], clientIdPrefix: "t")
        let q = quote(6_000_000, 6_000_010)
        func placed(_ actions: [DeskAction]) -> OrderIntent? {
            for case .place(let intent) in actions { return intent }
            return nil
        }
        let passive = placed(desk.plan(Signal(instrument: 0, side: .buy, strength: 1, priceHint: 5_999_000, urgency: .passive), strategyId: 1, orderSize: 1000, quote: q))
        #expect(passive?.type == .limitMaker && passive?.price == 5_999_000 && passive?.quantity == 1000)
        let normal = placed(desk.plan(Signal(instrument: 0, side: .sell, strength: 1, urgency: .normal), strategyId: 2, orderSize: 1000, quote: q))
        #expect(normal?.type == .limitMaker && normal?.price == 6_000_010)
        let aggressive = placed(desk.plan(Signal(instrument: 0, side: .buy, strength: 0.5, urgency: .aggressive), strategyId: 3, orderSize: 1001, quote: q))
        #expect(aggressive?.type == .limit && aggressive?.timeInForce == .ioc && aggressive?.price == 6_000_010)
        // Strength scales the size, rounded down to the step.
        #expect(aggressive?.quantity == 500)
    }

    @Test("one working order per strategy and side: an unchanged wish sends nothing, a new price replaces, strength 0 cancels")
    func replaces() {
        var desk = OrderDesk(instruments: [btc], clientIdPrefix: "t")
        let q = quote(6_000_000, 6_000_010)
        let first = desk.plan(Signal(instrument: 0, side: .buy, strength: 1, priceHint: 5_999_000, urgency: .passive), strategyId: 1, orderSize: 1000, quote: q)
        guard case .place(let order) = first.first else {
            Issue.record("nothing placed")
            return
        }
        // Not acknowledged yet: a changed wish waits.
        #expect(desk.plan(Signal(instrument: 0, side: .buy, strength: 1, priceHint: 5_998_000, urgency: .passive), strategyId: 1, orderSize: 1000, quote: q).isEmpty)
        desk.update(OrderStatusUpdate(instrument: 0, clientOrderId: order.clientOrderId, side: .buy, status: .open, timeNs: 1))
        #expect(desk.plan(Signal(instrument: 0, side: .buy, strength: 1, priceHint: 5_999_000, urgency: .passive), strategyId: 1, orderSize: 1000, quote: q).isEmpty)
        let replaced = desk.plan(Signal(instrument: 0, side: .buy, strength: 1, priceHint: 5_998_000, urgency: .passive), strategyId: 1, orderSize: 1000, quote: q)
        #expect(replaced.count == 2)
        #expect(replaced.last == .cancel(instrument: 0, clientOrderId: order.clientOrderId, strategyId: 1))
        guard case .place(let second) = replaced.first else {
            Issue.record("no replacement")
            return
        }
        desk.update(OrderStatusUpdate(instrument: 0, clientOrderId: second.clientOrderId, side: .buy, status: .open, timeNs: 2))
        let withdrawn = desk.plan(Signal.withdraw(0, .buy), strategyId: 1, orderSize: 1000, quote: q)
        #expect(withdrawn == [.cancel(instrument: 0, clientOrderId: second.clientOrderId, strategyId: 1)])
        #expect(desk.working(0, .buy) == 2000)  // both cancels still pending
        desk.update(OrderStatusUpdate(instrument: 0, clientOrderId: order.clientOrderId, side: .buy, status: .canceled, timeNs: 3))
        desk.update(OrderStatusUpdate(instrument: 0, clientOrderId: second.clientOrderId, side: .buy, status: .canceled, timeNs: 3))
        #expect(desk.count == 0)
    }
}

@Suite("Signal aggregation")
struct AggregationTests {
    let signals = [
        Signal(instrument: 0, side: .buy, strength: 0.9, urgency: .passive, strategy: "a"),
        Signal(instrument: 0, side: .buy, strength: 0.3, urgency: .aggressive, strategy: "b"),
        Signal(instrument: 0, side: .sell, strength: 1, urgency: .normal, strategy: "c"),
    ]

    @Test("majority: two buys beat one sell; the mean strength of the winners, the most urgent urgency")
    func majority() {
        let out = SignalAggregator(method: .majority).combine(signals)
        #expect(out.count == 1)
        #expect(out[0].side == .buy && abs(out[0].strength - 0.6) < 1e-9 && out[0].urgency == .aggressive)
        #expect(out[0].strategy == aggregateStrategyName)
        #expect(SignalAggregator(method: .majority).combine(Array(signals.dropFirst())).isEmpty, "a tie trades nothing")
    }

    @Test("weighted: configured weights decide the net side and strength")
    func weighted() {
        let heavySeller = SignalAggregator(method: .weighted(byPerformance: false), weights: ["a": 1, "b": 1, "c": 3])
        let out = heavySeller.combine(signals)
        #expect(out.first?.side == .sell)
        #expect(abs((out.first?.strength ?? 0) - (3 - 1.2) / 5) < 1e-9)
        let byPerformance = SignalAggregator(method: .weighted(byPerformance: true))
        #expect(byPerformance.combine(signals, performance: ["a": 10, "b": 0, "c": 0]).first?.side == .buy)
    }

    @Test("first above threshold walks the configured order; an ensemble function decides alone")
    func firstAndEnsemble() {
        let first = SignalAggregator(method: .firstAboveThreshold(0.95), order: ["a", "b", "c"]).combine(signals)
        #expect(first.first?.side == .sell && first.first?.strength == 1)
        let ensemble = SignalAggregator(method: .ensemble(name: "strongest") { $0.max { $0.strength < $1.strength } })
        #expect(ensemble.combine(signals).first?.side == .sell)
        #expect(throws: StrategyConfigError.self) { try AggregationMethod(name: "vote") }
        #expect("\(try! AggregationMethod(name: "first_above:0.7"))" == "first_above:0.7")
    }
}

@Suite("Risk limits")
struct LimitTests {
    @Test("position limit, frequency, daily loss, drawdown, exposure and leverage each refuse with their reason")
    func limits() throws {
        var limits = RiskLimits()
        limits.maxPosition = ["BTCUSDT": "0.02"]
        limits.maxOrdersPerSecond = 2
        limits.dailyLossLimit = 100_00000000
        limits.maxDrawdown = 200_00000000
        var guardian = try LimitGuard(limits: limits, instruments: [btc])
        let price: Int64 = 6_000_000  // 60000.00
        #expect(guardian.check(instrument: 0, side: .buy, quantity: 3000, price: price, positions: [0], marks: [price], figures: nil, now: 0)?.code == .positionLimit)
        #expect(guardian.check(instrument: 0, side: .buy, quantity: 1000, price: price, positions: [0], marks: [price], figures: nil, now: 0) == nil)
        #expect(guardian.check(instrument: 0, side: .buy, quantity: 1000, price: price, positions: [1000], marks: [price], figures: nil, now: 1) == nil)
        #expect(guardian.check(instrument: 0, side: .sell, quantity: 1000, price: price, positions: [2000], marks: [price], figures: nil, now: 2)?.code == .orderFrequency)
        #expect(guardian.check(instrument: 0, side: .buy, quantity: 1000, price: price, positions: [0], marks: [price], figures: RiskFigures(dailyPnl: -101_00000000), now: 2_000_000_000)?.code == .dailyLoss)
        #expect(guardian.check(instrument: 0, side: .buy, quantity: 1000, price: price, positions: [0], marks: [price], figures: RiskFigures(drawdown: 201_00000000), now: 3_000_000_000)?.code == .maxDrawdown)
        // A reducing order passes the loss limits.
        #expect(guardian.check(instrument: 0, side: .sell, quantity: 1000, price: price, positions: [2000], marks: [price], figures: RiskFigures(dailyPnl: -500_00000000), now: 4_000_000_000) == nil)
        #expect(guardian.rejected[.positionLimit] == 1 && guardian.rejected[.orderFrequency] == 1)

        var exposure = RiskLimits()
        exposure.maxTotalExposure = 1000_00000000  // 1000 USDT
        exposure.maxLeverage = 2
        var g2 = try LimitGuard(limits: exposure, instruments: [btc])
        // 0.02 BTC at 60000 = 1200 USDT.
        #expect(g2.check(instrument: 0, side: .buy, quantity: 2000, price: price, positions: [0], marks: [price], figures: nil, now: 0)?.code == .totalExposure)
        // 0.01 BTC = 600 USDT over 250 of equity: leverage 2.4.
        #expect(g2.check(instrument: 0, side: .buy, quantity: 1000, price: price, positions: [0], marks: [price], figures: RiskFigures(equity: 250_00000000), now: 0)?.code == .maxLeverage)
        #expect(g2.check(instrument: 0, side: .buy, quantity: 1000, price: price, positions: [0], marks: [price], figures: RiskFigures(equity: 400_00000000), now: 0) == nil)
    }

    @Test("a bad limit is refused and the old limits stay")
    func badReload() throws {
        var limits = RiskLimits()
        limits.maxPosition = ["BTCUSDT": "0.02"]
        var guardian = try LimitGuard(limits: limits, instruments: [btc])
        var bad = limits
        bad.maxPosition = ["ETHUSDT": "1"]
        #expect(throws: StrategyConfigError.self) { try guardian.apply(bad) }
        #expect(guardian.limits == limits)
    }
}
