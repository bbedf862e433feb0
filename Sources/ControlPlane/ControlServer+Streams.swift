import Account
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import Synchronization

extension ControlServer {
    /// The topics of the account stream (seed 000), "snapshot" aside.
    static let accountTopics: Set<String> = [
        "balance.update", "position.update", "order.update", "order.fill", "order.closed", "pnl.update", "heartbeat",
    ]

    /// /api/account/stream and /ws/dashboard.
    func addStreams(to router: Router<BasicWebSocketRequestContext>) {
        let settings = self.settings
        let server = self
        router.ws(
            "/api/account/stream",
            shouldUpgrade: { request, _ in
                try Self.checkOrigin(request, settings: settings)
                _ = try Self.accountFilter(request.uri.queryParameters.get("topics"), request.uri.queryParameters.get("symbols"))
                return .upgrade([:])
            },
            onUpgrade: { inbound, outbound, context in
                await server.serveAccount(inbound: inbound, outbound: outbound, request: context.request)
            })
        router.ws(
            "/ws/dashboard",
            shouldUpgrade: { request, _ in
                try Self.checkOrigin(request, settings: settings)
                _ = try DashboardClient.Options(query: request.uri.queryParameters, settings: settings)
                guard server.dashboard.count < settings.maxClients else {
                    throw HTTPError(.serviceUnavailable, message: "the dashboard has \(settings.maxClients) clients already")
                }
                return .upgrade([:])
            },
            onUpgrade: { inbound, outbound, context in
                await server.serveDashboard(inbound: inbound, outbound: outbound, request: context.request)
            })
    }

    /// A browser's page on another site may open a WebSocket to us (browsers do not stop it):
    /// when the request carries an Origin, it must be this server's own.
    static func checkOrigin(_ request: Request, settings: ControlSettings) throws {
        guard let origin = request.headers[.origin] else { return }
        let host = request.head.authority ?? ""
        guard origin == "http://\(host)" || origin == "https://\(host)" else {
            throw HTTPError(.forbidden, message: "WebSocket from another origin (\(printable(origin))) refused")
        }
    }

    /// The account stream's filter from the query (`topics=a,b`, `symbols=X,Y`); nil: everything.
    static func accountFilter(_ topics: String?, _ symbols: String?) throws -> (topics: Set<String>?, symbols: Set<String>?) {
        let t = topics.map { Set($0.split(separator: ",").map(String.init)) }
        if let t, let unknown = t.first(where: { !accountTopics.contains($0) }) {
            throw HTTPError(
                .badRequest,
                message: "unknown topic '\(printable(unknown))'; topics: \(accountTopics.sorted().joined(separator: ","))")
        }
        let s = symbols.map { Set($0.split(separator: ",").map { $0.uppercased() }) }
        if let s, s.count > 1000 || s.contains(where: { $0.utf8.count > 32 }) {
            throw HTTPError(.badRequest, message: "symbols: at most 1000 of at most 32 characters")
        }
        return (t, s)
    }

    /// One account-stream client: the snapshot, then every change it asked for, heartbeats
    /// between; a filter message replaces the filter (and sends a fresh snapshot). A client that
    /// lets `streamQueueCapacity` changes pile up is dropped, counted and told why.
    func serveAccount(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, request: Request) async {
        guard let account = source.account else {
            try? await outbound.close(.policyViolation, reason: "this engine keeps no account")
            return
        }
        guard let initial = try? Self.accountFilter(request.uri.queryParameters.get("topics"), request.uri.queryParameters.get("symbols"))
        else { return }
        metrics.clients("account", dashboard.joinAccount())
        defer { metrics.clients("account", dashboard.leaveAccount()) }
        let session = AccountSession(account: account, capacity: settings.streamQueueCapacity, filter: initial)
        let heartbeat = Duration.milliseconds(settings.heartbeatIntervalMs)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                // The client's messages: filters. Anything else is answered with an error and changes nothing.
                do {
                    for try await message in inbound.messages(maxSize: 4096) {
                        guard case .text(let text) = message, let filter = AccountSession.filter(text) else {
                            try await outbound.write(.text(Self.accountError("send {\"topics\": [...], \"symbols\": [...]}")))
                            continue
                        }
                        switch filter {
                        case .success(let f): session.resubscribe(f)
                        case .failure(let e): try await outbound.write(.text(Self.accountError(e.body ?? "bad filter")))
                        }
                    }
                } catch {}
                session.end()
            }
            group.addTask {
                var lastBeat = ContinuousClock.now
                while let item = await session.next(timeout: heartbeat) {
                    let text: String
                    switch item {
                    case .snapshot(let s):
                        let message: JSONValue = [
                            "topic": "snapshot", "version": .int(Int64(s.version)), "data": AccountShapes.snapshot(s),
                        ]
                        text = message.jsonText
                    case .change(let b):
                        let message: JSONValue = [
                            "topic": .string(b.topic), "version": .int(Int64(b.version)),
                            "symbol": b.symbol.map { .string($0) } ?? .null, "data": AccountShapes.change(b.change),
                        ]
                        text = message.jsonText
                    case .idle:
                        guard ContinuousClock.now - lastBeat >= heartbeat else { continue }
                        let message: JSONValue = [
                            "topic": "heartbeat", "version": .int(Int64(account.store.version)),
                            "data": ["ts_ns": .int(Int64(Date().timeIntervalSince1970 * 1e9))],
                        ]
                        text = message.jsonText
                        lastBeat = ContinuousClock.now
                    case .dropped:
                        self.metrics.dropped()
                        try? await outbound.close(
                            .policyViolation, reason: "too slow: more than \(self.settings.streamQueueCapacity) changes queued")
                        session.end()
                        return
                    }
                    do { try await outbound.write(.text(text)) } catch {
                        self.metrics.sendError()
                        break
                    }
                }
                session.end()
            }
            await group.next()
            group.cancelAll()
        }
    }

    static func accountError(_ message: String) -> String {
        let error: JSONValue = ["topic": "error", "data": ["message": .string(message)]]
        return error.jsonText
    }
}

/// One account-stream client's subscription, replaceable by a filter message.
final class AccountSession: Sendable {
    enum Item { case snapshot(AccountSnapshot), change(AccountBroadcast), idle, dropped }

    let account: AccountFeed
    let capacity: Int
    private struct State {
        var subscription: AccountSubscription
        /// A snapshot to send before anything newer (at start and after a new filter).
        var pendingSnapshot: AccountSnapshot?
        /// The version of the last snapshot sent: changes at or before it are in it.
        var snapshotVersion: UInt64 = 0
        var ended = false
    }
    private let state: Mutex<State>

    init(account: AccountFeed, capacity: Int, filter: (topics: Set<String>?, symbols: Set<String>?)) {
        self.account = account
        self.capacity = capacity
        // Subscribe first, then snapshot: a change between the two is in both, and is skipped by version.
        let subscription = account.broadcaster.subscribe(capacity: capacity, topics: filter.topics, symbols: filter.symbols)
        state = Mutex(State(subscription: subscription, pendingSnapshot: account.store.snapshot))
    }

    /// A filter message: {"topics": [...], "symbols": [...]} (either may be left out: everything).
    static func filter(_ text: String) -> Result<(topics: Set<String>?, symbols: Set<String>?), HTTPError>? {
        struct Filter: Decodable {
            var topics: [String]?
            var symbols: [String]?
        }
        guard let f = try? JSONDecoder().decode(Filter.self, from: Data(text.utf8)) else { return nil }
        do {
            return .success(
                try ControlServer.accountFilter(f.topics?.joined(separator: ","), f.symbols?.joined(separator: ",")))
        } catch let error as HTTPError { return .failure(error) } catch { return nil }
    }

    func resubscribe(_ filter: (topics: Set<String>?, symbols: Set<String>?)) {
        let fresh = account.broadcaster.subscribe(capacity: capacity, topics: filter.topics, symbols: filter.symbols)
        let old = state.withLock { s in
            defer {
                s.subscription = fresh
                s.pendingSnapshot = account.store.snapshot
            }
            return s.subscription
        }
        old.cancel()
    }

    func end() {
        let subscription = state.withLock { s in
            s.ended = true
            return s.subscription
        }
        subscription.cancel()
    }

    /// The next thing to send; `.idle` after `timeout` without one; nil once ended. Polls the
    /// subscription every few ms rather than parking in `next()`, so a timeout never races a
    /// change being handed over.
    func next(timeout: Duration) async -> Item? {
        let deadline = ContinuousClock.now + timeout
        while true {
            let (subscription, snapshot, ended, after) = state.withLock { s in
                defer {
                    if let snapshot = s.pendingSnapshot { s.snapshotVersion = snapshot.version }
                    s.pendingSnapshot = nil
                }
                return (s.subscription, s.pendingSnapshot, s.ended, s.snapshotVersion)
            }
            if ended || Task.isCancelled { return nil }
            if let snapshot { return .snapshot(snapshot) }
            if let broadcast = subscription.poll() {
                if broadcast.version <= after && broadcast.topic != "heartbeat" { continue }
                return .change(broadcast)
            }
            if subscription.status == .dropped { return .dropped }
            if ContinuousClock.now >= deadline { return .idle }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }
}
