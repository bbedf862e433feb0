import Foundation
import Logging
import Matching

/// The venue's fault injector: the armed faults, the WebSocket connections they can target,
/// and a bounded log of every time a fault acted. Thread-safe; every call is short and never
/// waits.
///
/// Faults come from the configuration (`ExchangeSimServer.Configuration.faults`), from a stream
/// URL's `?fault=` parameter, and at run time from `POST /admin/faults`. Global faults attach
/// to every matching connection, open or future; `next=N` faults to the next N connections to
/// open; `conn=ID` faults to one open connection. Request faults (`rest-429`, and global
/// `order-5xx` and `ack-delay`) stay armed and are consumed by requests; a scoped `order-5xx` or
/// `ack-delay` attaches to WebSocket API connections and is consumed by their order requests.
///
/// Code serving a connection registers it (`openConnection`), asks the registry what to do
/// with each outbound message (`plan`), and unregisters it (`closeConnection`). The user data
/// stream asks `shouldDuplicateExecutionReport(connection:)` before each executionReport, and
/// order requests (REST and WebSocket API) ask `takeOrderFaults` before answering.
public final class FaultRegistry: @unchecked Sendable {
    /// What a connection carries, which decides the faults it can take.
    public enum ConnectionKind: String, Sendable {
        /// `/ws`, `/stream` (and futures `/fstream…`) market data.
        case marketStream = "market-stream"
        /// The WebSocket API (`/ws-api/v3`), which also carries user data events.
        case webSocketAPI = "ws-api"
        /// A listen-key user data stream.
        case userData = "user-data"

        /// Whether a fault of `kind` can act on a connection of this kind.
        func takes(_ kind: FaultSpec.Kind) -> Bool {
            switch self {
            case .marketStream: kind.isStreamFault
            case .webSocketAPI: kind == .dupExec || kind.isOrderFault
            case .userData: kind == .dupExec
            }
        }
    }

    /// An open connection, as `GET /admin/faults` lists it.
    public struct ConnectionInfo: Sendable {
        /// The id `conn=ID` targets.
        public let id: Int
        /// What it carries.
        public let kind: ConnectionKind
        /// The request path it was opened with.
        public let path: String
        /// The client's address.
        public let remote: String
        /// Server time it opened, in milliseconds.
        public let openedAt: Int64
        /// Outbound messages planned so far.
        public let messages: Int
        /// The specs of the faults attached to it.
        public let faults: [String]
    }

    /// A fault as armed (global or `next=N`; `conn=ID` faults are attached at once).
    struct Armed {
        let id: Int
        var spec: FaultSpec
        let source: String
        /// For `next=N`: connections still to take it.
        var remainingConnections: Int?
        /// For request, order and `dup-exec` faults: applications left; nil: until cleared.
        var remaining: Int?
    }

    /// A fault attached to one connection, with its own counters.
    struct Attached {
        let faultId: Int?
        let spec: FaultSpec
        /// The connection's message count when it attached.
        let base: Int
        /// Matching depth diffs seen (`drop-diff`).
        var seen = 0
        /// Times it acted.
        var fired = 0
        /// Whether it is spent.
        var done = false
    }

    /// An open connection's state.
    struct Connection {
        let kind: ConnectionKind
        let path: String
        let remote: String
        let openedAt: Int64
        var messages = 0
        var attached: [Attached] = []
    }

    /// Guards everything below.
    let lock = NSLock()
    /// Armed global and `next=N` faults (and REST faults), by id.
    var armed: [Int: Armed] = [:]
    /// Open connections by id.
    var connections: [Int: Connection] = [:]
    /// Stalled connections: until when (ContinuousClock), nil meaning until cleared.
    var stalls: [Int: ContinuousClock.Instant?] = [:]
    private var nextFaultId = 1
    private var nextConnectionId = 1
    private var entries: BoundedLog<FaultLogEntry>
    private var nextSequence = 1
    /// Where fault actions are reported (stderr by default).
    let logger: Logger
    /// Server time in milliseconds.
    let clock: @Sendable () -> Int64

    /// A registry arming `faults` (from the configuration) and keeping the newest `logLimit`
    /// log entries.
    public init(
        faults: [FaultSpec] = [], logLimit: Int = 1000,
        clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
    ) {
        var logger = Logger(label: "ExchangeSim.faults")
        logger.logLevel = .notice
        self.logger = logger
        self.clock = clock
        entries = BoundedLog(capacity: max(1, logLimit))
        for spec in faults { _ = try? arm(spec, source: "configuration") }
    }

    // MARK: Arming

    /// Why a fault cannot be armed.
    public struct ArmError: Error, Sendable, CustomStringConvertible {
        /// One line.
        public let description: String
    }

    /// Arms a fault; returns its id. Throws when `conn=ID` names no open connection that can
    /// take the fault.
    @discardableResult
    public func arm(_ spec: FaultSpec, source: String = "admin") throws(ArmError) -> Int {
        lock.lock()
        let id = nextFaultId
        if case .connection(let target) = spec.scope {
            guard let connection = connections[target] else {
                lock.unlock()
                throw ArmError(description: "no open connection \(target)")
            }
            guard connection.kind.takes(spec.kind) else {
                lock.unlock()
                throw ArmError(
                    description: "connection \(target) is a \(connection.kind.rawValue) connection; "
                        + "\(spec.kind.rawValue) does not act on it")
            }
            nextFaultId += 1
            connections[target]!.attached.append(Attached(faultId: id, spec: spec, base: connection.messages))
        } else {
            nextFaultId += 1
            var entry = Armed(id: id, spec: spec, source: source, remaining: spec.count)
            if case .next(let n) = spec.scope { entry.remainingConnections = n }
            armed[id] = entry
            if spec.scope == .global && spec.kind.isStreamFault {
                for (connectionId, connection) in connections where connection.kind.takes(spec.kind) {
                    connections[connectionId]!.attached.append(
                        Attached(faultId: id, spec: spec, base: connection.messages))
                }
            }
        }
        lock.unlock()
        record(spec.kind.rawValue, faultId: id, connection: nil, action: "armed", "armed \(spec) (\(source))")
        return id
    }

    /// Clears one fault (by id) or all of them, ending any stall they caused; returns how many
    /// were cleared.
    @discardableResult
    public func clear(id: Int? = nil) -> Int {
        lock.lock()
        var cleared = Set<Int>()
        for key in armed.keys where id == nil || key == id { cleared.insert(key) }
        for (connectionId, connection) in connections {
            for fault in connection.attached where id == nil || fault.faultId == id {
                if let faultId = fault.faultId { cleared.insert(faultId) }
            }
            connections[connectionId]!.attached.removeAll { id == nil || $0.faultId == id }
        }
        for key in cleared { armed[key] = nil }
        let unstalled = id == nil ? Array(stalls.keys) : []
        if id == nil { stalls.removeAll() }
        lock.unlock()
        for connection in unstalled {
            record("stall", faultId: nil, connection: connection, action: "stall-ended", "stall cleared by admin")
        }
        record(
            "all", faultId: id, connection: nil, action: "cleared",
            id.map { "cleared fault \($0)" } ?? "cleared \(cleared.count) fault(s)",
            fields: ["count": .int(Int64(cleared.count))])
        return cleared.count
    }

    /// The armed faults: id, spec and source; `conn=ID` faults while attached.
    public var armedFaults: [(id: Int, spec: FaultSpec, source: String)] {
        lock.lock()
        defer { lock.unlock() }
        var list = armed.values.map { (id: $0.id, spec: $0.spec, source: $0.source) }
        for connection in connections.values {
            for fault in connection.attached where !fault.done {
                guard let id = fault.faultId, armed[id] == nil, !list.contains(where: { $0.id == id }) else { continue }
                list.append((id: id, spec: fault.spec, source: "admin"))
            }
        }
        return list.sorted { $0.id < $1.id }
    }

    // MARK: Connections

    /// Registers a connection and attaches the faults it takes: global ones, a share of
    /// `next=N` ones, and `extra` (e.g. from the URL's `?fault=`). Returns its id.
    public func openConnection(
        kind: ConnectionKind, path: String, remote: String = "", extra: [FaultSpec] = []
    ) -> Int {
        lock.lock()
        let id = nextConnectionId
        nextConnectionId += 1
        var connection = Connection(kind: kind, path: path, remote: remote, openedAt: clock())
        var taken: [(Int, FaultSpec)] = []
        for key in armed.keys.sorted() {
            guard var fault = armed[key], kind.takes(fault.spec.kind) else { continue }
            switch fault.spec.scope {
            case .global:
                if fault.spec.kind.isStreamFault {
                    connection.attached.append(Attached(faultId: key, spec: fault.spec, base: 0))
                }
            case .next:
                guard let left = fault.remainingConnections, left > 0 else { continue }
                fault.remainingConnections = left - 1
                connection.attached.append(Attached(faultId: key, spec: fault.spec, base: 0))
                taken.append((key, fault.spec))
                if left - 1 == 0 {
                    armed[key] = nil
                } else {
                    armed[key] = fault
                }
            case .connection:
                continue
            }
        }
        for spec in extra where kind.takes(spec.kind) {
            connection.attached.append(Attached(faultId: nil, spec: spec, base: 0))
        }
        connections[id] = connection
        lock.unlock()
        for (faultId, spec) in taken {
            record(
                spec.kind.rawValue, faultId: faultId, connection: id, action: "attached",
                "\(spec) attached to \(kind.rawValue) connection \(id) (\(path))")
        }
        return id
    }

    /// Forgets a connection (and any stall on it).
    public func closeConnection(_ id: Int) {
        lock.lock()
        connections[id] = nil
        stalls[id] = nil
        lock.unlock()
    }

    /// The open connections, by id.
    public var openConnections: [ConnectionInfo] {
        lock.lock()
        defer { lock.unlock() }
        return connections.keys.sorted().map { id in
            let c = connections[id]!
            return ConnectionInfo(
                id: id, kind: c.kind, path: c.path, remote: c.remote, openedAt: c.openedAt, messages: c.messages,
                faults: c.attached.filter { !$0.done }.map(\.spec.description))
        }
    }

    // MARK: Log

    /// Appends a log entry and reports it through swift-log (warning for what a client sees,
    /// notice for arming and clearing).
    func record(
        _ fault: String, faultId: Int?, connection: Int?, action: String, _ detail: String,
        fields: [String: JSONValue] = [:]
    ) {
        lock.lock()
        let entry = FaultLogEntry(
            sequence: nextSequence, time: clock(), fault: fault, faultId: faultId, connection: connection,
            action: action, detail: detail, fields: fields)
        nextSequence += 1
        entries.append(entry)
        lock.unlock()
        var metadata: Logger.Metadata = ["fault": .string(fault), "action": .string(action)]
        if let connection { metadata["connection"] = .stringConvertible(connection) }
        if let faultId { metadata["fault_id"] = .stringConvertible(faultId) }
        let quiet = ["armed", "cleared", "attached"].contains(action)
        logger.log(level: quiet ? .notice : .warning, "fault: \(detail)", metadata: metadata)
    }

    /// The newest log entries, oldest first; only those after `since` when given.
    public func logEntries(since: Int = 0) -> [FaultLogEntry] {
        lock.lock()
        defer { lock.unlock() }
        return entries.elements.filter { $0.sequence > since }
    }
}
