/// One balanced entry of the double-entry ledger: debit positive, credit negative.
public struct Posting: Hashable, Sendable, Codable {
    /// The transaction it belongs to (every transaction's postings sum to zero per asset).
    public var transactionId: String
    /// What the transaction records, deduplicated by: "sim:1234" (a fill), "sim:funding:…".
    public var eventKey: String
    /// "assets:spot:USDT", "equity:trading:BTCUSDT", "expenses:fees", "income:funding", "equity:opening", …
    public var account: String
    public var asset: String
    public var amount: Amount
    public var venueNs: Int64

    public init(transactionId: String, eventKey: String, account: String, asset: String, amount: Amount, venueNs: Int64) {
        self.transactionId = transactionId
        self.eventKey = eventKey
        self.account = account
        self.asset = asset
        self.amount = amount
        self.venueNs = venueNs
    }
}

/// A difference between the engine's view and the venue's (seed 002 Discrepancy).
public struct Discrepancy: Hashable, Sendable, Codable {
    /// "balance", "position", "order" or "fill".
    public var kind: String
    /// The symbol, asset, client order id or trade id it concerns.
    public var symbol: String
    public var localSize: Amount
    public var exchangeSize: Amount
    public var difference: Amount { exchangeSize - localSize }
    /// |difference| over |exchange| (|local| when the venue says 0), in basis points.
    public var differenceBps: Int
    public var detail: String

    public init(kind: String, symbol: String, localSize: Amount, exchangeSize: Amount, differenceBps: Int, detail: String) {
        self.kind = kind
        self.symbol = symbol
        self.localSize = localSize
        self.exchangeSize = exchangeSize
        self.differenceBps = differenceBps
        self.detail = detail
    }
}

/// The outcome of comparing the account with the venue (seed 002 ReconciliationReport).
public struct ReconciliationReport: Hashable, Sendable, Codable {
    public var timestamp: Int64
    public var positionsChecked: Int
    public var balancesChecked: Int
    public var ordersChecked: Int
    public var tradesChecked: Int
    /// Venue trades the engine had not seen (taken in now, each exactly once).
    public var missingFills: Int
    public var discrepancies: [Discrepancy]
    public var mismatchesFound: Int { discrepancies.count }
    /// Some discrepancy was above the threshold: trading is halted until `engine risk resume`.
    public var exceededThreshold: Bool
    public var durationNs: Int64

    public init(
        timestamp: Int64, positionsChecked: Int, balancesChecked: Int, ordersChecked: Int, tradesChecked: Int,
        missingFills: Int, discrepancies: [Discrepancy], exceededThreshold: Bool, durationNs: Int64
    ) {
        self.timestamp = timestamp
        self.positionsChecked = positionsChecked
        self.balancesChecked = balancesChecked
        self.ordersChecked = ordersChecked
        self.tradesChecked = tradesChecked
        self.missingFills = missingFills
        self.discrepancies = discrepancies
        self.exceededThreshold = exceededThreshold
        self.durationNs = durationNs
    }
}

/// seed 002 Alert.
public struct Alert: Hashable, Sendable, Codable {
    public enum Severity: String, Hashable, Sendable, Codable, CaseIterable { case info, warning, error, critical }
    public enum Category: String, Hashable, Sendable, Codable, CaseIterable { case position, balance, pnl, risk, system }

    public var id: String
    public var severity: Severity
    public var category: Category
    /// What raised it, stable across repeats ("daily_drawdown", "reconciliation_mismatch", …).
    public var rule: String
    public var message: String
    public var timestamp: Int64
    public var acknowledged: Bool

    public init(
        id: String, severity: Severity, category: Category, rule: String, message: String, timestamp: Int64,
        acknowledged: Bool = false
    ) {
        self.id = id
        self.severity = severity
        self.category = category
        self.rule = rule
        self.message = message
        self.timestamp = timestamp
        self.acknowledged = acknowledged
    }
}
