import Account
import EngineModel
import Testing

@Suite struct AccountBookBalanceOrderTests {
    typealias F = BookFixture

    static func balance(_ asset: String, free: String, locked: String, ns: Int64 = 1) -> AccountEvent {
        .balance(
            BalanceUpdate(asset: asset, free: F.amount(free), locked: F.amount(locked), source: .stream, venueNs: ns))
    }

    static func order(_ id: String, open: Bool, filled: String = "0", seq: UInt64) -> AccountEvent {
        .order(
            AccountOrder(
                clientOrderId: id, venueOrderId: 1, symbol: "BTCUSDT", side: .buy, type: "limit",
                price: F.price("64000"), quantity: F.quantity("0.002"), filledQuantity: F.quantity(filled),
                averagePrice: nil, status: open ? "new" : "filled", isOpen: open, strategyId: 1,
                lastUpdateNs: Int64(seq), lastEventSeq: seq))
    }

    @Test func balancesDiscoverAssetsAndOnlyTheVenueMovesThem() {
        var book = AccountBook(settings: F.settings)
        _ = book.apply(Self.balance("USDT", free: "900", locked: "100"))
        _ = book.apply(Self.balance("BTC", free: "0.5", locked: "0"))
        let changes = book.apply(Self.balance("PEPE", free: "1000000", locked: "250000"))
        let snapshot = book.snapshot()
        #expect(Set(snapshot.balances.keys) == ["USDT", "BTC", "PEPE"])
        let pepe = snapshot.balances["PEPE"]!
        #expect(pepe.total == F.amount("1250000") && pepe.available == F.amount("1000000"))
        #expect(pepe.hold == F.amount("250000"))
        #expect(changes == [.balance(pepe)])
        #expect(snapshot.balances["USDT"]?.hold == F.amount("100"))
        // A fill moves no balance: the venue's next update does.
        _ = book.apply(.fill(F.fill(1, .buy, "0.1", at: "100", fee: "0.1")))
        #expect(book.snapshot().balances == snapshot.balances)
        // The same figures again change nothing.
        #expect(book.apply(Self.balance("BTC", free: "0.5", locked: "0", ns: 9)).isEmpty)
    }

    @Test func ordersUpsertCloseAndEvict() {
        var settings = F.settings
        settings.closedOrdersKept = 2
        var book = AccountBook(settings: settings)
        #expect(book.apply(Self.order("o1", open: true, seq: 1)).count == 1)
        let partial = book.apply(Self.order("o1", open: true, filled: "0.001", seq: 2))
        guard case .order(let o1) = partial.first else {
            Issue.record("no order change")
            return
        }
        #expect(o1.filledQuantity == F.quantity("0.001"))
        #expect(book.apply(Self.order("o1", open: true, seq: 1)).isEmpty)  // stale
        let closed = book.apply(Self.order("o1", open: false, filled: "0.002", seq: 3))
        guard case .orderClosed(let closedOrder) = closed.first else {
            Issue.record("no close")
            return
        }
        #expect(!closedOrder.isOpen && closed.count == 1)
        _ = book.apply(.fill(F.fill(1, .buy, "0.002", at: "64000", order: "o1")))
        _ = book.apply(Self.order("o2", open: false, seq: 4))
        _ = book.apply(Self.order("o4", open: true, seq: 5))
        #expect(book.snapshot().orders.count == 3)
        _ = book.apply(Self.order("o3", open: false, seq: 6))  // the third closed one: o1 goes
        let orders = book.snapshot().orders
        #expect(Set(orders.keys) == ["o2", "o3", "o4"])
        #expect(book.order(clientOrderId: "o1") == nil && book.executions(clientOrderId: "o1").isEmpty)
    }

    @Test func executionsRingKeepsTheLast32() {
        var book = AccountBook(settings: F.settings)
        for trade in 1...40 {
            _ = book.apply(.fill(F.fill(UInt64(trade), .buy, "0.001", at: "\(64000 + trade)", order: "burst")))
        }
        let executions = book.executions(clientOrderId: "burst")
        #expect(executions.count == 32)
        #expect(executions.map(\.tradeId) == Array(9...40).map(UInt64.init))
        #expect(executions.last?.price == F.price("64040") && executions.last?.quantity == F.quantity("0.001"))
        #expect(book.executions(clientOrderId: "none").isEmpty)
    }
}
