import EngineModel
import Strategy
import Testing

/// A strategy that throws on every market event.
final class Thrower: Strategy {
    struct Boom: Error, CustomStringConvertible { var description: String { "boom" } }
    let name: String
    var instruments: [Int] = []
    init(name: String) { self.name = name }
    func initialize(_ config: StrategyConfig, context: StrategyContext) throws { instruments = try config.resolveSymbols(context) }
    func onMarketData(_ update: MarketUpdate, context: StrategyContext) throws -> [Signal] { throw Boom() }
}

final class Clock: @unchecked Sendable {
    var ns: UInt64 = 0
}

func makeHost(_ clock: Clock = Clock(), limits: RiskLimits = RiskLimits()) throws -> StrategyHost {
    try StrategyHost(instruments: [btc], books: nil, limits: limits, clientIdPrefix: "t", measure: { clock.ns })
}

func mmConfig(spread: Double = 10) -> StrategyConfig {
    StrategyConfig(
        name: "mm", type: "market-maker", symbols: ["BTCUSDT"], orderSize: "0.01",
        parameters: ["spread_bps": .number(spread), "skew_bps": .number(5), "min_requote_ms": .number(0), "max_position": .text("0.05")])
}

func book(_ bid: Int64, _ ask: Int64, at t: Int64) -> MarketUpdate {
    MarketUpdate(instrument: 0, timeNs: t, kind: .book(quote(bid, ask)))
}

func places(_ actions: [DeskAction]) -> [OrderIntent] {
    actions.compactMap { if case .place(let i) = $0 { i } else { nil } }
}

@Suite("Strategy host")
struct HostTests {
    @Test("a strategy that throws is disabled after five errors in a row, with the reason; the other keeps trading")
    func isolation() throws {
        let host = try makeHost()
        host.add(Thrower(name: "bad"), config: StrategyConfig(name: "bad", type: "thrower", symbols: ["BTCUSDT"], orderSize: "0.01"))
        host.add(StrategyRegistry.make(type: "market-maker", name: "mm")!, config: mmConfig())
        var placed = 0
        for t in 0..<10 {
            let actions = host.onMarket(book(6_000_000 + Int64(t) * 100, 6_000_100 + Int64(t) * 100, at: Int64(t) * 1_000_000))
            placed += places(actions).count
            for intent in places(actions) {
                _ = host.onOrderUpdate(OrderStatusUpdate(instrument: 0, clientOrderId: intent.clientOrderId, side: intent.side, status: .open, timeNs: 0))
            }
        }
        let bad = host.statuses.first { $0.name == "bad" }!
        #expect(bad.state == "disabled")
        #expect(bad.errors == 5)
        #expect(bad.reason?.contains("5 errors in a row") == true && bad.reason?.contains("boom") == true)
        let mm = host.statuses.first { $0.name == "mm" }!
        #expect(mm.state == "running" && mm.errors == 0)
        #expect(placed >= 4)
    }

    @Test("a call over the time budget is counted and timed")
    func budget() throws {
        final class Slow: Strategy {
            let name = "slow"
            var instruments: [Int] = [0]
            let clock: Clock
            init(_ clock: Clock) { self.clock = clock }
            func initialize(_ config: StrategyConfig, context: StrategyContext) throws {}
            func onMarketData(_ update: MarketUpdate, context: StrategyContext) throws -> [Signal] {
                clock.ns += 2_000_000
                return []
            }
        }
        let clock = Clock()
        let host = try makeHost(clock)
        host.budgetNs = 1_000_000
        host.add(Slow(clock), config: StrategyConfig(name: "slow", type: "slow", symbols: ["BTCUSDT"], orderSize: "0.01"))
        _ = host.onMarket(book(6_000_000, 6_000_100, at: 0))
        let status = host.statuses[0]
        #expect(status.overBudget == 1 && status.calls == 1 && status.p50Ns >= 1_900_000)
    }

    @Test("the market maker's quotes straddle the mid and move down when it is long")
    func skew() throws {
        let host = try makeHost()
        host.add(StrategyRegistry.make(type: "market-maker", name: "mm")!, config: mmConfig())
        let flat = places(host.onMarket(book(6_000_000, 6_000_100, at: 0)))
        let bid0 = flat.first { $0.side == .buy }!, ask0 = flat.first { $0.side == .sell }!
        #expect(bid0.price < 6_000_050 && ask0.price > 6_000_050)
        #expect(bid0.type == .limitMaker && ask0.type == .limitMaker)
        for o in flat { _ = host.onOrderUpdate(OrderStatusUpdate(instrument: 0, clientOrderId: o.clientOrderId, side: o.side, status: .open, timeNs: 0)) }
        // The bid fills: long 0.01 of 0.05.
        _ = host.onFill(StrategyFill(instrument: 0, clientOrderId: bid0.clientOrderId, side: .buy, price: bid0.price, quantity: 1000, isMaker: true, timeNs: 1))
        _ = host.onOrderUpdate(OrderStatusUpdate(instrument: 0, clientOrderId: bid0.clientOrderId, side: .buy, status: .filled, timeNs: 1))
        let skewed = places(host.onMarket(book(6_000_000, 6_000_100, at: 2)))
        let bid1 = skewed.first { $0.side == .buy }, ask1 = skewed.first { $0.side == .sell }
        #expect(bid1 != nil && ask1 != nil)
        #expect(bid1!.price < bid0.price && ask1!.price < ask0.price, "long: both quotes lower")
        #expect(bid1!.quantity < bid0.quantity, "long: the bid shrinks")
        #expect(host.positions[0] == 1000)
    }

    @Test("hot reload changes a parameter mid-run; a bad reload throws and changes nothing")
    func reload() throws {
        let host = try makeHost()
        host.add(StrategyRegistry.make(type: "market-maker", name: "mm")!, config: mmConfig(spread: 10))
        let narrow = places(host.onMarket(book(6_000_000, 6_000_100, at: 0)))
        for o in narrow { _ = host.onOrderUpdate(OrderStatusUpdate(instrument: 0, clientOrderId: o.clientOrderId, side: o.side, status: .open, timeNs: 0)) }
        var bad = mmConfig(spread: 10)
        bad.parameters["spread_bps"] = .number(-1)
        #expect(throws: StrategyConfigError.self) { try host.reload([bad], limits: RiskLimits(), aggregation: .independent) }
        #expect(throws: StrategyConfigError.self) {
            try host.reload([mmConfig(), StrategyConfig(name: "new", type: "market-maker", symbols: ["BTCUSDT"], orderSize: "0.01")], limits: RiskLimits(), aggregation: .independent)
        }
        #expect(host.statuses[0].state == "running")
        _ = try host.reload([mmConfig(spread: 50)], limits: RiskLimits(), aggregation: .independent)
        let wide = places(host.onMarket(book(6_000_000, 6_000_100, at: 1_000_000)))
        let spread0 = narrow.first { $0.side == .sell }!.price - narrow.first { $0.side == .buy }!.price
        let spread1 = wide.first { $0.side == .sell }!.price - wide.first { $0.side == .buy }!.price
        #expect(spread1 > spread0 * 4, "\(spread0) → \(spread1)")
    }

    @Test("the kill switch: halted cancels working orders and refuses new ones; reducing lets only reducing orders pass")
    func killSwitch() throws {
        let host = try makeHost()
        host.add(StrategyRegistry.make(type: "market-maker", name: "mm")!, config: mmConfig())
        let quotes = places(host.onMarket(book(6_000_000, 6_000_100, at: 0)))
        for o in quotes { _ = host.onOrderUpdate(OrderStatusUpdate(instrument: 0, clientOrderId: o.clientOrderId, side: o.side, status: .open, timeNs: 0)) }
        let cancels = host.setTradingState(.halted)
        #expect(cancels.count == 2)
        #expect(places(host.onMarket(book(6_001_000, 6_001_100, at: 1))).isEmpty)
        #expect(host.rejectedByRisk["kill_switch"] ?? 0 >= 1)
        for case .cancel(_, let id, _) in cancels {
            _ = host.onOrderUpdate(OrderStatusUpdate(instrument: 0, clientOrderId: id, side: .buy, status: .canceled, timeNs: 2))
        }
        // Long 0.01: reducing lets the ask through, not the bid.
        _ = host.onFill(StrategyFill(instrument: 0, clientOrderId: "elsewhere", side: .buy, price: 6_000_000, quantity: 1000, isMaker: false, timeNs: 3))
        _ = host.setTradingState(.reducing)
        let reducing = places(host.onMarket(book(6_002_000, 6_002_100, at: 4)))
        #expect(reducing.map(\.side) == [.sell])
    }

    @Test("basis arbitrage enters only when the perp's bid over the spot ask covers both legs' fees there and back")
    func basis() throws {
        let host = try StrategyHost(instruments: [btc, perp], books: nil, clientIdPrefix: "t", measure: { 0 })
        host.add(
            StrategyRegistry.make(type: "basis-arbitrage", name: "basis")!,
            config: StrategyConfig(
                name: "basis", type: "basis-arbitrage", symbols: ["binance:BTCUSDT", "binance-futures:BTCUSDT"],
                orderSize: "0.01", parameters: ["cooldown_ms": .number(0)]))
        #expect(host.statuses[0].state == "running", "\(host.statuses[0].reason ?? "")")
        // Spot ask 60000.00; fees 2 × (10 + 5) = 30 bp: the perp bid must reach 60180.
        _ = host.onMarket(MarketUpdate(instrument: 0, timeNs: 0, kind: .book(quote(5_999_990, 6_000_000))))
        let below = host.onMarket(MarketUpdate(instrument: 1, timeNs: 1, kind: .book(quote(601_700, 601_710))))
        #expect(places(below).isEmpty, "29 bp does not cover 30 bp of fees")
        let above = places(host.onMarket(MarketUpdate(instrument: 1, timeNs: 2, kind: .book(quote(601_900, 601_910)))))
        #expect(above.count == 2)
        #expect(above.contains { $0.instrument == 0 && $0.side == .buy && $0.timeInForce == .ioc && $0.quantity == 1000 })
        #expect(above.contains { $0.instrument == 1 && $0.side == .sell && $0.timeInForce == .ioc && $0.quantity == 10 })
    }
}

/// A strategy that always wants one side.
final class Always: Strategy {
    let name: String
    let side: Side
    var instruments: [Int] = []
    init(name: String, side: Side) {
        self.name = name
        self.side = side
    }
    func initialize(_ config: StrategyConfig, context: StrategyContext) throws { instruments = try config.resolveSymbols(context) }
    func onMarketData(_ update: MarketUpdate, context: StrategyContext) throws -> [Signal] {
        [Signal(instrument: update.instrument, side: side, strength: 1, urgency: .aggressive)]
    }
}

@Suite("Strategy host: aggregation")
struct HostAggregationTests {
    @Test("performance weighting follows the account's realized PnL per strategy when the engine hands it over")
    func performance() throws {
        let host = try StrategyHost(
            instruments: [btc], books: nil, aggregation: .weighted(byPerformance: true), clientIdPrefix: "t", measure: { 0 })
        let buyer = host.add(Always(name: "buyer", side: .buy), config: StrategyConfig(name: "buyer", type: "t", symbols: ["BTCUSDT"], orderSize: "0.01"))
        let seller = host.add(Always(name: "seller", side: .sell), config: StrategyConfig(name: "seller", type: "t", symbols: ["BTCUSDT"], orderSize: "0.01"))
        var pnl: [UInt32: Double] = [buyer: 50, seller: 1]
        host.realizedPnl = { pnl[$0] }
        let first = places(host.onMarket(book(6_000_000, 6_000_100, at: 0)))
        #expect(first.count == 1 && first[0].side == .buy && first[0].strategyId == StrategyHost.aggregateId, "\(first)")
        for o in first { _ = host.onOrderUpdate(OrderStatusUpdate(instrument: 0, clientOrderId: o.clientOrderId, side: o.side, status: .expired, timeNs: 1)) }
        pnl = [buyer: 1, seller: 80]
        let second = places(host.onMarket(book(6_000_000, 6_000_100, at: 2)))
        #expect(second.count == 1 && second[0].side == .sell, "\(second)")
    }
}
