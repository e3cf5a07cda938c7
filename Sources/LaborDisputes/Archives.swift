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

/// The archive projection: one row per case event (`CASE \0 position`), with its ``ArchiveEntry``.
public struct ArchiveProjection: Projection {
    /// `archives`.
    public var name: String { "archives" }
    /// The case events.
    public var eventTypes: Set<String>? { Set(CaseEvent.codec.registeredTypes.map(\.type)) }

    /// The projection.
    public init() {}

    static func prefix(_ caseID: String) -> [UInt8] { Array(caseID.utf8) + [0] }

    /// A row's key: the case id, a zero byte, the event's position (8 bytes, big-endian).
    static func key(_ stream: StreamID, _ position: LogPosition) -> [UInt8] {
        var key: [UInt8] = []
        key.reserveCapacity(stream.rawValue.utf8.count + 9)
        key.append(contentsOf: stream.rawValue.utf8)
        key.append(0)
        withUnsafeBytes(of: position.value.bigEndian) { key.append(contentsOf: $0) }
        return key
    }

    public func apply(_ event: RecordedEvent, to rows: inout ProjectionRows) throws {
        try Self.put(event, in: &rows)
    }

    /// Writes each case event's row.
    public func apply(batch events: [RecordedEvent], to rows: inout ProjectionRows) throws {
        for i in events.indices { try Self.put(events[i], in: &rows) }
    }

    /// Writes the row of a case event (other events are skipped): one table lookup tells both
    /// whether the event is a case event and whether its entry is a plain timeline line.
    private static func put(_ e: RecordedEvent, in rows: inout ProjectionRows) throws {
        guard let plain = plainTimeline[e.type] else { return }
        rows.set(key(e.stream, e.position), try row(of: e, plainTimeline: plain))
    }

    /// Each case event type, and whether its entry is a plain line of the timeline (``timelineOnly``).
    static let plainTimeline: [String: Bool] = Dictionary(
        uniqueKeysWithValues: CaseEvent.codec.registeredTypes.map { ($0.type, timelineOnly.contains($0.type)) })

    /// A row's value: the event's ``ArchiveEntry`` in the binary form. The entry of a plain timeline
    /// line is written straight from the record's fields, without building the entry or decoding
    /// the payload: the same bytes as encoding ``entry(for:_:)`` of the decoded event (a test checks
    /// both for every event the scenarios produce).
    static func row(of e: RecordedEvent, plainTimeline: Bool) throws -> [UInt8] {
        guard plainTimeline else { return try Payload.encode(entry(for: try CaseEvent.codec.decode(e), e)) }
        var w = BinaryValueWriter(capacity: 160)
        let map = w.beginMap()
        w.field("position", e.position.value)
        w.field("occurredAt", e.occurredAt)
        w.field("recordedAt", e.recordedAt)
        w.field("actor", e.metadata.actor)
        if let id = e.commandID { w.field("commandID", id) }
        w.field("event", e.type)
        try w.field("kind", ArchiveEntry.Kind.timeline)
        w.key("summary")
        w.write(name(of: e))
        w.end(map)
        return w.bytes
    }

    /// An event's name on the timeline: its type without `case.`.
    private static func name(of e: RecordedEvent) -> Substring { e.type.hasPrefix("case.") ? e.type.dropFirst(5) : e.type[...] }

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
        var summary = String(name(of: e))
        switch event {
        case .registered(let r):
            document = .registration(r)
            summary = "registered (\(r.channel.rawValue), \(r.region)): \(r.claims.count) claim(s), \(r.workersInvolved) worker(s)"
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

    /// A case's entries, in log order.
    public static func entries(of caseID: String, _ reader: any ProjectionRowReader) throws -> [ArchiveEntry] {
        let prefix = prefix(caseID)
        var out: [ArchiveEntry] = []
        try reader.forEach(from: prefix) { key, value in
            guard key.count == prefix.count + 8, key.starts(with: prefix) else { return key.starts(with: prefix) }
            out.append(try Payload.decode(ArchiveEntry.self, from: value, what: "archive row of \(caseID)"))
            return true
        }
        return out
    }
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
