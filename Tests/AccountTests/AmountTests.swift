import Account
import EngineModel
import Testing

@Suite struct AmountTests {
    @Test func notionalRoundsHalfAwayFromZero() {
        let price = Price("64000.01", exponent: -2)
        let quantity = Quantity("0.00123", exponent: -5)
        #expect(Amount.notional(price, quantity).description == "78.7200123")
        #expect(Amount(mantissa: 15, exponent: -9).e8 == 2)
        #expect(Amount(mantissa: -15, exponent: -9).e8 == -2)
        #expect(Amount(mantissa: 14, exponent: -9).e8 == 1)
    }

    @Test func decimalTextRoundTrips() {
        for text in ["0", "0.00000001", "-12.5", "64000", "92233720368.54775807"] {
            #expect(Amount(parsing: text)?.description == text)
        }
        #expect(Amount(parsing: "0.000000001") == nil)
        #expect(Amount(parsing: "1e3") == nil)
    }
}
