import ArgumentParser
import CBench

/// The reader side of the process scenarios, spawned by `bench latency` as
/// `/proc/self/exe peer …`. Not for people: parameters come from the control file.
struct Peer: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reader process of the *-process latency scenarios (spawned by bench latency).",
        shouldDisplay: false
    )

    @Option(help: "seqlock or ring.")
    var kind: String

    @Option(help: "Instance name of the bench's segments.")
    var instance: String

    @Option(help: "CPU to pin the reader to.")
    var cpu: Int32

    func run() throws {
        let peerKind: tw_bench_peer_kind_t
        switch kind {
        case "seqlock": peerKind = TW_BENCH_PEER_SEQLOCK
        case "ring": peerKind = TW_BENCH_PEER_RING
        default: throw ValidationError("unknown peer kind '\(kind)'; expected seqlock or ring")
        }
        var message = [CChar](repeating: 0, count: Int(TW_BENCH_ERROR_MAX))
        let rc = tw_bench_peer(peerKind, instance, cpu, &message, UInt32(message.count))
        guard rc == 0 else {
            // Usually reported to the parent through the control file; print only what it cannot see.
            if message[0] != 0 {
                let text = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
                throw fail("peer: " + text, code: 1)
            }
            throw ExitCode(1)
        }
    }
}
