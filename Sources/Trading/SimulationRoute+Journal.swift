import CEngineShm
import EngineKit
import EngineModel
import Execution
import Matching

/// The records simulation mode journals: the same sequence the C gateway writes for a live
/// order (gateway.h) — SENT (LOCAL) when the request "goes out", then the venue's execution
/// reports as the user-data stream brings them (STREAM): ACK with the venue order id,
/// PARTIAL_FILL / FILL with trade id, price, quantity, cumulative quantity and quote, fee (MAKER
/// for maker fills), CANCELED, EXPIRED; REJECTED / CANCEL_REJECT with the venue's code.
extension SimulationRoute {
    /// Journals the execution reports among `events` (balances and market data are not
    /// journaled); true when it appended any.
    @discardableResult
    func journal(_ events: [VenueEvent], instrument: Int, now: Int64) -> Bool {
        var appended = false
        for case .execution(let execution) in events where execution.account == Self.account {
            guard let report = record(execution, instrument: instrument, now: now) else { continue }
            appended = append(report) || appended
        }
        return appended
    }

    /// One execution report as an exec record; forgets the order once the report closes it.
    func record(_ execution: ExecutionReport, instrument: Int, now: Int64) -> ExecReport? {
        let order = execution.order
        let key = OrderKey(instrument: instrument, orderId: order.orderId)
        var context = contexts[key] ?? OrderContext(commandId: 0, producer: 0, strategyId: 0)
        var r = base(order, instrument: instrument, context: context, now: now)
        r.venueNs = execution.transactTime
        r.clientOrderId = execution.originalClientOrderId ?? execution.clientOrderId
        r.flags = UInt8(TW_EXEC_FLAG_STREAM)
        switch execution.executionType {
        case .new:
            r.type = .ack
        case .trade:
            r.type = order.status == .filled ? .fill : .partialFill
            r.tradeId = UInt64(max(execution.tradeId, 0))
            r.price = execution.lastPrice.mantissa
            r.quantity = execution.lastQty.mantissa
            let (quote, overflow) = r.price.multipliedReportingOverflow(by: r.quantity)
            let (sum, carry) = context.cumQuote.addingReportingOverflow(quote)
            context.cumQuote = overflow || carry ? .max : sum
            r.cumQuote = context.cumQuote
            r.fee = execution.commission.mantissa
            r.feeExponent = execution.commission.exponent
            r.feeAsset = execution.commissionAsset ?? ""
            if execution.isMaker { r.flags |= UInt8(TW_EXEC_FLAG_MAKER) }
        case .canceled:
            r.type = .canceled
        case .expired:
            r.type = .expired
        case .rejected:
            r.type = .rejected
        case .replaced:
            return nil
        }
        if order.status.isOpen {
            if contexts[key] != nil { contexts[key] = context }
        } else {
            close(key)
        }
        return r
    }

    /// A STATUS record of an order the engine knows.
    func statusRecord(_ order: VenueOrder, instrument: Int, now: Int64) -> ExecReport {
        let key = OrderKey(instrument: instrument, orderId: order.orderId)
        var r = base(order, instrument: instrument, context: contexts[key], now: now)
        r.type = .status
        r.venueNs = order.updateTime
        return r
    }

    /// The fields every report of `order` carries; the type is set by the caller.
    private func base(_ order: VenueOrder, instrument: Int, context: OrderContext?, now: Int64) -> ExecReport {
        var r = ExecReport(type: .status, instrument: instrument)
        r.commandId = context?.commandId ?? 0
        r.producer = context?.producer ?? 0
        r.strategyId = context?.strategyId ?? 0
        r.venueOrderId = venueOrderId(instrument: instrument, orderId: order.orderId)
        r.side = order.side
        r.orderType = order.type
        r.timeInForce = order.timeInForce
        r.price = order.price.mantissa
        r.quantity = order.origQty.mantissa
        r.cumQuantity = order.executedQty.mantissa
        r.cumQuote = context?.cumQuote ?? 0
        r.orderState = Self.state(order.status).abiValue
        r.clientOrderId = order.clientOrderId
        r.receiveNs = now
        return r
    }

    /// Starts keeping an open order's context.
    func open(_ key: OrderKey, _ context: OrderContext) {
        guard contexts.updateValue(context, forKey: key) == nil else { return }
        openCount[key.instrument] += 1
    }

    /// Forgets a closed order's context.
    func close(_ key: OrderKey) {
        guard contexts.removeValue(forKey: key) != nil else { return }
        openCount[key.instrument] -= 1
    }

    /// SENT (LOCAL) for a request handed to the matching engine, leaving the order in `state`.
    func sent(_ command: OrderCommand, producer: UInt64, state: OrderState, now: Int64) -> ExecReport {
        var r = Self.report(.sent, command, producer: producer, now: now)
        r.flags = UInt8(TW_EXEC_FLAG_LOCAL)
        r.orderState = state.abiValue
        return r
    }

    /// A request refused before the matching engine saw it (LOCAL, with the engine's code).
    func refuse(
        _ command: OrderCommand, producer: UInt64, _ type: ExecType, _ code: RejectCode, _ text: String, now: Int64
    ) -> Bool {
        var r = Self.report(type, command, producer: producer, now: now)
        r.flags = UInt8(TW_EXEC_FLAG_LOCAL)
        r.code = Int32(code.rawValue)
        r.text = text
        if type == .rejected { r.orderState = OrderState.rejected.abiValue }
        append(r)
        return true
    }

    /// CANCEL_REJECT with the venue's code (-2011 "Unknown order sent.").
    func cancelRejected(_ command: OrderCommand, producer: UInt64, _ error: VenueError, now: Int64) {
        var r = Self.report(.cancelReject, command, producer: producer, now: now)
        r.code = Int32(error.code)
        r.text = error.msg
        append(r)
    }

    /// Appends one record; false when the journal is full.
    @discardableResult
    func append(_ report: ExecReport) -> Bool { writer.append(report) != nil }

    /// How a cancel or a query names its order to the engine; -2011 for a venue order id of
    /// another instrument or a command naming nothing.
    func orderRef(_ command: OrderCommand) throws(VenueError) -> OrderRef {
        if command.targetId != 0 {
            let n = UInt64(instruments.count)
            guard (command.targetId - 1) % n == UInt64(command.instrument),
                let id = Int64(exactly: (command.targetId - 1) / n + 1)
            else { throw .unknownOrder }
            return .orderId(id)
        }
        guard !command.clientOrderId.isEmpty else { throw .unknownOrder }
        return .clientOrderId(command.clientOrderId)
    }

    /// The local venue order id of an engine order: the engine numbers each symbol's orders from
    /// `firstOrderId`, so ids are interleaved across instruments to stay unique (with one
    /// instrument they are the engine's own).
    func venueOrderId(instrument: Int, orderId: Int64) -> UInt64 {
        UInt64(orderId - 1) * UInt64(instruments.count) + UInt64(instrument) + 1
    }

    /// A record of `type` carrying a command's fields.
    static func report(_ type: ExecType, _ command: OrderCommand, producer: UInt64, now: Int64) -> ExecReport {
        var r = ExecReport(type: type, carrying: command, producer: producer)
        r.receiveNs = now
        return r
    }

    /// The order state a venue status leaves an order in (a working NEW order is SUBMITTED).
    static func state(_ status: Matching.VenueOrderStatus) -> OrderState {
        switch status {
        case .new: .submitted
        case .partiallyFilled: .partiallyFilled
        case .filled: .filled
        case .canceled: .canceled
        case .rejected: .rejected
        case .expired: .expired
        }
    }
}
