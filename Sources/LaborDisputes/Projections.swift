public import DocketCore
public import DocketEngine
import Foundation
import Synchronization

/// One case as the read models see it: the case's state, folded by the workflow's own `evolve`,
/// and the instants the statistics need (each event's valid time, `occurredAt`).
public struct CaseRecord: Hashable, Sendable, Codable {
    /// The case id.
    public var id: String
    /// The state after the last event.
    public var state: CaseState
    /// When the case was registered.
    public var openedAt: Timestamp
    /// When it last closed, if it is closed.
    public var closedAt: Timestamp?
    /// Each stage the case entered, with when, in order.
    public var stages: [StageEntry]
    /// Every mediator ever assigned, in order.
    public var mediators: [String]
    /// Every organization that took the case (applied to or entrusted), in order.
    public var organizations: [String]
    /// When the current or last mediation application was made, and when that mediation ended.
    public var mediationAppliedAt: Timestamp?
    /// When the current or last mediation ended (agreement, failure, expiry, decline).
    public var mediationEndedAt: Timestamp?
    /// Mediation ended with an agreement within its term.
    public var mediationConcludedInTime: Bool?
    /// An arbitration-review application was made on the mediation agreement.
    public var reviewApplied: Bool
    /// A judicial-confirmation application was made.
    public var confirmationApplied: Bool
    /// The case was entrusted to mediation, and how that ended (nil while pending).
    public var entrusted: Bool
    /// The entrusted mediation succeeded (nil while pending or never entrusted).
    public var entrustedSucceeded: Bool?
    /// Agreements (settlement, mediation) that fell due: performed on time, or not.
    public var agreementsPerformed: Int
    /// Agreements not performed by their date.
    public var agreementsNotPerformed: Int
    /// An award was issued within its period (nil before any award).
    public var awardInTime: Bool?
    /// The log position of the case's last event.
    public var lastPosition: UInt64

    /// A record; the read model builds them, tests and importers may too.
    public init(
        id: String, state: CaseState, openedAt: Timestamp, closedAt: Timestamp? = nil, stages: [StageEntry] = [], mediators: [String] = [],
        organizations: [String] = [], mediationAppliedAt: Timestamp? = nil, mediationEndedAt: Timestamp? = nil,
        mediationConcludedInTime: Bool? = nil, reviewApplied: Bool = false, confirmationApplied: Bool = false, entrusted: Bool = false,
        entrustedSucceeded: Bool? = nil, agreementsPerformed: Int = 0, agreementsNotPerformed: Int = 0, awardInTime: Bool? = nil,
        lastPosition: UInt64 = 0
    ) {
        self.id = id
        self.state = state
        self.openedAt = openedAt
        self.closedAt = closedAt
        self.stages = stages
        self.mediators = mediators
        self.organizations = organizations
        self.mediationAppliedAt = mediationAppliedAt
        self.mediationEndedAt = mediationEndedAt
        self.mediationConcludedInTime = mediationConcludedInTime
        self.reviewApplied = reviewApplied
        self.confirmationApplied = confirmationApplied
        self.entrusted = entrusted
        self.entrustedSucceeded = entrustedSucceeded
        self.agreementsPerformed = agreementsPerformed
        self.agreementsNotPerformed = agreementsNotPerformed
        self.awardInTime = awardInTime
        self.lastPosition = lastPosition
    }

    /// A stage and when the case entered it.
    public struct StageEntry: Hashable, Sendable, Codable {
        /// The stage.
        public var stage: Stage
        /// When the case entered it.
        public var since: Timestamp

        /// An entry.
        public init(stage: Stage, since: Timestamp) {
            self.stage = stage
            self.since = since
        }
    }

    /// The case's region.
    public var region: String? { state.registration?.region }
    /// The case's dispute types, one per claim type.
    public var disputeTypes: Set<DisputeType> { Set(state.registration?.claims.map(\.type) ?? []) }
    /// The case's key groups.
    public var groups: Set<KeyGroup> { Set(state.registration?.groups ?? []) }
}

/// The read model of cases: each case's ``CaseRecord`` in a record row keyed by the order cases
/// were made (`rec/` and a slot), found by the case's index row (`case/ID`). Statistics, the risk
/// ledger and the archives' registration data are computed from these rows.
///
/// Keying records by creation means a batch's new cases sort after every record already stored, so
/// the store appends them into full pages instead of inserting them among the others (where every
/// insert dirties a page of its own and full pages split in half). Rows of the layout before (the
/// record under `case/ID`) are still read; a case of that layout moves to the new one when an event
/// of it is folded.
public struct CaseProjection: Projection {
    /// `cases`.
    public var name: String { "cases" }
    /// The case events (`case.*`).
    public var eventTypes: Set<String>? { Self.caseEventTypes }

    let workflow: CaseWorkflow
    /// Records decoded recently, so that a case touched batch after batch is not decoded each time.
    let cache = RecordCache(capacity: 16_384)

    /// 65,536 events: each batch rewrites every case it touches whole, so fewer, larger batches
    /// decode and encode each case fewer times (a rebuild holds at most that many records at once).
    public var preferredBatchSize: Int? { 65_536 }

    /// The projection, folding with the workflow's rules.
    public init(rules: CaseRules) { workflow = CaseWorkflow(rules: rules) }

    /// The key of a case's index row: `case/ID`.
    static func key(_ stream: StreamID) -> [UInt8] { withKey(stream) { Array($0) } }

    /// Calls `body` with the key of a case's index row (``key(_:)``), laid out on the stack.
    static func withKey<R>(_ stream: StreamID, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var id = stream.rawValue
        return try id.withUTF8 { utf8 in
            try keyPrefix.withUnsafeBytes { prefix in
                try withUnsafeTemporaryAllocation(byteCount: prefix.count + utf8.count, alignment: 1) { buffer in
                    buffer.copyMemory(from: prefix)
                    UnsafeMutableRawBufferPointer(rebasing: buffer[prefix.count...]).copyMemory(from: UnsafeRawBufferPointer(utf8))
                    return try body(UnsafeRawBufferPointer(buffer))
                }
            }
        }
    }

    /// The prefix of index rows.
    static let keyPrefix = Array("case/".utf8)

    /// The prefix of record rows.
    static let recordPrefix = Array("rec/".utf8)

    /// The key of a record row: `rec/` and the record's slot, 8 bytes big-endian. The slot is the log
    /// position of the event with which the case got its row, so slots grow as cases are made.
    static func recordKey(_ slot: UInt64) -> [UInt8] { withRecordKey(slot) { Array($0) } }

    /// Calls `body` with the key of a record row (``recordKey(_:)``), laid out on the stack.
    static func withRecordKey<R>(_ slot: UInt64, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try recordPrefix.withUnsafeBytes { try RowBytes.with($0, slot, body: body) }
    }

    /// The format byte of index rows.
    static let indexFormat: UInt8 = 3

    /// An index row: format byte 3, the record's slot and the record's last position (8 bytes each,
    /// big-endian). The last position tells whether a record in memory is still the stored one
    /// without reading the record row.
    static func indexRow(slot: UInt64, lastPosition: UInt64) -> [UInt8] { withIndexRow(slot: slot, lastPosition: lastPosition) { Array($0) } }

    /// Calls `body` with an index row (``indexRow(slot:lastPosition:)``), laid out on the stack.
    static func withIndexRow<R>(slot: UInt64, lastPosition: UInt64, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try RowBytes.with(tag: indexFormat, slot, lastPosition, body: body)
    }

    /// The slot and last position an index row holds; nil for a row of another format.
    static func index(ofRow bytes: [UInt8]) -> (slot: UInt64, lastPosition: UInt64)? {
        guard bytes.count == 17, bytes[0] == indexFormat else { return nil }
        return (RowBytes.uint64(bytes[1..<9]), RowBytes.uint64(bytes[9..<17]))
    }

    /// A row: format byte 4, the record's last position (8 bytes, big-endian), the record in the
    /// binary form with positional maps (``BinaryValueWriter/init(prefix:capacity:positional:)``):
    /// a third of the size of the keyed form, and read without looking keys up. Rows of format 2
    /// (the keyed binary form) and 1 (JSON) are still read.
    static func row(_ record: borrowing CaseRecord) throws(DocketError) -> [UInt8] {
        var writer = BinaryValueWriter(prefix: [], capacity: 1024, positional: true)
        try encodeRow(record, into: &writer)
        return writer.bytes
    }

    /// Writes a record's row (``row(_:)``) into `writer`, emptied first. A fold encodes its records
    /// one after another into one writer, and copies each row out at its size: no buffer grown or
    /// left half empty per record.
    static func encodeRow(_ record: borrowing CaseRecord, into writer: inout BinaryValueWriter) throws(DocketError) {
        // Written straight after the header, by the record's own coder, in one buffer. The header
        // ends with `BinaryPayload.magic`, written out: rows are encoded on two threads, and the
        // shared array's reference count would be a cache line both keep taking from the other.
        writer.removeAll()
        writer.appendHeader(4)
        writer.appendHeader(bigEndian: record.lastPosition)
        writer.appendHeader(0xDB)
        writer.appendHeader(0x01)
        do { try record.encode(to: &writer) } catch {
            throw DocketError(.codecFailure, "cannot encode the case record \(record.id): \(error)")
        }
    }

    /// The record a row holds.
    static func record(ofRow bytes: [UInt8], _ what: @autoclosure () -> String) throws(DocketError) -> CaseRecord {
        guard let format = bytes.first, format == 1 || format == 2 || format == 4, bytes.count > 9 else {
            throw DocketError(.corruptRecord, "\(what()): not a case row of format 1, 2 or 4 (written by another build? rebuild the projection: docket rebuild cases)")
        }
        guard format == 4 else { return try Payload.decode(CaseRecord.self, from: Array(bytes[9...]), what: what()) }
        // Positional maps are read by the hand-written coder only; the record is read in place.
        return try BinaryPayload.withValue(in: bytes[9...], what: what()) { try CaseRecord(from: &$0) }
    }

    public func apply(_ event: RecordedEvent, to rows: inout ProjectionRows) throws {
        try apply(batch: [event], to: &rows)
    }

    /// A case's record while a batch is folded, and the slot its record row is stored under.
    struct Touched {
        /// The record; once a closed case's row is encoded, a placeholder (``letGo(_:)``) that only
        /// says the case is closed, and at which position.
        var record: CaseRecord
        var slot: UInt64
        /// The case's stream (its index row's key: ``withKey(_:_:)``).
        var stream: StreamID

        /// Whether the case's stream begins in the batch: nothing before the batch belongs to it.
        var began = false

        /// Encodes the record's row with `writer` and returns it. Mutating only so that a caller
        /// holding the record in a buffer reads it in place: nothing is changed.
        mutating func row(using writer: inout BinaryValueWriter) throws(DocketError) -> [UInt8] {
            try CaseProjection.encodeRow(record, into: &writer)
            return writer.copiedBytes()
        }
    }

    /// Decodes each case's record once per batch and writes it once, folding the batch's cases
    /// in two halves side by side (``apply(packed:to:)``).
    public func apply(batch events: [RecordedEvent], to rows: inout ProjectionRows) throws {
        try apply(packed: EventBatch(events: events), to: &rows)
    }

    /// Folds a batch as ``apply(batch:to:)`` does, each payload decoded where it lies (in a packed
    /// batch: no copy of it, no array of its own).
    ///
    /// Three passes. First, in log order, each case event is given its case's place in the batch:
    /// the case's record read from the rows (or the cache), or made, the first time the batch meets
    /// it. Then the cases are split in two halves that are folded side by side
    /// (`DispatchQueue.concurrentPerform`), each half decoding its cases' events and folding them
    /// in log order, then encoding its records' rows with one writer (each row copied out at its
    /// size) and letting go of the closed cases' records: a case's events are folded by one
    /// thread, in order, and no two threads touch the same record. Last, the record rows are set,
    /// then the index rows, each in the cases' order (about the order of their keys, which the
    /// commit's sort takes as runs), and the cache is updated. A batch of fewer than 512 events is
    /// folded on the calling thread.
    public func apply(packed batch: EventBatch, to rows: inout ProjectionRows) throws {
        let events = batch.events
        let found = Self.decoders(batch)
        let isCase = found.map { $0 != nil }
        // A decoder for every type (the codec's own for a type that is not a case event's, never
        // used), so that the parts call each where it lies: taking one out of an optional copies
        // it, which retains its parts, and both parts' threads would keep taking the same
        // reference counts from each other, event after event.
        let decoders = found.indices.map { t in found[t] ?? CaseEvent.codec.decoder(type: batch.types[t], schemaVersion: 1) }
        var touched = BatchCases<Touched>(batch)
        var place = [Int](repeating: -1, count: events.count)
        // Events are read in place (through the buffer), not copied out of the array one by one.
        try events.withUnsafeBufferPointer { events in
            for i in events.indices where isCase[batch.typeIndex(at: i)] {
                let stream = batch.streamIndex(at: i)
                place[i] = try touched.index(ofStream: stream) {
                    // A stream that begins in the batch has no rows to look for (a rebuild meets
                    // most cases so, and skips a lookup in three tables for each).
                    let began = batch.streamBegins(stream)
                    let existing = began ? nil : try stored(events[i].stream, at: events[i].position, rows)
                    return existing
                        ?? Touched(
                            record: CaseRecord(id: events[i].stream.rawValue, state: workflow.initialState, openedAt: events[i].occurredAt),
                            slot: events[i].position.value, stream: events[i].stream, began: began)
                }
            }
        }
        var encoded = [[UInt8]](repeating: [], count: touched.values.count)
        let cases = touched.values.count
        let parallel = events.count >= 512 && cases >= 2
        try events.withUnsafeBufferPointer { events in
            try decoders.withUnsafeBufferPointer { decoders in
                try place.withUnsafeBufferPointer { place in
                    try touched.values.withUnsafeMutableBufferPointer { records in
                        try encoded.withUnsafeMutableBufferPointer { encoded in
                            try Self.inTwoParts(parallel: parallel) { part in
                                // Each part folds the cases of its half of `records`, and nothing else.
                                let mine = parallel ? (part == 0 ? 0..<(cases / 2) : (cases / 2)..<cases) : 0..<cases
                                for i in events.indices where mine.contains(place[i]) {
                                    // The decoder is used where it lies (see `decoders`).
                                    let t = batch.typeIndex(at: i)
                                    let event: CaseEvent
                                    do {
                                        event = try batch.withPayload(at: i) { payload in
                                            // The parts the codec needs, not the whole event: a copy of it would retain each of its strings.
                                            events[i].schemaVersion == decoders[t].schemaVersion
                                                ? try decoders[t].decode(payload)
                                                : try CaseEvent.codec.decode(type: events[i].type, schemaVersion: events[i].schemaVersion, payload: payload)
                                        }
                                    } catch {
                                        throw OrderedFailure(order: i, error: error)
                                    }
                                    // Folded in place, not copied out of the array and back.
                                    fold(&records[place[i]].record, event, at: events[i].occurredAt, position: events[i].position)
                                }
                                // Each record is encoded where it lies (a mutating access), not copied out first,
                                // by one writer per part.
                                var writer = BinaryValueWriter(prefix: [], capacity: 4096, positional: true)
                                for n in mine {
                                    do { encoded[n] = try records[n].row(using: &writer) } catch { throw OrderedFailure(order: events.count + n, error: error) }
                                    // A closed record is not kept (see below): it is let go here, by the
                                    // thread that just wrote it, while its memory is at hand.
                                    if records[n].record.state.stage == .closed { records[n].record = Self.letGo(records[n].record) }
                                }
                            }
                        }
                    }
                }
            }
        }
        // Each element is read where it lies: a copy of a record would retain each of its parts.
        // The record rows first, then the index rows: each in about the order of its keys (slots
        // grow as cases are made, and so do most case ids), which the commit's sort takes as runs.
        // Keys and index rows are laid out on the stack and copied by the rows: no array each.
        for n in touched.values.indices {
            Self.withRecordKey(touched.values[n].slot) { rows.set(key: $0, encoded[n]) }
        }
        for n in touched.values.indices {
            Self.withKey(touched.values[n].stream) { key in
                Self.withIndexRow(slot: touched.values[n].slot, lastPosition: touched.values[n].record.lastPosition) { rows.set(key: key, value: $0) }
            }
        }
        // A closed case seldom has another event: it is read back from its row if it does (its
        // record was let go once encoded). Kept apart for each set of rows (live, a rebuild, each
        // generation), and only for rows the runner names: a record folded from one set is never
        // taken for another's. A closed case whose stream began in this batch is not looked for:
        // the cache holds it only if this batch was folded before (a commit that failed, a rebuild
        // started again), and then at an older last position than its index row now names, which
        // is never used (``stored(_:at:_:_:)`` takes a cached record only at the row's position).
        guard let identity = rows.identity, !touched.values.isEmpty else { return }
        cache.update(in: identity) { cached in
            for n in touched.values.indices {
                if touched.values[n].record.state.stage != .closed {
                    cached.put(touched.values[n].record.id, touched.values[n].record)
                } else if !touched.values[n].began {
                    cached.remove(touched.values[n].stream.rawValue)
                }
            }
        }
    }

    /// What stands for a closed record once its row is encoded: its stage and last position,
    /// nothing else (the index row names the position).
    private static func letGo(_ record: CaseRecord) -> CaseRecord {
        var r = closedPlaceholder
        r.lastPosition = record.lastPosition
        return r
    }

    private static let closedPlaceholder: CaseRecord = {
        var r = CaseRecord(id: "", state: CaseState(), openedAt: Timestamp(millisecondsSinceEpoch: 0))
        r.state.stage = .closed
        return r
    }()

    /// The decoder of each of the batch's types (``EventBatch/types``) that is a case event's, for
    /// the schema version of its first event in the batch (an event of another version is decoded
    /// through the codec): one lookup per type and batch, not one per event.
    static func decoders(_ batch: EventBatch) -> [EventCodec<CaseEvent>.TypeDecoder?] {
        var decoders = [EventCodec<CaseEvent>.TypeDecoder?](repeating: nil, count: batch.types.count)
        var seen = [Bool](repeating: false, count: batch.types.count)
        var left = batch.types.count
        var i = 0
        while left > 0, i < batch.count {
            let t = batch.typeIndex(at: i)
            if !seen[t] {
                seen[t] = true
                left -= 1
                if caseEventTypes.contains(batch.types[t]) {
                    decoders[t] = CaseEvent.codec.decoder(type: batch.types[t], schemaVersion: batch.events[i].schemaVersion)
                }
            }
            i += 1
        }
        return decoders
    }

    /// Runs `body(0)` and `body(1)` side by side when `parallel` (else only `body(0)`, on the
    /// calling thread). When both fail, the error thrown is the one whose ``OrderedFailure`` comes
    /// first (else that of part 0); an ``OrderedFailure`` is thrown as the error it wraps. `body`
    /// must touch nothing the other part touches but what it only reads.
    static func inTwoParts(parallel: Bool, _ body: (Int) throws -> Void) throws {
        var failures: [(any Error)?] = [nil, nil]
        if parallel {
            withoutActuallyEscaping(body) { body in
                failures.withUnsafeMutableBufferPointer { failures in
                    let shared = Parts(failures: failures, body: body)
                    DispatchQueue.concurrentPerform(iterations: 2) { part in
                        do { try shared.body(part) } catch { shared.failures[part] = error }
                    }
                }
            }
        } else {
            do { try body(0) } catch { failures[0] = error }
        }
        let order = { (e: any Error) in (e as? OrderedFailure)?.order ?? Int.max }
        let first: (any Error)? =
            switch (failures[0], failures[1]) {
            case (let a?, let b?): order(b) < order(a) ? b : a
            case (let a?, nil): a
            case (nil, let b?): b
            case (nil, nil): nil
            }
        if let first { throw (first as? OrderedFailure)?.error ?? first }
    }

    /// An error with its place among the errors a batch could meet (the event's index): of two
    /// parts that fail, the error of the earlier event is the one thrown.
    struct OrderedFailure: Error {
        let order: Int
        let error: any Error
    }

    /// What the two parts of ``inTwoParts(parallel:_:)`` share: each records its failure in its
    /// own slot; `concurrentPerform` returns once both are done.
    private struct Parts: @unchecked Sendable {
        let failures: UnsafeMutableBufferPointer<(any Error)?>
        let body: (Int) throws -> Void
    }

    /// The case event types (`case.*`).
    static let caseEventTypes = Set(CaseEvent.codec.registeredTypes.map(\.type))

    /// The record the rows hold for the event's case and its slot, from the cache when it is
    /// current. A record of the layout before (under `case/ID`) gets a slot of its own: the
    /// position of the event now folded.
    private func stored(_ stream: StreamID, at position: LogPosition, _ rows: ProjectionRows) throws -> Touched? {
        guard let bytes = try rows.value(for: Self.key(stream)) else { return nil }
        guard let (slot, last) = Self.index(ofRow: bytes) else {
            return Touched(record: try Self.record(ofRow: bytes, "case row \(stream)"), slot: position.value, stream: stream)
        }
        // The cached record stands for the row when both end at the same position.
        if let identity = rows.identity, let cached = cache.get(stream.rawValue, in: identity), cached.lastPosition == last {
            return Touched(record: cached, slot: slot, stream: stream)
        }
        guard let row = try rows.value(for: Self.recordKey(slot)) else {
            throw DocketError(
                .corruptRecord, "the index row of case \(stream) names record \(slot), which is missing (rebuild the projection: docket rebuild cases)")
        }
        return Touched(record: try Self.record(ofRow: row, "case record \(stream)"), slot: slot, stream: stream)
    }

    /// One event into a case's record, in place.
    func fold(_ r: inout CaseRecord, _ event: CaseEvent, at: Timestamp, position: LogPosition) {
        // What the record needs of the state before the event, read before it changes: the state is
        // folded in place, so that its tables are not copied for every event.
        let stageBefore = r.state.stage
        var concludeBy: Timestamp?
        var awardOverdue = false
        switch event {
        case .mediationAgreementSigned: concludeBy = r.state.deadlines[.concludeMediation]
        case .awardIssued: awardOverdue = r.state.overdue.contains(.arbitrationAward)
        default: break
        }
        workflow.evolve(&r.state, with: event)
        r.lastPosition = position.value
        if r.state.stage != stageBefore {
            // A case goes through several stages: room for them at once, not an allocation each
            // time the array doubles.
            if r.stages.capacity == 0 { r.stages.reserveCapacity(8) }
            r.stages.append(.init(stage: r.state.stage, since: at))
        }
        if r.state.stage == .closed, stageBefore != .closed { r.closedAt = at }
        if r.state.stage != .closed { r.closedAt = nil }
        switch event {
        case .registered: r.openedAt = at
        case .mediationApplied(let o, _, _, _):
            r.organizations.append(o)
            r.mediationAppliedAt = at
            r.mediationEndedAt = nil
            r.mediationConcludedInTime = nil
        case .mediationEntrusted(_, let o, _, _, _):
            r.organizations.append(o)
            r.entrusted = true
            r.entrustedSucceeded = nil
        case .entrustedMediationSucceeded: r.entrustedSucceeded = true
        case .entrustedMediationFailed: r.entrustedSucceeded = false
        case .mediatorAssigned(let m): r.mediators.append(m)
        case .mediationAgreementSigned:
            r.mediationEndedAt = at
            r.mediationConcludedInTime = concludeBy.map { at < $0 } ?? true
        case .mediationFailed, .mediationTermExpired, .mediationDeclined:
            if r.mediationEndedAt == nil, r.mediationAppliedAt != nil {
                r.mediationEndedAt = at
                r.mediationConcludedInTime = false
            }
        case .reviewApplied: r.reviewApplied = true
        case .confirmationApplied: r.confirmationApplied = true
        case .agreementPerformed: r.agreementsPerformed += 1
        case .agreementNotPerformed: r.agreementsNotPerformed += 1
        case .awardIssued: r.awardInTime = !awardOverdue
        default: break
        }
    }

    /// Every case record in the rows: the record rows in the order cases were made, then any rows
    /// of the layout before.
    public static func records(_ reader: any ProjectionRowReader) throws -> [CaseRecord] {
        var out: [CaseRecord] = []
        try reader.forEach(from: recordPrefix) { key, value in
            guard key.starts(with: recordPrefix) else { return false }
            out.append(try record(ofRow: value, "case record row \(RowBytes.uint64(key.suffix(8)))"))
            return true
        }
        let prefix = keyPrefix
        try reader.forEach(from: prefix) { key, value in
            guard key.starts(with: prefix) else { return false }
            if value.first == 3 { return true }  // an index row
            out.append(try record(ofRow: value, "case row \(String(decoding: key, as: UTF8.self))"))
            return true
        }
        return out
    }
}

/// The cases a batch touches, each with the value a read model works on while it folds the batch,
/// in the order the batch first meets them: a case's place is found by its stream's index in the
/// batch (``EventBatch/streamIndex(at:)``), or made with the value `make` gives the first time.
struct BatchCases<Value> {
    /// Each of the batch's streams' place in ``values`` + 1 (0: not met yet).
    private var places: [Int32]
    /// The values, in the order the cases were met.
    var values: [Value] = []

    /// Room for the cases of `batch`.
    init(_ batch: EventBatch) {
        places = [Int32](repeating: 0, count: batch.streams.count)
        values.reserveCapacity(batch.streams.count)
    }

    /// The place of the value of the stream with index `stream` in the batch, made with `make` if
    /// the batch has not met the case before.
    mutating func index(ofStream stream: Int, orMake make: () throws -> Value) rethrows -> Int {
        let n = places[stream]
        if n > 0 { return Int(n - 1) }
        values.append(try make())
        places[stream] = Int32(values.count)
        return values.count - 1
    }
}

/// The read model of the rosters: one row per entry (`organization/ID`, `mediator/ID`,
/// `arbitrator/ID`) holding its ``RosterState``, folded by the roster workflow's `evolve`.
public struct RosterProjection: Projection {
    /// `rosters`.
    public var name: String { "rosters" }
    /// The roster events (`roster.*`).
    public var eventTypes: Set<String>? { Self.types }

    let workflow = RosterWorkflow(regions: [:])

    /// The projection.
    public init() {}

    /// Applies the batch's roster events; the others (nearly all, in a log of cases) are passed
    /// over by their type's first bytes, before any table lookup.
    public func apply(batch events: [RecordedEvent], to rows: inout ProjectionRows) throws {
        try events.withUnsafeBufferPointer { events in
            for i in events.indices where events[i].type.utf8.starts(with: Self.typePrefix) && Self.types.contains(events[i].type) {
                try apply(events[i], to: &rows)
            }
        }
    }

    /// Applies the batch's roster events, found by the batch's types (one lookup per type, not one
    /// per event); a batch without any, as most are in a log of cases, is passed over at once.
    public func apply(packed batch: EventBatch, to rows: inout ProjectionRows) throws {
        let handled = batch.types.map { Self.types.contains($0) }
        guard handled.contains(true) else { return }
        for i in 0..<batch.count where handled[batch.typeIndex(at: i)] {
            try apply(batch.event(at: i), to: &rows)
        }
    }

    static let types = Set(RosterEvent.types)
    static let typePrefix = Array("roster.".utf8)

    public func apply(_ event: RecordedEvent, to rows: inout ProjectionRows) throws {
        let key = Array(event.stream.rawValue.utf8)
        var state = try rows.value(for: key).map { try Payload.decode(RosterState.self, from: $0, what: "roster row \(event.stream)") } ?? RosterState()
        state = workflow.evolve(state, try RosterEvent.codec.decode(event))
        rows.set(key, try Payload.encode(state))
    }

    /// The roster as the rows hold it.
    public static func roster(_ reader: any ProjectionRowReader) throws -> Roster {
        var roster = Roster()
        try reader.forEach(from: nil) { key, value in
            let k = String(decoding: key, as: UTF8.self)
            let state = try Payload.decode(RosterState.self, from: value, what: "roster row \(k)")
            guard let slash = k.firstIndex(of: "/") else { return true }
            let id = String(k[k.index(after: slash)...])
            if let o = state.organization { roster.organizations[id] = o }
            if let m = state.mediator { roster.mediators[id] = m }
            if let l = state.liaisons { roster.liaisons[id] = l }
            return true
        }
        return roster
    }
}

/// The rosters at one moment: every organization, mediator and arbitrator's liaison areas.
public struct Roster: Hashable, Sendable, Codable {
    /// Organizations by id.
    public var organizations: [String: OrganizationRecord] = [:]
    /// Mediators by id.
    public var mediators: [String: MediatorRecord] = [:]
    /// Arbitrators' liaison organizations, by arbitrator id.
    public var liaisons: [String: [String]] = [:]
    /// An empty roster.
    public init() {}
}

/// The read models of a dispute system, over one store: the projections, their runner, and
/// queries now or "as of" a past instant.
public struct DisputeReadModels: Sendable {
    /// The store.
    public let store: any EventStore & ProjectionStore
    /// The projections: ``CaseProjection``, ``RosterProjection`` and ``ArchiveProjection``.
    public let projections: [any Projection]
    /// The rules cases are folded under.
    public let rules: CaseRules
    /// The case projection (also first in ``projections``).
    let cases: CaseProjection
    /// Their runner.
    public let runner: ProjectionRunner

    /// The read models of `store`, folding cases under `rules`.
    public init(store: any EventStore & ProjectionStore, rules: CaseRules) throws(DocketError) {
        self.store = store
        self.rules = rules
        cases = CaseProjection(rules: rules)
        projections = [cases, RosterProjection(), ArchiveProjection()]
        runner = try ProjectionRunner(store: store, projections: projections)
    }


    /// The case records: from the live rows (caught up first), or, with `asOf`, folded from the
    /// events recorded by then, so that the answer is what was known at that instant.
    public func caseRecords(asOf: Timestamp? = nil) async throws -> [CaseRecord] {
        if let asOf {
            // A projection of its own: the live one's record cache stands for rows of the whole log,
            // not for rows folded from part of it.
            return try CaseProjection.records(try await fold(CaseProjection(rules: rules), recordedBy: asOf))
        }
        try await catchUp("cases")
        return try await store.readProjection("cases", slot: .live) { try CaseProjection.records($0) }
    }

    /// The roster: live, or as it stood on `asOf` (valid time: the roster events that occurred by then).
    public func roster(asOf: Timestamp? = nil) async throws -> Roster {
        if let asOf { return try RosterProjection.roster(try await fold(RosterProjection(), occurredBy: asOf)) }
        try await catchUp("rosters")
        return try await store.readProjection("rosters", slot: .live) { try RosterProjection.roster($0) }
    }

    /// A case's dossier: live, or as recorded by `asOf`. Nil for a case with no events.
    public func dossier(of caseID: String, asOf: Timestamp? = nil) async throws -> Dossier? {
        let entries: [ArchiveEntry]
        if let asOf {
            entries = try ArchiveProjection.entries(of: caseID, try await fold(ArchiveProjection(), recordedBy: asOf, and: { $0.stream.rawValue == caseID }))
        } else {
            try await catchUp("archives")
            entries = try await store.readProjection("archives", slot: .live) { try ArchiveProjection.entries(of: caseID, $0) }
        }
        return entries.isEmpty ? nil : Dossier(caseID: caseID, entries: entries)
    }

    /// Brings one projection up to the log's head before a query. When the runner runs as a
    /// service too, either may commit a batch first; the other's commit is then refused
    /// (`checkpointConflict`), nothing is written, and the query catches up from where the rows are.
    func catchUp(_ name: String) async throws {
        var attempts = 0
        while true {
            do {
                try await runner.catchUp(name)
                return
            } catch let e as DocketError where e.code == .checkpointConflict && attempts < 8 {
                attempts += 1
            }
        }
    }

    /// Folds a projection in memory over the events recorded by `instant` (transaction time).
    func fold(_ p: any Projection, recordedBy instant: Timestamp, and also: (RecordedEvent) -> Bool = { _ in true }) async throws -> MemoryRows {
        try await fold(p) { $0.recordedAt <= instant && also($0) }
    }

    /// Folds a projection in memory over the events that occurred by `instant` (valid time).
    func fold(_ p: any Projection, occurredBy instant: Timestamp) async throws -> MemoryRows {
        try await fold(p) { $0.occurredAt <= instant }
    }

    func fold(_ p: any Projection, where include: (RecordedEvent) -> Bool) async throws -> MemoryRows {
        let memory = MemoryRows()
        var after = LogPosition.beforeFirst
        while true {
            let batch = try await store.readLog(after: after, limit: 16_384)
            guard let last = batch.last else { break }
            var rows = ProjectionRows(reader: memory)
            try p.apply(batch: batch.filter(include), to: &rows)
            memory.merge(rows.writes)
            after = last.position
        }
        return memory
    }
}

/// The integers of the read models' keys and rows: 8 bytes, big-endian, so that keys sort as the
/// numbers do.
enum RowBytes {
    /// The number 8 bytes hold.
    static func uint64(_ bytes: ArraySlice<UInt8>) -> UInt64 { bytes.reduce(0) { $0 << 8 | UInt64($1) } }

    /// Calls `body` with `head` (a prefix or a tag byte) followed by `value` and `then`, if any
    /// (8 bytes each, big-endian), laid out on the stack: a row's key or small value set without an
    /// array of its own (the rows copy it).
    static func with<R>(_ head: UnsafeRawBufferPointer, _ value: UInt64, _ then: UInt64? = nil, body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeTemporaryAllocation(byteCount: head.count + (then == nil ? 8 : 16), alignment: 1) { buffer in
            if !head.isEmpty { buffer.baseAddress!.copyMemory(from: head.baseAddress!, byteCount: head.count) }
            buffer.storeBytes(of: value.bigEndian, toByteOffset: head.count, as: UInt64.self)
            if let then { buffer.storeBytes(of: then.bigEndian, toByteOffset: head.count + 8, as: UInt64.self) }
            return try body(UnsafeRawBufferPointer(buffer))
        }
    }

    /// Calls `body` with a tag byte followed by `value` and `then`, if any (``with(_:_:_:body:)``).
    static func with<R>(tag: UInt8, _ value: UInt64, _ then: UInt64? = nil, body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var tag = tag
        return try withUnsafeBytes(of: &tag) { try with($0, value, then, body: body) }
    }
}

/// Rows held in memory, for projections folded to answer "as of" questions.
final class MemoryRows: ProjectionRowReader {
    var rows: [[UInt8]: [UInt8]] = [:]

    func value(for key: [UInt8]) throws -> [UInt8]? { rows[key] }

    func forEach(from start: [UInt8]?, _ body: ([UInt8], [UInt8]) throws -> Bool) throws {
        for key in rows.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            if let start, key.lexicographicallyPrecedes(start) { continue }
            guard try body(key, rows[key]!) else { return }
        }
    }

    func merge(_ writes: [ProjectionWrite]) {
        for w in writes { rows[w.key] = w.value }
    }
}

/// A bounded map of recently folded case records, shared by the batches of one process, kept apart
/// for each set of rows (``RowsIdentity``: the live rows, a rebuild's, each generation), so that a
/// record folded from one set is never taken for another's. Two generations per set: when the young
/// one is full it becomes the old one, and a record found in the old one moves back to the young;
/// so the cases active now stay, and at most twice `capacity` are held per set, for two sets.
final class RecordCache: Sendable {
    /// The records of one set of rows: the young generation and the old one.
    struct Generations {
        var young: [String: CaseRecord] = [:]
        var old: [String: CaseRecord] = [:]
        /// The most records each generation holds.
        let capacity: Int

        /// A record, moved back to the young generation if it was in the old one.
        mutating func get(_ id: String) -> CaseRecord? {
            if let r = young[id] { return r }
            guard let r = old.removeValue(forKey: id) else { return nil }
            insert(r, id)
            return r
        }

        mutating func put(_ id: String, _ record: CaseRecord) {
            if young[id] != nil {
                young[id] = record
                return
            }
            old[id] = nil
            insert(record, id)
        }

        mutating func remove(_ id: String) {
            if young.removeValue(forKey: id) == nil { old.removeValue(forKey: id) }
        }

        /// Into the young generation, which becomes the old one when it is full.
        private mutating func insert(_ record: CaseRecord, _ id: String) {
            if young.count >= capacity {
                old = young
                young = [:]
            }
            young[id] = record
        }
    }

    /// The records of each set of rows, the one used last first; at most two sets are kept (the
    /// live rows and a rebuild's).
    private let sets: Mutex<[(identity: RowsIdentity, records: Generations)]>
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        sets = Mutex([])
    }

    /// Runs `body` on the records of `identity`'s rows, under the lock, made (dropping the set used
    /// least lately beyond two) if there are none: a batch puts and removes its records in one call.
    func update<R>(in identity: RowsIdentity, _ body: (inout Generations) -> R) -> R {
        sets.withLock { sets in
            if let k = sets.firstIndex(where: { $0.identity == identity }) {
                if k != 0 { sets.swapAt(0, k) }
            } else {
                sets.insert((identity, Generations(capacity: capacity)), at: 0)
                if sets.count > 2 { sets.removeLast() }
            }
            return body(&sets[0].records)
        }
    }

    func get(_ id: String, in identity: RowsIdentity) -> CaseRecord? {
        update(in: identity) { $0.get(id) }
    }
}
