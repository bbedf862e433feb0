import EngineModel

/// Who owns orders and balances on the simulated venue: one account per API key (the transport
/// layer maps `X-MBX-APIKEY` to it).
public struct AccountID: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The identifier, e.g. the API key or a readable name ("alice", "participant").
    public let rawValue: String

    /// An account identified by `rawValue`.
    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    /// An account from a string literal: `let alice: AccountID = "alice"`.
    public init(stringLiteral value: String) {
        self.rawValue = value
    }

    /// Orders accounts by identifier, for stable listings.
    public static func < (lhs: AccountID, rhs: AccountID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The identifier.
    public var description: String { rawValue }
}

/// One asset's balance in an account, as `GET /api/v3/account` and `outboundAccountPosition`
/// report it.
public struct VenueBalance: Hashable, Sendable {
    /// The asset ("BTC", "USDT").
    public let asset: String

    /// Available for new orders, at the asset's exponent.
    public let free: Quantity

    /// Held by open orders, at the asset's exponent.
    public let locked: Quantity

    /// A balance from its parts.
    public init(asset: String, free: Quantity, locked: Quantity) {
        self.asset = asset
        self.free = free
        self.locked = locked
    }
}
