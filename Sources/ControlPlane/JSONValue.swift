import Foundation

/// A JSON document the control plane serves: built once, compared for changes, written as JSON
/// text or MessagePack. Decimals stay strings (never floats); ints are exact.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The value of a Foundation JSON object (`[String: Any]`, arrays, strings, numbers, NSNull);
    /// anything else becomes its description.
    public init(any value: Any?) {
        switch value {
        case nil, is NSNull: self = .null
        case let v as JSONValue: self = v
        case let v as String: self = .string(v)
        case let v as NSNumber:
            // Foundation's own numbers (JSONSerialization's, and Swift's bridged): the type code
            // tells a boolean ("c") from an integer or a floating-point number.
            switch String(cString: v.objCType) {
            case "c", "B": self = .bool(v.boolValue)
            case "d", "f": self = .double(v.doubleValue)
            case "Q", "L", "I", "S", "C":
                self = v.uint64Value <= UInt64(Int64.max) ? .int(Int64(v.uint64Value)) : .double(v.doubleValue)
            default: self = .int(v.int64Value)
            }
        case let v as [Any]: self = .array(v.map { JSONValue(any: $0) })
        case let v as [String: Any]: self = .object(v.mapValues { JSONValue(any: $0) })
        case let v as [String: String]: self = .object(v.mapValues { .string($0) })
        case let v as [String: Int]: self = .object(v.mapValues { .int(Int64($0)) })
        default: self = .string("\(value!)")
        }
    }

    /// A member of an object, or nil.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The string, or nil.
    public var string: String? { if case .string(let s) = self { s } else { nil } }

    /// The integer, or nil.
    public var int: Int64? { if case .int(let i) = self { i } else { nil } }

    /// The array's elements, or nil.
    public var array: [JSONValue]? { if case .array(let a) = self { a } else { nil } }

    /// The value as Foundation objects (for code that builds `[String: Any]`).
    public var any: Any {
        switch self {
        case .null: NSNull()
        case .bool(let v): v
        case .int(let v): Int(v)
        case .double(let v): v
        case .string(let v): v
        case .array(let v): v.map(\.any)
        case .object(let v): v.mapValues(\.any)
        }
    }

    /// JSON text, keys sorted, no whitespace.
    public var jsonText: String {
        var out = ""
        out.reserveCapacity(256)
        write(into: &out)
        return out
    }

    /// JSON text as bytes.
    public var jsonData: Data { Data(jsonText.utf8) }

    private func write(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let v): out += v ? "true" : "false"
        case .int(let v): out += String(v)
        case .double(let v): out += v.isFinite ? "\(v)" : "null"
        case .string(let v): Self.quote(v, into: &out)
        case .array(let v):
            out += "["
            for (i, element) in v.enumerated() {
                if i > 0 { out += "," }
                element.write(into: &out)
            }
            out += "]"
        case .object(let v):
            out += "{"
            for (i, key) in v.keys.sorted().enumerated() {
                if i > 0 { out += "," }
                Self.quote(key, into: &out)
                out += ":"
                v[key]!.write(into: &out)
            }
            out += "}"
        }
    }

    private static func quote(_ s: String, into out: inout String) {
        out += "\""
        // Most strings (decimals, symbols, ids) need no escape: append them whole.
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5c || $0 == 0x3c }) {
            out += s
            out += "\""
            return
        }
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<": out += "\\u003c"  // safe inside a page's script
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(nilLiteral: ()) { self = .null }
}
