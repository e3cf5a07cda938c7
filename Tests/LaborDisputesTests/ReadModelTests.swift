import DocketCore
import DocketEngine
import DocketTesting
import Foundation
import LaborDisputes
import PropertyBased
import Testing

/// Histories made of the scenario files' steps: each scenario's given and when, on its own case id
/// and roster ids, interleaved at random, with the projections caught up at random points.
struct MixedHistory {
    let run: ScenarioRun
    let models: DisputeReadModels

    init() throws {
        run = try ScenarioRun()
        models = try DisputeReadModels(store: run.store, rules: try CaseRules.bundled())
    }

    /// The steps of scenario `index`, renamed into namespace `n` so that scenarios do not collide.
    static func steps(_ index: Int, _ n: Int) -> [FileScenario.Step] {
        let s = ScenarioLibrary.all[index % ScenarioLibrary.all.count]
        return (s.rosters + s.given + [s.when]).map { step in
            guard case .command(let line) = step else { return step }
            switch line {
            case .caseCommand(var l):
                l.caseID = StreamID(verbatim: "h\(n)-\(l.caseID.rawValue)")
                l.id = "h\(n)-\(l.id)"
                return .command(.caseCommand(l))
            case .rosterCommand(var l):
                l.id = "h\(n)-\(l.id)"
                return .command(.rosterCommand(l))
            }
        }
    }
}

@Suite("Read models: cases, rosters, statistics, risk ledger")
struct ReadModelTests {
    @Test("every projection rebuilt from zero equals the one kept up to date, over random histories")
    func rebuildEqualsLive() async {
        await propertyCheck(count: 12, input: Gen.int(in: 0...10_000).array(of: 2...8), Gen.uint64(in: 1...UInt64.max)) { picks, seed in
            let h = try MixedHistory()
            var queues = picks.enumerated().map { MixedHistory.steps($0.element, $0.offset) }
            var rng = SplitMix(seed)
            while queues.contains(where: { !$0.isEmpty }) {
                let open = queues.indices.filter { !queues[$0].isEmpty }
                let q = open[Int(rng.next() % UInt64(open.count))]
                let step = queues[q].removeFirst()
                do { _ = try await h.run.run(step) } catch {  // refusals are part of a history too; errors are not
                    Issue.record("step \(step) failed: \(error)")
                    return
                }
                if rng.next() % 4 == 0 { try await h.models.runner.catchUp() }
            }
            try await h.models.runner.catchUp()
            // Rows are compared as values: sets and dictionaries inside a case's state encode in hash order.
            let liveCases = try await h.models.caseRecords().sorted { $0.id < $1.id }
            let liveRoster = try await h.models.roster()
            // One row per case that has events (a history may hold roster scenarios only, and no case).
            let caseStreams = Set(try await h.run.store.readLog(after: .beforeFirst, limit: 1_000_000).filter { $0.type.hasPrefix("case.") }.map(\.stream.rawValue))
            #expect(Set(liveCases.map(\.id)) == caseStreams)
            // An index row and a record row per case.
            #expect(try await h.run.store.allRows("cases").count == 2 * liveCases.count)
            let liveArchives = try await h.run.store.allRows("archives")
            try await h.models.runner.rebuild(["cases", "rosters", "archives"])
            #expect(try await h.models.caseRecords().sorted { $0.id < $1.id } == liveCases)
            #expect(try await h.models.roster() == liveRoster)
            #expect(try await h.run.store.allRows("archives") == liveArchives)
            // Every case row equals the engine's own state of the case: the projection folds like the engine.
            for r in try await h.models.caseRecords() {
                #expect(try await h.run.engine.state(of: StreamID(verbatim: r.id)).state == r.state, "case \(r.id)")
            }
        }
    }

    @Test("statistics: the headline share, timeliness, rates, mediators; as of an instant, only what was recorded by then")
    func statistics() async throws {
        let h = try MixedHistory()
        let registered = ScenarioLibrary.all.firstIndex { $0.name.hasPrefix("the organization's own mediator records the failure") }!
        // A mediated case (agreement performed), a failed mediation, and a withdrawn case.
        for step in MixedHistory.steps(registered, 1) { _ = try await h.run.run(step) }
        let failedAt = try await h.run.store.lastPosition()
        let w = Actor(.worker, "W-1")
        h.run.clock.set(Timestamp(iso8601: "2026-03-06T10:00:00+08:00")!)
        #expect(try await h.run.desk.handle(.withdrawCase, case: "h1-case-1", commandID: "w", actor: w).rejection == nil)
        let records = try await h.models.caseRecords()
        #expect(records.count == 1)
        let report = Statistics.report(records, period: .month)
        #expect(report.totals.opened == 1 && report.totals.closed == 1)
        #expect(report.totals.outcomes == ["withdrawn": 1])
        #expect(report.totals.resolvedByNegotiationAndMediation.count == 0 && report.totals.resolvedByNegotiationAndMediation.of == 1)
        #expect(report.totals.mediationConcludedInTime.count == 0 && report.totals.mediationConcludedInTime.of == 1)
        #expect(report.periods.map(\.period) == ["2026-03"])
        #expect(report.pendingByStage.isEmpty)
        // As of the instant before the withdrawal was recorded, the case was open.
        let events = try await h.run.store.readLog(after: .beforeFirst, limit: 10_000)
        let before = events.first { $0.position == failedAt }!.recordedAt
        let then = Statistics.report(try await h.models.caseRecords(asOf: before), period: .quarter)
        #expect(then.totals.closed == 0 && then.pendingByStage == ["registered": 1])
        #expect(then.periods.map(\.period) == ["2026-Q1"])
    }

    @Test("the roster as of a day: who served which organization then")
    func rosterAsOf() async throws {
        let h = try MixedHistory()
        let r = Actor(.registrar, "R-1")
        func at(_ s: String) { h.run.clock.set(Timestamp(iso8601: s)!) }
        at("2026-01-05T09:00:00+08:00")
        _ = try await h.run.desk.handle(.registerOrganization(kind: .industry, name: "建筑业调委会", region: "tianjin", parent: nil), for: .organization("O-1"), commandID: "1", actor: r)
        _ = try await h.run.desk.handle(.appointMediator(organization: "O-1", name: "王芳", source: .retiredJudge, fullTime: false), for: .mediator("M-1"), commandID: "2", actor: r)
        at("2026-06-01T09:00:00+08:00")
        _ = try await h.run.desk.handle(.gradeMediator(grade: "一级"), for: .mediator("M-1"), commandID: "3", actor: r)
        _ = try await h.run.desk.handle(.exitMediator(reason: "retired", organization: nil), for: .mediator("M-1"), commandID: "4", actor: r)
        let now = try await h.models.roster()
        #expect(now.mediators["M-1"]?.serving == false && now.mediators["M-1"]?.grade == "一级")
        let march = try await h.models.roster(asOf: Timestamp(iso8601: "2026-03-01T00:00:00+08:00")!)
        #expect(march.mediators["M-1"]?.serves("O-1") == true && march.mediators["M-1"]?.grade == nil)
        #expect(march.organizations["O-1"]?.name == "建筑业调委会")
        #expect(try await h.models.roster(asOf: Timestamp(iso8601: "2025-12-31T00:00:00+08:00")!).organizations.isEmpty)
    }

    @Test("the risk ledger grades enterprises and flags a major dispute for joint handling")
    func risk() throws {
        func record(_ id: String, employer: String, workers: Int, amount: Decimal, type: DisputeType, open: Bool, groups: [KeyGroup] = []) -> CaseRecord {
            var state = CaseState()
            state.stage = open ? .registered : .closed
            state.outcome = open ? nil : .mediated
            state.registration = .init(
                channel: .inPerson, region: "tianjin", parties: [Party(role: .worker, id: "W", name: "W"), Party(role: .employer, id: employer, name: employer)],
                claims: [Claim(type: type, amount: amount)], groups: groups, workersInvolved: workers, sector: .construction)
            let t = Timestamp(millisecondsSinceEpoch: 0)
            return CaseRecord(id: id, state: state, openedAt: t, closedAt: open ? nil : t)
        }
        let ledger = RiskLedger.build([
            record("a", employer: "BIG", workers: 40, amount: 600_000, type: .remuneration, open: true, groups: [.migrantWorkers]),
            record("b", employer: "BIG", workers: 1, amount: 5_000, type: .dismissal, open: false),
            record("c", employer: "SMALL", workers: 1, amount: 3_000, type: .remuneration, open: true),
            record("d", employer: "DONE", workers: 1, amount: 3_000, type: .remuneration, open: false),
            record("e", employer: "PLATFORM", workers: 12, amount: 90_000, type: .laborRelationship, open: true, groups: [.newEmploymentForms]),
        ])
        #expect(ledger.enterprises.map(\.employer) == ["BIG", "PLATFORM", "SMALL"], "one closed dispute is not on the ledger")
        #expect(ledger.enterprises[0].grade == .major && ledger.enterprises[0].emergencyJointHandling)
        #expect(ledger.enterprises[0].themes == [.wageArrears] && ledger.enterprises[0].openCases == 1 && ledger.enterprises[0].cases == 2)
        #expect(ledger.enterprises[1].grade == .high && ledger.enterprises[1].themes == [.irregularEmployment])
        #expect(ledger.enterprises[2].grade == .medium)
        #expect(ledger.sectors.first?.openCases == 3)
    }
}

@Suite("Archives: dossiers and evidence exports")
struct ArchiveTests {
    /// A negotiated case: registered, negotiation proposed and accepted, settlement signed.
    func settle(_ h: MixedHistory, facts: [String], archive: PartyConsent, disclose: PartyConsent?) async throws {
        let r = Actor(.registrar, "R-1"), w = Actor(.worker, "W-1"), e = Actor(.employer, "E-1")
        h.run.clock.set(Timestamp(iso8601: "2026-03-02T09:00:00+08:00")!)
        let registration = CaseCommand.RegisterCase(
            channel: .inPerson, region: "shandong", parties: [Party(role: .worker, id: "W-1", name: "张敏"), Party(role: .employer, id: "E-1", name: "鲁信机械")],
            claims: [Claim(type: .remuneration, amount: 9_000)])
        let agreement = SettlementAgreement(
            terms: "pay 9,000 yuan", performBy: Timestamp(iso8601: "2026-03-20T00:00:00+08:00")!, workerArchiveConsent: archive.worker,
            employerArchiveConsent: archive.employer, privilegedFacts: facts, disclosureConsent: disclose)
        for (i, (command, actor)) in [(CaseCommand.registerCase(registration), r), (.proposeNegotiation, w), (.answerNegotiation(accept: true), e), (.signSettlement(agreement), w)].enumerated() {
            let outcome = try await h.run.desk.handle(command, case: "case-1", commandID: "\(i)", actor: actor)
            try #require(outcome.rejection == nil, "\(outcome.rejection!)")
        }
    }

    @Test("a settlement agreement enters the archive only with both parties' consent")
    func consent() async throws {
        for (archive, archived) in [(PartyConsent(worker: true, employer: true), true), (PartyConsent(worker: true, employer: false), false)] {
            let h = try MixedHistory()
            try await settle(h, facts: [], archive: archive, disclose: nil)
            let dossier = try #require(try await h.models.dossier(of: "case-1"))
            #expect((dossier.documents["settlement"] != nil) == archived)
            #expect(dossier.registration?.region == "shandong")
            #expect(dossier.timeline.map(\.event) == ["case.registered", "case.negotiationProposed", "case.negotiationAnswered", "case.settlementSigned"])
        }
    }

    @Test("one archive row per case, appended to batch by batch; rows of the earlier layout (one per event) are still read, in position order")
    func rowLayouts() async throws {
        let h = try MixedHistory()
        try await settle(h, facts: ["f"], archive: PartyConsent(worker: true, employer: true), disclose: nil)
        let expected = try #require(try await h.models.dossier(of: "case-1"))
        let rows = try await h.run.store.allRows("archives")
        #expect(rows.count == 2, "an index row and an entries row")
        let entriesKey = try #require(rows.keys.first { $0.first == 0xFF })
        #expect(rows[Array("case-1".utf8)] == [3] + Array(entriesKey.dropFirst()))
        let entries = expected.timeline
        #expect(entries.count == 4)

        // The same entries, the first two as rows of the earlier layout (key: id, 0, position) and
        // the other two in the case's entries row: the dossier reads both, in position order.
        func oldKey(_ position: UInt64) -> [UInt8] { Array("case-1".utf8) + [0] + withUnsafeBytes(of: position.bigEndian) { Array($0) } }
        let checkpoint = try await h.run.store.projectionStatus("archives").checkpoint
        try await h.run.store.commitProjection(ProjectionCommit(
            name: "archives", slot: .live, expected: checkpoint, checkpoint: checkpoint,
            writes: [
                ProjectionWrite(key: entriesKey, value: try Payload.encode(Array(entries[2...]))),
                ProjectionWrite(key: oldKey(entries[1].position), value: try Payload.encode(entries[1])),
                ProjectionWrite(key: oldKey(entries[0].position), value: try Payload.encode(entries[0])),
            ]))
        #expect(try await h.models.dossier(of: "case-1") == expected)

        // A later event of the case goes into its row, after the entries already there.
        let outcome = try await h.run.desk.handle(.recordPerformance(performed: true), case: "case-1", commandID: "4", actor: Actor(.employer, "E-1"))
        try #require(outcome.rejection == nil, "\(outcome.rejection!)")
        let after = try #require(try await h.models.dossier(of: "case-1"))
        #expect(Array(after.timeline.prefix(4)) == entries)
        #expect(after.timeline.count == 5)
        #expect(after.timeline.map(\.position) == after.timeline.map(\.position).sorted())
    }

    @Test("a case row of the layout before (the record under case/ID) is read, and moves to a record row of its own when its case has an event")
    func caseRowLayouts() async throws {
        let h = try MixedHistory()
        try await settle(h, facts: [], archive: PartyConsent(worker: true, employer: true), disclose: nil)
        let records = try await h.models.caseRecords()
        let record = try #require(records.first)
        #expect(records.count == 1)
        let rows = try await h.run.store.allRows("cases")
        let recordKey = try #require(rows.keys.first { $0.starts(with: Array("rec/".utf8)) })
        let indexKey = Array("case/case-1".utf8)
        #expect(rows[indexKey]?.first == 3 && rows[indexKey]?.count == 17)
        // Record rows are written in format 4: positional maps, well under half the keyed form.
        let keyed = [2] + withUnsafeBytes(of: record.lastPosition.bigEndian) { Array($0) } + (try Payload.encode(record))
        let positional = try #require(rows[recordKey])
        #expect(positional.first == 4)
        #expect(positional.count * 2 < keyed.count, "\(positional.count) bytes positional, \(keyed.count) keyed")
        #expect(try BinaryPayload.jsonText(Array(positional[9...])).hasPrefix("[\"case-1\",["), "a positional map shows as an array")

        // A record row of format 2 (the keyed binary form, written before positional rows) is read.
        var checkpoint = try await h.run.store.projectionStatus("cases").checkpoint
        try await h.run.store.commitProjection(ProjectionCommit(
            name: "cases", slot: .live, expected: checkpoint, checkpoint: checkpoint, writes: [ProjectionWrite(key: recordKey, value: keyed)]))
        #expect(try await h.models.caseRecords() == [record])

        // The same record as the layout before stored it: format 2 under case/ID, no record row.
        let old = keyed
        checkpoint = try await h.run.store.projectionStatus("cases").checkpoint
        try await h.run.store.commitProjection(ProjectionCommit(
            name: "cases", slot: .live, expected: checkpoint, checkpoint: checkpoint,
            writes: [ProjectionWrite(key: indexKey, value: old), ProjectionWrite(key: recordKey, value: nil)]))
        #expect(try await h.models.caseRecords() == [record])

        // An event of the case: its record moves to a record row, case/ID becomes its index.
        let outcome = try await h.run.desk.handle(.recordPerformance(performed: true), case: "case-1", commandID: "4", actor: Actor(.employer, "E-1"))
        try #require(outcome.rejection == nil, "\(outcome.rejection!)")
        let after = try await h.models.caseRecords()
        #expect(after.count == 1)
        #expect(after.first?.state == (try await h.run.engine.state(of: "case-1").state))
        let moved = try await h.run.store.allRows("cases")
        #expect(moved.count == 2)
        #expect(moved[indexKey]?.first == 3)
        #expect(moved.keys.contains { $0.starts(with: Array("rec/".utf8)) && $0 != recordKey }, "a record row under the slot of the event just folded")
        #expect(moved.filter { $0.key.starts(with: Array("rec/".utf8)) }.allSatisfy { $0.value.first == 4 })

        // A record row of a format this build does not know is a typed error naming the fix.
        checkpoint = try await h.run.store.projectionStatus("cases").checkpoint
        let movedKey = try #require(moved.keys.first { $0.starts(with: Array("rec/".utf8)) })
        try await h.run.store.commitProjection(ProjectionCommit(
            name: "cases", slot: .live, expected: checkpoint, checkpoint: checkpoint, writes: [ProjectionWrite(key: movedKey, value: [9] + moved[movedKey]!.dropFirst())]))
        let error = await #expect(throws: DocketError.self) { try await h.models.caseRecords() }
        #expect(error?.code == .corruptRecord)
        #expect(error?.message.contains("docket rebuild cases") == true)
    }

    @Test("an archive row that is not a list of entries stops the projection with a typed error naming the fix")
    func corruptRow() async throws {
        let h = try MixedHistory()
        try await settle(h, facts: [], archive: PartyConsent(worker: true, employer: true), disclose: nil)
        _ = try await h.models.dossier(of: "case-1")
        let checkpoint = try await h.run.store.projectionStatus("archives").checkpoint
        try await h.run.store.commitProjection(ProjectionCommit(
            name: "archives", slot: .live, expected: checkpoint, checkpoint: checkpoint,
            writes: [ProjectionWrite(key: Array("case-1".utf8), value: try Payload.encode(["not": "entries"]))]))
        let outcome = try await h.run.desk.handle(.recordPerformance(performed: true), case: "case-1", commandID: "4", actor: Actor(.employer, "E-1"))
        try #require(outcome.rejection == nil, "\(outcome.rejection!)")
        do {
            _ = try await h.models.dossier(of: "case-1")
            Issue.record("a damaged archive row was appended to")
        } catch let e as DocketError {
            #expect(e.code == .corruptRecord)
            #expect("\(e)".contains("docket rebuild archives"))
        }
        // A rebuild writes the row anew.
        try await h.models.runner.rebuild("archives")
        #expect(try await h.models.dossier(of: "case-1")?.timeline.count == 5)
    }

    @Test("no privileged fact leaks into an evidence export, JSON or Markdown, unless both parties agreed")
    func noLeak() async {
        await propertyCheck(count: 25, input: Gen.uint64(in: 1...UInt64.max), Gen.int(in: 0...15)) { seed, consents in
            let h = try MixedHistory()
            let facts = (0..<(1 + Int(seed % 3))).map { "承认加班未付-\(seed)-\($0)" }
            let disclose = consents & 3 == 0 ? nil : PartyConsent(worker: consents & 1 != 0, employer: consents & 2 != 0)
            let archive = PartyConsent(worker: true, employer: consents & 4 == 0 || consents & 8 != 0)
            try await settle(h, facts: facts, archive: archive, disclose: disclose)
            let dossier = try #require(try await h.models.dossier(of: "case-1"))
            for proceeding in ["arbitration", "litigation"] {
                let export = dossier.evidence(for: proceeding)
                let json = String(decoding: try JSONEncoder().encode(export), as: UTF8.self)
                let texts = [json, export.markdown]
                let allowed = archive.both && (disclose?.both ?? false)
                for fact in facts {
                    for text in texts { #expect(text.contains(fact) == allowed, "fact \(fact), disclosure \(String(describing: disclose)), archive \(archive)") }
                }
                if archive.both && !allowed {
                    #expect(export.documents.first { $0.kind == "settlement" }?.privilegedFactsWithheld == facts.count)
                }
            }
        }
    }
}

struct SplitMix {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Roster records in JSON")
struct RosterRecordJSONTests {
    @Test("a roster record's sets are written sorted (the same JSON in every process), and read back equal")
    func sortedSets() throws {
        let courts = Set((0..<40).map { "court-\($0)" })
        let mediator = MediatorRecord(
            name: "M", source: .lawyer, memberships: ["ORG-1": Membership(fullTime: true)], trainings: ["t"], evaluations: [90], grade: "A",
            rewards: 1, sanctions: 0, expert: true, invitedBy: courts)
        let organization = OrganizationRecord(
            kind: .peoplesMediation, name: "O", region: "qinghai", parent: "ORG-0", filings: Set(FilingAuthority.allCases), distinctions: [])
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        struct Invited: Decodable { var invitedBy: [String] }
        struct Filed: Decodable { var filings: [String] }
        let m = try encoder.encode(mediator)
        #expect(try JSONDecoder().decode(Invited.self, from: m).invitedBy == courts.sorted())
        #expect(try JSONDecoder().decode(MediatorRecord.self, from: m) == mediator)
        let o = try encoder.encode(organization)
        #expect(try JSONDecoder().decode(Filed.self, from: o).filings == FilingAuthority.allCases.map(\.rawValue).sorted())
        #expect(try JSONDecoder().decode(OrganizationRecord.self, from: o) == organization)
        // The binary form (the roster rows) reads back equal too, and without the optionals.
        #expect(try BinaryPayload.decode(MediatorRecord.self, from: try BinaryPayload.encode(mediator), what: "mediator") == mediator)
        var bare = organization
        bare.parent = nil
        #expect(try BinaryPayload.decode(OrganizationRecord.self, from: try BinaryPayload.encode(bare), what: "organization") == bare)
    }
}
