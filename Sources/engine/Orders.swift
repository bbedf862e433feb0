import ArgumentParser
import EngineKit
import EngineModel
import Execution
import Foundation
import Trading

/// `engine orders`: every order of the running session, rebuilt from the exec journal through
/// the same state machine the engine uses.
struct Orders: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the session's orders (from the exec journal), with their state and every hop's time.")

    @OptionGroup var options: InstanceOptions

    @Flag(help: "Only orders still open.")
    var open = false

    @Flag(help: "Print a JSON array.")
    var json = false

    func run() throws {
        let view = try InstanceView(instance: options.instance)
        let board = try Orders.board(view: view)
        let orders = board.orders.filter { !open || $0.state.isOpen }
        if json {
            print(jsonLine(orders.map { Orders.object($0, view: view) }))
            return
        }
        if orders.isEmpty {
            print(open ? "no open orders" : "no orders")
            return
        }
        print(pad("client_order_id", 26) + pad("venue_id", 10) + pad("symbol", 10) + pad("side", 5) + pad("type", 12)
            + pad("price", 14) + pad("qty", 12) + pad("filled", 12) + pad("avg", 14) + "state")
        for o in orders {
            print(pad(o.clientOrderId, 26) + pad(o.venueOrderId.map(String.init) ?? "-", 10) + pad(o.symbol, 10)
                + pad(o.side.name, 5) + pad(o.type.name, 12) + pad(o.price?.description ?? "-", 14)
                + pad(o.quantity.description, 12) + pad(o.filledQuantity.description, 12)
                + pad(o.averagePrice?.description ?? "-", 14) + o.state.rawValue
                + (o.lastReason.map { " (\($0.code): \($0.text))" } ?? ""))
        }
    }

    /// The board folded from the journal's oldest record still held.
    static func board(view: InstanceView) throws -> OrderBoard {
        let journal = try attachOrExit(view.name) { () throws(ShmError) in
            try ExecJournalReader(instance: view.name, fromOldest: true)
        }
        var board = OrderBoard(instruments: try instruments(view: view))
        let end = journal.head
        while journal.nextSeq <= end, case .record(let record) = journal.poll() { board.apply(record) }
        return board
    }

    /// The instrument table of an instance, as the order state machine takes it.
    static func instruments(view: InstanceView) throws -> [Instrument] {
        try view.books.instruments.map { entry in
            do {
                return try Instrument(
                    symbol: entry.symbol, venue: entry.venue,
                    tickSize: Price(mantissa: entry.tickSize, exponent: entry.priceExponent),
                    stepSize: Quantity(mantissa: entry.stepSize, exponent: entry.quantityExponent),
                    minNotional: Price(mantissa: entry.minNotional, exponent: entry.priceExponent))
            } catch { throw fail("instrument table of '\(view.name)' is not valid: \(error)") }
        }
    }

    /// One order as JSON (the stable field names of `engine orders --json`).
    static func object(_ o: OrderRecord, view: InstanceView) -> [String: Any] {
        var hops: [String: Any] = ["created": o.times.createdNs]
        hops["sent"] = o.times.sentNs ?? NSNull()
        hops["acked"] = o.times.ackedNs ?? NSNull()
        hops["last_fill"] = o.times.lastFillNs ?? NSNull()
        return [
            "client_order_id": o.clientOrderId, "venue_order_id": o.venueOrderId.map { Int($0) as Any } ?? NSNull(),
            "symbol": o.symbol, "side": o.side.name, "type": o.type.name, "tif": o.timeInForce.name.uppercased(),
            "price": o.price?.description ?? NSNull(), "quantity": o.quantity.description,
            "filled_quantity": o.knownFilledQuantity.description, "avg_price": o.averagePrice?.description ?? NSNull(),
            "state": o.state.rawValue,
            "reason": o.lastReason.map { ["code": Int($0.code), "text": $0.text] as [String: Any] } ?? NSNull(),
            "fees": Dictionary(uniqueKeysWithValues: o.fees.map { ($0.key, $0.value.description) }),
            "strategy_id": Int(o.strategyId), "created_ns": o.times.createdNs, "sent_ns": hops["sent"]!,
            "acked_ns": hops["acked"]!, "last_fill_ns": hops["last_fill"]!,
        ]
    }
}
