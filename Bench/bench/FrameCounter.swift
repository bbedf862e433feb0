import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A minimal WebSocket client on a blocking socket: upgrades, then counts the server's
/// complete text messages until `expected` arrived, the server closed, or 10 s passed with
/// nothing new.
enum FrameCounter {
    /// What one connection received.
    struct Result: Sendable {
        /// Complete text messages.
        var messages = 0
        /// Payload bytes of those messages.
        var bytes = 0
        /// Monotonic ns of the first and last message.
        var first: UInt64?
        var last: UInt64?
        /// Why it stopped early, if it did.
        var error: String?
    }

    /// Connects to 127.0.0.1:`port`, requests `path`, and counts.
    static func run(port: Int, path: String, expected: Int) -> Result {
        var result = Result()
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return Result(error: "socket: errno \(errno)") }
        defer { close(fd) }
        var size: Int32 = 4 << 20
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard connectLoopback(fd, port: port) == 0 else { return Result(error: "connect: errno \(errno)") }
        let request =
            "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        let sent = request.utf8CString.withUnsafeBufferPointer { send(fd, $0.baseAddress, $0.count - 1, 0) }
        guard sent == request.utf8.count else { return Result(error: "send: errno \(errno)") }

        var buffer = [UInt8](repeating: 0, count: 8 << 20)
        var start = 0
        var end = 0
        var upgraded = false
        while result.messages < expected {
            if end == buffer.count {
                buffer.replaceSubrange(0..<(end - start), with: buffer[start..<end])
                end -= start
                start = 0
            }
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + end, $0.count - end, 0) }
            if count <= 0 {
                result.error = count == 0 ? "the server closed the connection" : "recv: errno \(errno)"
                break
            }
            end += count
            if !upgraded {
                guard let headerEnd = headerEnd(buffer, start, end) else { continue }
                let header = String(decoding: buffer[start..<headerEnd], as: UTF8.self)
                guard header.hasPrefix("HTTP/1.1 101") else {
                    return Result(error: "upgrade refused: \(header.prefix { $0 != "\r" })")
                }
                upgraded = true
                start = headerEnd
            }
            let now = DispatchTime.now().uptimeNanoseconds
            let before = result.messages
            guard parse(buffer, &start, end, &result) else { break }
            if result.messages > before {
                if result.first == nil { result.first = now }
                result.last = now
            }
            if start == end {
                start = 0
                end = 0
            }
        }
        return result
    }

    /// The index after the response header's blank line.
    private static func headerEnd(_ buffer: [UInt8], _ start: Int, _ end: Int) -> Int? {
        var index = start
        while index + 3 < end {
            if buffer[index] == 13, buffer[index + 1] == 10, buffer[index + 2] == 13, buffer[index + 3] == 10 {
                return index + 4
            }
            index += 1
        }
        return nil
    }

    /// Consumes every complete frame in `buffer[start..<end]`; false on a close frame.
    private static func parse(_ buffer: [UInt8], _ start: inout Int, _ end: Int, _ result: inout Result) -> Bool {
        while end - start >= 2 {
            let opcode = buffer[start] & 0x0F
            let fin = buffer[start] & 0x80 != 0
            var length = Int(buffer[start + 1] & 0x7F)
            var header = 2
            if length == 126 {
                guard end - start >= 4 else { return true }
                length = Int(buffer[start + 2]) << 8 | Int(buffer[start + 3])
                header = 4
            } else if length == 127 {
                guard end - start >= 10 else { return true }
                length = (0..<8).reduce(0) { $0 << 8 | Int(buffer[start + 2 + $1]) }
                header = 10
            }
            if buffer[start + 1] & 0x80 != 0 { header += 4 }
            guard end - start >= header + length else { return true }
            switch opcode {
            case 0x8: return false
            case 0x0, 0x1:
                result.bytes += length
                if fin { result.messages += 1 }
            default: break
            }
            start += header + length
        }
        return true
    }
}

/// Connects `fd` to 127.0.0.1:`port`; 0 or -1 (errno set), as connect(2).
func connectLoopback(_ fd: Int32, port: Int) -> Int32 {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
}
