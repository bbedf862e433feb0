extension Instrument {
    /// Quote assets recognised at the end of a symbol, longest first where one ends another.
    public static let knownQuoteAssets = [
        "FDUSD", "USDT", "USDC", "BUSD", "TUSD", "DAI", "EUR", "TRY", "BRL", "JPY", "BTC", "ETH", "BNB", "USD",
    ]

    /// A symbol's base and quote assets by its quote suffix ("BTCUSDT": BTC, USDT), for when the
    /// venue does not say them; a symbol with no known quote suffix trades against "QUOTE".
    public static func assets(ofSymbol symbol: String) -> (base: String, quote: String) {
        let upper = symbol.uppercased()
        for quote in knownQuoteAssets where upper.count > quote.count && upper.hasSuffix(quote) {
            return (String(upper.dropLast(quote.count)), quote)
        }
        return (upper, "QUOTE")
    }
}
