/// Makes client order ids: a prefix and a decimal counter ("tw7f3a-42"), always matching
/// Binance's `^[a-zA-Z0-9-_]{1,36}$` (and fitting `tw_command_t.client_order_id`, 40 bytes).
///
/// Ids must never repeat across engine restarts, or the venue refuses them as duplicates; the
/// owner therefore puts something unique per session in the prefix (the segment generation in
/// base 36, say) or starts the counter where the recorder left it.
public struct ClientOrderIdGenerator: Hashable, Sendable {
    /// Why a prefix or an id is refused.
    public enum IdError: Error, Hashable, Sendable, CustomStringConvertible {
        /// The prefix is empty or longer than `maxPrefixLength`.
        case prefixLength(String)
        /// The id is empty or longer than `maxLength`.
        case idLength(String)
        /// The text has a character outside `a-z A-Z 0-9 - _`.
        case invalidCharacter(String)

        /// A one-line message.
        public var description: String {
            switch self {
            case .prefixLength(let prefix):
                "client order id prefix \"\(prefix)\" must be 1...\(ClientOrderIdGenerator.maxPrefixLength) characters"
            case .idLength(let id):
                "client order id \"\(id)\" must be 1...\(ClientOrderIdGenerator.maxLength) characters"
            case .invalidCharacter(let text):
                "\"\(text)\" may only contain a-z, A-Z, 0-9, \"-\" and \"_\""
            }
        }
    }

    /// The longest id a venue accepts (Binance: 36).
    public static let maxLength = 36

    /// The longest prefix: room is kept for "-" and the 20 digits of `UInt64.max`.
    public static let maxPrefixLength = maxLength - 21

    /// The prefix every id starts with.
    public let prefix: String

    /// The counter the next id will carry.
    public private(set) var next: UInt64

    /// A generator of "<prefix>-<counter>" ids, counting from `start`.
    public init(prefix: String, start: UInt64 = 1) throws(IdError) {
        guard !prefix.isEmpty, prefix.utf8.count <= Self.maxPrefixLength else { throw .prefixLength(prefix) }
        guard Self.hasValidCharacters(prefix) else { throw .invalidCharacter(prefix) }
        self.prefix = prefix
        self.next = start
    }

    /// The next id; the counter wraps at `UInt64.max` (never in practice).
    public mutating func nextId() -> String {
        let id = "\(prefix)-\(next)"
        next &+= 1
        return id
    }

    /// Whether `id` matches `^[a-zA-Z0-9-_]{1,36}$`.
    public static func isValid(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= maxLength && hasValidCharacters(id)
    }

    /// Checks `id` as `isValid` does, saying why not.
    public static func validate(_ id: String) throws(IdError) {
        guard !id.isEmpty, id.utf8.count <= maxLength else { throw .idLength(id) }
        guard hasValidCharacters(id) else { throw .invalidCharacter(id) }
    }

    /// Whether every byte is in `a-z A-Z 0-9 - _`.
    static func hasValidCharacters(_ text: String) -> Bool {
        text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                true
            default:
                false
            }
        }
    }
}
