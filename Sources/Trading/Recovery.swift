import EngineKit
import EngineModel
import Execution

/// Orders a dead engine left open, found in its exec journal (which outlives it in /dev/shm),
/// carried into the next start's journal, then asked of the venue: after kill -9 every order is
/// found again, and the venue says what became of it while the engine was down.
public enum Recovery {
    /// One order still open (or of unknown outcome) when the previous engine died.
    public struct OpenOrder: Sendable, Equatable {
        public var symbol: String
        public var report: ExecReport
        public var state: OrderState
        public var priceExponent: Int8
        public var quantityExponent: Int8
    }

    /// What the previous engine of `instance` left: nil when there is no journal or its writer
    /// still runs (a live engine is never read as a dead one).
    public static func openOrders(instance: String) -> (orders: [OpenOrder], generation: UInt64)? {
        guard let journal = try? ExecJournalReader(instance: instance, fromOldest: true),
            journal.segment.state != .live || !journal.segment.writerAlive, !journal.segment.writerAlive,
            let books = try? BooksReader(instance: instance)
        else { return nil }
        let instruments = books.instruments.compactMap { entry -> Instrument? in
            try? Instrument(
                symbol: entry.symbol, venue: entry.venue,
                tickSize: Price(mantissa: entry.tickSize, exponent: entry.priceExponent),
                stepSize: Quantity(mantissa: entry.stepSize, exponent: entry.quantityExponent),
                minNotional: Price(mantissa: entry.minNotional, exponent: entry.priceExponent))
        }
        guard instruments.count == books.instruments.count else { return nil }
        var board = OrderBoard(instruments: instruments)
        let end = journal.head
        while journal.nextSeq <= end, case .record(let record) = journal.poll() { board.apply(record) }
        let open = board.orders.filter { $0.state.isOpen || $0.state == .unknown || $0.state == .pendingSubmit }
        return (open.map { order in
            let instrument = instruments[Int(order.instrumentIndex)]
            var r = ExecReport(type: .accepted, instrument: Int(order.instrumentIndex))
            r.clientOrderId = order.clientOrderId
            r.venueOrderId = order.venueOrderId ?? 0
            r.side = order.side
            r.orderType = order.type
            r.timeInForce = order.timeInForce
            r.price = order.price?.mantissa ?? 0
            r.quantity = order.quantity.mantissa
            r.cumQuantity = order.knownFilledQuantity.mantissa
            r.strategyId = order.strategyId
            return OpenOrder(
                symbol: order.symbol, report: r, state: order.state, priceExponent: instrument.priceExponent,
                quantityExponent: instrument.quantityExponent)
        }, journal.segment.generation)
    }

    /// Writes the recovered orders into a new instance's journal (before its gateway starts: the
    /// journal has one writer at a time) as accepted, then as last seen. Returns the client order
    /// ids to ask the venue about, and the symbols no longer traded by this start.
    public static func carry(
        _ orders: [OpenOrder], from generation: UInt64, into instance: EngineInstance
    ) throws -> (queries: [String], dropped: [String]) {
        let writer = try ExecJournalWriter(segment: instance.exec)
        var queries: [String] = [], dropped: [String] = []
        for order in orders {
            guard let index = instance.config.instruments.firstIndex(where: { $0.symbol == order.symbol }) else {
                dropped.append("\(order.report.clientOrderId) (\(order.symbol))")
                continue
            }
            let instrument = instance.config.instruments[index]
            guard instrument.priceExponent == order.priceExponent, instrument.quantityExponent == order.quantityExponent
            else {
                dropped.append("\(order.report.clientOrderId) (\(order.symbol): exponents changed)")
                continue
            }
            var accepted = order.report
            accepted.instrument = index
            accepted.flags = 1
            accepted.orderState = OrderState.pendingSubmit.abiValue
            accepted.text = "recovered from generation \(generation)"
            writer.append(accepted)
            if order.state != .pendingSubmit && order.state != .unknown {
                var last = accepted
                last.type = .status
                last.orderState = order.state.abiValue
                last.text = "last state before the restart"
                writer.append(last)
            }
            queries.append(order.report.clientOrderId)
        }
        return (queries, dropped)
    }
}
