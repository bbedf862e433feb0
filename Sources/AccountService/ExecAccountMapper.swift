import Account
import EngineKit
import EngineModel
import Execution
import Trading

/// The assets of one traded symbol, from the venue's exchange information.
public struct SymbolAssets: Sendable, Hashable {
    public var baseAsset: String
    public var quoteAsset: String
    public var market: MarketKind

    public init(baseAsset: String, quoteAsset: String, market: MarketKind) {
        self.baseAsset = baseAsset
        self.quoteAsset = quoteAsset
        self.market = market
    }
}

/// Turns exec journal records into account events: fills (with their fee at 1e-8), the venue's
/// balances and USD-M positions, and each order's state after the record (folded through the same
/// order board the order path keeps, so `engine orders` and the account agree).
///
/// One mapper per reader thread; records must come in journal order.
public struct ExecAccountMapper: Sendable {
    /// The venue name fills are keyed by ("sim", "binance", "binance-futures").
    public let venue: String
    private let instruments: [Instrument]
    private let assets: [SymbolAssets]
    private(set) var board: OrderBoard
    /// Spot `balanceUpdate` (a deposit, a withdrawal) says only the change: applied to the last figure.
    private var lastBalances: [String: (free: Amount, locked: Amount)] = [:]

    /// A mapper for an instance's instruments (book-table order) and their assets, same order.
    public init(venue: String, instruments: [Instrument], assets: [SymbolAssets]) {
        precondition(instruments.count == assets.count, "one SymbolAssets per instrument")
        self.venue = venue
        self.instruments = instruments
        self.assets = assets
        board = OrderBoard(instruments: instruments)
    }

    /// The order board as folded so far.
    public var orders: OrderBoard { board }

    /// The account events one record carries (none for answers that change no order).
    public mutating func events(for record: ExecRecord) -> [AccountEvent] {
        board.apply(record)
        switch record.body {
        case .report(let r):
            return reportEvents(r, seq: record.seq)
        case .balance(let b):
            let free = Amount(mantissa: b.free, exponent: b.exponent)
            let locked = Amount(mantissa: b.locked, exponent: b.exponent)
            let delta = Amount(mantissa: b.delta, exponent: b.exponent)
            var update = (free: free, locked: locked)
            if free == .zero && locked == .zero && delta != .zero, let last = lastBalances[b.asset] {
                update = (last.free + delta, last.locked)
            }
            lastBalances[b.asset] = update
            return [
                .balance(
                    BalanceUpdate(
                        asset: b.asset, free: update.free, locked: update.locked, source: .stream,
                        venueNs: b.venueNs))
            ]
        case .position(let p):
            guard p.instrument < instruments.count else { return [] }
            let instrument = instruments[p.instrument]
            return [
                .position(
                    PositionUpdate(
                        symbol: instrument.symbol, size: SignedSize(mantissa: p.amount, exponent: instrument.quantityExponent),
                        entryPrice: Price(mantissa: p.entryPrice, exponent: instrument.priceExponent),
                        unrealized: Amount(mantissa: p.unrealized, exponent: p.exponent), venueNs: p.venueNs))
            ]
        case .unknown:
            return []
        }
    }

    private func reportEvents(_ r: ExecReport, seq: UInt64) -> [AccountEvent] {
        guard r.instrument < instruments.count, !r.clientOrderId.isEmpty else { return [] }
        var events: [AccountEvent] = []
        if (r.type == .fill || r.type == .partialFill), r.tradeId != 0, let fill = fill(of: r) {
            events.append(.fill(fill))
        }
        if let order = board.order(clientOrderId: r.clientOrderId) {
            events.append(.order(Self.accountOrder(order, seq: seq, ns: max(r.venueNs, r.publishNs))))
        }
        return events
    }

    /// The fill a report carries (its trade id, last price and quantity, fee), or nil without a side.
    func fill(of r: ExecReport) -> Fill? {
        let instrument = instruments[r.instrument]
        let symbolAssets = assets[r.instrument]
        guard let side = r.side ?? board.order(clientOrderId: r.clientOrderId)?.side else { return nil }
        let strategy = board.order(clientOrderId: r.clientOrderId)?.strategyId ?? r.strategyId
        return Fill(
            venue: venue, tradeId: r.tradeId, market: symbolAssets.market, symbol: instrument.symbol,
            baseAsset: symbolAssets.baseAsset, quoteAsset: symbolAssets.quoteAsset, side: side,
            price: Price(mantissa: r.price, exponent: instrument.priceExponent),
            quantity: Quantity(mantissa: r.quantity, exponent: instrument.quantityExponent),
            fee: Amount(mantissa: r.fee, exponent: r.feeExponent),
            feeAsset: r.feeAsset.isEmpty ? symbolAssets.quoteAsset : r.feeAsset,
            liquidity: r.isMaker ? .maker : .taker, clientOrderId: r.clientOrderId, venueOrderId: r.venueOrderId,
            strategyId: strategy, venueNs: r.venueNs != 0 ? r.venueNs : r.receiveNs)
    }

    /// An order record as the account shows it.
    public static func accountOrder(_ order: OrderRecord, seq: UInt64, ns: Int64) -> AccountOrder {
        let filled = order.knownFilledQuantity
        return AccountOrder(
            clientOrderId: order.clientOrderId, venueOrderId: order.venueOrderId ?? 0, symbol: order.symbol,
            side: order.side, type: order.type.name, price: order.price, quantity: order.quantity,
            filledQuantity: filled, averagePrice: order.averagePrice.map { Amount($0) },
            status: order.state.rawValue.lowercased(), isOpen: order.state.isOpen, strategyId: order.strategyId,
            lastUpdateNs: ns, lastEventSeq: seq)
    }
}
