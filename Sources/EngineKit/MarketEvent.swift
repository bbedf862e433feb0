import CEngineShm
import EngineModel

/// Top of book after a change, or a venue's best bid/offer. Prices and quantities are mantissas
/// at the instrument's exponents; a zero quantity means that side is empty.
public struct TopOfBook: Equatable, Sendable {
    public var updateId: UInt64
    public var firstUpdateId: UInt64
    public var exchangeNs: Int64
    public var receiveNs: Int64
    public var publishNs: Int64
    public var bidPrice: Int64, bidQuantity: Int64
    public var askPrice: Int64, askQuantity: Int64
    public var levelsChanged: UInt32
    public var stale: Bool
}

/// A trade print.
public struct TradePrint: Equatable, Sendable {
    public var tradeId: UInt64
    public var exchangeNs: Int64
    public var receiveNs: Int64
    public var publishNs: Int64
    public var price: Int64
    public var quantity: Int64
    /// Side of the taker, nil when the venue does not say.
    public var aggressor: Side?
}

/// One event of the md ring.
public enum MarketEventKind: Equatable, Sendable {
    case book(TopOfBook)
    case bbo(TopOfBook)
    case trade(TradePrint)
    case status(FeedState)
    /// A type this build does not know (a newer minor ABI); skipped safely.
    case unknown(type: UInt16)
}

/// An md ring message: its number, the instrument's index in the books table, and the event.
public struct MarketEvent: Equatable, Sendable {
    public var seq: UInt64
    public var instrument: Int
    public var kind: MarketEventKind

    init(header: tw_slot_header_t, payload: UnsafeRawPointer) {
        seq = header.seq
        instrument = Int(header.instrument)
        switch UInt32(header.type) {
        case TW_MD_BOOK.rawValue, TW_MD_BBO.rawValue:
            let b = payload.load(as: tw_md_book_t.self)
            let top = TopOfBook(
                updateId: b.update_id, firstUpdateId: b.first_update_id, exchangeNs: b.exchange_ns,
                receiveNs: b.recv_ns, publishNs: b.publish_ns, bidPrice: b.bid_px, bidQuantity: b.bid_qty,
                askPrice: b.ask_px, askQuantity: b.ask_qty, levelsChanged: b.levels_changed,
                stale: b.flags & UInt32(TW_BOOK_FLAG_STALE) != 0)
            kind = UInt32(header.type) == TW_MD_BOOK.rawValue ? .book(top) : .bbo(top)
        case TW_MD_TRADE.rawValue:
            let t = payload.load(as: tw_md_trade_t.self)
            kind = .trade(
                TradePrint(
                    tradeId: t.trade_id, exchangeNs: t.exchange_ns, receiveNs: t.recv_ns, publishNs: t.publish_ns,
                    price: t.price, quantity: t.quantity, aggressor: Side(rawValue: t.aggressor)))
        case TW_MD_STATUS.rawValue:
            let s = payload.load(as: tw_md_status_t.self)
            kind = .status(FeedState(rawValue: s.feed_state) ?? .stale)
        default:
            kind = .unknown(type: header.type)
        }
    }
}
