import CEngineShm
import EngineKit
import EngineModel
import Execution
import Matching

/// Simulation mode: approved orders are matched by the Matching engine — the one ExchangeSim
/// runs — in shadow mode against the engine's own live books, and answered in the exec journal
/// with the records the C gateway writes for a live order. Nothing leaves the box.
///
/// Venue order ids are local. A book is loaded into the engine as a replayed book: user orders
/// take its liquidity without changing it, and the part they took of a level is remembered
/// until the feed next changes that level (so the same displayed quantity is not filled twice).
/// Resting orders fill, as makers at their own price, when a later book crosses them; that is
/// checked on `poll(now:)` and before every request. Only the book drives fills: public trades
/// are not used (a trade through a resting order's price without the book crossing it does not
/// fill it). The simulated account starts with a large balance of every asset, so pre-trade risk
/// rather than the balance limits orders; no BALANCE records are journaled.
///
/// The journal's only writer is this route's `ExecJournalWriter`: no gateway runs in this mode.
/// Every method is called from the order thread only.
public final class SimulationRoute: OrderRoute {
    /// What the simulation charges and starts with.
    public struct Configuration: Sendable {
        /// Maker and taker rates, charged in the asset received; Binance spot's standard 10 bp
        /// each by default, as ExchangeSim's venue.
        public var commissions: CommissionSchedule

        /// Whole units of every asset the simulated account starts with.
        public var startingBalance: Int64

        /// The first local venue order id of every instrument.
        public var firstOrderId: Int64

        /// Settings with ExchangeSim's defaults.
        public init(
            commissions: CommissionSchedule = .standard, startingBalance: Int64 = 1_000_000_000, firstOrderId: Int64 = 1
        ) {
            self.commissions = commissions
            self.startingBalance = startingBalance
            self.firstOrderId = firstOrderId
        }
    }

    /// The account every simulated order belongs to.
    static let account: AccountID = "simulation"

    /// A simulated order: its instrument and the matching engine's id for it.
    struct OrderKey: Hashable {
        let instrument: Int
        let orderId: Int64
    }

    /// What the journal needs of an open order beyond the engine's reports: the command's ids,
    /// and the exact quote filled so far (price × quantity mantissas, as `cum_quote` carries it).
    struct OrderContext {
        var commandId: UInt64
        var producer: UInt64
        var strategyId: UInt32
        var cumQuote: Int64 = 0
    }

    let writer: ExecJournalWriter
    let instruments: [Instrument]
    private let market: SimulationMarket
    private let clock: () -> Int64
    var engine: MatchingEngine
    var contexts: [OrderKey: OrderContext] = [:]
    /// The book last loaded per instrument (what the next book is diffed against).
    private var loaded: [SimulationBook?]
    /// Open orders per instrument: books without any are not read on `poll`.
    var openCount: [Int]

    /// A route matching orders for `instruments` (the books segment's order) against `market`,
    /// writing `writer`'s journal. `clock` gives the wall clock in ns since the epoch.
    public init(
        writer: ExecJournalWriter, instruments: [Instrument], market: SimulationMarket,
        configuration: Configuration = Configuration(), clock: @escaping () -> Int64 = { tw_realtime_ns() }
    ) {
        self.writer = writer
        self.instruments = instruments
        self.market = market
        self.clock = clock
        var exponents: [String: Int8] = [:]
        for instrument in instruments {
            let (base, quote) = Self.assets(of: instrument.symbol)
            exponents[base] = min(exponents[base] ?? -8, instrument.quantityExponent)
            exponents[quote] = min(exponents[quote] ?? -8, -8)
        }
        engine = MatchingEngine(
            configuration: .init(
                commissions: configuration.commissions, assetExponents: exponents,
                firstOrderId: configuration.firstOrderId))
        for instrument in instruments {
            let (base, quote) = Self.assets(of: instrument.symbol)
            engine.addSymbol(SymbolSpec(instrument: instrument, baseAsset: base, quoteAsset: quote), mode: .shadow)
        }
        for asset in exponents.keys.sorted() { Self.fund(&engine, asset, units: configuration.startingBalance) }
        loaded = Array(repeating: nil, count: instruments.count)
        openCount = Array(repeating: 0, count: instruments.count)
    }

    /// Appends the engine's own answer as is.
    public func journal(_ report: ExecReport) -> Bool { writer.append(report) != nil }

    /// SENT, then the matching engine's answer: ACK and fills / EXPIRED, or REJECTED with the
    /// venue's code (-2010 for a LIMIT_MAKER that would take).
    public func place(_ command: OrderCommand, producer: UInt64) -> Bool {
        let now = clock()
        guard instruments.indices.contains(command.instrument) else {
            return refuse(command, producer: producer, .rejected, .malformed, "unknown instrument", now: now)
        }
        guard writer.admit() else {
            return refuse(command, producer: producer, .rejected, .journalFull, "exec journal near full", now: now)
        }
        refresh(command.instrument, now: now)
        guard append(sent(command, producer: producer, state: .submitted, now: now)) else { return false }
        let instrument = instruments[command.instrument]
        do {
            let result = try engine.placeOrder(
                Self.request(command, instrument: instrument), account: Self.account, now: now)
            open(
                OrderKey(instrument: command.instrument, orderId: result.order.orderId),
                OrderContext(commandId: command.commandId, producer: producer, strategyId: command.strategyId))
            journal(result.events, instrument: command.instrument, now: now)
        } catch {
            var rejected = Self.report(.rejected, command, producer: producer, now: now)
            rejected.code = Int32(error.code)
            rejected.text = error.msg
            rejected.orderState = OrderState.rejected.abiValue
            append(rejected)
        }
        return true
    }

    /// SENT (CANCEL_PENDING), then CANCELED, or CANCEL_REJECT -2011 when the order is not open.
    public func cancel(_ command: OrderCommand, producer: UInt64) -> Bool {
        let now = clock()
        guard instruments.indices.contains(command.instrument) else {
            return refuse(command, producer: producer, .cancelReject, .malformed, "unknown instrument", now: now)
        }
        refresh(command.instrument, now: now)
        guard append(sent(command, producer: producer, state: .cancelPending, now: now)) else { return false }
        let symbol = instruments[command.instrument].symbol
        do {
            let ref = try orderRef(command)
            let result = try engine.cancelOrder(symbol: symbol, account: Self.account, order: ref, now: now)
            journal(result.events, instrument: command.instrument, now: now)
        } catch {
            cancelRejected(command, producer: producer, error, now: now)
        }
        return true
    }

    /// SENT, then one CANCELED per open order of the instrument, or CANCEL_REJECT -2011 when
    /// none is open.
    public func cancelAll(_ command: OrderCommand, producer: UInt64) -> Bool {
        let now = clock()
        guard instruments.indices.contains(command.instrument) else {
            return refuse(command, producer: producer, .cancelReject, .malformed, "unknown instrument", now: now)
        }
        refresh(command.instrument, now: now)
        guard append(sent(command, producer: producer, state: .cancelPending, now: now)) else { return false }
        do {
            let result = try engine.cancelAllOrders(
                symbol: instruments[command.instrument].symbol, account: Self.account, now: now)
            journal(result.events, instrument: command.instrument, now: now)
        } catch {
            cancelRejected(command, producer: producer, error, now: now)
        }
        return true
    }

    /// A STATUS record with the order's state, or REJECTED -2013 for an order this simulation
    /// never had (e.g. one of a previous run).
    public func queryStatus(_ command: OrderCommand) -> Bool {
        let now = clock()
        guard instruments.indices.contains(command.instrument) else { return true }
        var status = Self.report(.status, command, producer: 0, now: now)
        do {
            let order = try engine.order(
                symbol: instruments[command.instrument].symbol, account: Self.account, try orderRef(command))
            status = statusRecord(order, instrument: command.instrument, now: now)
        } catch {
            status.code = Int32(VenueError.orderDoesNotExist.code)
            status.text = VenueError.orderDoesNotExist.msg
            status.orderState = OrderState.rejected.abiValue
        }
        return append(status)
    }

    /// Never halted: nothing can refuse the simulation's credentials.
    public var haltReason: String? { nil }

    /// "simulation".
    public var mode: String { "simulation" }

    /// Always ready: there is no connection.
    public var isReady: Bool { true }

    /// Reads the books of instruments with resting orders whose update id moved, and fills what
    /// they now cross.
    @discardableResult
    public func poll(now: Int64) -> Bool {
        var journaled = false
        for index in openCount.indices where openCount[index] > 0 {
            journaled = refresh(index, now: now) || journaled
        }
        return journaled
    }

    /// Loads an instrument's book into the engine when its update id moved: only the levels that
    /// changed since the last load, so what users took of the others stays taken. Journals the
    /// fills of resting orders the book now crosses; true when it journaled any.
    @discardableResult
    func refresh(_ index: Int, now: Int64) -> Bool {
        guard let version = market.version(index), version != loaded[index]?.updateId,
            let book = market.book(index)
        else { return false }
        let previous = loaded[index] ?? SimulationBook(updateId: 0, bids: [], asks: [])
        loaded[index] = book
        let instrument = instruments[index]
        let bids = Self.changes(from: previous.bids, to: book.bids, instrument)
        let asks = Self.changes(from: previous.asks, to: book.asks, instrument)
        guard !bids.isEmpty || !asks.isEmpty else { return false }
        let updateId = Int64(truncatingIfNeeded: book.updateId)
        guard
            let events = try? engine.applyReplayUpdate(
                symbol: instrument.symbol, bids: bids, asks: asks, firstUpdateId: updateId, lastUpdateId: updateId,
                now: now)
        else { return false }
        return journal(events, instrument: index, now: now)
    }
}
