import ExchangeSim
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting

#if canImport(Glibc)
    import Glibc
#endif

/// A bare WebSocket client over a blocking socket, read by its own thread (not the test's
/// cooperative threads, which the in-process server needs): it shows every frame as sent —
/// pings, truncated text, close frames — and can leave pings unanswered.
final class RawWebSocket: @unchecked Sendable {
    /// One received frame.
    struct Frame: Sendable {
        let opcode: UInt8
        let payload: [UInt8]
        let at: ContinuousClock.Instant
        var text: String { String(decoding: payload, as: UTF8.self) }
        var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(payload))) as? [String: Any] }
    }

    private let fd: Int32
    private let lock = NSLock()
    private var received: [Frame] = []
    private var ended: ContinuousClock.Instant?
    private var answerPings: Bool
    private var pending: [UInt8] = []

    /// Connects to `path` on the loopback port and upgrades; `answerPings` false leaves
    /// server pings unanswered. The blocking connect and handshake run on their own thread.
    convenience init(port: Int, path: String, answerPings: Bool = true) async throws {
        let fd: Int32 = try await withCheckedThrowingContinuation { continuation in
            Thread {
                do {
                    continuation.resume(returning: try Self.handshake(port: port, path: path))
                } catch {
                    continuation.resume(throwing: error)
                }
            }.start()
        }
        self.init(fd: fd, answerPings: answerPings)
    }

    private init(fd: Int32, answerPings: Bool) {
        self.fd = fd
        self.answerPings = answerPings
        let thread = Thread { [self] in readLoop() }
        thread.start()
    }

    /// Connects and upgrades (blocking); the socket.
    private static func handshake(port: Int, path: String) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            throw Failure("connect failed: \(errno)")
        }
        let request =
            "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        Array(request.utf8).withUnsafeBytes { _ = Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var head: [UInt8] = []
        while !head.suffix(4).elementsEqual([13, 10, 13, 10]) {
            var byte: UInt8 = 0
            guard recv(fd, &byte, 1, 0) == 1 else {
                close(fd)
                throw Failure("upgrade: connection closed")
            }
            head.append(byte)
        }
        let status = String(decoding: head, as: UTF8.self)
        guard status.hasPrefix("HTTP/1.1 101") else {
            close(fd)
            throw Failure("upgrade refused: \(status.prefix(40))")
        }
        return fd
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    deinit { close(fd) }

    /// Everything received so far.
    var frames: [Frame] { lock.withLock { received } }
    /// The text frames received so far.
    var texts: [Frame] { frames.filter { $0.opcode == 1 } }
    /// When the server closed the TCP connection, if it did.
    var closedAt: ContinuousClock.Instant? { lock.withLock { ended } }

    /// Starts or stops answering pings.
    func setAnswerPings(_ on: Bool) { lock.withLock { answerPings = on } }

    /// Sends a masked frame.
    func send(opcode: UInt8, _ payload: [UInt8]) {
        var frame: [UInt8] = [0x80 | opcode]
        if payload.count < 126 {
            frame.append(0x80 | UInt8(payload.count))
        } else {
            frame.append(0x80 | 126)
            frame += [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        }
        let mask: [UInt8] = [1, 2, 3, 4]
        frame += mask
        frame += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        write(frame)
    }

    /// Closes the socket.
    func shutdown() { Glibc.shutdown(fd, Int32(SHUT_RDWR)) }

    /// Waits (polling) until `condition` holds or `seconds` pass.
    func wait(seconds: Double, _ condition: (RawWebSocket) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if condition(self) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition(self)
    }

    private func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { _ = Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    private func readLoop() {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else { break }
            pending += buffer[0..<n]
            while let frame = nextFrame() {
                lock.withLock { received.append(frame) }
                if frame.opcode == 9, lock.withLock({ answerPings }) { send(opcode: 10, frame.payload) }
            }
        }
        lock.withLock { ended = .now }
    }

    private func nextFrame() -> Frame? {
        guard pending.count >= 2 else { return nil }
        var length = Int(pending[1] & 0x7F)
        var offset = 2
        if length == 126 {
            guard pending.count >= 4 else { return nil }
            length = Int(pending[2]) << 8 | Int(pending[3])
            offset = 4
        } else if length == 127 {
            guard pending.count >= 10 else { return nil }
            length = pending[2..<10].reduce(0) { $0 << 8 | Int($1) }
            offset = 10
        }
        guard pending.count >= offset + length else { return nil }
        let frame = Frame(opcode: pending[0] & 0x0F, payload: Array(pending[offset..<offset + length]), at: .now)
        pending.removeFirst(offset + length)
        return frame
    }
}

/// The fault admin endpoints through the test client.
extension SimHTTP {
    /// `POST /admin/faults` with `{"spec": spec}`; the answer.
    func armFault(_ spec: String) async throws -> Answer {
        let body = try JSONSerialization.data(withJSONObject: ["spec": spec])
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        let response = try await client.execute(
            .init("/admin/faults", method: .post, headers: headers, body: ByteBuffer(bytes: body)))
        let data = response.body.map { Data(String(buffer: $0).utf8) } ?? Data()
        return Answer(
            status: response.status.code, headers: response.headers,
            json: try? JSONSerialization.jsonObject(with: data))
    }

    /// `GET /admin/faults/log` entries.
    func faultLog() async throws -> [[String: Any]] {
        try await send(.get, "/admin/faults/log").object["entries"] as? [[String: Any]] ?? []
    }

    /// The log entries with `action`, waiting up to `seconds` for at least one.
    func faultLog(action: String, within seconds: Double = 5) async throws -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let entries = try await faultLog().filter { $0["action"] as? String == action }
            if !entries.isEmpty || Date() > deadline { return entries }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// The open WebSocket connections `GET /admin/faults` lists.
    func openConnections() async throws -> [[String: Any]] {
        try await send(.get, "/admin/faults").object["connections"] as? [[String: Any]] ?? []
    }
}

/// A quiet configuration whose books move (participants every 20 ms), for stream tests.
func movingConfiguration() -> ExchangeSimServer.Configuration {
    var configuration = SimHTTP.quiet()
    configuration.participantIntervalMillis = 20
    return configuration
}

/// An integer member of a parsed JSON object.
func int64(of value: Any?) -> Int64 { (value as? NSNumber)?.int64Value ?? -1 }
