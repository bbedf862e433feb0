import Foundation
import Synchronization

/// A named thread running one loop until asked to stop: the account processor's and the md
/// tape's. The loop polls `isStopping`, finishes what it holds, and returns; `stop` waits for it.
final class LoopThread: @unchecked Sendable {
    private let name: String
    private var thread: Thread?
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    init(name: String) { self.name = name }

    /// Whether `stop` was called (the loop's exit condition).
    var isStopping: Bool { stopping.load(ordering: .acquiring) }

    /// Starts `loop` on the thread.
    func start(_ loop: @escaping @Sendable () -> Void) {
        let thread = Thread { [finished] in
            loop()
            finished.signal()
        }
        thread.name = name
        self.thread = thread
        thread.start()
    }

    /// Asks the loop to stop and waits until it returned.
    func stop() {
        guard thread != nil else { return }
        stopping.store(true, ordering: .releasing)
        finished.wait()
        thread = nil
    }
}
