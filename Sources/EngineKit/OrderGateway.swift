import CEngineCore
import CEngineShm
import EngineModel

#if canImport(Glibc)
import Glibc
#endif

/// Which venue protocol a gateway speaks (`tw_gw_venue_t`).
public enum OrderGatewayVenue: UInt32, Sendable {
    /// Binance spot: `/ws-api/v3`, user data subscribed on the same connection.
    case spot = 0
    /// Binance USD-M futures: `/ws-fapi/v1`, user data on a listenKey stream of its own
    /// (`OrderGateway.setListenKey`).
    case usdm = 1
}

/// Everything a C order gateway is created with (`tw_gateway_config_t`), in Swift terms.
/// The secret is handed to C at create and kept there only as HMAC states; this value's
/// description never shows it.
public struct OrderGatewayConfig: Sendable, CustomStringConvertible {
    /// The venue protocol; `.usdm` also changes the default path to `/ws-fapi/v1`.
    public var venue: OrderGatewayVenue = .spot
    /// The venue's WebSocket API: host, port, path (nil: the venue's), wss or ws.
    public var host: String
    public var port: UInt16
    public var path: String?
    public var tls: Bool = false
    /// USD-M: the user-data stream (nil host/port: the WebSocket API's); the listenKey is appended
    /// to `userDataPath` (Binance: `wss://fstream.binance.com/ws/`, the sim: `/fstream/ws/`).
    public var userDataHost: String?
    public var userDataPort: UInt16?
    public var userDataPath: String = "/ws/"
    public var userDataTLS: Bool = true
    /// Check the server's certificate (off is refused unless the host is loopback).
    public var verify: Bool = true
    /// PEM file of CAs to trust instead of the system's.
    public var caFile: String?
    /// API key and secret.
    public var apiKey: String
    public var apiSecret: String
    /// Core to pin the gateway thread to, or nil.
    public var core: Int?
    /// Spin (owns its core) or block (shares it).
    public var spin: Bool = false
    /// recvWindow of signed requests, and how long an answer may take before the outcome is unknown.
    public var recvWindowMillis: UInt32 = 5000
    public var requestTimeoutMillis: UInt32 = 5000
    /// Reconnect backoff.
    public var reconnectBaseMillis: UInt32 = 1000
    public var reconnectMaxMillis: UInt32 = 60_000
    /// Seed of jitter and masks.
    public var seed: UInt64 = 7

    /// A configuration for the WebSocket API at `host:port`.
    public init(host: String, port: UInt16, apiKey: String, apiSecret: String) {
        self.host = host
        self.port = port
        self.apiKey = apiKey
        self.apiSecret = apiSecret
    }

    /// The WebSocket API path in use.
    public var resolvedPath: String { path ?? (venue == .usdm ? "/ws-fapi/v1" : "/ws-api/v3") }

    public var description: String {
        "\(tls ? "wss" : "ws")://\(host):\(port)\(resolvedPath) (api key \(apiKey.prefix(4))…, secret redacted)"
    }
}

/// The gateway's health (`tw_gateway_status_t`).
public struct OrderGatewayStatus: Sendable, Equatable {
    public var connected: Bool
    public var subscribed: Bool
    public var halted: Bool
    public var inFlight: UInt32
    public var reconnects: UInt64
    public var connects: UInt64
    public var unknown: UInt64
    public var staleAnswers: UInt64
    public var unknownEvents: UInt64
    public var haltReason: String
    public var lastErrorText: String
    /// USD-M: the venue said `listenKeyExpired`; a new key must be made and set.
    public var listenKeyExpired: Bool = false
    /// USD-M: a listenKey is set, and how often the user-data stream opened and dropped.
    public var hasListenKey: Bool = false
    public var userConnects: UInt64 = 0
    public var userReconnects: UInt64 = 0
}

/// Why a gateway could not be created or a request not queued.
public enum OrderGatewayError: Error, Equatable, CustomStringConvertible {
    case invalidConfig(String)
    /// The private queue is full: the gateway thread is not keeping up.
    case queueFull
    case threadFailed(Int32)

    public var description: String {
        switch self {
        case .invalidConfig(let m): m
        case .queueFull: "the gateway's queue is full"
        case .threadFailed(let rc): "gateway thread failed: \(String(cString: strerror(-rc))) (errno \(-rc))"
        }
    }
}

/// A C order-gateway thread: signs and sends orders on its own io_uring WebSocket connection and
/// journals every answer and user-data event in the instance's exec journal, of which it is
/// the only writer. Requests come from exactly one thread (`submit`).
public final class OrderGateway: @unchecked Sendable {
    private let handle: OpaquePointer
    private let instance: EngineInstance

    /// Creates the gateway over an instance's exec journal and stats, for its instruments in
    /// book-table order. The corresponding C function is `tw_gateway_create`.
    public init(instance: EngineInstance, config: OrderGatewayConfig) throws(OrderGatewayError) {
        var table = instance.config.instruments.map { instrument in
            var entry = tw_gateway_instrument_t()
            setCString(&entry.symbol, instrument.symbol)
            entry.price_exponent = instrument.priceExponent
            entry.qty_exponent = instrument.quantityExponent
            return entry
        }
        var out: OpaquePointer?
        var c = tw_gateway_config_defaults_for(config.venue.rawValue)
        c.port = config.port
        c.user_port = config.userDataPort ?? 0
        c.user_tls = config.userDataTLS ? 1 : 0
        c.tls = config.tls ? 1 : 0
        c.verify = config.verify ? 1 : 0
        c.cpu = Int32(config.core ?? -1)
        c.wait = config.spin ? UInt32(TW_GW_WAIT_SPIN.rawValue) : UInt32(TW_GW_WAIT_BLOCK.rawValue)
        c.recv_window_ms = config.recvWindowMillis
        c.request_timeout_ms = config.requestTimeoutMillis
        c.reconnect_base_ms = config.reconnectBaseMillis
        c.reconnect_max_ms = config.reconnectMaxMillis
        c.seed = config.seed
        c.instrument_count = UInt32(table.count)
        let rc: Int32 = table.withUnsafeMutableBufferPointer { instruments in
            c.instruments = UnsafePointer(instruments.baseAddress)
            return config.host.withCString { host in
                config.resolvedPath.withCString { path in
                    config.apiKey.withCString { key in
                        config.apiSecret.withCString { secret in
                            withOptionalCString(config.caFile) { ca in
                                withOptionalCString(config.userDataHost) { userHost in
                                    config.userDataPath.withCString { userPath in
                                        c.host = host
                                        c.path = path
                                        c.api_key = key
                                        c.api_secret = secret
                                        c.ca_file = ca
                                        c.user_host = userHost
                                        c.user_path = userPath
                                        return tw_gateway_create(&c, instance.exec.base, instance.stats.base, &out)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        guard rc == 0, let out else {
            let detail = String(cString: tw_error_message())
            throw .invalidConfig(
                "cannot create the order gateway for \(config): "
                    + (detail.isEmpty ? String(cString: strerror(-rc)) : detail))
        }
        handle = out
        self.instance = instance
        venue = config.venue
    }

    /// The venue protocol this gateway speaks.
    public let venue: OrderGatewayVenue

    deinit { tw_gateway_destroy(handle) }

    /// Starts the thread. The corresponding C function is `tw_gateway_start`.
    public func start() throws(OrderGatewayError) {
        let rc = tw_gateway_start(handle)
        guard rc == 0 else { throw .threadFailed(rc) }
    }

    /// Asks the thread to stop and waits for it. The corresponding C functions are `tw_gateway_stop`
    /// and `tw_gateway_join`.
    public func stop() throws(OrderGatewayError) {
        tw_gateway_stop(handle)
        let rc = tw_gateway_join(handle)
        guard rc == 0 else { throw .threadFailed(rc) }
    }

    /// Whether the thread runs.
    public var isRunning: Bool { tw_gateway_running(handle) != 0 }

    /// Server time minus local time, added to every request's timestamp.
    public func setTimeOffset(milliseconds: Int64) { tw_gateway_set_time_offset(handle, milliseconds) }

    /// USD-M: the user-data stream's listenKey (nil or "" closes the stream). Any thread; the
    /// gateway reopens the stream when the key differs from the one in use, and clears
    /// `listenKeyExpired`. The corresponding C function is `tw_gateway_set_listen_key`.
    public func setListenKey(_ key: String?) throws(OrderGatewayError) {
        var rc: Int32 = -EBUSY
        for _ in 0..<1000 where rc == -EBUSY {
            rc = (key ?? "").withCString { tw_gateway_set_listen_key(handle, $0) }
        }
        guard rc == 0 else { throw .invalidConfig("listenKey refused (errno \(-rc))") }
    }

    /// Sends a new order (the gateway journals SENT, then the venue's answer).
    public func place(_ command: OrderCommand, producer: UInt64) throws(OrderGatewayError) {
        try submit(kind: TW_GW_PLACE, command: command, producer: producer)
    }

    /// Cancels one order (by client order id, or venue order id in `targetId`).
    public func cancel(_ command: OrderCommand, producer: UInt64) throws(OrderGatewayError) {
        try submit(kind: TW_GW_CANCEL, command: command, producer: producer)
    }

    /// Cancels every open order of the command's instrument.
    public func cancelAll(_ command: OrderCommand, producer: UInt64) throws(OrderGatewayError) {
        try submit(kind: TW_GW_CANCEL_ALL, command: command, producer: producer)
    }

    /// Asks the venue for one order's state (answers as a STATUS record).
    public func queryStatus(_ command: OrderCommand) throws(OrderGatewayError) {
        try submit(kind: TW_GW_STATUS, command: command, producer: 0)
    }

    /// Appends a report to the journal through the gateway (the journal's only writer).
    public func journal(_ report: ExecReport) throws(OrderGatewayError) {
        var request = tw_gw_request_t()
        request.kind = UInt32(TW_GW_JOURNAL.rawValue)
        request.exec_type = UInt32(report.type.rawValue)
        request.producer = report.producer
        request.cmd.instrument = UInt32(clamping: report.instrument)
        request.cmd.command_id = report.commandId
        request.report = report.raw
        try push(&request)
    }

    private func submit(kind: tw_gw_kind_t, command: OrderCommand, producer: UInt64) throws(OrderGatewayError) {
        var request = tw_gw_request_t()
        request.kind = UInt32(kind.rawValue)
        request.producer = producer
        request.cmd = command.raw
        try push(&request)
    }

    private func push(_ request: inout tw_gw_request_t) throws(OrderGatewayError) {
        let rc = tw_gateway_submit(handle, &request)
        guard rc == 0 else { throw rc == -ENOBUFS ? .queueFull : .invalidConfig("request refused (errno \(-rc))") }
    }

    /// A consistent copy of the gateway's health. The corresponding C function is `tw_gateway_get_status`.
    public var status: OrderGatewayStatus {
        var s = tw_gateway_status_t()
        for _ in 0..<100 where tw_gateway_get_status(handle, &s) != 0 {}
        return OrderGatewayStatus(
            connected: s.connected != 0, subscribed: s.subscribed != 0, halted: s.halted != 0, inFlight: s.in_flight,
            reconnects: s.reconnects, connects: s.connects, unknown: s.unknown, staleAnswers: s.stale_answers,
            unknownEvents: s.unknown_events, haltReason: cString(s.halt_reason),
            lastErrorText: cString(s.last_error_text), listenKeyExpired: s.listen_key_expired != 0, hasListenKey: s.has_listen_key != 0,
            userConnects: s.user_connects, userReconnects: s.user_reconnects)
    }

    /// The signed `order.place` request the thread would send for a command (benchmarks, tests).
    /// The corresponding C function is `tw_gateway_encode_place`.
    public func encodePlace(_ command: OrderCommand, requestId: UInt64, timestampMillis: Int64) -> String? {
        var c = command.raw
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = tw_gateway_encode_place(handle, &c, requestId, timestampMillis, &buffer, buffer.count)
        guard n > 0 else { return nil }
        return String(decoding: buffer.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
