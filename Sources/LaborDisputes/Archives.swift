public import DocketCore
import Foundation

/// A document in a case's archive (档案).
public enum ArchivedDocument: Hashable, Sendable, Codable {
    /// The registration record.
    case registration(CaseCommand.RegisterCase)
    /// A settlement agreement (archived only with both parties' consent).
    case settlement(SettlementAgreement)
    /// A mediation agreement, with its signatures and seals.
    case mediationAgreement(MediationAgreement)
    /// A performance notice with its capacity assessment.
    case performanceNotice(PerformanceNotice)
    /// A refusal notice: which refusal, and its reason.
    case refusal(of: String, reason: String)
    /// The arbitration committee's mediation document (arbitration review).
    case mediationDocument
    /// The court's ruling on judicial confirmation.
    case confirmationRuling(confirmed: Bool)
    /// A payment order.
    case paymentOrder
    /// An arbitral award.
    case award(Award)
    /// A judgment.
    case judgment(summary: String)

    /// The kind of document, for grouping versions: `registration`, `settlement`, …
    public var kind: String {
        switch self {
        case .registration: "registration"
        case .settlement: "settlement"
        case .mediationAgreement: "mediationAgreement"
        case .performanceNotice: "performanceNotice"
        case .refusal(let of, _): "refusal:\(of)"
        case .mediationDocument: "mediationDocument"
        case .confirmationRuling: "confirmationRuling"
        case .paymentOrder: "paymentOrder"
        case .award: "award"
        case .judgment: "judgment"
        }
    }
}

/// One entry of a case's archive: every event is on the timeline; some carry a document, a
/// notification or a return visit.
public struct ArchiveEntry: Hashable, Sendable, Codable {
    /// What the entry is.
    public enum Kind: String, Hashable, Sendable, Codable {
        /// An event of the timeline only.
        case timeline
        /// A document.
        case document
        /// A notification or service to a party.
        case notification
        /// A return visit.
        case returnVisit
    }
    /// The event's log position.
    public var position: UInt64
    /// When it happened.
    public var occurredAt: Timestamp
    /// When it was recorded.
    public var recordedAt: Timestamp
    /// Who gave the command.
    public var actor: String
    /// The command's id.
    public var commandID: String?
    /// The event type.
    public var event: String
    /// The kind of entry.
    public var kind: Kind
    /// One line for a person.
    public var summary: String
    /// The document, for a document entry.
    public var document: ArchivedDocument?

    /// An entry; the archive projection makes them, tests and importers may too.
    public init(
        position: UInt64, occurredAt: Timestamp, recordedAt: Timestamp, actor: String, commandID: String?, event: String, kind: Kind, summary: String,
        document: ArchivedDocument?
    ) {
        self.position = position
        self.occurredAt = occurredAt
        self.recordedAt = recordedAt
        self.actor = actor
        self.commandID = commandID
        self.event = event
        self.kind = kind
        self.summary = summary
        self.document = document
    }
}

/// The archive projection: each case's ``ArchiveEntry`` list, in log order, in one entries row (the
/// binary form of an array of entries written with positional maps, their documents keeping their
/// keys; entries written keyed by an earlier build are read as they are), keyed by the order cases
/// were made (the byte `FF` and a slot), and
/// found by the case's index row (its id). A batch appends its entries to the row without decoding
/// it, so each case's row is read and written once per batch that touches it, whatever the batch
/// size: the rows are the same for a projection kept up to date batch by batch and for one rebuilt
/// in a single pass. New cases' rows sort after every row already stored (no case id, being UTF-8,
/// holds the byte `FF`), so the store appends them into full pages.
///
/// Rows of the earlier layout (one per event, keyed by the case id, a zero byte and the event's
/// position) are still read, and merged with the case's entries by position, until the projection
/// is rebuilt.
public struct ArchiveProjection: Projection {
    /// `archives`.
    public var name: String { "archives" }
    /// The case events.
    public var eventTypes: Set<String>? { CaseProjection.caseEventTypes }

    /// The projection.
    public init() {}

    /// The key of a case's index row: its id.
    static func key(_ caseID: String) -> [UInt8] { Array(caseID.utf8) }

    /// The key of an entries row: the byte `FF` (never in UTF-8, so never in a case id) and the
    /// row's slot, 8 bytes big-endian: the log position of the event with which the case got its
    /// row, so slots grow as cases are made.
    static func entriesKey(_ slot: UInt64) -> [UInt8] { withEntriesKey(slot) { Array($0) } }

    /// Calls `body` with the key of an entries row (``entriesKey(_:)``), laid out on the stack.
    static func withEntriesKey<R>(_ slot: UInt64, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try RowBytes.with(tag: 0xFF, slot, body: body)
    }

    /// The format byte of index rows.
    static let indexFormat: UInt8 = 3

    /// The slot an index row names. An index row is format byte 3 and the slot of the case's
    /// entries row (8 bytes, big-endian), laid out on the stack where it is set
    /// (``RowBytes/with(tag:_:_:body:)``).
    static func slot(ofIndexRow bytes: [UInt8], _ caseID: String) throws(DocketError) -> UInt64 {
        guard bytes.count == 9, bytes[0] == indexFormat else {
            throw DocketError(
                .corruptRecord, "the archive index row of case \(caseID) is not an index (written by another build? rebuild the projection: docket rebuild archives)")
        }
        return RowBytes.uint64(bytes[1...])
    }

    /// The prefix of a case's rows of the earlier layout (one per event): its id and a zero byte.
    static func prefix(_ caseID: String) -> [UInt8] { Array(caseID.utf8) + [0] }

    public func apply(_ event: RecordedEvent, to rows: inout ProjectionRows) throws {
        try apply(batch: [event], to: &rows)
    }

    /// A case's entries row while a batch appends to it.
    private struct OpenRow {
        var id: StreamID
        var slot: UInt64
        /// Whether the case has no index row yet.
        var isNew: Bool
        var writer: BinaryValueWriter
        var array: BinaryValueWriter.Container
    }

    /// Appends each case event's entry to its case's row: each row touched is read once, when the
    /// batch first meets its case, and written once, at the end.
    public func apply(batch events: [RecordedEvent], to rows: inout ProjectionRows) throws {
        try apply(packed: EventBatch(events: events), to: &rows)
    }

    /// Appends the entries as ``apply(batch:to:)`` does, each payload read where it lies (in a
    /// packed batch: no copy of it, no array of its own).
    public func apply(packed batch: EventBatch, to rows: inout ProjectionRows) throws {
        var cases = BatchCases<OpenRow>(batch)
        // One lookup per type of the batch tells whether its events are case events, and whether
        // their entries are plain timeline lines, with which line.
        let lines = batch.types.map { type in Self.plainTimeline[type].map { $0 ? String(Self.name(ofType: type)) : nil } }
        // The room each stream's entries take, about: a row is then made at its size, not grown
        // (copied) nor left half empty. A document entry copies its payload; a line does not.
        var room = [Int](repeating: 0, count: batch.streams.count)
        for i in 0..<batch.count {
            guard let line = lines[batch.typeIndex(at: i)] else { continue }
            room[batch.streamIndex(at: i)] += Self.entryRoom + (line == nil ? batch.payloadCount(at: i) : 0)
        }
        try batch.events.withUnsafeBufferPointer { events in
            for i in events.indices {
                guard let line = lines[batch.typeIndex(at: i)] else { continue }
                let stream = batch.streamIndex(at: i)
                let n = try cases.index(ofStream: stream) {
                    try Self.openRow(for: events[i].stream, at: events[i].position, new: batch.streamBegins(stream), room: room[stream], rows)
                }
                // The event is read in place: a copy of it would retain each of its strings.
                try batch.withPayload(at: i) { payload in
                    try Self.writeEntry(of: events.baseAddress! + i, payload: payload, timelineLine: line, to: &cases.values[n].writer)
                }
            }
        }
        // The entries rows first, then the index rows: each in about the order of its keys,
        // which the commit's sort takes as runs.
        // Keys and index rows are laid out on the stack and copied by the rows: no array each.
        for i in cases.values.indices {
            cases.values[i].writer.end(cases.values[i].array)
            Self.withEntriesKey(cases.values[i].slot) { rows.set(key: $0, cases.values[i].writer.bytes) }
        }
        for i in cases.values.indices where cases.values[i].isNew {
            var id = cases.values[i].id.rawValue
            id.withUTF8 { key in
                RowBytes.with(tag: Self.indexFormat, cases.values[i].slot) { rows.set(key: UnsafeRawBufferPointer(key), value: $0) }
            }
        }
    }

    /// The case's entries row, reopened to append to it, or started (its slot: `position`, that of
    /// the event being written). For a stream that is `new` (it begins in the batch) there is no
    /// row to look for.
    private static func openRow(for id: StreamID, at position: LogPosition, new: Bool, room: Int, _ rows: ProjectionRows) throws -> OpenRow {
        guard !new, let index = try rows.value(for: key(id.rawValue)) else {
            var writer = BinaryValueWriter(capacity: BinaryPayload.magic.count + 5 + room, positional: true)
            let array = writer.beginArray()
            return OpenRow(id: id, slot: position.value, isNew: true, writer: writer, array: array)
        }
        let slot = try slot(ofIndexRow: index, id.rawValue)
        guard let stored = try rows.value(for: entriesKey(slot)), let (writer, array) = BinaryValueWriter.reopeningArray(stored, capacity: stored.count + room, positional: true)
        else {
            throw DocketError(
                .corruptRecord, "the archive entries row of case \(id) is missing or not a list of entries (rebuild the projection: docket rebuild archives)")
        }
        return OpenRow(id: id, slot: slot, isNew: false, writer: writer, array: array)
    }

    /// The room an entry takes, about, besides the payload a document entry copies: the fields
    /// from its record (a plain line takes about 100 bytes) and a document's wrapping.
    static let entryRoom = 128

    /// Each case event type, and whether its entry is a plain line of the timeline (``timelineOnly``).
    static let plainTimeline: [String: Bool] = Dictionary(
        uniqueKeysWithValues: CaseEvent.codec.registeredTypes.map { ($0.type, timelineOnly.contains($0.type)) })

    /// Writes the event's ``ArchiveEntry`` in the binary form. The entry of a plain timeline line
    /// (`timelineLine`, the event's name) is written straight from the record's fields, without
    /// building the entry or decoding the payload: the same bytes as encoding ``entry(for:_:)`` of
    /// the decoded event (a test checks both for every event the scenarios produce).
    static func writeEntry(of e: UnsafePointer<RecordedEvent>, payload: Span<UInt8>, timelineLine: String?, to w: inout BinaryValueWriter) throws {
        guard let timelineLine else {
            if try writeDocumentEntry(of: e, payload: payload, to: &w) { return }
            let event = try CaseEvent.codec.decode(type: e.pointee.type, schemaVersion: e.pointee.schemaVersion, payload: payload)
            return try entry(for: event, e.pointee).encode(to: &w)
        }
        let map = try writeEntryHeader(of: e, kind: .timeline, to: &w)
        w.key("summary")
        w.write(timelineLine)
        try w.fieldIfPresent("document", ArchivedDocument?.none)
        w.end(map)
    }

    /// Opens an entry's map and writes the fields every entry takes from its record, in
    /// ``ArchiveEntry``'s order, up to its kind; the summary and any document follow.
    private static func writeEntryHeader(of e: UnsafePointer<RecordedEvent>, kind: ArchiveEntry.Kind, to w: inout BinaryValueWriter) throws -> BinaryValueWriter.Container {
        let map = w.beginMap()
        w.field("position", e.pointee.position.value)
        w.field("occurredAt", e.pointee.occurredAt)
        w.field("recordedAt", e.pointee.recordedAt)
        w.field("actor", e.pointee.metadata.actor)
        try w.fieldIfPresent("commandID", e.pointee.commandID)
        w.field("event", e.pointee.type)
        try w.field("kind", kind)
        return map
    }

    /// Writes the entry of an event that carries a document, when its payload is in the binary form
    /// and the document is the payload or one field of it (a registration, a mediation agreement,
    /// a performance notice): the document is copied from the payload as it is recorded, not
    /// decoded and encoded again. Returns false for the other events, whose entry is built from
    /// the decoded event. The same bytes as encoding ``entry(for:_:)`` of the decoded event when
    /// the payload was written by this build (a test checks it for every scenario event).
    private static func writeDocumentEntry(of e: UnsafePointer<RecordedEvent>, payload: Span<UInt8>, to w: inout BinaryValueWriter) throws -> Bool {
        guard e.pointee.schemaVersion == 1, BinaryPayload.isBinary(payload) else { return false }
        switch e.pointee.type {
        case "case.registered":
            try BinaryPayload.withValue(in: payload, what: "the payload of \(e.pointee.type) at \(e.pointee.position)") { r in
                var m = try r.map()
                let channel = try m.field("channel", as: Channel.self), region = try m.field("region", as: String.self)
                let claims = try m.require("claims").arrayCount(), workers = try m.field("workersInvolved", as: Int.self)
                let summary = registrationSummary(channel: channel, region: region, claims: claims, workers: workers)
                try writeDocumentEntry(of: e, summary: summary, "registration", r, to: &w)
            }
        case "case.mediationAgreementSigned":
            try BinaryPayload.withValue(in: payload, what: "the payload of \(e.pointee.type) at \(e.pointee.position)") { r in
                var m = try r.map()
                try writeDocumentEntry(of: e, summary: "mediation agreement signed and sealed", "mediationAgreement", try m.require("agreement"), to: &w)
            }
        case "case.performanceNoticeIssued":
            try BinaryPayload.withValue(in: payload, what: "the payload of \(e.pointee.type) at \(e.pointee.position)") { r in
                try writeDocumentEntry(of: e, summary: "performance notice issued", "performanceNotice", r, to: &w)
            }
        default:
            return false
        }
        return true
    }

    /// Writes a document entry whose document (`ArchivedDocument`'s case `name`, with one value)
    /// is the value `document` stands on, copied.
    private static func writeDocumentEntry(
        of e: UnsafePointer<RecordedEvent>, summary: String, _ name: StaticString, _ document: BinaryValueReader, to w: inout BinaryValueWriter
    ) throws {
        let map = try writeEntryHeader(of: e, kind: .document, to: &w)
        w.field("summary", summary)
        // The synthesized form of an `ArchivedDocument` case with one unlabelled value: {name: {"_0": value}},
        // with its keys (as `ArchivedDocument` writes itself).
        w.key("document")
        try w.keyed { w in
            let outer = w.beginMap()
            w.key(name)
            let inner = w.beginMap()
            w.key("_0")
            try w.writeEncoded(document)
            w.end(inner)
            w.end(outer)
        }
        w.end(map)
    }

    /// A registration's line on the timeline, built in one allocation (an interpolation grows its
    /// string twice): the fast path and ``entry(for:_:)`` both give it.
    private static func registrationSummary(channel: Channel, region: String, claims: Int, workers: Int) -> String {
        var summary = ""
        summary.reserveCapacity(64 + region.utf8.count)
        summary += "registered ("
        summary += channel.rawValue
        summary += ", "
        summary += region
        summary += "): "
        summary += String(claims)
        summary += " claim(s), "
        summary += String(workers)
        summary += " worker(s)"
        return summary
    }

    /// An event's name on the timeline: its type without `case.`.
    private static func name(ofType type: String) -> Substring { type.hasPrefix("case.") ? type.dropFirst(5) : type[...] }

    /// The entry of `e` with what its event says.
    private static func entry(_ e: RecordedEvent, kind: ArchiveEntry.Kind, summary: String, document: ArchivedDocument?) -> ArchiveEntry {
        ArchiveEntry(
            position: e.position.value, occurredAt: e.occurredAt, recordedAt: e.recordedAt, actor: e.metadata.actor, commandID: e.commandID,
            event: e.type, kind: kind, summary: summary, document: document)
    }

    /// The case event types whose entry is a plain timeline line named after the event: all but
    /// those ``entry(for:_:)`` gives a document, a notification, a return visit or a summary of
    /// their own. (A test checks both paths agree for every event the scenarios produce.)
    static let timelineOnly: Set<String> = Set(CaseEvent.codec.registeredTypes.map(\.type)).subtracting([
        "case.registered", "case.settlementSigned", "case.mediationAgreementSigned", "case.performanceNoticeIssued", "case.mediationDeclined",
        "case.reviewRefused", "case.arbitrationRefused", "case.mediationDocumentIssued", "case.confirmationDecided", "case.paymentOrderIssued",
        "case.awardIssued", "case.judgmentRecorded", "case.respondentServed", "case.awardReceived", "case.returnVisitRecorded",
    ])

    /// The archive entry of one case event, decoded (`event`) and as recorded (`e`).
    public static func entry(for event: CaseEvent, _ e: RecordedEvent) -> ArchiveEntry {
        var kind = ArchiveEntry.Kind.timeline
        var document: ArchivedDocument?
        var summary = String(name(ofType: e.type))
        switch event {
        case .registered(let r):
            document = .registration(r)
            summary = registrationSummary(channel: r.channel, region: r.region, claims: r.claims.count, workers: r.workersInvolved)
        case .settlementSigned(let a, _):
            if a.archivable {
                document = .settlement(a)
                summary = "settlement agreement signed"
            } else {
                summary = "settlement agreement signed; not archived: both parties' consent is missing"
            }
        case .mediationAgreementSigned(let a, _, _, _):
            document = .mediationAgreement(a)
            summary = "mediation agreement signed and sealed"
        case .performanceNoticeIssued(let n):
            document = .performanceNotice(n)
            summary = "performance notice issued"
        case .mediationDeclined(let reason):
            document = .refusal(of: "mediation", reason: reason)
            summary = "mediation application declined: \(reason)"
        case .reviewRefused(let reason):
            document = .refusal(of: "arbitrationReview", reason: reason)
            summary = "arbitration review refused: \(reason)"
        case .arbitrationRefused(let reason):
            document = .refusal(of: "arbitration", reason: reason)
            summary = "arbitration application refused: \(reason)"
        case .mediationDocumentIssued:
            document = .mediationDocument
            summary = "mediation document issued"
        case .confirmationDecided(let confirmed):
            document = .confirmationRuling(confirmed: confirmed)
            summary = confirmed ? "agreement judicially confirmed" : "judicial confirmation refused"
        case .paymentOrderIssued:
            document = .paymentOrder
            summary = "payment order issued"
        case .awardIssued(let award):
            document = .award(award)
            summary = "award issued (\(award.final ? "final" : "not final"), \(award.items.count) item(s))"
        case .judgmentRecorded(let s):
            document = .judgment(summary: s)
            summary = "judgment: \(s)"
        case .respondentServed:
            kind = .notification
            summary = "application served on the respondent"
        case .awardReceived(let party, _, _):
            kind = .notification
            summary = "award served on the \(party.rawValue)"
        case .returnVisitRecorded(let note):
            kind = .returnVisit
            summary = note.isEmpty ? "return visit" : "return visit: \(note)"
        default: break
        }
        if document != nil { kind = .document }
        return entry(e, kind: kind, summary: summary, document: document)
    }

    /// A case's entries, in log order: its entries row, and any rows of the earlier layout.
    public static func entries(of caseID: String, _ reader: any ProjectionRowReader) throws -> [ArchiveEntry] {
        var out: [ArchiveEntry] = []
        if let index = try reader.value(for: key(caseID)) {
            let slot = try slot(ofIndexRow: index, caseID)
            guard let row = try reader.value(for: entriesKey(slot)) else {
                throw DocketError(.corruptRecord, "the archive entries row of case \(caseID) is missing (rebuild the projection: docket rebuild archives)")
            }
            out = try Payload.decode(ArchiveRow.self, from: row, what: "archive row of \(caseID)").entries
        }
        let prefix = prefix(caseID)
        var earlier: [ArchiveEntry] = []
        try reader.forEach(from: prefix) { key, value in
            guard key.count == prefix.count + 8, key.starts(with: prefix) else { return key.starts(with: prefix) }
            earlier.append(try Payload.decode(ArchiveEntry.self, from: value, what: "archive row of \(caseID)"))
            return true
        }
        return earlier.isEmpty ? out : (earlier + out).sorted { $0.position < $1.position }
    }
}

/// An archive row's value: a case's entries, in log order (the binary form of an array).
struct ArchiveRow: Codable, BinaryCodable {
    var entries: [ArchiveEntry]

    init(entries: [ArchiveEntry]) { self.entries = entries }

    init(from decoder: any Decoder) throws { entries = try decoder.singleValueContainer().decode([ArchiveEntry].self) }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(entries)
    }

    init(from r: inout BinaryValueReader) throws { entries = try [ArchiveEntry](from: &r) }

    func encode(to w: inout BinaryValueWriter) throws { try entries.encode(to: &w) }
}

/// A case's dossier: its registration record, every document with its versions, the timeline,
/// notifications and return visits.
public struct Dossier: Hashable, Sendable, Codable {
    /// One version of a document.
    public struct Version: Hashable, Sendable, Codable {
        /// 1 for the first document of its kind, then 2, 3, …
        public var version: Int
        /// The archive entry.
        public var entry: ArchiveEntry
    }
    /// The case id.
    public var caseID: String
    /// The registration record.
    public var registration: CaseCommand.RegisterCase?
    /// Documents by kind, each with its versions in order.
    public var documents: [String: [Version]]
    /// Every event, in order.
    public var timeline: [ArchiveEntry]
    /// Notifications and service.
    public var notifications: [ArchiveEntry]
    /// Return visits.
    public var returnVisits: [ArchiveEntry]

    /// Builds the dossier from a case's archive entries.
    public init(caseID: String, entries: [ArchiveEntry]) {
        self.caseID = caseID
        timeline = entries
        notifications = entries.filter { $0.kind == .notification }
        returnVisits = entries.filter { $0.kind == .returnVisit }
        var documents: [String: [Version]] = [:]
        for e in entries {
            guard let d = e.document else { continue }
            documents[d.kind, default: []].append(Version(version: (documents[d.kind]?.count ?? 0) + 1, entry: e))
            if case .registration(let r) = d { registration = r }
        }
        self.documents = documents
    }

    /// The evidence export for arbitration or litigation: the documents and timeline, with the
    /// privileged facts of every settlement agreement left out unless both parties agreed to their use.
    public func evidence(for proceeding: String) -> EvidenceExport {
        var docs: [EvidenceExport.Document] = []
        for (kind, versions) in documents.sorted(by: { $0.key < $1.key }) {
            for v in versions {
                var document = v.entry.document!
                var withheld = 0
                if case .settlement(var a) = document, !a.privilegedFactsDisclosable {
                    withheld = a.privilegedFacts.count
                    a.privilegedFacts = []
                    document = .settlement(a)
                }
                docs.append(.init(kind: kind, version: v.version, occurredAt: v.entry.occurredAt, actor: v.entry.actor, document: document,
                                  privilegedFactsWithheld: withheld))
            }
        }
        return EvidenceExport(
            caseID: caseID, proceeding: proceeding, documents: docs.sorted { $0.occurredAt < $1.occurredAt },
            timeline: timeline.map { .init(occurredAt: $0.occurredAt, actor: $0.actor, summary: $0.summary) })
    }
}

/// Evidence prepared for arbitration or litigation, without privileged conceded facts unless both
/// parties agreed.
public struct EvidenceExport: Hashable, Sendable, Codable {
    /// A document.
    public struct Document: Hashable, Sendable, Codable {
        /// Its kind.
        public var kind: String
        /// Its version.
        public var version: Int
        /// When it was made.
        public var occurredAt: Timestamp
        /// Who recorded it.
        public var actor: String
        /// The document, privileged facts removed where required.
        public var document: ArchivedDocument
        /// How many privileged facts were left out.
        public var privilegedFactsWithheld: Int
    }
    /// A timeline line.
    public struct Line: Hashable, Sendable, Codable {
        /// When.
        public var occurredAt: Timestamp
        /// Who.
        public var actor: String
        /// What.
        public var summary: String
    }
    /// The case.
    public var caseID: String
    /// `arbitration` or `litigation`.
    public var proceeding: String
    /// The documents, in order.
    public var documents: [Document]
    /// The timeline.
    public var timeline: [Line]

    /// The export as Markdown.
    public var markdown: String {
        var out = "# Evidence: case \(caseID)\n\nPrepared for \(proceeding). Privileged facts conceded in negotiation are left out unless both parties agreed to their use.\n\n## Documents\n\n"
        for d in documents {
            out += "### \(d.kind) (version \(d.version)), \(d.occurredAt.iso8601), by \(d.actor)\n\n"
            switch d.document {
            case .registration(let r):
                out += "- channel: \(r.channel.rawValue); region: \(r.region); workers involved: \(r.workersInvolved)\n"
                for p in r.parties { out += "- \(p.role.rawValue): \(p.name) (\(p.id))\n" }
                for c in r.claims { out += "- claim: \(c.type.rawValue)\(c.amount.map { ", \($0) yuan" } ?? "")\n" }
            case .settlement(let a):
                out += "- terms: \(a.terms)\n- perform by: \(a.performBy.iso8601)\n"
                for f in a.privilegedFacts { out += "- conceded fact (use agreed by both parties): \(f)\n" }
            case .mediationAgreement(let a):
                out += "- terms: \(a.terms)\n- perform by: \(a.performBy.iso8601)\n"
            case .performanceNotice(let n): out += "- capacity assessment: \(n.capacityAssessment)\n"
            case .refusal(let of, let reason): out += "- refusal of \(of): \(reason)\n"
            case .mediationDocument: out += "- mediation document issued on review\n"
            case .confirmationRuling(let confirmed): out += "- \(confirmed ? "confirmed" : "not confirmed")\n"
            case .paymentOrder: out += "- payment order issued\n"
            case .award(let a): out += "- \(a.final ? "final" : "not final") award, \(a.items.count) item(s)\n"
            case .judgment(let s): out += "- \(s)\n"
            }
            if d.privilegedFactsWithheld > 0 { out += "- \(d.privilegedFactsWithheld) privileged fact(s) withheld\n" }
            out += "\n"
        }
        out += "## Timeline\n\n| when | who | what |\n| --- | --- | --- |\n"
        for l in timeline { out += "| \(l.occurredAt.iso8601) | \(l.actor) | \(l.summary.replacingOccurrences(of: "|", with: "\\|")) |\n" }
        return out
    }
}
