import Foundation
import Recorder

// `postgres://user[:password]@host[:port]/database`, parsed by hand so that what is printed of it
// is under our control: the password is kept out of `description` and out of every error, including
// the errors about a URL too malformed to parse (`PostgresURL.redacting` masks what looks like one).

/// Where a `PostgresRecorder` connects: a parsed `postgres://` (or `postgresql://`) URL.
///
/// The host defaults to 127.0.0.1 (loopback) and the port to 5432. User and password may be
/// percent-encoded. TLS is not used: the store is meant for a server on the same host or a trusted
/// network, so `sslmode=disable` (or `prefer`/`allow`) is the only query parameter accepted.
public struct PostgresURL: Sendable, Hashable, CustomStringConvertible {
    /// The role to log in as.
    public var user: String
    /// The role's password, when the server asks for one. Never printed.
    public var password: String?
    /// The server's host name or address.
    public var host: String
    /// The server's TCP port.
    public var port: Int
    /// The database to open.
    public var database: String

    /// Parses `text`; throws `.cannotOpen` naming what is wrong (with any password masked).
    public init(parsing text: String) throws(RecorderError) {
        let redacted = PostgresURL.redacting(text)
        func bad(_ reason: String) -> RecorderError { .cannotOpen(path: redacted, reason: reason) }
        guard let schemeEnd = text.range(of: "://"),
            ["postgres", "postgresql"].contains(text[..<schemeEnd.lowerBound].lowercased())
        else { throw bad("not a postgres:// URL (expected postgres://user[:password]@host:port/database)") }
        var rest = Substring(text[schemeEnd.upperBound...])
        if let question = rest.firstIndex(of: "?") {
            try PostgresURL.checkParameters(rest[rest.index(after: question)...], bad)
            rest = rest[..<question]
        }
        guard let at = rest.lastIndex(of: "@") else { throw bad("no user (expected user[:password]@host)") }
        let userInfo = rest[..<at]
        rest = rest[rest.index(after: at)...]
        guard let slash = rest.firstIndex(of: "/") else { throw bad("no database name after the host") }
        let authority = rest[..<slash]
        let databasePart = rest[rest.index(after: slash)...]
        guard !databasePart.isEmpty, !databasePart.contains("/") else { throw bad("a database name is needed") }
        guard let database = databasePart.removingPercentEncoding else { throw bad("bad %-escape in the database") }

        let colon = userInfo.firstIndex(of: ":")
        guard let user = userInfo[..<(colon ?? userInfo.endIndex)].removingPercentEncoding, !user.isEmpty else {
            throw bad("the user name is empty or badly %-escaped")
        }
        var password: String?
        if let colon {
            guard let decoded = userInfo[userInfo.index(after: colon)...].removingPercentEncoding else {
                throw bad("the password is badly %-escaped")
            }
            password = decoded
        }
        let (host, port) = try PostgresURL.hostAndPort(authority, bad)
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.database = database
    }

    /// The URL with the password replaced by `***`: what logs and errors show.
    public var description: String {
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        return "postgres://\(user)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)"
    }

    /// `text` with whatever sits between the user and the last `@` masked and the query string
    /// dropped: safe to print even when `text` is not a URL this type can parse.
    public static func redacting(_ fullText: String) -> String {
        let text = fullText.firstIndex(of: "?").map { String(fullText[..<$0]) } ?? fullText
        guard let schemeEnd = text.range(of: "://"), let at = text.lastIndex(of: "@"), at > schemeEnd.lowerBound,
            let colon = text[schemeEnd.upperBound..<at].firstIndex(of: ":")
        else { return text }
        return String(text[...colon]) + "***" + String(text[at...])
    }

    private static func hostAndPort(_ authority: Substring, _ bad: (String) -> RecorderError) throws(RecorderError)
        -> (String, Int)
    {
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw bad("an IPv6 host lacks its closing ]") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw bad("unexpected text after the IPv6 host") }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        if host.isEmpty { host = "127.0.0.1" }
        guard let portText else { return (String(host), 5432) }
        guard let port = Int(portText), (1...65_535).contains(port) else {
            throw bad("the port \"\(portText)\" is not a number from 1 to 65535")
        }
        return (String(host), port)
    }

    private static func checkParameters(_ query: Substring, _ bad: (String) -> RecorderError) throws(RecorderError) {
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, parts[0] == "sslmode", ["disable", "allow", "prefer"].contains(parts[1]) else {
                throw bad("unsupported parameter \"\(parts[0])\" (only sslmode=disable is understood; TLS is not used)")
            }
        }
    }
}
