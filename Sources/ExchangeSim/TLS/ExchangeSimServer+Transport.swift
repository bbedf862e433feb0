import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HummingbirdWebSocket
import NIOSSL

extension ExchangeSimServer.Configuration {
    /// Serving https and wss: at start the venue makes a CA and a server certificate for the
    /// bind host and writes the CA certificate (PEM) where clients can read it.
    public struct TLSSetup: Sendable, Hashable {
        /// Where to write the CA certificate; nil: a fresh file in the temporary directory.
        public var caCertificatePath: String?

        /// TLS with the CA certificate written to `caCertificatePath` (or a temporary file).
        public init(caCertificatePath: String? = nil) {
            self.caCertificatePath = caCertificatePath
        }
    }
}

extension ExchangeSimServer {
    /// `https` with TLS on, else `http`.
    public var httpScheme: String { tlsServer == nil ? "http" : "https" }
    /// `wss` with TLS on, else `ws`.
    public var webSocketScheme: String { tlsServer == nil ? "ws" : "wss" }

    /// With TLS configured: the server's TLS configuration and the path the CA certificate
    /// was written to.
    static func makeTLS(_ configuration: Configuration) throws -> (TLSConfiguration?, String?) {
        guard let setup = configuration.tls else { return (nil, nil) }
        let authority = try SimCertificateAuthority(host: configuration.host)
        let path = setup.caCertificatePath ?? SimCertificateAuthority.temporaryCAPath()
        try authority.writeCACertificate(to: path)
        return (try authority.serverConfiguration(), path)
    }

    /// The market streams of a venue as configured: its hub, the fault injector, the ping
    /// interval and pong deadline, and its books for partial-depth streams.
    func marketStreams(_ venue: SimVenue) -> MarketStreams {
        MarketStreams(
            hub: venue.streams, faults: faults,
            heartbeat: .init(
                pingIntervalMillis: configuration.pingIntervalMillis, pongTimeoutMillis: configuration.pongTimeoutMillis
            ),
            depth: { symbol, levels in try? await venue.depth(symbol: symbol, limit: levels) })
    }

    /// HTTP/1 with WebSocket upgrade (Hummingbird's own pings off: the market streams ping),
    /// over TLS when configured, with each connection's channel visible to its handlers.
    func serverBuilder<Builder: HTTPResponderBuilder>(webSocketRouter: Builder) -> HTTPServerBuilder
    where Builder.Responder.Context: WebSocketRequestContext {
        let webSocketResponder = webSocketRouter.buildResponder()
        let tls = tlsServer
        let configuration = HTTP1WebSocketUpgradeChannel.Configuration(ws: .init(autoPing: .disabled))
        return HTTPServerBuilder { responder in
            let base = HTTP1WebSocketUpgradeChannel(
                responder: responder, webSocketResponder: webSocketResponder, configuration: configuration)
            if let tls {
                return ChannelExposingChild(base: try TLSChannel(base, tlsConfiguration: tls))
            }
            return ChannelExposingChild(base: base)
        }
    }
}
