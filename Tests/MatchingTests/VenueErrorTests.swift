import EngineModel
import Matching
import Testing

@Suite("Filters and errors, with Binance's codes and messages")
struct VenueErrorTests {
    func funded() -> MatchingEngine {
        var engine = Fixture.engine()
        engine.fund("alice")
        engine.fund("bob")
        return engine
    }

    @Test("PRICE_FILTER: off tick, too precise, below min, above max, zero")
    func priceFilter() {
        var engine = funded()
        let prices = [
            Price("100.005", exponent: -3), Price("100.001", exponent: -3), Price("0.00", exponent: -2),
            Price("1000000.01", exponent: -2), Price("-1", exponent: -2),
        ]
        for price in prices {
            expectVenueError(-1013, "Filter failure: PRICE_FILTER") {
                _ = try engine.placeOrder(
                    .limit(Fixture.symbol, .buy, price: price, quantity: Fixture.q("1")), account: "alice", now: 1)
            }
        }
        // A price at a finer exponent that is exact on the tick is accepted.
        #expect(throws: Never.self) {
            _ = try engine.placeOrder(
                .limit(Fixture.symbol, .buy, price: Price("100.010", exponent: -3), quantity: Fixture.q("1")),
                account: "alice", now: 1)
        }
    }

    @Test("LOT_SIZE: off step, zero, above max")
    func lotSize() {
        var engine = funded()
        for quantity in [
            Quantity("0.000001", exponent: -6), Quantity("0", exponent: -5), Quantity("9000.00001", exponent: -5),
        ] {
            expectVenueError(-1013, "Filter failure: LOT_SIZE") {
                _ = try engine.placeOrder(
                    .limit(Fixture.symbol, .sell, price: Fixture.p("100"), quantity: quantity), account: "alice", now: 1
                )
            }
            expectVenueError(-1013, "Filter failure: LOT_SIZE") {
                _ = try engine.placeOrder(.market(Fixture.symbol, .sell, quantity: quantity), account: "alice", now: 1)
            }
        }
    }

    @Test("NOTIONAL: below the minimum, above the maximum; MARKET valued at the last price")
    func notional() throws {
        var engine = funded()
        expectVenueError(-1013, "Filter failure: NOTIONAL") {
            _ = try engine.limit("alice", .buy, "100.00", "0.04999")  // 4.999 < 5
        }
        #expect(throws: Never.self) { _ = try engine.limit("alice", .buy, "100.00", "0.05") }
        expectVenueError(-1013, "Filter failure: NOTIONAL") {
            _ = try engine.limit("alice", .sell, "200000.00", "50.00001")  // > 10 000 000
        }
        expectVenueError(-1013, "Filter failure: NOTIONAL") {
            _ = try engine.placeOrder(
                .market(Fixture.symbol, .buy, quoteOrderQty: Fixture.amount("4.99")), account: "bob", now: 1)
        }
        _ = try engine.limit("bob", .sell, "100.00", "0.05")  // trades at 100 with alice's bid
        expectVenueError(-1013, "Filter failure: NOTIONAL") {
            _ = try engine.placeOrder(
                .market(Fixture.symbol, .sell, quantity: Fixture.q("0.04")), account: "bob", now: 2)
        }
    }

    @Test("Unknown symbol")
    func invalidSymbol() {
        var engine = funded()
        expectVenueError(-1121, "Invalid symbol.") {
            _ = try engine.placeOrder(
                .limit("ETHUSDT", .buy, price: Fixture.p("1"), quantity: Fixture.q("1")), account: "alice", now: 1)
        }
        expectVenueError(-1121, "Invalid symbol.") { _ = try engine.depth(symbol: "NOPE") }
        #expect(throws: Never.self) { _ = try engine.depth(symbol: "btcusdt") }
    }

    @Test("Missing and superfluous parameters")
    func parameters() {
        var engine = funded()
        func place(_ order: NewOrder) throws { _ = try engine.placeOrder(order, account: "alice", now: 1) }
        let s = Fixture.symbol
        expectVenueError(-1102, "Mandatory parameter 'timeInForce' was not sent, was empty/null, or malformed.") {
            try place(NewOrder(symbol: s, side: .buy, type: .limit, price: Fixture.p("1"), quantity: Fixture.q("1")))
        }
        expectVenueError(-1102, "Mandatory parameter 'price' was not sent, was empty/null, or malformed.") {
            try place(NewOrder(symbol: s, side: .buy, type: .limit, timeInForce: .gtc, quantity: Fixture.q("1")))
        }
        expectVenueError(-1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!") {
            try place(NewOrder(symbol: s, side: .buy, type: .market))
        }
        expectVenueError(-1114, "TimeInForce parameter sent when not required.") {
            try place(NewOrder(symbol: s, side: .buy, type: .market, timeInForce: .ioc, quantity: Fixture.q("1")))
        }
        expectVenueError(-1106, "Parameter 'price' sent when not required.") {
            try place(NewOrder(symbol: s, side: .buy, type: .market, price: Fixture.p("1"), quantity: Fixture.q("1")))
        }
        expectVenueError(-1111, "Parameter 'quoteOrderQty' has too much precision.") {
            try place(.market(s, .buy, quoteOrderQty: Quantity("10.000000001", exponent: -9)))
        }
        expectVenueError(
            -1100,
            #"Illegal characters found in parameter 'newClientOrderId'; legal range is '^[\.A-Z\:/a-z0-9_-]{1,36}$'."#
        ) {
            try place(.limit(s, .buy, price: Fixture.p("10"), quantity: Fixture.q("1"), clientOrderId: "bad id"))
        }
        expectVenueError(-1118, "New client order ID was empty.") {
            try place(.limit(s, .buy, price: Fixture.p("10"), quantity: Fixture.q("1"), clientOrderId: ""))
        }
    }

    @Test("Insufficient balance, and nothing changes")
    func insufficientBalance() throws {
        var engine = Fixture.engine()
        engine.fund("carol", btc: "0.5", usdt: "100")
        expectVenueError(-2010, "Account has insufficient balance for requested action.") {
            _ = try engine.limit("carol", .buy, "100.01", "1")  // needs 100.01 USDT
        }
        expectVenueError(-2010, "Account has insufficient balance for requested action.") {
            _ = try engine.limit("carol", .sell, "100.00", "0.50001")
        }
        #expect(engine.mantissas("carol", "USDT") == (10_000_000_000, 0))
        #expect(try engine.openOrders(account: "carol").isEmpty)
        #expect(throws: Never.self) { _ = try engine.limit("carol", .buy, "100.00", "1") }
        #expect(engine.mantissas("carol", "USDT") == (0, 10_000_000_000))
    }

    @Test("Duplicate clientOrderId: refused while open, accepted once the order closed")
    func duplicateClientOrderId() throws {
        var engine = funded()
        let first = try engine.limit("alice", .buy, "90.00", "1", clientOrderId: "retry-1")
        expectVenueError(-2010, "Duplicate order sent.") {
            _ = try engine.limit("alice", .buy, "90.00", "1", clientOrderId: "retry-1")
        }
        // Another account may use the same id.
        #expect(throws: Never.self) { _ = try engine.limit("bob", .buy, "90.00", "1", clientOrderId: "retry-1") }
        _ = try engine.cancelOrder(symbol: Fixture.symbol, account: "alice", order: .clientOrderId("retry-1"), now: 2)
        let second = try engine.limit("alice", .buy, "90.00", "1", clientOrderId: "retry-1")
        #expect(second.order.orderId != first.order.orderId)

        // A filled order frees its id too.
        _ = try engine.limit("bob", .sell, "90.00", "2")
        #expect(try engine.order(symbol: Fixture.symbol, account: "alice", .clientOrderId("retry-1")).status == .filled)
        #expect(throws: Never.self) { _ = try engine.limit("alice", .buy, "80.00", "1", clientOrderId: "retry-1") }
    }

    @Test("Cancel of an unknown, closed or foreign order is -2011; query of an unknown one -2013")
    func unknownOrders() throws {
        var engine = funded()
        let open = try engine.limit("alice", .buy, "90.00", "1").order
        expectVenueError(-2011, "Unknown order sent.") {
            _ = try engine.cancelOrder(symbol: Fixture.symbol, account: "alice", order: .orderId(999), now: 2)
        }
        expectVenueError(-2011, "Unknown order sent.") {
            _ = try engine.cancelOrder(symbol: Fixture.symbol, account: "alice", order: .clientOrderId("nope"), now: 2)
        }
        expectVenueError(-2011, "Unknown order sent.") {
            _ = try engine.cancelOrder(symbol: Fixture.symbol, account: "bob", order: .orderId(open.orderId), now: 2)
        }
        let canceled = try engine.cancelOrder(
            symbol: Fixture.symbol, account: "alice", order: .orderId(open.orderId), newClientOrderId: "cxl-1", now: 2)
        #expect(canceled.order.status == .canceled && canceled.cancelClientOrderId == "cxl-1")
        let report = try #require(canceled.events.reports.first)
        #expect(report.executionType == .canceled && report.clientOrderId == "cxl-1")
        #expect(report.originalClientOrderId == open.clientOrderId)
        expectVenueError(-2011, "Unknown order sent.") {
            _ = try engine.cancelOrder(symbol: Fixture.symbol, account: "alice", order: .orderId(open.orderId), now: 3)
        }
        expectVenueError(-2013, "Order does not exist.") {
            _ = try engine.order(symbol: Fixture.symbol, account: "alice", .orderId(999))
        }
        expectVenueError(-2013, "Order does not exist.") {
            _ = try engine.order(symbol: Fixture.symbol, account: "bob", .orderId(open.orderId))
        }
        #expect(try engine.order(symbol: Fixture.symbol, account: "alice", .orderId(open.orderId)).status == .canceled)
        expectVenueError(-2011, "Unknown order sent.") {
            _ = try engine.cancelAllOrders(symbol: Fixture.symbol, account: "alice", now: 4)
        }
    }

    @Test("Closed-order history is bounded")
    func boundedHistory() throws {
        var engine = MatchingEngine(configuration: .init(commissions: .free, closedOrderHistory: 3))
        engine.addSymbol(Fixture.spec)
        engine.fund("alice")
        var ids: [Int64] = []
        for _ in 0..<5 {
            let id = try engine.limit("alice", .buy, "90.00", "1").order.orderId
            _ = try engine.cancelOrder(symbol: Fixture.symbol, account: "alice", order: .orderId(id), now: 2)
            ids.append(id)
        }
        expectVenueError(-2013, "Order does not exist.") {
            _ = try engine.order(symbol: Fixture.symbol, account: "alice", .orderId(ids[1]))
        }
        #expect(try engine.order(symbol: Fixture.symbol, account: "alice", .orderId(ids[2])).status == .canceled)
        #expect(try engine.allOrders(account: "alice", symbol: Fixture.symbol).map(\.orderId) == Array(ids[2...]))
    }
}
