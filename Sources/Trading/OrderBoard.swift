import EngineKit
import EngineModel
import Execution

/// Every order of a session, rebuilt from the exec journal through the order state machine:
/// the engine keeps one as its own view, and any reader (`engine orders`) builds the same one
/// from the same records. Idempotent per record: a journal replayed twice changes nothing.
public struct OrderBoard: Sendable {
    /// The orders and their state machines, by client and venue order id.
    public private(set) var keeper = OrderBookkeeper(generator: try! ClientOrderIdGenerator(prefix: "board"))
    /// Client order ids in the order they were accepted.
    private var order: [String] = []
    /// The last journal record applied.
    public private(set) var lastSeq: UInt64 = 0
    /// Events the state machines refused or reported (duplicates, illegal transitions), by name.
    public private(set) var issues: [String: Int] = [:]
    /// Actions asked of the owner (venue queries after an unknown outcome), in order.
    public private(set) var pendingQueries: [String] = []
    /// The reason trading was halted, from a HALT record.
    public private(set) var haltReason: String?
    private let instruments: [Instrument]

    /// A board for an instance's instruments (book-table order).
    public init(instruments: [Instrument]) { self.instruments = instruments }

    /// All orders, oldest first.
    public var orders: [OrderRecord] { order.compactMap { keeper.order(clientOrderId: $0) } }

    /// One order by client order id.
    public func order(clientOrderId: String) -> OrderRecord? { keeper.order(clientOrderId: clientOrderId) }

    /// One order by venue order id.
    public func order(venueOrderId: UInt64) -> OrderRecord? { keeper.order(venueOrderId: venueOrderId) }

    /// Takes the queries the board asked for since the last call.
    public mutating func takeQueries() -> [String] {
        defer { pendingQueries = [] }
        return pendingQueries
    }

    /// Applies one journal record (records at or below `lastSeq` are skipped).
    public mutating func apply(_ record: ExecRecord) {
        guard record.seq > lastSeq else { return }
        lastSeq = record.seq
        guard case .report(let r) = record.body else { return }
        if r.type == .halt {  // names no instrument (TW_GW_NO_INSTRUMENT)
            haltReason = r.text
            return
        }
        guard r.instrument < instruments.count else { return }
        let id = r.clientOrderId
        guard !id.isEmpty else { return }
        if r.type == .accepted || (r.type == .rejected && keeper.order(clientOrderId: id) == nil) {
            guard keeper.order(clientOrderId: id) == nil, let side = r.side, let type = r.orderType else { return }
            create(r, side: side, type: type)
            if r.type == .accepted { return }
        }
        let instrument = instruments[r.instrument]
        guard
            let event = ExecEvents.event(
                r, priceExponent: instrument.priceExponent, quantityExponent: instrument.quantityExponent)
        else { return }
        let action: OrderAction
        do { action = try keeper.apply(event, clientOrderId: id) } catch {
            issues["unknown_order", default: 0] += 1
            return
        }
        switch action {
        case .duplicateFill: issues["duplicate_fill", default: 0] += 1
        case .ignored(let issue): issues["\(issue)".prefix(while: { $0 != "(" }).description, default: 0] += 1
        case .queryVenue: pendingQueries.append(id)
        default: break
        }
    }

    private mutating func create(_ r: ExecReport, side: Side, type: OrderType) {
        let instrument = instruments[r.instrument]
        let request = OrderRequest(
            clientOrderId: r.clientOrderId, instrumentIndex: UInt32(r.instrument), instrument: instrument, side: side,
            type: type, timeInForce: r.timeInForce ?? .gtc,
            price: type == .market ? nil : Price(mantissa: r.price, exponent: instrument.priceExponent),
            quantity: Quantity(mantissa: r.quantity, exponent: instrument.quantityExponent), strategyId: r.strategyId,
            commandId: r.commandId, producer: r.producer)
        guard case .created = try? keeper.register(request, now: r.publishNs) else {
            issues["unregistered", default: 0] += 1
            return
        }
        if r.type == .accepted { _ = try? keeper.apply(.submitted(ns: r.publishNs), clientOrderId: r.clientOrderId) }
        order.append(r.clientOrderId)
    }
}
