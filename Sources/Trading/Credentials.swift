import Foundation

/// A venue API key and secret. The secret never appears in a description, a log line, an
/// error message, shared memory or the control plane: only the C gateway sees it, once, at create.
public struct Credentials: Sendable, CustomStringConvertible {
    /// The API key (sent with every signed request).
    public let apiKey: String
    /// The HMAC secret.
    public let apiSecret: String
    /// Where they came from, for messages: "environment", "file PATH", "sim".
    public let source: String

    /// Credentials from values.
    public init(apiKey: String, apiSecret: String, source: String) {
        self.apiKey = apiKey
        self.apiSecret = apiSecret
        self.source = source
    }

    /// The key's first characters only.
    public var description: String { "api key \(apiKey.prefix(6))… from \(source) (secret redacted)" }

    /// Why credentials could not be loaded. Messages never contain the secret.
    public enum LoadError: Error, Equatable, CustomStringConvertible {
        case unreadable(String)
        case tooOpen(path: String, mode: Int)
        case malformed(String)
        case incomplete(String)

        public var description: String {
            switch self {
            case .unreadable(let m), .malformed(let m), .incomplete(let m): m
            case .tooOpen(let path, let mode):
                "credentials file \(path) has mode \(String(mode, radix: 8)); it must be 0600 (chmod 600 \(path))"
            }
        }
    }

    /// `TICKWIRE_API_KEY` and `TICKWIRE_API_SECRET`, or nil when neither is set.
    public static func fromEnvironment(_ environment: [String: String]) throws(LoadError) -> Credentials? {
        let key = environment["TICKWIRE_API_KEY"], secret = environment["TICKWIRE_API_SECRET"]
        if key == nil && secret == nil { return nil }
        guard let key, !key.isEmpty, let secret, !secret.isEmpty else {
            throw .incomplete("set both TICKWIRE_API_KEY and TICKWIRE_API_SECRET, or neither")
        }
        return Credentials(apiKey: key, apiSecret: secret, source: "environment")
    }

    /// A file of mode 0600 holding `{"api_key": "...", "api_secret": "..."}` or the two lines
    /// `api_key=...` and `api_secret=...`; refused when group or others may read it.
    public static func fromFile(_ path: String) throws(LoadError) -> Credentials {
        var st = stat()
        guard stat(path, &st) == 0 else { throw .unreadable("cannot read credentials file \(path): \(String(cString: strerror(errno)))") }
        let mode = Int(st.st_mode & 0o777)
        guard mode & 0o077 == 0 else { throw .tooOpen(path: path, mode: mode) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable("cannot read credentials file \(path)")
        }
        var key: String?, secret: String?
        if let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            key = object["api_key"] as? String
            secret = object["api_secret"] as? String
        } else {
            for line in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline) {
                let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2 else { continue }
                if parts[0] == "api_key" { key = parts[1] }
                if parts[0] == "api_secret" { secret = parts[1] }
            }
        }
        guard let key, !key.isEmpty, let secret, !secret.isEmpty else {
            throw .malformed("credentials file \(path) needs api_key and api_secret (JSON object or key=value lines)")
        }
        return Credentials(apiKey: key, apiSecret: secret, source: "file \(path)")
    }
}
