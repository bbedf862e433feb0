import EngineKit
import EngineModel
import Execution
import ExchangeSim
import Foundation
import Logging
import MarketData
import Strategy
import Trading

/// The order path of a running engine: the C gateway on the venue's WebSocket API (live), the
/// Matching engine against the engine's own books (simulation) or the journal alone
/// (observation), and the Swift thread that runs intake and folds the journal.
final class TradingRun: @unchecked Sendable {
    let service: TradingService
    let gateway: OrderGateway?
    /// Keeps the gateway's timestamps on the venue's clock (live mode).
    let timeSync: TimeSync?
    /// USD-M live: the user-data listenKey's keeper, the task that runs it, and its REST client.
    private var listenKey: (keeper: ListenKeyKeeper, task: Task<Void, Never>, client: RESTClient)?
    let logger: Logger
    /// Cancel every open order when the engine stops.
    var cancelOnExit = false
    /// The kill switch the intake obeys (and the strategy runner follows).
    private(set) var killSwitch: KillSwitch?
    /// The intake's pre-trade risk (its limits change on `engine reload`).
    private(set) var gate: RiskGate?

    private init(service: TradingService, gateway: OrderGateway?, timeSync: TimeSync?, logger: Logger) {
        self.service = service
        self.gateway = gateway
        self.timeSync = timeSync
        self.logger = logger
    }

    /// Starts the order path, or returns nil with `--mode off`.
    static func start(
        settings: StartSettings, instance: EngineInstance, target: FeedTarget,
        recovered: (orders: [Recovery.OpenOrder], generation: UInt64)?, account: AccountRun?, logger: Logger
    ) async throws -> TradingRun? {
        let trading = settings.trading
        guard trading.mode != .off else { return nil }
        let books = try BooksReader(instance: instance.config.instance)
        var execution = ExecutionSettings(maxOrdersPerSecond: trading.maxOrdersPerSecond)
        execution.defaultLimits.priceBandBps = Int((trading.priceBandPercent * 100).rounded())
        let instruments = instance.config.instruments
        let limits: LimitGuard
        do { limits = try LimitGuard(limits: settings.strategy.limits, instruments: instruments) } catch {
            throw fail("\(error)", code: 2)
        }
        let marksReader = try BooksReader(instance: instance.config.instance)
        let quote = instruments.first.map { Instrument.assets(ofSymbol: $0.symbol).quote } ?? "USDT"
        let gate = RiskGate(
            settings: execution, clock: nowNs, killSwitch: account?.killSwitch ?? KillSwitch(),
            position: { [processor = account?.processor] index in processor?.netPosition(index) ?? 0 },
            limits: limits,
            marks: { i in
                guard marksReader.feedState(i) == .live, let top = try? marksReader.snapshot(i, levels: 1), !top.stale,
                    let bid = top.bids.first, let ask = top.asks.first
                else { return nil }
                return (bid.price + ask.price) / 2
            },
            figures: { [processor = account?.processor] in
                guard let snapshot = processor?.store.snapshot else { return nil }
                return RiskFigures(
                    dailyPnl: snapshot.pnl.dailyPnl.e8, drawdown: snapshot.pnl.maxDrawdown.e8,
                    equity: snapshot.balances[quote]?.total.e8 ?? 0)
            })
        let mid: (Int) -> Price? = { index in
            guard books.feedState(index) == .live, let top = try? books.snapshot(index, levels: 1),
                !top.stale, let bid = top.bids.first, let ask = top.asks.first
            else { return nil }
            return Price(mantissa: (bid.price + ask.price) / 2, exponent: instance.config.instruments[index].priceExponent)
        }
        let check: PreTradeCheck = { command, instrument, mid, board in
            gate.check(command, instrument: instrument, mid: mid, board: board)
        }
        var gateway: OrderGateway?
        var timeSync: TimeSync?
        var listenKey: (keeper: ListenKeyKeeper, task: Task<Void, Never>, client: RESTClient)?
        let route: OrderRoute
        var queries: [String] = []
        if let recovered, !recovered.orders.isEmpty {
            let carried = try Recovery.carry(recovered.orders, from: recovered.generation, into: instance)
            queries = carried.queries
            logger.notice(
                "open orders of the previous engine carried over; asking the venue about each",
                metadata: ["orders": "\(carried.queries.count)", "generation": "\(recovered.generation)"])
            for order in carried.dropped { logger.warning("recovered order not traded by this start: \(order)") }
        }
        if trading.mode == .live {
            let built = try makeGateway(settings: settings, instance: instance, target: target)
            try built.start()
            gateway = built
            route = GatewayRoute(gateway: built)
            if target.venue == .binanceFutures, let credentials = trading.credentials {
                listenKey = keepListenKey(target: target, apiKey: credentials.apiKey, gateway: built, logger: logger)
            }
            let sync = TimeSync(target: target, gateway: built)
            if let offset = await sync.refresh() {
                logger.info("server time offset measured", metadata: ["offset_ms": "\(offset)"])
            }
            timeSync = sync
        } else if trading.mode == .simulation {
            // Its own books reader: the route runs on the order thread, readers are not shared.
            route = SimulationRoute(
                writer: try ExecJournalWriter(segment: instance.exec), instruments: instance.config.instruments,
                market: BooksMarket(reader: try BooksReader(instance: instance.config.instance)))
        } else {
            route = ObservationRoute(writer: try ExecJournalWriter(segment: instance.exec))
        }
        let service = try TradingService(
            instance: instance, route: route, check: check, mid: mid, logger: logger, recoveryQueries: queries,
            observe: gate.observe, consumption: account.map { ($0.consumption, 0) }, killSwitch: gate.killSwitch)
        service.start()
        logger.info("order path running", metadata: ["mode": "\(route.mode)"])
        let run = TradingRun(service: service, gateway: gateway, timeSync: timeSync, logger: logger)
        run.listenKey = listenKey
        run.cancelOnExit = trading.cancelOnExit
        run.killSwitch = gate.killSwitch
        run.gate = gate
        return run
    }

    /// Stops intake, drains the journal, then stops the gateway (and closes a USD-M listenKey, best effort).
    func stop() {
        service.stop()
        do { try gateway?.stop() } catch { logger.error("gateway: \(error)") }
        if let (keeper, task, client) = listenKey {
            task.cancel()
            Task {
                await keeper.close()
                await client.shutdown()
            }
        }
    }

    /// USD-M: a keeper that makes the user-data listenKey over REST (`X-MBX-APIKEY`), extends it
    /// every 30 minutes, makes it anew when the gateway reports `listenKeyExpired` or the venue no
    /// longer knows it, and hands each key to the gateway.
    private static func keepListenKey(
        target: FeedTarget, apiKey: String, gateway: OrderGateway, logger: Logger
    ) -> (keeper: ListenKeyKeeper, task: Task<Void, Never>, client: RESTClient) {
        let client = RESTClient(endpoint: target.rest, caFile: target.caFile, verify: target.verify)
        let transport: ListenKeyKeeper.Transport = { call in
            let (method, query, timeout): (RESTClient.Method, String, Int64) =
                switch call {
                case .create: (.post, "", 10)
                case .keepalive(let key): (.put, "?listenKey=\(key)", 10)
                case .close(let key): (.delete, "?listenKey=\(key)", 5)
                }
            let answer = try await client.send(
                method, "/fapi/v1/listenKey" + query, headers: [("X-MBX-APIKEY", apiKey)], timeoutSeconds: timeout)
            return ListenKeyKeeper.Answer(status: answer.status, body: answer.body)
        }
        let keeper = ListenKeyKeeper(
            transport: transport, clock: { nowNs() },
            apply: { key in
                do { try gateway.setListenKey(key) } catch { logger.error("gateway refused the listenKey: \(error)") }
                logger.info(key == nil ? "user-data stream closed" : "user-data listenKey handed to the gateway")
            })
        let task = Task {
            await keeper.run(expired: { gateway.status.listenKeyExpired })
        }
        return (keeper, task, client)
    }

    private static func makeGateway(
        settings: StartSettings, instance: EngineInstance, target: FeedTarget
    ) throws -> OrderGateway {
        let trading = settings.trading
        var config: OrderGatewayConfig
        if target.venue == .sim {
            config = OrderGatewayConfig(
                host: target.webSocket.host, port: target.webSocket.port,
                apiKey: ExchangeSimServer.Configuration.defaultAPIKey,
                apiSecret: ExchangeSimServer.Configuration.defaultAPISecret)
            config.tls = target.webSocket.tls
        } else {
            guard target.venue == .binance || target.venue == .binanceFutures else {
                throw fail("order entry on \(settings.venue) is not available yet: start with --mode off or observation")
            }
            guard let credentials = trading.credentials else {
                throw fail(
                    "--mode live on \(settings.venue) needs credentials: --credentials FILE (mode 0600) or TICKWIRE_API_KEY/TICKWIRE_API_SECRET",
                    code: 2)
            }
            let futures = target.venue == .binanceFutures
            let defaultURL =
                futures ? "wss://ws-fapi.binance.com:443/ws-fapi/v1" : "wss://ws-api.binance.com:443/ws-api/v3"
            let endpoint: WebSocketEndpoint
            do { endpoint = try WebSocketEndpoint(parsing: trading.wsAPIURL ?? defaultURL) } catch {
                throw fail("--ws-api-url: \(error)", code: 2)
            }
            config = OrderGatewayConfig(
                host: endpoint.host, port: endpoint.port, apiKey: credentials.apiKey, apiSecret: credentials.apiSecret)
            config.path = endpoint.path
            config.tls = endpoint.tls
            if futures { useUserDataStream(of: target.webSocket, in: &config) }
        }
        config.caFile = target.caFile
        config.verify = target.verify
        config.core = trading.core
        config.requestTimeoutMillis = trading.requestTimeoutMillis
        config.seed = settings.seed &+ 7
        do { return try OrderGateway(instance: instance, config: config) } catch { throw fail("\(error)") }
    }

    /// USD-M: the user-data stream lives beside the market-data streams (Binance:
    /// `wss://fstream.binance.com/stream` → `/ws/<listenKey>`; the sim: `ws://…/fstream/stream` →
    /// `/fstream/ws/<listenKey>`), so it is the `--ws-url` endpoint with its `/stream` swapped for `/ws/`.
    private static func useUserDataStream(of market: WebSocketEndpoint, in config: inout OrderGatewayConfig) {
        config.venue = .usdm
        config.userDataHost = market.host
        config.userDataPort = market.port
        config.userDataTLS = market.tls
        var base = String(market.path.prefix { $0 != "?" })
        while base.hasSuffix("/") { base.removeLast() }
        if base.hasSuffix("/stream") || base.hasSuffix("/ws") {
            base = String(base[..<base.lastIndex(of: "/")!])
        }
        config.userDataPath = base + "/ws/"
    }
}

/// The venue's clock minus ours, measured at start and every minute (`GET /api/v3/time`, the
/// midpoint of the round trip, the best sample of the last ten minutes kept), handed to the
/// gateway for every request's `timestamp`: a local clock seconds off never yields -1021.
final class TimeSync: @unchecked Sendable {
    private let target: FeedTarget
    private let gateway: OrderGateway
    private var offset = ServerTimeOffset()
    private let lock = NSLock()

    init(target: FeedTarget, gateway: OrderGateway) {
        self.target = target
        self.gateway = gateway
    }

    /// Takes one sample; the offset now used (ms), or nil when the venue did not answer.
    @discardableResult
    func refresh() async -> Int64? {
        let path = target.venue == .binanceFutures ? "/fapi/v1/time" : "/api/v3/time"
        let client = RESTClient(endpoint: target.rest, caFile: target.caFile, verify: target.verify)
        defer { Task { await client.shutdown() } }
        let sent = nowNs()
        guard let answer = try? await client.get(path, timeoutSeconds: 5), answer.status == 200 else { return nil }
        let received = nowNs()
        guard let object = try? JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any],
            let server = (object["serverTime"] as? NSNumber)?.int64Value
        else { return nil }
        let ms: Int64? = lock.withLock {
            _ = offset.add(sendNs: sent, serverMs: server, receiveNs: received)
            return offset.offsetMs
        }
        if let ms { gateway.setTimeOffset(milliseconds: ms) }
        return ms
    }

    /// Whether a new sample is due.
    func due(now: Int64) -> Bool { lock.withLock { offset.needsRefresh(now: now) } }
}
