import ControlPlane
import Foundation
import Logging

/// Where `engine start` puts its control plane: `--control HOST:PORT` (else `$TICKWIRE_CONTROL`,
/// else 127.0.0.1:8780), `--no-control`, `--control-token-file`. Any address other than loopback
/// needs a token file; on loopback the engine makes a token and writes it 0600 to the state
/// directory as `<instance>.control-token`.
struct ControlOptions: Sendable {
    var host: String
    var port: Int
    var tokenFile: String?

    static let defaultAddress = "127.0.0.1:8780"

    /// nil when the control plane is off.
    static func resolve(address: String?, disabled: Bool, tokenFile: String?) throws -> ControlOptions? {
        if disabled {
            if address != nil || tokenFile != nil {
                throw fail("--no-control takes no --control or --control-token-file", code: 2)
            }
            return nil
        }
        let text = address ?? ProcessInfo.processInfo.environment["TICKWIRE_CONTROL"] ?? defaultAddress
        guard let (host, port) = split(text) else {
            throw fail("--control must be HOST:PORT (e.g. 127.0.0.1:8780, [::1]:8780), not '\(text)'", code: 2)
        }
        if !ControlSettings.isLoopback(host) && tokenFile == nil {
            throw fail(
                "--control \(text) listens beyond this machine: give --control-token-file FILE"
                    + " (a token of 16+ characters, mode 0600)",
                code: 2)
        }
        if let tokenFile {
            do { _ = try ControlToken.read(path: tokenFile) } catch { throw fail(error.description, code: 2) }
        }
        return ControlOptions(host: host, port: port, tokenFile: tokenFile)
    }

    /// "host:port" or "[v6]:port".
    static func split(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, host.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else { return nil }
        return (host, port)
    }

    /// Where the token is made when no file is given.
    static func tokenPath(instance: String) -> String {
        RecorderLocation.stateDirectory() + "/\(instance).control-token"
    }

    /// Fails now, with the reason, when the address cannot be bound (in use, not ours).
    func checkBindable() throws {
        guard port != 0 else { return }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
            throw fail("--control: cannot resolve '\(host)'", code: 2)
        }
        defer { freeaddrinfo(list) }
        let fd = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) != 0 {
            throw fail(
                "the control plane cannot listen on \(host):\(port): \(String(cString: strerror(errno)))"
                    + " (--control HOST:PORT for another address, --no-control for none)")
        }
    }
}

/// The control plane of a running engine: the server, its token and where it says it listens.
struct ControlRun: Sendable {
    let server: ControlServer
    let tokenPath: String
    let instance: String

    /// Reads or makes the token, builds the server over the engine's stacks.
    static func prepare(options: ControlOptions, stacks: [VenueStack], runsStrategies: Bool, logger: Logger) throws
        -> ControlRun
    {
        try options.checkBindable()
        let instance = stacks[0].settings.instance
        let tokenPath = options.tokenFile ?? ControlOptions.tokenPath(instance: instance)
        let token: String
        do {
            token =
                try options.tokenFile.map { try ControlToken.read(path: $0) } ?? ControlToken.create(path: tokenPath)
        } catch { throw fail("\(error)") }
        var settings = ControlSettings(token: token)
        settings.host = options.host
        settings.port = options.port
        let source: EngineControl
        do { source = try EngineControl(stacks: stacks, runsStrategies: runsStrategies) } catch {
            throw fail("control plane: \(error)")
        }
        return ControlRun(
            server: ControlServer(source: source, settings: settings, logger: logger), tokenPath: tokenPath,
            instance: instance)
    }

    /// Says where it listens once bound, on stdout and in `<state>/<instance>.control.json`.
    func announce() async {
        let port = await server.port()
        guard port != 0 else { return }
        let host = server.settings.host.contains(":") ? "[\(server.settings.host)]" : server.settings.host
        let url = "http://\(host):\(port)"
        print("engine: control plane \(url)/ (dashboard), \(url)/metrics; token for changes in \(tokenPath)")
        flushOutput()
        let info: [String: Any] = ["url": url, "token_file": tokenPath, "pid": Int(getpid())]
        _ = FileManager.default.createFile(atPath: infoPath, contents: Data(jsonLine(info).utf8))
    }

    /// Where the address is written for local tools.
    var infoPath: String { RecorderLocation.stateDirectory() + "/\(instance).control.json" }

    /// Forgets the address (the engine stops).
    func withdraw() { unlink(infoPath) }
}
