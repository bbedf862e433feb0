import Foundation

/// How the control plane listens and serves.
public struct ControlSettings: Sendable {
    /// Where it listens: 127.0.0.1 unless an operator says otherwise (then a token file is required).
    public var host = "127.0.0.1"
    /// 8780 by default; 0 lets the system pick (tests).
    public var port = 8780
    /// The bearer token every mutating request must carry.
    public var token: String
    /// Largest request body taken (POST /api/orders is a few hundred bytes).
    public var maxBodyBytes = 16 * 1024
    /// Dashboard clients at once (seed 002 max_clients).
    public var maxClients = 100
    /// Dashboard update periods by client type (seed 002 tui_update_rate_ms, web_update_rate_ms).
    public var tuiIntervalMs = 100
    public var webIntervalMs = 250
    /// Heartbeat period of both streams (seed 002 heartbeat_interval_ms).
    public var heartbeatIntervalMs = 5000
    /// A client whose socket has not taken a message for this long is dropped.
    public var sendTimeoutMs = 5000
    /// Messages an account-stream client may have queued before it is dropped as too slow.
    public var streamQueueCapacity = 1024
    /// How often the shared state is sampled for the streams and the PnL history.
    public var sampleIntervalMs = 100
    /// Book levels a side in dashboard messages.
    public var dashboardDepth = 10

    public init(token: String) { self.token = token }

    /// Whether `host` is a loopback address.
    public var isLoopback: Bool { Self.isLoopback(host) }

    /// Whether an address is loopback (127.0.0.0/8, ::1, localhost).
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}

/// The control plane's bearer token: read from a file the operator names, or made at start and
/// written 0600 beside the instance's other state so local tools (and tests) can read it.
public enum ControlToken {
    /// Why a token could not be had.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The token in `path`: one line, at least 16 characters, the file not readable by others.
    public static func read(path: String) throws(Failure) -> String {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw Failure(description: "control token file \(path): \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw Failure(description: "control token file \(path) is readable by others (chmod 600 it)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure(description: "control token file \(path) cannot be read")
        }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard token.utf8.count >= 16, token.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else {
            throw Failure(
                description: "control token file \(path) must hold one token of at least 16 printable characters")
        }
        return token
    }

    /// A new random token (32 bytes from the system's generator, hex) written to `path` with mode
    /// 0600, replacing what was there.
    public static func create(path: String) throws(Failure) -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255, using: &generator) }
        let token = bytes.map { String(format: "%02x", $0) }.joined()
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        unlink(path)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            throw Failure(description: "control token file \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let line = Array((token + "\n").utf8)
        guard write(fd, line, line.count) == line.count else {
            throw Failure(description: "control token file \(path): short write")
        }
        return token
    }

    /// Compares in time that depends only on the lengths, not on where the strings differ.
    public static func matches(_ presented: String, _ token: String) -> Bool {
        let a = Array(presented.utf8)
        let b = Array(token.utf8)
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for i in 0..<max(a.count, b.count) {
            difference |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
        }
        return difference == 0
    }
}
