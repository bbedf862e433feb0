import CEngineCore

/// Why a core list cannot be used.
public enum CoreError: Error, Equatable, CustomStringConvertible {
    /// The list does not parse (`--cores 0,1`).
    case invalidList(String)
    /// A core that does not exist or is not in this process's allowed set.
    case notAllowed(core: Int, usable: [Int])
    /// The kernel refused to pin the thread.
    case pinFailed(core: Int, errno: Int32)

    public var description: String {
        switch self {
        case .invalidList(let text):
            return "invalid core list '\(text)': expected comma-separated core numbers such as 0,1"
        case .notAllowed(let core, let usable):
            let list = usable.map(String.init).joined(separator: ",")
            return "core \(core) is not usable here; usable cores: \(list)"
        case .pinFailed(let core, let errno):
            return "cannot pin thread to core \(core) (errno \(errno))"
        }
    }
}

/// An ordered list of cores for the engine's threads: the feed thread takes the first.
public struct CoreSet: Equatable, Sendable {
    /// The cores, in assignment order.
    public let cores: [Int]

    /// Parses `"0,1"`; duplicates and negatives are errors.
    public init(parsing text: String) throws(CoreError) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        var cores: [Int] = []
        for part in parts {
            guard let core = Int(part.trimmingSpaces), core >= 0, !cores.contains(core) else {
                throw .invalidList(text)
            }
            cores.append(core)
        }
        guard !cores.isEmpty else { throw .invalidList(text) }
        self.cores = cores
    }

    /// Wraps an already valid list.
    public init(_ cores: [Int]) { self.cores = cores }

    /// Checks every core exists and is allowed, before anything starts.
    public func validate() throws(CoreError) {
        for core in cores where tw_cpu_allowed(Int32(core)) == 0 {
            throw .notAllowed(core: core, usable: CoreSet.allowed())
        }
    }

    /// The cores this process may run on. The corresponding C function is `tw_cpu_allowed_list`.
    public static func allowed() -> [Int] {
        var buf = [Int32](repeating: 0, count: 1024)
        let n = tw_cpu_allowed_list(&buf, Int32(buf.count))
        return n > 0 ? buf.prefix(Int(n)).map(Int.init) : []
    }

    /// Pins the calling thread. The corresponding C function is `tw_cpu_pin_self`.
    public static func pinCurrentThread(to core: Int) throws(CoreError) {
        let rc = tw_cpu_pin_self(Int32(core))
        if rc == -22 { throw .notAllowed(core: core, usable: allowed()) }
        guard rc == 0 else { throw .pinFailed(core: core, errno: -rc) }
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return s
    }
}
