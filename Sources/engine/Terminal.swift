import Foundation
import Synchronization

/// The terminal while `engine top` owns it: raw input (no echo, no line editing, no signals from
/// keys), the alternate screen, the cursor hidden — all put back on `restore()`, on SIGINT,
/// SIGTERM and SIGHUP too.
final class Terminal {
    private var saved = termios()
    /// Set by SIGINT, SIGTERM or SIGHUP (a lock-free atomic: safe in a signal handler).
    static let stop = Atomic<Bool>(false)
    static var stopRequested: Bool { stop.load(ordering: .relaxed) }

    init() throws {
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else { throw fail("cannot read the terminal's settings", code: 2) }
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG | IEXTEN)
        raw.c_iflag &= ~tcflag_t(IXON | ICRNL)
        // Reads return what is there (VMIN 0, VTIME 0): poll() does the waiting.
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 0
            cc[Int(VTIME)] = 0
        }
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw)
        for number in [SIGINT, SIGTERM, SIGHUP] { signal(number) { _ in Terminal.stop.store(true, ordering: .relaxed) } }
        write("\u{1b}[?1049h\u{1b}[?25l\u{1b}[H\u{1b}[2J")
    }

    /// Leaves the alternate screen and gives the terminal its settings back.
    func restore() {
        write("\u{1b}[?25h\u{1b}[?1049l")
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
    }

    /// Columns and rows (120×40 when the terminal does not say).
    var size: (width: Int, height: Int) {
        var w = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &w) == 0, w.ws_col > 0, w.ws_row > 0 else { return (120, 40) }
        return (Int(w.ws_col), Int(w.ws_row))
    }

    /// Draws a frame over the last one: home, each line then clear to its end, clear below.
    func draw(_ lines: [String]) {
        var out = "\u{1b}[H"
        for line in lines { out += line + "\u{1b}[K\r\n" }
        out += "\u{1b}[J"
        write(out)
    }

    /// The keys typed within `waitingMs` (returns at the first input, or when the time is up).
    func keys(waitingMs: Int) -> [TopKey] {
        var descriptor = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, Int32(waitingMs)) > 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = read(STDIN_FILENO, &buffer, buffer.count)
        guard n > 0 else { return [] }
        var keys: [TopKey] = []
        var i = 0
        while i < n {
            if buffer[i] == 0x1b, i + 2 < n, buffer[i + 1] == UInt8(ascii: "[") {
                if buffer[i + 2] == UInt8(ascii: "C") { keys.append(.right) }
                if buffer[i + 2] == UInt8(ascii: "D") { keys.append(.left) }
                i += 3
                continue
            }
            keys.append(buffer[i] == 9 ? .tab : .char(buffer[i]))
            i += 1
        }
        return keys
    }

    private func write(_ text: String) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(STDOUT_FILENO, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            offset += n
        }
    }
}
