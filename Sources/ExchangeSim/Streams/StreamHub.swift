import EngineModel
import Foundation

/// Fans the venue's public events out to the WebSocket connections subscribed to them.
///
/// The venue calls `publish` synchronously from its actor; delivery never waits for a client:
/// each connection has a bounded outbound queue, and a connection whose queue is full is
/// dropped (its writer then closes the socket) rather than slowing the venue down. Diff-depth
/// changes are merged per symbol into 100 ms and 1000 ms windows that `flush` emits, so each
/// `depthUpdate` carries the first (`U`) and last (`u`) update id of its window and the windows
/// of one interval are contiguous.
final class StreamHub: @unchecked Sendable {
    /// Messages a connection may have queued before it is dropped as too slow.
    let queueLimit: Int
    /// Guards everything below.
    private let lock = NSLock()
    /// The open connections by id.
    private var connections: [Int: Connection] = [:]
    /// The next connection id.
    private var nextId = 1
    /// Pending diff-depth windows per symbol and interval.
    private var windows: [String: [Int: DepthWindow]] = [:]
    /// The depth intervals served, in milliseconds (each a multiple of `tickMillis`).
    static let intervals = [100, 1000]
    /// How often `flush` is expected to be called.
    static let tickMillis = 100

    /// A connection's state.
    private struct Connection {
        /// Whether payloads are wrapped `{"stream":…,"data":…}`.
        let combined: Bool
        /// Its subscriptions, in subscription order.
        var streams: [StreamName]
        /// Its outbound queue.
        let queue: AsyncStream<String>.Continuation
    }

    /// The level changes of one window.
    private struct DepthWindow {
        var first: Int64?
        var last: Int64 = 0
        var bids: [Int64: BookLevel] = [:]
        var asks: [Int64: BookLevel] = [:]

        mutating func merge(_ update: DepthUpdate) {
            if first == nil { first = update.firstUpdateId }
            last = update.lastUpdateId
            for level in update.bids { bids[level.price.mantissa] = level }
            for level in update.asks { asks[level.price.mantissa] = level }
        }
    }

    /// A hub whose connections may queue `queueLimit` messages.
    init(queueLimit: Int = 4096) {
        self.queueLimit = queueLimit
    }

    // MARK: Connections

    /// Registers a connection subscribed to `streams`; its id and the queue to write out.
    func connect(combined: Bool, streams: [StreamName]) -> (id: Int, queue: AsyncStream<String>) {
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingOldest(queueLimit))
        lock.lock()
        defer { lock.unlock() }
        let id = nextId
        nextId += 1
        var unique: [StreamName] = []
        for name in streams where !unique.contains(name) { unique.append(name) }
        connections[id] = Connection(combined: combined, streams: unique, queue: continuation)
        return (id, stream)
    }

    /// Forgets a connection and ends its queue.
    func disconnect(_ id: Int) {
        lock.lock()
        let connection = connections.removeValue(forKey: id)
        lock.unlock()
        connection?.queue.finish()
    }

    /// The number of open connections.
    var connectionCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return connections.count
    }

    /// Queues `text` for one connection (a reply to its request); drops it if its queue is full.
    func send(_ id: Int, _ text: String) {
        lock.lock()
        var overflowed = false
        if let connection = connections[id], case .dropped = connection.queue.yield(text) {
            connections[id] = nil
            overflowed = true
            connection.queue.finish()
        }
        lock.unlock()
        _ = overflowed
    }

    // MARK: Requests

    /// Answers a `SUBSCRIBE`, `UNSUBSCRIBE` or `LIST_SUBSCRIPTIONS` request from connection `id`.
    func handle(_ id: Int, request text: String) -> String {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
            return Self.error(code: 3, "Invalid JSON: expected an object", id: .null)
        }
        let requestId: JSONValue
        switch object["id"] {
        case nil, is NSNull: requestId = .null
        case let number as NSNumber:
            guard let value = Int64(exactly: number) else {
                return Self.error(code: 1, "Invalid value type: expected an integer or string id", id: .null)
            }
            requestId = .int(value)
        case let string as String: requestId = .string(string)
        default: return Self.error(code: 1, "Invalid value type: expected an integer or string id", id: .null)
        }
        guard let method = object["method"] as? String else {
            return Self.error(code: 2, "Invalid request: missing field 'method'", id: requestId)
        }
        switch method {
        case "SUBSCRIBE", "UNSUBSCRIBE":
            guard let params = object["params"] as? [Any] else {
                return Self.error(code: 2, "Invalid request: missing field 'params'", id: requestId)
            }
            var names: [StreamName] = []
            for param in params {
                guard let text = param as? String, let name = StreamName(text) else {
                    return Self.error(code: 2, "Invalid request: invalid stream name \(param)", id: requestId)
                }
                names.append(name)
            }
            update(id) { streams in
                if method == "SUBSCRIBE" {
                    for name in names where !streams.contains(name) { streams.append(name) }
                } else {
                    streams.removeAll { names.contains($0) }
                }
            }
            return JSONValue.object([("result", .null), ("id", requestId)]).serialized()
        case "LIST_SUBSCRIPTIONS":
            lock.lock()
            let names = connections[id]?.streams.map(\.name) ?? []
            lock.unlock()
            return JSONValue.object([("result", .array(names.map { .string($0) })), ("id", requestId)]).serialized()
        default:
            return Self.error(code: 2, "Invalid request: unknown method \(method)", id: requestId)
        }
    }

    /// Changes a connection's subscriptions.
    private func update(_ id: Int, _ change: (inout [StreamName]) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        guard var connection = connections[id] else { return }
        change(&connection.streams)
        connections[id] = connection
    }

    /// Binance's error answer.
    private static func error(code: Int, _ message: String, id: JSONValue) -> String {
        JSONValue.object([
            ("error", .object([("code", .int(code)), ("msg", .string(message))])), ("id", id),
        ]).serialized()
    }

    // MARK: Events

    /// Routes the venue's events: trades and book tickers at once, depth changes into the windows.
    func publish(_ events: [VenueEvent]) {
        lock.lock()
        defer { lock.unlock() }
        for event in events {
            switch event {
            case .trade(let trade):
                deliver(.init(symbol: trade.symbol, kind: .trade), StreamJSON.trade(trade))
            case .bookTicker(let ticker):
                deliver(.init(symbol: ticker.symbol, kind: .bookTicker), StreamJSON.bookTicker(ticker))
            case .depth(let update):
                for interval in Self.intervals {
                    windows[update.symbol, default: [:]][interval, default: DepthWindow()].merge(update)
                }
            case .execution, .accountPosition, .balanceUpdate:
                continue
            }
        }
    }

    /// Emits the windows that close at tick `tick` (the 100 ms window every tick, the 1000 ms
    /// window every tenth), stamped `now`.
    func flush(now: Int64, tick: Int) {
        lock.lock()
        defer { lock.unlock() }
        for symbol in windows.keys.sorted() {
            for interval in Self.intervals where tick % (interval / Self.tickMillis) == 0 {
                guard let window = windows[symbol]?[interval], let first = window.first else { continue }
                windows[symbol]?[interval] = DepthWindow()
                let payload = StreamJSON.depthUpdate(
                    symbol: symbol, time: now, first: first, last: window.last,
                    bids: window.bids.sorted { $0.key > $1.key }.map(\.value),
                    asks: window.asks.sorted { $0.key < $1.key }.map(\.value))
                deliver(.init(symbol: symbol, kind: .depth(intervalMillis: interval)), payload)
            }
        }
    }

    /// Queues `payload` for every connection subscribed to `route`; drops connections whose
    /// queue is full. Call with the lock held.
    private func deliver(_ route: StreamName.Route, _ payload: JSONValue) {
        var raw: String?
        var dropped: [Int] = []
        for (id, connection) in connections {
            guard let name = connection.streams.first(where: { $0.route == route }) else { continue }
            let data = raw ?? payload.serialized()
            raw = data
            let text: String
            if connection.combined {
                text = "{\"stream\":" + JSONValue.string(name.name).serialized() + ",\"data\":" + data + "}"
            } else {
                text = data
            }
            if case .dropped = connection.queue.yield(text) { dropped.append(id) }
        }
        for id in dropped {
            connections.removeValue(forKey: id)?.queue.finish()
        }
    }
}
