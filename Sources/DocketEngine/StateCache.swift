import DocketCore
import Synchronization

/// A bounded cache of stream states, shared by concurrent callers, in shards (by the stream id's
/// hash) so that callers on different streams rarely wait for each other.
///
/// Two generations approximate least-recently-used eviction in O(1): entries go to the young
/// generation; when it holds half the capacity it becomes the old one (and the previous old one is
/// dropped); a hit in the old generation moves the entry back to the young one.
final class StateCache<State: Sendable>: Sendable {
    private struct Generations: ~Copyable {
        var young: [StreamID: StreamState<State>] = [:]
        var old: [StreamID: StreamState<State>] = [:]
    }

    private final class Shard: Sendable {
        let generations = Mutex(Generations())
    }

    private let shards: [Shard]
    private let half: Int

    init(capacity: Int, shards: Int = 16) {
        self.shards = (0..<shards).map { _ in Shard() }
        half = Swift.max(1, capacity / 2 / shards)
    }

    private func shard(_ stream: StreamID) -> Shard {
        shards[Int(UInt(bitPattern: stream.hashValue) % UInt(shards.count))]
    }

    func get(_ stream: StreamID) -> StreamState<State>? {
        shard(stream).generations.withLock { g in
            if let s = g.young[stream] { return s }
            guard let s = g.old.removeValue(forKey: stream) else { return nil }
            Self.insert(s, for: stream, into: &g, half: half)
            return s
        }
    }

    /// Stores a state unless the cache already holds a newer version of the stream.
    func put(_ state: StreamState<State>, for stream: StreamID) {
        shard(stream).generations.withLock { g in
            // Compared in place: a stream's state can be large, and copying it out only to read its
            // version showed in profiles.
            if let i = g.young.index(forKey: stream) {
                if g.young.values[i].version > state.version { return }
                g.young.values[i] = state
                return
            }
            if !g.old.isEmpty, let known = g.old.removeValue(forKey: stream), known.version > state.version {
                Self.insert(known, for: stream, into: &g, half: half)
                return
            }
            Self.insert(state, for: stream, into: &g, half: half)
        }
    }

    func remove(_ stream: StreamID) {
        shard(stream).generations.withLock { g in
            g.young[stream] = nil
            g.old[stream] = nil
        }
    }

    func removeAll() {
        for shard in shards {
            shard.generations.withLock { g in
                g.young = [:]
                g.old = [:]
            }
        }
    }

    var count: Int { shards.reduce(0) { n, s in n + s.generations.withLock { $0.young.count + $0.old.count } } }

    private static func insert(_ s: StreamState<State>, for stream: StreamID, into g: inout Generations, half: Int) {
        g.young[stream] = s
        if g.young.count >= half {
            g.old = g.young
            g.young = [:]
        }
    }
}
