import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A throwaway PostgreSQL server on loopback for one test: `initdb` into a temporary directory
/// (trust authentication, superuser `tickwire`), `pg_ctl start` on a free port with its socket in
/// that directory, and `pg_ctl stop -m fast` plus removal of the directory at the end.
///
/// initdb refuses to run as root, so as root the server runs as the `postgres` user (made by the
/// Debian packages; `nobody` otherwise) through `runuser`, and the directory is handed to that user.
struct PostgresServer {
    /// The directory holding the server binaries (initdb, pg_ctl), nil when none is installed.
    static let binDirectory: String? = findBinaries()

    /// Why the tests that need a server cannot run here ("" when they can).
    static let missingMessage =
        "PostgreSQL server binaries (initdb, pg_ctl) not found in /usr/lib/postgresql/*/bin or on PATH: "
        + "install the `postgresql` package (Tools/ci/install-deps.sh does)"

    /// The temporary directory: `data/`, the socket and `server.log`.
    let directory: String
    /// The TCP port on 127.0.0.1.
    let port: Int
    /// The OS user the server runs as when the tests run as root; nil otherwise.
    let runAs: String?

    /// A `postgres://` URL for `database` as the superuser.
    func url(_ database: String) -> String { "postgres://tickwire@127.0.0.1:\(port)/\(database)" }

    /// Starts a server, runs `body` and stops the server, whatever `body` does.
    static func with<T>(_ body: (PostgresServer) throws -> T) throws -> T {
        guard let bin = binDirectory else { throw ServerError(message: missingMessage) }
        let runAs: String? = geteuid() == 0 ? (getpwnam("postgres") != nil ? "postgres" : "nobody") : nil
        let directory = "/tmp/tickwire-pg-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        if let runAs, let user = getpwnam(runAs) {
            guard chown(directory, user.pointee.pw_uid, user.pointee.pw_gid) == 0 else {
                throw ServerError(message: "chown \(directory) to \(runAs) failed: errno \(errno)")
            }
        }
        let server = PostgresServer(directory: directory, port: try freePort(), runAs: runAs)
        try server.run(
            bin + "/initdb", ["-D", directory + "/data", "-U", "tickwire", "--auth=trust", "-E", "UTF8", "--no-sync"])
        let options = "-p \(server.port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off"
        try server.run(
            bin + "/pg_ctl", ["-D", directory + "/data", "-o", options, "-l", directory + "/server.log", "-w", "start"])
        defer { try? server.run(bin + "/pg_ctl", ["-D", directory + "/data", "-m", "fast", "-w", "stop"]) }
        return try body(server)
    }

    /// Runs a server binary (as `runAs` when set) and waits; throws with its output when it fails.
    ///
    /// posix_spawn and waitpid rather than Foundation's Process: Process learns of the exit through a
    /// descriptor that the server `pg_ctl start` leaves running inherits, so it would wait forever.
    private func run(_ executable: String, _ arguments: [String]) throws {
        let command = runAs.map { [PostgresServer.runuser, "-u", $0, "--", executable] } ?? [executable]
        let output = directory + "/\(URL(fileURLWithPath: executable).lastPathComponent).out"
        let status = try PostgresServer.spawnAndWait(command + arguments, output: output)
        guard status == 0 else {
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            let log = (try? String(contentsOfFile: directory + "/server.log", encoding: .utf8)) ?? ""
            throw ServerError(message: "\(command.joined(separator: " ")) exited with \(status): \(text)\(log)")
        }
    }

    /// Where util-linux's runuser lives on this system.
    private static let runuser =
        ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        } ?? "runuser"

    /// Spawns `argv` with stdin from /dev/null and stdout and stderr to `output`; returns its exit status.
    private static func spawnAndWait(_ argv: [String], output: String) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawnp(&pid, argv[0], &actions, nil, cArguments, environ)
        guard spawned == 0 else { throw ServerError(message: "cannot start \(argv[0]): errno \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw ServerError(message: "waitpid \(argv[0]): errno \(errno)") }
        }
        // WIFEXITED / WEXITSTATUS are macros Swift cannot see: the low 7 bits are the signal, if any.
        return status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }

    /// A TCP port nothing listens on at the moment (the kernel's choice for port 0).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServerError(message: "socket: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        guard bound else { throw ServerError(message: "bind/getsockname: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// The newest /usr/lib/postgresql/<version>/bin holding initdb and pg_ctl, else a PATH entry.
    private static func findBinaries() -> String? {
        let files = FileManager.default
        let hasBoth = { (directory: String) in
            files.isExecutableFile(atPath: directory + "/initdb")
                && files.isExecutableFile(atPath: directory + "/pg_ctl")
        }
        let versions = (try? files.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        let ordered = versions.sorted { (Double($0) ?? 0) > (Double($1) ?? 0) }
        if let version = ordered.first(where: { hasBoth("/usr/lib/postgresql/\($0)/bin") }) {
            return "/usr/lib/postgresql/\(version)/bin"
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return path.split(separator: ":").map(String.init).first(where: hasBoth)
    }
}

/// A test server that could not be set up.
struct ServerError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
