import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import Matching
import NIOCore
import ServiceLifecycle

/// Binance's spot market-data WebSocket endpoints, upgraded on the REST server's port:
/// raw streams `/ws/<stream>` (and `/ws`, subscribing at run time) send bare payloads;
/// combined streams `/stream?streams=a/b` wrap each one `{"stream":"<name>","data":{…}}`.
/// Both accept `SUBSCRIBE`, `UNSUBSCRIBE` and `LIST_SUBSCRIPTIONS` requests.
///
/// Every connection is registered with the fault injector, which decides what happens to
/// each outbound message (`FaultRegistry.plan`); faults can also be attached from the URL,
/// `?fault=disconnect:after=10` (repeatable). The server pings every
/// `heartbeat.pingIntervalMillis` and drops a connection whose pong is `pongTimeoutMillis`
/// late. Partial-book streams (`@depth5` …) are read from `depth` per connection.
struct MarketStreams: Sendable {
    /// The fan-out the connections register with.
    let hub: StreamHub
    /// The fault injector.
    var faults = FaultRegistry()
    /// Server pings.
    var heartbeat = Heartbeat()
    /// The top `levels` of a symbol's book, for partial-depth streams; nil serves them empty.
    var depth: (@Sendable (_ symbol: String, _ levels: Int) async -> DepthSnapshot?)? = nil
    /// The largest request message read.
    private static let maxMessage = 1 << 16

    /// Ping interval and pong deadline (Binance spot: 20 s and 1 min); 0 disables either.
    struct Heartbeat: Sendable {
        /// How often the server pings.
        var pingIntervalMillis = 20_000
        /// How long a ping may stay unanswered before the connection is dropped.
        var pongTimeoutMillis = 60_000
    }

    /// The router of the upgrade requests.
    func router() -> Router<BasicWebSocketRequestContext> {
        let router = Router(context: BasicWebSocketRequestContext.self)
        addRoutes(to: router)
        return router
    }

    /// Adds `/ws`, `/ws/<stream>` and `/stream` to a WebSocket router.
    func addRoutes(to router: Router<BasicWebSocketRequestContext>) {
        let hub = self.hub
        router.ws(
            "/ws", shouldUpgrade: { request, _ in Self.urlFaults(request) == nil ? .dontUpgrade : .upgrade([:]) },
            onUpgrade: { inbound, outbound, context in
                await serve(combined: false, names: [], request: context.request, inbound: inbound, outbound: outbound)
            })
        router.ws(
            "/ws/{stream}",
            shouldUpgrade: { request, context in
                let name = context.parameters.get("stream") ?? ""
                return hub.serves(name) && Self.urlFaults(request) != nil ? .upgrade([:]) : .dontUpgrade
            },
            onUpgrade: { inbound, outbound, context in
                let name = context.requestContext.parameters.get("stream").map { [$0] } ?? []
                await serve(
                    combined: false, names: name, request: context.request, inbound: inbound, outbound: outbound)
            })
        router.ws(
            "/stream",
            shouldUpgrade: { request, _ in
                Self.streams(request, hub) == nil || Self.urlFaults(request) == nil ? .dontUpgrade : .upgrade([:])
            },
            onUpgrade: { inbound, outbound, context in
                await serve(
                    combined: true, names: Self.streams(context.request, hub) ?? [], request: context.request,
                    inbound: inbound, outbound: outbound)
            })
    }

    /// The streams named by `?streams=a/b`; nil when one is not served.
    private static func streams(_ request: Request, _ hub: StreamHub) -> [String]? {
        guard let list = request.uri.queryParameters.get("streams"), !list.isEmpty else { return [] }
        var names: [String] = []
        for part in list.split(separator: "/") {
            guard hub.serves(String(part)) else { return nil }
            names.append(String(part))
        }
        return names
    }

    /// The faults named by `?fault=` (repeatable); nil when one does not parse.
    static func urlFaults(_ request: Request) -> [FaultSpec]? {
        var specs: [FaultSpec] = []
        for text in request.uri.queryParameters.getAll("fault") {
            guard var spec = try? FaultSpec(parsing: text), spec.kind.isStreamFault else { return nil }
            spec.scope = .global
            specs.append(spec)
        }
        return specs
    }

    /// Runs one connection: writes its queue out through the fault injector, answers its
    /// requests, pings it, sends its partial books, and unregisters it when either side ends
    /// (the client closed, its queue overflowed, a fault or a missed pong closed it).
    private func serve(
        combined: Bool, names: [String], request: Request, inbound: WebSocketInboundStream,
        outbound: WebSocketOutboundWriter
    ) async {
        let channel = ConnectionChannel.current
        let (id, queue) = hub.connect(combined: combined, names: names)
        let faultId = faults.openConnection(
            kind: .marketStream, path: request.uri.description,
            remote: channel?.remoteAddress?.description ?? "", extra: Self.urlFaults(request) ?? [])
        let subscriptions = Subscriptions(names)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await write(queue, hubId: id, connection: faultId, outbound: outbound, channel: channel) }
            group.addTask { await ping(connection: faultId, outbound: outbound, channel: channel) }
            group.addTask { await sendPartialDepth(hubId: id, combined: combined, subscriptions: subscriptions) }
            do {
                for try await message in inbound.messages(maxSize: Self.maxMessage) {
                    guard case .text(let text) = message else { continue }
                    hub.send(id, hub.handle(id, request: text))
                    subscriptions.refresh(hub, id)
                }
            } catch {}
            hub.disconnect(id)
            faults.closeConnection(faultId)
            group.cancelAll()
        }
    }

    /// Writes the queue out: while no fault is attached to the connection, whatever is queued
    /// goes out as one batch (`StreamWriter`: one event-loop task, one flush); otherwise message
    /// by message as the fault injector plans it.
    private func write(
        _ queue: OutboundQueue, hubId: Int, connection: Int, outbound: WebSocketOutboundWriter, channel: (any Channel)?
    ) async {
        do {
            var batch: [String] = []
            batch.reserveCapacity(StreamWriter.maxBatch)
            while await queue.nextBatch(into: &batch, max: channel == nil ? 1 : StreamWriter.maxBatch) {
                if let channel, faults.passesUntouched(connection: connection, count: batch.count) {
                    try await StreamWriter.write(batch, to: channel)
                    continue
                }
                for text in batch {
                    guard try await writePlanned(text, hubId: hubId, connection: connection, outbound: outbound, channel: channel)
                    else { return }
                }
            }
            // The queue ends when the client is gone or was too slow; close either way.
            try await outbound.close(.policyViolation, reason: "disconnected")
        } catch {
            hub.disconnect(hubId)
        }
    }

    /// Writes one message as the fault injector plans it; false once a fault closed the connection.
    private func writePlanned(
        _ text: String, hubId: Int, connection: Int, outbound: WebSocketOutboundWriter, channel: (any Channel)?
    ) async throws -> Bool {
        for step in faults.plan(connection: connection, message: text) {
            switch step {
            case .send(let frame):
                try await outbound.write(.text(frame))
            case .stall:
                while faults.isStalled(connection: connection) {
                    try await Task.sleep(for: .milliseconds(10))
                }
            case .close(let reason):
                hub.disconnect(hubId)
                try await outbound.close(.goingAway, reason: reason)
                await Self.closeSoon(channel)
                return false
            }
        }
        return true
    }

    /// Closes the TCP connection a second after a close frame, if the client has not closed
    /// it by then (the reader's end cancels this wait).
    static func closeSoon(_ channel: (any Channel)?) async {
        try? await Task.sleep(for: .seconds(1))
        try? await channel?.close()
    }
}

/// A connection's subscriptions as the hub holds them, refreshed after each request, for the
/// streams served per connection (partial books).
final class Subscriptions: @unchecked Sendable {
    private let lock = NSLock()
    private var names: [String]

    init(_ names: [String]) {
        self.names = names
    }

    /// Re-reads the connection's subscriptions from the hub.
    func refresh(_ hub: StreamHub, _ id: Int) {
        let answer = hub.handle(id, request: #"{"method":"LIST_SUBSCRIPTIONS","id":0}"#)
        guard let object = (try? JSONSerialization.jsonObject(with: Data(answer.utf8))) as? [String: Any],
            let list = object["result"] as? [String]
        else { return }
        lock.withLock { names = list }
    }

    /// The partial-book streams among them.
    var partialDepth: [StreamName] {
        lock.withLock { names }.compactMap { name in
            guard let stream = StreamName(name), case .partialDepth = stream.kind else { return nil }
            return stream
        }
    }
}

/// Closes the diff-depth windows every 100 ms until shut down.
struct StreamFlushService: Service {
    /// The fan-out to flush.
    let hub: StreamHub
    /// Server time.
    let clock: @Sendable () -> Int64

    func run() async throws {
        let start = ContinuousClock.now
        var tick = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            tick += 1
            try? await Task.sleep(until: start + .milliseconds(tick * StreamHub.tickMillis), clock: .continuous)
            hub.flush(now: clock(), tick: tick)
        }
    }
}
