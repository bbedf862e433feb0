import EngineModel

// A block of one symbol's ticks, as stored in md_ticks.data:
//
//   header  version (1 byte), default price exponent, default quantity exponent (Int8 each)
//   a tick  flags (1 byte): bits 0–1 kind (1 trade, 2 bbo), bits 2–3 side (0 none, 1 buy, 2 sell),
//           bit 4 "own exponents follow" (price, quantity[, ask price, ask quantity], Int8 each);
//           then zigzag varints of: ns − previous ns, price − previous price, quantity − previous
//           quantity, and for a BBO ask − this bid (the spread) and ask quantity − previous ask quantity.
//
// Differences are taken with wrapping arithmetic, so any Int64 round-trips (a jump from Int64.min to
// Int64.max included); the count, first and last time live in the row's columns, so a block can be
// appended to without rewriting its start.

/// Appends ticks of one symbol to a compressed block (see `TickCodec`).
public struct TickBlockEncoder: Sendable {
    /// The encoded block so far.
    public private(set) var bytes: [UInt8]
    /// How many ticks it holds.
    public private(set) var count = 0
    /// The earliest tick time in it (Int64.max while empty).
    public private(set) var firstNs = Int64.max
    /// The latest tick time in it (Int64.min while empty).
    public private(set) var lastNs = Int64.min

    private let priceExponent: Int8
    private let quantityExponent: Int8
    private var previous = TickCodec.Previous()

    /// An empty block whose ticks mostly carry these exponents (others cost 2–4 bytes more each).
    public init(priceExponent: Int8, quantityExponent: Int8) {
        self.priceExponent = priceExponent
        self.quantityExponent = quantityExponent
        bytes = [TickCodec.version, UInt8(bitPattern: priceExponent), UInt8(bitPattern: quantityExponent)]
        bytes.reserveCapacity(4096)
    }

    /// Appends one tick (its symbol is the block's; the caller groups by symbol).
    public mutating func append(_ tick: TickRecord) {
        let isBBO = tick.kind == .bbo
        let askPrice = tick.askPrice ?? tick.price
        let askQuantity = tick.askQuantity ?? tick.quantity
        let ownExponents =
            tick.price.exponent != priceExponent || tick.quantity.exponent != quantityExponent
            || (isBBO && (askPrice.exponent != priceExponent || askQuantity.exponent != quantityExponent))
        var flags = tick.kind.rawValue | (tick.side?.rawValue ?? 0) << 2
        if ownExponents { flags |= 0x10 }
        bytes.append(flags)
        if ownExponents {
            bytes.append(UInt8(bitPattern: tick.price.exponent))
            bytes.append(UInt8(bitPattern: tick.quantity.exponent))
            if isBBO {
                bytes.append(UInt8(bitPattern: askPrice.exponent))
                bytes.append(UInt8(bitPattern: askQuantity.exponent))
            }
        }
        TickCodec.putSigned(tick.ns &- previous.ns, into: &bytes)
        TickCodec.putSigned(tick.price.mantissa &- previous.price, into: &bytes)
        TickCodec.putSigned(tick.quantity.mantissa &- previous.quantity, into: &bytes)
        previous.ns = tick.ns
        previous.price = tick.price.mantissa
        previous.quantity = tick.quantity.mantissa
        if isBBO {
            TickCodec.putSigned(askPrice.mantissa &- tick.price.mantissa, into: &bytes)
            TickCodec.putSigned(askQuantity.mantissa &- previous.askQuantity, into: &bytes)
            previous.askQuantity = askQuantity.mantissa
        }
        count += 1
        firstNs = min(firstNs, tick.ns)
        lastNs = max(lastNs, tick.ns)
    }
}

/// The tick block codec: delta + zigzag varint encoding of times, prices and quantities.
public enum TickCodec {
    /// The block format's version (its first byte).
    public static let version: UInt8 = 1

    /// Encodes ticks of one symbol as one block; the exponents of the first tick are the defaults.
    public static func encode(_ ticks: [TickRecord]) -> [UInt8] {
        guard let first = ticks.first else { return TickBlockEncoder(priceExponent: 0, quantityExponent: 0).bytes }
        var encoder = TickBlockEncoder(priceExponent: first.price.exponent, quantityExponent: first.quantity.exponent)
        for tick in ticks { encoder.append(tick) }
        return encoder.bytes
    }

    /// Decodes a block back to its ticks, in the order they were appended, naming them `symbol`.
    /// Throws `.corruptData` on a truncated block, an unknown version, kind or side, or an
    /// impossible value (an exponent outside −18…18, a negative quantity).
    public static func decode(_ bytes: [UInt8], symbol: String) throws(RecorderError) -> [TickRecord] {
        var reader = Reader(bytes: bytes)
        guard try reader.byte() == version else { throw .corruptData(reason: "tick block version \(bytes[0])") }
        let defaults = [try reader.exponent(), try reader.exponent()]
        var previous = Previous()
        var ticks: [TickRecord] = []
        while !reader.atEnd {
            let flags = try reader.byte()
            guard let kind = TickKind(rawValue: flags & 0x03), flags & 0xE0 == 0 else {
                throw .corruptData(reason: "tick flags \(flags) in a \(symbol) block")
            }
            let sideBits = (flags >> 2) & 0x03
            let side: Side? = sideBits == 0 ? nil : Side(rawValue: sideBits)
            if sideBits != 0 && side == nil { throw .corruptData(reason: "tick side \(sideBits) in a \(symbol) block") }
            var exponents = defaults + defaults
            if flags & 0x10 != 0 {
                for index in 0..<(kind == .bbo ? 4 : 2) { exponents[index] = try reader.exponent() }
            }
            previous.ns = previous.ns &+ (try reader.signed())
            previous.price = previous.price &+ (try reader.signed())
            previous.quantity = previous.quantity &+ (try reader.signed())
            let price = Price(mantissa: previous.price, exponent: exponents[0])
            let quantity = try makeQuantity(previous.quantity, exponents[1], symbol)
            if kind == .trade {
                ticks.append(.trade(symbol: symbol, ns: previous.ns, price: price, quantity: quantity, side: side))
                continue
            }
            let ask = Price(mantissa: previous.price &+ (try reader.signed()), exponent: exponents[2])
            previous.askQuantity = previous.askQuantity &+ (try reader.signed())
            let askQuantity = try makeQuantity(previous.askQuantity, exponents[3], symbol)
            ticks.append(
                .bbo(
                    symbol: symbol, ns: previous.ns, bidPrice: price, bidQuantity: quantity, askPrice: ask,
                    askQuantity: askQuantity))
        }
        return ticks
    }

    /// The values the next tick's differences are taken against.
    struct Previous: Sendable {
        var ns: Int64 = 0
        var price: Int64 = 0
        var quantity: Int64 = 0
        var askQuantity: Int64 = 0
    }

    /// Appends `value` zigzag-mapped (0, −1, 1, −2, … → 0, 1, 2, 3, …) as an LEB128 varint.
    static func putSigned(_ value: Int64, into bytes: inout [UInt8]) {
        var rest = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    private static func makeQuantity(_ mantissa: Int64, _ exponent: Int8, _ symbol: String) throws(RecorderError)
        -> Quantity
    {
        guard mantissa >= 0 else { throw .corruptData(reason: "negative quantity \(mantissa) in a \(symbol) block") }
        return Quantity(mantissa: mantissa, exponent: exponent)
    }

    /// Reads a block front to back, throwing on truncation.
    private struct Reader {
        let bytes: [UInt8]
        var offset = 0

        var atEnd: Bool { offset >= bytes.count }

        mutating func byte() throws(RecorderError) -> UInt8 {
            guard offset < bytes.count else { throw .corruptData(reason: "tick block truncated at byte \(offset)") }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func exponent() throws(RecorderError) -> Int8 {
            let value = Int8(bitPattern: try byte())
            guard (-18...18).contains(value) else { throw .corruptData(reason: "tick exponent \(value)") }
            return value
        }

        mutating func signed() throws(RecorderError) -> Int64 {
            var raw: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let next = try byte()
                guard shift < 64 else { throw .corruptData(reason: "tick varint longer than 10 bytes") }
                raw |= UInt64(next & 0x7F) << shift
                if next & 0x80 == 0 { break }
                shift += 7
            }
            return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
        }
    }
}
