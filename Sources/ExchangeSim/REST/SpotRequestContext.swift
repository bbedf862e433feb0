import Hummingbird
import NIOCore

/// The request context of the simulated venue: Hummingbird's core context plus the client's
/// IP address, which the request-weight limit is kept per.
public struct SpotRequestContext: RequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage
    /// The client's IP address ("127.0.0.1"), or "unknown" when the channel has none.
    public let clientIP: String

    /// A context for a request arriving on `source.channel`.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientIP = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }
}
