import DocketCore
import DocketEngine
import DocketTesting
import Foundation
import LaborDisputes
import Testing

/// The scenario files of `Specs/scenarios/`: given commands (or ticks of the deadline scheduler),
/// when a command (or a tick), then the events appended and the case's state, or a rejection.
struct ScenarioFile: Decodable {
    var title: String
    /// Roster commands run before every scenario of the file.
    var rosters: [FileScenario.Step]?
    var scenarios: [FileScenario]
}

struct FileScenario: Decodable, CustomTestStringConvertible, Sendable {
    var name: String
    var given: [Step]
    var when: Step
    var then: Expectation
    var file: String = ""
    /// The file's roster commands, run before `given`.
    var rosters: [Step] = []

    var testDescription: String { "\(file): \(name)" }

    enum CodingKeys: String, CodingKey { case name, given, when, then }

    /// A case or roster command line, or `{"tick": INSTANT}`: the scheduler fires every deadline due by then.
    enum Step: Decodable, Sendable {
        case command(VocabularyLine)
        case tick(Timestamp)

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: AnyKey.self)
            if c.contains(AnyKey("tick")) {
                self = .tick(try c.decode(Timestamp.self, forKey: AnyKey("tick")))
            } else if RosterCommand.names.contains(try c.decode(String.self, forKey: AnyKey("command"))) {
                self = .command(.rosterCommand(try RosterCommandLine(from: decoder)))
            } else {
                self = .command(.caseCommand(try CaseCommandLine(from: decoder)))
            }
        }

        var caseID: StreamID? {
            if case .command(.caseCommand(let l)) = self { return l.caseID }
            return nil
        }
    }

    struct Expectation: Decodable, Sendable {
        var events: [String]?
        var rejection: String?
        var stage: String?
        var outcome: String?
        var remedies: [String]?
        /// Deadline name → the instant it runs out, or `null` for a deadline that must not be open.
        var deadlines: [String: Timestamp?]?
        var overdue: [String]?
        var finalAward: Bool?
        var timeBarred: [String]?
        /// For a roster command: the organization's status afterwards.
        var status: String?
        /// For a roster command on a mediator: the organizations it serves afterwards.
        var serves: [String]?
    }
}

struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

enum ScenarioLibrary {
    static let directory: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Specs/scenarios")

    static func load() -> [FileScenario] {
        let files = ((try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? [])
            .filter { $0.pathExtension == "json" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
        var out: [FileScenario] = []
        for f in files {
            do {
                let file = try JSONDecoder().decode(ScenarioFile.self, from: Data(contentsOf: f))
                for var s in file.scenarios {
                    s.file = f.lastPathComponent
                    s.rosters = file.rosters ?? []
                    out.append(s)
                }
            } catch {
                // A malformed file becomes a failing scenario naming the file and the error.
                out.append(FileScenario(name: "file does not decode: \(error)", given: [], when: .tick(Timestamp(millisecondsSinceEpoch: 0)),
                                        then: .init(rejection: "malformed file"), file: f.lastPathComponent))
            }
        }
        return out
    }

    static let all = load()
}

/// Runs a scenario against a fresh in-memory store through the engine and the deadline scheduler.
struct ScenarioRun {
    let clock: ManualClock
    let store: InMemoryEventStore
    let desk: DisputeDesk
    var engine: WorkflowEngine<CaseWorkflow> { desk.cases }
    let scheduler: DeadlineScheduler

    init() throws {
        // Transaction time is the scenario's clock too, so that "as of" questions have definite answers.
        clock = ManualClock()
        store = InMemoryEventStore(clock: clock)
        desk = try DisputeDesk(store: store, rules: try CaseRules.bundled(), clock: clock)
        scheduler = try DeadlineScheduler(store: store, handlers: [desk.cases], clock: clock)
    }

    /// Runs a step; returns the events it appended and the rejection's code, if any.
    func run(_ step: FileScenario.Step) async throws -> (events: [String], rejection: String?, fired: [String]) {
        let before = try await store.lastPosition()
        var rejection: String?
        var fired: [String] = []
        switch step {
        case .command(let line):
            clock.set(line.at)
            rejection = try await desk.handle(line).rejection.map { "\($0.code): \($0.message)" }
        case .tick(let instant):
            clock.set(instant)
            // The deadlines this tick fires: the due timers' names (`workflow|case|deadline`).
            fired = try await store.dueTimers(until: instant, limit: 10_000).map { String($0.id.rawValue.split(separator: "|").last ?? "") }
            let report = try await scheduler.tick(until: instant)
            if report.failed > 0 { throw ScenarioError("a deadline failed to fire") }
        }
        let events = try await store.readLog(after: before, limit: 1_000).map(\.type).filter { !$0.hasPrefix("docket.") }
        return (events, rejection, fired)
    }
}

struct ScenarioError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

@Suite("Scenario files (Specs/scenarios)")
struct ScenarioFileTests {
    @Test(arguments: ScenarioLibrary.all)
    func scenario(_ s: FileScenario) async throws {
        #expect(s.then.rejection != "malformed file", "\(s.name)")
        let run = try ScenarioRun()
        var caseID: StreamID = "case-1"
        for (i, step) in (s.rosters + s.given).enumerated() {
            if let id = step.caseID { caseID = id }
            let r = try await run.run(step)
            try #require(r.rejection == nil, "given step \(i + 1) was refused: \(r.rejection!)")
        }
        if let id = s.when.caseID { caseID = id }
        let result = try await run.run(s.when)
        if let rejection = s.then.rejection {
            #expect(result.rejection?.hasPrefix(rejection + ":") == true, "expected \(rejection), got \(result.rejection ?? "events \(result.events)")")
            #expect(result.events.isEmpty, "a refused command appends nothing")
        } else {
            #expect(result.rejection == nil, "refused: \(result.rejection ?? "")")
        }
        if let events = s.then.events { #expect(result.events == events) }
        if case .command(.rosterCommand(let line)) = s.when {
            if let status = s.then.status { #expect(try await run.desk.organization(line.subject.id)?.status.rawValue == status) }
            if let serves = s.then.serves {
                let m = try await run.desk.mediator(line.subject.id)
                #expect(m?.memberships.filter(\.value.active).keys.sorted() == serves.sorted())
            }
            return
        }
        let state = try await run.engine.state(of: caseID).state
        if let stage = s.then.stage { #expect(state.stage.rawValue == stage) }
        if let outcome = s.then.outcome { #expect(state.outcome?.rawValue == outcome) }
        if let remedies = s.then.remedies { #expect(state.remedies.map(\.rawValue).sorted() == remedies.sorted()) }
        if let overdue = s.then.overdue { #expect(state.overdue.map(\.rawValue).sorted() == overdue.sorted()) }
        if let finalAward = s.then.finalAward { #expect(state.award?.final == finalAward) }
        if let timeBarred = s.then.timeBarred { #expect(state.award?.timeBarred.map(\.rawValue) == timeBarred) }
        for (name, expected) in s.then.deadlines ?? [:] {
            guard let deadline = CaseDeadline(rawValue: name) else {
                Issue.record("unknown deadline \(name)")
                continue
            }
            #expect(state.deadlines[deadline] == expected, "deadline \(name): \(state.deadlines[deadline].map { $0.iso8601 } ?? "none")")
            // Every open deadline is a scheduled timer, due when the state says; a closed one has none.
            let timer = try await run.store.timer(try run.engine.timerID(stream: caseID, deadline: name))
            #expect(timer?.due == state.deadlines[deadline], "the \(name) timer")
        }
    }

    @Test("the scenarios cover every event, every rejection and every deadline's expiry")
    func coverage() throws {
        let scenarios = ScenarioLibrary.all
        #expect(scenarios.count >= 60, "\(scenarios.count) scenarios")
        let events = Set(scenarios.flatMap { $0.then.events ?? [] })
        let allEvents = Set(CaseEventSamples.types)
        #expect(allEvents.subtracting(events).sorted() == [], "events no scenario produces")
        func isRoster(_ s: FileScenario) -> Bool { if case .command(.rosterCommand) = s.when { true } else { false } }
        let rejections = Set(scenarios.filter { !isRoster($0) }.compactMap(\.then.rejection))
        let coveredRules = Set(CaseRejection.Code.allCases.map(\.rawValue)).subtracting(["calendarNotCovered"])
        #expect(coveredRules.subtracting(rejections).sorted() == [], "rejections no scenario shows")
        // The rosters: every roster event and every roster rejection.
        let rosterEvents = Set(scenarios.filter(isRoster).flatMap { $0.then.events ?? [] })
        #expect(Set(RosterEvent.types).subtracting(rosterEvents).sorted() == [], "roster events no scenario produces")
        let rosterRejections = Set(scenarios.filter(isRoster).compactMap(\.then.rejection))
        #expect(Set(RosterRejection.Code.allCases.map(\.rawValue)).subtracting(rosterRejections).sorted() == [], "roster rejections no scenario shows")
        #expect(Set(CaseEvent.codec.registeredTypes.map(\.type)) == allEvents, "the list of event types is complete")
    }

    @Test("every deadline's expiry is fired by the scheduler in some scenario")
    func expiriesFired() async throws {
        var fired = Set<String>()
        for s in ScenarioLibrary.all {
            guard case .tick = s.when else { continue }
            let run = try ScenarioRun()
            for step in s.rosters + s.given { _ = try await run.run(step) }
            let r = try await run.run(s.when)
            if !r.events.isEmpty { fired.formUnion(r.fired) }
        }
        #expect(Set(CaseDeadline.allCases.map(\.rawValue)).subtracting(fired).sorted() == [], "deadlines no tick scenario fires")
    }

    @Test("the expiry events of every deadline appear in tick scenarios")
    func expiryEvents() throws {
        let scenarios = ScenarioLibrary.all
        // Every deadline's expiry, fired by the scheduler (a tick), with dates that cross weekends and holidays.
        var ticked = Set<String>()
        for s in scenarios { if case .tick = s.when { ticked.formUnion(s.then.events ?? []) } }
        let expiryEvents = [
            "answerNegotiation": "case.negotiationDeemedRefused", "negotiationPeriod": "case.negotiationFailed",
            "settlementPerformance": "case.agreementNotPerformed", "acceptMediation": "case.mediationAcceptanceOverdue",
            "concludeMediation": "case.mediationTermExpired", "agreementPerformance": "case.agreementNotPerformed",
            "applyForArbitrationReview": "case.reviewWindowClosed", "applyForJudicialConfirmation": "case.confirmationWindowClosed",
            "entrustedMediation": "case.entrustedMediationFailed", "decideArbitrationReview": "case.reviewDecisionOverdue",
            "acceptJudicialConfirmation": "case.confirmationAcceptanceOverdue", "acceptPaymentOrder": "case.paymentOrderAcceptanceOverdue",
            "decideJudicialConfirmation": "case.confirmationDecisionOverdue", "issuePaymentOrder": "case.paymentOrderIssueOverdue",
            "answerPaymentOrder": "case.paymentOrderEnforceable", "decideArbitrationAcceptance": "case.arbitrationAcceptanceOverdue",
            "serveRespondent": "case.serviceOverdue", "respondentAnswers": "case.respondentAnswerOverdue", "arbitrationAward": "case.awardOverdue",
            "workerSuit": "case.challengeWindowClosed", "employerSuit": "case.challengeWindowClosed", "setAsideFinalAward": "case.awardEffective",
        ]
        #expect(Set(expiryEvents.keys) == Set(CaseDeadline.allCases.map(\.rawValue)))
        let missing = expiryEvents.filter { !ticked.contains($0.value) }.map(\.key).sorted()
        #expect(missing == [], "deadlines whose expiry no tick scenario shows")
    }
}

/// Every case event type, for the coverage check.
enum CaseEventSamples {
    static let types: [String] = [
        "case.registered", "case.negotiationProposed", "case.negotiationAnswered", "case.negotiationDeemedRefused", "case.negotiationJoined",
        "case.negotiationPeriodAgreed", "case.settlementSigned", "case.negotiationFailed", "case.agreementPerformed", "case.agreementNotPerformed",
        "case.mediationApplied", "case.mediationAccepted", "case.mediationAcceptanceOverdue", "case.mediationDeclined", "case.mediatorAssigned",
        "case.mediationExtended", "case.mediationAgreementSigned", "case.performanceNoticeIssued", "case.mediationFailed", "case.mediationTermExpired",
        "case.returnVisitRecorded", "case.reviewWindowClosed", "case.confirmationWindowClosed", "case.mediationEntrusted",
        "case.entrustedMediationSucceeded", "case.entrustedMediationFailed", "case.reviewApplied", "case.reviewAccepted", "case.reviewDecisionOverdue",
        "case.reviewExtended", "case.confirmationAccepted", "case.confirmationExtended", "case.confirmationDecisionOverdue", "case.paymentOrderAccepted",
        "case.paymentOrderIssueOverdue", "case.hearingScheduled", "case.applicantAbsent", "case.respondentAbsent", "case.claimsChanged", "case.partyAdded",
        "case.mediationDocumentIssued", "case.reviewRefused", "case.confirmationApplied", "case.confirmationAcceptanceOverdue",
        "case.confirmationDecided", "case.paymentOrderApplied", "case.paymentOrderAcceptanceOverdue", "case.paymentOrderRefused",
        "case.paymentOrderIssued", "case.paymentOrderObjected", "case.paymentOrderEnforceable", "case.arbitrationApplied",
        "case.arbitrationAcceptanceOverdue", "case.arbitrationAccepted", "case.arbitrationRefused", "case.respondentServed", "case.serviceOverdue",
        "case.respondentAnswerOverdue", "case.defenseRecorded", "case.arbitralMediationRecorded", "case.arbitrationExtended", "case.awardOverdue",
        "case.awardIssued", "case.awardReceived", "case.challengeWindowClosed", "case.awardEffective", "case.lawsuitFiled", "case.setAsideApplied",
        "case.judgmentRecorded", "case.enforcementApplied", "case.withdrawn",
    ]
}
