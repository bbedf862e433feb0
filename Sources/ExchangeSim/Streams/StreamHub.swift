import EngineModel
import Foundation
import Matching

/// Fans the venue's public events out to the WebSocket connections subscribed to them.
///
/// The venue calls `publish` synchronously from its actor; delivery never waits for a client:
/// each connection has a bounded outbound queue, and a connection whose queue is full is
/// dropped (its writer then closes the socket) rather than slowing the venue down. Diff-depth
/// changes are merged per symbol into windows (spot: 100 ms and 1000 ms; USD-M futures:
/// 100, 250 and 500 ms) that `flush` emits, so each `depthUpdate` carries the first (`U`) and
/// last (`u`) update id of its window, the windows of one interval are contiguous, and on
/// futures `pu` is the `u` of the interval's previous window.
///
/// A replay adds recorded streams (`StreamHub+Replay.swift`): their payloads are the recorded
/// bytes, and the venue's own events for replayed symbols are not published at all.
final class StreamHub: @unchecked Sendable {
    /// Messages a connection may have queued before it is dropped as too slow.
    let queueLimit: Int
    /// Which market's stream names and payload shapes this hub serves.
    let market: SimMarket
    /// The depth windows served, in milliseconds.
    let intervals: [Int]
    /// Guards everything below, and the replay state in `StreamHub+Replay.swift`.
    let lock = NSLock()
    /// The open connections by id.
    var connections: [Int: Connection] = [:]
    /// The next connection id.
    private var nextId = 1
    /// Pending diff-depth windows per symbol and interval.
    private var windows: [String: [Int: DepthWindow]] = [:]
    /// The `u` of the last window emitted per symbol and interval (futures `pu`).
    private var lastEmitted: [String: [Int: Int64]] = [:]
    /// The recorded streams, when replaying.
    var recorded = RecordedStreams()
    /// The spot depth intervals, in milliseconds.
    static let intervals = [100, 1000]
    /// How often `flush` is expected to be called.
    static let tickMillis = 100

    /// A connection's state.
    struct Connection {
        /// Whether payloads are wrapped `{"stream":…,"data":…}`.
        let combined: Bool
        /// Its subscriptions as the client named them, in subscription order.
        var names: [String] = []
        /// The spot streams among them.
        var streams: [StreamName] = []
        /// The futures streams among them.
        var futures: [FuturesStreamName] = []
        /// The recorded streams among them (indices into `recorded.names`).
        var recorded: [Int] = []
        /// Its outbound queue.
        let queue: OutboundQueue
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

    /// A hub for `market` whose connections may queue `queueLimit` messages.
    init(queueLimit: Int = 4096, market: SimMarket = .spot) {
        self.queueLimit = queueLimit
        self.market = market
        intervals = market == .spot ? Self.intervals : FuturesStreamName.depthIntervals
    }

    // MARK: Connections

    /// Registers a connection subscribed to `streams`; its id and the queue to write out.
    func connect(combined: Bool, streams: [StreamName]) -> (id: Int, queue: OutboundQueue) {
        connect(combined: combined, names: streams.map(\.name))
    }

    /// Registers a connection subscribed to the named streams (names the hub does not serve
    /// are ignored; check them with `serves` first); its id and the queue to write out.
    func connect(combined: Bool, names: [String]) -> (id: Int, queue: OutboundQueue) {
        let queue = OutboundQueue()
        lock.lock()
        let id = nextId
        nextId += 1
        var connection = Connection(combined: combined, queue: queue)
        subscribe(&connection, names)
        connections[id] = connection
        let fire = subscribedRecorded(connection)
        if fire { rebuildRecordedRoutes() }
        lock.unlock()
        if fire { recordedSubscriberArrived(id) }
        return (id, queue)
    }

    /// Whether the hub serves a stream called `name`: a live stream of its market or a
    /// recorded one.
    func serves(_ name: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return parse(name) != nil
    }

    /// Forgets a connection and ends its queue.
    func disconnect(_ id: Int) {
        lock.lock()
        let connection = connections.removeValue(forKey: id)
        if connection.map(subscribedRecorded) == true { rebuildRecordedRoutes() }
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
        if let connection = connections[id], !connection.queue.push(text, limit: queueLimit) {
            connections[id] = nil
            if subscribedRecorded(connection) { rebuildRecordedRoutes() }
            connection.queue.finish()
        }
        lock.unlock()
    }

    // MARK: Subscriptions

    /// What a stream name resolves to. Call with the lock held.
    private func parse(_ name: String) -> (spot: StreamName?, futures: FuturesStreamName?, recorded: Int?)? {
        let spot = market == .spot ? StreamName(name) : nil
        let futures = market == .usdm ? FuturesStreamName(name) : nil
        let recorded = self.recorded.index[name]
        guard spot != nil || futures != nil || recorded != nil else { return nil }
        return (spot, futures, recorded)
    }

    /// Adds subscriptions to a connection, skipping duplicates and unknown names. Call with
    /// the lock held.
    private func subscribe(_ connection: inout Connection, _ names: [String]) {
        for name in names where !connection.names.contains(name) {
            guard let parsed = parse(name) else { continue }
            connection.names.append(name)
            if let spot = parsed.spot { connection.streams.append(spot) }
            if let futures = parsed.futures { connection.futures.append(futures) }
            if let recorded = parsed.recorded { connection.recorded.append(recorded) }
        }
    }

    /// Removes subscriptions from a connection. Call with the lock held.
    private func unsubscribe(_ connection: inout Connection, _ names: [String]) {
        connection.names.removeAll { names.contains($0) }
        connection.streams.removeAll { names.contains($0.name) }
        connection.futures.removeAll { names.contains($0.name) }
        connection.recorded.removeAll { names.contains(recorded.names[$0]) }
    }

    /// Whether a connection receives a recorded stream. Call with the lock held.
    private func subscribedRecorded(_ connection: Connection) -> Bool { !connection.recorded.isEmpty }

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
            var names: [String] = []
            for param in params {
                guard let text = param as? String, serves(text) else {
                    return Self.error(code: 2, "Invalid request: invalid stream name \(param)", id: requestId)
                }
                names.append(text)
            }
            lock.lock()
            var fire = false
            if var connection = connections[id] {
                let before = subscribedRecorded(connection)
                if method == "SUBSCRIBE" {
                    subscribe(&connection, names)
                } else {
                    unsubscribe(&connection, names)
                }
                connections[id] = connection
                if before || subscribedRecorded(connection) { rebuildRecordedRoutes() }
                fire = subscribedRecorded(connection)
            }
            lock.unlock()
            if fire { recordedSubscriberArrived(id) }
            return JSONValue.object([("result", .null), ("id", requestId)]).serialized()
        case "LIST_SUBSCRIPTIONS":
            lock.lock()
            let names = connections[id]?.names ?? []
            lock.unlock()
            return JSONValue.object([("result", .array(names.map { .string($0) })), ("id", requestId)]).serialized()
        default:
            return Self.error(code: 2, "Invalid request: unknown method \(method)", id: requestId)
        }
    }

    /// Binance's error answer.
    private static func error(code: Int, _ message: String, id: JSONValue) -> String {
        JSONValue.object([
            ("error", .object([("code", .int(code)), ("msg", .string(message))])), ("id", id),
        ]).serialized()
    }

    // MARK: Events

    /// Routes the venue's events: trades and book tickers at once, depth changes into the
    /// windows. Events of replayed symbols are left out: their streams are the recording.
    func publish(_ events: [VenueEvent]) {
        lock.lock()
        defer { lock.unlock() }
        for event in events {
            switch event {
            case .trade(let trade):
                guard !recorded.symbols.contains(trade.symbol) else { continue }
                if market == .spot {
                    deliver(.init(symbol: trade.symbol, kind: .trade), StreamJSON.trade(trade))
                    deliver(.init(symbol: trade.symbol, kind: .aggTrade), StreamJSON.aggTrade(trade))
                    deliver(.init(symbol: trade.symbol, kind: .aggTrade), StreamJSON.aggTrade(trade))
                } else {
                    deliverFutures(trade.symbol, .aggTrade, FuturesStreamJSON.aggTrade(trade, now: Self.wallClock()))
                }
            case .bookTicker(let ticker):
                guard !recorded.symbols.contains(ticker.symbol) else { continue }
                if market == .spot {
                    deliver(.init(symbol: ticker.symbol, kind: .bookTicker), StreamJSON.bookTicker(ticker))
                } else {
                    let now = Self.wallClock()
                    deliverFutures(ticker.symbol, .bookTicker, FuturesStreamJSON.bookTicker(ticker, time: now))
                }
            case .depth(let update):
                guard !recorded.symbols.contains(update.symbol) else { continue }
                for interval in intervals {
                    windows[update.symbol, default: [:]][interval, default: DepthWindow()].merge(update)
                }
                if market == .usdm { deliverUnthrottled(update) }
            case .execution, .accountPosition, .balanceUpdate:
                continue
            }
        }
    }

    /// Emits the windows that close at tick `tick` (tick n ends at n × `tickMillis` ms: the
    /// 100 ms window every tick, the 1000 ms window every tenth, the 250 ms window at ticks
    /// 3, 5, 8, 10, …), stamped `now`.
    func flush(now: Int64, tick: Int) {
        lock.lock()
        defer { lock.unlock() }
        let closing = intervals.filter { (tick * Self.tickMillis) / $0 != ((tick - 1) * Self.tickMillis) / $0 }
        for symbol in windows.keys.sorted() {
            for interval in closing {
                guard let window = windows[symbol]?[interval], let first = window.first else { continue }
                windows[symbol]?[interval] = DepthWindow()
                let bids = window.bids.sorted { $0.key > $1.key }.map(\.value)
                let asks = window.asks.sorted { $0.key < $1.key }.map(\.value)
                if market == .spot {
                    let payload = StreamJSON.depthUpdate(
                        symbol: symbol, time: now, first: first, last: window.last, bids: bids, asks: asks)
                    deliver(.init(symbol: symbol, kind: .depth(intervalMillis: interval)), payload)
                } else {
                    let previous = lastEmitted[symbol]?[interval] ?? first - 1
                    lastEmitted[symbol, default: [:]][interval] = window.last
                    let payload = FuturesStreamJSON.depthUpdate(
                        symbol: symbol, time: now, first: first, last: window.last, previous: previous, bids: bids,
                        asks: asks)
                    deliverFutures(symbol, .depth(intervalMillis: interval), payload)
                }
            }
        }
    }

    /// USD-M `@depth@0ms`: each change on its own as it happens, `pu` chained like the windows'.
    /// Call with the lock held.
    private func deliverUnthrottled(_ update: DepthUpdate) {
        let previous = lastEmitted[update.symbol]?[0] ?? update.firstUpdateId - 1
        lastEmitted[update.symbol, default: [:]][0] = update.lastUpdateId
        let payload = FuturesStreamJSON.depthUpdate(
            symbol: update.symbol, time: Self.wallClock(), first: update.firstUpdateId, last: update.lastUpdateId,
            previous: previous, bids: update.bids, asks: update.asks)
        deliverFutures(update.symbol, .depth(intervalMillis: 0), payload)
    }

    /// Queues `payload` for every connection subscribed to the spot `route`.
    /// Call with the lock held.
    private func deliver(_ route: StreamName.Route, _ payload: JSONValue) {
        deliver(payload) { connection in connection.streams.first { $0.route == route }?.name }
    }

    /// Queues `payload` for every connection subscribed to a futures stream of `symbol` and
    /// `kind`. Call with the lock held.
    private func deliverFutures(_ symbol: String, _ kind: FuturesStreamName.Kind, _ payload: JSONValue) {
        deliver(payload) { connection in
            connection.futures.first { $0.symbol == symbol && $0.kind == kind }?.name
        }
    }

    /// Queues `payload` for every connection `subscription` names a stream for (under that
    /// name); drops connections whose queue is full. Call with the lock held.
    private func deliver(_ payload: JSONValue, to subscription: (Connection) -> String?) {
        var raw: String?
        var dropped: [Int] = []
        for (id, connection) in connections {
            guard let name = subscription(connection) else { continue }
            let data = raw ?? payload.serialized()
            raw = data
            let text: String
            if connection.combined {
                text = "{\"stream\":" + JSONValue.string(name).serialized() + ",\"data\":" + data + "}"
            } else {
                text = data
            }
            if !connection.queue.push(text, limit: queueLimit) { dropped.append(id) }
        }
        drop(dropped)
    }

    /// Drops connections that could not keep up. Call with the lock held.
    func drop(_ ids: [Int]) {
        guard !ids.isEmpty else { return }
        var recordedChanged = false
        for id in ids {
            guard let connection = connections.removeValue(forKey: id) else { continue }
            recordedChanged = recordedChanged || subscribedRecorded(connection)
            connection.queue.finish()
        }
        if recordedChanged { rebuildRecordedRoutes() }
    }

    /// Milliseconds since the Unix epoch.
    static func wallClock() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
}
