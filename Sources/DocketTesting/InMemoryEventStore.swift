public import DocketCore
import Synchronization

/// An event store in memory, with the same semantics as the LMDB store: the same record encoding,
/// hash chain, expected versions, idempotency and verification walk (it shares their code; the LMDB
/// store additionally checks its idempotency index). For tests
/// and for trying Docket without a disk. Not durable.
public final class InMemoryEventStore: ImportableEventStore, TimerStore, ProjectionStore {
    struct State {
        var records: [[UInt8]] = []  // index i holds position i + 1
        var index: [StreamID: [LogPosition]] = [:]  // stream → positions by version - 1
        var heads: [StreamID: StreamHead] = [:]
        var idempotency: [ByteString: IdempotencyEntry] = [:]
        var chain = ChainHead.empty
        var buffer: [UInt8] = []
        var timers: [TimerID: ScheduledTimer] = [:]
        var projections: [String: MemoryProjection] = [:]
    }

    struct MemoryProjection {
        var status = ProjectionStatus.new
        var live = 0
        var slots: [[[UInt8]: [UInt8]]] = [[:], [:]]
    }

    struct RowReader: ProjectionRowReader {
        let rows: [[UInt8]: [UInt8]]
        func value(for key: [UInt8]) throws -> [UInt8]? { rows[key] }
        func forEach(from start: [UInt8]?, _ body: ([UInt8], [UInt8]) throws -> Bool) throws {
            for key in rows.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                if let start, key.lexicographicallyPrecedes(start) { continue }
                guard try body(key, rows[key]!) else { return }
            }
        }
    }

    /// The state moved into a transaction for its duration (swapped, not copied).
    final class Txn: LogWriteTransaction, LogReadTransaction, TimerWriteTransaction {
        var s: State
        init(_ s: consuming State) { self.s = s }

        func head(of stream: StreamID) throws -> StreamHead? { s.heads[stream] }
        func idempotencyEntry(for key: String) throws -> IdempotencyEntry? { s.idempotency[ByteString(key)] }
        func chainHead() throws -> ChainHead { s.chain }
        func putRecord(_ record: [UInt8], at position: LogPosition) throws {
            precondition(position.value == UInt64(s.records.count) + 1, "positions must be appended in order")
            s.records.append(record)
        }
        func putStreamIndex(_ stream: StreamID, version: StreamVersion, position: LogPosition) throws {
            s.index[stream, default: []].append(position)
        }
        func putHead(_ head: StreamHead, of stream: StreamID) throws { s.heads[stream] = head }
        func putIdempotencyEntry(_ entry: IdempotencyEntry, for key: String) throws { s.idempotency[ByteString(key)] = entry }
        func putChainHead(_ head: ChainHead) throws { s.chain = head }
        func timer(_ id: TimerID) throws -> ScheduledTimer? { s.timers[id] }
        func insertTimer(_ timer: ScheduledTimer) throws { s.timers[timer.id] = timer }
        func removeTimer(_ timer: ScheduledTimer) throws { s.timers[timer.id] = nil }

        func forEachRecord(_ body: (LogPosition, UnsafeRawBufferPointer) throws -> Bool) throws {
            for (i, r) in s.records.enumerated() {
                let more = try r.withUnsafeBytes { try body(LogPosition(UInt64(i + 1)), $0) }
                if !more { return }
            }
        }
        func indexedPosition(of stream: StreamID, version: StreamVersion) throws -> LogPosition? {
            guard let positions = s.index[stream], version.value >= 1, version.value <= positions.count else { return nil }
            return positions[Int(version.value - 1)]
        }
        func streamIndexCount() throws -> UInt64 { UInt64(s.index.values.reduce(0) { $0 + $1.count }) }
        func forEachHead(_ body: (StreamID, StreamHead) throws -> Void) throws {
            for (k, v) in s.heads { try body(k, v) }
        }
    }

    private let state = Mutex(State())
    private let clock: any DocketClock
    private let signal = CommitSignal()
    private let pollInterval: Duration

    /// Creates an empty store whose recorded times come from `clock`.
    public init(clock: any DocketClock = SystemClock(), pollInterval: Duration = .seconds(1)) {
        self.clock = clock
        self.pollInterval = pollInterval
    }

    /// Runs `body` with the state moved into a transaction object, then moves it back.
    private func transact<R>(_ body: (Txn) throws -> R) rethrows -> R {
        try state.withLock { s in
            var taken = State()
            swap(&taken, &s)
            let txn = Txn(taken)
            defer { swap(&txn.s, &s) }
            return try body(txn)
        }
    }

    @discardableResult
    public func append(_ request: AppendRequest) async throws -> AppendResult {
        let outcome: Result<AppendResult, any Error> = try transact { txn in
            try LogAppender.append([request], recordedAt: clock.now(), in: txn)[0]
        }
        let result = try outcome.get()
        if !result.isReplay { signal.publish(result.lastPosition) }
        return result
    }

    private func decode(_ txn: Txn, _ p: LogPosition) throws -> RecordedEvent {
        try RecordCodec.decode(txn.s.records[Int(p.value - 1)], expectedPosition: p)
    }

    public func readStream(_ stream: StreamID, from version: StreamVersion, direction: ReadDirection, limit: Int) async throws -> [RecordedEvent] {
        guard limit > 0 else { return [] }
        return try transact { txn in
            guard let positions = txn.s.index[stream] else { return [] }
            return try direction.versions(from: version, limit: limit, last: StreamVersion(UInt64(positions.count)))
                .map { try decode(txn, positions[Int($0.value - 1)]) }
        }
    }

    public func readLog(after position: LogPosition, limit: Int) async throws -> [RecordedEvent] {
        guard limit > 0 else { return [] }
        return try transact { txn in
            let total = UInt64(txn.s.records.count)
            guard position.value < total else { return [] }
            let end = Swift.min(total, position.value &+ UInt64(limit))
            return try (position.value + 1...end).map { try decode(txn, LogPosition($0)) }
        }
    }

    public func appendResult(forIdempotencyKey key: String) async throws -> AppendResult? {
        transact { $0.s.idempotency[ByteString(key)]?.result }
    }

    public func lastPosition() async throws -> LogPosition { transact { $0.s.chain.position } }
    public func chainHead() async throws -> ChainHead { transact { $0.s.chain } }
    public func head(of stream: StreamID) async throws -> StreamHead? { transact { $0.s.heads[stream] } }

    public func waitForEvents(after position: LogPosition) async throws {
        try await signal.wait(after: position, timeout: pollInterval)
    }

    public func verify() async throws -> VerificationReport {
        try transact { try LogVerifier.verify($0) }
    }

    public func importRecords(_ records: [RecordedEvent]) async throws {
        try transact { txn in
            var buffer = txn.s.buffer
            defer { txn.s.buffer = buffer }
            try LogAppender.importRecords(records, in: txn, buffer: &buffer)
        }
        if let last = records.last { signal.publish(last.position) }
    }

    /// Replaces the stored bytes of the record at `position`: for tests of tamper detection.
    public func tamper(at position: LogPosition, _ change: (inout [UInt8]) -> Void) {
        transact { txn in change(&txn.s.records[Int(position.value - 1)]) }
    }

    // MARK: Timers

    public func updateTimers(_ operations: [TimerOperation]) async throws {
        for o in operations { try o.validate() }
        try transact { txn in for o in operations { try txn.apply(o) } }
    }

    public func dueTimers(until instant: Timestamp, limit: Int) async throws -> [ScheduledTimer] {
        guard limit > 0 else { return [] }
        return transact { txn in
            Array(txn.s.timers.values.filter { $0.due <= instant }.sorted { ($0.due, $0.id) < ($1.due, $1.id) }.prefix(limit))
        }
    }

    public func timer(_ id: TimerID) async throws -> ScheduledTimer? { transact { $0.s.timers[id] } }
    public func timerCount() async throws -> Int { transact { $0.s.timers.count } }

    // MARK: Projections

    public func projectionStatus(_ name: String) async throws -> ProjectionStatus {
        try validateProjectionName(name)
        return transact { $0.s.projections[name]?.status ?? .new }
    }

    public func commitProjection(_ commit: ProjectionCommit) async throws {
        try validateProjectionCommit(commit)
        try transact { txn in
            var p = txn.s.projections[commit.name] ?? MemoryProjection()
            let stored = commit.slot == .live ? p.status.checkpoint : p.status.rebuildCheckpoint
            if let g = commit.expectedGeneration, g != p.status.generation {
                throw DocketError(.checkpointConflict, "projection \(commit.name) is at generation \(p.status.generation), not \(g): a rebuild was swapped in")
            }
            guard stored == commit.expected else {
                throw DocketError(.checkpointConflict, "projection \(commit.name) (\(commit.slot)) is at \(stored.map { "\($0)" } ?? "no rebuild"), not \(commit.expected)")
            }
            let slot = commit.slot == .live ? p.live : 1 - p.live
            for w in commit.writes { p.slots[slot][w.key] = w.value }
            if commit.slot == .live { p.status.checkpoint = commit.checkpoint } else { p.status.rebuildCheckpoint = commit.checkpoint }
            txn.s.projections[commit.name] = p
        }
    }

    public func readProjection<R>(_ name: String, slot: ProjectionSlot, _ body: (any ProjectionRowReader) throws -> R) async throws -> R {
        try validateProjectionName(name)
        let rows: [[UInt8]: [UInt8]] = transact { txn in
            guard let p = txn.s.projections[name] else { return [:] }
            return p.slots[slot == .live ? p.live : 1 - p.live]
        }
        return try body(RowReader(rows: rows))
    }

    public func startProjectionRebuild(_ name: String) async throws {
        try validateProjectionName(name)
        transact { txn in
            var p = txn.s.projections[name] ?? MemoryProjection()
            p.slots[1 - p.live] = [:]
            p.status.rebuildCheckpoint = .beforeFirst
            txn.s.projections[name] = p
        }
    }

    public func finishProjectionRebuild(_ name: String, expected: LogPosition) async throws {
        try validateProjectionName(name)
        try transact { txn in
            guard var p = txn.s.projections[name], let rebuilt = p.status.rebuildCheckpoint, rebuilt == expected, rebuilt >= p.status.checkpoint else {
                throw DocketError(.checkpointConflict, "projection \(name) has no rebuild in progress at \(expected), at or past its live checkpoint")
            }
            p.slots[p.live] = [:]
            p.live = 1 - p.live
            p.status = ProjectionStatus(checkpoint: rebuilt, rebuildCheckpoint: nil, generation: p.status.generation + 1)
            txn.s.projections[name] = p
        }
    }

    public func projectionNames() async throws -> [String] {
        transact { $0.s.projections.keys.sorted() }
    }
}
