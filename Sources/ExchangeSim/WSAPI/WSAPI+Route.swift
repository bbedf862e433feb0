import Hummingbird
import HummingbirdWebSocket

extension WSAPI {
    /// The path Binance serves the WebSocket API on.
    static let path = "/ws-api/v3"
    /// The largest request frame read.
    private static let maxMessage = 1 << 16

    /// Adds the `/ws-api/v3` upgrade route to the venue's WebSocket router.
    /// `?returnRateLimits=false` hides `rateLimits` on the connection unless a request asks.
    func addRoute(to router: Router<BasicWebSocketRequestContext>) {
        let api = self
        router.ws(RouterPath(Self.path)) { inbound, outbound, context in
            let showLimits = context.request.uri.queryParameters.get("returnRateLimits") != "false"
            await api.serve(inbound: inbound, outbound: outbound, showLimits: showLimits)
        }
    }

    /// Runs one connection: writes its queue (answers and user data events) out, answers its
    /// requests one at a time in arrival order, and unregisters it when either side ends.
    func serve(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, showLimits: Bool) async {
        await chargeConnection()
        let hub = userData
        let (id, queue) = hub.connect()
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
                for try await message in inbound.messages(maxSize: Self.maxMessage) {
                    guard case .text(let text) = message else { continue }
                    if let answer = await handle(text, connection: id, returnRateLimits: showLimits) {
                        hub.send(id, answer)
                    }
                }
            } catch {}
            hub.disconnect(id)
            await group.waitForAll()
        }
    }
}
