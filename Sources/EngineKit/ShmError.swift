import CEngineShm

#if canImport(Glibc)
import Glibc
#endif

/// Why a shared-memory operation failed. Every case carries a message fit for an operator.
public enum ShmError: Error, Equatable, CustomStringConvertible {
    /// The segment does not exist: nothing runs on that instance.
    case notFound(String)
    /// The file is not a Tickwire segment, or is truncated.
    case notTickwire(String)
    /// The segment speaks an ABI major version this build does not know.
    case unsupportedABI(String)
    /// The file holds another kind of segment.
    case wrongKind(String)
    /// Another live engine holds the instance.
    case instanceBusy(pid: Int32, message: String)
    /// The instance name is not allowed.
    case invalidInstance(String)
    /// A ring, book or stats geometry that cannot be laid out.
    case invalidGeometry(String)
    /// A seqlock reader gave up after its bounded retries (the writer never paused).
    case readerStarved(String)
    /// Any other system error.
    case system(errno: Int32, message: String)

    /// Builds the error for a negative return of a `tw_*` call, with the C side's message.
    public static func fromC(_ rc: Int32, _ what: String = "") -> ShmError {
        let detail = String(cString: tw_error_message())
        let message = detail.isEmpty ? "\(what): \(String(cString: strerror(-rc)))" : detail
        switch -rc {
        case ENOENT: return .notFound(message)
        case EPROTO: return .notTickwire(message)
        case EPROTONOSUPPORT: return .unsupportedABI(message)
        case EMEDIUMTYPE: return .wrongKind(message)
        case EINVAL where message.contains("instance"): return .invalidInstance(message)
        default: return .system(errno: -rc, message: message)
        }
    }

    public var description: String {
        switch self {
        case .notFound(let m), .notTickwire(let m), .unsupportedABI(let m), .wrongKind(let m),
            .invalidInstance(let m), .invalidGeometry(let m), .readerStarved(let m):
            return m
        case .instanceBusy(_, let m): return m
        case .system(_, let m): return m
        }
    }
}
