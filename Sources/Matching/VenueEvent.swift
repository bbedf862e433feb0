import EngineModel

/// Something the venue publishes as a consequence of a call, in the order a real venue sends
/// it: for each account, its `executionReport`s then its `outboundAccountPosition`; then the
/// public trades, the diff-depth update and the book ticker of the symbol.
///
/// The transport layer routes each event to the account's user data stream or to the
/// symbol's market streams and serialises it there.
public enum VenueEvent: Hashable, Sendable {
    /// An `executionReport` for the order's account.
    case execution(ExecutionReport)
    /// An `outboundAccountPosition`: the account's changed balances.
    case accountPosition(AccountPosition)
    /// A `balanceUpdate`: a deposit or withdrawal.
    case balanceUpdate(BalanceUpdate)
    /// A `trade` on the symbol's public stream.
    case trade(PublicTrade)
    /// A `depthUpdate` with the changed levels and their update ids.
    case depth(DepthUpdate)
    /// A `bookTicker`: the best bid and ask changed.
    case bookTicker(BookTicker)

    /// The execution report, if this is one.
    public var executionReport: ExecutionReport? {
        if case .execution(let report) = self { return report }
        return nil
    }

    /// The account the event belongs to, for user-stream events.
    public var account: AccountID? {
        switch self {
        case .execution(let report): report.account
        case .accountPosition(let position): position.account
        case .balanceUpdate(let update): update.account
        case .trade, .depth, .bookTicker: nil
        }
    }
}

/// `outboundAccountPosition`: the balances of the assets a call may have changed.
public struct AccountPosition: Hashable, Sendable {
    /// The account.
    public let account: AccountID

    /// `u`: when the balances last changed (the caller's clock).
    public let updateTime: Int64

    /// `B`: the balances, sorted by asset.
    public let balances: [VenueBalance]
}

/// `balanceUpdate`: a deposit (positive delta) or withdrawal (negative).
public struct BalanceUpdate: Hashable, Sendable {
    /// The account.
    public let account: AccountID

    /// `a`: the asset.
    public let asset: String

    /// `d`: the signed change, at the asset's exponent.
    public let delta: Price

    /// `T`: when it happened (the caller's clock).
    public let time: Int64
}
