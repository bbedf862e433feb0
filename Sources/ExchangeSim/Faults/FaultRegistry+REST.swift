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

    /// What to do to one answer of an order endpoint.
    struct OrderFaults: Sendable {
        /// Wait this long before answering (`ack-delay`), and the fault's id.
        var delay: (millis: Int, faultId: Int)?
        /// Answer 503 / -1007 although the request was executed (`order-5xx`), and the fault's id.
        var unknownStatus: Int?
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

    /// Takes one application of each armed `ack-delay` and `order-5xx` fault, for the answer to
    /// an executed order request.
    func takeOrderFaults() -> OrderFaults {
        lock.lock()
        defer { lock.unlock() }
        var faults = OrderFaults()
        for id in armed.keys.sorted() {
            guard var fault = armed[id], fault.spec.kind == .ackDelay || fault.spec.kind == .order5xx else { continue }
            if fault.spec.kind == .ackDelay {
                guard faults.delay == nil else { continue }
                faults.delay = (fault.spec.millis ?? 0, id)
            } else {
                guard faults.unknownStatus == nil else { continue }
                faults.unknownStatus = id
            }
            if let left = fault.remaining {
                fault.remaining = left - 1
                armed[id] = left - 1 > 0 ? fault : nil
            }
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
        var faultId: Int?
        if let connection, var state = connections[connection],
            let index = state.attached.firstIndex(where: { $0.spec.kind == .dupExec && !$0.done })
        {
            state.attached[index].fired += 1
            faultId = state.attached[index].faultId
            if state.attached[index].fired >= (state.attached[index].spec.count ?? 1) {
                state.attached.remove(at: index)
            }
            connections[connection] = state
        } else if let id = armed.keys.sorted().first(where: {
            armed[$0]!.spec.kind == .dupExec && armed[$0]!.spec.scope == .global
        }) {
            var fault = armed[id]!
            faultId = id
            if let left = fault.remaining {
                fault.remaining = left - 1
                armed[id] = left - 1 > 0 ? fault : nil
            }
        } else {
            lock.unlock()
            return false
        }
        lock.unlock()
        let on = connection.map { " on connection \($0)" } ?? ""
        record(
            FaultSpec.Kind.dupExec.rawValue, faultId: faultId, connection: connection,
            action: "duplicated-execution-report", "sent an executionReport twice\(on)")
        return true
    }
}
