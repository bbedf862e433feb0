import Hummingbird
import HummingbirdWebSocket
import Logging
import ServiceLifecycle

/// Binance's spot market-data WebSocket endpoints, upgraded on the REST server's port:
/// raw streams `/ws/<stream>` (and `/ws`, subscribing at run time) send bare payloads;
/// combined streams `/stream?streams=a/b` wrap each one `{"stream":"<name>","data":{…}}`.
/// Both accept `SUBSCRIBE`, `UNSUBSCRIBE` and `LIST_SUBSCRIPTIONS` requests.
struct MarketStreams: Sendable {
    /// The fan-out the connections register with.
    let hub: StreamHub
    /// The largest request message read.
    private static let maxMessage = 1 << 16

    /// The router of the upgrade requests.
    func router() -> Router<BasicWebSocketRequestContext> {
        let router = Router(context: BasicWebSocketRequestContext.self)
        let hub = self.hub
        router.ws("/ws") { inbound, outbound, _ in
            await Self.serve(hub: hub, combined: false, streams: [], inbound: inbound, outbound: outbound)
        }
        router.ws(
            "/ws/{stream}",
            shouldUpgrade: { _, context in
                StreamName(context.parameters.get("stream") ?? "") == nil ? .dontUpgrade : .upgrade([:])
            },
            onUpgrade: { inbound, outbound, context in
                let name = context.requestContext.parameters.get("stream").flatMap(StreamName.init)
                await Self.serve(
                    hub: hub, combined: false, streams: name.map { [$0] } ?? [], inbound: inbound, outbound: outbound)
            })
        router.ws(
            "/stream",
            shouldUpgrade: { request, _ in Self.streams(request) == nil ? .dontUpgrade : .upgrade([:]) },
            onUpgrade: { inbound, outbound, context in
                await Self.serve(
                    hub: hub, combined: true, streams: Self.streams(context.request) ?? [], inbound: inbound,
                    outbound: outbound)
            })
        return router
    }

    /// The streams named by `?streams=a/b`; nil when one is not a valid name.
    private static func streams(_ request: Request) -> [StreamName]? {
        guard let list = request.uri.queryParameters.get("streams"), !list.isEmpty else { return [] }
        var names: [StreamName] = []
        for part in list.split(separator: "/") {
            guard let name = StreamName(String(part)) else { return nil }
            names.append(name)
        }
        return names
    }

    /// Runs one connection: writes its queue out, answers its requests, and unregisters it when
    /// either side ends (the client closed, or its queue overflowed).
    private static func serve(
        hub: StreamHub, combined: Bool, streams: [StreamName], inbound: WebSocketInboundStream,
        outbound: WebSocketOutboundWriter
    ) async {
        let (id, queue) = hub.connect(combined: combined, streams: streams)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    for await text in queue { try await outbound.write(.text(text)) }
                    // The queue ends when the client is gone or was too slow; close either way.
                    try await outbound.close(.policyViolation, reason: "disconnected")
                } catch {
                    hub.disconnect(id)
                }
            }
            do {
                for try await message in inbound.messages(maxSize: maxMessage) {
                    guard case .text(let text) = message else { continue }
                    hub.send(id, hub.handle(id, request: text))
                }
            } catch {}
            hub.disconnect(id)
            await group.waitForAll()
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
