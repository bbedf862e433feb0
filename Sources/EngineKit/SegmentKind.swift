import CEngineShm

/// The kinds of segment an engine instance publishes; raw values are the ABI's `tw_segment_kind_t`.
public enum SegmentKind: UInt32, CaseIterable, Sendable {
    case md = 1, books = 2, cmd = 3, exec = 4, account = 5, stats = 6

    /// The file-name suffix: `tickwire.<instance>.<name>`.
    public var name: String { String(cString: tw_segment_kind_name(rawValue)) }
}

/// Life of a segment's writer; raw values are the ABI's `tw_segment_state_t`.
public enum SegmentState: UInt32, Sendable, CustomStringConvertible {
    case starting = 1, live = 2, stopping = 3, dead = 4

    public var description: String {
        switch self {
        case .starting: "starting"
        case .live: "live"
        case .stopping: "stopping"
        case .dead: "dead"
        }
    }
}
