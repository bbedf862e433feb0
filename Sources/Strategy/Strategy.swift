import EngineModel

/// Read access to the books a strategy trades: live, the engine's books segment (a seqlocked read
/// of the levels asked for, nothing copied beyond them); in a backtest, the replayed book.
public protocol BookSource: AnyObject {
    /// Up to `depth` levels a side, best first; nil while the book cannot be read (not live).
    func levels(_ instrument: Int, depth: Int) -> (bids: [Level], asks: [Level])?
}

/// What a strategy can see besides its events: the instruments, the latest quote of each, its
/// own positions, the books, and the time of the event being handled. Nothing in it says whether
/// the run is live, simulated, observed or a backtest.
public final class StrategyContext {
    /// The engine's instruments, by index.
    public let instruments: [Instrument]
    private let books: BookSource?
    /// The latest quote per instrument (nil until the first book or BBO event).
    public internal(set) var quotes: [Quote?]
    /// The strategy's signed position per instrument (quantity mantissas), from its own fills.
    public internal(set) var positions: [Int64]
    /// The time of the event being handled, ns since the epoch.
    public internal(set) var now: Int64 = 0

    /// A context over `instruments`, reading depth from `books`.
    public init(instruments: [Instrument], books: BookSource?) {
        self.instruments = instruments
        self.books = books
        quotes = Array(repeating: nil, count: instruments.count)
        positions = Array(repeating: 0, count: instruments.count)
    }

    /// The index of a symbol (case-insensitive), optionally on one venue; `venue:SYMBOL`
    /// ("binance-futures:BTCUSDT") names the venue in the text.
    public func index(of symbol: String, venue: String? = nil) -> Int? {
        var venue = venue, name = Substring(symbol)
        if venue == nil, let colon = symbol.lastIndex(of: ":") {
            venue = String(symbol[..<colon]).lowercased()
            name = symbol[symbol.index(after: colon)...]
        }
        let wanted = name.uppercased()
        return instruments.firstIndex { $0.symbol == wanted && (venue == nil || $0.venue == venue) }
    }

    /// Up to `depth` levels a side of an instrument's book, best first.
    public func book(_ instrument: Int, depth: Int) -> (bids: [Level], asks: [Level])? {
        books?.levels(instrument, depth: depth)
    }

    /// The strategy's position in an instrument.
    public func position(_ instrument: Int) -> Int64 { positions[instrument] }

    /// A price mantissa rounded down (`up` false) or up to the instrument's tick.
    public func roundToTick(_ price: Int64, instrument: Int, up: Bool) -> Int64 {
        let tick = max(1, instruments[instrument].tickSize.mantissa)
        let down = price >= 0 ? price / tick * tick : -((-price + tick - 1) / tick * tick)
        return up && down != price ? down + tick : down
    }
}

/// A trading strategy (seed 002 FR-SE-001). It reacts to events by returning signals; the desk
/// turns signals into orders through the same risk checks as every producer. The same code runs
/// live, in simulation, in observation and in a backtest.
///
/// A strategy is driven by one thread; it may keep any state. A thrown error skips that one
/// call and is counted; repeated errors disable the strategy (the others keep running).
public protocol Strategy: AnyObject {
    /// The configured name (unique per engine).
    var name: String { get }
    /// The instrument indices it wants events of (resolved in `initialize`).
    var instruments: [Int] { get }
    /// Reads its parameters; a bad parameter throws `StrategyConfigError`. Called before any
    /// event and again on a hot reload (then with the running state kept).
    func initialize(_ config: StrategyConfig, context: StrategyContext) throws
    /// A book change, BBO or trade of one of its instruments.
    func onMarketData(_ update: MarketUpdate, context: StrategyContext) throws -> [Signal]
    /// One of its orders changed state.
    func onOrderUpdate(_ update: OrderStatusUpdate, context: StrategyContext) throws -> [Signal]
    /// One of its orders filled (in part).
    func onFill(_ fill: StrategyFill, context: StrategyContext) throws -> [Signal]
    /// Its position in an instrument changed.
    func onPositionUpdate(_ update: PositionUpdate, context: StrategyContext) throws -> [Signal]
    /// Figures for the control plane (`engine strategies`), e.g. its current quotes.
    var state: [String: String] { get }
}

extension Strategy {
    public func onOrderUpdate(_ update: OrderStatusUpdate, context: StrategyContext) throws -> [Signal] { [] }
    public func onFill(_ fill: StrategyFill, context: StrategyContext) throws -> [Signal] { [] }
    public func onPositionUpdate(_ update: PositionUpdate, context: StrategyContext) throws -> [Signal] { [] }
    public var state: [String: String] { [:] }
}
