public import DocketCore
import Synchronization

/// An event store in memory, with the same semantics as the LMDB store: the same record encoding,
/// hash chain, expected versions, idempotency and verification walk (it shares their code; the LMDB
/// store additionally checks its idempotency index). For tests
/// and for trying Docket without a disk. Not durable.
public final class InMemoryEventStore: ImportableEventStore {
    struct State {
        var records: [[UInt8]] = []  // index i holds position i + 1
        var index: [StreamID: [LogPosition]] = [:]  // stream → positions by version - 1
        var heads: [StreamID: StreamHead] = [:]
        var idempotency: [ByteString: IdempotencyEntry] = [:]
        var chain = ChainHead.empty
        var buffer: [UInt8] = []
    }

    /// The state moved into a transaction for its duration (swapped, not copied).
    final class Txn: LogWriteTransaction, LogReadTransaction {
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
            var buffer = txn.s.buffer
            defer { txn.s.buffer = buffer }
            return try LogAppender.append([request], recordedAt: clock.now(), in: txn, buffer: &buffer)[0]
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
}
