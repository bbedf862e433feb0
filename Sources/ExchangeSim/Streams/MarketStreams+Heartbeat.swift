import Foundation
import HummingbirdWebSocket
import NIOCore
import NIOWebSocket

extension MarketStreams {
    /// Pings the connection every `pingIntervalMillis` (not while a stall fault holds it) and
    /// drops it when a ping stays unanswered for `pongTimeoutMillis`. Any pong answers every
    /// earlier ping, as Binance counts unsolicited pongs as keep-alives too. The timeout is
    /// only enforced when pongs can be observed (the connection's channel is known).
    func ping(connection: Int, outbound: WebSocketOutboundWriter, channel: (any Channel)?) async {
        let interval = heartbeat.pingIntervalMillis
        let timeout = heartbeat.pongTimeoutMillis
        guard interval > 0 else { return }
        let pongs = PongClock()
        let observed = if let channel { await PongObserver.install(on: channel) { pongs.mark() } } else { false }
        let tick = Duration.milliseconds(max(5, min(250, min(interval, timeout > 0 ? timeout : interval) / 4)))
        var nextPing = ContinuousClock.now + .milliseconds(interval)
        var unanswered: ContinuousClock.Instant?
        while !Task.isCancelled {
            do { try await Task.sleep(for: tick) } catch { return }
            let now = ContinuousClock.now
            if faults.isStalled(connection: connection) {
                // A stalled server sends nothing, pings included; the clock restarts after it.
                nextPing = now + .milliseconds(interval)
                unanswered = nil
                continue
            }
            if let sent = unanswered {
                if let pong = pongs.last, pong >= sent {
                    unanswered = nil
                } else if observed, timeout > 0, now - sent >= .milliseconds(timeout) {
                    faults.recordPongTimeout(connection: connection, millis: timeout)
                    try? await outbound.close(.goingAway, reason: "pong timeout")
                    try? await channel?.close()
                    return
                }
            }
            guard now >= nextPing else { continue }
            let payload = ByteBuffer(string: String(Int64(Date().timeIntervalSince1970 * 1000)))
            do {
                try await outbound.write(.custom(WebSocketFrame(fin: true, opcode: .ping, data: payload)))
            } catch {
                return
            }
            if unanswered == nil { unanswered = now }
            nextPing = now + .milliseconds(interval)
        }
    }
}

/// When the newest pong arrived, set from the event loop and read by the pinger.
final class PongClock: @unchecked Sendable {
    private let lock = NSLock()
    private var instant: ContinuousClock.Instant?

    /// Records a pong now.
    func mark() {
        let now = ContinuousClock.now
        lock.withLock { instant = now }
    }

    /// The newest pong's time.
    var last: ContinuousClock.Instant? { lock.withLock { instant } }
}
