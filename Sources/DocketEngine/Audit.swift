public import DocketCore

/// One event of a stream's history, decoded, with who did it, when and under which command.
public struct HistoryEntry<Event: Sendable>: Sendable {
    /// What happened: the workflow's event, or `nil` for the engine's own events (see ``system``).
    public var event: Event?
    /// The engine's event (start, migration), or `nil`.
    public var system: SystemEvent?
    /// The stored record: position, version, type, schema version, actor, command, correlation and
    /// causation ids, valid time (`occurredAt`), transaction time (`recordedAt`) and hashes.
    public var record: RecordedEvent
}

extension WorkflowEngine {
    /// A stream's state as of a log position: its events at or before `position` replayed.
    public func state(of stream: StreamID, asOf position: LogPosition) async throws -> StreamState<W.State> {
        try await catchUp(stream, from: emptyState) { $0.position <= position }
    }

    /// A stream's state as the store knew it at `instant` (transaction time): its events recorded at
    /// or before it.
    public func state(of stream: StreamID, asOf instant: Timestamp) async throws -> StreamState<W.State> {
        try await catchUp(stream, from: emptyState) { $0.recordedAt <= instant }
    }

    /// A stream's state as of a valid time: its events that occurred at or before `instant`, in log
    /// order (what the file says about that day, as known now).
    public func state(of stream: StreamID, occurredBy instant: Timestamp) async throws -> StreamState<W.State> {
        var s = emptyState
        for e in try await store.readStream(stream) where e.occurredAt <= instant { try apply(e, to: &s) }
        return s
    }

    /// A stream's full history, decoded, oldest first.
    public func history(of stream: StreamID) async throws -> [HistoryEntry<W.Event>] {
        var out: [HistoryEntry<W.Event>] = []
        for e in try await store.readStream(stream) {
            if SystemEvent.isSystem(e.type) {
                out.append(HistoryEntry(event: nil, system: try SystemEvent.decode(e), record: e))
            } else {
                out.append(HistoryEntry(event: try workflow.codec.decode(e), system: nil, record: e))
            }
        }
        return out
    }

    /// Walks the whole log: the hash chain, every record's hash, positions, stream versions and
    /// indexes (see `EventStore.verify()`). A report with problems means the file was altered or
    /// damaged after it was written.
    public func verifyLog() async throws -> VerificationReport {
        try await store.verify()
    }
}
