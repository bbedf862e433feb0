import EngineModel

/// The parameters of one request, from the query string and the form-encoded body together, as
/// Binance reads them, plus the raw text a signature covers.
///
/// Accessors throw the error Binance gives for the parameter: -1102 when a mandatory one is
/// missing or malformed, -1100 for illegal characters, -1101 for duplicates.
public struct RequestParameters: Sendable {
    /// Name → decoded value, for every parameter sent (the signature included).
    private(set) var values: [String: String] = [:]
    /// Names in the order they were sent.
    private(set) var names: [String] = []
    /// Whether some name was sent more than once.
    private(set) var hasDuplicates = false
    /// The query string without its `signature` pair, as sent (still percent-encoded).
    public let signedQuery: String
    /// The body without its `signature` pair, as sent.
    public let signedBody: String

    /// Parses a raw query string (without "?") and a form-encoded body.
    public init(query: String, body: String) {
        var signedParts: [String] = []
        for raw in [query, body] {
            var kept: [Substring] = []
            for pair in raw.split(separator: "&", omittingEmptySubsequences: true) {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = Self.decode(parts[0])
                let value = parts.count > 1 ? Self.decode(parts[1]) : ""
                if values[name] != nil { hasDuplicates = true } else { names.append(name) }
                values[name] = value
                if name != "signature" { kept.append(pair) }
            }
            signedParts.append(kept.joined(separator: "&"))
        }
        signedQuery = signedParts[0]
        signedBody = signedParts[1]
    }

    /// The payload a signature covers: the query string followed directly by the body.
    public var signaturePayload: String { signedQuery + signedBody }

    /// How many distinct parameters were sent.
    var count: Int { names.count }

    /// The value of `name`, nil when absent; empty values count as absent.
    public subscript(name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }

    /// The value of a mandatory parameter; -1102 when missing or empty.
    func required(_ name: String) throws(RESTError) -> String {
        guard let value = self[name] else { throw .mandatory(name) }
        return value
    }

    /// An optional integer parameter; -1100 when it is not a plain integer.
    func integer(_ name: String) throws(RESTError) -> Int64? {
        guard let text = self[name] else { return nil }
        guard let value = Int64(text), text.first != "+" else {
            throw .illegalCharacters(name, "^[0-9]{1,20}$")
        }
        return value
    }

    /// A mandatory integer parameter; -1102 when missing or malformed.
    func requiredInteger(_ name: String) throws(RESTError) -> Int64 {
        guard let text = self[name], let value = Int64(text) else { throw .mandatory(name) }
        return value
    }

    /// An optional decimal parameter (price, quantity) parsed at Binance's eight decimals; -1100
    /// for a malformed value, -1111 for more than eight decimals.
    func decimal(_ name: String) throws(RESTError) -> Quantity? {
        guard let text = self[name] else { return nil }
        do throws(DecimalParseError) {
            let value = try Quantity(parsing: text, exponent: -8)
            guard value.mantissa >= 0 else { throw DecimalParseError.negative(input: text, subject: name) }
            return value
        } catch .tooPrecise {
            throw RESTError(.badPrecision(name))
        } catch {
            throw .illegalCharacters(name, "^([0-9]{1,20})(\\.[0-9]{1,20})?$")
        }
    }

    /// A symbol parameter, upper-cased; -1100 for characters outside Binance's pattern.
    func symbol(_ name: String = "symbol") throws(RESTError) -> String? {
        guard let text = self[name] else { return nil }
        let legal = text.count <= 20 && text.unicodeScalars.allSatisfy { Self.symbolCharacters.contains($0) }
        guard legal else { throw .illegalCharacters(name, "^[A-Z0-9-_.]{1,20}$") }
        return text.uppercased()
    }

    /// Refuses duplicates (-1101) and parameters outside `accepted` (-1104).
    func check(accepted: Set<String>) throws(RESTError) {
        if hasDuplicates { throw .duplicateParameter }
        let read = names.filter { accepted.contains($0) || $0 == "signature" }.count
        if read < names.count { throw .unreadParameters(read: read, sent: names.count) }
    }

    /// Characters a symbol may hold (Binance accepts lower case and upper-cases it).
    private static let symbolCharacters = Set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.".unicodeScalars)

    /// Percent-decodes a form component, `+` meaning space.
    static func decode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next(), let low = iterator.next(),
                    let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
                else { return String(text) }
                bytes.append(value)
            default: bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
