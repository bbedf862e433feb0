/// One WebSocket API request, `{"id":…,"method":"order.place","params":{…}}`, with its
/// parameters as the text Binance signs: strings as sent, numbers and booleans as their JSON
/// spelling, arrays of strings as JSON text (`["BTCUSDT","ETHUSDT"]`, as REST takes them).
struct WSAPIRequest: Sendable {
    /// The request id, echoed in the response: an integer, a string or null.
    let id: JSONValue
    /// The method name without a `v3/` prefix ("order.place").
    let method: String
    /// Parameter name → value text.
    let params: [String: String]

    /// Why a frame is not a request; the response still carries the id when one was read.
    struct Malformed: Error {
        /// The id, if the frame had one.
        let id: JSONValue
        /// What was wrong.
        let error: RESTError
    }

    /// Parses a text frame.
    init(text: String) throws(Malformed) {
        let malformed = RESTError(code: -1000, msg: "Malformed request.")
        guard let frame = try? RawJSON(parsing: text), case .object = frame else {
            throw Malformed(id: .null, error: malformed)
        }
        switch frame["id"] {
        case .number(let text)?:
            guard let value = Int64(text) else { throw Malformed(id: .null, error: malformed) }
            id = .int(value)
        case .string(let text)?: id = .string(text)
        case .null?, nil: id = .null
        default: throw Malformed(id: .null, error: malformed)
        }
        guard case .string(let method)? = frame["method"], !method.isEmpty else {
            throw Malformed(id: id, error: .mandatory("method"))
        }
        self.method = method.hasPrefix("v3/") ? String(method.dropFirst(3)) : method
        var params: [String: String] = [:]
        switch frame["params"] {
        case .object(let members)?:
            for (name, value) in members {
                guard let text = Self.text(of: value) else {
                    let error = RESTError.illegalCharacters(name, "a string, number, boolean or string array")
                    throw Malformed(id: id, error: error)
                }
                guard params[name] == nil else { throw Malformed(id: id, error: .duplicateParameter) }
                params[name] = text
            }
        case .null?, nil: break
        default: throw Malformed(id: id, error: malformed)
        }
        self.params = params
    }

    /// A parameter's text: strings as sent, numbers as written, booleans as `true`/`false`,
    /// arrays of strings as compact JSON; nil for other values.
    private static func text(of value: RawJSON) -> String? {
        switch value {
        case .string(let text), .number(let text): return text
        case .bool(let flag): return flag ? "true" : "false"
        case .array(let items):
            var strings: [JSONValue] = []
            for item in items {
                guard case .string(let text) = item else { return nil }
                strings.append(.string(text))
            }
            return JSONValue.array(strings).serialized()
        case .null, .object: return nil
        }
    }

    /// The HMAC payload Binance documents for the WebSocket API: every parameter but
    /// `signature`, sorted by name, as `name=value` joined by `&`, values in UTF-8 as sent.
    var signaturePayload: String {
        params.filter { $0.key != "signature" }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            .joined(separator: "&")
    }

    /// The same payload with every value form-encoded, which is what Binance's own Python
    /// connectors sign (`urlencode`); identical to `signaturePayload` for the usual
    /// alphanumeric values, and accepted as well.
    var formEncodedSignaturePayload: String {
        params.filter { $0.key != "signature" }.sorted { $0.key < $1.key }
            .map { "\(Self.formEncode($0.key))=\(Self.formEncode($0.value))" }.joined(separator: "&")
    }

    /// The parameters as a REST query string (form-encoded), leaving out `excluded`.
    func query(excluding excluded: Set<String>) -> String {
        params.filter { !excluded.contains($0.key) }.sorted { $0.key < $1.key }
            .map { "\(Self.formEncode($0.key))=\(Self.formEncode($0.value))" }.joined(separator: "&")
    }

    /// Form encoding as Python's `urlencode` writes it: unreserved characters kept, space as
    /// `+`, every other byte `%XX`.
    static func formEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "): out += "+"
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (byte < 16 ? "0" + hex : hex)
            }
        }
        return out
    }
}
