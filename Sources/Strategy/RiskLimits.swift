import EngineModel

/// The risk limits every order of a strategy passes before it is sent (seed 002 FR-SE-005,
/// FR-AM-005). Amounts are in the quote asset at 1e-8 (`RiskLimits.scale`); nil: no limit.
public struct RiskLimits: Equatable, Sendable {
    /// Amounts are mantissas at 10^-8.
    public static let scale: Int8 = -8

    /// The largest absolute position per symbol, as a decimal of the base asset.
    public var maxPosition: [String: String] = [:]
    /// The largest absolute position of any symbol not named in `maxPosition`.
    public var defaultMaxPosition: String?
    /// The largest sum of |position| × mid over all instruments (quote, 1e-8).
    public var maxTotalExposure: Int64?
    /// The most orders sent per second (all strategies together).
    public var maxOrdersPerSecond: Int?
    /// Trading stops once the day's PnL is below minus this (quote, 1e-8).
    public var dailyLossLimit: Int64?
    /// Trading stops once the drawdown from the equity peak is above this (quote, 1e-8).
    public var maxDrawdown: Int64?
    /// The largest total exposure over equity, e.g. 3.0.
    public var maxLeverage: Double?

    public init() {}
}

/// The account figures the daily-loss, drawdown and leverage limits need; from the account
/// state live, from the backtest's own bookkeeping in a backtest. Quote asset at 1e-8.
public struct RiskFigures: Equatable, Sendable {
    public var dailyPnl: Int64
    public var drawdown: Int64
    public var equity: Int64

    public init(dailyPnl: Int64 = 0, drawdown: Int64 = 0, equity: Int64 = 0) {
        self.dailyPnl = dailyPnl
        self.drawdown = drawdown
        self.equity = equity
    }
}

/// Why an order was refused by the limits; `code` labels `signals_rejected_by_risk{reason}`.
public struct LimitRejection: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, CaseIterable, Sendable {
        case killSwitch = "kill_switch", positionLimit = "position_limit", totalExposure = "total_exposure",
            orderFrequency = "order_frequency", dailyLoss = "daily_loss", maxDrawdown = "max_drawdown",
            maxLeverage = "max_leverage", noMarket = "no_market"
    }

    public let code: Code
    public let text: String
    public init(_ code: Code, _ text: String) {
        self.code = code
        self.text = text
    }
    public var description: String { "\(code.rawValue): \(text)" }
}

/// Checks orders against `RiskLimits`; I/O free, one thread. The order-frequency window is kept
/// here; positions, marks and account figures are handed in per check.
public struct LimitGuard: Sendable {
    public private(set) var limits: RiskLimits
    private var maxPositions: [Int64?]
    private let instruments: [Instrument]
    /// Send times of the last second, oldest first (a ring of `maxOrdersPerSecond`).
    private var recent: [Int64] = []
    private var recentHead = 0
    /// Refusals by reason, over the guard's life.
    public private(set) var rejected: [LimitRejection.Code: Int] = [:]
    /// The number of instruments it checks.
    public var instrumentCount: Int { instruments.count }

    /// A guard for `instruments`; position limits resolved at their quantity exponents.
    public init(limits: RiskLimits, instruments: [Instrument]) throws(StrategyConfigError) {
        self.instruments = instruments
        self.limits = limits
        maxPositions = []
        try apply(limits)
    }

    /// Replaces the limits (hot reload); nothing changes when they do not resolve.
    public mutating func apply(_ new: RiskLimits) throws(StrategyConfigError) {
        var resolved: [Int64?] = []
        for instrument in instruments {
            guard let text = new.maxPosition[instrument.symbol] ?? new.defaultMaxPosition else {
                resolved.append(nil)
                continue
            }
            guard let q = try? Quantity(parsing: text, exponent: instrument.quantityExponent), q.mantissa >= 0 else {
                throw StrategyConfigError("risk: max position '\(text)' is not a quantity of \(instrument.symbol)")
            }
            resolved.append(q.mantissa)
        }
        for symbol in new.maxPosition.keys where !instruments.contains(where: { $0.symbol == symbol }) {
            throw StrategyConfigError("risk: max position names \(symbol), which is not one of the engine's instruments")
        }
        if let n = new.maxOrdersPerSecond, n <= 0 { throw StrategyConfigError("risk: max orders per second must be above zero") }
        if let l = new.maxLeverage, !(l > 0) { throw StrategyConfigError("risk: max leverage must be above zero") }
        limits = new
        active = new != RiskLimits()
        maxPositions = resolved
        recent = []
        recentHead = 0
    }

    /// The notional of `quantity` at `price` (mantissas of `instrument`) in the quote at 1e-8.
    public static func notional(price: Int64, quantity: Int64, _ instrument: Instrument) -> Int64 {
        let product = Int128(price) * Int128(quantity)
        let shift = Int(instrument.priceExponent) + Int(instrument.quantityExponent) - Int(RiskLimits.scale)
        var value = product
        if shift >= 0 {
            for _ in 0..<shift { value *= 10 }
        } else {
            for _ in 0..<(-shift) { value /= 10 }
        }
        return Int64(clamping: value)
    }

    /// Whether any limit is set (nothing to check otherwise).
    public var isActive: Bool { active }
    private var active = false

    /// Checks one order: `positions` are the signed positions per instrument (every strategy,
    /// with the working orders on the same side counted as if filled), `marks` the mid per
    /// instrument (nil when unknown). Passing orders count toward the frequency limit.
    public mutating func check(
        instrument index: Int, side: Side, quantity: Int64, price: Int64, positions: [Int64], marks: [Int64?],
        figures: RiskFigures?, now: Int64
    ) -> LimitRejection? {
        check(
            instrument: index, side: side, quantity: quantity, price: price, position: { positions[$0] },
            mark: { marks[$0] }, figures: { figures }, now: now)
    }

    /// `check` with positions, marks and figures read only as far as a limit needs them.
    public mutating func check(
        instrument index: Int, side: Side, quantity: Int64, price: Int64, position: (Int) -> Int64,
        mark: (Int) -> Int64?, figures: () -> RiskFigures?, now: Int64
    ) -> LimitRejection? {
        guard active else { return nil }
        if let refusal = firstFailure(index, side, quantity, price, position, mark, figures, now) {
            rejected[refusal.code, default: 0] += 1
            return refusal
        }
        if let n = limits.maxOrdersPerSecond {
            if recent.count < n { recent.append(now) } else {
                recent[recentHead] = now
                recentHead = (recentHead + 1) % n
            }
        }
        return nil
    }

    /// Counts a refusal made elsewhere (the kill switch) under its reason.
    public mutating func count(_ code: LimitRejection.Code) { rejected[code, default: 0] += 1 }

    private func firstFailure(
        _ index: Int, _ side: Side, _ quantity: Int64, _ price: Int64, _ position: (Int) -> Int64,
        _ mark: (Int) -> Int64?, _ readFigures: () -> RiskFigures?, _ now: Int64
    ) -> LimitRejection? {
        let instrument = instruments[index]
        let signed = side == .buy ? quantity : -quantity
        let held = position(index)
        let after = held + signed
        let reduces = abs(after) < abs(held)
        if let max = maxPositions[index], abs(after) > max, !reduces {
            return LimitRejection(
                .positionLimit, "\(instrument.symbol) position would be \(after) (limit ±\(max), mantissas at 1e\(instrument.quantityExponent))")
        }
        if let n = limits.maxOrdersPerSecond, recent.count >= n {
            let oldest = recent[recentHead]
            if now - oldest < 1_000_000_000 {
                return LimitRejection(.orderFrequency, "more than \(n) orders in one second")
            }
        }
        if !reduces, limits.dailyLossLimit != nil || limits.maxDrawdown != nil || limits.maxLeverage != nil,
            let figures = readFigures()
        {
            if let limit = limits.dailyLossLimit, figures.dailyPnl < -limit {
                return LimitRejection(.dailyLoss, "daily PnL \(figures.dailyPnl) is below the loss limit -\(limit) (1e-8)")
            }
            if let limit = limits.maxDrawdown, figures.drawdown > limit {
                return LimitRejection(.maxDrawdown, "drawdown \(figures.drawdown) is above the limit \(limit) (1e-8)")
            }
        }
        guard limits.maxTotalExposure != nil || limits.maxLeverage != nil, !reduces else { return nil }
        var exposure: Int64 = 0
        for i in instruments.indices {
            let held = i == index ? after : position(i)
            guard held != 0 else { continue }
            guard let mark = mark(i) ?? (i == index ? price : nil) else {
                return LimitRejection(.noMarket, "no mark for \(instruments[i].symbol) to value the exposure")
            }
            exposure = exposure.addingReportingOverflow(Self.notional(price: mark, quantity: abs(held), instruments[i])).partialValue
        }
        if let limit = limits.maxTotalExposure, exposure > limit {
            return LimitRejection(.totalExposure, "total exposure would be \(exposure) (limit \(limit), 1e-8)")
        }
        if let leverage = limits.maxLeverage, let figures = readFigures(), figures.equity > 0,
            Double(exposure) / Double(figures.equity) > leverage
        {
            return LimitRejection(.maxLeverage, "leverage would be \(Double(exposure) / Double(figures.equity)) (limit \(leverage))")
        }
        return nil
    }
}

/// A signed mantissa at `exponent` as decimal text ("-0.0125"), trailing zeros kept to the exponent.
public func signedDecimal(_ mantissa: Int64, exponent: Int8) -> String {
    let magnitude = "\(Quantity(mantissa: Int64(mantissa.magnitude), exponent: exponent))"
    return mantissa < 0 ? "-" + magnitude : magnitude
}
