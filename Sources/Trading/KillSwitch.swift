import Synchronization

/// The kill switch (seed 002 FR-SE-005): ACTIVE (orders pass risk as usual), REDUCING (only orders
/// that reduce a position pass) or HALTED (every new order is refused). Set by an operator
/// (`engine risk halt|reduce|resume`) or by the engine itself (a reconciliation mismatch above
/// its threshold, an authentication failure), with the reason it says. Read by the intake on
/// every order, set from any thread.
public final class KillSwitch: Sendable {
    /// The switch's positions.
    public enum State: String, Sendable, Hashable, CaseIterable {
        case active, reducing, halted
    }

    /// The switch's position, why, and since when (ns since the epoch).
    public struct Status: Sendable, Hashable {
        public var state: State
        public var reason: String
        public var sinceNs: Int64
    }

    private let status: Mutex<Status>

    /// An active switch.
    public init(now: Int64 = 0) { status = Mutex(Status(state: .active, reason: "", sinceNs: now)) }

    /// The switch as it stands.
    public var current: Status { status.withLock { $0 } }

    /// Moves the switch; returns the state it left.
    @discardableResult
    public func set(_ state: State, reason: String, now: Int64) -> State {
        status.withLock { s in
            let previous = s.state
            s = Status(state: state, reason: reason, sinceNs: now)
            return previous
        }
    }

    /// Whether a new order passes: halted refuses all; reducing passes an order only when
    /// `reduces` says it brings the position closer to flat.
    public func admits(reduces: () -> Bool) -> (admitted: Bool, reason: String) {
        let s = current
        switch s.state {
        case .active: return (true, "")
        case .halted: return (false, "trading halted: \(s.reason)")
        case .reducing:
            return reduces() ? (true, "") : (false, "reduce-only: the order would not reduce a position (\(s.reason))")
        }
    }
}
