/// A parsed JSON document that keeps every number as the text it was sent as, so a WebSocket
/// API parameter such as `"price": 1000.0` is signed and read as `1000.0` (a `Codable` decode
/// would turn it into `1000`, and the signature would no longer match).
enum RawJSON: Equatable, Sendable {
    case string(String)
    /// A number, exactly as written.
    case number(String)
    case bool(Bool)
    case null
    case array([RawJSON])
    /// An object's members in document order.
    case object([(String, RawJSON)])

    static func == (lhs: RawJSON, rhs: RawJSON) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)), (.number(let a), .number(let b)): a == b
        case (.bool(let a), .bool(let b)): a == b
        case (.null, .null): true
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a.map(\.0) == b.map(\.0) && a.map(\.1) == b.map(\.1)
        default: false
        }
    }

    /// The parse failure.
    struct Invalid: Error {}

    /// Parses a complete document (RFC 8259; nesting depth at most 32).
    init(parsing text: String) throws(Invalid) {
        var parser = Parser(bytes: Array(text.utf8))
        self = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.index == parser.bytes.count else { throw Invalid() }
    }

    /// The member `name` of an object.
    subscript(name: String) -> RawJSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == name }?.1
    }

    /// A recursive-descent parser over UTF-8 bytes.
    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func value(depth: Int) throws(Invalid) -> RawJSON {
            guard depth < 32 else { throw Invalid() }
            skipSpace()
            guard index < bytes.count else { throw Invalid() }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            default: return .number(try number())
            }
        }

        mutating func object(depth: Int) throws(Invalid) -> RawJSON {
            index += 1
            var members: [(String, RawJSON)] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            while true {
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw Invalid() }
                let name = try string()
                skipSpace()
                try expect(":")
                members.append((name, try value(depth: depth + 1)))
                skipSpace()
                if try closes("}") { return .object(members) }
            }
        }

        mutating func array(depth: Int) throws(Invalid) -> RawJSON {
            index += 1
            var items: [RawJSON] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(items)
            }
            while true {
                items.append(try value(depth: depth + 1))
                skipSpace()
                if try closes("]") { return .array(items) }
            }
        }

        /// After a member or item: `,` (false) or the closing bracket (true).
        mutating func closes(_ bracket: Unicode.Scalar) throws(Invalid) -> Bool {
            guard index < bytes.count else { throw Invalid() }
            let byte = bytes[index]
            index += 1
            if byte == UInt8(ascii: ",") { return false }
            guard byte == UInt8(ascii: bracket) else { throw Invalid() }
            return true
        }

        mutating func expect(_ scalar: Unicode.Scalar) throws(Invalid) {
            guard index < bytes.count, bytes[index] == UInt8(ascii: scalar) else { throw Invalid() }
            index += 1
        }

        mutating func literal(_ word: String) throws(Invalid) {
            let expected = Array(word.utf8)
            guard index + expected.count <= bytes.count, Array(bytes[index..<index + expected.count]) == expected else {
                throw Invalid()
            }
            index += expected.count
        }

        mutating func number() throws(Invalid) -> String {
            let start = index
            let allowed = Set("+-0123456789.eE".utf8)
            while index < bytes.count, allowed.contains(bytes[index]) { index += 1 }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            guard !text.isEmpty, Double(text) != nil, text.first != "+", !text.hasPrefix("."),
                !text.hasPrefix("-.")
            else { throw Invalid() }
            return text
        }

        mutating func string() throws(Invalid) -> String {
            index += 1
            var out: [UInt8] = []
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""): return String(decoding: out, as: UTF8.self)
                case UInt8(ascii: "\\"): try escape(into: &out)
                case 0..<0x20: throw Invalid()
                default: out.append(byte)
                }
            }
            throw Invalid()
        }

        mutating func escape(into out: inout [UInt8]) throws(Invalid) {
            guard index < bytes.count else { throw Invalid() }
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(byte)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800..<0xDC00).contains(code) {
                    try literal("\\u")
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw Invalid() }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(code) else { throw Invalid() }
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            default: throw Invalid()
            }
        }

        mutating func hex4() throws(Invalid) -> UInt32 {
            guard index + 4 <= bytes.count,
                let code = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
            else { throw Invalid() }
            index += 4
            return code
        }
    }
}
