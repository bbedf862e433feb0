import CEngineShm
import EngineKit
import EngineModel
import Execution

/// Decides one pre-trade check: nil passes, a rejection refuses. Given the command, its
/// instrument, the live mid (nil when the book is not live) and the board of orders.
public typealias PreTradeCheck = (OrderCommand, Instrument, Price?, OrderBoard) -> OrderRejection?

/// The engine's execution stage: takes every command from the lanes, decodes it (unknown enum
/// values refused), names it, checks it against pre-trade risk, and answers it in the exec
/// journal — accepted (then routed) or rejected with a code and a reason. No command reaches
/// the gateway any other way. Runs on one thread (the lanes' only consumer).
public final class OrderIntake {
    private let consumer: CommandConsumer
    private let route: OrderRoute
    private let instruments: [Instrument]
    private let check: PreTradeCheck
    private let mid: (Int) -> Price?
    private let counters: UnsafeMutablePointer<UInt64>
    private let idPrefix: String
    private var nextId: UInt64 = 1
    /// Client order ids accepted here whose ACCEPTED record the board has not seen yet.
    private var inFlight: [String: OrderCommand] = [:]
    /// The kill switch the risk commands move (`engine risk halt|reduce|resume`).
    private let killSwitch: KillSwitch?

    /// An intake over an instance's lanes. `mid` gives an instrument's live mid price (nil when
    /// its book is not live); `idPrefix` starts engine-made client order ids (unique per start).
    public init(
        instance: EngineInstance, route: OrderRoute, check: @escaping PreTradeCheck, mid: @escaping (Int) -> Price?,
        idPrefix: String, killSwitch: KillSwitch? = nil
    ) {
        self.killSwitch = killSwitch
        consumer = CommandConsumer(segment: instance.cmd, instrumentCount: instance.config.instruments.count)
        self.route = route
        self.instruments = instance.config.instruments
        self.check = check
        self.mid = mid
        self.counters = tw_stats_counters_mut(instance.stats.base)
        self.idPrefix = idPrefix
    }

    /// Handles at most one waiting command; false when none was waiting.
    public func step(board: OrderBoard) -> Bool {
        guard let incoming = consumer.next() else { return false }
        tw_counter_add(counters + Int(TW_CTR_CMD_CONSUMED.rawValue), 1)
        handle(incoming, board: board)
        return true
    }

    /// Forgets in-flight ids the board now knows.
    public func settle(board: OrderBoard) {
        guard !inFlight.isEmpty else { return }
        for id in inFlight.keys where board.order(clientOrderId: id) != nil { inFlight[id] = nil }
    }

    private func handle(_ incoming: IncomingCommand, board: OrderBoard) {
        var answer = ExecReport(type: .rejected, instrument: 0)
        answer.producer = incoming.producer
        answer.commandId = incoming.commandId
        answer.flags = UInt8(TW_EXEC_FLAG_LOCAL)
        let command: OrderCommand
        switch incoming.command {
        case .failure(let error):
            return reject(&answer, OrderRejection(.malformed, error.reason))
        case .success(let c):
            command = c
        }
        answer = ExecReport(type: .rejected, carrying: command, producer: incoming.producer)
        answer.commandId = incoming.commandId
        answer.flags = UInt8(TW_EXEC_FLAG_LOCAL)
        switch command.op {
        case .new: place(command, &answer, board: board)
        case .cancel, .cancelAll: cancel(command, &answer, board: board)
        case .riskHalt, .riskReduce, .riskResume: risk(command, &answer, board: board)
        }
    }

    /// Moves the kill switch; halting also cancels every open order (one cancel each: USD-M's
    /// WebSocket API has no cancel-all). Answered ACCEPTED with the switch's new state.
    private func risk(_ command: OrderCommand, _ answer: inout ExecReport, board: OrderBoard) {
        guard let killSwitch else { return reject(&answer, OrderRejection(.mode, "this engine has no kill switch")) }
        let state: KillSwitch.State = command.op == .riskHalt ? .halted : command.op == .riskReduce ? .reducing : .active
        let reason = command.clientOrderId.isEmpty ? "by an operator" : command.clientOrderId
        killSwitch.set(state, reason: reason, now: tw_realtime_ns())
        answer.type = .accepted
        answer.clientOrderId = ""
        answer.text = "kill switch \(state.rawValue): \(reason)"
        guard route.journal(answer) else { return }
        tw_counter_add(counters + Int(TW_CTR_CMD_ACCEPTED.rawValue), 1)
        guard state == .halted else { return }
        for order in board.keeper.openOrders {
            _ = route.cancel(
                OrderCommand(
                    op: .cancel, instrument: Int(order.instrumentIndex), clientOrderId: order.clientOrderId,
                    targetId: order.venueOrderId ?? 0), producer: answer.producer)
        }
    }

    private func place(_ original: OrderCommand, _ answer: inout ExecReport, board: OrderBoard) {
        var command = original
        if command.clientOrderId.isEmpty {
            command.clientOrderId = "\(idPrefix)\(nextId)"
            nextId += 1
            answer.clientOrderId = command.clientOrderId
        }
        let id = command.clientOrderId
        if let existing = board.order(clientOrderId: id) {
            // Idempotent: the same order submitted again answers with the existing one, sends nothing.
            guard existing.side == command.side, existing.quantity.mantissa == command.quantity,
                existing.type == command.type, (existing.price?.mantissa ?? 0) == command.price
            else { return reject(&answer, OrderRejection(.duplicate, "client order id \(id) names another order")) }
            answer.type = .accepted
            answer.orderState = existing.state.abiValue
            answer.text = "repeated submit: the existing order"
            return accept(answer, counted: true)
        }
        if let pending = inFlight[id] {
            guard pending == command || (pending.side == command.side && pending.quantity == command.quantity) else {
                return reject(&answer, OrderRejection(.duplicate, "client order id \(id) names another order"))
            }
            answer.type = .accepted
            answer.orderState = OrderState.pendingSubmit.abiValue
            answer.text = "repeated submit: the existing order"
            return accept(answer, counted: true)
        }
        if let halt = route.haltReason ?? board.haltReason {
            return reject(&answer, OrderRejection(.halted, "trading halted: \(halt)"))
        }
        let instrument = instruments[command.instrument]
        if let rejection = check(command, instrument, mid(command.instrument), board) {
            return reject(&answer, rejection)
        }
        answer.type = .accepted
        answer.orderState = OrderState.pendingSubmit.abiValue
        guard route.journal(answer) else { return }
        tw_counter_add(counters + Int(TW_CTR_CMD_ACCEPTED.rawValue), 1)
        inFlight[id] = command
        if !route.place(command, producer: answer.producer) {
            var failed = answer
            failed.type = .rejected
            failed.code = Int32(RejectCode.gateway.rawValue)
            failed.orderState = OrderState.rejected.abiValue
            failed.text = "the gateway's queue is full"
            _ = route.journal(failed)
        }
    }

    private func cancel(_ command: OrderCommand, _ answer: inout ExecReport, board: OrderBoard) {
        if command.op == .cancel {
            let known =
                command.targetId != 0
                ? board.order(venueOrderId: command.targetId) : board.order(clientOrderId: command.clientOrderId)
            if let known {
                answer.clientOrderId = known.clientOrderId
                answer.venueOrderId = known.venueOrderId ?? command.targetId
                answer.orderState = known.state.abiValue
            } else if command.targetId == 0 && inFlight[command.clientOrderId] == nil {
                // Not in this session: the venue may still know it (a previous session's order).
                answer.text = "order not in this session: asking the venue"
            }
        }
        answer.type = .accepted
        guard route.journal(answer) else { return }
        tw_counter_add(counters + Int(TW_CTR_CMD_ACCEPTED.rawValue), 1)
        var routed = command
        routed.clientOrderId = answer.clientOrderId
        routed.targetId = answer.venueOrderId
        _ = command.op == .cancel ? route.cancel(routed, producer: answer.producer)
            : route.cancelAll(routed, producer: answer.producer)
    }

    private func accept(_ answer: ExecReport, counted: Bool) {
        if route.journal(answer), counted { tw_counter_add(counters + Int(TW_CTR_CMD_ACCEPTED.rawValue), 1) }
    }

    private func reject(_ answer: inout ExecReport, _ rejection: OrderRejection) {
        answer.type = .rejected
        answer.code = Int32(rejection.code.rawValue)
        answer.orderState = OrderState.rejected.abiValue
        answer.text = rejection.text
        guard route.journal(answer) else { return }
        tw_counter_add(counters + Int(TW_CTR_CMD_REJECTED.rawValue), 1)
        tw_counter_add(counters + Int(TW_CTR_REJECT_BASE.rawValue) + Int(rejection.code.rawValue), 1)
    }
}

extension ExecReport {
    /// A record of `type` about a command: its instrument, side, type, time in force, price,
    /// quantity, strategy, client order id and target venue id, and its producer's token.
    init(type: ExecType, carrying command: OrderCommand, producer: UInt64) {
        self.init(type: type, instrument: command.instrument)
        commandId = command.commandId
        self.producer = producer
        side = command.side
        orderType = command.type
        timeInForce = command.timeInForce
        price = command.price
        quantity = command.quantity
        strategyId = command.strategyId
        clientOrderId = command.clientOrderId
        venueOrderId = command.targetId
    }
}
