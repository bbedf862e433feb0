import EngineKit
import EngineModel
import Execution
import ExchangeSim
import Foundation
import Logging
import MarketData
import Trading

/// The order path of a running engine: the C gateway on the venue's WebSocket API (live) or
/// the journal alone (observation), and the Swift thread that runs intake and folds the journal.
final class TradingRun {
    let service: TradingService
    let gateway: OrderGateway?
    let logger: Logger

    private init(service: TradingService, gateway: OrderGateway?, logger: Logger) {
        self.service = service
        self.gateway = gateway
        self.logger = logger
    }

    /// Starts the order path, or returns nil with `--mode off`.
    static func start(
        settings: StartSettings, instance: EngineInstance, target: FeedTarget,
        recovered: (orders: [Recovery.OpenOrder], generation: UInt64)?, logger: Logger
    ) throws -> TradingRun? {
        let trading = settings.trading
        guard trading.mode != .off else { return nil }
        let books = try BooksReader(instance: instance.config.instance)
        let band = trading.priceBandPercent
        let mid: (Int) -> Price? = { index in
            guard books.feedState(index) == .live, let top = try? books.snapshot(index, levels: 1),
                !top.stale, let bid = top.bids.first, let ask = top.asks.first
            else { return nil }
            return Price(mantissa: (bid.price + ask.price) / 2, exponent: instance.config.instruments[index].priceExponent)
        }
        let check: PreTradeCheck = { command, instrument, mid, _ in
            PreTradeRules.check(command, instrument: instrument, mid: mid, bandPercent: band)
        }
        var gateway: OrderGateway?
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
            if let offset = serverTimeOffset(target: target) {
                built.setTimeOffset(milliseconds: offset)
                logger.info("server time offset measured", metadata: ["offset_ms": "\(offset)"])
            }
        } else {
            route = ObservationRoute(writer: try ExecJournalWriter(segment: instance.exec))
        }
        let service = try TradingService(
            instance: instance, route: route, check: check, mid: mid, logger: logger, recoveryQueries: queries)
        service.start()
        logger.info("order path running", metadata: ["mode": "\(route.mode)"])
        return TradingRun(service: service, gateway: gateway, logger: logger)
    }

    /// Stops intake, drains the journal, then stops the gateway.
    func stop() {
        service.stop()
        do { try gateway?.stop() } catch { logger.error("gateway: \(error)") }
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
            guard target.venue == .binance else {
                throw fail("order entry on \(settings.venue) is not available yet: start with --mode off or observation")
            }
            guard let credentials = trading.credentials else {
                throw fail(
                    "--mode live on \(settings.venue) needs credentials: --credentials FILE (mode 0600) or TICKWIRE_API_KEY/TICKWIRE_API_SECRET",
                    code: 2)
            }
            let endpoint: WebSocketEndpoint
            do { endpoint = try WebSocketEndpoint(parsing: trading.wsAPIURL ?? "wss://ws-api.binance.com:443/ws-api/v3") } catch {
                throw fail("--ws-api-url: \(error)", code: 2)
            }
            config = OrderGatewayConfig(
                host: endpoint.host, port: endpoint.port, apiKey: credentials.apiKey, apiSecret: credentials.apiSecret)
            config.path = endpoint.path
            config.tls = endpoint.tls
        }
        config.caFile = target.caFile
        config.verify = target.verify
        config.core = trading.core
        config.requestTimeoutMillis = trading.requestTimeoutMillis
        config.seed = settings.seed &+ 7
        do { return try OrderGateway(instance: instance, config: config) } catch { throw fail("\(error)") }
    }

    /// Server time minus local time from one `GET /api/v3/time`, corrected by half the round trip.
    private static func serverTimeOffset(target: FeedTarget) -> Int64? {
        guard target.venue != .binanceFutures else { return nil }
        let client = RESTClient(endpoint: target.rest, caFile: target.caFile, verify: target.verify)
        defer { _ = try? blocking { await client.shutdown() } }
        return try? blocking {
            let sent = nowNs()
            let answer = try await client.get("/api/v3/time", timeoutSeconds: 5)
            let received = nowNs()
            guard answer.status == 200,
                let object = try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any],
                let server = (object["serverTime"] as? NSNumber)?.int64Value
            else { return nil }
            return server - (sent + received) / 2 / 1_000_000
        }
    }
}

/// The pre-trade rules the intake applies to new orders (seed 002 FR-OE-002): well-formed,
/// tick, lot, minimum notional, price band around the live mid.
enum PreTradeRules {
    static func check(_ c: OrderCommand, instrument: Instrument, mid: Price?, bandPercent: Double) -> OrderRejection? {
        guard c.quantity > 0 else { return OrderRejection(.malformed, "quantity must be positive") }
        let quantity = Quantity(mantissa: c.quantity, exponent: instrument.quantityExponent)
        if c.type == .market {
            guard c.price == 0 else { return OrderRejection(.malformed, "a market order carries no price") }
            guard let mid else { return OrderRejection(.noMarket, "no live book for \(instrument.symbol) to check against") }
            return lotAndNotional(quantity, price: mid, instrument: instrument)
        }
        guard c.price > 0 else { return OrderRejection(.malformed, "a \(c.type.name) order needs a positive price") }
        let price = Price(mantissa: c.price, exponent: instrument.priceExponent)
        guard price.isMultiple(of: instrument.tickSize) else {
            return OrderRejection(.tick, "price \(price) is not a multiple of the tick size \(instrument.tickSize)")
        }
        if let rejection = lotAndNotional(quantity, price: price, instrument: instrument) { return rejection }
        guard let mid else { return OrderRejection(.noMarket, "no live book for \(instrument.symbol) to check the price against") }
        let deviation = abs(Double(c.price - mid.mantissa)) / Double(mid.mantissa) * 100
        guard deviation <= bandPercent else {
            return OrderRejection(
                .priceBand, "price \(price) is \(String(format: "%.1f", deviation))% from the mid \(mid) (band ±\(bandPercent)%)")
        }
        return nil
    }

    private static func lotAndNotional(_ quantity: Quantity, price: Price, instrument: Instrument) -> OrderRejection? {
        guard quantity.isMultiple(of: instrument.stepSize) else {
            return OrderRejection(.lot, "quantity \(quantity) is not a multiple of the step size \(instrument.stepSize)")
        }
        do { try instrument.validate(notional: price, quantity: quantity) } catch {
            return OrderRejection(.notional, "\(error)")
        }
        return nil
    }
}
