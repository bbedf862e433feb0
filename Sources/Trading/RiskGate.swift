import EngineKit
import EngineModel
import Execution
import Foundation
import Strategy
import Synchronization

/// Pre-trade risk for the intake (seed 002 FR-OE-002): the validator's rules (well-formed,
/// tick, lot, quantity limits, notional, price band around the live mid, position including
/// open orders), the order rate limit and the circuit breaker, which learns from the journal
/// (acks close it; venue failures and unknown outcomes open it). Intake thread only.
public final class RiskGate {
    private let validator: PreTradeValidator
    private var limiter: OrderRateLimiter
    private var breaker: CircuitBreaker
    private let clock: () -> Int64
    private let backoffNs: Int64
    /// Consulted before every other rule: halted refuses, reducing lets only reducing orders pass.
    public let killSwitch: KillSwitch
    /// The engine's position in an instrument (signed, at its quantity exponent), for reduce-only.
    private let position: (Int) -> Int64
    /// The risk limits every producer's orders pass (strategies, the CLI, external processes):
    /// position per symbol, total exposure, order frequency, daily loss, drawdown, leverage.
    private var limits: LimitGuard?
    /// Limits handed over by another thread (a reload), applied before the next check.
    private let pendingLimits = NSLock()
    private var nextLimits: RiskLimits?
    private let hasPendingLimits = Atomic<Bool>(false)
    /// The live mid of an instrument (nil when unknown), for the exposure limits.
    private let marks: (Int) -> Int64?
    /// Account figures for the daily-loss, drawdown and leverage limits.
    private let figures: () -> RiskFigures?

    /// A gate with `settings`; `clock` gives now in ns (injectable for tests); after the venue
    /// refuses an order for its rate limits, new orders are refused for `backoffNs`.
    public init(
        settings: ExecutionSettings, clock: @escaping () -> Int64, backoffNs: Int64 = 2_000_000_000,
        killSwitch: KillSwitch = KillSwitch(), position: @escaping (Int) -> Int64 = { _ in 0 },
        limits: LimitGuard? = nil, marks: @escaping (Int) -> Int64? = { _ in nil }, figures: @escaping () -> RiskFigures? = { nil }
    ) {
        self.limits = limits
        self.marks = marks
        self.figures = figures
        self.backoffNs = backoffNs
        self.killSwitch = killSwitch
        self.position = position
        validator = PreTradeValidator(settings: settings)
        limiter = settings.makeRateLimiter()
        breaker = settings.makeCircuitBreaker()
        self.clock = clock
    }

    /// Replaces the limits from another thread (`engine reload`); applied before the next check.
    /// Check them first (`LimitGuard.apply` on a copy): a set that does not resolve is dropped.
    public func requestLimits(_ new: RiskLimits) {
        pendingLimits.withLock {
            nextLimits = new
            hasPendingLimits.store(true, ordering: .releasing)
        }
    }

    /// The breaker's state name (closed, open, half_open).
    public var breakerState: String { breaker.state(now: clock()).name }

    /// The breaker's state as of the last check or journal record, for other threads (seed 002
    /// circuit_breaker_state: 0 closed, 1 open, 2 half open).
    public var breakerGauge: Int { publishedBreaker.load(ordering: .relaxed) }
    private let publishedBreaker = Atomic<Int>(0)

    private func publishBreaker(now: Int64) {
        let name = breaker.state(now: now).name
        // Relaxed: a gauge read by the control plane, paired with nothing.
        publishedBreaker.store(name == "open" ? 1 : name == "half_open" ? 2 : 0, ordering: .relaxed)
    }

    /// Checks one new order; when it passes, the rate limiter and the breaker count it as sent.
    public func check(_ command: OrderCommand, instrument: Instrument, mid: Price?, board: OrderBoard) -> OrderRejection? {
        let now = clock()
        let verdict = killSwitch.admits {
            let held = position(command.instrument)
            let signed = command.side == .buy ? command.quantity : -command.quantity
            return held != 0 && (held > 0) != (signed > 0) && command.quantity <= abs(held)
        }
        if !verdict.admitted { return OrderRejection(.halted, verdict.reason) }
        if hasPendingLimits.load(ordering: .acquiring), let next = pendingLimits.withLock({ () -> RiskLimits? in
            defer { nextLimits = nil }
            hasPendingLimits.store(false, ordering: .releasing)
            return nextLimits
        }) {
            try? limits?.apply(next)
        }
        if limits?.isActive == true {
            let refusal = limits!.check(
                instrument: command.instrument, side: command.side, quantity: command.quantity, price: command.price,
                position: position, mark: marks, figures: figures, now: now)
            if let refusal { return OrderRejection(refusal.rejectCode, "risk limit \(refusal.code.rawValue): \(refusal.text)") }
        }
        let exposure = board.keeper.openExposure(
            instrumentIndex: UInt32(command.instrument), quantityExponent: instrument.quantityExponent)
        let request = OrderRequest(
            clientOrderId: command.clientOrderId, instrumentIndex: UInt32(command.instrument), instrument: instrument,
            side: command.side, type: command.type, timeInForce: command.timeInForce,
            price: command.type == .market ? nil : Price(mantissa: command.price, exponent: instrument.priceExponent),
            quantity: Quantity(mantissa: command.quantity, exponent: instrument.quantityExponent),
            strategyId: command.strategyId, commandId: command.commandId)
        let context = ValidationContext(
            mid: mid, openExposure: exposure, quantityExponent: instrument.quantityExponent,
            rate: limiter.check(now: now), breaker: breaker.check(now: now))
        defer { publishBreaker(now: now) }
        if let rejection = validator.firstFailure(request, context: context) { return rejection }
        _ = limiter.acquire(now: now)
        _ = breaker.acquire(now: now)
        return nil
    }

    /// Learns from one journal record: the venue's answers feed the breaker.
    public func observe(_ record: ExecRecord) {
        guard case .report(let r) = record.body, !r.isLocal || r.type == .status else { return }
        let now = clock()
        defer { publishBreaker(now: now) }
        switch r.type {
        case .ack:
            breaker.recordSuccess(now: now)
        case .rejected where !r.isLocal:
            let failure = VenueFailureClass.classify(binanceCode: Int(r.code), request: .placeOrder)
            if failure == .retryAfterBackoff {
                // The venue's rate limits (-1003 weight, -1015 order count): send nothing until the
                // back-off has passed; the rejections say so with the rate code.
                limiter.backOff(untilNs: now + backoffNs)
            } else if failure.isRetryable || failure == .queryOutcome {
                breaker.recordFailure(now: now)
            }
        case .status where r.orderState == OrderState.unknown.abiValue:
            breaker.recordFailure(now: now)
        default:
            break
        }
    }
}

extension LimitRejection {
    /// The journal's reject code for a limit: position and exposure limits are `position`, the
    /// order frequency `rate`, the loss limits `halted`.
    var rejectCode: RejectCode {
        switch code {
        case .positionLimit, .totalExposure, .maxLeverage: .position
        case .orderFrequency: .rate
        case .dailyLoss, .maxDrawdown, .killSwitch: .halted
        case .noMarket: .noMarket
        }
    }
}
