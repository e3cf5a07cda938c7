import DocketCore
import DocketEngine
import DocketTesting
import Foundation
import LaborDisputes
import Testing

let rules = CaseRules(calendar: try! HolidayCalendar.bundled())
let workflow = CaseWorkflow(rules: rules)

func at(_ text: String) -> Timestamp { Timestamp(iso8601: text)! }

let registration = CaseCommand.RegisterCase(
    channel: .inPerson, region: "shanghai",
    parties: [Party(role: .worker, id: "W-1", name: "Li Wei"), Party(role: .employer, id: "E-1", name: "Huadong Logistics")],
    claims: [Claim(type: .remuneration, amount: 18_000)], groups: [.migrantWorkers])

func context(_ actor: Actor, _ instant: String, version: UInt64 = 1) -> DecisionContext {
    DecisionContext(stream: "case-1", version: StreamVersion(version), definition: 1, now: at(instant), commandID: "c", actor: actor.description)
}

let worker = Actor(.worker, "W-1")
let employer = Actor(.employer, "E-1")
let organization = Actor(.organization, "O-7")
let mediator = Actor(.mediator, "M-3")
/// The roster the tests decide against: O-7 active and filed, M-3 serving it.
let testRosters = RosterFacts(
    organizations: ["O-7": OrganizationRecord(
        kind: .peoplesMediation, name: "O-7", region: "shanghai", parent: nil, status: .active, filings: [.judicialAdministration], distinctions: [])],
    mediators: ["M-3": MediatorRecord(
        name: "M-3", source: .lawyer, memberships: ["O-7": Membership(fullTime: true, active: true)], trainings: [], evaluations: [],
        grade: nil, rewards: 0, sanctions: 0, expert: false, invitedBy: [])])

/// The state after a history decided command by command, each at its own instant.
func history(_ steps: [(CaseCommand, Actor, String)]) throws -> (CaseState, [CaseEvent]) {
    var state = workflow.initialState
    var all: [CaseEvent] = []
    for (command, actor, instant) in steps {
        let events = try workflow.decide(command, rosters: testRosters, state: state, context: context(actor, instant))
        state = workflow.replay(events, from: state)
        all += events
    }
    return (state, all)
}

@Suite("Labor case: intake, negotiation, mediation")
struct CaseTests {
    @Test("the final-award threshold is 12 times the minimum wage in force on the award's day")
    func thresholdsByDay() throws {
        let regions = try RegionProfile.bundled()
        let tianjin = try #require(regions["tianjin"])
        let huilai = try #require(regions["huilai"])
        #expect(tianjin.finalAwardThreshold(on: "2025-08-31") == 27_840, "2320 a month until the 2025 notice took effect")
        #expect(tianjin.finalAwardThreshold(on: "2025-09-01") == 30_120)
        #expect(huilai.finalAwardThreshold(on: "2026-08-31") == 21_000)
        #expect(huilai.finalAwardThreshold(on: "2026-09-01") == 24_480)
        for (id, profile) in regions {
            #expect(profile.finalAwardThreshold == profile.minimumWage.monthlyYuan * 12, "\(id)")
            #expect(profile.finalAwardThreshold(on: "2026-11-23") == profile.finalAwardThreshold, "\(id): the current figure applies today")
        }
    }

    @Test("enums hashed by their case (not their raw string) are one byte, and every case stays distinct")
    func caseHashing() {
        #expect(MemoryLayout<DeadlineRule>.size == 1 && MemoryLayout<CaseDeadline>.size == 1 && MemoryLayout<Remedy>.size == 1)
        #expect(MemoryLayout<Stage>.size == 1 && MemoryLayout<Outcome>.size == 1)
        #expect(Set(DeadlineRule.allCases).count == DeadlineRule.allCases.count)
        #expect(Set(CaseDeadline.allCases).count == CaseDeadline.allCases.count)
        #expect(Set(Remedy.allCases).count == Remedy.allCases.count && Set(Stage.allCases).count == Stage.allCases.count)
        #expect(Set(Outcome.allCases).count == Outcome.allCases.count)
        let map = Dictionary(uniqueKeysWithValues: CaseDeadline.allCases.map { ($0, $0.rawValue) })
        #expect(CaseDeadline.allCases.allSatisfy { map[$0] == $0.rawValue })
    }

    @Test("registration needs a worker, an employer and a claim; only the listed roles may register")
    func register() throws {
        let (state, events) = try history([(.registerCase(registration), Actor(.registrar, "R-1"), "2026-03-02T09:00:00+08:00")])
        #expect(events == [.registered(registration)])
        #expect(state.stage == .registered && state.remedies == [.applyForMediation, .applyForArbitration])
        var bad = registration
        bad.claims = []
        #expect(throws: CaseRejection(.invalidCommand, "a case needs at least one claim")) {
            try workflow.decide(.registerCase(bad), rosters: testRosters, state: CaseState(), context: context(Actor(.registrar, "R-1"), "2026-03-02T09:00:00+08:00"))
        }
        #expect(performing: { try workflow.decide(.registerCase(registration), rosters: testRosters, state: CaseState(), context: context(mediator, "2026-03-02T09:00:00+08:00")) },
                throws: { ($0 as? CaseRejection)?.code == .notPermittedForRole })
        #expect(performing: { try workflow.decide(.registerCase(registration), rosters: testRosters, state: state, context: context(Actor(.registrar, "R-1"), "2026-03-02T09:00:00+08:00")) },
                throws: { ($0 as? CaseRejection)?.code == .caseAlreadyRegistered })
    }

    @Test("a negotiation proposal is deemed refused 5 days on; a holiday end rolls to the next working day")
    func negotiationDeemedRefused() throws {
        // Proposed Sunday 2026-09-27 (a rest day of 中秋): day 5 is Friday 10-02, inside 国庆 (10-01..10-07),
        // so the period runs to the next working day, Thursday 10-08 (Saturday 10-10 is worked, but 10-08 comes first).
        let (state, events) = try history([
            (.registerCase(registration), Actor(.registrar, "R-1"), "2026-09-25T10:00:00+08:00"),
            (.proposeNegotiation, worker, "2026-09-27T10:00:00+08:00"),
        ])
        #expect(events.last == .negotiationProposed(by: .worker, answerBy: at("2026-10-09T00:00:00+08:00")))
        let beforeProposal = workflow.replay(events.dropLast())
        #expect(workflow.deadlines(after: events.last!, from: beforeProposal, to: state, context: context(worker, "2026-09-27T10:00:00+08:00")).count == 1)
        #expect(performing: { try workflow.decide(.expireDeadline(.answerNegotiation), rosters: testRosters, state: state, context: context(.scheduler, "2026-10-08T23:59:00+08:00")) },
                throws: { ($0 as? CaseRejection)?.code == .invalidCommand })
        let expired = try workflow.decide(.expireDeadline(.answerNegotiation), rosters: testRosters, state: state, context: context(.scheduler, "2026-10-09T00:00:00+08:00"))
        #expect(expired == [.negotiationDeemedRefused])
        #expect(workflow.replay(expired, from: state).stage == .registered)
    }

    @Test("the proposer cannot answer its own proposal; an outsider is not a party")
    func answerRules() throws {
        let (state, _) = try history([
            (.registerCase(registration), Actor(.registrar, "R-1"), "2026-03-02T09:00:00+08:00"),
            (.proposeNegotiation, worker, "2026-03-02T10:00:00+08:00"),
        ])
        #expect(performing: { try workflow.decide(.answerNegotiation(accept: true), rosters: testRosters, state: state, context: context(worker, "2026-03-03T10:00:00+08:00")) },
                throws: { ($0 as? CaseRejection)?.code == .notPermittedForRole })
        #expect(performing: { try workflow.decide(.answerNegotiation(accept: true), rosters: testRosters, state: state, context: context(Actor(.employer, "E-9"), "2026-03-03T10:00:00+08:00")) },
                throws: { ($0 as? CaseRejection)?.code == .notAParty })
        #expect(try workflow.decide(.answerNegotiation(accept: true), rosters: testRosters, state: state, context: context(employer, "2026-03-03T10:00:00+08:00")) == [.negotiationAnswered(accepted: true)])
    }

    @Test("a settlement performed closes the case as settled by negotiation; not performed reopens the remedies")
    func settlement() throws {
        let agreement = SettlementAgreement(terms: "pay 18,000 yuan", performBy: at("2026-03-20T00:00:00+08:00"), workerArchiveConsent: true, employerArchiveConsent: false, privilegedFacts: ["overtime hours conceded"])
        let base: [(CaseCommand, Actor, String)] = [
            (.registerCase(registration), Actor(.registrar, "R-1"), "2026-03-02T09:00:00+08:00"),
            (.proposeNegotiation, worker, "2026-03-02T10:00:00+08:00"),
            (.answerNegotiation(accept: true), employer, "2026-03-03T10:00:00+08:00"),
            (.joinNegotiation, Actor(.union, "U-1"), "2026-03-03T11:00:00+08:00"),
            (.signSettlement(agreement), worker, "2026-03-05T10:00:00+08:00"),
        ]
        let (pending, _) = try history(base)
        #expect(pending.stage == .settlementPending && pending.settlement?.archivable == false)
        #expect(pending.deadlines[.settlementPerformance] == at("2026-03-21T00:00:00+08:00"))
        let (closed, _) = try history(base + [(.recordPerformance(performed: true), employer, "2026-03-18T10:00:00+08:00")])
        #expect(closed.stage == .closed && closed.outcome == .settledByNegotiation && closed.deadlines.isEmpty)
        let expired = try workflow.decide(.expireDeadline(.settlementPerformance), rosters: testRosters, state: pending, context: context(.scheduler, "2026-03-21T00:00:00+08:00"))
        #expect(expired == [.agreementNotPerformed(.settlement)])
        #expect(workflow.replay(expired, from: pending).remedies == [.applyForMediation, .applyForArbitration])
    }

    @Test("mediation: accepted within 3 working days or flagged; an agreement needs every signature and seal")
    func mediation() throws {
        // Applied Friday 2026-04-03 (Apr 4-6 are 清明 rest days): 3 working days are Apr 7, 8, 9.
        let base: [(CaseCommand, Actor, String)] = [
            (.registerCase(registration), Actor(.registrar, "R-1"), "2026-04-01T09:00:00+08:00"),
            (.applyForMediation(organization: "O-7", oral: true), worker, "2026-04-03T10:00:00+08:00"),
        ]
        let (applied, _) = try history(base)
        #expect(applied.deadlines[.acceptMediation] == at("2026-04-10T00:00:00+08:00"))
        // 15 days end on Saturday 04-18: rolled to Monday 04-20, so the term runs out as 04-21 begins.
        #expect(applied.deadlines[.concludeMediation] == at("2026-04-21T00:00:00+08:00"))
        let overdue = try workflow.decide(.expireDeadline(.acceptMediation), rosters: testRosters, state: applied, context: context(.scheduler, "2026-04-10T00:00:00+08:00"))
        #expect(overdue == [.mediationAcceptanceOverdue])
        #expect(performing: { try workflow.decide(.acceptMediation, rosters: testRosters, state: applied, context: context(mediator, "2026-04-07T10:00:00+08:00")) },
                throws: { ($0 as? CaseRejection)?.code == .notPermittedForRole })
        let (mediating, _) = try history(base + [
            (.acceptMediation, organization, "2026-04-07T10:00:00+08:00"),
            (.assignMediator(mediator: "M-3"), organization, "2026-04-07T11:00:00+08:00"),
        ])
        let unsealed = MediationAgreement(terms: "pay 15,000 yuan", performBy: at("2026-04-30T00:00:00+08:00"),
                                          signatures: Signatures(worker: true, employer: true, mediator: true, organizationSeal: false))
        #expect(throws: CaseRejection(.agreementNotEffective, "the mediation agreement lacks the mediation organization's seal")) {
            try workflow.decide(.signMediationAgreement(unsealed), rosters: testRosters, state: mediating, context: context(mediator, "2026-04-10T10:00:00+08:00"))
        }
        var sealed = unsealed
        sealed.signatures.organizationSeal = true
        let signed = try workflow.decide(.signMediationAgreement(sealed), rosters: testRosters, state: mediating, context: context(mediator, "2026-04-10T10:00:00+08:00"))
        let agreed = workflow.replay(signed, from: mediating)
        #expect(agreed.stage == .agreementPending && agreed.remedies == [.applyForArbitrationReview, .applyForJudicialConfirmation])
        // Signed Friday 04-10: 15 days end on Saturday 04-25, rolled to Monday 04-27.
        #expect(agreed.deadlines[.applyForArbitrationReview] == at("2026-04-28T00:00:00+08:00"))
        let effects = workflow.deadlines(after: signed[0], from: mediating, to: agreed, context: context(mediator, "2026-04-10T10:00:00+08:00"))
        #expect(effects.count == 3 + 1, "performance, review and confirmation scheduled; the mediation term cancelled")
        // Not performed: arbitration, and a payment order for a remuneration claim.
        let notPerformed = workflow.replay([.agreementNotPerformed(.mediation)], from: agreed)
        #expect(notPerformed.remedies.isSuperset(of: [.applyForArbitration, .applyForPaymentOrder]))
    }

    @Test("the defense is the respondent's: the applicant cannot record it")
    func defenseByRespondent() throws {
        let (arbitrating, _) = try history([
            (.registerCase(registration), Actor(.registrar, "R-1"), "2026-03-02T09:00:00+08:00"),
            (.applyForArbitration(claims: nil), worker, "2026-03-02T10:00:00+08:00"),
            (.acceptArbitration, Actor(.committee, "AC-1"), "2026-03-03T10:00:00+08:00"),
        ])
        #expect(arbitrating.arbitrationApplicant == .worker)
        #expect(performing: { try workflow.decide(.recordDefense(limitation: true), rosters: testRosters, state: arbitrating, context: context(worker, "2026-03-05T10:00:00+08:00")) },
                throws: { ($0 as? CaseRejection)?.code == .notPermittedForRole })
        #expect(try workflow.decide(.recordDefense(limitation: true), rosters: testRosters, state: arbitrating, context: context(employer, "2026-03-05T10:00:00+08:00")) == [.defenseRecorded(limitation: true)])
    }

    @Test("commands round-trip through the JSON vocabulary")
    func json() throws {
        let line = #"{"command":"signMediationAgreement","terms":"pay","performBy":"2026-04-30T00:00:00+08:00","signatures":{"worker":true,"employer":true,"mediator":true},"seal":false}"#
        let command = try JSONDecoder().decode(CaseCommand.self, from: Data(line.utf8))
        guard case .signMediationAgreement(let a) = command else { Issue.record("decoded \(command)"); return }
        #expect(a.signatures.missing == ["the mediation organization's seal"])
        let again = try JSONDecoder().decode(CaseCommand.self, from: try JSONEncoder().encode(command))
        #expect(again == command)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(CaseCommand.self, from: Data(#"{"command":"fly"}"#.utf8)) }
    }

    @Test("through the engine: deadlines become timers and fire as expireDeadline")
    func engine() async throws {
        let clock = ManualClock(at("2026-03-02T09:00:00+08:00"))
        let store = InMemoryEventStore(clock: clock)
        let engine = try WorkflowEngine(workflow: workflow, store: store, clock: clock)
        let scheduler = try DeadlineScheduler(store: store, handlers: [engine], clock: clock)
        _ = try await engine.handle(Checked(.registerCase(registration)), for: "case-1", commandID: "1", actor: "registrar:R-1")
        _ = try await engine.handle(Checked(.proposeNegotiation), for: "case-1", commandID: "2", actor: "worker:W-1")
        #expect(try await store.timerCount() == 1)
        // Proposed Monday 03-02: day 5 is Saturday 03-07, rolled to Monday 03-09.
        clock.set(at("2026-03-09T23:59:59+08:00"))
        #expect(try await scheduler.tick(until: clock.now()).fired == 0)
        clock.set(at("2026-03-10T00:00:00+08:00"))
        #expect(try await scheduler.tick(until: clock.now()).accepted == 1)
        #expect(try await engine.state(of: "case-1").state.stage == .registered)
        #expect(try await store.timerCount() == 0)
        let refused = try await engine.handle(Checked(.acceptMediation), for: "case-1", commandID: "3", actor: "organization:O-7")
        #expect(refused.rejection?.code == .wrongStage)
    }
}
