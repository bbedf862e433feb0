import CEngineShm
import EngineModel

/// One price level: mantissas at the instrument's exponents.
public struct BookLevel: Equatable, Sendable {
    public var price: Int64
    public var quantity: Int64
}

/// A consistent copy of one book block.
public struct BookSnapshot: Equatable, Sendable {
    public var instrument: Int
    public var updateId: UInt64
    public var firstUpdateId: UInt64
    public var exchangeNs: Int64
    public var receiveNs: Int64
    public var publishNs: Int64
    public var stale: Bool
    /// Best first, descending.
    public var bids: [BookLevel]
    /// Best first, ascending.
    public var asks: [BookLevel]
    /// Seqlock attempts the copy took (1 when the writer was not in the way).
    public var attempts: Int
}

/// One row of the instrument table in the books segment.
public struct InstrumentEntry: Equatable, Sendable {
    public var index: Int
    public var symbol: String
    public var venue: String
    public var priceExponent: Int8
    public var quantityExponent: Int8
    public var tickSize: Int64
    public var stepSize: Int64
    public var minNotional: Int64
}

/// Read-only view of an instance's books segment.
public final class BooksReader {
    /// The mapped segment.
    public let segment: Segment
    /// Levels a side in every block.
    public let depth: Int
    /// The instrument table.
    public let instruments: [InstrumentEntry]
    private let scratch: UnsafeMutablePointer<tw_level_t>

    /// Attaches read-only.
    public init(instance: String) throws(ShmError) {
        segment = try Segment.attach(instance: instance, kind: .books)
        let header = tw_books_of(segment.base)!.pointee
        depth = Int(header.depth)
        var table: [InstrumentEntry] = []
        for i in 0..<header.instrument_count {
            let info = tw_books_instrument(segment.base, i)!.pointee
            table.append(
                InstrumentEntry(
                    index: Int(i), symbol: cString(info.symbol), venue: cString(info.venue),
                    priceExponent: info.price_exponent, quantityExponent: info.qty_exponent,
                    tickSize: info.tick_size, stepSize: info.step_size, minNotional: info.min_notional))
        }
        instruments = table
        scratch = .allocate(capacity: 2 * max(depth, 1))
    }

    deinit { scratch.deallocate() }

    /// The index of a symbol (case-insensitive), or nil.
    public func index(of symbol: String) -> Int? {
        instruments.first { $0.symbol == symbol.uppercased() }?.index
    }

    /// The feed state an instrument's writer last published.
    public func feedState(_ index: Int) -> FeedState {
        let info = UnsafeRawPointer(tw_books_instrument(segment.base, UInt32(index))!)
        let offset = MemoryLayout<tw_instrument_info_t>.offset(of: \.feed_state)!
        let raw = tw_load_u32(info.advanced(by: offset).assumingMemoryBound(to: UInt32.self))
        return FeedState(rawValue: raw) ?? .idle
    }

    /// A consistent copy of up to `levels` levels a side, with bounded seqlock retries.
    /// The corresponding C function is `tw_book_read`.
    public func snapshot(_ index: Int, levels: Int? = nil, maxRetries: UInt32 = 10_000) throws(ShmError) -> BookSnapshot {
        precondition(index >= 0 && index < instruments.count, "instrument index out of range")
        let n = min(levels ?? depth, depth)
        var header = tw_book_header_t()
        let block = tw_books_block(segment.base, UInt32(index))
        let rc = tw_book_read(block, UInt32(depth), &header, scratch, scratch + depth, UInt32(n), maxRetries)
        guard rc > 0 else {
            throw .readerStarved("book \(instruments[index].symbol): no stable copy after \(maxRetries) attempts")
        }
        let bids = (0..<Int(header.bid_count)).map { BookLevel(price: scratch[$0].price, quantity: scratch[$0].quantity) }
        let asks = (0..<Int(header.ask_count)).map {
            BookLevel(price: scratch[depth + $0].price, quantity: scratch[depth + $0].quantity)
        }
        return BookSnapshot(
            instrument: index, updateId: header.update_id, firstUpdateId: header.first_update_id,
            exchangeNs: header.exchange_ns, receiveNs: header.recv_ns, publishNs: header.publish_ns,
            stale: header.flags & UInt32(TW_BOOK_FLAG_STALE) != 0, bids: bids, asks: asks,
            attempts: Int(rc))
    }
}
