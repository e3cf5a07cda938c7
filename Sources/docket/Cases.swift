import ArgumentParser
import DocketCore
import DocketEngine
import DocketLMDB
import Foundation
import LaborDisputes
import Synchronization

/// The engine's clock in the CLI: set to each command's `at` (valid time) before it is handled, so
/// deadlines count from when the command was given. Records keep the wall clock as transaction time.
final class CommandClock: DocketClock {
    private let current = Mutex(Timestamp(millisecondsSinceEpoch: 0))
    func now() -> Timestamp { current.withLock { $0 } }
    func set(_ t: Timestamp) { current.withLock { $0 = t } }
}

/// The dispute desk over a store (cases and rosters), with the bundled holiday calendar, region
/// profiles and the standard deadline policy.
struct CaseEngine {
    let desk: DisputeDesk
    let clock = CommandClock()

    var engine: WorkflowEngine<CaseWorkflow> { desk.cases }
    var rules: CaseRules { desk.rules }

    init(store: LMDBEventStore) throws {
        desk = try DisputeDesk(store: store, rules: try CaseRules.bundled(), clock: clock)
    }
}

/// Instants as people in the case's region read them (+08:00).
func local(_ t: Timestamp) -> String {
    var style = Date.ISO8601FormatStyle(timeZone: TimeZone(secondsFromGMT: 8 * 3600)!)
    style = style.year().month().day().time(includingFractionalSeconds: false).timeZone(separator: .colon)
    return t.date.formatted(style)
}

func parseInstant(_ text: String) throws -> Timestamp {
    guard let t = Timestamp(iso8601: text) else {
        throw DocketError(.invalidArgument, "\(text.debugDescription) is not an ISO 8601 instant with a time zone (for example 2026-03-02T09:30:00+08:00)")
    }
    return t
}

func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

struct Apply: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Runs case commands from an NDJSON file (or - for standard input), one per line.",
        discussion: """
            Each line is a command of DOMAIN.md's vocabulary, for example
              {"command":"proposeNegotiation","id":"cmd-2","at":"2026-03-02T10:00:00+08:00","actor":{"role":"worker","id":"W-1"},"case":"case-1"}
            Each line's result or rejection is printed. A malformed line is reported with its number and \
            appends nothing. Exits 1 if any line was malformed, refused or failed.
            """)

    @Argument(help: "The NDJSON file, or - for standard input.")
    var file: String

    @Flag(name: .long, help: "Print one JSON object per line.")
    var json = false

    @OptionGroup var storeOptions: StoreOptions

    struct LineResult: Encodable {
        var line: Int
        var id: String?
        var `case`: String?
        var organization: String?
        var mediator: String?
        var arbitrator: String?
        var command: String?
        var outcome: String
        var events: [String]?
        var stage: String?
        var replayed: Bool?
        var rejection: String?
        var message: String?

        /// `case-1`, `organization ORG-1`, `mediator M-1` or `arbitrator A-1`.
        var subject: String {
            if let c = self.case { return c }
            if let o = organization { return "organization \(o)" }
            if let m = mediator { return "mediator \(m)" }
            return arbitrator.map { "arbitrator \($0)" } ?? ""
        }
    }

    func run() async throws {
        try await reportingErrors {
            let text: String
            if file == "-" {
                text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            } else {
                guard let data = FileManager.default.contents(atPath: file) else { throw DocketError(.invalidArgument, "cannot read \(file)") }
                text = String(decoding: data, as: UTF8.self)
            }
            let store = try storeOptions.open(create: true)
            let cases = try CaseEngine(store: store)
            var failed = false
            for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let number = index + 1
                let line = raw.trimmingCharacters(in: .whitespaces)
                if line.isEmpty { continue }
                var result = LineResult(line: number, outcome: "error")
                do {
                    let parsed = try VocabularyLine.parse(line)
                    result.id = parsed.id
                    result.command = parsed.name
                    switch parsed {
                    case .caseCommand(let l): result.case = l.caseID.rawValue
                    case .rosterCommand(let l):
                        switch l.subject {
                        case .organization(let id): result.organization = id
                        case .mediator(let id): result.mediator = id
                        case .arbitrator(let id): result.arbitrator = id
                        }
                    }
                    cases.clock.set(parsed.at)
                    let outcome = try await cases.desk.handle(parsed)
                    if let r = outcome.rejection {
                        failed = true
                        result.outcome = "rejected"
                        result.rejection = r.code
                        result.message = r.message
                    } else {
                        result.outcome = "accepted"
                        result.events = outcome.eventTypes
                        result.replayed = outcome.replayed
                        if case .caseCommand(.accepted(let a)) = outcome { result.stage = a.stream.state.stage.rawValue }
                        if case .rosterCommand(.accepted(let a)) = outcome, let o = a.stream.state.organization { result.stage = o.status.rawValue }
                    }
                } catch let e as DocketError {
                    failed = true
                    result.message = "\(e.message) [\(e.code)]"
                } catch {
                    failed = true
                    result.message = "\(error)"
                }
                if json {
                    try printJSON(result)
                } else {
                    switch result.outcome {
                    case "accepted":
                        let events = result.events?.joined(separator: ", ") ?? ""
                        let state = result.case != nil ? "; stage \(result.stage ?? "")" : result.stage.map { "; status \($0)" } ?? ""
                        print("line \(number): \(result.subject) \(result.command ?? ""): accepted\(result.replayed == true ? " (already applied)" : "") → \(events.isEmpty ? "no change" : events)\(state)")
                    case "rejected":
                        print("line \(number): \(result.subject) \(result.command ?? ""): rejected, \(result.rejection ?? ""): \(result.message ?? "")")
                    default:
                        print("line \(number): error: \(result.message ?? "")")
                    }
                }
            }
            await store.close()
            if failed { throw ExitCode(1) }
        }
    }
}

struct CaseCommandGroup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "case", abstract: "Shows a case.", subcommands: [Show.self, History.self])

    struct Summary: Encodable {
        var `case`: String
        var version: UInt64
        var stage: String
        var region: String?
        var channel: String?
        var parties: [Party]
        var claims: [Claim]
        var deadlines: [String: String]
        var remedies: [String]
        var settlement: SettlementAgreement?
        var mediationOrganization: String?
        var mediator: String?
        var mediationAgreement: MediationAgreement?
        var performanceNotice: PerformanceNotice?
        var returnVisits: Int
        var outcome: String?
        var limitation: [ClaimLimitation]
        var limitationDefense: Bool
        var award: Award?
        var overdue: [String]
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A case's stage, parties, claims, open deadlines, documents and outcome.",
            discussion: "Example:\n  docket case show case-1 --as-of 2026-03-10T00:00:00+08:00 --json")

        @Argument(help: "The case id.")
        var id: String

        @Option(name: .customLong("as-of"), help: "Show the case as of this instant (its events that occurred by then).")
        var asOf: String?

        @Flag(name: .long, help: "Print JSON.")
        var json = false

        @OptionGroup var storeOptions: StoreOptions

        func run() async throws {
            try await reportingErrors {
                let store = try storeOptions.open()
                let cases = try CaseEngine(store: store)
                let stream = try StreamID(id)
                let s: StreamState<CaseState>
                if let asOf {
                    s = try await cases.engine.state(of: stream, occurredBy: try parseInstant(asOf))
                } else {
                    s = try await cases.engine.state(of: stream)
                }
                guard s.version > .none else { throw DocketError(.invalidArgument, "no case \(id)\(asOf.map { " as of \($0)" } ?? "")") }
                let c = s.state
                let summary = Summary(
                    case: id, version: s.version.value, stage: c.stage.rawValue, region: c.registration?.region,
                    channel: c.registration?.channel.rawValue, parties: c.registration?.parties ?? [], claims: c.registration?.claims ?? [],
                    deadlines: Dictionary(uniqueKeysWithValues: c.deadlines.map { ($0.key.rawValue, local($0.value)) }),
                    remedies: c.remedies.sorted().map(\.rawValue), settlement: c.settlement, mediationOrganization: c.mediationOrganization,
                    mediator: c.mediator, mediationAgreement: c.mediationAgreement, performanceNotice: c.performanceNotice,
                    returnVisits: c.returnVisits, outcome: c.outcome?.rawValue, limitation: c.limitation,
                    limitationDefense: c.limitationDefense, award: c.award, overdue: c.overdue.map(\.rawValue).sorted())
                if json {
                    try printJSON(summary)
                } else {
                    print("case \(id): \(summary.stage)\(summary.outcome.map { " (\($0))" } ?? "") — version \(summary.version)")
                    if let region = summary.region { print("region \(region), via \(summary.channel ?? "?")") }
                    for p in summary.parties { print("\(p.role.rawValue) \(p.id): \(p.name)") }
                    for cl in summary.claims {
                        // The limitation period of every claim, as of now (interruptions and suspensions included).
                        var limitation = ""
                        if cl.type == .remuneration, cl.duringEmployment == true {
                            limitation = "; not time-barred during employment"
                        } else if let known = cl.knownAt, let runsOut = try? cases.engine.workflow.limitationRunsOut(
                            cl, knownAt: known, before: try asOf.map(parseInstant) ?? Timestamp(Date()), region: summary.region) {
                            limitation = "; arbitration limitation period runs out \(local(runsOut))"
                        }
                        print("claim: \(cl.type.rawValue)\(cl.amount.map { " \($0) yuan" } ?? "")\(limitation)")
                    }
                    for (name, due) in summary.deadlines.sorted(by: { $0.value < $1.value }) { print("deadline \(name): runs out \(due)") }
                    if !summary.remedies.isEmpty { print("may next: \(summary.remedies.joined(separator: ", "))") }
                    if let a = c.settlement { print("settlement agreement: \(a.terms); perform by \(local(a.performBy)); archived: \(a.archivable ? "yes" : "no (consent missing)")") }
                    if let o = summary.mediationOrganization { print("mediation: \(o)\(summary.mediator.map { ", mediator \($0)" } ?? "")\(c.mediationAcceptanceOverdue ? " (acceptance overdue)" : "")") }
                    if let a = c.mediationAgreement { print("mediation agreement: \(a.terms); perform by \(local(a.performBy))") }
                    if let n = c.performanceNotice { print("performance notice: \(n.capacityAssessment)") }
                    if c.returnVisits > 0 { print("return visits: \(c.returnVisits)") }
                    for l in c.limitation where c.arbitrationClaims.indices.contains(l.claim) {
                        let claim = c.arbitrationClaims[l.claim]
                        let period = l.runsOut.map { "limitation period runs out \(local($0))\(l.past ? " (past when arbitration was applied for)" : "")" }
                            ?? (claim.type == .remuneration && claim.duringEmployment == true ? "not time-barred during employment" : "no date of knowledge given")
                        print("arbitration claim \(claim.type.rawValue): \(period)")
                    }
                    if c.limitationDefense { print("the respondent raised the limitation defense") }
                    if let a = c.award {
                        print("award: \(a.final ? "final" : "non-final"); " + a.items.map { "\($0.type.rawValue) \($0.granted ? "granted" : "dismissed")\($0.amount.map { " \($0)" } ?? "")" }.joined(separator: ", ")
                            + (a.timeBarred.isEmpty ? "" : "; time-barred: \(a.timeBarred.map(\.rawValue).joined(separator: ", "))"))
                    }
                    if !summary.overdue.isEmpty { print("overdue: \(summary.overdue.joined(separator: ", "))") }
                }
                await store.close()
            }
        }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every event of a case with its actor, instants and command id.",
            discussion: "Example:\n  docket case history case-1 --json")

        @Argument(help: "The case id.")
        var id: String

        @Flag(name: .long, help: "Print one JSON object per event.")
        var json = false

        @OptionGroup var storeOptions: StoreOptions

        struct Entry: Encodable {
            var version: UInt64
            var position: UInt64
            var type: String
            var occurredAt: String
            var recordedAt: String
            var actor: String
            var commandID: String?
            var payload: String
        }

        func run() async throws {
            try await reportingErrors {
                let store = try storeOptions.open()
                let cases = try CaseEngine(store: store)
                let history = try await cases.engine.history(of: try StreamID(id))
                guard !history.isEmpty else { throw DocketError(.invalidArgument, "no case \(id)") }
                for h in history {
                    let r = h.record
                    let entry = Entry(
                        version: r.version.value, position: r.position.value, type: r.type, occurredAt: local(r.occurredAt),
                        recordedAt: r.recordedAt.iso8601, actor: r.metadata.actor, commandID: r.commandID,
                        payload: h.system == nil ? cases.engine.workflow.codec.readableJSON(of: r) : String(decoding: r.payload, as: UTF8.self))
                    if json {
                        try printJSON(entry)
                    } else {
                        print("\(entry.version)\t\(entry.occurredAt)\t\(entry.type)\tby \(entry.actor)\tcommand \(entry.commandID ?? "-")\t\(entry.payload)")
                    }
                }
                await store.close()
            }
        }
    }
}

struct Tick: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fires every case deadline due by an instant.",
        discussion: "Each deadline is decided as of its due instant.\n\nExample:\n  docket tick --until 2026-03-10T00:00:00+08:00")

    @Option(name: .long, help: "Fire deadlines due at or before this instant (ISO 8601).")
    var until: String

    @OptionGroup var storeOptions: StoreOptions

    func run() async throws {
        try await reportingErrors {
            let instant = try parseInstant(until)
            let store = try storeOptions.open()
            let cases = try CaseEngine(store: store)
            cases.clock.set(instant)
            let report = try await DeadlineScheduler(store: store, handlers: [cases.engine], clock: cases.clock).tick(until: instant)
            print("fired \(report.fired) deadline(s): \(report.accepted) applied, \(report.rejected) no longer applicable; \(report.failed) failed, \(report.unhandled) of unknown workflows")
            await store.close()
            if report.failed > 0 { throw ExitCode(1) }
        }
    }
}
