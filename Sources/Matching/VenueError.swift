import EngineModel

/// An order-entry or query failure, as Binance's spot API reports it: a numeric `code` and a
/// `msg` spelled exactly as the venue spells it, so a transport layer can send
/// `{"code":-2010,"msg":"Duplicate order sent."}` without translating anything.
///
/// Only the failures this simulator can produce are listed; the cases are closed so callers can
/// switch over them exhaustively.
public enum VenueError: Error, Hashable, Sendable, CustomStringConvertible {
    /// -1121: the symbol is not listed on the venue.
    case invalidSymbol

    /// -1013: a symbol filter refused the order ("Filter failure: LOT_SIZE").
    case filterFailure(SymbolFilter)

    /// -2010: an open order of the same account already uses this client order id.
    case duplicateOrder

    /// -2010: the account's free balance cannot cover what the order must lock.
    case insufficientBalance

    /// -2010: a LIMIT_MAKER order would take liquidity.
    case orderWouldTake

    /// -2010: a MARKET order by `quoteOrderQty` found no usable liquidity.
    case insufficientLiquidity(LiquidityShortfall)

    /// -2011: a cancel named an order that is not open for this account.
    case unknownOrder

    /// -2013: a query named an order the venue does not know (or no longer remembers).
    case orderDoesNotExist

    /// -1102: a parameter the order type needs was not sent.
    case mandatoryParameter(String)

    /// -1102: one of two parameters must be sent and neither was.
    case eitherParameter(String, String)

    /// -1106: a parameter was sent that this order type does not take.
    case parameterNotRequired(String)

    /// -1114: `timeInForce` was sent with an order type that does not take it.
    case timeInForceNotRequired

    /// -1111: a value has more decimals than the asset allows.
    case badPrecision(String)

    /// -1100: a parameter holds characters outside the legal pattern (client order ids).
    case illegalCharacters(parameter: String, legalRange: String)

    /// -1118: `newClientOrderId` was sent empty.
    case emptyClientOrderId

    /// Binance's error code (always negative).
    public var code: Int {
        switch self {
        case .invalidSymbol: -1121
        case .filterFailure: -1013
        case .duplicateOrder, .insufficientBalance, .orderWouldTake, .insufficientLiquidity: -2010
        case .unknownOrder: -2011
        case .orderDoesNotExist: -2013
        case .mandatoryParameter, .eitherParameter: -1102
        case .parameterNotRequired: -1106
        case .timeInForceNotRequired: -1114
        case .badPrecision: -1111
        case .illegalCharacters: -1100
        case .emptyClientOrderId: -1118
        }
    }

    /// Binance's message text, character for character.
    public var msg: String {
        switch self {
        case .invalidSymbol: "Invalid symbol."
        case .filterFailure(let filter): "Filter failure: \(filter.rawValue)"
        case .duplicateOrder: "Duplicate order sent."
        case .insufficientBalance: "Account has insufficient balance for requested action."
        case .orderWouldTake: "Order would immediately match and take."
        case .insufficientLiquidity(let shortfall): shortfall.message
        case .unknownOrder: "Unknown order sent."
        case .orderDoesNotExist: "Order does not exist."
        case .mandatoryParameter(let name): "Mandatory parameter '\(name)' was not sent, was empty/null, or malformed."
        case .eitherParameter(let a, let b): "Param '\(a)' or '\(b)' must be sent, but both were empty/null!"
        case .parameterNotRequired(let name): "Parameter '\(name)' sent when not required."
        case .timeInForceNotRequired: "TimeInForce parameter sent when not required."
        case .badPrecision(let name): "Parameter '\(name)' has too much precision."
        case .illegalCharacters(let name, let range):
            "Illegal characters found in parameter '\(name)'; legal range is '\(range)'."
        case .emptyClientOrderId: "New client order ID was empty."
        }
    }

    /// `"<code> <msg>"`, e.g. `-2011 Unknown order sent.`
    public var description: String { "\(code) \(msg)" }
}

/// The symbol filters whose failures the simulator reports; the raw value is Binance's
/// `filterType` name, which is also what the error message quotes.
public enum SymbolFilter: String, Hashable, Sendable, CaseIterable {
    /// Price below `minPrice`, above `maxPrice`, or off the tick.
    case priceFilter = "PRICE_FILTER"
    /// Quantity below `minQty`, above `maxQty`, or off the step.
    case lotSize = "LOT_SIZE"
    /// Price × quantity outside `minNotional`…`maxNotional`.
    case notional = "NOTIONAL"
}

/// Why a MARKET order by `quoteOrderQty` could not be given a quantity.
public enum LiquidityShortfall: Hashable, Sendable {
    /// The opposite side of the book is empty.
    case emptyBook
    /// The whole opposite side holds less than LOT_SIZE's `minQty`.
    case belowLotSizeMinimum

    /// Binance's message for the shortfall.
    public var message: String {
        switch self {
        case .emptyBook: "Order book liquidity is less than symbol minimum quantity."
        case .belowLotSizeMinimum: "Order book liquidity is less than `LOT_SIZE` filter minimum quantity."
        }
    }
}
