import EngineModel
import Logging
import Matching

/// Where the replay of one symbol is: its seeding snapshot and the last diff sent.
struct ReplaySymbolProgress: Sendable {
    /// The market (USD-M applies the diff whose `u` equals the snapshot's id; spot drops it).
    let market: SimMarket
    /// The exponents the recording writes prices and quantities at (depth answers use them).
    let textExponents: (price: Int8, quantity: Int8)
    /// The first recorded depth snapshot, which seeded the replayed book.
    let snapshot: RecordedSnapshot?
    /// The `u` of the last diff sent.
    var lastSent: Int64?
    /// `E` of the last diff sent.
    var eventTime: Int64?
    /// `T` of the last diff sent.
    var transactTime: Int64?

    /// Whether a diff belongs on top of the snapshot (Binance's rules: spot drops `u <= id`,
    /// USD-M drops `u < id`).
    func applies(_ diff: RecordedDiff) -> Bool {
        guard let id = snapshot?.depth.lastUpdateId else { return true }
        return market == .spot ? diff.lastUpdateId > id : diff.lastUpdateId >= id
    }

    /// Whether the stream has sent past the snapshot, so that a client syncing now needs the
    /// live book rather than the recorded snapshot.
    var passedSnapshot: Bool {
        guard let id = snapshot?.depth.lastUpdateId else { return true }
        guard let lastSent else { return false }
        return market == .spot ? lastSent > id : lastSent >= id
    }
}

extension SimVenue {
    /// The replayed symbols of `market` in `configuration`, with the rules they are listed
    /// under: the configured symbol's when its precision covers every recorded price and
    /// quantity, else rules inferred from the recording (tick and step = the finest recorded
    /// decimal, no minimum notional).
    static func replayedSpecs(_ configuration: ExchangeSimServer.Configuration, market: SimMarket) -> [SymbolSpec] {
        guard let recording = configuration.replay?.recording else { return [] }
        let configured = market == .spot ? configuration.symbols : configuration.futures.symbols
        return recording.replayedSymbols(market).compactMap { name in
            guard let recorded = recording.symbols[market]?[name] else { return nil }
            if let listed = configured.first(where: { $0.symbol == name })?.spec,
                Int(listed.priceExponent) <= -recorded.priceDecimals,
                Int(listed.quantityExponent) <= -recorded.quantityDecimals
            {
                return listed
            }
            return inferredSpec(recorded)
        }
    }

    /// Rules for a recorded symbol the venue does not list.
    private static func inferredSpec(_ recorded: RecordedSymbol) -> SymbolSpec? {
        let pe = Int8(-min(recorded.priceDecimals, 18))
        let qe = Int8(-min(recorded.quantityDecimals, 8))
        guard let instrument = try? Instrument(
            symbol: recorded.symbol, venue: "binance", tickSize: Price(mantissa: 1, exponent: pe),
            stepSize: Quantity(mantissa: 1, exponent: qe), minNotional: Price(mantissa: 0, exponent: pe))
        else { return nil }
        let (base, quote) = splitAssets(recorded.symbol)
        return SymbolSpec(instrument: instrument, baseAsset: base, quoteAsset: quote)
    }

    /// Base and quote of a symbol by its quote suffix ("NKNUSDT" → NKN, USDT).
    static func splitAssets(_ symbol: String) -> (String, String) {
        let quotes = [
            "FDUSD", "USDT", "USDC", "BUSD", "TUSD", "BTC", "ETH", "BNB", "EUR", "TRY", "GBP", "AUD", "BRL", "DAI",
            "USD",
        ]
        for quote in quotes where symbol.hasSuffix(quote) && symbol.count > quote.count {
            return (String(symbol.dropLast(quote.count)), quote)
        }
        return (symbol, "USDT")
    }

    /// Lists the replayed symbols of `market` in shadow mode, seeds each book with its first
    /// recorded snapshot, and funds the test accounts with their assets; returns their
    /// progress records.
    static func listReplayed(
        _ engine: inout MatchingEngine, configuration: ExchangeSimServer.Configuration, market: SimMarket, now: Int64
    ) throws(VenueError) -> [String: ReplaySymbolProgress] {
        guard let recording = configuration.replay?.recording else { return [:] }
        var progress: [String: ReplaySymbolProgress] = [:]
        var assets: Set<String> = []
        for spec in replayedSpecs(configuration, market: market) {
            engine.addSymbol(spec, mode: .shadow)
            let snapshot = recording.snapshots[market]?[spec.symbol]
            if let snapshot {
                _ = try engine.loadReplaySnapshot(symbol: spec.symbol, snapshot.depth, now: now)
            }
            let recorded = recording.symbols[market]?[spec.symbol]
            let exponents = (
                Int8(-(recorded?.priceTextDecimals ?? 0)), Int8(-(recorded?.quantityTextDecimals ?? 0))
            )
            progress[spec.symbol] = ReplaySymbolProgress(market: market, textExponents: exponents, snapshot: snapshot)
            assets.formUnion([spec.baseAsset, spec.quoteAsset])
        }
        for credential in configuration.credentials {
            for asset in assets.sorted() where configuration.initialBalances[asset] == nil {
                let amount = Quantity(mantissa: 1_000_000, exponent: 0)
                _ = try engine.deposit(account: credential.account, asset: asset, amount: amount, now: now)
            }
        }
        return progress
    }

    /// Plays recorded frames of this venue's market: applies each diff to its replayed book
    /// (publishing only what user orders it crosses cause), then queues the frame's recorded
    /// bytes to the subscribers. Returns the number of messages queued.
    func replay(_ frames: ArraySlice<ReplayFrame>, backpressure: Bool, now: Int64) -> Int {
        var sent = 0
        for frame in frames {
            if let diff = frame.diff { apply(diff, now: now) }
            if frame.stream >= 0 {
                sent += streams.deliverRecorded(
                    frame.stream, raw: frame.raw, combined: frame.combined, backpressure: backpressure)
            }
        }
        return sent
    }

    /// Applies one recorded diff to the replayed book, when it belongs on top of the snapshot.
    private func apply(_ diff: RecordedDiff, now: Int64) {
        guard var progress = replayed[diff.symbol] else { return }
        if progress.applies(diff) {
            do {
                record(try engine.applyReplayUpdate(
                    symbol: diff.symbol, bids: diff.bids, asks: diff.asks, firstUpdateId: diff.firstUpdateId,
                    lastUpdateId: diff.lastUpdateId, now: now))
            } catch {
                Logger(label: "ExchangeSim.Replay").warning(
                    "replay: \(diff.symbol) diff \(diff.firstUpdateId)…\(diff.lastUpdateId) not applied: \(error)")
            }
        }
        progress.lastSent = diff.lastUpdateId
        progress.eventTime = diff.eventTime
        progress.transactTime = diff.transactTime
        replayed[diff.symbol] = progress
    }

    /// The depth answer of a replayed symbol, nil for other symbols: the recorded snapshot
    /// until the stream has sent past it, then the replayed book with `lastUpdateId` = the `u`
    /// of the last diff sent. `E`/`T` are the recorded ones (snapshot's, then last diff's).
    func replayDepth(symbol: String, limit: Int) -> (depth: DepthSnapshot, eventTime: Int64?, transactTime: Int64?)? {
        guard let progress = replayed[symbol] ?? replayed[symbol.uppercased()] else { return nil }
        let limit = max(1, limit)
        if !progress.passedSnapshot, let snapshot = progress.snapshot {
            let depth = DepthSnapshot(
                lastUpdateId: snapshot.depth.lastUpdateId, bids: Array(snapshot.depth.bids.prefix(limit)),
                asks: Array(snapshot.depth.asks.prefix(limit)))
            return (depth, snapshot.eventTime, snapshot.transactTime)
        }
        guard let book = try? engine.depth(symbol: symbol, limit: limit) else { return nil }
        func written(_ levels: [BookLevel]) -> [BookLevel] {
            levels.map { level in
                BookLevel(
                    price: (try? level.price.rescaled(to: progress.textExponents.price)) ?? level.price,
                    quantity: (try? level.quantity.rescaled(to: progress.textExponents.quantity)) ?? level.quantity)
            }
        }
        let depth = DepthSnapshot(
            lastUpdateId: progress.lastSent ?? book.lastUpdateId, bids: written(book.bids), asks: written(book.asks))
        return (depth, progress.eventTime, progress.transactTime)
    }
}
