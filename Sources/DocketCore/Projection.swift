import Foundation
import OrderedCollections

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
    /// A deleted row is `.some(nil)`; never assign `nil`, which would drop the change (and, in an
    /// ordered dictionary, shift every later entry).
    private(set) var changes: OrderedDictionary<RowKey, [UInt8]?> = [:]
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
        changes.reserveCapacity(expectedChanges)
    }

    /// The current value of a row.
    public func value(for key: [UInt8]) throws -> [UInt8]? {
        let key = RowKey(key)
        if let change = changes[key] { return change }
        if let pending, let change = pending.changes[key] { return change }
        return try reader.value(for: key.bytes)
    }

    /// The changes, to lay over the stored rows while they are committed.
    package var pendingRows: PendingRows { PendingRows(changes: changes) }

    /// Sets a row.
    public mutating func set(_ key: [UInt8], _ value: [UInt8]) { changes[RowKey(key)] = .some(value) }

    /// Deletes a row.
    public mutating func delete(_ key: [UInt8]) { changes[RowKey(key)] = .some(nil) }

    /// The changes made so far, sorted by key (the order LMDB writes fastest).
    public var writes: [ProjectionWrite] { PendingRows(changes: changes).writes }

    /// A key's first 16 bytes as two big-endian integers, zero-padded: when two keys' prefixes
    /// differ, they order the keys as LMDB does (byte-wise, a key before its extensions).
    @inline(__always) static func prefix(_ key: [UInt8]) -> (UInt64, UInt64) {
        key.withUnsafeBytes { raw in
            var buffer: (UInt64, UInt64) = (0, 0)
            withUnsafeMutableBytes(of: &buffer) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw.prefix(16))) }
            return (UInt64(bigEndian: buffer.0), UInt64(bigEndian: buffer.1))
        }
    }

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
    let changes: OrderedDictionary<RowKey, [UInt8]?>

    /// The changes, sorted by key (the order LMDB writes fastest). The runner sorts them on the
    /// commit's task, beside the folding of the next batch.
    package var writes: [ProjectionWrite] {
        // Sorted by each key's first 16 bytes as two integers, the whole keys compared only where
        // those are equal: most comparisons then touch neither the keys' storage nor `memcmp`.
        // The sort is stable and takes runs already in order as they are: changes made in the
        // order of their keys (rows keyed by creation) are merged, not sorted again.
        struct Sortable {
            var high: UInt64
            var low: UInt64
            var index: Int
        }
        let keys = changes.keys, values = changes.values
        var order: [Sortable] = []
        order.reserveCapacity(keys.count)
        for i in keys.indices {
            let (high, low) = ProjectionRows.prefix(keys[i].bytes)
            order.append(Sortable(high: high, low: low, index: i))
        }
        order.sort { a, b in
            if a.high != b.high { return a.high < b.high }
            if a.low != b.low { return a.low < b.low }
            return keys[a.index] < keys[b.index]
        }
        return order.map { ProjectionWrite(key: keys[$0.index].bytes, value: values[$0.index]) }
    }
}

/// A row key hashed and compared as one block of bytes (an array's own hashing goes byte by byte).
struct RowKey: Hashable, Comparable, Sendable {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    static func == (a: RowKey, b: RowKey) -> Bool {
        a.bytes.count == b.bytes.count && a.bytes.withUnsafeBytes { x in b.bytes.withUnsafeBytes { y in x.elementsEqual(y) } }
    }
    func hash(into hasher: inout Hasher) { bytes.withUnsafeBytes { hasher.combine(bytes: $0) } }
    /// Byte-wise order, as LMDB orders keys: the common prefix compared as one block, then the shorter first.
    static func < (a: RowKey, b: RowKey) -> Bool {
        a.bytes.withUnsafeBytes { x in b.bytes.withUnsafeBytes { y in UTF8Bytes.less(x, y) } }
    }
}
