import CEngineShm
import EngineModel

/// The kinds of exec journal record; raw values are the ABI's `tw_exec_type_t`.
public enum ExecType: UInt16, Sendable, CaseIterable, CustomStringConvertible {
    case accepted = 1, rejected = 2, sent = 3, ack = 4, partialFill = 5, fill = 6, canceled = 7
    case cancelReject = 8, expired = 9, status = 10, halt = 11, balance = 12, position = 13

    /// The snake_case name used in JSON: "accepted", "partial_fill", "cancel_reject", …
    public var name: String {
        switch self {
        case .accepted: "accepted"
        case .rejected: "rejected"
        case .sent: "sent"
        case .ack: "ack"
        case .partialFill: "partial_fill"
        case .fill: "fill"
        case .canceled: "canceled"
        case .cancelReject: "cancel_reject"
        case .expired: "expired"
        case .status: "status"
        case .halt: "halt"
        case .balance: "balance"
        case .position: "position"
        }
    }

    public var description: String { name }
}

/// An execution report, a command's answer, or a gateway event (`tw_exec_report_t`).
/// Prices are mantissas at the instrument's price exponent, quantities at its quantity exponent.
public struct ExecReport: Equatable, Sendable {
    public var type: ExecType
    public var instrument: Int
    public var commandId: UInt64
    public var producer: UInt64
    public var venueOrderId: UInt64
    public var tradeId: UInt64
    public var price: Int64
    public var quantity: Int64
    public var cumQuantity: Int64
    public var cumQuote: Int64
    public var fee: Int64
    public var feeExponent: Int8
    public var feeAsset: String
    public var venueNs: Int64
    public var receiveNs: Int64
    public var publishNs: Int64
    public var code: Int32
    public var strategyId: UInt32
    public var side: Side?
    public var orderType: OrderType?
    public var timeInForce: TimeInForce?
    /// `tw_order_state_t` after this report (0: not said).
    public var orderState: UInt8
    public var flags: UInt8
    public var clientOrderId: String
    public var text: String

    /// Made by the engine (risk, gateway), not reported by the venue.
    public var isLocal: Bool { flags & UInt8(TW_EXEC_FLAG_LOCAL) != 0 }
    /// From the user-data stream rather than a request's answer.
    public var isStream: Bool { flags & UInt8(TW_EXEC_FLAG_STREAM) != 0 }
    /// The fill provided liquidity.
    public var isMaker: Bool { flags & UInt8(TW_EXEC_FLAG_MAKER) != 0 }

    /// A blank report of a type (for the engine's own answers).
    public init(type: ExecType, instrument: Int) {
        self.type = type
        self.instrument = instrument
        commandId = 0
        producer = 0
        venueOrderId = 0
        tradeId = 0
        price = 0
        quantity = 0
        cumQuantity = 0
        cumQuote = 0
        fee = 0
        feeExponent = 0
        feeAsset = ""
        venueNs = 0
        receiveNs = 0
        publishNs = 0
        code = 0
        strategyId = 0
        orderState = 0
        flags = 0
        clientOrderId = ""
        text = ""
    }

    init(type: ExecType, instrument: UInt16, raw r: tw_exec_report_t) {
        self.init(type: type, instrument: Int(instrument))
        commandId = r.command_id
        producer = r.producer
        venueOrderId = r.venue_order_id
        tradeId = r.trade_id
        price = r.price
        quantity = r.quantity
        cumQuantity = r.cum_quantity
        cumQuote = r.cum_quote
        fee = r.fee
        feeExponent = r.fee_exponent
        feeAsset = cString(r.fee_asset)
        venueNs = r.venue_ns
        receiveNs = r.recv_ns
        publishNs = r.publish_ns
        code = r.code
        strategyId = r.strategy_id
        side = Side(rawValue: r.side)
        orderType = OrderType(rawValue: r.order_type)
        timeInForce = TimeInForce(rawValue: r.tif)
        orderState = r.order_state
        flags = r.flags
        clientOrderId = cString(r.client_order_id)
        text = cString(r.text)
    }

    /// The ABI record.
    var raw: tw_exec_report_t {
        var r = tw_exec_report_t()
        r.command_id = commandId
        r.producer = producer
        r.venue_order_id = venueOrderId
        r.trade_id = tradeId
        r.price = price
        r.quantity = quantity
        r.cum_quantity = cumQuantity
        r.cum_quote = cumQuote
        r.fee = fee
        r.fee_exponent = feeExponent
        setCString(&r.fee_asset, feeAsset)
        r.venue_ns = venueNs
        r.recv_ns = receiveNs
        r.publish_ns = publishNs
        r.code = code
        r.strategy_id = strategyId
        r.side = side?.rawValue ?? 0
        r.order_type = orderType?.rawValue ?? 0
        r.tif = timeInForce?.rawValue ?? 0
        r.order_state = orderState
        r.flags = flags
        setCString(&r.client_order_id, clientOrderId)
        setCString(&r.text, text)
        return r
    }
}

/// A balance of one asset (`tw_exec_balance_t`): mantissas at `exponent`.
public struct ExecBalance: Equatable, Sendable {
    public var asset: String
    public var free: Int64
    public var locked: Int64
    public var delta: Int64
    public var exponent: Int8
    public var venueNs: Int64
    public var receiveNs: Int64
    public var publishNs: Int64
}

/// A futures position (`tw_exec_position_t`).
public struct ExecPosition: Equatable, Sendable {
    public var instrument: Int
    public var amount: Int64
    public var entryPrice: Int64
    public var unrealized: Int64
    public var exponent: Int8
    public var venueNs: Int64
    public var receiveNs: Int64
    public var publishNs: Int64
}

/// One record of the exec journal, with its sequence number.
public struct ExecRecord: Equatable, Sendable {
    public enum Body: Equatable, Sendable {
        case report(ExecReport)
        case balance(ExecBalance)
        case position(ExecPosition)
        /// A record type this build does not know (a newer minor ABI); skipped safely.
        case unknown(type: UInt16)
    }

    /// Its number in the journal (from 1).
    public var seq: UInt64
    public var body: Body

    /// A record with a number.
    public init(seq: UInt64, body: Body) {
        self.seq = seq
        self.body = body
    }

    init(header: tw_slot_header_t, payload: UnsafeRawPointer) {
        seq = header.seq
        guard let type = ExecType(rawValue: header.type) else {
            body = .unknown(type: header.type)
            return
        }
        switch type {
        case .balance:
            let b = payload.loadUnaligned(as: tw_exec_balance_t.self)
            body = .balance(
                ExecBalance(
                    asset: cString(b.asset), free: b.free, locked: b.locked, delta: b.delta, exponent: b.exponent,
                    venueNs: b.venue_ns, receiveNs: b.recv_ns, publishNs: b.publish_ns))
        case .position:
            let p = payload.loadUnaligned(as: tw_exec_position_t.self)
            body = .position(
                ExecPosition(
                    instrument: Int(header.instrument), amount: p.amount, entryPrice: p.entry_price,
                    unrealized: p.unrealized, exponent: p.exponent, venueNs: p.venue_ns, receiveNs: p.recv_ns,
                    publishNs: p.publish_ns))
        default:
            body = .report(
                ExecReport(type: type, instrument: header.instrument, raw: payload.loadUnaligned(as: tw_exec_report_t.self)))
        }
    }
}
