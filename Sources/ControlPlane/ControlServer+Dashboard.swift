import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import ServiceLifecycle
import Synchronization

extension ControlServer {
    /// One dashboard client: FULL_STATE on connect, then at its type's rate the sections that
    /// changed, new alerts and a heartbeat; its messages change what it is sent. A client that
    /// does not take a message within `sendTimeoutMs`, or whose socket fails, is dropped and counted.
    func serveDashboard(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, request: Request) async {
        let options: DashboardClient.Options
        do { options = try DashboardClient.Options(query: request.uri.queryParameters, settings: settings) } catch {
            return await Self.refuse(outbound, (error as? HTTPError)?.body ?? "bad parameters", account: false)
        }
        guard let joined = dashboard.join(options.client) else {
            return await Self.refuse(
                outbound, "the dashboard has \(settings.maxClients) clients already", account: false)
        }
        metrics.clients(options.client, joined)
        hub.watchers.add(1, ordering: .relaxed)
        if joined == 1 || hub.view.health == .null { hub.refresh() }
        defer {
            hub.watchers.subtract(1, ordering: .relaxed)
            metrics.clients(options.client, dashboard.leave(options.client))
        }
        let session = DashboardSession(DashboardClient(options: options))
        let settings = self.settings
        let period = Duration.milliseconds(options.intervalMs)
        // A graceful shutdown ends the session (the engine stops): the socket closes with the handler.
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    do {
                        for try await message in inbound.messages(maxSize: 4096) {
                            guard case .text(let text) = message else {
                                session.reply(("ERROR", ["message": "send JSON text messages"]))
                                continue
                            }
                            if let reply = session.client.withLock({ $0.handle(text) }) { session.reply(reply) }
                        }
                    } catch {}
                }
                group.addTask {
                    let first = session.client.withLock { c in
                        c.envelope(
                            "FULL_STATE", c.full(self.hub.view, history: self.hub.pnlHistory, symbols: self.source.symbols),
                            nowNs: self.hub.view.nowNs)
                    }
                    guard await self.send(first, outbound, options, timeoutMs: settings.sendTimeoutMs) else { return }
                    var lastBeat = ContinuousClock.now
                    var lastSeq = self.hub.view.seq
                    while !Task.isCancelled {
                        try? await Task.sleep(for: period)
                        let started = ContinuousClock.now
                        let view = self.hub.view
                        var messages: [JSONValue] = []
                        let pending = session.takeReplies()
                        session.client.withLock { c in
                            for reply in pending { messages.append(c.envelope(reply.type, reply.data, nowNs: view.nowNs)) }
                            if view.seq != lastSeq {
                                for u in c.updates(view) { messages.append(c.envelope(u.type, u.data, nowNs: view.nowNs)) }
                            }
                            if messages.isEmpty && started - lastBeat >= .milliseconds(settings.heartbeatIntervalMs) {
                                messages.append(c.envelope("HEARTBEAT", ["seq": .int(Int64(c.seq + 1))], nowNs: view.nowNs))
                            }
                        }
                        lastSeq = view.seq
                        guard !messages.isEmpty else { continue }
                        for message in messages {
                            guard await self.send(message, outbound, options, timeoutMs: settings.sendTimeoutMs) else {
                                return
                            }
                        }
                        lastBeat = ContinuousClock.now
                        let took = ContinuousClock.now - started
                        self.metrics.broadcast(
                            ms: Double(took.components.attoseconds) / 1e15 + Double(took.components.seconds) * 1000)
                    }
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

    /// Sends one message in the client's format; false (and counted) when it failed or timed out.
    func send(
        _ message: JSONValue, _ outbound: WebSocketOutboundWriter, _ options: DashboardClient.Options, timeoutMs: Int
    )
        async -> Bool
    {
        let frame: WebSocketOutboundWriter.OutboundFrame =
            options.msgpack ? .binary(ByteBuffer(bytes: message.messagePack)) : .text(message.jsonText)
        let sent = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                do {
                    try await outbound.write(frame)
                    return true
                } catch { return false }
            }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(timeoutMs))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        if sent {
            metrics.sent(options.client)
        } else {
            metrics.sendError()
            metrics.dropped()
        }
        return sent
    }
}

/// One dashboard connection's state, shared by its reading and its writing task.
final class DashboardSession: Sendable {
    let client: Mutex<DashboardClient>
    private let replies = Mutex<[(type: String, data: JSONValue)]>([])

    init(_ client: DashboardClient) { self.client = Mutex(client) }

    /// Queues an answer to the client's message for the next tick.
    func reply(_ message: (type: String, data: JSONValue)) { replies.withLock { $0.append(message) } }

    /// The answers queued since the last tick.
    func takeReplies() -> [(type: String, data: JSONValue)] {
        replies.withLock { r in
            defer { r = [] }
            return r
        }
    }
}
