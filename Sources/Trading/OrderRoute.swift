import EngineKit
import EngineModel

/// Where approved commands go: the C gateway (live), the Matching engine against the engine's own
/// books (simulation), or the journal alone (observation).
/// Every method is called from the intake thread only.
public protocol OrderRoute: AnyObject {
    /// Appends the engine's own answer (accepted, rejected) to the exec journal.
    func journal(_ report: ExecReport) -> Bool
    /// Sends a new order.
    func place(_ command: OrderCommand, producer: UInt64) -> Bool
    /// Cancels one order.
    func cancel(_ command: OrderCommand, producer: UInt64) -> Bool
    /// Cancels every open order of an instrument.
    func cancelAll(_ command: OrderCommand, producer: UInt64) -> Bool
    /// Asks the venue for an order's state (an outcome that became unknown).
    func queryStatus(_ command: OrderCommand) -> Bool
    /// Trading halted (e.g. an authentication failure), with the reason.
    var haltReason: String? { get }
    /// What the route is, for logs: "live", "simulation", "observation".
    var mode: String { get }
    /// Whether requests can go out now (the venue connection is open and subscribed).
    var isReady: Bool { get }
    /// Called on every pass of the order thread, between commands, with the wall clock (ns since
    /// the epoch): a route that works on its own (simulation: resting orders fill when the book
    /// moves) does it here. Must stay cheap when nothing changed. Returns whether it journaled.
    @discardableResult
    func poll(now: Int64) -> Bool
}

extension OrderRoute {
    /// Nothing to do between commands: the venue (live) or nobody (observation) drives orders.
    @discardableResult
    public func poll(now: Int64) -> Bool { false }
}

/// The live route: the C order gateway, which is also the exec journal's only writer.
public final class GatewayRoute: OrderRoute {
    /// The gateway.
    public let gateway: OrderGateway

    /// Routes through `gateway`.
    public init(gateway: OrderGateway) { self.gateway = gateway }

    public func journal(_ report: ExecReport) -> Bool { (try? gateway.journal(report)) != nil }
    public func place(_ command: OrderCommand, producer: UInt64) -> Bool {
        (try? gateway.place(command, producer: producer)) != nil
    }
    public func cancel(_ command: OrderCommand, producer: UInt64) -> Bool {
        (try? gateway.cancel(command, producer: producer)) != nil
    }
    public func cancelAll(_ command: OrderCommand, producer: UInt64) -> Bool {
        (try? gateway.cancelAll(command, producer: producer)) != nil
    }
    public func queryStatus(_ command: OrderCommand) -> Bool { (try? gateway.queryStatus(command)) != nil }
    public var haltReason: String? {
        let status = gateway.status
        return status.halted ? status.haltReason : nil
    }
    public var mode: String { "live" }
    public var isReady: Bool {
        let status = gateway.status
        return status.connected && status.subscribed
    }
}

/// Observation mode: commands are validated and answered, nothing leaves the box. Each accepted
/// order is then rejected with `mode` so that it ends; the journal has a Swift writer.
public final class ObservationRoute: OrderRoute {
    private let writer: ExecJournalWriter

    /// Writes the journal of `instance` (no gateway may run on it).
    public init(writer: ExecJournalWriter) { self.writer = writer }

    public func journal(_ report: ExecReport) -> Bool { writer.append(report) != nil }
    public func place(_ command: OrderCommand, producer: UInt64) -> Bool {
        var report = ExecReport(type: .rejected, instrument: command.instrument)
        report.clientOrderId = command.clientOrderId
        report.commandId = command.commandId
        report.producer = producer
        report.side = command.side
        report.orderType = command.type
        report.timeInForce = command.timeInForce
        report.price = command.price
        report.quantity = command.quantity
        report.code = 18
        report.orderState = 7
        report.flags = 1
        report.text = "observation mode: validated, not sent"
        return writer.append(report) != nil
    }
    public func cancel(_ command: OrderCommand, producer: UInt64) -> Bool { true }
    public func cancelAll(_ command: OrderCommand, producer: UInt64) -> Bool { true }
    public func queryStatus(_ command: OrderCommand) -> Bool { true }
    public var haltReason: String? { nil }
    public var mode: String { "observation" }
    public var isReady: Bool { true }
}
