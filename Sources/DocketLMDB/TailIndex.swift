@_spi(Storage) import DocketCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The positions of one stream's events in the unindexed tail of the log, in chunks so that
/// appending after a copy was published copies one chunk, not the whole list.
struct TailStream: Sendable {
    static let chunkSize = 256

    /// The version of the first position.
    let firstVersion: StreamVersion
    private var chunks: [[LogPosition]]
    /// How many positions.
    private(set) var count: Int

    init(firstVersion: StreamVersion, position: LogPosition) {
        self.firstVersion = firstVersion
        self.chunks = [[position]]
        self.count = 1
    }

    mutating func append(contentsOf positions: some Sequence<UInt64>) {
        for p in positions { append(LogPosition(p)) }
    }

    mutating func append(_ position: LogPosition) {
        if chunks[chunks.count - 1].count == Self.chunkSize {
            chunks.append([position])
        } else {
            chunks[chunks.count - 1].append(position)
        }
        count += 1
    }

    var lastVersion: StreamVersion { StreamVersion(firstVersion.value + UInt64(count) - 1) }
    var lastPosition: LogPosition { chunks[chunks.count - 1][chunks[chunks.count - 1].count - 1] }
    var head: StreamHead { StreamHead(version: lastVersion, lastPosition: lastPosition) }

    /// The position of `version`, if it is in this tail.
    func position(of version: StreamVersion) -> LogPosition? {
        guard version >= firstVersion, version.value - firstVersion.value < UInt64(count) else { return nil }
        let i = Int(version.value - firstVersion.value)
        return chunks[i / Self.chunkSize][i % Self.chunkSize]
    }

    /// Every position, in version order.
    var positions: some Sequence<LogPosition> { chunks.joined() }

    /// The part at or before `position`, or `nil` when nothing is.
    func trimmed(through position: LogPosition) -> TailStream? {
        if lastPosition <= position { return self }
        var out: TailStream?
        for p in positions where p <= position {
            if out == nil { out = TailStream(firstVersion: firstVersion, position: p) } else { out!.append(p) }
        }
        return out
    }

    /// This tail followed by `later`, which must continue its versions.
    func followed(by later: TailStream?) -> TailStream {
        guard let later else { return self }
        var out = self
        for p in later.positions { out.append(p) }
        return out
    }
}

/// Write-behind indexing. A commit writes the log records and the chain head; the stream index,
/// the heads and the idempotency entries of the newest events — the tail, positions after
/// `meta.indexed` — are kept here in memory and written to their databases in one sorted pass
/// (`flush`). Each commit then touches a few sequential log pages instead of a random B-tree leaf
/// per stream and per command id.
///
/// The tail is derived data: the writer uses it only when it provably describes the transaction's
/// own log (`indexed` and `chain` equal the transaction's `meta.indexed` and chain head, hash
/// included); otherwise — after another process appended, after a failed commit — it rebuilds it
/// by reading the tail's records inside the transaction. So expected versions and idempotency keys
/// are always checked against the transaction's state, and a crash loses nothing.
///
/// `@unchecked Sendable`: owned by the store's writer thread, the only code that touches it after
/// the store's initializer (readers see `ReaderTail`, a copy published under a lock).
final class TailIndex: @unchecked Sendable {
    private(set) var indexed = LogPosition.beforeFirst
    private(set) var chain = ChainHead.empty
    private(set) var streams: [StreamID: TailStream] = [:]
    /// Each keyed command of the tail: its first position (its entry is rebuilt from its records when
    /// a retry asks, as for the on-disk index).
    private(set) var idempotency: [ByteString: LogPosition] = [:]
    private(set) var count = 0
    private var valid = false
    /// The store's state as of the last transaction this tail saw commit (or read), to tell a
    /// change by another process from this writer's own failed commit.
    private var known = (indexed: LogPosition.beforeFirst, chain: ChainHead.empty)

    var through: LogPosition { chain.position }

    /// Makes the tail describe the transaction's log, rebuilding it from records when needed.
    /// - Returns: `true` when the store changed since this tail last saw it, that is, another process
    ///   wrote. The caller then flushes in the same transaction, so that processes taking turns do
    ///   not each re-read the other's tail: with several writing processes the store indexes
    ///   eagerly, and a single writer keeps the write-behind gain.
    @discardableResult
    func prepare(_ txn: Transaction) throws -> Bool {
        let x = try txn.indexedThrough()
        let y = try txn.chainHead()
        if valid, indexed == x, chain == y { return false }
        let foreign = known.indexed != x || known.chain != y
        try rebuild(txn, indexed: x, chain: y)
        return foreign
    }

    private func rebuild(_ txn: Transaction, indexed x: LogPosition, chain y: ChainHead) throws {
        valid = false
        clear()
        var run: [RecordedEvent] = []
        func closeRun() {
            // A run that cannot be replayed (over 65,535 streams) is left out, as the appender would.
            if let first = run.first, let key = first.commandID, IdempotencyEntry.isReplayable(run) {
                idempotency[ByteString(key)] = first.position
            }
            run.removeAll(keepingCapacity: true)
        }
        if y.position > x {
            try Keys.withPosition(x.next) { start in
                try txn.scan(txn.dbs.events, from: start) { key, value in
                    let p = LogPosition(Keys.readUInt64BE(key))
                    guard p <= y.position else { return false }
                    let e = try RecordCodec.decode(value, expectedPosition: p)
                    record(e.stream, version: e.version, position: p)
                    if let last = run.last, !ByteString.same(last.commandID, e.commandID) { closeRun() }
                    if e.commandID != nil { run.append(e) }
                    return p < y.position
                }
            }
            closeRun()
        }
        indexed = x
        chain = y
        known = (x, y)
        valid = true
    }

    private func clear() {
        streams.removeAll(keepingCapacity: true)
        idempotency.removeAll(keepingCapacity: true)
        count = 0
    }

    func record(_ stream: StreamID, version: StreamVersion, position: LogPosition) {
        record(stream, firstVersion: version, positions: position.value...position.value)
    }

    /// Records a run of consecutive positions of one stream, the first at `firstVersion`.
    func record(_ stream: StreamID, firstVersion: StreamVersion, positions: ClosedRange<UInt64>) {
        if let i = streams.index(forKey: stream) {
            streams.values[i].append(contentsOf: positions)
        } else {
            var s = TailStream(firstVersion: firstVersion, position: LogPosition(positions.lowerBound))
            s.append(contentsOf: positions.dropFirst())
            streams[stream] = s
        }
        count += positions.count
    }

    func recordIdempotency(_ entry: IdempotencyEntry, for key: String) { idempotency[ByteString(key)] = entry.result.firstPosition }

    func recordChain(_ head: ChainHead) { chain = head }

    /// The transaction that used this tail did not commit: the next one rebuilds it.
    func invalidate() { valid = false }

    /// The transaction committed: what this tail holds is now the store's state.
    func didCommit() { known = (indexed, chain) }

    /// Empties the tail after a flush or an import: the index is complete through `head`.
    func reset(to head: ChainHead) {
        clear()
        indexed = head.position
        chain = head
        known = (indexed, chain)
        valid = true
    }

    /// Writes the tail into the index databases in key order and moves `meta.indexed` to its end.
    /// The caller resets the tail once the transaction has committed.
    /// - Returns: whether there was anything to write.
    @discardableResult
    func flush(_ txn: Transaction) throws -> Bool {
        guard count > 0 else { return false }
        let writer = LMDBLogWriter(txn: txn)
        for id in streams.keys.sorted() {
            let s = streams[id]!
            try writer.putStreamIndex(id, firstVersion: s.firstVersion, positions: s.positions)
            try writer.putHead(s.head, of: id)
        }
        for (key, first) in idempotency.sorted(by: { UTF8Bytes.less($0.key.value, $1.key.value) }) {
            try writer.putIdempotencyPosition(first, for: key.value)
        }
        try txn.putIndexed(chain.position)
        return true
    }
}

/// The appender's view of a write transaction with a write-behind index: records go to the log,
/// index entries to the tail.
final class TailWriter: LogWriteTransaction, TimerWriteTransaction, RecordReservingTransaction {
    let txn: Transaction
    let tail: TailIndex
    private let log: LMDBLogWriter

    init(txn: Transaction, tail: TailIndex) {
        self.txn = txn
        self.tail = tail
        self.log = LMDBLogWriter(txn: txn)
    }

    func head(of stream: StreamID) throws -> StreamHead? {
        if let s = tail.streams[stream] { return s.head }
        return try txn.head(of: stream)
    }

    func idempotencyEntry(for key: String) throws -> IdempotencyEntry? {
        if let first = tail.idempotency[ByteString(key)] { return try txn.commandEntry(key: key, at: first) }
        return try log.idempotencyEntry(for: key)
    }

    func chainHead() throws -> ChainHead { tail.chain }
    func putRecord(_ record: [UInt8], at position: LogPosition) throws { try log.putRecord(record, at: position) }
    func putRecord(size: Int, at position: LogPosition, _ write: (UnsafeMutableRawBufferPointer) -> Void) throws {
        try log.putRecord(size: size, at: position, write)
    }
    func putStreamIndex(_ stream: StreamID, version: StreamVersion, position: LogPosition) throws {
        tail.record(stream, version: version, position: position)
    }
    func putStreamIndex(_ stream: StreamID, firstVersion: StreamVersion, positions: ClosedRange<UInt64>) throws {
        tail.record(stream, firstVersion: firstVersion, positions: positions)
    }
    func putHead(_ head: StreamHead, of stream: StreamID) throws {}  // derived from the tail's positions
    func putIdempotencyEntry(_ entry: IdempotencyEntry, for key: String) throws { tail.recordIdempotency(entry, for: key) }
    func timer(_ id: TimerID) throws -> ScheduledTimer? { try txn.timer(id) }
    func insertTimer(_ timer: ScheduledTimer) throws { try txn.insertTimer(timer) }
    func removeTimer(_ timer: ScheduledTimer) throws { try txn.removeTimer(timer) }
    func putChainHead(_ head: ChainHead) throws {
        try log.putChainHead(head)
        tail.recordChain(head)
    }
}

/// What readers in this process know of the tail: each stream's tail positions, as of the writer's
/// last commit (or the store's opening). Positions at or before `through` never change, so a reader
/// whose snapshot has the same `indexed` can use them and read only the records after `through`.
final class ReaderTail: Sendable {
    private struct State {
        var indexed = LogPosition.beforeFirst
        var through = LogPosition.beforeFirst
        var streams: [StreamID: TailStream] = [:]
    }
    private let state = Mutex(State())

    /// Publishes the writer's tail after a commit that touched the streams in `touched`.
    func publish(_ tail: TailIndex, touched: [StreamID]) {
        state.withLock { s in
            guard s.indexed == tail.indexed else {
                s = State(indexed: tail.indexed, through: tail.through, streams: tail.streams)
                return
            }
            for id in touched { s.streams[id] = tail.streams[id] }
            s.through = tail.through
        }
    }

    /// Replaces the whole copy with `tail` (after opening, a flush or an import).
    func replace(with tail: TailIndex) {
        state.withLock { s in s = State(indexed: tail.indexed, through: tail.through, streams: tail.streams) }
    }

    /// What this copy knows of `stream` for a snapshot whose index ends at `indexed` and whose log
    /// ends at `through`.
    func lookup(_ stream: StreamID, indexed: LogPosition, through: LogPosition) -> TailLookup {
        state.withLock { s in
            guard s.indexed == indexed else { return .unknown }
            let known = s.streams[stream]
            if s.through >= through { return .complete(known?.trimmed(through: through)) }
            return .until(s.through, known)
        }
    }
}

enum TailLookup {
    /// The stream's whole tail in the snapshot.
    case complete(TailStream?)
    /// The stream's tail up to a position; the snapshot's records after it must be read.
    case until(LogPosition, TailStream?)
    /// Nothing usable: read the snapshot's whole tail.
    case unknown
}

extension Transaction {
    /// The position through which the index databases are complete (`meta.indexed`).
    func indexedThrough() throws -> LogPosition {
        guard let raw = try Keys.metaIndexed.withUnsafeBytes({ try get(dbs.meta, $0) }) else { return try lastPosition() }
        guard raw.count == 8 else { throw DocketError(.corruptRecord, "meta.indexed is \(raw.count) bytes, not 8") }
        return LogPosition(Keys.readUInt64BE(raw))
    }

    func putIndexed(_ position: LogPosition) throws {
        try Keys.metaIndexed.withUnsafeBytes { k in
            try withUnsafeBytes(of: position.value.bigEndian) { try put(dbs.meta, k, $0) }
        }
    }

    /// A stream's events after `after` in this snapshot, read from the log: the positions whose
    /// record belongs to `stream`. Reads only each record's stream id and version.
    func scanTail(of stream: StreamID, after: LogPosition) throws -> TailStream? {
        var out: TailStream?
        var wanted = stream.rawValue
        try wanted.withUTF8 { target in
            try Keys.withPosition(after.next) { start in
                try scan(dbs.events, from: start) { key, value in
                    // Stream id: u16 length at offset 40, bytes from 42; version: u64 at 16 (Specs/format.md).
                    guard value.count > 42 else { throw DocketError(.corruptRecord, "a record in the tail is truncated") }
                    let n = Int(UInt16(littleEndian: value.loadUnaligned(fromByteOffset: 40, as: UInt16.self)))
                    if n == target.count, 42 + n <= value.count, memcmp(value.baseAddress! + 42, target.baseAddress!, n) == 0 {
                        let p = LogPosition(Keys.readUInt64BE(key))
                        if out == nil {
                            let v = StreamVersion(UInt64(littleEndian: value.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
                            out = TailStream(firstVersion: v, position: p)
                        } else {
                            out!.append(p)
                        }
                    }
                    return true
                }
            }
        }
        return out
    }
}
