import EngineModel

/// Every order the engine knows, by client order id and by venue order id, each with its
/// `OrderStateMachine`. I/O free; the execution stage owns one and is its only writer.
///
/// Idempotency (seed 002 NFR-OE-003): registering a request under a client order id that is
/// already known returns the existing order — no second order is made — as long as it is the
/// same order; the same id for a different order is refused as `.duplicate`. Terminal orders
/// are kept for `maxTerminalOrders` orders (the idempotency window and late-fill window), then
/// forgotten oldest first; events for a forgotten order throw `LookupError`.
public struct OrderBookkeeper: Sendable {
    /// An event for an order that is not (or no longer) known.
    public enum LookupError: Error, Hashable, Sendable {
        /// No order has this client order id.
        case unknownClientOrderId(String)
        /// No order has this venue order id.
        case unknownVenueOrderId(UInt64)
    }

    /// What `register` did.
    public enum Registration: Hashable, Sendable {
        /// A new order, NEW: feed it `.submitted` once risk accepts it.
        case created(OrderRecord)
        /// The same request again: the existing order, unchanged. Do not submit it again.
        case existing(OrderRecord)
    }

    /// The orders, by client order id.
    private var machines: [String: OrderStateMachine] = [:]
    /// Client order ids by venue order id, once the venue has named them.
    private var byVenueId: [UInt64: String] = [:]
    /// Client order ids of the orders that are not terminal.
    private var active: Set<String> = []
    /// Client order ids of terminal orders, oldest first, for forgetting.
    private var terminal: [String] = []
    /// Where `terminal` starts (a queue without moving elements).
    private var terminalHead = 0

    /// Makes the ids of requests that come without one.
    public private(set) var generator: ClientOrderIdGenerator

    /// How many terminal orders are kept before the oldest is forgotten.
    public let maxTerminalOrders: Int

    /// An empty bookkeeper.
    public init(generator: ClientOrderIdGenerator, maxTerminalOrders: Int = 100_000) {
        self.generator = generator
        self.maxTerminalOrders = max(0, maxTerminalOrders)
    }

    /// The number of orders known (active and kept terminal ones).
    public var count: Int { machines.count }

    /// Registers a new-order request at `now` (ns): a NEW order under the request's client order
    /// id, or a generated one. Throws `.malformed` for an id that breaks the venue's charset or
    /// length, `.duplicate` for a known id with a different order behind it.
    public mutating func register(_ request: OrderRequest, now: Int64) throws(OrderRejection) -> Registration {
        var id: String
        if let given = request.clientOrderId {
            do throws(ClientOrderIdGenerator.IdError) {
                try ClientOrderIdGenerator.validate(given)
            } catch {
                throw OrderRejection(.malformed, error.description)
            }
            if let existing = machines[given]?.record {
                guard request.matches(existing) else {
                    throw OrderRejection(.duplicate, "client order id \(given) is already used by another order")
                }
                return .existing(existing)
            }
            id = given
        } else {
            id = generator.nextId()
            while machines[id] != nil { id = generator.nextId() }
        }
        let record = OrderRecord(request: request, clientOrderId: id, createdNs: now)
        machines[id] = OrderStateMachine(record: record)
        active.insert(id)
        return .created(record)
    }

    /// Applies `event` to the order with `clientOrderId` and returns what to do.
    public mutating func apply(_ event: OrderEvent, clientOrderId: String) throws(LookupError) -> OrderAction {
        guard var machine = machines[clientOrderId] else { throw .unknownClientOrderId(clientOrderId) }
        let action = machine.handle(event)
        store(machine)
        return action
    }

    /// Applies `event` to the order the venue calls `venueOrderId` and returns what to do.
    public mutating func apply(_ event: OrderEvent, venueOrderId: UInt64) throws(LookupError) -> OrderAction {
        guard let id = byVenueId[venueOrderId] else { throw .unknownVenueOrderId(venueOrderId) }
        do {
            return try apply(event, clientOrderId: id)
        } catch {
            throw .unknownVenueOrderId(venueOrderId)
        }
    }

    /// Stores a machine back, keeping the indexes in step with its record.
    private mutating func store(_ machine: OrderStateMachine) {
        let record = machine.record
        let id = record.clientOrderId
        machines[id] = machine
        if let venueId = record.venueOrderId, byVenueId[venueId] == nil { byVenueId[venueId] = id }
        if record.state.isTerminal, active.remove(id) != nil {
            terminal.append(id)
            forgetOldTerminalOrders()
        }
    }

    /// Forgets the oldest terminal orders beyond `maxTerminalOrders`.
    private mutating func forgetOldTerminalOrders() {
        while terminal.count - terminalHead > maxTerminalOrders {
            let id = terminal[terminalHead]
            terminalHead += 1
            if let venueId = machines.removeValue(forKey: id)?.record.venueOrderId { byVenueId[venueId] = nil }
        }
        if terminalHead > 1024 && terminalHead * 2 > terminal.count {
            terminal.removeFirst(terminalHead)
            terminalHead = 0
        }
    }

    // MARK: - Queries

    /// The order with `clientOrderId`, if known.
    public func order(clientOrderId: String) -> OrderRecord? { machines[clientOrderId]?.record }

    /// The order the venue calls `venueOrderId`, if known.
    public func order(venueOrderId: UInt64) -> OrderRecord? {
        byVenueId[venueOrderId].flatMap { machines[$0]?.record }
    }

    /// The state machine of the order with `clientOrderId`, if known (for `stateBeforeCancel`).
    public func machine(clientOrderId: String) -> OrderStateMachine? { machines[clientOrderId] }

    /// The open orders (`OrderState.isOpen`: possibly working at the venue), oldest first.
    public var openOrders: [OrderRecord] {
        active.compactMap { machines[$0]?.record }.filter { $0.state.isOpen }.sorted(by: Self.oldestFirst)
    }

    /// The open orders of one instrument, oldest first.
    public func openOrders(instrumentIndex: UInt32) -> [OrderRecord] {
        openOrders.filter { $0.instrumentIndex == instrumentIndex }
    }

    /// The remaining quantity of the open orders of one instrument, per side, at
    /// `quantityExponent`: the exposure pre-trade checks add to the position.
    public func openExposure(instrumentIndex: UInt32, quantityExponent: Int8) -> OpenExposure {
        var exposure = OpenExposure(quantityExponent: quantityExponent)
        for record in openOrders(instrumentIndex: instrumentIndex) {
            exposure.add(record.openExposure, side: record.side)
        }
        return exposure
    }

    /// Creation time, then client order id: a total, stable order.
    private static func oldestFirst(_ a: OrderRecord, _ b: OrderRecord) -> Bool {
        (a.times.createdNs, a.clientOrderId) < (b.times.createdNs, b.clientOrderId)
    }
}
