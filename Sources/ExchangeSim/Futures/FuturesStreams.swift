import Hummingbird
import HummingbirdWebSocket

/// Binance's USD-M futures market-data WebSocket endpoints, upgraded on the REST server's port
/// under the `/fstream` prefix (Binance serves them at `wss://fstream.binance.com`):
/// raw streams `/fstream/ws/<stream>` (and `/fstream/ws`, subscribing at run time) send bare
/// payloads; combined streams `/fstream/stream?streams=a/b` wrap each one
/// `{"stream":"<name>","data":{…}}`. Both accept `SUBSCRIBE`, `UNSUBSCRIBE` and
/// `LIST_SUBSCRIPTIONS`. A feed's futures ws-url is `ws://<host>:<port>/fstream`.
/// `/fstream/ws/<listenKey>` is a live listen key's user data stream (`ListenKeyHub`).
struct FuturesStreams: Sendable {
    /// The futures venue's fan-out.
    let hub: StreamHub
    /// The listen keys whose user data streams are served at `/fstream/ws/<listenKey>`.
    var listenKeys = ListenKeyHub()
    /// The futures clock (listen-key expiry).
    var clock: @Sendable () -> Int64 = { 0 }
    /// The fault injector (`dup-exec` on user data connections).
    var faults = FaultRegistry()
    /// The path prefix.
    static let prefix = "/fstream"
    /// Adds the futures upgrade routes to `router`.
    func register(on router: Router<BasicWebSocketRequestContext>) {
        let hub = self.hub
        let (listenKeys, clock, faults) = (self.listenKeys, self.clock, self.faults)
        router.ws(RouterPath(Self.prefix + "/ws")) { inbound, outbound, _ in
            await StreamConnection.serve(hub: hub, combined: false, names: [], inbound: inbound, outbound: outbound)
        }
        router.ws(
            RouterPath(Self.prefix + "/ws/{stream}"),
            shouldUpgrade: { _, context in
                let name = context.parameters.get("stream") ?? ""
                return hub.serves(name) || listenKeys.isLive(name, now: clock()) ? .upgrade([:]) : .dontUpgrade
            },
            onUpgrade: { inbound, outbound, context in
                let name = context.requestContext.parameters.get("stream")
                if let name, !hub.serves(name) {
                    await ListenKeyConnection.serve(
                        key: name, hub: listenKeys, now: clock(), faults: faults, inbound: inbound, outbound: outbound)
                    return
                }
                await StreamConnection.serve(
                    hub: hub, combined: false, names: name.map { [$0] } ?? [], inbound: inbound, outbound: outbound)
            })
        router.ws(
            RouterPath(Self.prefix + "/stream"),
            shouldUpgrade: { request, _ in Self.names(request, hub) == nil ? .dontUpgrade : .upgrade([:]) },
            onUpgrade: { inbound, outbound, context in
                await StreamConnection.serve(
                    hub: hub, combined: true, names: Self.names(context.request, hub) ?? [], inbound: inbound,
                    outbound: outbound)
            })
    }

    /// The streams named by `?streams=a/b`; nil when one is not served.
    private static func names(_ request: Request, _ hub: StreamHub) -> [String]? {
        guard let list = request.uri.queryParameters.get("streams"), !list.isEmpty else { return [] }
        let names = list.split(separator: "/").map(String.init)
        return names.allSatisfy(hub.serves) ? names : nil
    }
}

/// Runs one market-data connection of a hub: writes its queue out (in batches straight to the
/// channel, see `StreamWriter`), answers its requests, and unregisters it when either side
/// ends (the client closed, or its queue overflowed).
enum StreamConnection {
    /// Serves a connection subscribed to `names` until it ends.
    static func serve(
        hub: StreamHub, combined: Bool, names: [String], inbound: WebSocketInboundStream,
        outbound: WebSocketOutboundWriter
    ) async {
        let (id, queue) = hub.connect(combined: combined, names: names)
        let channel = ConnectionChannel.current
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    if let channel {
                        try await StreamWriter.pump(queue, to: channel)
                    } else {
                        for await text in queue { try await outbound.write(.text(text)) }
                    }
                    // The queue ends when the client is gone or was too slow; close either way.
                    try await outbound.close(.policyViolation, reason: "disconnected")
                } catch {
                    hub.disconnect(id)
                }
            }
            do {
                for try await message in inbound.messages(maxSize: 1 << 16) {
                    guard case .text(let text) = message else { continue }
                    hub.send(id, hub.handle(id, request: text))
                }
            } catch {}
            hub.disconnect(id)
            await group.waitForAll()
        }
    }
}

/// Runs one listen-key user data connection: writes the key's events out until the key
/// expires or is closed (the queue ends, the socket is closed) or the client leaves.
enum ListenKeyConnection {
    /// Serves a connection on `key`.
    static func serve(
        key: String, hub: ListenKeyHub, now: Int64, faults: FaultRegistry, inbound: WebSocketInboundStream,
        outbound: WebSocketOutboundWriter
    ) async {
        let remote = ConnectionChannel.current?.remoteAddress?.description ?? ""
        let faultId = faults.openConnection(kind: .userData, path: FuturesStreams.prefix + "/ws/" + key, remote: remote)
        defer { faults.closeConnection(faultId) }
        guard let (id, queue) = hub.connect(key: key, now: now, faultConnection: faultId) else {
            try? await outbound.close(.policyViolation, reason: "listenKey expired")
            return
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await text in queue {
                    guard (try? await outbound.write(.text(text))) != nil else { break }
                }
                try? await outbound.close(.normalClosure, reason: "listenKey ended")
            }
            do {
                for try await _ in inbound.messages(maxSize: 1 << 16) {}
            } catch {}
            hub.disconnect(id)
            await group.waitForAll()
        }
    }
}
