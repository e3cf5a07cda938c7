import CDocketLMDB
public import DocketCore
import Synchronization

// Timers and projection rows: databases written in the same environment as the log (layouts in
// `Specs/format.md`, section 9).

extension Keys {
    /// A due instant as 8 big-endian bytes that sort like the instants (sign bit flipped).
    static func dueBits(_ due: Timestamp) -> UInt64 { UInt64(bitPattern: due.millisecondsSinceEpoch) ^ (1 << 63) }
    static func due(fromBits bits: UInt64) -> Timestamp { Timestamp(millisecondsSinceEpoch: Int64(bitPattern: bits ^ (1 << 63))) }

    /// `timers` key: the due instant (8 bytes, see ``dueBits(_:)``), then the timer id's UTF-8.
    static func withTimerKey<R>(_ due: Timestamp, _ id: TimerID, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var text = id.rawValue
        return try text.withUTF8 { utf8 in
            try withUnsafeTemporaryAllocation(byteCount: utf8.count + 8, alignment: 1) { buf in
                buf.storeBytes(of: dueBits(due).bigEndian, toByteOffset: 0, as: UInt64.self)
                UnsafeMutableRawBufferPointer(rebasing: buf[8...]).copyMemory(from: UnsafeRawBufferPointer(utf8))
                return try body(UnsafeRawBufferPointer(buf))
            }
        }
    }

    /// `projections` value: checkpoint, rebuild checkpoint (all ones: none), generation (8 bytes
    /// big-endian each), then the live slot (1 byte: 0 or 1).
    static func encodeProjection(_ s: ProjectionStatus, live: UInt8) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(25)
        for v in [s.checkpoint.value, s.rebuildCheckpoint?.value ?? UInt64.max, s.generation] {
            withUnsafeBytes(of: v.bigEndian) { out.append(contentsOf: $0) }
        }
        out.append(live)
        return out
    }

    static func decodeProjection(_ raw: UnsafeRawBufferPointer, name: String) throws(DocketError) -> (ProjectionStatus, live: Int) {
        guard raw.count == 25, raw[24] <= 1 else {
            throw DocketError(.corruptRecord, "the stored status of projection \(name) is damaged (\(raw.count) bytes)")
        }
        let rebuild = readUInt64BE(raw, at: 8)
        let status = ProjectionStatus(
            checkpoint: LogPosition(readUInt64BE(raw)),
            rebuildCheckpoint: rebuild == UInt64.max ? nil : LogPosition(rebuild),
            generation: readUInt64BE(raw, at: 16))
        return (status, Int(raw[24]))
    }
}

extension Transaction: TimerWriteTransaction {
    func timer(_ id: TimerID) throws -> ScheduledTimer? {
        guard let raw = try Keys.withText(id.rawValue, { try get(dbs.timerIDs, $0) }) else { return nil }
        guard raw.count == 8 else { throw DocketError(.corruptRecord, "the timer-ids entry of \(id) is \(raw.count) bytes, not 8") }
        let due = Keys.due(fromBits: Keys.readUInt64BE(raw))
        guard let payload = try Keys.withTimerKey(due, id, { try get(dbs.timers, $0) }) else {
            throw DocketError(.corruptRecord, "timer \(id) is listed as due at \(due) but the timers database has no such entry")
        }
        return ScheduledTimer(id: id, due: due, payload: Array(payload))
    }

    func insertTimer(_ timer: ScheduledTimer) throws {
        try Keys.withTimerKey(timer.due, timer.id) { k in try timer.payload.withUnsafeBytes { try put(dbs.timers, k, $0) } }
        try Keys.withText(timer.id.rawValue) { k in
            try withUnsafeBytes(of: Keys.dueBits(timer.due).bigEndian) { try put(dbs.timerIDs, k, $0) }
        }
    }

    func removeTimer(_ timer: ScheduledTimer) throws {
        try Keys.withTimerKey(timer.due, timer.id) { k in _ = try delete(dbs.timers, k) }
        try Keys.withText(timer.id.rawValue) { k in _ = try delete(dbs.timerIDs, k) }
    }

    func dueTimers(until instant: Timestamp, limit: Int) throws -> [ScheduledTimer] {
        var out: [ScheduledTimer] = []
        let end = Keys.dueBits(instant)
        try scan(dbs.timers, from: nil) { key, value in
            guard key.count > 8 else { throw DocketError(.corruptRecord, "a timers key is \(key.count) bytes; at least 9 expected") }
            let bits = Keys.readUInt64BE(key)
            guard bits <= end else { return false }
            let id = try TimerID(String(decoding: UnsafeRawBufferPointer(rebasing: key[8...]), as: UTF8.self))
            out.append(ScheduledTimer(id: id, due: Keys.due(fromBits: bits), payload: Array(value)))
            return out.count < limit
        }
        return out
    }

    func projectionState(_ name: String) throws -> (ProjectionStatus, live: Int) {
        guard let raw = try Keys.withText(name, { try get(dbs.projections, $0) }) else { return (.new, 0) }
        return try Keys.decodeProjection(raw, name: name)
    }

    func putProjectionState(_ name: String, _ status: ProjectionStatus, live: Int) throws {
        let bytes = Keys.encodeProjection(status, live: UInt8(live))
        try Keys.withText(name) { k in try bytes.withUnsafeBytes { try put(dbs.projections, k, $0) } }
    }
}

/// A projection's rows in one read transaction.
struct LMDBRowReader: ProjectionRowReader {
    let txn: Transaction
    let db: MDB_dbi
    /// Unmaps pages already read (they stay in the page cache), so that reading every row of a
    /// large projection does not grow resident memory with its size.
    var release: ((ClosedRange<UInt>) -> Void)? = nil

    func value(for key: [UInt8]) throws -> [UInt8]? {
        try key.withUnsafeBytes { k in try txn.get(db, k).map { Array($0) } }
    }

    func forEach(from start: [UInt8]?, _ body: ([UInt8], [UInt8]) throws -> Bool) throws {
        var low = UInt.max, high = UInt.min, count = 0
        // Rows are copied out before `body` sees them, so their pages may be unmapped behind the scan.
        func visit(_ k: UnsafeRawBufferPointer, _ v: UnsafeRawBufferPointer) throws -> Bool {
            let more = try body(Array(k), Array(v))
            if let release, let base = v.baseAddress {
                let address = UInt(bitPattern: base)
                low = Swift.min(low, address)
                high = Swift.max(high, address + UInt(v.count))
                count += 1
                if count % 4_096 == 0, low < high {
                    release(low...high)
                    low = .max
                    high = .min
                }
            }
            return more
        }
        if let start {
            try start.withUnsafeBytes { s in try txn.scan(db, from: s, visit) }
        } else {
            try txn.scan(db, from: nil, visit)
        }
        if let release, low < high { release(low...high) }
    }
}

/// The rows of a projection that has none.
struct EmptyRowReader: ProjectionRowReader {
    func value(for key: [UInt8]) throws -> [UInt8]? { nil }
    func forEach(from start: [UInt8]?, _ body: ([UInt8], [UInt8]) throws -> Bool) throws {}
}

/// Carries a value out of a closure run on the writer thread.
final class Box<T: Sendable>: Sendable {
    let value = Mutex<T?>(nil)
}

/// The two row databases of a projection, opened once per process.
struct ProjectionDatabases: Sendable {
    let slots: [MDB_dbi]
}

extension LMDBEventStore: TimerStore, ProjectionStore, PendingRowsCommitting {
    /// Runs `body` in a write transaction of its own on the writer thread.
    func writeTransaction(_ body: @escaping @Sendable (borrowing Transaction) throws -> Void, then: @escaping @Sendable () -> Void = {}) async throws {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            writer.submit(.transaction(body, then: then, c))
        }
    }

    // MARK: Timers

    public func updateTimers(_ operations: [TimerOperation]) async throws {
        for o in operations { try o.validate() }
        try await writeTransaction { txn in for o in operations { try txn.apply(o) } }
    }

    public func dueTimers(until instant: Timestamp, limit: Int) async throws -> [ScheduledTimer] {
        guard limit > 0 else { return [] }
        return try read { txn in try txn.dueTimers(until: instant, limit: limit) }
    }

    public func timer(_ id: TimerID) async throws -> ScheduledTimer? {
        try read { txn in try txn.timer(id) }
    }

    public func timerCount() async throws -> Int {
        try read { txn in Int(try txn.count(txn.dbs.timers)) }
    }

    // MARK: Projections

    /// The row databases of a projection, created and opened on the writer thread the first time
    /// (LMDB allows one transaction at a time to open databases, and a handle opened in a write
    /// transaction is usable by others only after it commits).
    func projectionDatabases(_ name: String) async throws -> ProjectionDatabases {
        try validateProjectionName(name)
        if let known = projectionHandles.withLock({ $0[name] }) { return known }
        let box = Box<ProjectionDatabases>()
        let limit = maxProjections
        try await writeTransaction({ txn in
            if self.projectionHandles.withLock({ $0[name] }) != nil { return }
            do {
                let slots = [try txn.openDatabase("projection:\(name):0"), try txn.openDatabase("projection:\(name):1")]
                box.value.withLock { $0 = ProjectionDatabases(slots: slots) }
            } catch let e as LMDBError where e.code == MDB_DBS_FULL {
                throw DocketError(.invalidArgument, "projection \(name) would be one more than the \(limit) this store was opened for; raise LMDBEventStore.Options.maxProjections")
            }
        }, then: {
            if let opened = box.value.withLock({ $0 }) { self.projectionHandles.withLock { $0[name] = opened } }
        })
        guard let known = projectionHandles.withLock({ $0[name] }) else {
            throw DocketError(.storageFailure, "could not open the databases of projection \(name)")
        }
        return known
    }

    public func projectionStatus(_ name: String) async throws -> ProjectionStatus {
        try validateProjectionName(name)
        return try read { txn in try txn.projectionState(name).0 }
    }

    public func commitProjection(_ commit: ProjectionCommit) async throws {
        try validateProjectionCommit(commit)
        try await commitProjection(commit, .array(commit.writes))
    }

    /// Commits the changes as the runner holds them, sorted and checked on its commit task: written
    /// in the order of their keys, read where they lie, without an array of writes in between.
    /// `commit.writes` is ignored.
    package func commitProjection(_ commit: ProjectionCommit, rows: SortedRows) async throws {
        var header = commit
        header.writes = []
        try validateProjectionCommit(header)
        try await commitProjection(header, .sorted(rows))
    }

    /// The rows of a commit: an array of writes in the order given, or a batch's changes, sorted
    /// and checked.
    private enum RowWrites: Sendable {
        case array([ProjectionWrite])
        case sorted(SortedRows)

        var count: Int {
            switch self {
            case .array(let writes): writes.count
            case .sorted(let rows): rows.count
            }
        }
    }

    private func commitProjection(_ commit: ProjectionCommit, _ writes: RowWrites) async throws {
        // A commit without rows (a reaction's checkpoint) needs no row databases.
        let dbs = writes.count == 0 ? nil : try await projectionDatabases(commit.name)
        try await writeTransaction { txn in
            var (status, live) = try txn.projectionState(commit.name)
            let stored = commit.slot == .live ? status.checkpoint : status.rebuildCheckpoint
            if let g = commit.expectedGeneration, g != status.generation {
                throw DocketError(.checkpointConflict, "projection \(commit.name) is at generation \(status.generation), not \(g): a rebuild was swapped in")
            }
            guard stored == commit.expected else {
                throw DocketError(
                    .checkpointConflict,
                    "projection \(commit.name) (\(commit.slot)) is at \(stored.map { "\($0)" } ?? "no rebuild"), not \(commit.expected); another runner moved it")
            }
            if let dbs, writes.count > 0 {
                let db = dbs.slots[commit.slot == .live ? live : 1 - live]
                // A row whose key sorts after every key in the database is appended (`MDB_APPEND`):
                // LMDB then fills the last page and starts a new one, instead of splitting full
                // pages in half, so rows keyed in the order they are made (a read model's rows keyed
                // by creation) are written once, into full pages. `last` may stand above the
                // database's last key after a delete, which only means a row is put normally.
                let cursor = try txn.openCursor(db)
                switch writes {
                case .array(let writes):
                    var last = try txn.lastKey(db)
                    for w in writes {
                        try w.key.withUnsafeBytes { k in
                            if let v = w.value {
                                let append = last.map { l in l.withUnsafeBytes { UTF8Bytes.less($0, k) } } ?? true
                                try v.withUnsafeBytes { try txn.put(cursor: cursor, k, $0, append: append) }
                                if append { last = w.key }
                            } else {
                                _ = try txn.delete(db, k)
                            }
                        }
                    }
                case .sorted(let rows):
                    // In the order of the keys: once one sorts after the database's last key, so
                    // does every one after it, and each is appended without comparing.
                    let last = try txn.lastKey(db)
                    var appending = last == nil
                    try rows.forEach { k, v in
                        if let v {
                            if !appending, let last { appending = last.withUnsafeBytes { UTF8Bytes.less($0, k) } }
                            try txn.put(cursor: cursor, k, v, append: appending)
                        } else {
                            _ = try txn.delete(db, k)
                        }
                    }
                }
            }
            if commit.slot == .live { status.checkpoint = commit.checkpoint } else { status.rebuildCheckpoint = commit.checkpoint }
            try txn.putProjectionState(commit.name, status, live: live)
        }
    }

    public func readProjection<R>(_ name: String, slot: ProjectionSlot, _ body: (any ProjectionRowReader) throws -> R) async throws -> R {
        try validateProjectionName(name)
        // A projection that never stored anything reads as empty, without creating its databases.
        if projectionHandles.withLock({ $0[name] }) == nil,
            try read({ txn in try Keys.withText(name) { try txn.get(txn.dbs.projections, $0) } == nil })
        {
            return try body(EmptyRowReader())
        }
        let dbs = try await projectionDatabases(name)
        return try read { txn in
            let live = try txn.projectionState(name).live
            let env = self.env
            return try body(LMDBRowReader(txn: txn, db: dbs.slots[slot == .live ? live : 1 - live], release: { env.releaseMapped($0) }))
        }
    }

    public func startProjectionRebuild(_ name: String) async throws {
        let dbs = try await projectionDatabases(name)
        try await writeTransaction { txn in
            var (status, live) = try txn.projectionState(name)
            try txn.empty(dbs.slots[1 - live])
            status.rebuildCheckpoint = .beforeFirst
            try txn.putProjectionState(name, status, live: live)
        }
    }

    public func finishProjectionRebuild(_ name: String, expected: LogPosition) async throws {
        let dbs = try await projectionDatabases(name)
        try await writeTransaction { txn in
            let (status, live) = try txn.projectionState(name)
            guard let rebuilt = status.rebuildCheckpoint, rebuilt == expected, rebuilt >= status.checkpoint else {
                throw DocketError(.checkpointConflict, "projection \(name) has no rebuild in progress at \(expected), at or past its live checkpoint \(status.checkpoint)")
            }
            // Readers that began before this commit keep their snapshot of the old rows.
            try txn.empty(dbs.slots[live])
            try txn.putProjectionState(
                name, ProjectionStatus(checkpoint: rebuilt, rebuildCheckpoint: nil, generation: status.generation + 1), live: 1 - live)
        }
    }

    public func projectionNames() async throws -> [String] {
        try read { txn in
            var names: [String] = []
            try txn.scan(txn.dbs.projections, from: nil) { k, _ in
                names.append(String(decoding: k, as: UTF8.self))
                return true
            }
            return names
        }
    }
}
