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
        router.ws(RouterPath(route)) { inbound, outbound, context in
            let showLimits = context.request.uri.queryParameters.get("returnRateLimits") != "false"
            await api.serve(inbound: inbound, outbound: outbound, showLimits: showLimits)
        }
    }

    /// Runs one connection: registers it with the fault injector (so `conn=ID` and `next=N`
    /// faults reach it), writes its queue (answers and user data events) out, answers its
    /// requests in arrival order — an answer held back by `ack-delay` waits in its own task
    /// while the next requests are answered — and unregisters it when either side ends.
    func serve(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, showLimits: Bool) async {
        await chargeConnection()
        let hub = userData
        let faults = spot.faults
        let remote = ConnectionChannel.current?.remoteAddress?.description ?? ""
        let faultId = faults.openConnection(kind: .webSocketAPI, path: route, remote: remote)
        let (id, queue) = hub.connect(faultConnection: faultId)
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
            // Delayed answers run here, and are dropped when the connection ends.
            await withDiscardingTaskGroup { delayed in
                do {
                    for try await message in inbound.messages(maxSize: Self.maxMessage) {
                        guard case .text(let text) = message else { continue }
                        let reply = await handle(
                            text, connection: id, faultConnection: faultId, returnRateLimits: showLimits)
                        switch reply {
                        case .now(let answer): hub.send(id, answer)
                        case .after(let millis, let answer):
                            delayed.addTask {
                                guard (try? await Task.sleep(for: .milliseconds(millis))) != nil else { return }
                                hub.send(id, answer)
                            }
                        case .queued: break
                        }
                    }
                } catch {}
                delayed.cancelAll()
            }
            hub.disconnect(id)
            faults.closeConnection(faultId)
            await group.waitForAll()
        }
    }
}
