import Foundation
import Hummingbird
import Logging
import Matching
import NIOCore
import NIOSSL
import ServiceLifecycle

/// The simulated Binance spot venue over HTTP: a Hummingbird application serving the spot REST
/// API on `configuration.host` (loopback by default), with background liquidity moving the
/// books, and Binance's market-data WebSocket streams (`/ws/<stream>`, `/stream?streams=…`) on
/// the same port.
///
/// ```swift
/// let server = try ExchangeSimServer(configuration: .init(port: 0))
/// async let running: Void = server.run()
/// let port = await server.port()   // the bound port
/// ```
public struct ExchangeSimServer: Sendable {
    /// The configuration it was made with.
    public let configuration: Configuration
    /// The venue state the handlers share.
    let venue: SimVenue
    /// The USD-M futures venue: its own books and streams (`ExchangeSimServer+Markets.swift`).
    let futures: SimVenue
    /// The replay's progress, when replaying recorded data.
    let replay: ReplayStatus?
    /// The bound port, once listening.
    private let bound = BoundPort()
    /// The fault injector: faults armed from the configuration, `?fault=` and `/admin/faults`,
    /// and the registry the user data stream asks about duplicated executionReports.
    public let faults: FaultRegistry
    /// The server certificate, when serving https/wss (`ExchangeSimServer+Transport.swift`).
    let tlsServer: TLSConfiguration?
    /// Where the CA certificate clients verify the venue with was written (PEM), when serving
    /// https/wss.
    public let caCertificatePath: String?

    /// A server whose venue is built (symbols listed, accounts funded, books warmed up) but not
    /// yet listening. Throws when an initial balance is not a valid amount (`VenueError`), or
    /// with TLS on, when the CA certificate cannot be written.
    public init(configuration: Configuration = Configuration()) throws {
        self.configuration = configuration
        faults = FaultRegistry(faults: configuration.faults, clock: Self.wallClockMillis)
        (tlsServer, caCertificatePath) = try Self.makeTLS(configuration)
        venue = try SimVenue(configuration: configuration, now: Self.wallClockMillis())
        futures = try SimVenue(configuration: configuration, now: Self.wallClockMillis(), market: .usdm)
        replay = configuration.replay.map(ReplayStatus.init)
        replay?.install(spot: venue, futures: futures)
        // `dup-exec` faults act on the user data subscriptions of WebSocket API connections: global
        // ones on every connection, conn=/next= ones on the connection the hub names by its
        // fault-injector id.
        let faults = self.faults
        venue.userData.setShouldDuplicateExecutionReport { faults.shouldDuplicateExecutionReport(connection: $0) }
    }

    /// Serves until the task is cancelled or a graceful shutdown is triggered (when run inside
    /// a `ServiceGroup`); then returns.
    public func run() async throws {
        var logger = Logger(label: "ExchangeSim")
        logger.logLevel = .warning
        let group = ServiceGroup(configuration: .init(services: [application()], logger: logger))
        do {
            // Cancellation becomes a graceful shutdown (the group runs in its own task, which the
            // caller's cancellation does not reach), so open connections close quietly.
            let serving = Task { try await group.run() }
            try await withTaskCancellationHandler {
                try await serving.value
            } onCancel: {
                Task { await group.triggerGracefulShutdown() }
            }
        } catch {
            await bound.finish()
            throw error
        }
        await bound.finish()
    }

    /// Serves until SIGINT or SIGTERM.
    public func runUntilSignalled() async throws {
        do {
            try await application().runService()
        } catch {
            await bound.finish()
            throw error
        }
        await bound.finish()
    }

    /// The port the server listens on; waits until it is bound. 0 when the server stopped
    /// without ever binding (e.g. the address was in use).
    public func port() async -> Int { await bound.wait() }

    /// The Hummingbird application: the spot router, plus the liquidity participants as a
    /// service beside the server.
    public func application() -> some ApplicationProtocol {
        let api = SpotAPI(
            venue: venue,
            limiter: RateLimiter(
                weightLimit: configuration.weightLimit, ordersPer10s: configuration.ordersPer10s,
                ordersPerDay: configuration.ordersPerDay, banMillis: Int64(configuration.banSeconds) * 1000),
            authenticator: RequestAuthenticator(credentials: configuration.credentials),
            configuration: configuration, clock: Self.wallClockMillis, faults: faults)
        var logger = Logger(label: "ExchangeSim")
        logger.logLevel = .warning
        let bound = self.bound
        let webSocketRouter = marketStreams(venue).router()
        WSAPI(spot: api, userData: venue.userData).addRoute(to: webSocketRouter)
        let router = api.router()
        addMarketRoutes(rest: router, webSocket: webSocketRouter)
        AdminFaults(faults: faults).addRoutes(to: router)
        return Application(
            router: router,
            server: serverBuilder(webSocketRouter: webSocketRouter),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            services: [
                ParticipantService(
                    venue: venue, intervalMillis: configuration.participantIntervalMillis, clock: Self.wallClockMillis),
                StreamFlushService(hub: venue.streams, clock: Self.wallClockMillis),
            ] + marketServices(),
            onServerRunning: { channel in await bound.set(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    /// Suspends (or resumes) the background liquidity participants, so the books only move on
    /// client orders — e.g. to compare a stream-maintained book with a snapshot at rest.
    public func setParticipantsPaused(_ paused: Bool) async {
        await venue.setParticipantsPaused(paused)
        await futures.setParticipantsPaused(paused)
    }

    /// Milliseconds since the Unix epoch.
    @Sendable static func wallClockMillis() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }
}

/// The port once the server is bound, and the tasks waiting for it.
actor BoundPort {
    private var port: Int?
    private var waiters: [CheckedContinuation<Int, Never>] = []

    /// Records the port and wakes the waiters.
    func set(_ port: Int) {
        self.port = port
        for waiter in waiters { waiter.resume(returning: port) }
        waiters.removeAll()
    }

    /// Wakes the waiters with 0 if the port was never set.
    func finish() {
        if port == nil { set(0) }
    }

    /// The port, waiting until it is known.
    func wait() async -> Int {
        if let port { return port }
        return await withCheckedContinuation { waiters.append($0) }
    }
}

/// Steps every liquidity participant at a fixed interval until shut down.
struct ParticipantService: Service {
    /// The venue to step.
    let venue: SimVenue
    /// The interval; 0 disables stepping.
    let intervalMillis: Int
    /// Server time.
    let clock: @Sendable () -> Int64

    /// Steps until cancelled or shut down gracefully.
    func run() async throws {
        guard intervalMillis > 0 else {
            try? await gracefulShutdown()
            return
        }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await venue.stepParticipants(now: clock())
            try? await Task.sleep(for: .milliseconds(intervalMillis))
        }
    }
}
