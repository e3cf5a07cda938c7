import DocketCore
import DocketTesting
import Foundation
import LaborDisputes
import Testing

/// The hand-written binary coders (`BinaryCodable`) against the `Codable` conformances they stand
/// in for: the same bytes written, the same values read, for every value the scenario suite
/// produces and for values with every optional part set.
@Suite("Hand-written binary coders")
struct BinaryCodingTests {
    /// Every scenario's steps, run one after the other in one log (each on its own ids), with the
    /// read models caught up.
    static func everyScenario() async throws -> MixedHistory {
        let h = try MixedHistory()
        for i in ScenarioLibrary.all.indices {
            for step in MixedHistory.steps(i, i) { _ = try await h.run.run(step) }
        }
        try await h.models.runner.catchUp()
        return h
    }

    /// Checks that `value` is written to the same bytes, and read back equal, by both paths.
    static func check<T: Codable & Equatable>(_ value: T, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let hand = try BinaryPayload.encode(value)
        let codable = try BinaryPayload.$usesHandWrittenCoders.withValue(false) { try BinaryPayload.encode(value) }
        #expect(hand == codable, "\(what): the hand-written coder writes other bytes than Codable", sourceLocation: sourceLocation)
        #expect(try BinaryPayload.decode(T.self, from: codable, what: what) == value, "\(what): read by hand", sourceLocation: sourceLocation)
        let viaCodable = try BinaryPayload.$usesHandWrittenCoders.withValue(false) { try BinaryPayload.decode(T.self, from: hand, what: what) }
        #expect(viaCodable == value, "\(what): read through Codable", sourceLocation: sourceLocation)
    }

    /// Checks that `value`, written with positional maps (as the case read model writes its record
    /// rows), reads back equal with its hand-written coder, in fewer bytes than the keyed form, and
    /// that `Decodable` refuses it with a typed error rather than misreading it.
    static func checkPositional<T: BinaryCodable & Equatable>(_ value: T, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        var writer = BinaryValueWriter(positional: true)
        try value.encode(to: &writer)
        let bytes = writer.bytes
        let back = try BinaryPayload.withValue(in: bytes, what: what) { try T(from: &$0) }
        #expect(back == value, "\(what): read back from its positional form", sourceLocation: sourceLocation)
        #expect(bytes.count < (try BinaryPayload.encode(value)).count, "\(what): the positional form is the smaller", sourceLocation: sourceLocation)
        let refused = #expect(throws: DocketError.self, sourceLocation: sourceLocation) {
            try BinaryPayload.$usesHandWrittenCoders.withValue(false) { try BinaryPayload.decode(T.self, from: bytes, what: what) }
        }
        #expect(refused?.message.contains("positional") == true, sourceLocation: sourceLocation)
    }

    @Test("case events, case records and archive entries of every scenario: the same bytes and values both ways")
    func scenarioValues() async throws {
        let h = try await Self.everyScenario()
        let events = try await h.run.store.readLog(after: .beforeFirst, limit: 1_000_000).filter { $0.type.hasPrefix("case.") }
        var types = Set<String>()
        for e in events {
            let event = try CaseEvent.codec.decode(e)
            let viaCodable = try BinaryPayload.$usesHandWrittenCoders.withValue(false) { try CaseEvent.codec.decode(e) }
            #expect(event == viaCodable, "\(e.type) at \(e.position)")
            let hand = try CaseEvent.codec.encode(event)
            let codable = try BinaryPayload.$usesHandWrittenCoders.withValue(false) { try CaseEvent.codec.encode(event) }
            #expect(hand == codable, "\(e.type) at \(e.position): the hand-written payload coder writes other bytes")
            #expect(try CaseEvent.codec.decode(type: codable.type, schemaVersion: codable.schemaVersion, payload: codable.payload) == event)
            types.insert(e.type)
        }
        // The scenarios produce nearly every event type; the few they do not are checked below.
        let registered = Set(CaseEvent.codec.registeredTypes.map(\.type))
        #expect(registered.subtracting(types).count <= 8, "event types no scenario produces: \(registered.subtracting(types).sorted())")

        let records = try await h.models.caseRecords()
        #expect(records.count > 250)
        for r in records {
            try Self.check(r, "case record \(r.id)")
            try Self.checkPositional(r, "case record \(r.id)")
        }

        // The archive's rows: each the entry of its decoded event (the projection decodes only the
        // events whose entry needs more than the timeline line), and coded the same both ways.
        let byPosition = Dictionary(uniqueKeysWithValues: events.map { ($0.position.value, $0) })
        var entries = 0
        for r in records {
            for entry in try await h.models.dossier(of: r.id)?.timeline ?? [] {
                try Self.check(entry, "archive entry \(entry.position)")
                try Self.checkPositional(entry, "archive entry \(entry.position)")
                let e = try #require(byPosition[entry.position])
                #expect(entry == ArchiveProjection.entry(for: try CaseEvent.codec.decode(e), e), "\(e.type) at \(e.position)")
                entries += 1
            }
        }
        #expect(entries == events.count)

        // The rows' bytes: a plain timeline line is written straight from the record, without
        // building its entry, and a batch appends its entries to the row without decoding it; every
        // row must be the bytes of its case's entries, built from the decoded events.
        let rows = try await h.models.store.readProjection("archives", slot: .live) { reader in
            var out: [([UInt8], [UInt8])] = []
            try reader.forEach(from: nil) { k, v in
                out.append((k, v))
                return true
            }
            return out
        }
        let byCase = Dictionary(grouping: events.filter { $0.type.hasPrefix("case.") }, by: \.stream.rawValue)
        let entriesRows = Dictionary(uniqueKeysWithValues: rows.filter { $0.0.first == 0xFF }.map { ($0.0, $0.1) })
        let indexRows = rows.filter { $0.0.first != 0xFF }
        #expect(indexRows.count == byCase.count)
        #expect(entriesRows.count == byCase.count)
        for (key, index) in indexRows {
            let id = String(decoding: key, as: UTF8.self)
            let caseEvents = try #require(byCase[id], "an archive row for \(id), which has no case events")
            // The index names the entries row by the position of the case's first event.
            #expect(index == [3] + withUnsafeBytes(of: caseEvents[0].position.value.bigEndian) { Array($0) }, "index row of \(id)")
            let value = try #require(entriesRows[[0xFF] + Array(index.dropFirst())], "the entries row of \(id)")
            let expected = try caseEvents.map { ArchiveProjection.entry(for: try CaseEvent.codec.decode($0), $0) }
            // Entries are written with positional maps; their documents keep their keys.
            var positional = BinaryValueWriter(positional: true)
            try expected.encode(to: &positional)
            #expect(value == positional.bytes, "archive row of \(id)")
        }
    }

    struct NoRows: ProjectionRowReader {
        func value(for key: [UInt8]) throws -> [UInt8]? { nil }
        func forEach(from start: [UInt8]?, _ body: ([UInt8], [UInt8]) throws -> Bool) throws {}
    }

    @Test("every read model writes the same rows from a packed batch (payloads read in place) as from events carrying their payloads")
    func packedBatches() async throws {
        let h = try await Self.everyScenario()
        let events = try await h.run.store.readLog(after: .beforeFirst, limit: 1_000_000)
        #expect(events.count > 1_000)
        let packed = EventBatch(packing: events)
        #expect(packed.isPacked)
        for p in h.models.projections {
            var fromArray = ProjectionRows(reader: NoRows())
            try p.apply(batch: events, to: &fromArray)
            var fromPacked = ProjectionRows(reader: NoRows())
            try p.apply(packed: packed, to: &fromPacked)
            #expect(fromArray.changeCount > 0, "\(p.name) writes rows")
            #expect(fromPacked.writes == fromArray.writes, "\(p.name)")
        }
    }

    /// A case state with every optional part set, and claims with every field.
    static func everything() -> CaseRecord {
        let t = Timestamp(millisecondsSinceEpoch: 1_772_416_800_000)
        let claims = [
            Claim(type: .remuneration, amount: Decimal(string: "-12345.678")!, knownAt: t, duringEmployment: true, interruptions: [t, t],
                  suspensions: [.init(from: t, to: Timestamp(millisecondsSinceEpoch: 1_772_416_900_000))]),
            Claim(type: .dismissal, amount: Decimal(string: "99999999999999999999.99")!), Claim(type: .socialInsurance),
        ]
        var s = CaseState()
        s.stage = .awardIssued
        s.registration = CaseCommand.RegisterCase(
            channel: .online, region: "shanghai", parties: [Party(role: .worker, id: "W-1", name: "工人 1"), Party(role: .employer, id: "E-1", name: "某公司")],
            claims: claims, groups: [.migrantWorkers, .graduates], workersInvolved: 31, oral: true, sector: .construction)
        s.negotiationProposer = .employer
        s.negotiationParticipants = [Actor(.union, "U-1"), Actor(.union, "U-2")]
        s.settlement = SettlementAgreement(
            terms: "pay in two parts", performBy: t, workerArchiveConsent: true, employerArchiveConsent: false, privilegedFacts: ["overtime was worked"],
            disclosureConsent: PartyConsent(worker: true, employer: false))
        s.mediationOrganization = "ORG-1"
        s.mediator = "MED-1"
        s.mediationAccepted = true
        s.mediationAcceptanceOverdue = true
        s.mediationTermExpired = true
        s.mediationAgreement = MediationAgreement(terms: "pay", performBy: t, signatures: Signatures(worker: true, employer: true, mediator: false, organizationSeal: true))
        s.performanceNotice = PerformanceNotice(capacityAssessment: "can pay")
        s.returnVisits = 2
        s.remedies = [.fileLawsuit, .applyForEnforcement, .applyForArbitration]
        s.deadlines = [.workerSuit: t, .employerSuit: t, .setAsideFinalAward: t]
        s.outcome = .awardEffective
        s.entrusted = (.courtDelegated, .litigation)
        s.overdue = [.arbitrationAward, .serveRespondent]
        s.arbitrationApplicant = .worker
        s.arbitrationAcceptedAt = t
        s.arbitrationClaims = claims
        s.limitation = [ClaimLimitation(claim: 0, runsOut: t, past: true), ClaimLimitation(claim: 1, runsOut: nil, past: false)]
        s.limitationDefense = true
        s.respondentServed = true
        s.arbitrationExtended = true
        s.reviewExtended = false
        s.reviewAcceptedAt = t
        s.confirmationAcceptedAt = t
        s.confirmationExtended = true
        s.paymentOrderAccepted = false
        s.hearingAt = t
        s.respondentAbsent = true
        s.award = Award(items: [AwardItem(type: .remuneration, amount: Decimal(8_000), granted: true), AwardItem(type: .dismissal, granted: false)],
                        final: true, timeBarred: [.dismissal])
        s.awardReceivedBy = [.worker, .employer]
        s.judgment = "upheld"
        s.enforcementApplied = true
        return CaseRecord(
            id: "case-1", state: s, openedAt: t, closedAt: t, stages: [.init(stage: .registered, since: t), .init(stage: .closed, since: t)],
            mediators: ["MED-1"], organizations: ["ORG-1", "ORG-2"], mediationAppliedAt: t, mediationEndedAt: t, mediationConcludedInTime: false,
            reviewApplied: true, confirmationApplied: true, entrusted: true, entrustedSucceeded: false, agreementsPerformed: 1, agreementsNotPerformed: 2,
            awardInTime: true, lastPosition: 1 << 40)
    }

    @Test("a case record with every optional part set, and every kind of archived document: the same bytes and values both ways")
    func everyPart() throws {
        let record = Self.everything()
        try Self.check(record, "the full case record")
        try Self.check(CaseRecord(id: "empty", state: CaseState(), openedAt: Timestamp(millisecondsSinceEpoch: -5)), "an empty case record")
        try Self.checkPositional(record, "the full case record")
        try Self.checkPositional(CaseRecord(id: "empty", state: CaseState(), openedAt: Timestamp(millisecondsSinceEpoch: -5)), "an empty case record")
        let s = record.state
        let documents: [ArchivedDocument] = [
            .registration(s.registration!), .settlement(s.settlement!), .mediationAgreement(s.mediationAgreement!),
            .performanceNotice(s.performanceNotice!), .refusal(of: "mediation", reason: "out of scope"), .mediationDocument,
            .confirmationRuling(confirmed: false), .paymentOrder, .award(s.award!), .judgment(summary: "dismissed"),
        ]
        for (i, d) in documents.enumerated() {
            try Self.check(d, "document \(d.kind)")
            let entry = ArchiveEntry(
                position: UInt64(i), occurredAt: record.openedAt, recordedAt: record.openedAt, actor: "worker:W-1", commandID: i % 2 == 0 ? "c-\(i)" : nil,
                event: "case.x", kind: .document, summary: "s", document: d)
            try Self.check(entry, "entry with \(d.kind)")
            try Self.checkPositional(entry, "entry with \(d.kind)")
            // A document keeps its keys inside a positional entry: its one key names its kind.
            var w = BinaryValueWriter(positional: true)
            try d.encode(to: &w)
            #expect(w.bytes == (try BinaryPayload.encode(d)), "document \(d.kind) in a positional writer")
        }
        // Events no scenario may produce, with every part set.
        let t = record.openedAt
        let events: [CaseEvent] = [
            .claimsChanged(claims: s.arbitrationClaims, limitation: s.limitation, at: t, awardBy: t), .partyAdded(s.registration!.parties[0], at: t, awardBy: t),
            .settlementSigned(s.settlement!, performanceDue: t), .awardIssued(s.award!), .negotiationJoined(by: Actor(.union, "U-9")),
            .reviewAccepted(decideBy: t, acceptedAt: nil), .reviewAccepted(decideBy: t, acceptedAt: t),
            .mediationEntrusted(kind: .courtDelegated, organization: "ORG-1", reference: "ref", returnTo: .litigation, termEnds: t),
        ]
        for event in events {
            let hand = try CaseEvent.codec.encode(event)
            let codable = try BinaryPayload.$usesHandWrittenCoders.withValue(false) { try CaseEvent.codec.encode(event) }
            #expect(hand == codable, "\(hand.type)")
            #expect(try CaseEvent.codec.decode(type: codable.type, schemaVersion: 1, payload: codable.payload) == event)
        }
    }

    @Test("a case record's row is the same bytes whatever order its sets and deadline table iterate in (as in another process)")
    func rowsIndependentOfHashOrder() throws {
        let record = Self.everything()
        func row(_ r: CaseRecord) throws -> [UInt8] {
            var w = BinaryValueWriter(positional: true)
            try r.encode(to: &w)
            return w.bytes
        }
        /// The same elements, inserted in another order into a table of another capacity.
        func rebuilt<E: Hashable>(_ set: Set<E>, capacity: Int) -> Set<E> {
            var out = Set<E>(minimumCapacity: capacity)
            for e in set.shuffled() { out.insert(e) }
            return out
        }
        var rows: Set<[UInt8]> = [try row(record)]
        var orders: Set<[CaseDeadline]> = [Array(record.state.deadlines.keys)]
        for capacity in [0, 8, 100, 5_000] {
            var r = record
            r.state.remedies = rebuilt(record.state.remedies, capacity: capacity)
            r.state.overdue = rebuilt(record.state.overdue, capacity: capacity)
            r.state.awardReceivedBy = rebuilt(record.state.awardReceivedBy, capacity: capacity)
            var deadlines = [CaseDeadline: Timestamp](minimumCapacity: capacity)
            for (k, v) in record.state.deadlines.shuffled() { deadlines[k] = v }
            r.state.deadlines = deadlines
            orders.insert(Array(deadlines.keys))
            #expect(r == record)
            rows.insert(try row(r))
            #expect(try BinaryPayload.withValue(in: try row(r), what: "record") { try CaseRecord(from: &$0) } == record)
        }
        #expect(orders.count > 1, "the tables iterate in different orders")
        #expect(rows.count == 1, "one record, one row")
    }

    @Test("malformed bytes are a typed error, never a crash: every truncation and every flipped byte of a record, keyed or positional")
    func malformed() throws {
        var positional = BinaryValueWriter(positional: true)
        try Self.everything().encode(to: &positional)
        for (form, bytes) in [("positional", positional.bytes), ("keyed", try BinaryPayload.encode(Self.everything()))] {
            for end in stride(from: 0, to: bytes.count, by: 1) {
                #expect(throws: DocketError.self, "\(form), cut at \(end)") {
                    try BinaryPayload.withValue(in: Array(bytes[..<end]), what: "a truncated record") { try CaseRecord(from: &$0) }
                }
            }
            for i in bytes.indices {
                var flipped = bytes
                flipped[i] ^= 0x5A
                do { _ = try BinaryPayload.withValue(in: flipped, what: "a damaged record") { try CaseRecord(from: &$0) } } catch {
                    #expect(error.code == .codecFailure, "\(form), byte \(i)")
                }
            }
        }
        let bytes = try BinaryPayload.encode(Self.everything())
        var decoded = 0
        for i in bytes.indices {
            var flipped = bytes
            flipped[i] ^= 0x5A
            do {
                _ = try BinaryPayload.decode(CaseRecord.self, from: flipped, what: "a damaged record")
                decoded += 1  // a flipped letter of a string still decodes
            } catch {
                #expect(error.code == .codecFailure)
            }
        }
        #expect(decoded < bytes.count)
        let error = #expect(throws: DocketError.self) { try BinaryPayload.decode(CaseRecord.self, from: try BinaryPayload.encode(["id": "x"]), what: "case row 7") }
        #expect(error?.message.contains("case row 7") == true)
        #expect(error?.message.contains("state") == true)
    }
}
