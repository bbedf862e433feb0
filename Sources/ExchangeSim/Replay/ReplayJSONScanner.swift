/// Finds the members of a JSON object's top level without parsing their values, so a
/// recorded envelope's `data` can be forwarded as the exact bytes the venue sent.
enum ReplayJSONScanner {
    /// The top-level members of the object `text` (keys unescaped only if they need no
    /// unescaping, which holds for Binance's keys), each value as the exact text slice; nil
    /// when `text` is not a well-formed object at the top level.
    static func members(_ text: Substring) -> [(key: Substring, value: Substring)]? {
        let bytes = text.utf8
        var index = bytes.startIndex
        func skipSpace() {
            while index < bytes.endIndex, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) {
                index = bytes.index(after: index)
            }
        }
        skipSpace()
        guard index < bytes.endIndex, bytes[index] == UInt8(ascii: "{") else { return nil }
        index = bytes.index(after: index)
        var members: [(Substring, Substring)] = []
        while true {
            skipSpace()
            guard index < bytes.endIndex else { return nil }
            if bytes[index] == UInt8(ascii: "}") { return members }
            if bytes[index] == UInt8(ascii: ",") {
                index = bytes.index(after: index)
                skipSpace()
            }
            guard index < bytes.endIndex, bytes[index] == UInt8(ascii: "\"") else { return nil }
            let keyStart = bytes.index(after: index)
            guard let keyEnd = endOfString(bytes, from: index) else { return nil }
            let key = text[keyStart..<bytes.index(before: keyEnd)]
            index = keyEnd
            skipSpace()
            guard index < bytes.endIndex, bytes[index] == UInt8(ascii: ":") else { return nil }
            index = bytes.index(after: index)
            skipSpace()
            let valueStart = index
            guard let valueEnd = endOfValue(bytes, from: index) else { return nil }
            members.append((key, text[valueStart..<valueEnd]))
            index = valueEnd
        }
    }

    /// The index after the string starting at `start` (a quote).
    private static func endOfString(_ bytes: Substring.UTF8View, from start: Substring.UTF8View.Index)
        -> Substring.UTF8View.Index?
    {
        var index = bytes.index(after: start)
        while index < bytes.endIndex {
            switch bytes[index] {
            case UInt8(ascii: "\\"):
                index = bytes.index(after: index)
                guard index < bytes.endIndex else { return nil }
            case UInt8(ascii: "\""):
                return bytes.index(after: index)
            default: break
            }
            index = bytes.index(after: index)
        }
        return nil
    }

    /// The index after the value starting at `start`: a string, an object or array (nested
    /// brackets balanced, strings skipped), or a bare literal up to `,` or `}`.
    private static func endOfValue(_ bytes: Substring.UTF8View, from start: Substring.UTF8View.Index)
        -> Substring.UTF8View.Index?
    {
        guard start < bytes.endIndex else { return nil }
        var index = start
        switch bytes[index] {
        case UInt8(ascii: "\""):
            return endOfString(bytes, from: index)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            while index < bytes.endIndex {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    guard let end = endOfString(bytes, from: index) else { return nil }
                    index = end
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return bytes.index(after: index) }
                default: break
                }
                index = bytes.index(after: index)
            }
            return nil
        default:
            while index < bytes.endIndex, bytes[index] != UInt8(ascii: ","), bytes[index] != UInt8(ascii: "}"),
                ![0x20, 0x09, 0x0A, 0x0D].contains(bytes[index])
            {
                index = bytes.index(after: index)
            }
            return index == start ? nil : index
        }
    }
}
