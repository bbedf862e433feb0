import Account
import EngineModel
import Foundation

extension BinanceAccountClient {
    func spotBalances() async throws -> [BalanceUpdate] {
        guard let root = try await signedGet("/api/v3/account", [("omitZeroBalances", "false")]) as? [String: Any],
            let list = root["balances"] as? [[String: Any]]
        else { throw VenueAccountError(description: "GET /api/v3/account: no balances") }
        let ns = (root["updateTime"] as? Int).map { Int64($0) * 1_000_000 } ?? 0
        return try list.map { entry in
            BalanceUpdate(
                asset: try text(entry, "asset"), free: try amount(entry, "free"), locked: try amount(entry, "locked"),
                source: .reconciliation, venueNs: ns)
        }
    }

    func futuresBalances() async throws -> [BalanceUpdate] {
        guard let list = try await signedGet("/fapi/v2/balance", []) as? [[String: Any]] else {
            throw VenueAccountError(description: "GET /fapi/v2/balance: not a list")
        }
        return try list.map { entry in
            let wallet = try amount(entry, "balance")
            let available = min(wallet, max(.zero, try amount(entry, "availableBalance")))
            return BalanceUpdate(
                asset: try text(entry, "asset"), free: available, locked: wallet - available, source: .reconciliation,
                venueNs: (entry["updateTime"] as? Int).map { Int64($0) * 1_000_000 } ?? 0)
        }
    }

    func futuresPositions(_ symbols: [Instrument]) async throws -> [PositionUpdate] {
        guard let list = try await signedGet("/fapi/v2/positionRisk", []) as? [[String: Any]] else {
            throw VenueAccountError(description: "GET /fapi/v2/positionRisk: not a list")
        }
        var out: [PositionUpdate] = []
        for entry in list {
            guard let symbol = entry["symbol"] as? String,
                let instrument = symbols.first(where: { $0.symbol == symbol }),
                (entry["positionSide"] as? String ?? "BOTH") == "BOTH"
            else { continue }
            // Signed: a short is negative (Quantity is never negative; Price parses a signed decimal).
            let signed = try Price(parsing: try text(entry, "positionAmt"), exponent: instrument.quantityExponent)
            let size = SignedSize(mantissa: signed.mantissa, exponent: instrument.quantityExponent)
            let entryPrice = try amount(entry, "entryPrice")
            let mark = Price(mantissa: try amount(entry, "markPrice").e8, exponent: -8)
            let liquidation = try amount(entry, "liquidationPrice")
            out.append(
                PositionUpdate(
                    symbol: symbol, size: size,
                    entryPrice: Price(
                        mantissa: entryPrice.mantissa(at: instrument.priceExponent), exponent: instrument.priceExponent),
                    unrealized: try amount(entry, "unRealizedProfit"),
                    leverage: Int(entry["leverage"] as? String ?? ""),
                    liquidationPrice: liquidation == .zero ? nil : Price(mantissa: liquidation.e8, exponent: -8),
                    markPrice: mark, venueNs: (entry["updateTime"] as? Int).map { Int64($0) * 1_000_000 } ?? 0))
        }
        return out
    }

    func openOrders(_ instrument: Instrument) async throws -> [VenueOpenOrder] {
        let path = market == .spot ? "/api/v3/openOrders" : "/fapi/v1/openOrders"
        guard let list = try await signedGet(path, [("symbol", instrument.symbol)]) as? [[String: Any]] else {
            throw VenueAccountError(description: "GET \(path): not a list")
        }
        return try list.map { entry in
            VenueOpenOrder(
                clientOrderId: try text(entry, "clientOrderId"), symbol: instrument.symbol,
                venueOrderId: UInt64(entry["orderId"] as? Int ?? 0),
                executedQuantity: try instrument.parseQuantity(try text(entry, "executedQty")))
        }
    }

    func trades(_ instrument: Instrument, sinceNs: Int64?) async throws -> [Fill] {
        let path = market == .spot ? "/api/v3/myTrades" : "/fapi/v1/userTrades"
        guard let symbolAssets = assets[instrument.symbol] else { return [] }
        var query = [("symbol", instrument.symbol), ("limit", "1000")]
        if let sinceNs { query.append(("startTime", String(sinceNs / 1_000_000))) }
        guard let list = try await signedGet(path, query) as? [[String: Any]] else {
            throw VenueAccountError(description: "GET \(path): not a list")
        }
        return try list.map { entry in
            let buyer = (entry["isBuyer"] as? Bool) ?? (entry["buyer"] as? Bool) ?? false
            let maker = (entry["isMaker"] as? Bool) ?? (entry["maker"] as? Bool) ?? false
            return Fill(
                venue: venue, tradeId: UInt64(entry["id"] as? Int ?? 0), market: market, symbol: instrument.symbol,
                baseAsset: symbolAssets.baseAsset, quoteAsset: symbolAssets.quoteAsset, side: buyer ? .buy : .sell,
                price: try instrument.parsePrice(try text(entry, "price")),
                quantity: try instrument.parseQuantity(try text(entry, "qty")), fee: try amount(entry, "commission"),
                feeAsset: try text(entry, "commissionAsset"), liquidity: maker ? .maker : .taker, clientOrderId: "",
                venueOrderId: UInt64(entry["orderId"] as? Int ?? 0), strategyId: 0,
                venueNs: Int64(entry["time"] as? Int ?? 0) * 1_000_000)
        }
    }

    private func text(_ entry: [String: Any], _ key: String) throws -> String {
        guard let value = entry[key] as? String else {
            throw VenueAccountError(description: "venue answer without \"\(key)\"")
        }
        return value
    }

    private func amount(_ entry: [String: Any], _ key: String) throws -> Amount {
        let raw = try text(entry, key)
        if let value = Amount(parsing: raw) { return value }
        // More than 8 decimals (USD-M money can carry more): rounded to 1e-8.
        guard let wide = try? Price(parsing: raw, exponent: -10) else {
            throw VenueAccountError(description: "venue answer \"\(key)\": \(raw) is not a decimal")
        }
        return Amount(mantissa: wide.mantissa, exponent: -10)
    }
}
