import CEngineShm
import EngineKit
import EngineModel
import Execution
import Foundation
import Matching
import Testing
import Trading

/// A book the test moves by hand; counts how often the route reads it.
final class FakeMarket: SimulationMarket {
    var current: SimulationBook?
    private(set) var bookReads = 0

    init(bids: [(Int64, Int64)], asks: [(Int64, Int64)]) { set(updateId: 1, bids: bids, asks: asks) }

    func set(updateId: UInt64, bids: [(Int64, Int64)], asks: [(Int64, Int64)]) {
        current = SimulationBook(
            updateId: updateId, bids: bids.map { SimulationLevel(price: $0.0, quantity: $0.1) },
            asks: asks.map { SimulationLevel(price: $0.0, quantity: $0.1) })
    }

    func version(_ instrument: Int) -> UInt64? { current?.updateId }

    func book(_ instrument: Int) -> SimulationBook? {
        bookReads += 1
        return current
    }
}

/// An instance whose intake routes to a SimulationRoute over a fake BTCUSDT book (prices at
/// −2, quantities at −5): bids 64 999.00 × 1 and 64 998.00 × 2, asks 65 001.00 × 0.5 and
/// 65 002.00 × 1.
struct SimulationRig {
    let instance: EngineInstance
    let producer: CommandProducer
    let intake: OrderIntake
    let route: SimulationRoute
    let market: FakeMarket
    let journal: ExecJournalReader
    var board: OrderBoard
    var clock: Int64 = 1_000

    init(tag: String, commissions: CommissionSchedule = .standard) throws {
        _ = tradingShmDir
        instance = try EngineInstance.create(
            InstanceConfig(instance: "sr\(getpid() % 100000)-\(tag)", instruments: [try btcusdt()]))
        instance.setState(.live)
        producer = try CommandProducer(instance: instance.config.instance)
        market = FakeMarket(
            bids: [(6_499_900, 100_000), (6_499_800, 200_000)], asks: [(6_500_100, 50_000), (6_500_200, 100_000)])
        route = SimulationRoute(
            writer: try ExecJournalWriter(segment: instance.exec), instruments: instance.config.instruments,
            market: market, configuration: .init(commissions: commissions), clock: { 1_000 })
        intake = OrderIntake(
            instance: instance, route: route, check: { _, _, _, _ in nil },
            mid: { _ in Price(mantissa: 6_500_000, exponent: -2) }, idPrefix: "s")
        journal = try ExecJournalReader(segment: instance.exec, fromOldest: true)
        board = OrderBoard(instruments: instance.config.instruments)
    }

    /// Runs waiting commands, one poll of the route, and folds what was journaled.
    mutating func pump() -> [ExecReport] {
        while intake.step(board: board) {}
        clock += 1
        route.poll(now: clock)
        var reports: [ExecReport] = []
        while case .record(let record) = journal.poll() {
            board.apply(record)
            if case .report(let r) = record.body { reports.append(r) }
        }
        return reports
    }

    /// Submits one order and pumps.
    mutating func place(
        _ id: String, _ side: Side, _ type: OrderType = .limit, tif: TimeInForce = .gtc, price: Int64, quantity: Int64
    ) throws -> [ExecReport] {
        try producer.submit(
            OrderCommand(
                op: .new, instrument: 0, side: side, type: type, timeInForce: tif, price: price, quantity: quantity,
                clientOrderId: id))
        return pump()
    }
}

@Suite(.serialized) struct SimulationRouteTests {
    @Test func aCrossingIOCFillsAtTheBooksPricesWithFeesAndTradeIds() throws {
        var rig = try SimulationRig(tag: "ioc")
        defer { rig.instance.shutdown(keepSegments: false) }
        let reports = try rig.place("ioc-1", .buy, tif: .ioc, price: 6_500_200, quantity: 80_000)
        #expect(reports.map(\.type) == [.accepted, .sent, .ack, .partialFill, .fill])
        let sent = reports[1]
        #expect(sent.isLocal && sent.orderState == OrderState.submitted.abiValue)
        let ack = reports[2]
        #expect(ack.venueOrderId == 1 && ack.orderState == OrderState.submitted.abiValue && ack.isStream)
        let (first, last) = (reports[3], reports[4])
        #expect(first.price == 6_500_100 && first.quantity == 50_000 && first.cumQuantity == 50_000)
        #expect(last.price == 6_500_200 && last.quantity == 30_000 && last.cumQuantity == 80_000)
        #expect(first.tradeId == 1 && last.tradeId == 2 && !first.isMaker && !last.isMaker)
        // 10 bp of the BTC received, at 8 decimals.
        #expect(first.fee == 50_000 && last.fee == 30_000 && first.feeExponent == -8 && first.feeAsset == "BTC")
        #expect(last.cumQuote == 6_500_100 * 50_000 + 6_500_200 * 30_000)
        #expect(last.orderState == OrderState.filled.abiValue && last.commandId == first.commandId)
        let order = try #require(rig.board.order(clientOrderId: "ioc-1"))
        #expect(order.state == .filled && order.filledQuantity.mantissa == 80_000 && order.venueOrderId == 1)
        #expect(order.fees["BTC"] == Price(mantissa: 80_000, exponent: -8))

        // The book did not change, so the liquidity taken stays taken: a second IOC finds only
        // the 0.7 left at 65 002.00.
        let again = try rig.place("ioc-2", .buy, tif: .ioc, price: 6_500_200, quantity: 100_000)
        #expect(again.map(\.type) == [.accepted, .sent, .ack, .partialFill, .expired])
        #expect(again[3].quantity == 70_000 && again[3].price == 6_500_200 && again[4].cumQuantity == 70_000)
        #expect(rig.board.order(clientOrderId: "ioc-2")?.state == .expired)
    }

    @Test func aRestingOrderFillsAsMakerWhenTheBookCrossesItLater() throws {
        var rig = try SimulationRig(tag: "rest")
        defer { rig.instance.shutdown(keepSegments: false) }
        let placed = try rig.place("rest-1", .buy, price: 6_500_000, quantity: 20_000)
        #expect(placed.map(\.type) == [.accepted, .sent, .ack])
        #expect(rig.board.order(clientOrderId: "rest-1")?.state == .submitted)

        // Unchanged update id: the book is not read again.
        let reads = rig.market.bookReads
        #expect(rig.pump().isEmpty)
        #expect(rig.market.bookReads == reads)

        rig.market.set(updateId: 2, bids: [(6_499_900, 100_000)], asks: [(6_499_950, 10_000), (6_500_100, 50_000)])
        let partial = rig.pump()
        #expect(partial.map(\.type) == [.partialFill])
        #expect(partial[0].isMaker && partial[0].price == 6_500_000 && partial[0].quantity == 10_000)
        #expect(partial[0].fee == 10_000 && partial[0].tradeId == 1 && partial[0].clientOrderId == "rest-1")

        // Another update that leaves the ask taken as it was: nothing more to fill.
        rig.market.set(updateId: 3, bids: [(6_499_800, 100_000)], asks: [(6_499_950, 10_000), (6_500_100, 50_000)])
        #expect(rig.pump().isEmpty)

        rig.market.set(updateId: 4, bids: [(6_499_800, 100_000)], asks: [(6_499_900, 100_000)])
        let filled = rig.pump()
        #expect(filled.map(\.type) == [.fill])
        #expect(filled[0].quantity == 10_000 && filled[0].cumQuantity == 20_000 && filled[0].isMaker)
        #expect(rig.board.order(clientOrderId: "rest-1")?.state == .filled)
    }

    @Test func cancelEndsARestingOrderAndAnUnknownOneIsRefused() throws {
        var rig = try SimulationRig(tag: "cxl")
        defer { rig.instance.shutdown(keepSegments: false) }
        _ = try rig.place("cxl-1", .sell, price: 6_501_000, quantity: 30_000)
        try rig.producer.submit(OrderCommand(op: .cancel, instrument: 0, clientOrderId: "cxl-1"))
        let canceled = rig.pump()
        #expect(canceled.map(\.type) == [.accepted, .sent, .canceled])
        #expect(canceled[1].orderState == OrderState.cancelPending.abiValue)
        #expect(canceled[2].clientOrderId == "cxl-1" && canceled[2].venueOrderId == 1)
        #expect(rig.board.order(clientOrderId: "cxl-1")?.state == .canceled)

        // A canceled order no longer fills, whatever the book does.
        rig.market.set(updateId: 9, bids: [(6_502_000, 100_000)], asks: [(6_503_000, 100_000)])
        #expect(rig.pump().isEmpty)

        #expect(rig.route.cancel(OrderCommand(op: .cancel, instrument: 0, clientOrderId: "nope"), producer: 0))
        let refused = rig.pump()
        #expect(refused.map(\.type) == [.sent, .cancelReject])
        #expect(refused.last?.code == -2011 && refused.last?.text == "Unknown order sent.")
    }

    @Test func cancelAllEndsEveryOpenOrder() throws {
        var rig = try SimulationRig(tag: "cxla")
        defer { rig.instance.shutdown(keepSegments: false) }
        _ = try rig.place("all-1", .buy, price: 6_490_000, quantity: 10_000)
        _ = try rig.place("all-2", .sell, price: 6_510_000, quantity: 10_000)
        try rig.producer.submit(OrderCommand(op: .cancelAll, instrument: 0))
        let reports = rig.pump()
        #expect(reports.filter { $0.type == .canceled }.map(\.clientOrderId) == ["all-1", "all-2"])
        #expect(rig.board.keeper.openOrders.isEmpty)
    }

    @Test func fokAndIOCThatCannotFillExpire() throws {
        var rig = try SimulationRig(tag: "tif")
        defer { rig.instance.shutdown(keepSegments: false) }
        // 2 BTC wanted, 1.5 offered up to 65 002.00: the FOK fills nothing.
        let fok = try rig.place("fok-1", .buy, tif: .fok, price: 6_500_200, quantity: 200_000)
        #expect(fok.map(\.type) == [.accepted, .sent, .ack, .expired])
        #expect(fok.last?.cumQuantity == 0 && rig.board.order(clientOrderId: "fok-1")?.state == .expired)
        // Below the best ask: the IOC takes nothing.
        let ioc = try rig.place("ioc-1", .buy, tif: .ioc, price: 6_500_000, quantity: 10_000)
        #expect(ioc.map(\.type) == [.accepted, .sent, .ack, .expired])
        // A FOK the book can fill fills entirely.
        let whole = try rig.place("fok-2", .sell, tif: .fok, price: 6_499_800, quantity: 250_000)
        #expect(whole.map(\.type) == [.accepted, .sent, .ack, .partialFill, .fill])
        #expect(whole.last?.feeAsset == "USDT" && rig.board.order(clientOrderId: "fok-2")?.state == .filled)
    }

    @Test func aLimitMakerThatWouldCrossIsRejectedAndOneThatWouldNotRests() throws {
        var rig = try SimulationRig(tag: "lm")
        defer { rig.instance.shutdown(keepSegments: false) }
        let crossing = try rig.place("lm-1", .buy, .limitMaker, price: 6_500_100, quantity: 10_000)
        #expect(crossing.map(\.type) == [.accepted, .sent, .rejected])
        #expect(crossing.last?.code == -2010 && crossing.last?.text == "Order would immediately match and take.")
        #expect(!(crossing.last?.isLocal ?? true))
        #expect(rig.board.order(clientOrderId: "lm-1")?.state == .rejected)
        let resting = try rig.place("lm-2", .buy, .limitMaker, price: 6_500_000, quantity: 10_000)
        #expect(resting.map(\.type) == [.accepted, .sent, .ack])
        #expect(rig.board.order(clientOrderId: "lm-2")?.state == .submitted)
    }

    @Test func aStatusQueryAnswersForKnownAndUnknownOrders() throws {
        var rig = try SimulationRig(tag: "st")
        defer { rig.instance.shutdown(keepSegments: false) }
        _ = try rig.place("st-1", .buy, price: 6_490_000, quantity: 10_000)
        #expect(rig.route.queryStatus(OrderCommand(op: .cancel, instrument: 0, clientOrderId: "st-1")))
        #expect(rig.route.queryStatus(OrderCommand(op: .cancel, instrument: 0, clientOrderId: "gone", targetId: 7)))
        let reports = rig.pump()
        #expect(reports.map(\.type) == [.status, .status])
        #expect(reports[0].orderState == OrderState.submitted.abiValue && reports[0].venueOrderId == 1)
        #expect(reports[1].orderState == OrderState.rejected.abiValue && reports[1].code == -2013)
    }
}
