import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle

/// The engine's control plane on Hummingbird: the HTTP API, /health, /metrics, the account
/// stream, the dashboard stream and the dashboard page. It runs in the engine's ServiceGroup on
/// Swift's own threads, reads only what `ControlSource` hands it, and binds 127.0.0.1 unless told
/// otherwise. Mutating endpoints need the bearer token.
public final class ControlServer: Sendable {
    public let settings: ControlSettings
    public let hub: StateHub
    public let metrics: ControlMetrics
    let source: any ControlSource
    let dashboard: DashboardClients
    let bound = BoundAddress()
    let logger: Logger

    public init(source: any ControlSource, settings: ControlSettings, logger: Logger) {
        self.source = source
        self.settings = settings
        self.logger = logger
        metrics = ControlMetrics()
        hub = StateHub(source: source, metrics: metrics, settings: settings)
        dashboard = DashboardClients(maxClients: settings.maxClients)
    }

    /// The port it listens on, once bound (0 if it never bound).
    public func port() async -> Int { await bound.wait() }

    /// The services to run in the engine's group: the HTTP server and the sampler.
    public func services() -> [any Service] {
        [Serving(application: application(), bound: bound), HubService(hub: hub)]
    }

    /// The Hummingbird application.
    func application() -> some ApplicationProtocol {
        let router = Router(context: BasicWebSocketRequestContext.self)
        router.add(middleware: Guard(settings: settings))
        addRoutes(to: router)
        let upgrades = Router(context: BasicWebSocketRequestContext.self)
        upgrades.add(middleware: Guard(settings: settings))
        addStreams(upgrades: upgrades, http: router)
        var quiet = logger
        quiet.logLevel = .warning
        let bound = self.bound
        return Application(
            router: router,
            server: .http1WebSocketUpgrade(
                webSocketRouter: upgrades,
                configuration: .init(
                    ws: .init(
                        maxFrameSize: 1 << 16,
                        autoPing: .enabled(timePeriod: .milliseconds(Int64(settings.heartbeatIntervalMs))),
                        closeTimeout: .seconds(2)))),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: nil),
            onServerRunning: { channel in await bound.set(channel.localAddress?.port ?? 0) },
            logger: quiet)
    }

    /// A JSON response.
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: value.jsonText)))
    }

    /// An error response: {"error": message}.
    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        json(["error": .string(message)], status: status)
    }
}

/// Every request: the Host must name this machine when bound to loopback (a page on another site
/// cannot reach us through DNS rebinding), bodies are bounded, mutating methods carry the token,
/// and every answer says not to cache or sniff it. No CORS header is ever sent: browsers keep
/// other sites' pages from reading the answers.
struct Guard: RouterMiddleware {
    typealias Context = BasicWebSocketRequestContext
    let settings: ControlSettings

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        if settings.isLoopback, let host = request.head.authority, !Self.isLocal(host) {
            return ControlServer.error(.misdirectedRequest, "this control plane answers only to localhost")
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > settings.maxBodyBytes {
            return ControlServer.error(.contentTooLarge, "request body over \(settings.maxBodyBytes) bytes")
        }
        let mutating = ![.get, .head, .options].contains(request.method)
        if mutating {
            guard let value = request.headers[.authorization], value.hasPrefix("Bearer "),
                ControlToken.matches(String(value.dropFirst(7)), settings.token)
            else {
                var response = ControlServer.error(.unauthorized, "this endpoint needs `Authorization: Bearer <token>`")
                response.headers[.wwwAuthenticate] = "Bearer"
                return response
            }
        }
        var response: Response
        do { response = try await next(request, context) } catch let error as HTTPError {
            response = ControlServer.error(error.status, error.body ?? error.status.reasonPhrase)
        }
        response.headers[.cacheControl] = "no-store"
        response.headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        return response
    }

    /// Whether a Host header names loopback (with any port).
    static func isLocal(_ host: String) -> Bool {
        var name = Substring(host)
        if name.hasPrefix("[") {
            name = name.dropFirst().prefix { $0 != "]" }
        } else if let colon = name.lastIndex(of: ":") {
            name = name[..<colon]
        }
        return ControlSettings.isLoopback(String(name))
    }
}

/// The application as a service that says when it could not bind (port() answers 0).
struct Serving<App: ApplicationProtocol>: Service {
    let application: App
    let bound: BoundAddress

    func run() async throws {
        do { try await application.run() } catch {
            await bound.set(0)
            throw error
        }
        await bound.set(0)
    }
}

/// The port once the server is bound, and whoever waits for it.
actor BoundAddress {
    private var port: Int?
    private var waiters: [CheckedContinuation<Int, Never>] = []

    func set(_ port: Int) {
        guard self.port == nil else { return }
        self.port = port
        for waiter in waiters { waiter.resume(returning: port) }
        waiters.removeAll()
    }

    func wait() async -> Int {
        if let port { return port }
        return await withCheckedContinuation { waiters.append($0) }
    }
}
