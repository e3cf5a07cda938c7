internal import Synchronization

/// Wakes tasks waiting for the log to grow past a position. A store publishes its last position
/// after every commit; ``EventSubscription`` waits on it through `waitForEvents(after:)`.
public final class CommitSignal: Sendable {
    private struct Waiter {
        let id: UInt64
        let after: LogPosition
        let continuation: CheckedContinuation<Void, any Error>
    }
    private struct State {
        var last = LogPosition.beforeFirst
        var nextID: UInt64 = 0
        var waiters: [Waiter] = []
    }
    private let state = Mutex(State())

    /// Creates a signal whose last known position is `last`.
    public init(last: LogPosition = .beforeFirst) {
        state.withLock { $0.last = last }
    }

    /// Records that the log now ends at `position` and wakes every waiter it satisfies.
    public func publish(_ position: LogPosition) {
        let ready: [Waiter] = state.withLock { s in
            guard position > s.last else { return [] }
            s.last = position
            let (ready, rest) = s.waiters.reduce(into: ([Waiter](), [Waiter]())) { acc, w in
                if w.after < position { acc.0.append(w) } else { acc.1.append(w) }
            }
            s.waiters = rest
            return ready
        }
        for w in ready { w.continuation.resume() }
    }

    /// Returns once a position greater than `position` is published, or after `timeout` (to poll
    /// for writes by other processes); throws `CancellationError` when the task is cancelled.
    public func wait(after position: LogPosition, timeout: Duration) async throws {
        let id = state.withLock { s -> UInt64 in s.nextID += 1; return s.nextID }
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            self?.finish(id, with: nil)
        }
        defer { timer.cancel() }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let resumeNow: Bool = state.withLock { s in
                    if s.last > position || Task.isCancelled { return true }
                    s.waiters.append(Waiter(id: id, after: position, continuation: c))
                    return false
                }
                if resumeNow { c.resume() }
            }
        } onCancel: {
            self.finish(id, with: CancellationError())
        }
        try Task.checkCancellation()
    }

    private func finish(_ id: UInt64, with error: (any Error)?) {
        let waiter: Waiter? = state.withLock { s in
            guard let i = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return s.waiters.remove(at: i)
        }
        guard let waiter else { return }
        if let error { waiter.continuation.resume(throwing: error) } else { waiter.continuation.resume() }
    }
}
