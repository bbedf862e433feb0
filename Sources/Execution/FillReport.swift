import EngineModel

/// One trade of an order as the venue reported it (Binance executionReport with x=TRADE, or a
/// fill of an order response, or a fetched trade).
public struct FillReport: Hashable, Sendable {
    /// The venue's trade id: the duplicate-fill key.
    public var tradeId: UInt64
    /// The trade's price.
    public var price: Price
    /// The trade's quantity (> 0).
    public var quantity: Quantity
    /// The venue's cumulative filled quantity after this trade, when it says (Binance `z`).
    public var cumulativeQuantity: Quantity?
    /// The fee of this trade, in `feeAsset` (negative: a rebate).
    public var fee: Price
    /// The fee's asset ("BNB"); empty when there is no fee.
    public var feeAsset: String
    /// Whether the order was the maker of the trade.
    public var isMaker: Bool
    /// When the trade was received.
    public var ns: Int64
    /// Whether the venue says this trade completed the order (Binance X=FILLED).
    public var isLast: Bool

    /// A fill report.
    public init(
        tradeId: UInt64, price: Price, quantity: Quantity, cumulativeQuantity: Quantity? = nil,
        fee: Price = Price(mantissa: 0, exponent: 0), feeAsset: String = "", isMaker: Bool = false,
        ns: Int64, isLast: Bool = false
    ) {
        self.tradeId = tradeId
        self.price = price
        self.quantity = quantity
        self.cumulativeQuantity = cumulativeQuantity
        self.fee = fee
        self.feeAsset = feeAsset
        self.isMaker = isMaker
        self.ns = ns
        self.isLast = isLast
    }
}
