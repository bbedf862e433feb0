import Account
import EngineModel

/// CSV exports of what the recorder stores (for `engine` subcommands, notebooks and spreadsheets).
/// Prices, quantities and amounts are printed as exact decimals; text fields are quoted when they
/// hold a comma, a quote or a line break (RFC 4180).
public enum RecorderCSV {
    /// The header of `fills(_:)`.
    public static let fillsHeader =
        "venue,trade_id,market,symbol,base_asset,quote_asset,side,price,quantity,fee,fee_asset,liquidity,"
        + "client_order_id,venue_order_id,strategy_id,venue_ns"

    /// The header of `orders(_:)`.
    public static let ordersHeader =
        "client_order_id,venue_order_id,symbol,side,type,price,quantity,filled_quantity,average_price,status,"
        + "is_open,strategy_id,last_update_ns,last_event_seq"

    /// Fills as CSV: the header and one line per fill, each ending in a newline.
    public static func fills(_ fills: [Fill]) -> String {
        var out = fillsHeader + "\n"
        for fill in fills {
            let fields: [String] = [
                field(fill.venue), "\(fill.tradeId)", fill.market.rawValue, field(fill.symbol), field(fill.baseAsset),
                field(fill.quoteAsset), fill.side.name, fill.price.description, fill.quantity.description,
                fill.fee.description, field(fill.feeAsset), fill.liquidity.rawValue, field(fill.clientOrderId),
                "\(fill.venueOrderId)", "\(fill.strategyId)", "\(fill.venueNs)",
            ]
            out += fields.joined(separator: ",") + "\n"
        }
        return out
    }

    /// Orders as CSV: the header and one line per order, each ending in a newline.
    public static func orders(_ orders: [AccountOrder]) -> String {
        var out = ordersHeader + "\n"
        for order in orders {
            let fields: [String] = [
                field(order.clientOrderId), "\(order.venueOrderId)", field(order.symbol), order.side.name,
                field(order.type), order.price?.description ?? "", order.quantity.description,
                order.filledQuantity.description, order.averagePrice?.description ?? "", field(order.status),
                order.isOpen ? "true" : "false", "\(order.strategyId)", "\(order.lastUpdateNs)",
                "\(order.lastEventSeq)",
            ]
            out += fields.joined(separator: ",") + "\n"
        }
        return out
    }

    /// Bars as CSV: `Bar.csvHeader` and one `csvRow` per bar, each ending in a newline.
    public static func bars(_ bars: [Bar]) -> String {
        var out = Bar.csvHeader + "\n"
        for bar in bars {
            out += bar.csvRow + "\n"
        }
        return out
    }

    /// `text`, quoted (with inner quotes doubled) when it holds a comma, a quote or a line break.
    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        var quoted = "\""
        for character in text {
            quoted += character == "\"" ? "\"\"" : String(character)
        }
        return quoted + "\""
    }
}
