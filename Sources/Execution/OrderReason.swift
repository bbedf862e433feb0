/// Why an order, or a cancel, was refused: a code and a human text, as the exec journal's
/// `code` and `text` fields carry them.
///
/// Local rejections use a `RejectCode` (1…18); venue rejections use the venue's own code
/// (Binance's are negative, such as −2010). Zero means "no code" (a venue message without one).
public struct OrderReason: Hashable, Sendable, CustomStringConvertible {
    /// The journal code: a `RejectCode` raw value (> 0) or the venue's code (≤ 0).
    public var code: Int32
    /// The human reason ("price 100.005 is not a multiple of the tick size 0.01").
    public var text: String

    /// A reason from a journal code and text.
    public init(code: Int32, text: String) {
        self.code = code
        self.text = text
    }

    /// A local rejection; `text` defaults to the code's generic reason.
    public init(_ reject: RejectCode, text: String? = nil) {
        self.code = reject.journalCode
        self.text = text ?? reject.reason
    }

    /// The local reject code, or nil when this is a venue code.
    public var rejectCode: RejectCode? { RejectCode(journalCode: code) }

    /// Whether the code is one of the engine's own (`RejectCode`), not the venue's.
    public var isLocal: Bool { rejectCode != nil }

    /// "price_band: price is too far from the market mid", or "-2010: Order would immediately match".
    public var description: String {
        if let reject = rejectCode { return "\(reject.name): \(text)" }
        return "\(code): \(text)"
    }
}

/// A command refused by pre-trade validation: the reject code and a specific human text.
/// Thrown by `PreTradeValidator`.
public struct OrderRejection: Error, Hashable, Sendable, CustomStringConvertible {
    /// The rule that failed.
    public var code: RejectCode
    /// What exactly failed, naming the values ("BTCUSDT price 100.005 is not a multiple of 0.01").
    public var text: String

    /// A rejection; `text` defaults to the code's generic reason.
    public init(_ code: RejectCode, _ text: String? = nil) {
        self.code = code
        self.text = text ?? code.reason
    }

    /// The rejection as an order's reason (for `OrderEvent.rejected`).
    public var reason: OrderReason { OrderReason(code, text: text) }

    /// "tick: BTCUSDT price 100.005 is not a multiple of the tick size 0.01".
    public var description: String { "\(code.name): \(text)" }
}
