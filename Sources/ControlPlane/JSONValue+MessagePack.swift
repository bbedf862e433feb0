/// MessagePack (msgpack.org spec, the dashboard's binary format, FR-DS-004): the same document as
/// the JSON text, smallest encoding of each value, map keys in sorted order.
extension JSONValue {
    /// The value as MessagePack bytes.
    public var messagePack: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        pack(into: &out)
        return out
    }

    private func pack(into out: inout [UInt8]) {
        switch self {
        case .null: out.append(0xc0)
        case .bool(let v): out.append(v ? 0xc3 : 0xc2)
        case .int(let v): Self.packInt(v, into: &out)
        case .double(let v):
            out.append(0xcb)
            Self.bigEndian(v.bitPattern, bytes: 8, into: &out)
        case .string(let v):
            let bytes = Array(v.utf8)
            Self.header(bytes.count, fix: 0xa0, fixMax: 31, small: 0xd9, medium: 0xda, large: 0xdb, into: &out)
            out += bytes
        case .array(let v):
            Self.header(v.count, fix: 0x90, fixMax: 15, small: nil, medium: 0xdc, large: 0xdd, into: &out)
            for element in v { element.pack(into: &out) }
        case .object(let v):
            Self.header(v.count, fix: 0x80, fixMax: 15, small: nil, medium: 0xde, large: 0xdf, into: &out)
            for key in v.keys.sorted() {
                JSONValue.string(key).pack(into: &out)
                v[key]!.pack(into: &out)
            }
        }
    }

    private static func packInt(_ v: Int64, into out: inout [UInt8]) {
        switch v {
        case 0...0x7f: out.append(UInt8(v))
        case -32..<0: out.append(UInt8(bitPattern: Int8(v)))
        case 0x80...0xff: out += [0xcc, UInt8(v)]
        case 0x100...0xffff:
            out.append(0xcd)
            bigEndian(UInt64(v), bytes: 2, into: &out)
        case 0x1_0000...0xffff_ffff:
            out.append(0xce)
            bigEndian(UInt64(v), bytes: 4, into: &out)
        case 0x1_0000_0000...Int64.max:
            out.append(0xcf)
            bigEndian(UInt64(v), bytes: 8, into: &out)
        case -128 ..< -32: out += [0xd0, UInt8(bitPattern: Int8(v))]
        case -32768 ..< -128:
            out.append(0xd1)
            bigEndian(UInt64(bitPattern: v), bytes: 2, into: &out)
        case -2_147_483_648 ..< -32768:
            out.append(0xd2)
            bigEndian(UInt64(bitPattern: v), bytes: 4, into: &out)
        default:
            out.append(0xd3)
            bigEndian(UInt64(bitPattern: v), bytes: 8, into: &out)
        }
    }

    private static func header(
        _ count: Int, fix: UInt8, fixMax: Int, small: UInt8?, medium: UInt8, large: UInt8, into out: inout [UInt8]
    ) {
        if count <= fixMax {
            out.append(fix | UInt8(count))
        } else if let small, count <= 0xff {
            out += [small, UInt8(count)]
        } else if count <= 0xffff {
            out.append(medium)
            bigEndian(UInt64(count), bytes: 2, into: &out)
        } else {
            out.append(large)
            bigEndian(UInt64(count), bytes: 4, into: &out)
        }
    }

    private static func bigEndian(_ v: UInt64, bytes: Int, into out: inout [UInt8]) {
        for i in stride(from: bytes - 1, through: 0, by: -1) {
            out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))))
        }
    }
}
