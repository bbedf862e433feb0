import Foundation

/// What the writer of a stream connection does, in order, with one queued message.
public enum StreamStep: Hashable, Sendable {
    /// Write this text frame.
    case send(String)
    /// Wait while `FaultRegistry.isStalled(connection:)` says so: no data and no pings.
    case stall
    /// Close the connection, with this reason in the close frame.
    case close(String)
}

extension FaultRegistry {
    /// Counts `count` outbound messages of stream connection `id` as sent untouched and says
    /// true when no fault is attached to it and it is not stalled — the writer may then send
    /// them as one batch; false: ask `plan` for each.
    public func passesUntouched(connection id: Int, count: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard var connection = connections[id] else { return true }
        guard connection.attached.isEmpty, stalls[id] == nil else { return false }
        connection.messages += count
        connections[id] = connection
        return true
    }

    /// What to do with the next outbound message of stream connection `id`: usually just
    /// `[.send(text)]`; with faults attached, a stall first, a malformed frame before it, the
    /// message left out (a dropped diff), or a close before or after it. Each fault that acts
    /// is logged.
    public func plan(connection id: Int, message text: String) -> [StreamStep] {
        lock.lock()
        guard var connection = connections[id] else {
            lock.unlock()
            return [.send(text)]
        }
        let index = connection.messages
        connection.messages += 1
        guard !connection.attached.isEmpty else {
            connections[id] = connection
            lock.unlock()
            return [.send(text)]
        }
        var stallMillis: Int??
        var stallAfter = false
        var drop = false
        var closeBefore = false
        var closeAfter = false
        var acted: [Attached] = []
        for i in connection.attached.indices {
            var fault = connection.attached[i]
            let k = index - fault.base
            switch fault.spec.kind {
            case .disconnect:
                if fault.spec.after == 0 ? k == 0 : k == fault.spec.after - 1 {
                    if fault.spec.after == 0 { closeBefore = true } else { closeAfter = true }
                    fault.done = true
                }
            case .malformed:
                if k == fault.spec.after { fault.done = true }
            case .stall:
                // The silence starts right after the `after`-th message (before the first for 0).
                if fault.spec.after == 0 ? k == 0 : k == fault.spec.after - 1 {
                    stallMillis = .some(fault.spec.millis)
                    stallAfter = fault.spec.after > 0
                    fault.done = true
                }
            case .dropDiff:
                guard Self.isDiff(text, symbol: fault.spec.symbol) else { break }
                if fault.seen >= fault.spec.after && fault.fired < (fault.spec.count ?? 1) {
                    drop = true
                    fault.fired += 1
                    fault.done = fault.fired >= (fault.spec.count ?? 1)
                }
                fault.seen += 1
            case .rest429, .order5xx, .ackDelay, .dupExec:
                break
            }
            if fault.done || fault.fired != connection.attached[i].fired { acted.append(fault) }
            connection.attached[i] = fault
        }
        connection.attached.removeAll { $0.done }
        if let millis = stallMillis {
            // `.some`: a stall until cleared is stored as a nil deadline, not removed.
            stalls[id] = .some(millis.map { ContinuousClock.now + .milliseconds($0) })
        }
        connections[id] = connection
        lock.unlock()

        var steps: [StreamStep] = []
        for fault in acted {
            let spec = fault.spec
            switch spec.kind {
            case .stall:
                if !stallAfter { steps.insert(.stall, at: 0) }
                let howLong = spec.millis.map { "\($0) ms" } ?? "until cleared"
                record(
                    spec.kind.rawValue, faultId: fault.faultId, connection: id, action: "stall-started",
                    "stalled connection \(id) after \(spec.after) messages, \(howLong)",
                    fields: ["ms": spec.millis.map { .int(Int64($0)) } ?? .null])
            case .malformed:
                let bytes = Array(text.utf8)
                let cut = String(decoding: bytes.prefix(max(1, bytes.count / 2)), as: UTF8.self)
                steps.append(.send(cut))
                record(
                    spec.kind.rawValue, faultId: fault.faultId, connection: id, action: "malformed-frame",
                    "sent connection \(id) a truncated frame (\(cut.utf8.count) of \(bytes.count) bytes) "
                        + "after \(index - fault.base) messages",
                    fields: ["bytes": .int(Int64(cut.utf8.count)), "frame": .string(cut)])
            case .dropDiff:
                let ids = Self.updateIds(text)
                record(
                    spec.kind.rawValue, faultId: fault.faultId, connection: id, action: "dropped-diff",
                    "dropped depthUpdate \(ids.symbol) U=\(ids.first) u=\(ids.last) on connection \(id)",
                    fields: [
                        "symbol": .string(ids.symbol), "firstUpdateId": .int(ids.first),
                        "lastUpdateId": .int(ids.last),
                    ])
            case .disconnect:
                record(
                    spec.kind.rawValue, faultId: fault.faultId, connection: id, action: "disconnected",
                    "closed connection \(id) after \(spec.after) messages",
                    fields: ["messages": .int(Int64(spec.after))])
            case .rest429, .order5xx, .ackDelay, .dupExec:
                break
            }
        }
        if closeBefore { return [.close("fault injection: disconnect")] }
        if !drop { steps.append(.send(text)) }
        if stallAfter { steps.append(.stall) }
        if closeAfter { steps.append(.close("fault injection: disconnect")) }
        return steps
    }

    /// Whether connection `id` is stalled now (no data, no pings). A stall whose time is up
    /// ends here, and is logged.
    public func isStalled(connection id: Int) -> Bool {
        lock.lock()
        guard let entry = stalls[id] else {
            lock.unlock()
            return false
        }
        if let until = entry, ContinuousClock.now >= until {
            stalls[id] = nil
            lock.unlock()
            record("stall", faultId: nil, connection: id, action: "stall-ended", "connection \(id) resumed")
            return false
        }
        lock.unlock()
        return true
    }

    /// Records that a connection was closed for not answering pings.
    func recordPongTimeout(connection id: Int, millis: Int) {
        record(
            "ping", faultId: nil, connection: id, action: "pong-timeout",
            "closed connection \(id): no pong within \(millis) ms", fields: ["ms": .int(Int64(millis))])
    }

    /// Whether `text` is a `depthUpdate` (of `symbol`, when given).
    static func isDiff(_ text: String, symbol: String?) -> Bool {
        guard text.contains("\"e\":\"depthUpdate\"") else { return false }
        guard let symbol else { return true }
        return text.contains("\"s\":\"\(symbol)\"")
    }

    /// The symbol, `U` and `u` of a `depthUpdate` text (raw or combined).
    static func updateIds(_ text: String) -> (symbol: String, first: Int64, last: Int64) {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
            return ("?", -1, -1)
        }
        let payload = object["data"] as? [String: Any] ?? object
        func int(_ key: String) -> Int64 { (payload[key] as? NSNumber)?.int64Value ?? -1 }
        return (payload["s"] as? String ?? "?", int("U"), int("u"))
    }
}
