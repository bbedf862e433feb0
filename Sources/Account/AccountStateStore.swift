import Synchronization

/// The latest published `AccountSnapshot`, readable from any thread (seed 000 AccountStateStore).
///
/// One writer (the account processor) publishes; any number of in-process readers read. The store
/// holds a reference to an immutable final class box around the snapshot, behind a
/// `Synchronization.Mutex`: a read takes the lock only to copy that pointer (a retain), and a
/// publish only to swap it, never across work — the snapshot is built before the lock is taken,
/// and the box it replaces is released after the lock is let go. A reader therefore always sees
/// one whole snapshot, never a mix of two, and keeps it as long as it likes while newer ones are
/// published. External processes do not use this store: they read the lock-free, seqlocked shared
/// memory segment the engine writes from the same snapshots.
public final class AccountStateStore: Sendable {
    /// An immutable snapshot behind one pointer.
    private final class Box: Sendable {
        let snapshot: AccountSnapshot
        init(_ snapshot: AccountSnapshot) { self.snapshot = snapshot }
    }

    private let current: Mutex<Box>

    /// A store holding `initial` (the empty account, version 0, by default).
    public init(_ initial: AccountSnapshot = AccountSnapshot()) {
        current = Mutex(Box(initial))
    }

    /// The latest snapshot: one consistent version, immutable.
    public var snapshot: AccountSnapshot { box.snapshot }

    /// The latest snapshot's version.
    public var version: UInt64 { box.snapshot.version }

    /// Publishes a new snapshot; a snapshot older than the one held (a lower version) is ignored,
    /// so the version never goes backwards. Single writer. Returns whether it was taken.
    @discardableResult
    public func publish(_ snapshot: AccountSnapshot) -> Bool {
        let fresh = Box(snapshot)
        let replaced: Box? = current.withLock { held in
            guard snapshot.version >= held.snapshot.version else { return nil }
            let old = held
            held = fresh
            return old
        }
        // `replaced` (the old snapshot, perhaps its last reference) is released here, unlocked.
        return replaced != nil
    }

    /// The current box: the lock is held only for the pointer copy.
    private var box: Box { current.withLock { $0 } }
}
