import DocketCore
import Synchronization

/// Serializes the commands of this process to one stream: a command waits for the one before it on
/// the same stream, so that concurrent callers do not race each other into version conflicts
/// (conflicts with other processes are still detected by the expected version and retried).
/// Commands to different streams never wait for each other.
final class StreamLocks: Sendable {
    private struct Entry {
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let held = Mutex<[StreamID: Entry]>([:])

    func withLock<R>(_ stream: StreamID, _ body: () async throws -> R) async throws -> R {
        await acquire(stream)
        defer { release(stream) }
        return try await body()
    }

    private func acquire(_ stream: StreamID) async {
        let free: Bool = held.withLock { h in
            if h[stream] == nil {
                h[stream] = Entry()
                return true
            }
            return false
        }
        if free { return }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let resumeNow: Bool = held.withLock { h in
                if h[stream] == nil {
                    h[stream] = Entry()
                    return true
                }
                h[stream]!.waiters.append(c)
                return false
            }
            if resumeNow { c.resume() }
        }
    }

    /// Hands the lock to the next waiter, or frees it.
    private func release(_ stream: StreamID) {
        let next: CheckedContinuation<Void, Never>? = held.withLock { h in
            guard var entry = h[stream] else { return nil }
            if entry.waiters.isEmpty {
                h[stream] = nil
                return nil
            }
            let first = entry.waiters.removeFirst()
            h[stream] = entry
            return first
        }
        next?.resume()
    }
}
