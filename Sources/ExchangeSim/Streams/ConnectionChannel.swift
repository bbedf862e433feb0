import HummingbirdCore
import Logging
import NIOCore
import NIOWebSocket

/// The NIO channel of the connection a handler runs for. Hummingbird's WebSocket router
/// context does not carry it; the market streams need it to see pong frames (which the
/// WebSocket inbound stream consumes) and to drop a connection that stopped answering.
enum ConnectionChannel {
    /// Set for the whole life of a connection by `ChannelExposingChild`.
    @TaskLocal static var current: (any Channel)?
}

/// Wraps the server's child channel (HTTP/1 with WebSocket upgrade, TLS or not) so its
/// handlers run with `ConnectionChannel.current` set.
struct ChannelExposingChild<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    /// The wrapped channel setup.
    let base: Base

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        base.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await ConnectionChannel.$current.withValue(value.channel) {
            await base.handle(value: value, logger: logger)
        }
    }
}

/// Passes WebSocket frames through, calling back on every pong.
final class PongObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = WebSocketFrame

    /// Called on the event loop for each pong frame.
    private let onPong: @Sendable () -> Void

    init(onPong: @escaping @Sendable () -> Void) {
        self.onPong = onPong
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if unwrapInboundIn(data).opcode == .pong { onPong() }
        context.fireChannelRead(data)
    }

    /// Inserts an observer right after the WebSocket frame decoder of an upgraded channel;
    /// false when the channel has no such decoder (not upgraded, or already closed).
    static func install(on channel: any Channel, onPong: @escaping @Sendable () -> Void) async -> Bool {
        do {
            try await channel.eventLoop.submit {
                let operations = channel.pipeline.syncOperations
                let decoder = try operations.handler(type: ByteToMessageHandler<WebSocketFrameDecoder>.self)
                try operations.addHandler(PongObserver(onPong: onPong), position: .after(decoder))
            }.get()
            return true
        } catch {
            return false
        }
    }
}
