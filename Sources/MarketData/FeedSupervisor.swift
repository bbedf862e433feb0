import EngineKit
import EngineModel
import Foundation
import Logging

/// Where and how a feed connects: the venue's stream and REST endpoints and the TLS policy.
public struct FeedTarget: Sendable, Equatable {
    public var venue: VenueKind
    public var webSocket: WebSocketEndpoint
    public var rest: RESTEndpoint
    /// CA file trusted instead of the system's (ExchangeSim's, for a sim over TLS).
    public var caFile: String?
    /// Certificate checks; off is refused unless the host is loopback.
    public var verify: Bool
    /// Levels asked of the depth endpoint (Binance: 5…5000; 1000 costs weight 50 on spot).
    public var snapshotLimit: Int

    public init(
        venue: VenueKind, webSocket: WebSocketEndpoint, rest: RESTEndpoint, caFile: String? = nil, verify: Bool = true,
        snapshotLimit: Int = 1000
    ) {
        self.venue = venue
        self.webSocket = webSocket
        self.rest = rest
        self.caFile = caFile
        self.verify = verify
        self.snapshotLimit = snapshotLimit
    }
}

/// Runs a market-data feed: the C feed thread for every instrument of an instance, the
/// snapshot fetcher that serves it, and a health watch that logs each connection's changes.
public final class FeedSupervisor: Sendable {
    public let target: FeedTarget
    public let feed: MarketFeed
    private let fetcher: SnapshotFetcher
    private let client: RESTClient
    private let logger: Logger

    /// The instruments the venue lists for `symbols`, from its exchangeInfo (before the instance exists).
    public static func instruments(
        target: FeedTarget, symbols: [String]
    ) async throws -> [Instrument] {
        try await catalog(target: target, symbols: symbols).instruments
    }

    /// The instruments the venue lists for `symbols` and each one's base and quote asset (same order),
    /// from one exchangeInfo answer.
    public static func catalog(
        target: FeedTarget, symbols: [String]
    ) async throws -> (instruments: [Instrument], assets: [(base: String, quote: String)]) {
        let client = RESTClient(endpoint: target.rest, caFile: target.caFile, verify: target.verify)
        defer { Task { await client.shutdown() } }
        let answer = try await client.get(target.venue.exchangeInfoPath)
        guard answer.status == 200 else {
            throw EndpointError(message: "GET \(target.rest.base)\(target.venue.exchangeInfoPath) answered \(answer.status)")
        }
        let instruments = try InstrumentCatalog.instruments(
            exchangeInfo: answer.body, symbols: symbols, venue: target.venue.venueName)
        let named = InstrumentCatalog.assets(exchangeInfo: answer.body, symbols: symbols)
        // A venue that names no assets: the symbol split at a known quote asset (BTCUSDT → BTC, USDT).
        let assets = instruments.map { named[$0.symbol] ?? Instrument.assets(ofSymbol: $0.symbol) }
        return (instruments, assets)
    }

    /// Prepares the feed thread for every instrument of `instance` (not started yet).
    public init(instance: EngineInstance, target: FeedTarget, feed base: MarketFeedConfig, logger: Logger) throws {
        var config = base
        config.rule = target.venue.rule
        config.host = target.webSocket.host
        config.port = target.webSocket.port
        config.path = target.webSocket.path
        config.tls = target.webSocket.tls
        config.caFile = target.caFile
        config.verify = target.verify
        self.target = target
        self.logger = logger
        feed = try MarketFeed(instance: instance, config: config, instruments: Array(instance.config.instruments.indices))
        client = RESTClient(endpoint: target.rest, caFile: target.caFile, verify: target.verify)
        fetcher = SnapshotFetcher(
            feed: feed, client: client, path: target.venue.depthPath, limit: target.snapshotLimit,
            symbols: instance.config.instruments.map(\.symbol), logger: logger)
    }

    /// Starts the feed thread.
    public func start() throws { try feed.start() }

    /// Serves snapshots and watches the connections until cancelled or the thread ends.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.fetcher.run() }
            group.addTask { await self.watch() }
            _ = await group.next()
            group.cancelAll()
        }
    }

    /// Stops the feed thread, waits for it, closes the REST client.
    public func stop() async throws {
        feed.stop()
        try feed.join()
        await client.shutdown()
    }

    /// Snapshots posted so far.
    public var snapshotsPosted: Int { fetcher.posted }

    /// Logs connection changes every 250 ms until cancelled or the feed thread ends.
    private func watch() async {
        var last: [FeedConnectionInfo] = []
        while !Task.isCancelled && feed.isRunning {
            let now = feed.connections
            for (i, info) in now.enumerated() {
                let before = i < last.count ? last[i] : nil
                guard before?.state != info.state || before?.connects != info.connects else { continue }
                var metadata: Logger.Metadata = [
                    "conn": "\(i)", "state": "\(info.state)", "symbols": "\(info.symbols)",
                    "connects": "\(info.connects)", "reconnects": "\(info.reconnects)",
                ]
                if info.lastError != 0 { metadata["error"] = "\(String(cString: strerror(-info.lastError)))" }
                if info.lastCloseCode != 0 { metadata["close_code"] = "\(info.lastCloseCode)" }
                if !info.tlsError.isEmpty { metadata["tls"] = "\(info.tlsError)" }
                if info.state == "open" {
                    logger.info("feed connection open", metadata: metadata)
                } else if info.state == "closed" && info.lastError != 0 {
                    logger.warning("feed connection lost", metadata: metadata)
                } else {
                    logger.debug("feed connection", metadata: metadata)
                }
            }
            last = now
            try? await Task.sleep(for: .milliseconds(250))
        }
        if !feed.isRunning { logger.error("feed thread ended") }
    }
}
