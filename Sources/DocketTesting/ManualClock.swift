public import DocketCore
import Synchronization

/// A clock that stands still until told to move: recorded times in tests are exact.
public final class ManualClock: DocketClock {
    private let current: Mutex<Timestamp>

    /// Creates a clock showing `start` (default 2026-01-05T00:00:00Z).
    public init(_ start: Timestamp = Timestamp(millisecondsSinceEpoch: 1_767_571_200_000)) {
        current = Mutex(start)
    }

    public func now() -> Timestamp { current.withLock { $0 } }

    /// Sets the time.
    public func set(_ t: Timestamp) { current.withLock { $0 = t } }

    /// Moves the time forward by `milliseconds`.
    public func advance(milliseconds: Int64) {
        current.withLock { $0 = Timestamp(millisecondsSinceEpoch: $0.millisecondsSinceEpoch + milliseconds) }
    }
}
