import ArgumentParser
import DocketCore
import DocketEngine
import DocketLMDB
import Foundation
import LaborDisputes

/// Opens the store's read models (cases, rosters, archives), with the bundled rules.
func readModels(_ store: LMDBEventStore) throws -> DisputeReadModels {
    try DisputeReadModels(store: store, rules: try CaseRules.bundled())
}

extension StoreOptions {
    /// Opens the store and its read models, runs `body`, and closes the store whether or not
    /// `body` succeeded.
    func withReadModels(_ body: (DisputeReadModels) async throws -> Void) async throws {
        let store = try open()
        do {
            try await body(try readModels(store))
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }
}

/// Refuses a filter naming an organization or a region that does not exist, rather than printing
/// empty figures.
func checkFilter(_ models: DisputeReadModels, organization: String?, mediator: String? = nil, region: String?) async throws {
    if let region, models.rules.regions[region] == nil {
        throw DocketError(.invalidArgument, "no region \(region) (known: \(models.rules.regions.keys.sorted().joined(separator: ", ")))")
    }
    guard organization != nil || mediator != nil else { return }
    let roster = try await models.roster()
    if let organization, roster.organizations[organization] == nil { throw DocketError(.invalidArgument, "no organization \(organization) on the roster") }
    if let mediator, roster.mediators[mediator] == nil { throw DocketError(.invalidArgument, "no mediator \(mediator) on the roster") }
}

func percent(_ r: Rate) -> String {
    guard let s = r.share else { return "n/a (0 measured)" }
    return String(format: "%.1f%% (%d of %d)", s * 100, r.count, r.of)
}

struct Stats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Statistics: the share resolved by negotiation and mediation, cases by stage, outcomes, timeliness, durations, rates.",
        discussion: """
            Counts cases registered (by registration day) and closed (by closing day) per period, in China \
            Standard Time. With --as-of, counts only what had been recorded by that instant.

            Example:
              docket stats --period quarter --region shanghai
              docket stats --as-of 2026-06-30T23:59:59+08:00 --json
            """)

    @Option(help: "month, quarter or year.") var period = "month"
    @Option(help: "Only cases of this region.") var region: String?
    @Option(help: "Only cases this organization took.") var organization: String?
    @Option(help: "Only cases this mediator was assigned.") var mediator: String?
    @Option(help: "Only cases with a claim of this type (remuneration, dismissal, …).") var type: String?
    @Option(help: "Only cases of this key group (migrantWorkers, dispatchedWorkers, newEmploymentForms, graduates).") var group: String?

    func validate() throws {
        let _: StatisticsPeriod? = try choice(period, "period")
        let _: DisputeType? = try choice(type, "type")
        let _: KeyGroup? = try choice(group, "group")
    }
    @Option(help: "What was known at this instant (ISO 8601).") var asOf: String?
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var storeOptions: StoreOptions

    func run() async throws {
        try await reportingErrors {
            try await storeOptions.withReadModels { models in
                let instant = try asOf.map(parseInstant)
                try await checkFilter(models, organization: organization, mediator: mediator, region: region)
                let records = try await models.caseRecords(asOf: instant)
                let filter = StatisticsFilter(
                    region: region, organization: organization, mediator: mediator, disputeType: try choice(type, "type"), group: try choice(group, "group"))
                let report = Statistics.report(records, period: try choice(period, "period") ?? .month, filter: filter, asOf: instant)
                if json { return try printJSON(report) }
                let t = report.totals
                print("cases registered: \(t.opened); closed: \(t.closed); open: \(report.pendingByStage.values.reduce(0, +))")
                print("resolved by negotiation and mediation: \(percent(t.resolvedByNegotiationAndMediation))")
                print("litigation: \(t.litigation)")
                print("mediation accepted within 3 working days: \(percent(t.mediationAcceptedInTime))")
                print("mediation concluded within its term: \(percent(t.mediationConcludedInTime))")
                print("awards within 45 (+15) days: \(percent(t.awardsInTime))")
                print("agreements performed on time: \(percent(t.agreementsPerformed))")
                print("arbitration review: \(percent(t.arbitrationReview)); judicial confirmation: \(percent(t.judicialConfirmation)); entrusted mediation succeeded: \(percent(t.entrustedMediation))")
                print("return visits: \(t.returnVisits)")
                if !report.pendingByStage.isEmpty {
                    print("open by stage: " + report.pendingByStage.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
                }
                if !t.outcomes.isEmpty {
                    print("outcomes: " + t.outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
                }
                for (stage, d) in t.durations.sorted(by: { $0.key < $1.key }) {
                    print(String(format: "  %@: median %.1f days, mean %.1f (%d)", stage, d.medianDays, d.meanDays, d.count))
                }
                print("period\topened\tclosed\tresolved by negotiation and mediation")
                for p in report.periods { print("\(p.period)\t\(p.opened)\t\(p.closed)\t\(percent(p.resolvedByNegotiationAndMediation))") }
                for m in report.mediators.prefix(10) { print("mediator \(m.mediator): \(m.cases) cases, \(m.open) open, success \(percent(m.success))") }
            }
        }
    }
}

/// Parses an option's value into one of an enumeration's cases, naming the valid ones if it is not.
func choice<T: RawRepresentable & CaseIterable>(_ text: String?, _ option: String) throws -> T? where T.RawValue == String {
    guard let text else { return nil }
    guard let value = T(rawValue: text) else {
        throw ValidationError("--\(option) \(text) is not one of: \(T.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return value
}

struct RosterCommandGroup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roster", abstract: "The rosters: organizations, mediators, the expert pool, invited rosters, liaison areas.",
        subcommands: [Organizations.self, Mediators.self])

    struct Organizations: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mediation organizations, with kind, region, status, filings and distinctions.",
            discussion: "Example:\n  docket roster organizations --region qinghai --as-of 2026-01-01T00:00:00+08:00")
        @Option(help: "Only this region.") var region: String?
        @Option(help: "The roster as it stood at this instant (ISO 8601).") var asOf: String?
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var storeOptions: StoreOptions

        struct Line: Encodable {
            var id: String
            var organization: OrganizationRecord
            var mediators: [String]
        }

        func run() async throws {
            try await reportingErrors {
                try await storeOptions.withReadModels { models in
                    try await checkFilter(models, organization: nil, region: region)
                    let roster = try await models.roster(asOf: try asOf.map(parseInstant))
                    let lines = roster.organizations.filter { region == nil || $0.value.region == region }.sorted { $0.key < $1.key }.map { id, o in
                        Line(id: id, organization: o, mediators: roster.mediators.filter { $0.value.serves(id) }.keys.sorted())
                    }
                    if json { return try printJSON(lines) }
                    for l in lines {
                        let o = l.organization
                        let filed = o.filings.map(\.rawValue).sorted().joined(separator: ", ")
                        print("\(l.id)\t\(o.name)\t\(o.kind.rawValue)\t\(o.region)\t\(o.status.rawValue)\tfiled: \(filed.isEmpty ? "no" : filed)\t\(l.mediators.count) mediator(s)\(o.distinctions.isEmpty ? "" : "\t" + o.distinctions.map(\.rawValue).joined(separator: ", "))")
                    }
                }
            }
        }
    }

    struct Mediators: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mediators, with source, memberships, grade, training, evaluations, the expert pool and invited rosters.",
            discussion: "Example:\n  docket roster mediators --organization ORG-1 --json")
        @Option(help: "Only mediators serving this organization.") var organization: String?
        @Flag(help: "Only the expert pool.") var experts = false
        @Option(help: "The roster as it stood at this instant (ISO 8601).") var asOf: String?
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var storeOptions: StoreOptions

        struct Line: Encodable {
            var id: String
            var mediator: MediatorRecord
        }

        func run() async throws {
            try await reportingErrors {
                try await storeOptions.withReadModels { models in
                    try await checkFilter(models, organization: organization, region: nil)
                    let roster = try await models.roster(asOf: try asOf.map(parseInstant))
                    let lines = roster.mediators.filter { organization.map($0.value.serves) ?? true }.filter { !experts || $0.value.expert }
                        .sorted { $0.key < $1.key }.map { Line(id: $0.key, mediator: $0.value) }
                    if json { return try printJSON(lines) }
                    for l in lines {
                        let m = l.mediator
                        let serving = m.memberships.filter(\.value.active).keys.sorted().joined(separator: ", ")
                        print("\(l.id)\t\(m.name)\t\(m.source.rawValue)\tserves: \(serving.isEmpty ? "none" : serving)\tgrade: \(m.grade ?? "-")\ttrainings: \(m.trainings.count)\t\(m.expert ? "expert pool" : "")")
                    }
                }
            }
        }
    }
}

struct Risk: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The risk ledger: enterprises and sectors with open or repeated disputes, graded; major disputes flagged for joint handling.",
        discussion: "Example:\n  docket risk --region tianjin --json")
    @Option(help: "Only cases of this region.") var region: String?
    @Option(help: "What was known at this instant (ISO 8601).") var asOf: String?
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var storeOptions: StoreOptions

    func run() async throws {
        try await reportingErrors {
            try await storeOptions.withReadModels { models in
                try await checkFilter(models, organization: nil, region: region)
                let records = try await models.caseRecords(asOf: try asOf.map(parseInstant))
                let ledger = RiskLedger.build(records, filter: StatisticsFilter(region: region))
                if json { return try printJSON(ledger) }
                for e in ledger.enterprises {
                    print("\(e.grade.rawValue)\t\(e.employer)\t\(e.name)\t\(e.openCases) open of \(e.cases)\t\(e.workersInvolved) workers\t\(e.amountClaimed) yuan\t\(e.themes.map(\.rawValue).joined(separator: ","))\(e.emergencyJointHandling ? "\tEMERGENCY JOINT HANDLING" : "")")
                }
                for s in ledger.sectors { print("sector \(s.sector.rawValue): \(s.enterprises) enterprises, \(s.openCases) open cases, \(s.workersInvolved) workers") }
            }
        }
    }
}

struct Rebuild: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuilds one projection (cases, rosters, archives) or all (at once) from the log, and swaps each in while readers go on.",
        discussion: "Example:\n  docket rebuild\n  docket rebuild cases")
    @Argument(help: "The projection; all when omitted.") var name: String?
    @OptionGroup var storeOptions: StoreOptions

    func run() async throws {
        try await reportingErrors {
            let store = try storeOptions.open()
            let models = try readModels(store)
            let names = name.map { [$0] } ?? models.projections.map(\.name)
            for n in names where !models.projections.contains(where: { $0.name == n }) {
                throw DocketError(.invalidArgument, "no projection named \(n) (known: \(models.projections.map(\.name).joined(separator: ", ")))")
            }
            // Several projections are rebuilt at once, one task each.
            try await models.runner.rebuild(names) { n, took in print("rebuilt \(n) in \(took)") }
            await store.close()
        }
    }
}

struct ArchiveCommandGroup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive", abstract: "Case archives: the dossier, and evidence exports for arbitration or litigation.",
        subcommands: [Show.self, Evidence.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A case's dossier: registration record, documents with their versions, timeline, notifications, return visits.",
            discussion: "Example:\n  docket archive show case-1 --json")
        @Argument(help: "The case id.") var id: String
        @Option(help: "The dossier as recorded by this instant (ISO 8601).") var asOf: String?
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var storeOptions: StoreOptions

        func run() async throws {
            try await reportingErrors {
                try await storeOptions.withReadModels { models in
                    guard let dossier = try await models.dossier(of: id, asOf: try asOf.map(parseInstant)) else {
                        throw DocketError(.invalidArgument, "no case \(id)")
                    }
                    if json { return try printJSON(dossier) }
                    print("case \(id): \(dossier.documents.values.reduce(0) { $0 + $1.count }) document(s), \(dossier.timeline.count) event(s), \(dossier.notifications.count) notification(s), \(dossier.returnVisits.count) return visit(s)")
                    for (kind, versions) in dossier.documents.sorted(by: { $0.key < $1.key }) {
                        for v in versions { print("  \(kind) v\(v.version)\t\(local(v.entry.occurredAt))\t\(v.entry.actor)") }
                    }
                    for e in dossier.timeline { print("\(local(e.occurredAt))\t\(e.actor)\t\(e.summary)") }
                }
            }
        }
    }

    struct Evidence: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Exports a case's evidence for arbitration or litigation, without privileged conceded facts unless both parties agreed.",
            discussion: "Example:\n  docket archive evidence case-1 --for litigation --format md --output case-1.md")
        @Argument(help: "The case id.") var id: String
        @Option(name: .customLong("for"), help: "arbitration or litigation.") var proceeding = "arbitration"
        @Option(help: "json or md.") var format = "json"
        @Option(help: "Write to this file instead of standard output.") var output: String?
        @OptionGroup var storeOptions: StoreOptions

        func validate() throws {
            guard ["arbitration", "litigation"].contains(proceeding) else { throw ValidationError("--for is arbitration or litigation") }
            guard ["json", "md"].contains(format) else { throw ValidationError("--format is json or md") }
        }

        func run() async throws {
            try await reportingErrors {
                try await storeOptions.withReadModels { models in
                    guard let dossier = try await models.dossier(of: id) else { throw DocketError(.invalidArgument, "no case \(id)") }
                    let export = dossier.evidence(for: proceeding)
                    let text: String
                    if format == "md" {
                        text = export.markdown
                    } else {
                        let encoder = JSONEncoder()
                        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                        text = String(decoding: try encoder.encode(export), as: UTF8.self) + "\n"
                    }
                    if let output {
                        guard FileManager.default.createFile(atPath: output, contents: Data(text.utf8)) else {
                            throw DocketError(.invalidArgument, "cannot write \(output)")
                        }
                    } else {
                        print(text, terminator: "")
                    }
                }
            }
        }
    }
}

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Renders statistics, rosters, a case archive or the risk ledger as Markdown, CSV, JSON or HTML.",
        discussion: """
            HTML is one self-contained file with inline SVG charts (share resolved by negotiation and \
            mediation over time, open cases by stage, days per stage, outcomes by region): no \
            scripts, readable printed. CSV is UTF-8 with a byte-order mark, so spreadsheets keep \
            Chinese names intact.

            Examples:
              docket report statistics --period quarter --format html --output stats.html
              docket report rosters --region qinghai --format csv --output rosters.csv
              docket report archive --case D1-HL-000000 --format md
              docket report risk --as-of 2026-06-30T23:59:59+08:00 --format json
            """)

    @Argument(help: "statistics, rosters, archive or risk.") var kind: String
    @Option(help: "month, quarter or year (statistics).") var period = "month"
    @Option(help: "Only this region.") var region: String?
    @Option(help: "The case (archive).") var `case`: String?
    @Option(help: "As of this instant (ISO 8601).") var asOf: String?
    @Option(help: "md, csv, json or html.") var format = "md"
    @Option(help: "Write to this file instead of standard output.") var output: String?
    @OptionGroup var storeOptions: StoreOptions

    func validate() throws {
        guard ["statistics", "rosters", "archive", "risk"].contains(kind) else { throw ValidationError("the report is statistics, rosters, archive or risk") }
        let _: StatisticsPeriod? = try choice(period, "period")
        let _: ReportFormat? = try choice(format, "format")
        if kind == "archive", self.case == nil { throw ValidationError("an archive report names its case: --case ID") }
    }

    func run() async throws {
        try await reportingErrors {
            try await storeOptions.withReadModels { models in
                try await checkFilter(models, organization: nil, region: region)
                let instant = try asOf.map(parseInstant)
                let report: Report
                switch kind {
                case "statistics":
                    report = Reports.statistics(try await models.caseRecords(asOf: instant), period: try choice(period, "period") ?? .month,
                                                filter: StatisticsFilter(region: region), asOf: instant)
                case "rosters":
                    report = Reports.rosters(try await models.roster(asOf: instant), region: region, asOf: instant)
                case "risk":
                    report = Reports.risk(RiskLedger.build(try await models.caseRecords(asOf: instant), filter: StatisticsFilter(region: region)), region: region, asOf: instant)
                default:
                    let id = self.case ?? ""
                    guard let dossier = try await models.dossier(of: id, asOf: instant) else { throw DocketError(.invalidArgument, "no case \(id)") }
                    report = Reports.archive(dossier)
                }
                let text = report.rendered(try choice(format, "format") ?? .md)
                if let output {
                    guard FileManager.default.createFile(atPath: output, contents: Data(text.utf8)) else { throw DocketError(.invalidArgument, "cannot write \(output)") }
                    print("wrote \(output)")
                } else {
                    print(text, terminator: "")
                }
            }
        }
    }
}
