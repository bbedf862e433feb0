import ArgumentParser
import EngineKit
import Foundation
import Trading

/// How `engine start` handles orders: the mode, where the venue's WebSocket API is, whose
/// credentials sign, and the pre-trade limits — all checked before anything starts.
struct TradingSettings {
    enum Mode: String, CaseIterable {
        /// Orders go to the venue through the C gateway.
        case live
        /// Orders fill locally: the Matching engine against the engine's own books; nothing is sent.
        case simulation
        /// Orders are validated and answered, never filled or sent.
        case observation
        /// No order path (market data only).
        case off
    }

    var mode: Mode
    var wsAPIURL: String?
    /// Credentials from the file or the environment (nil: the sim's own, or none for a real venue).
    var credentials: Credentials?
    var priceBandPercent: Double
    var requestTimeoutMillis: UInt32
    var maxOrdersPerSecond: Int
    var cancelOnExit: Bool
    var core: Int?

    init(flags: Start, file: EngineConfigFile.Trading, venue: String, cores: CoreSet?) throws {
        let explicit = flags.mode ?? file.mode
        // Default: live on the sim venue (its own test key); on a real venue live when credentials
        // are given and its order entry exists (spot, USD-M futures), else market data only.
        let hasCredentials =
            flags.credentials != nil || file.credentials != nil
            || ProcessInfo.processInfo.environment["TICKWIRE_API_KEY"] != nil
        let defaultMode =
            venue == "sim" || ((venue == "binance" || venue == "binance-futures") && hasCredentials) ? "live" : "off"
        let name = (explicit ?? defaultMode).lowercased()
        guard let mode = Mode(rawValue: name) else {
            throw fail("--mode must be live, simulation, observation or off, not '\(name)'", code: 2)
        }
        if venue == "synthetic" && mode != .off {
            throw fail("--venue synthetic has no order entry: use --mode off", code: 2)
        }
        self.mode = mode
        wsAPIURL = flags.wsAPIURL ?? file.wsApiUrl
        if venue == "sim" && wsAPIURL != nil { throw fail("--ws-api-url applies to binance, not to --venue sim", code: 2) }
        priceBandPercent = file.priceBandPercent ?? 10
        guard priceBandPercent > 0 && priceBandPercent <= 100 else {
            throw fail("trading.price_band_percent must be in (0, 100]", code: 2)
        }
        cancelOnExit = flags.cancelOnExit || (file.cancelOnExit ?? false)
        maxOrdersPerSecond = file.maxOrdersPerSecond ?? 10
        guard (1...10_000).contains(maxOrdersPerSecond) else {
            throw fail("trading.max_orders_per_second must be 1...10000", code: 2)
        }
        requestTimeoutMillis = file.requestTimeoutMs ?? 5000
        guard requestTimeoutMillis >= 100 else { throw fail("trading.request_timeout_ms must be at least 100", code: 2) }
        core = cores.flatMap { $0.cores.count > 1 ? $0.cores[1] : nil }
        do {
            if let path = flags.credentials ?? file.credentials {
                credentials = try Credentials.fromFile(path)
            } else {
                credentials = try Credentials.fromEnvironment(ProcessInfo.processInfo.environment)
            }
        } catch { throw fail(error.description, code: 2) }
        if venue == "sim", let credentials, credentials.source != "environment" {
            throw fail("--credentials applies to a real venue; the sim venue signs with its own test key", code: 2)
        }
        // Said before anything connects: live order entry on a real venue needs a key.
        if mode == .live && venue != "sim" && credentials == nil {
            throw fail(
                "--mode live on \(venue) needs credentials: --credentials FILE (mode 0600) or "
                    + "TICKWIRE_API_KEY/TICKWIRE_API_SECRET", code: 2)
        }
    }
}
