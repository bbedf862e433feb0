import Account
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import ServiceLifecycle
import Synchronization

extension ControlServer {
    /// The topics of the account stream (seed 000), "snapshot" aside.
    static let accountTopics: Set<String> = [
        "balance.update", "position.update", "order.update", "order.fill", "order.closed", "pnl.update", "heartbeat",
    ]

    /// /api/account/stream and /ws/dashboard. A WebSocket from another site's page is refused at
    /// the upgrade (Hummingbird answers a refused upgrade with a bare 400); every other problem —
    /// bad parameters, no room — is told to the client in a message before the socket closes, and
    /// a plain GET of either path says what it is (426).
    func addStreams(upgrades: Router<BasicWebSocketRequestContext>, http: Router<BasicWebSocketRequestContext>) {
        let settings = self.settings
        let server = self
        for path in ["/api/account/stream", "/ws/dashboard"] {
            upgrades.ws(
                RouterPath(path),
                shouldUpgrade: { request, _ in
                    (try? Self.checkOrigin(request, settings: settings)) == nil ? .dontUpgrade : .upgrade([:])
                },
                onUpgrade: { inbound, outbound, context in
                    if path == "/ws/dashboard" {
                        await server.serveDashboard(inbound: inbound, outbound: outbound, request: context.request)
                    } else {
                        await server.serveAccount(inbound: inbound, outbound: outbound, request: context.request)
                    }
                })
            http.get(RouterPath(path)) { request, _ -> Response in
                do { try Self.checkOrigin(request, settings: settings) } catch let error as HTTPError {
                    return Self.error(error.status, error.body ?? error.status.reasonPhrase)
                }
                return Self.error(
                    .upgradeRequired, "\(path) is a WebSocket: connect with an Upgrade: websocket request")
            }
        }
    }

    /// Tells a client why it cannot be served, then closes.
    static func refuse(_ outbound: WebSocketOutboundWriter, _ message: String, account: Bool) async {
        let text: String
        if account {
            text = accountError(message)
        } else {
            let error: JSONValue = ["type": "ERROR", "seq": 1, "data": ["message": .string(message)]]
            text = error.jsonText
        }
        try? await outbound.write(.text(text))
        try? await outbound.close(.policyViolation, reason: String(message.prefix(120)))
    }

    /// A browser's page on another site may open a WebSocket to us (browsers do not stop it): a
    /// browser's Origin (http or https) must be this server's own scheme-less host and port; other
    /// clients' origins must at least name the host the request was sent to.
    static func checkOrigin(_ request: Request, settings: ControlSettings) throws {
        guard let origin = request.headers[.origin] else { return }
        let host = request.head.authority ?? ""
        guard let parts = URLComponents(string: origin), let scheme = parts.scheme?.lowercased(),
            let originHost = parts.host
        else { throw HTTPError(.forbidden, message: "WebSocket with an unreadable Origin refused") }
        let (requestHost, requestPort) = splitAuthority(host)
        let sameHost = originHost.lowercased() == requestHost.lowercased()
        let allowed: Bool
        if scheme == "http" || scheme == "https" {
            let port = parts.port ?? (scheme == "https" ? 443 : 80)
            allowed = sameHost && port == (requestPort ?? 80)
        } else {
            allowed = sameHost || (settings.isLoopback && ControlSettings.isLoopback(originHost))
        }
        guard allowed else {
            throw HTTPError(.forbidden, message: "WebSocket from another origin (\(printable(origin))) refused")
        }
    }

    /// "host:port", "[v6]:port" or "host" as (host, port).
    static func splitAuthority(_ authority: String) -> (String, Int?) {
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            let host = String(authority[authority.index(after: authority.startIndex)..<close])
            let rest = authority[authority.index(after: close)...]
            return (host, rest.hasPrefix(":") ? Int(rest.dropFirst()) : nil)
        }
        guard let colon = authority.lastIndex(of: ":") else { return (authority, nil) }
        return (String(authority[..<colon]), Int(authority[authority.index(after: colon)...]))
    }

    /// The account stream's filter from the query (`topics=a,b`, `symbols=X,Y`); nil: everything.
    static func accountFilter(_ topics: String?, _ symbols: String?) throws -> (
        topics: Set<String>?, symbols: Set<String>?
    ) {
        let t = topics.map { Set($0.split(separator: ",").map(String.init)) }
        if let t, let unknown = t.first(where: { !accountTopics.contains($0) }) {
            throw HTTPError(
                .badRequest,
                message:
                    "unknown topic '\(printable(unknown))'; topics: \(accountTopics.sorted().joined(separator: ","))")
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
            return await Self.refuse(outbound, "this engine keeps no account", account: true)
        }
        let initial: (topics: Set<String>?, symbols: Set<String>?)
        do {
            initial = try Self.accountFilter(
                request.uri.queryParameters.get("topics"), request.uri.queryParameters.get("symbols"))
        } catch {
            return await Self.refuse(outbound, (error as? HTTPError)?.body ?? "bad filter", account: true)
        }
        metrics.clients("account", dashboard.joinAccount())
        defer { metrics.clients("account", dashboard.leaveAccount()) }
        let session = AccountSession(account: account, capacity: settings.streamQueueCapacity, filter: initial)
        let heartbeat = Duration.milliseconds(settings.heartbeatIntervalMs)
        // A graceful shutdown ends the session (the engine stops): the socket closes with the handler.
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    // The client's messages: filters. Anything else is answered with an error and changes nothing.
                    do {
                        for try await message in inbound.messages(maxSize: 4096) {
                            guard case .text(let text) = message, let filter = AccountSession.filter(text) else {
                                try await outbound.write(
                                    .text(Self.accountError("send {\"topics\": [...], \"symbols\": [...]}")))
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
                                .policyViolation,
                                reason: "too slow: more than \(self.settings.streamQueueCapacity) changes queued")
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
                // Whichever side ended first, the other must not wait on the client: a close
                // frame ends a live client's reading; one that never answers is cut off by the
                // server's close timeout.
                Task { try? await outbound.close(.goingAway, reason: "session ended") }
                group.cancelAll()
            }
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
        let subscription = account.broadcaster.subscribe(
            capacity: capacity, topics: filter.topics, symbols: filter.symbols)
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
