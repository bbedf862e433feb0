import Hummingbird
import HummingbirdWebSocket
import Matching
import ServiceLifecycle

extension ExchangeSimServer {
    /// Adds the USD-M futures routes (`/fapi/v1/…` REST, `/fstream/…` WebSockets with the
    /// listen-key user data streams, the `/ws-fapi/v1` WebSocket API) and `GET /admin/replay`
    /// to the server's routers.
    func addMarketRoutes(rest: Router<SpotRequestContext>, webSocket: Router<BasicWebSocketRequestContext>) {
        let pipeline = SpotAPI(
            venue: futures,
            limiter: RateLimiter(
                weightLimit: configuration.futures.weightLimit, ordersPer10s: configuration.ordersPer10s,
                ordersPerDay: configuration.ordersPerDay, banMillis: Int64(configuration.banSeconds) * 1000),
            authenticator: RequestAuthenticator(credentials: configuration.credentials),
            configuration: configuration, clock: Self.wallClockMillis, faults: faults)
        let api = FuturesAPI(pipeline: pipeline, futures: configuration.futures)
        api.register(on: rest)
        let clock = configuration.futures.clock
        let faults = self.faults
        futures.listenKeys.setShouldDuplicate { faults.shouldDuplicateExecutionReport(connection: $0) }
        FuturesStreams(
            hub: futures.streams, listenKeys: futures.listenKeys, clock: { clock?.now ?? Self.wallClockMillis() },
            faults: faults
        ).register(on: webSocket)
        FuturesWSAPI.make(api: api).addRoute(to: webSocket)
        ReplayAdmin(status: replay).register(on: rest)
    }

    /// The futures venue's liquidity and depth windows, and the replay when configured.
    func marketServices() -> [any Service] {
        var services: [any Service] = [
            ParticipantService(
                venue: futures, intervalMillis: configuration.participantIntervalMillis, clock: Self.wallClockMillis),
            StreamFlushService(hub: futures.streams, clock: Self.wallClockMillis),
            FuturesClockService(venue: futures, clock: configuration.futures.clock, wall: Self.wallClockMillis),
        ]
        if let replay { services.append(ReplayService(status: replay, spot: venue, futures: futures)) }
        return services
    }
}
