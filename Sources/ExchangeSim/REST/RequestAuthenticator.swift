import Crypto
import EngineModel
import Matching

/// An API key, its secret, and the venue account it trades for.
public struct APICredential: Hashable, Sendable {
    /// The value clients send in `X-MBX-APIKEY`.
    public var apiKey: String
    /// The HMAC-SHA256 secret.
    public var apiSecret: String
    /// The account the key trades for.
    public var account: AccountID

    /// A credential for `account`.
    public init(apiKey: String, apiSecret: String, account: AccountID) {
        self.apiKey = apiKey
        self.apiSecret = apiSecret
        self.account = account
    }
}

/// Checks a SIGNED request as Binance does: the API key, `timestamp` and `recvWindow`, and the
/// HMAC-SHA256 signature of the query string followed directly by the body.
public struct RequestAuthenticator: Sendable {
    /// Known keys.
    private let credentials: [String: APICredential]

    /// An authenticator knowing `credentials`.
    public init(credentials: [APICredential]) {
        self.credentials = Dictionary(credentials.map { ($0.apiKey, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The lower-case hex HMAC-SHA256 of `payload` under `secret`: the `signature` parameter.
    public static func signature(of payload: String, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(payload.utf8),
            using: SymmetricKey(data: Array(secret.utf8)))
        return mac.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// The account of a request, or the error Binance gives: -2014/-2015 (401) for the key,
    /// -1102 for a missing `timestamp` or `signature`, -1131 for a `recvWindow` over 60000,
    /// -1022 for a wrong signature, -1021 for a timestamp outside the window.
    ///
    /// - Parameters:
    ///   - apiKey: the `X-MBX-APIKEY` header, nil when absent.
    ///   - now: the server time in milliseconds.
    public func authenticate(
        apiKey: String?, parameters: RequestParameters, now: Int64
    ) throws(RESTError) -> APICredential {
        try authenticate(apiKey: apiKey, parameters: parameters, payloads: [parameters.signaturePayload], now: now)
    }

    /// The same checks, the signature being valid when it covers any of `payloads` (the
    /// WebSocket API signs its sorted parameters rather than the query string).
    func authenticate(
        apiKey: String?, parameters: RequestParameters, payloads: [String], now: Int64
    ) throws(RESTError) -> APICredential {
        guard let apiKey, !apiKey.isEmpty else { throw .badAPIKeyFormat }
        guard let credential = credentials[apiKey] else { throw .rejectedAPIKey }
        var timestamp = try parameters.requiredInteger("timestamp")
        if timestamp >= 100_000_000_000_000 { timestamp /= 1000 }  // microseconds
        let recvWindow = try parameters.integer("recvWindow") ?? 5000
        guard recvWindow > 0, recvWindow <= 60_000 else { throw .badRecvWindow }
        let sent = try parameters.required("signature")
        let valid = payloads.contains { payload in
            Self.constantTimeEqual(sent.lowercased(), Self.signature(of: payload, secret: credential.apiSecret))
        }
        guard valid else { throw .badSignature }
        guard timestamp < now + 1000, now - timestamp <= recvWindow else { throw .outsideRecvWindow }
        return credential
    }

    /// The credential of an API key alone (USER_STREAM endpoints): -2014 when missing, -2015
    /// when unknown.
    func credential(apiKey: String?) throws(RESTError) -> APICredential {
        guard let apiKey, !apiKey.isEmpty else { throw .badAPIKeyFormat }
        guard let credential = credentials[apiKey] else { throw .rejectedAPIKey }
        return credential
    }

    /// Compares two strings without stopping at the first difference.
    private static func constantTimeEqual(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.utf8)
        let b = Array(rhs.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
