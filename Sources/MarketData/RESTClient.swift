import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// A small HTTP(S) client for the venue's REST endpoints: GETs of public data (exchange information,
/// depth snapshots) and the few keyed calls the engine makes (a USD-M listenKey: POST/PUT/DELETE
/// with `X-MBX-APIKEY`), trusting the system CAs or a given CA file.
public final class RESTClient: Sendable {
    /// An answer: status, headers that matter for pacing, body.
    public struct Answer: Sendable {
        public var status: Int
        public var body: [UInt8]
        /// `Retry-After` in seconds, when the venue sent one (429, 418).
        public var retryAfterSeconds: Int?
        /// `X-MBX-USED-WEIGHT-1M`, when present.
        public var usedWeight: Int?
    }

    /// The base URL (`https://api.binance.com`).
    public let endpoint: RESTEndpoint
    private let client: HTTPClient

    /// A client for `endpoint`; `caFile` replaces the system CAs, `verify: false` turns checks off
    /// (the caller only allows that on loopback).
    public init(endpoint: RESTEndpoint, caFile: String?, verify: Bool) {
        self.endpoint = endpoint
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile { tls.trustRoots = .file(caFile) }
        if !verify { tls.certificateVerification = .none }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(30))
        configuration.decompression = .disabled
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// GETs `path` (with its query); bodies above `limit` bytes are an error.
    public func get(_ path: String, limit: Int = 16 << 20, timeoutSeconds: Int64 = 30) async throws -> Answer {
        var request = HTTPClientRequest(url: endpoint.base + path)
        request.method = .GET
        request.headers.add(name: "Accept", value: "application/json")
        let response = try await client.execute(request, timeout: .seconds(timeoutSeconds))
        let buffer = try await response.body.collect(upTo: limit)
        return Answer(
            status: Int(response.status.code), body: Array(buffer.readableBytesView),
            retryAfterSeconds: response.headers.first(name: "Retry-After").flatMap { Int($0) },
            usedWeight: response.headers.first(name: "X-MBX-USED-WEIGHT-1M").flatMap { Int($0) })
    }

    /// The HTTP methods of the keyed calls (`send`).
    public enum Method: String, Sendable {
        case get = "GET", post = "POST", put = "PUT", delete = "DELETE"
    }

    /// Sends `method` to `path` (with its query) and the given headers (e.g. `X-MBX-APIKEY`), no body;
    /// bodies above `limit` bytes are an error. Header values are never logged here.
    public func send(
        _ method: Method, _ path: String, headers: [(String, String)] = [], limit: Int = 1 << 20,
        timeoutSeconds: Int64 = 30
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: endpoint.base + path)
        request.method = HTTPMethod(rawValue: method.rawValue)
        request.headers.add(name: "Accept", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await client.execute(request, timeout: .seconds(timeoutSeconds))
        let buffer = try await response.body.collect(upTo: limit)
        return Answer(
            status: Int(response.status.code), body: Array(buffer.readableBytesView),
            retryAfterSeconds: response.headers.first(name: "Retry-After").flatMap { Int($0) },
            usedWeight: response.headers.first(name: "X-MBX-USED-WEIGHT-1M").flatMap { Int($0) })
    }

    /// Closes the connection pool.
    public func shutdown() async {
        try? await client.shutdown()
    }
}
