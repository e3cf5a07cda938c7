import DocketCore
import Synchronization

/// A bounded cache of stream states, shared by concurrent callers.
///
/// Two generations approximate least-recently-used eviction in O(1): entries go to the young
/// generation; when it holds half the capacity it becomes the old one (and the previous old one is
/// dropped); a hit in the old generation moves the entry back to the young one.
final class StateCache<State: Sendable>: Sendable {
    private struct Generations: ~Copyable {
        var young: [StreamID: StreamState<State>] = [:]
        var old: [StreamID: StreamState<State>] = [:]
    }

    private let generations = Mutex(Generations())
    private let half: Int

    init(capacity: Int) {
        half = Swift.max(1, capacity / 2)
    }

    func get(_ stream: StreamID) -> StreamState<State>? {
        generations.withLock { g in
            if let s = g.young[stream] { return s }
            guard let s = g.old.removeValue(forKey: stream) else { return nil }
            Self.insert(s, for: stream, into: &g, half: half)
            return s
        }
    }

    /// Stores a state unless the cache already holds a newer version of the stream.
    func put(_ state: StreamState<State>, for stream: StreamID) {
        generations.withLock { g in
            if let known = g.young[stream] ?? g.old[stream], known.version > state.version { return }
            g.old[stream] = nil
            Self.insert(state, for: stream, into: &g, half: half)
        }
    }

    func remove(_ stream: StreamID) {
        generations.withLock { g in
            g.young[stream] = nil
            g.old[stream] = nil
        }
    }

    func removeAll() {
        generations.withLock { g in
            g.young = [:]
            g.old = [:]
        }
    }

    var count: Int { generations.withLock { $0.young.count + $0.old.count } }

    private static func insert(_ s: StreamState<State>, for stream: StreamID, into g: inout Generations, half: Int) {
        g.young[stream] = s
        if g.young.count >= half {
            g.old = g.young
            g.young = [:]
        }
    }
}
