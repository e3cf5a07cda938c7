import DocketCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The positions of one stream's events in the unindexed tail of the log.
struct TailStream: Sendable {
    /// The version of `positions[0]`.
    var firstVersion: StreamVersion
    /// Positions in version order.
    var positions: [LogPosition]

    var lastVersion: StreamVersion { StreamVersion(firstVersion.value + UInt64(positions.count) - 1) }

    /// The position of `version`, if it is in this tail.
    func position(of version: StreamVersion) -> LogPosition? {
        guard version >= firstVersion, version.value - firstVersion.value < UInt64(positions.count) else { return nil }
        return positions[Int(version.value - firstVersion.value)]
    }
}

/// Write-behind indexing. A commit writes the log records and the chain head; the stream index,
/// the heads and the idempotency entries of the newest events — the tail, positions after
/// `meta.indexed` — are kept here in memory and written to their databases in one sorted pass once
/// the tail reaches a threshold (`flush`). Each commit then touches a few sequential log pages
/// instead of a random B-tree leaf per stream and per command id.
///
/// The tail is derived data: the writer uses it only when it provably describes the transaction's
/// own log (`indexed` and `through` equal the transaction's `meta.indexed` and chain head);
/// otherwise — after another process appended, after a failed commit, after opening — it rebuilds
/// it by reading the tail's records inside the transaction. So expected versions and idempotency
/// keys are always checked against the transaction's state, and a crash loses nothing.
///
/// `@unchecked Sendable`: owned by the store's writer thread, the only code that touches it
/// (readers see `ReaderTail`, a copy published under a lock).
final class TailIndex: @unchecked Sendable {
    private(set) var indexed = LogPosition.beforeFirst
    private(set) var through = LogPosition.beforeFirst
    private(set) var streams: [StreamID: TailStream] = [:]
    private(set) var idempotency: [String: IdempotencyEntry] = [:]
    private(set) var count = 0
    private var valid = false

    /// Makes the tail describe the transaction's log, rebuilding it from records when needed.
    /// - Returns: `true` when it had to rebuild (after opening, a failed commit, or an append by
    ///   another process). The caller then flushes in the same transaction, so that processes
    ///   taking turns do not each re-read the other's tail: with several writing processes the
    ///   store indexes eagerly, and a single writer keeps the write-behind gain.
    @discardableResult
    func prepare(_ txn: Transaction) throws -> Bool {
        let x = try txn.indexedThrough()
        let y = try txn.chainHead().position
        if valid, indexed == x, through == y { return false }
        try rebuild(txn, indexed: x, through: y)
        return true
    }

    private func rebuild(_ txn: Transaction, indexed x: LogPosition, through y: LogPosition) throws {
        reset(to: x)
        through = y
        guard y > x else {
            valid = true
            return
        }
        var run: [RecordedEvent] = []
        func closeRun() {
            if let key = run.first?.commandID, let entry = IdempotencyEntry.rebuild(from: run) { idempotency[key] = entry }
            run.removeAll(keepingCapacity: true)
        }
        try Keys.withPosition(x.next) { start in
            try txn.scan(txn.dbs.events, from: start) { key, value in
                let p = LogPosition(Keys.readUInt64BE(key))
                let e = try RecordCodec.decode(value, expectedPosition: p)
                record(e.stream, version: e.version, position: p)
                if let last = run.last, last.commandID != e.commandID || e.commandID == nil { closeRun() }
                if e.commandID != nil { run.append(e) }
                return p < y
            }
        }
        closeRun()
        valid = true
    }

    func record(_ stream: StreamID, version: StreamVersion, position: LogPosition) {
        if streams[stream] == nil {
            streams[stream] = TailStream(firstVersion: version, positions: [position])
        } else {
            streams[stream]!.positions.append(position)
        }
        count += 1
        through = Swift.max(through, position)
    }

    func recordIdempotency(_ entry: IdempotencyEntry, for key: String) { idempotency[key] = entry }

    /// Forgets everything: the next transaction rebuilds the tail (after a failed commit).
    func invalidate() { valid = false }

    /// Empties the tail at a new indexed position (after a flush or an import).
    func reset(to position: LogPosition) {
        indexed = position
        through = position
        streams.removeAll(keepingCapacity: true)
        idempotency.removeAll(keepingCapacity: true)
        count = 0
        valid = true
    }

    /// Writes the tail into the index databases in key order and moves `meta.indexed` to its end.
    /// The caller resets the tail once the transaction has committed.
    func flush(_ txn: Transaction) throws {
        guard count > 0 else { return }
        let writer = LMDBLogWriter(txn: txn)
        for id in streams.keys.sorted() {
            let s = streams[id]!
            for (i, p) in s.positions.enumerated() {
                try writer.putStreamIndex(id, version: StreamVersion(s.firstVersion.value + UInt64(i)), position: p)
            }
            try writer.putHead(StreamHead(version: s.lastVersion, lastPosition: s.positions[s.positions.count - 1]), of: id)
        }
        for key in idempotency.keys.sorted() { try writer.putIdempotencyEntry(idempotency[key]!, for: key) }
        try txn.putIndexed(through)
    }
}

/// The appender's view of a write transaction with a write-behind index: records go to the log,
/// index entries to the tail.
final class TailWriter: LogWriteTransaction {
    let txn: Transaction
    let tail: TailIndex
    private let log: LMDBLogWriter

    init(txn: Transaction, tail: TailIndex) {
        self.txn = txn
        self.tail = tail
        self.log = LMDBLogWriter(txn: txn)
    }

    func head(of stream: StreamID) throws -> StreamHead? {
        if let s = tail.streams[stream] { return StreamHead(version: s.lastVersion, lastPosition: s.positions[s.positions.count - 1]) }
        return try txn.head(of: stream)
    }

    func idempotencyEntry(for key: String) throws -> IdempotencyEntry? {
        if let e = tail.idempotency[key] { return e }
        return try log.idempotencyEntry(for: key)
    }

    func chainHead() throws -> ChainHead { try txn.chainHead() }
    func putRecord(_ record: [UInt8], at position: LogPosition) throws { try log.putRecord(record, at: position) }
    func putStreamIndex(_ stream: StreamID, version: StreamVersion, position: LogPosition) throws {
        tail.record(stream, version: version, position: position)
    }
    func putHead(_ head: StreamHead, of stream: StreamID) throws {}  // derived from the tail's positions
    func putIdempotencyEntry(_ entry: IdempotencyEntry, for key: String) throws { tail.recordIdempotency(entry, for: key) }
    func putChainHead(_ head: ChainHead) throws { try log.putChainHead(head) }
}

/// What readers in this process know of the tail: each stream's tail positions, as of the writer's
/// last commit. A reader uses it only when it matches its snapshot (same `indexed`, and `through`
/// at or past the snapshot's chain head); otherwise it reads the tail from its snapshot.
final class ReaderTail: Sendable {
    private struct State {
        var indexed = LogPosition.beforeFirst
        var through = LogPosition.beforeFirst
        var streams: [StreamID: TailStream] = [:]
    }
    private let state = Mutex(State())

    /// Publishes the writer's tail after a commit that touched the streams in `touched`, or, when
    /// `touched` is `nil` (after opening, a flush or an import), replaces the whole copy.
    func publish(_ tail: TailIndex, touched: (some Sequence<StreamID>)?) {
        state.withLock { s in
            guard let touched, s.indexed == tail.indexed else {
                s = State(indexed: tail.indexed, through: tail.through, streams: tail.streams)
                return
            }
            for id in touched { s.streams[id] = tail.streams[id] }
            s.through = tail.through
        }
    }

    /// Replaces the whole copy with `tail`.
    func replace(with tail: TailIndex) { publish(tail, touched: [StreamID]?.none) }


    /// The stream's tail in a snapshot whose index ends at `indexed` and whose log ends at `through`,
    /// or `.unknown` when this process's copy cannot answer for that snapshot.
    func lookup(_ stream: StreamID, indexed: LogPosition, through: LogPosition) -> TailLookup {
        state.withLock { s in
            guard s.indexed == indexed, s.through >= through else { return .unknown }
            guard var t = s.streams[stream] else { return .found(nil) }
            while let last = t.positions.last, last > through { t.positions.removeLast() }
            return .found(t.positions.isEmpty ? nil : t)
        }
    }
}

enum TailLookup {
    case found(TailStream?)
    case unknown
}

extension Transaction {
    /// The position through which the index databases are complete (`meta.indexed`); the chain head
    /// for a store that has never deferred indexing.
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

    /// A stream's tail in this snapshot, read from the log: positions after `indexed` whose record
    /// belongs to `stream`. Reads only each record's stream id.
    func scanTail(of stream: StreamID, indexed: LogPosition) throws -> TailStream? {
        var positions: [LogPosition] = []
        var firstVersion = StreamVersion.none
        var wanted = stream.rawValue
        try wanted.withUTF8 { target in
            try Keys.withPosition(indexed.next) { start in
                try scan(dbs.events, from: start) { key, value in
                    // Stream id: u16 length at offset 40, bytes from 42 (Specs/format.md).
                    guard value.count > 42 else { throw DocketError(.corruptRecord, "a record in the tail is truncated") }
                    let n = Int(UInt16(littleEndian: value.loadUnaligned(fromByteOffset: 40, as: UInt16.self)))
                    if n == target.count, 42 + n <= value.count, memcmp(value.baseAddress! + 42, target.baseAddress!, n) == 0 {
                        let p = LogPosition(Keys.readUInt64BE(key))
                        if positions.isEmpty {
                            firstVersion = StreamVersion(UInt64(littleEndian: value.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
                        }
                        positions.append(p)
                    }
                    return true
                }
            }
        }
        return positions.isEmpty ? nil : TailStream(firstVersion: firstVersion, positions: positions)
    }
}
