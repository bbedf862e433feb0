extension FaultRegistry {
    /// A 429 storm to start: how many requests to refuse and the Retry-After to send.
    struct RESTStorm: Sendable {
        /// The armed fault's id.
        let faultId: Int
        /// Requests to answer 429.
        let count: Int
        /// Retry-After seconds.
        let retryAfter: Int
    }

    /// One application of a fault, taken for a request or an event.
    struct Taken: Sendable {
        /// The fault's id; nil for one attached from a stream URL's `?fault=`.
        let faultId: Int?
        /// Its spec.
        let spec: FaultSpec
    }

    /// What to do to the answer of an executed order request.
    struct OrderFaults: Sendable {
        /// Wait this long before answering (`ack-delay`).
        var delayMillis: Int?
        /// Answer 503 / -1007 although the request was executed (`order-5xx`).
        var unknownStatus = false
    }

    /// An executed order request, as the fault log describes it.
    struct OrderRequest: Sendable {
        /// How the client asked: `POST /api/v3/order`, or a WebSocket API method (`order.place`).
        let name: String
        /// The REST path it runs (the WebSocket API's methods run the REST endpoints).
        let path: String
        /// The WebSocket API connection it came on (its id from `openConnection`); nil for REST.
        let connection: Int?
        /// The order id of the answer, when it has one.
        let orderId: JSONValue?
    }

    /// Takes an armed `rest-429` fault (it is consumed: the rate limiter runs the storm).
    func takeRESTStorm() -> RESTStorm? {
        lock.lock()
        defer { lock.unlock() }
        guard let id = armed.keys.sorted().first(where: { armed[$0]!.spec.kind == .rest429 }),
            let fault = armed.removeValue(forKey: id)
        else { return nil }
        return RESTStorm(
            faultId: id, count: fault.remaining ?? fault.spec.count ?? 1, retryAfter: fault.spec.retryAfter)
    }

    /// Takes one application of each `ack-delay` and `order-5xx` fault that applies to the
    /// answer to `request` — attached to its connection first, else a global one — and logs
    /// each. A scoped fault never reaches REST requests, which have no connection.
    func takeOrderFaults(for request: OrderRequest) -> OrderFaults {
        lock.lock()
        let delay = takeApplication(.ackDelay, connection: request.connection)
        let unknownStatus = takeApplication(.order5xx, connection: request.connection)
        lock.unlock()
        let orderId = request.orderId.map { " (orderId \($0.serialized()))" } ?? ""
        let on = request.connection.map { " on connection \($0)" } ?? ""
        var faults = OrderFaults()
        if let delay {
            let millis = delay.spec.millis ?? 0
            faults.delayMillis = millis
            record(
                FaultSpec.Kind.ackDelay.rawValue, faultId: delay.faultId, connection: request.connection,
                action: "ack-delayed", "delayed the answer to \(request.name)\(orderId)\(on) by \(millis) ms",
                fields: ["ms": .int(Int64(millis)), "path": .string(request.path), "request": .string(request.name)])
        }
        if let unknownStatus {
            faults.unknownStatus = true
            record(
                FaultSpec.Kind.order5xx.rawValue, faultId: unknownStatus.faultId, connection: request.connection,
                action: "order-5xx",
                "answered 503/-1007 to \(request.name)\(on); the request was executed\(orderId)",
                fields: [
                    "path": .string(request.path), "request": .string(request.name),
                    "orderId": request.orderId ?? .null,
                ])
        }
        return faults
    }

    /// Whether the executionReport about to be sent on connection `connection` (a WebSocket
    /// API or user data connection id from `openConnection`; nil when it has none) must be sent
    /// twice. A `true` consumes one application of a `dup-exec` fault — attached to that
    /// connection first, else a global one — and is logged; the caller sends the identical
    /// event again right after the first.
    public func shouldDuplicateExecutionReport(connection: Int?) -> Bool {
        lock.lock()
        let taken = takeApplication(.dupExec, connection: connection)
        lock.unlock()
        guard let taken else { return false }
        let on = connection.map { " on connection \($0)" } ?? ""
        record(
            FaultSpec.Kind.dupExec.rawValue, faultId: taken.faultId, connection: connection,
            action: "duplicated-execution-report", "sent an executionReport twice\(on)")
        return true
    }

    /// Takes one application of a `kind` fault for `connection`: one attached to it first,
    /// else a global one (never a `next=N` one still waiting for its connections). A fault
    /// whose count is spent is removed. Call with the lock held.
    private func takeApplication(_ kind: FaultSpec.Kind, connection: Int?) -> Taken? {
        if let connection, var state = connections[connection],
            let index = state.attached.firstIndex(where: { $0.spec.kind == kind && !$0.done })
        {
            var fault = state.attached[index]
            fault.fired += 1
            if let count = fault.spec.count, fault.fired >= count {
                state.attached.remove(at: index)
            } else {
                state.attached[index] = fault
            }
            connections[connection] = state
            return Taken(faultId: fault.faultId, spec: fault.spec)
        }
        guard
            let id = armed.keys.sorted().first(where: {
                armed[$0]!.spec.kind == kind && armed[$0]!.spec.scope == .global
            }),
            var fault = armed[id]
        else { return nil }
        if let left = fault.remaining {
            fault.remaining = left - 1
            armed[id] = left - 1 > 0 ? fault : nil
        }
        return Taken(faultId: id, spec: fault.spec)
    }
}
