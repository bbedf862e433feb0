import EngineKit
import Foundation

/// A market-data venue the engine can connect its feed to, with the URLs it uses by default.
public enum VenueKind: String, Sendable, CaseIterable {
    /// ExchangeSim started inside the engine on loopback (the default: no internet needed).
    case sim
    /// Binance spot.
    case binance
    /// Binance USD-M futures.
    case binanceFutures = "binance-futures"

    /// Which book-sync rule its depth stream follows.
    public var rule: FeedRule { self == .binanceFutures ? .futures : .spot }

    /// The combined-stream WebSocket endpoint used unless overridden.
    public var defaultWebSocketURL: String? {
        switch self {
        case .sim: nil
        case .binance: "wss://stream.binance.com:9443/stream"
        case .binanceFutures: "wss://fstream.binance.com/stream"
        }
    }

    /// The REST base URL used unless overridden.
    public var defaultRESTURL: String? {
        switch self {
        case .sim: nil
        case .binance: "https://api.binance.com"
        case .binanceFutures: "https://fapi.binance.com"
        }
    }

    /// Path of the depth snapshot endpoint.
    public var depthPath: String { self == .binanceFutures ? "/fapi/v1/depth" : "/api/v3/depth" }

    /// Path of the exchange information endpoint.
    public var exchangeInfoPath: String { self == .binanceFutures ? "/fapi/v1/exchangeInfo" : "/api/v3/exchangeInfo" }

    /// The `venue` name written to the instrument table.
    public var venueName: String {
        switch self {
        case .sim: "sim"
        case .binance: "binance"
        case .binanceFutures: "binance-futures"
        }
    }
}

/// A parsed `ws://` / `wss://` endpoint.
public struct WebSocketEndpoint: Sendable, Equatable {
    public var tls: Bool
    public var host: String
    public var port: UInt16
    public var path: String

    /// An endpoint from its parts.
    public init(tls: Bool, host: String, port: UInt16, path: String) {
        self.tls = tls
        self.host = host
        self.port = port
        self.path = path
    }

    /// Parses `ws[s]://host[:port][/path]`; the port defaults to 80/443 and the path to `/stream`.
    public init(parsing text: String) throws(EndpointError) {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(),
            scheme == "ws" || scheme == "wss", let host = url.host, !host.isEmpty
        else { throw EndpointError(message: "'\(text)' is not a ws:// or wss:// URL") }
        tls = scheme == "wss"
        self.host = host
        let port = url.port ?? (tls ? 443 : 80)
        guard (1...65535).contains(port) else { throw EndpointError(message: "'\(text)': port out of range") }
        self.port = UInt16(port)
        path = url.percentEncodedPath.isEmpty ? "/stream" : url.percentEncodedPath
        if url.percentEncodedQuery != nil {
            throw EndpointError(message: "'\(text)': give the combined-stream endpoint without a query; streams are added per symbol")
        }
    }
}

/// A REST base URL, checked.
public struct RESTEndpoint: Sendable, Equatable {
    /// `http[s]://host[:port]`, without a trailing slash.
    public var base: String
    public var tls: Bool

    /// Parses `http[s]://host[:port]`.
    public init(parsing text: String) throws(EndpointError) {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty
        else { throw EndpointError(message: "'\(text)' is not an http:// or https:// URL") }
        tls = scheme == "https"
        var base = text
        while base.hasSuffix("/") { base.removeLast() }
        self.base = base
    }
}

/// A malformed endpoint; the message names it.
public struct EndpointError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public var description: String { message }
}
