import EngineModel
import Execution
import Testing

/// The order registry: ids, idempotent submits, lookups by both ids, open orders and exposure.
@Suite("Order bookkeeper")
struct OrderBookkeeperTests {
    static func keeper(maxTerminal: Int = 100) throws -> OrderBookkeeper {
        OrderBookkeeper(generator: try ClientOrderIdGenerator(prefix: "tw7f"), maxTerminalOrders: maxTerminal)
    }

    @Test("generated client order ids are valid, distinct and counted")
    func generator() throws {
        var g = try ClientOrderIdGenerator(prefix: "tw_A-1", start: UInt64.max - 1)
        let a = g.nextId()
        let b = g.nextId()
        #expect(a == "tw_A-1-18446744073709551614" && b == "tw_A-1-18446744073709551615")
        #expect(ClientOrderIdGenerator.isValid(a) && a.utf8.count <= 36)
        var longest = try ClientOrderIdGenerator(prefix: String(repeating: "x", count: 15), start: .max)
        #expect(longest.nextId().utf8.count == 36)
        #expect(throws: ClientOrderIdGenerator.IdError.self) { try ClientOrderIdGenerator(prefix: "") }
        #expect(throws: ClientOrderIdGenerator.IdError.self) { try ClientOrderIdGenerator(prefix: "a b") }
        #expect(throws: ClientOrderIdGenerator.IdError.self) {
            try ClientOrderIdGenerator(prefix: String(repeating: "x", count: 16))
        }
        #expect(!ClientOrderIdGenerator.isValid("") && !ClientOrderIdGenerator.isValid("é"))
        #expect(!ClientOrderIdGenerator.isValid(String(repeating: "a", count: 37)))
        #expect(ClientOrderIdGenerator.isValid(String(repeating: "a", count: 36)))
    }

    @Test("submitting an existing client order id returns the existing order, not a second one")
    func idempotentSubmit() throws {
        var k = try Self.keeper()
        guard case .created(let first) = try k.register(Fixtures.request(id: "abc"), now: 1) else {
            Issue.record("expected a new order")
            return
        }
        _ = try k.apply(.submitted(ns: 2), clientOrderId: "abc")
        let again = try k.register(Fixtures.request(id: "abc"), now: 3)
        #expect(again == .existing(k.order(clientOrderId: "abc")!))
        #expect(k.count == 1 && first.state == .new && k.order(clientOrderId: "abc")?.state == .pendingSubmit)
        // The same id for a different order is a duplicate.
        let other = Fixtures.request(id: "abc", price: Fixtures.price("101.00"))
        #expect(throws: OrderRejection.self) { try k.register(other, now: 4) }
        do {
            _ = try k.register(other, now: 4)
        } catch {
            #expect(error.code == .duplicate)
        }
        // A malformed id is refused before anything is stored.
        do {
            _ = try k.register(Fixtures.request(id: "bad id!"), now: 5)
            Issue.record("expected a rejection")
        } catch {
            #expect(error.code == .malformed)
        }
        #expect(k.count == 1)
    }

    @Test("requests without an id get generated ones")
    func generatedIds() throws {
        var k = try Self.keeper()
        let a = try k.register(Fixtures.request(), now: 1)
        let b = try k.register(Fixtures.request(), now: 2)
        guard case .created(let ra) = a, case .created(let rb) = b else {
            Issue.record("expected two new orders")
            return
        }
        #expect(ra.clientOrderId == "tw7f-1" && rb.clientOrderId == "tw7f-2")
    }

    @Test("events apply by client id and by venue id; unknown ids throw")
    func lookups() throws {
        var k = try Self.keeper()
        _ = try k.register(Fixtures.request(id: "o1"), now: 1)
        _ = try k.apply(.submitted(ns: 2), clientOrderId: "o1")
        #expect(throws: OrderBookkeeper.LookupError.unknownVenueOrderId(99)) {
            try k.apply(.canceled(ns: 3), venueOrderId: 99)
        }
        _ = try k.apply(.acked(venueOrderId: 99, cumulativeQuantity: Fixtures.qty("0"), ns: 3), clientOrderId: "o1")
        #expect(k.order(venueOrderId: 99)?.clientOrderId == "o1")
        let action = try k.apply(Fixtures.fill(1, "0.5"), venueOrderId: 99)
        #expect(action.name == "publish_fill")
        #expect(k.order(clientOrderId: "o1")?.state == .partiallyFilled)
        #expect(throws: OrderBookkeeper.LookupError.unknownClientOrderId("nope")) {
            try k.apply(.canceled(ns: 3), clientOrderId: "nope")
        }
    }

    @Test("open orders and their exposure per side")
    func openOrdersAndExposure() throws {
        var k = try Self.keeper()
        _ = try k.register(Fixtures.request(id: "b1", side: .buy, quantity: Fixtures.qty("1")), now: 1)
        _ = try k.register(Fixtures.request(id: "b2", side: .buy, quantity: Fixtures.qty("0.5")), now: 2)
        _ = try k.register(Fixtures.request(id: "s1", side: .sell, quantity: Fixtures.qty("2")), now: 3)
        _ = try k.register(Fixtures.request(id: "n1", side: .sell, quantity: Fixtures.qty("9")), now: 4)
        for id in ["b1", "b2", "s1"] { _ = try k.apply(.submitted(ns: 5), clientOrderId: id) }
        _ = try k.apply(Fixtures.fill(1, "0.25"), clientOrderId: "b1")
        _ = try k.apply(.canceled(ns: 6), clientOrderId: "b2")
        #expect(k.openOrders.map(\.clientOrderId) == ["b1", "s1"])  // NEW n1 is not open yet
        let exposure = k.openExposure(instrumentIndex: 0, quantityExponent: -5)
        #expect(exposure.buy == Fixtures.qty("0.75") && exposure.sell == Fixtures.qty("2"))
        #expect(k.openOrders(instrumentIndex: 1).isEmpty)
    }

    @Test("terminal orders beyond the window are forgotten, oldest first")
    func forgetting() throws {
        var k = try Self.keeper(maxTerminal: 2)
        for i in 1...4 {
            _ = try k.register(Fixtures.request(id: "o\(i)"), now: Int64(i))
            _ = try k.apply(.submitted(ns: 1), clientOrderId: "o\(i)")
            _ = try k.apply(
                .acked(venueOrderId: UInt64(i), cumulativeQuantity: Fixtures.qty("0"), ns: 2), clientOrderId: "o\(i)")
            _ = try k.apply(.canceled(ns: 3), clientOrderId: "o\(i)")
        }
        #expect(k.count == 2)
        #expect(k.order(clientOrderId: "o1") == nil && k.order(venueOrderId: 1) == nil)
        #expect(k.order(clientOrderId: "o4")?.state == .canceled)
    }
}
