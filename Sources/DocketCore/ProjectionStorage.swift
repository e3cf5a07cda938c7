/// Where a projection's rows are written: its live rows, or the spare set a rebuild fills before it
/// is swapped in.
public enum ProjectionSlot: Hashable, Sendable {
    /// The rows readers see.
    case live
    /// The rows of a rebuild in progress.
    case rebuild
}

/// A projection's stored progress.
public struct ProjectionStatus: Hashable, Sendable {
    /// The last log position applied to the live rows (``LogPosition/beforeFirst`` when none).
    public var checkpoint: LogPosition
    /// The last position applied by a rebuild in progress, or `nil` when none is.
    public var rebuildCheckpoint: LogPosition?
    /// How many rebuilds have been swapped in.
    public var generation: UInt64

    /// Creates a status.
    public init(checkpoint: LogPosition, rebuildCheckpoint: LogPosition?, generation: UInt64) {
        self.checkpoint = checkpoint
        self.rebuildCheckpoint = rebuildCheckpoint
        self.generation = generation
    }

    /// A projection that has never run.
    public static let new = ProjectionStatus(checkpoint: .beforeFirst, rebuildCheckpoint: nil, generation: 0)
}

/// One row change of a projection: `value == nil` deletes the row.
public struct ProjectionWrite: Hashable, Sendable {
    /// The row's key (1 to 480 bytes).
    public var key: [UInt8]
    /// The new value, or `nil` to delete.
    public var value: [UInt8]?
    /// Creates a row change.
    public init(key: [UInt8], value: [UInt8]?) {
        self.key = key
        self.value = value
    }
}

/// A batch of row changes and the checkpoint they bring the projection to, written in one
/// transaction: either all of it is stored or none.
public struct ProjectionCommit: Hashable, Sendable {
    /// The projection's name.
    public var name: String
    /// Which rows the changes go to.
    public var slot: ProjectionSlot
    /// The checkpoint the runner started from; the commit is refused with
    /// ``DocketError/Code/checkpointConflict`` when the stored one differs.
    public var expected: LogPosition
    /// The new checkpoint.
    public var checkpoint: LogPosition
    /// The row changes, applied in order.
    public var writes: [ProjectionWrite]
    /// The generation (rebuilds swapped in) the rows were computed against, if the commit should be
    /// refused with ``DocketError/Code/checkpointConflict`` when a rebuild was swapped in meanwhile.
    public var expectedGeneration: UInt64?

    /// Creates a commit.
    public init(
        name: String, slot: ProjectionSlot, expected: LogPosition, checkpoint: LogPosition, writes: [ProjectionWrite],
        expectedGeneration: UInt64? = nil
    ) {
        self.name = name
        self.slot = slot
        self.expected = expected
        self.checkpoint = checkpoint
        self.writes = writes
        self.expectedGeneration = expectedGeneration
    }
}

/// A read-only view of one projection's rows in one consistent snapshot. Valid only inside the
/// closure that receives it.
public protocol ProjectionRowReader {
    /// The row stored under `key`, or `nil`.
    func value(for key: [UInt8]) throws -> [UInt8]?
    /// Walks rows in key order (byte-wise) from the first key `>= start` (from the first row when
    /// `start` is `nil`) until `body` returns `false`.
    func forEach(from start: [UInt8]?, _ body: (_ key: [UInt8], _ value: [UInt8]) throws -> Bool) throws
}

/// Storage for projections: rows (keys and values as bytes) and a checkpoint per projection, kept
/// in the same store as the log so that a batch of rows and its checkpoint commit together.
///
/// Each projection has two sets of rows: the live one and a spare one that a rebuild fills from zero;
/// finishing the rebuild swaps them in one transaction, so readers never see a half-built projection.
public protocol ProjectionStore: Sendable {
    /// The stored progress of a projection (``ProjectionStatus/new`` if it never ran).
    func projectionStatus(_ name: String) async throws -> ProjectionStatus

    /// Writes a batch of rows and the new checkpoint atomically.
    /// - Throws: ``DocketError/Code/checkpointConflict`` when the stored checkpoint of `slot` is not
    ///   `commit.expected` (or, for ``ProjectionSlot/rebuild``, when no rebuild is in progress);
    ///   ``DocketError/Code/invalidArgument`` for a checkpoint before `expected` or an invalid row.
    func commitProjection(_ commit: ProjectionCommit) async throws

    /// Runs `body` with the rows of `slot` as of one snapshot.
    func readProjection<R>(_ name: String, slot: ProjectionSlot, _ body: (any ProjectionRowReader) throws -> R) async throws -> R

    /// Starts (or restarts) a rebuild: empties the spare rows and sets the rebuild's checkpoint to
    /// ``LogPosition/beforeFirst``. The live rows are untouched.
    func startProjectionRebuild(_ name: String) async throws

    /// Swaps the rebuilt rows in: they become live with the rebuild's checkpoint, and the old live
    /// rows are emptied. Refused with ``DocketError/Code/checkpointConflict`` unless a rebuild is in
    /// progress at `expected` and `expected` is at or past the live checkpoint (a swap never moves
    /// the checkpoint back).
    func finishProjectionRebuild(_ name: String, expected: LogPosition) async throws

    /// The names of the projections with stored progress.
    func projectionNames() async throws -> [String]
}

/// Whether `name` is 1 to `maxLength` bytes of ASCII letters, digits, `.`, `_` and `-` (the names
/// of projections and workflows).
public func isSimpleName(_ name: String, maxLength: Int) -> Bool {
    let utf8 = name.utf8
    return !utf8.isEmpty && utf8.count <= maxLength && utf8.allSatisfy { c in
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2E || c == 0x5F || c == 0x2D
    }
}

/// Checks a projection name: 1 to 100 bytes of ASCII letters, digits, `.`, `_` and `-`.
public func validateProjectionName(_ name: String) throws(DocketError) {
    guard isSimpleName(name, maxLength: 100) else {
        throw DocketError(.invalidArgument, "projection name \(name.debugDescription) must be 1 to 100 ASCII letters, digits, '.', '_' or '-'")
    }
}

/// Checks a projection commit: its name, that it does not move the checkpoint back, and its keys
/// and values.
public func validateProjectionCommit(_ commit: ProjectionCommit) throws(DocketError) {
    try validateProjectionName(commit.name)
    guard commit.checkpoint >= commit.expected else {
        throw DocketError(.invalidArgument, "a commit of projection \(commit.name) would move its checkpoint back from \(commit.expected) to \(commit.checkpoint)")
    }
    try validateProjectionWrites(commit.writes)
}

/// Checks a projection commit's keys and values.
public func validateProjectionWrites(_ writes: [ProjectionWrite]) throws(DocketError) {
    for w in writes { try validateProjectionRow(keyCount: w.key.count, valueCount: w.value?.count) }
}

/// Checks one row change's sizes: a key of 1 to 480 bytes, a value (nil: a delete) of at most 16 MiB.
func validateProjectionRow(keyCount: Int, valueCount: Int?) throws(DocketError) {
    guard keyCount > 0, keyCount <= 480 else {
        throw DocketError(.invalidArgument, "a projection row key is \(keyCount) bytes; keys must be 1 to 480 bytes")
    }
    if let valueCount, valueCount > RecordCodec.maximumPayloadSize {
        throw DocketError(.invalidArgument, "a projection row of \(valueCount) bytes exceeds the limit of \(RecordCodec.maximumPayloadSize)")
    }
}
