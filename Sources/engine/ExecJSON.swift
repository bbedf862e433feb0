import EngineKit
import Foundation

/// JSON shape of exec journal records, shared by `tail exec`, `order` and tests.
enum ExecJSON {
    /// Order state names by `tw_order_state_t`.
    static let stateNames = [
        "", "NEW", "PENDING_SUBMIT", "SUBMITTED", "PARTIALLY_FILLED", "FILLED", "CANCELED", "REJECTED", "EXPIRED",
        "CANCEL_PENDING", "UNKNOWN",
    ]

    static func object(_ record: ExecRecord, _ instruments: [InstrumentEntry]) -> [String: Any] {
        var o: [String: Any] = ["seq": record.seq]
        switch record.body {
        case .report(let r):
            let entry = r.instrument < instruments.count ? instruments[r.instrument] : nil
            let pe = entry?.priceExponent ?? 0
            let qe = entry?.quantityExponent ?? 0
            o["type"] = r.type.name
            o["symbol"] = entry?.symbol ?? "#\(r.instrument)"
            o["client_order_id"] = r.clientOrderId
            o["venue_order_id"] = r.venueOrderId
            o["command_id"] = r.commandId
            o["producer"] = String(r.producer, radix: 16)
            o["side"] = r.side?.name ?? NSNull()
            o["order_type"] = r.orderType?.name ?? NSNull()
            o["tif"] = r.timeInForce?.name.uppercased() ?? NSNull()
            o["price"] = decimal(r.price, pe)
            o["quantity"] = decimal(r.quantity, qe)
            o["cum_quantity"] = decimal(r.cumQuantity, qe)
            o["state"] = Int(r.orderState) < stateNames.count ? stateNames[Int(r.orderState)] : "\(r.orderState)"
            o["venue_ns"] = r.venueNs
            o["recv_ns"] = r.receiveNs
            o["publish_ns"] = r.publishNs
            o["local"] = r.isLocal
            if r.tradeId != 0 || r.type == .fill || r.type == .partialFill {
                o["trade_id"] = r.tradeId
                o["fee"] = decimal(r.fee, r.feeExponent)
                o["fee_asset"] = r.feeAsset
                o["liquidity"] = r.isMaker ? "maker" : "taker"
            }
            if r.code != 0 { o["code"] = Int(r.code) }
            if !r.text.isEmpty { o["reason"] = r.text }
        case .balance(let b):
            o["type"] = "balance"
            o["asset"] = b.asset
            o["free"] = decimal(b.free, b.exponent)
            o["locked"] = decimal(b.locked, b.exponent)
            o["delta"] = decimal(b.delta, b.exponent)
            o["venue_ns"] = b.venueNs
            o["publish_ns"] = b.publishNs
        case .position(let p):
            let entry = p.instrument < instruments.count ? instruments[p.instrument] : nil
            o["type"] = "position"
            o["symbol"] = entry?.symbol ?? "#\(p.instrument)"
            o["amount"] = decimal(p.amount, entry?.quantityExponent ?? 0)
            o["entry_price"] = decimal(p.entryPrice, entry?.priceExponent ?? 0)
            o["unrealized"] = decimal(p.unrealized, p.exponent)
            o["publish_ns"] = p.publishNs
        case .unknown(let type):
            o["type"] = "unknown"
            o["raw_type"] = Int(type)
        }
        return o
    }
}
