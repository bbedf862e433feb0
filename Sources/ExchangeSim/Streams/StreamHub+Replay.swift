extension StreamHub {
    /// The recorded streams a replay serves through a hub.
    struct RecordedStreams {
        /// The recorded stream names ("btcusdt@depth@100ms"), indexed by the replay's frames.
        var names: [String] = []
        /// Each name's index.
        var index: [String: Int] = [:]
        /// The replayed symbols (uppercase): the venue's own events for them are not published.
        var symbols: Set<String> = []
        /// Per recorded stream, the ids of the connections subscribed to it.
        var routes: [[Int]] = []
        /// Told when a connection first subscribes to a recorded stream.
        var trigger: ReplayTrigger?
    }

    /// Makes the hub serve a recording's streams: `names` (indexed as the frames index them)
    /// for the replayed `symbols`; `trigger` hears of every connection subscribing to one.
    func installRecording(names: [String], symbols: Set<String>, trigger: ReplayTrigger?) {
        lock.lock()
        defer { lock.unlock() }
        recorded.names = names
        recorded.index = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        recorded.symbols = symbols
        recorded.trigger = trigger
        rebuildRecordedRoutes()
    }

    /// Whether `symbol` is replayed through this hub.
    func isReplayed(_ symbol: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return recorded.symbols.contains(symbol)
    }

    /// Recomputes which connections receive each recorded stream. Call with the lock held.
    func rebuildRecordedRoutes() {
        var routes = [[Int]](repeating: [], count: recorded.names.count)
        for (id, connection) in connections.sorted(by: { $0.key < $1.key }) {
            for stream in connection.recorded { routes[stream].append(id) }
        }
        recorded.routes = routes
    }

    /// Tells the trigger connection `id` subscribed to a recorded stream.
    func recordedSubscriberArrived(_ id: Int) {
        lock.lock()
        let trigger = recorded.trigger
        lock.unlock()
        trigger?.arrived(id, hub: ObjectIdentifier(self))
    }

    /// Queues one recorded frame of stream `stream` for its subscribers: `raw` (the recorded
    /// `data` text) on raw connections, `combined` (the recorded envelope) on combined ones.
    /// With `backpressure` nobody is dropped (the caller waits with `waitForRecordedRoom`);
    /// otherwise a connection whose queue is full is dropped, as for live streams. Returns the
    /// number of messages queued.
    func deliverRecorded(_ stream: Int, raw: String, combined: String, backpressure: Bool) -> Int {
        lock.lock()
        defer { lock.unlock() }
        guard stream < recorded.routes.count else { return 0 }
        var sent = 0
        var dropped: [Int] = []
        for id in recorded.routes[stream] {
            guard let connection = connections[id] else { continue }
            let text = connection.combined ? combined : raw
            if connection.queue.push(text, limit: backpressure ? .max : queueLimit) {
                sent += 1
            } else {
                dropped.append(id)
            }
        }
        drop(dropped)
        return sent
    }

    /// The number of connections subscribed to at least one recorded stream.
    var recordedSubscriberCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return connections.values.filter { !$0.recorded.isEmpty }.count
    }

    /// Waits until every connection subscribed to a recorded stream has at most `mark`
    /// messages queued (the max-pace replay's backpressure).
    func waitForRecordedRoom(atMost mark: Int) async {
        for queue in recordedQueues() { await queue.waitForRoom(atMost: mark) }
    }

    /// The queues of the connections subscribed to a recorded stream.
    private func recordedQueues() -> [OutboundQueue] {
        lock.lock()
        defer { lock.unlock() }
        return connections.values.filter { !$0.recorded.isEmpty }.map(\.queue)
    }
}
