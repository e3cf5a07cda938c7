import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A read model built from the log: it names the event types it handles and turns each into row
/// changes. Rows and the checkpoint are committed together, so each event is applied once in effect.
public protocol Projection: Sendable {
    /// The projection's name (1 to 100 ASCII letters, digits, `.`, `_`, `-`); its rows and checkpoint
    /// are stored under it.
    var name: String { get }
    /// The event types it handles, or `nil` for every event. Other events only move its checkpoint.
    var eventTypes: Set<String>? { get }
    /// Whether `apply` reads the events' payloads (default `true`). A projection that looks only at
    /// types, streams, metadata or times says `false`, and is fed without them, faster.
    var needsPayloads: Bool { get }
    /// The batch size the projection works best with, or `nil` for the runner's own (default).
    /// A projection that rewrites a whole row for every batch touching it asks for larger batches,
    /// at the cost of holding more rows in memory per batch.
    var preferredBatchSize: Int? { get }
    /// Applies one event to the rows.
    func apply(_ event: RecordedEvent, to rows: inout ProjectionRows) throws
    /// Applies a batch of events, in log order, including events of types the projection does not
    /// handle (skip them). The default applies each handled event in turn; a projection that keeps
    /// decoded state per row may decode and encode each row once per batch instead.
    func apply(batch events: [RecordedEvent], to rows: inout ProjectionRows) throws
    /// Applies a batch as the runner reads it, its payloads possibly packed in one buffer
    /// (``EventBatch/isPacked``): a projection that reads them in place
    /// (``EventBatch/withPayload(at:_:)``, ``EventCodec/decode(_:at:)``) spares an allocation and
    /// a copy per event. The default gives ``apply(batch:to:)`` the events with their payloads
    /// (those of the types in ``eventTypes``; the others, which it skips, come without).
    func apply(packed batch: EventBatch, to rows: inout ProjectionRows) throws
}

extension Projection {
    /// Payloads are read unless the projection says otherwise.
    public var needsPayloads: Bool { true }

    /// The runner's batch size.
    public var preferredBatchSize: Int? { nil }

    /// Gives ``apply(batch:to:)`` the batch's events, each handled one with its payload.
    public func apply(packed batch: EventBatch, to rows: inout ProjectionRows) throws {
        try apply(batch: batch.unpacked(types: eventTypes), to: &rows)
    }

    /// Applies each handled event of the batch in turn.
    public func apply(batch events: [RecordedEvent], to rows: inout ProjectionRows) throws {
        let types = eventTypes
        for i in events.indices {
            // Indexing, not `for e in events`: the event is passed borrowed, not copied.
            if let types, !types.contains(events[i].type) { continue }
            try apply(events[i], to: &rows)
        }
    }
}

/// The rows of a projection while a batch of events is applied: reads see the batch's own changes
/// first, then (in the runner) the changes of the batch before while they are being committed, then
/// the stored rows; the changes are committed with the batch's checkpoint.
public struct ProjectionRows {
    let reader: any ProjectionRowReader
    /// The changes, in the order they were first made: a read model that sets its rows in the
    /// order of their keys (or in a few such runs) has them sorted for the commit at little cost.
    private(set) var changes: RowChanges
    /// The changes of the batch before, when they are still being committed.
    let pending: PendingRows?
    /// Which rows these are (the slot and its generation), when the runner made them: a projection
    /// that keeps decoded rows in memory between batches keeps those of each set of rows apart.
    package let identity: RowsIdentity?

    /// Creates a batch over stored rows; `expectedChanges` sizes the table of changes up front (the
    /// runner passes the batch's event count).
    public init(reader: any ProjectionRowReader, expectedChanges: Int = 0) {
        self.init(reader: reader, over: nil, expectedChanges: expectedChanges)
    }

    /// Creates a batch over stored rows with the changes of the batch before laid over them: the
    /// runner folds a batch while the one before is committed.
    package init(reader: any ProjectionRowReader, over pending: PendingRows?, expectedChanges: Int = 0, identity: RowsIdentity? = nil) {
        self.reader = reader
        self.pending = pending
        self.identity = identity
        changes = RowChanges(expected: expectedChanges)
    }

    /// The current value of a row.
    public func value(for key: [UInt8]) throws -> [UInt8]? {
        let found: [UInt8]?? = key.withUnsafeBytes { k in
            let hash = RowChanges.hash(k)
            if let i = changes.find(k, hash: hash) { return .some(changes.value(at: i)) }
            if let pending, let i = pending.changes.find(k, hash: hash) { return .some(pending.changes.value(at: i)) }
            return nil
        }
        if let found { return found }
        return try reader.value(for: key)
    }

    /// The changes, to lay over the stored rows while they are committed.
    package var pendingRows: PendingRows { PendingRows(changes: changes) }

    /// Sets a row.
    public mutating func set(_ key: [UInt8], _ value: [UInt8]) {
        key.withUnsafeBytes { k in changes.set(k, value: value) }
    }

    /// Sets a row whose key and value are copied from memory the caller holds: no array of its
    /// own for the key, nor for a value of up to 64 bytes (the rows keep their keys, and such
    /// values, in one buffer).
    package mutating func set(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        changes.set(key, copying: value)
    }

    /// Sets a row whose key is copied from memory the caller holds.
    package mutating func set(key: UnsafeRawBufferPointer, _ value: [UInt8]) {
        changes.set(key, value: value)
    }

    /// Deletes a row.
    public mutating func delete(_ key: [UInt8]) {
        key.withUnsafeBytes { k in changes.set(k, copying: nil) }
    }

    /// The changes made so far, sorted by key (the order LMDB writes fastest).
    public var writes: [ProjectionWrite] { PendingRows(changes: changes).writes }

    /// The number of changed rows.
    public var changeCount: Int { changes.count }

    /// A row holding a signed 64-bit counter (8 bytes big-endian); 0 when missing.
    public func counter(_ key: [UInt8]) throws -> Int64 {
        guard let raw = try value(for: key) else { return 0 }
        guard let v = Self.counterValue(raw) else {
            throw DocketError(.corruptRecord, "projection row \(String(decoding: key, as: UTF8.self)) is not a counter")
        }
        return v
    }

    /// Adds `delta` to a counter row.
    public mutating func add(_ delta: Int64, to key: [UInt8]) throws {
        let value = try counter(key) &+ delta
        set(key, ProjectionRows.counterBytes(value))
    }

    /// The bytes of a counter row.
    public static func counterBytes(_ value: Int64) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }

    /// Decodes a counter row's bytes.
    public static func counterValue(_ bytes: [UInt8]) -> Int64? {
        bytes.count == 8 ? bytes.reduce(0) { $0 << 8 | Int64($1) } : nil
    }
}

/// The row changes of a batch, in the order they were first made, found by key. Keys, and values
/// of up to ``smallValue`` bytes, are copied into one buffer; larger values are kept as arrays of
/// their own (the arrays they came in, when set from arrays). A batch of tens of thousands of rows
/// then holds a few arrays instead of two per row, which are made, handed from thread to thread
/// and freed one by one.
struct RowChanges: Sendable {
    /// A change: its key in ``bytes``, and its value in ``bytes`` (`valueCount` ≥ 0), in
    /// ``large`` (`valueCount` == ``inLarge``, `valueStart` its index there), or none: a delete
    /// (`valueCount` == ``deleted``).
    struct Entry {
        var keyStart: Int
        var keyCount: Int
        var hash: UInt64
        var valueStart: Int
        var valueCount: Int
        /// The room at `valueStart` in ``bytes`` that the entry's small values have had: a later
        /// small value that fits is written there.
        var valueRoom: Int = 0
    }
    static let inLarge = -1
    static let deleted = -2
    /// Values up to this size are copied into ``bytes``; larger ones are kept as they came.
    static let smallValue = 64

    private(set) var bytes: [UInt8] = []
    private(set) var entries: [Entry] = []
    private(set) var large: [[UInt8]] = []
    /// An open-addressing table of the entries by key: each slot holds an entry's index + 1 (0:
    /// empty); at most half the slots are used.
    private var slots: [Int32]

    init(expected: Int) {
        var capacity = 16
        while capacity < Swift.min(expected, 1 << 22) { capacity <<= 1 }
        slots = [Int32](repeating: 0, count: capacity)
        // Room for about a quarter as many rows as `expected` (the runner passes the batch's event
        // count; the read models change a row or two per case, and a case has several events),
        // and 8 bytes of keys and small values per event: reserving a row per event, and 32 bytes,
        // raised a rebuild's peak memory by a tenth (about 45 MiB), for no time saved.
        entries.reserveCapacity(Swift.min(expected, 1 << 22) / 4)
        bytes.reserveCapacity(Swift.min(expected, 1 << 22) * 8)
    }

    var count: Int { entries.count }

    /// A hash of a key's bytes (seeded once per process).
    @inline(__always) static func hash(_ key: UnsafeRawBufferPointer) -> UInt64 { EventBatch.bytesHash(key) }

    /// The index of the entry for `key`, if any.
    func find(_ key: UnsafeRawBufferPointer, hash: UInt64) -> Int? {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        return bytes.withUnsafeBytes { stored in
            while true {
                let k = Int(slots[slot])
                if k == 0 { return nil }
                let e = entries[k - 1]
                if e.hash == hash, e.keyCount == key.count,
                    key.isEmpty || memcmp(stored.baseAddress! + e.keyStart, key.baseAddress!, key.count) == 0
                {
                    return k - 1
                }
                slot = (slot + 1) & mask
            }
        }
    }

    /// The sizes of entry `i`'s key and value (nil for a delete).
    func sizes(at i: Int) -> (key: Int, value: Int?) {
        let e = entries[i]
        switch e.valueCount {
        case Self.deleted: return (e.keyCount, nil)
        case Self.inLarge: return (e.keyCount, large[e.valueStart].count)
        default: return (e.keyCount, e.valueCount)
        }
    }

    /// The value of entry `i`: nil for a delete.
    func value(at i: Int) -> [UInt8]? {
        let e = entries[i]
        switch e.valueCount {
        case Self.deleted: return nil
        case Self.inLarge: return large[e.valueStart]
        default: return Array(bytes[e.valueStart..<(e.valueStart + e.valueCount)])
        }
    }

    /// Calls `body` with entry `i`'s key and value (nil for a delete), read where they lie.
    @inline(__always)
    func withEntry<R>(_ i: Int, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer?) throws -> R) rethrows -> R {
        let e = entries[i]
        return try bytes.withUnsafeBytes { stored in
            let key = UnsafeRawBufferPointer(rebasing: stored[e.keyStart..<(e.keyStart + e.keyCount)])
            switch e.valueCount {
            case Self.deleted: return try body(key, nil)
            case Self.inLarge: return try large[e.valueStart].withUnsafeBytes { try body(key, $0) }
            default: return try body(key, UnsafeRawBufferPointer(rebasing: stored[e.valueStart..<(e.valueStart + e.valueCount)]))
            }
        }
    }

    /// Sets `key` to `value`, copied if small, else kept as it is.
    mutating func set(_ key: UnsafeRawBufferPointer, value: [UInt8]) {
        if value.count <= Self.smallValue {
            value.withUnsafeBytes { set(key, copying: $0) }
            return
        }
        setLarge(entry(for: key), value)
    }

    /// Sets `key` to a copy of `value` (kept as an array of its own if large), or deletes it when
    /// `value` is nil. A key set again drops its earlier value: a large one at once, a small one
    /// overwritten where it lies if the new one fits there (a row rewritten event after event
    /// holds one value, not one per event).
    mutating func set(_ key: UnsafeRawBufferPointer, copying value: UnsafeRawBufferPointer?) {
        let i = entry(for: key)
        if let value, value.count > Self.smallValue { return setLarge(i, Array(value)) }
        // A large value is dropped (its entry has no room in the buffer: `setLarge`); a small
        // value's place stays the entry's, for a small value set after.
        if entries[i].valueCount == Self.inLarge { large[entries[i].valueStart] = [] }
        guard let value else {
            entries[i].valueCount = Self.deleted
            return
        }
        if entries[i].valueRoom >= value.count {
            // The earlier small value's place holds this one.
            if !value.isEmpty {
                bytes.withUnsafeMutableBytes { $0.baseAddress!.advanced(by: entries[i].valueStart).copyMemory(from: value.baseAddress!, byteCount: value.count) }
            }
        } else {
            entries[i].valueStart = bytes.count
            entries[i].valueRoom = value.count
            bytes.append(contentsOf: value)
        }
        entries[i].valueCount = value.count
    }

    /// Sets entry `i` to a large value, in the earlier large value's place if it had one.
    private mutating func setLarge(_ i: Int, _ value: [UInt8]) {
        if entries[i].valueCount == Self.inLarge {
            large[entries[i].valueStart] = value
            return
        }
        entries[i].valueStart = large.count
        entries[i].valueCount = Self.inLarge
        entries[i].valueRoom = 0
        large.append(value)
    }

    /// The index of `key`'s entry, made (its key copied, as a delete) if there is none. A key set
    /// again keeps its place in the order.
    private mutating func entry(for key: UnsafeRawBufferPointer) -> Int {
        let hash = Self.hash(key)
        if let i = find(key, hash: hash) { return i }
        if (entries.count + 1) * 2 > slots.count {
            // Grow, and place every entry again.
            slots = [Int32](repeating: 0, count: slots.count * 2)
            let mask = slots.count - 1
            for (n, e) in entries.enumerated() {
                var s = Int(truncatingIfNeeded: e.hash) & mask
                while slots[s] != 0 { s = (s + 1) & mask }
                slots[s] = Int32(n + 1)
            }
        }
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        entries.append(Entry(keyStart: bytes.count, keyCount: key.count, hash: hash, valueStart: 0, valueCount: Self.deleted))
        bytes.append(contentsOf: key)
        slots[slot] = Int32(entries.count)
        return entries.count - 1
    }

    /// The entries' indexes sorted by key (the order LMDB writes fastest): by each key's first 16
    /// bytes as two integers, the whole keys compared only where those are equal, so most
    /// comparisons touch neither the buffer nor `memcmp`. The sort is stable and takes runs
    /// already in order as they are: changes made in the order of their keys (rows keyed by
    /// creation) are merged, not sorted again.
    func sortedOrder() -> [Int] {
        struct Sortable {
            var high: UInt64
            var low: UInt64
            var index: Int
        }
        return bytes.withUnsafeBytes { stored in
            var order: [Sortable] = []
            order.reserveCapacity(entries.count)
            for (i, e) in entries.enumerated() {
                let key = UnsafeRawBufferPointer(rebasing: stored[e.keyStart..<(e.keyStart + e.keyCount)])
                let (high, low) = Self.prefix(key)
                order.append(Sortable(high: high, low: low, index: i))
            }
            order.sort { a, b in
                if a.high != b.high { return a.high < b.high }
                if a.low != b.low { return a.low < b.low }
                let x = entries[a.index], y = entries[b.index]
                return UTF8Bytes.less(
                    UnsafeRawBufferPointer(rebasing: stored[x.keyStart..<(x.keyStart + x.keyCount)]),
                    UnsafeRawBufferPointer(rebasing: stored[y.keyStart..<(y.keyStart + y.keyCount)]))
            }
            return order.map(\.index)
        }
    }

    /// A key's first 16 bytes as two big-endian integers, zero-padded: when two keys' prefixes
    /// differ, they order the keys as LMDB does (byte-wise, a key before its extensions).
    @inline(__always) private static func prefix(_ key: UnsafeRawBufferPointer) -> (UInt64, UInt64) {
        var buffer: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &buffer) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: key.prefix(16))) }
        return (UInt64(bigEndian: buffer.0), UInt64(bigEndian: buffer.1))
    }
}

/// A projection's set of rows: its slot, and the generation the slot had when the rows were read
/// (a rebuild's swap makes a new generation, whose live rows are the rebuilt ones).
package struct RowsIdentity: Hashable, Sendable {
    package let slot: ProjectionSlot
    package let generation: UInt64

    package init(slot: ProjectionSlot, generation: UInt64) {
        self.slot = slot
        self.generation = generation
    }
}

/// The row changes of a batch being committed, which the next batch reads before the stored rows.
package struct PendingRows: Sendable {
    let changes: RowChanges

    /// The number of changes.
    package var count: Int { changes.count }

    /// The changes, sorted by key (the order LMDB writes fastest). The runner sorts them on the
    /// commit's task, beside the folding of the next batch.
    package var writes: [ProjectionWrite] {
        changes.sortedOrder().map { i in
            changes.withEntry(i) { key, value in ProjectionWrite(key: Array(key), value: value.map { Array($0) }) }
        }
    }

    /// The changes in the order of their keys, checked as ``validateProjectionWrites(_:)`` checks
    /// writes (keys of 1 to 480 bytes, values of at most 16 MiB): what a store that takes them as
    /// held (``PendingRowsCommitting``) writes. Made on the commit's task, so that neither the
    /// sort nor the checks hold the store's writer.
    package func sorted() throws(DocketError) -> SortedRows {
        for i in 0..<changes.count {
            let (keyCount, valueCount) = changes.sizes(at: i)
            try validateProjectionRow(keyCount: keyCount, valueCount: valueCount)
        }
        return SortedRows(rows: self, order: changes.sortedOrder())
    }
}

/// A batch's changes, checked, in the order of their keys (``PendingRows/sorted()``).
package struct SortedRows: Sendable {
    let rows: PendingRows
    let order: [Int]

    /// The number of changes.
    package var count: Int { order.count }

    /// Calls `body` with each change in the order of the keys, its key and value (nil: delete)
    /// read where they lie.
    package func forEach(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer?) throws -> Void) rethrows {
        for i in order { try rows.changes.withEntry(i, body) }
    }
}

/// A store that commits a batch's changes as the runner holds them (``SortedRows``), without an
/// array of writes in between: the LMDB store.
package protocol PendingRowsCommitting: Sendable {
    /// Commits `commit` (whose own writes are ignored) with `rows` as its writes, as
    /// ``ProjectionStore/commitProjection(_:)`` does.
    func commitProjection(_ commit: ProjectionCommit, rows: SortedRows) async throws
}
