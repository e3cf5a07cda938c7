public import DocketCore
import Foundation

/// A realistic, deterministic workload: the seed regions' rosters and cases that follow plausible
/// paths over 2025 and 2026. Most cases settle or are mediated; some go to arbitration review,
/// judicial confirmation, payment orders, arbitration and litigation; some are withdrawn; some miss
/// deadlines, which the scheduler then fires. Every line is a command of the JSON vocabulary, so a
/// workload can be replayed through ``DisputeDesk``, or written out as NDJSON.
///
/// The same seed gives the same commands with the same ids: running it again on the same store
/// changes nothing (every command is answered from the idempotency index).
public struct DemoWorkload: Sendable {
    /// The seed.
    public let seed: UInt64
    /// The region profiles used (the bundled ones).
    public let regions: [RegionProfile]

    /// The last day on which a case command is given (2026-11-15, China time), so that every period
    /// it starts ends inside the bundled calendars.
    public static let lastCommandDay = 684
    /// 2025-01-01T00:00:00+08:00.
    static let dayZero: Int64 = 1_735_660_800_000
    /// The instant the scheduler is ticked to after the cases: 2027-01-01T00:00:00+08:00.
    public static let end = Timestamp(millisecondsSinceEpoch: dayZero + 730 * 86_400_000)

    /// A workload over the bundled region profiles.
    public init(seed: UInt64, regions: [String: RegionProfile]) {
        self.seed = seed
        self.regions = regions.values.sorted { $0.id < $1.id }
    }

    static func code(_ region: String) -> String {
        switch region {
        case "shandong": "SD"
        case "huilai": "HL"
        case "qinghai": "QH"
        case "tianjin": "TJ"
        case "shanghai": "SH"
        default: String(region.prefix(2)).uppercased()
        }
    }

    static func at(_ day: Int, _ hour: Int, _ minute: Int = 0) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: dayZero + Int64(day) * 86_400_000 + Int64(hour) * 3_600_000 + Int64(minute) * 60_000)
    }

    /// Monday is 0; 2025-01-01 was a Wednesday.
    static func weekday(_ day: Int) -> Int { (day + 2) % 7 }

    /// The first weekday on or after `day`.
    static func weekdayFrom(_ day: Int) -> Int {
        var d = day
        while weekday(d) >= 5 { d += 1 }
        return d
    }

    /// `n` weekdays after `day`.
    static func weekdays(after day: Int, _ n: Int) -> Int {
        var d = day, left = n
        while left > 0 {
            d += 1
            if weekday(d) < 5 { left -= 1 }
        }
        return d
    }

    struct Organization {
        var id: String
        var mediators: [String]
    }

    /// The organizations of a region and their mediators, as the roster commands create them.
    func organizations(of region: RegionProfile) -> [Organization] {
        let kinds = region.organizationKinds.compactMap(OrganizationKind.init(rawValue:))
        let code = Self.code(region.id)
        return (0..<min(4, kinds.count)).map { k in
            Organization(id: "\(code)-ORG-\(k + 1)", mediators: (1...3).map { "\(code)-MED-\(k + 1)-\($0)" })
        }
    }

    /// The roster commands: every region's organizations (filed; notified to the court where the
    /// region asks it), their mediators with training, evaluations and grades, the expert pool, the
    /// court's invited roster and the arbitrators' liaison areas. Dated December 2024.
    public func rosterLines() -> [VocabularyLine] {
        var lines: [VocabularyLine] = []
        var n = 0
        func add(_ subject: RosterSubject, _ actor: Actor, _ command: RosterCommand, day: Int = -20) {
            n += 1
            lines.append(.rosterCommand(RosterCommandLine(
                id: "demo\(seed)-roster-\(n)", at: Self.at(day, 10), actor: actor, subject: subject, command: command)))
        }
        for region in regions {
            let code = Self.code(region.id)
            let registrar = Actor(.registrar, "\(code)-JUSTICE"), committee = Actor(.committee, "\(code)-AC"), court = Actor(.court, "\(code)-COURT")
            let kinds = region.organizationKinds.compactMap(OrganizationKind.init(rawValue:))
            let orgs = organizations(of: region)
            for (k, org) in orgs.enumerated() {
                let name = "\(region.name) \(kinds[k].rawValue) \(k + 1)"
                add(.organization(org.id), registrar, .registerOrganization(kind: kinds[k], name: name, region: region.id, parent: nil))
                add(.organization(org.id), registrar, .fileOrganization(authority: .judicialAdministration))
                if region.rosterRules.noticeToCourt { add(.organization(org.id), registrar, .fileOrganization(authority: .basicCourt)) }
                if k == 0 { add(.organization(org.id), committee, .awardDistinction(.provincialStandardized)) }
                for (j, m) in org.mediators.enumerated() {
                    let sources = MediatorSource.allCases
                    add(.mediator(m), Actor(.organization, org.id),
                        .appointMediator(organization: org.id, name: "调解员 \(m)", source: sources[(k * 3 + j) % sources.count], fullTime: j == 0))
                    add(.mediator(m), Actor(.organization, org.id), .recordTraining(course: "劳动争议调解实务 2024"))
                    add(.mediator(m), Actor(.organization, org.id), .recordEvaluation(score: 70 + (k * 7 + j * 11) % 30))
                    if region.rosterRules.mediatorGrading { add(.mediator(m), registrar, .gradeMediator(grade: j == 0 ? "一级" : "二级")) }
                }
            }
            if let first = orgs.first?.mediators.first {
                add(.mediator(first), committee, .addToExpertPool)
                add(.mediator(first), court, .addToInvitedRoster(court: court.id))
            }
            add(.arbitrator("\(code)-ARB-1"), committee, .assignLiaison(organizations: orgs.map(\.id)))
        }
        return lines
    }

    /// Roster changes after the cases (December 2026): a suspension and a mediator leaving.
    public func lateRosterLines() -> [VocabularyLine] {
        guard let region = regions.first(where: { $0.id == "tianjin" }) ?? regions.first, let org = organizations(of: region).last else { return [] }
        let registrar = Actor(.registrar, "\(Self.code(region.id))-JUSTICE")
        return [
            .rosterCommand(RosterCommandLine(
                id: "demo\(seed)-roster-late-1", at: Self.at(700, 10), actor: registrar, subject: .organization(org.id),
                command: .suspendOrganization(reason: "rectification ordered after an inspection"))),
            .rosterCommand(RosterCommandLine(
                id: "demo\(seed)-roster-late-2", at: Self.at(701, 10), actor: registrar, subject: .mediator(org.mediators[2]),
                command: .exitMediator(reason: "retired", organization: nil))),
        ]
    }

    /// The commands of case `n`, in time order.
    public func caseLines(_ n: Int) -> [VocabularyLine] {
        var rng = DemoRandom(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(n))
        // Regions weighted: Shandong 30%, Shanghai 25%, Tianjin 20%, Huilai 15%, Qinghai 10%.
        let weights = ["shandong": 30, "shanghai": 25, "tianjin": 20, "huilai": 15, "qinghai": 10]
        var pick = rng.int(100)
        var region = regions[0]
        for r in regions {
            pick -= weights[r.id] ?? 0
            if pick < 0 { region = r; break }
        }
        let code = Self.code(region.id)
        let caseID = StreamID(verbatim: "D\(seed)-\(code)-\(String(format: "%06d", n))")
        var script = Script(caseID: caseID, prefix: "demo\(seed)-\(n)", day: Self.weekdayFrom(rng.int(607)))
        let orgs = organizations(of: region)
        let worker = Actor(.worker, "\(code)-W-\(n)")
        let employerNumber = rng.int(max(20, n / 6 + 1))
        let employer = Actor(.employer, "\(code)-E-\(employerNumber)")
        let collective = rng.chance(8)
        let types: [DisputeType] = [.remuneration, .remuneration, .remuneration, .dismissal, .dismissal, .compensation, .socialInsurance, .workingHours,
                                    .laborRelationship, .workInjuryMedical]
        var claims = [Claim(type: types[rng.int(types.count)], amount: Decimal(2_000 + rng.int(78) * 1_000))]
        if rng.chance(25) { claims.append(Claim(type: .compensation, amount: Decimal(1_000 + rng.int(30) * 1_000))) }
        var groups: [KeyGroup] = []
        if rng.chance(35) { groups.append(.migrantWorkers) }
        if rng.chance(8) { groups.append(.dispatchedWorkers) }
        if rng.chance(10) { groups.append(.newEmploymentForms) }
        if rng.chance(6) { groups.append(.graduates) }
        let sectors = Sector.allCases
        let registration = CaseCommand.RegisterCase(
            channel: region.intakeChannels[rng.int(region.intakeChannels.count)], region: region.id,
            parties: [Party(role: .worker, id: worker.id, name: "劳动者 \(n)"), Party(role: .employer, id: employer.id, name: "\(region.name)用人单位 \(employerNumber)")],
            claims: claims, groups: groups, workersInvolved: collective ? 10 + rng.int(40) : 1, oral: rng.chance(15),
            sector: sectors[(employerNumber * 7 + region.id.count) % sectors.count])
        let registrar = Actor(.registrar, "\(code)-REG")
        let committee = Actor(.committee, "\(code)-AC"), court = Actor(.court, "\(code)-COURT"), arbitrator = Actor(.arbitrator, "\(code)-ARB-1")
        script.add(.registerCase(registration), registrar, hour: 9 + rng.int(3))

        /// Arbitration from the current day, through acceptance, service, hearing and award.
        func arbitration() {
            script.later(rng.int(3), weekday: true)
            script.add(.applyForArbitration(claims: nil), worker, hour: 10)
            script.later(1 + rng.int(3), weekday: true)
            if rng.chance(3) { script.add(.refuseArbitration(reason: "not a labor dispute within the committee's scope"), committee, hour: 15); return }
            script.add(.acceptArbitration, committee, hour: 15)
            let accepted = script.day
            script.later(1 + rng.int(2), weekday: true)
            script.add(.serveRespondent, committee, hour: 10)
            script.later(2 + rng.int(6))
            script.add(.recordDefense(limitation: rng.chance(5)), employer, hour: 11)
            script.later(1, weekday: true)
            let hearingDay = Self.weekdayFrom(script.day + 7 + rng.int(8))
            script.add(.scheduleHearing(at: Self.at(hearingDay, 9, 30)), arbitrator, hour: 16)
            script.day = hearingDay
            if rng.chance(25) { script.add(.recordArbitralMediation, arbitrator, hour: 11); return }
            if rng.chance(3) { script.add(.recordAbsence(party: .worker), arbitrator, hour: 10); return }
            let awardDay = Self.weekdayFrom(min(script.day + 5 + rng.int(20), accepted + 38))
            script.day = awardDay
            let items = claims.map { AwardItem(type: $0.type, amount: $0.amount.map { $0 * Decimal(50 + rng.int(51)) / 100 }, granted: !rng.chance(20)) }
            script.add(.issueAward(items: items), arbitrator, hour: 15)
            script.later(1 + rng.int(2))
            script.add(.receiveAward(party: .worker), committee, hour: 10)
            script.add(.receiveAward(party: .employer), committee, hour: 11)
            if rng.chance(15) {
                script.later(3 + rng.int(9))
                script.add(.fileLawsuit(court: court.id), worker, hour: 10)
                script.later(60 + rng.int(60))
                script.add(.recordJudgment(summary: "judgment on the claims"), court, hour: 10)
            }
            // Otherwise nobody challenges the award: the scheduler closes the windows and it takes effect.
        }

        /// Mediation from the current day at an organization of the region.
        func mediation() {
            let org = orgs[rng.int(orgs.count)]
            let orgActor = Actor(.organization, org.id)
            let mediator = Actor(.mediator, org.mediators[rng.int(org.mediators.count)])
            script.later(rng.int(2), weekday: true)
            script.add(.applyForMediation(organization: org.id, oral: rng.chance(20)), worker, hour: 10)
            let applied = script.day
            if rng.chance(4) { return }  // the organization never answers: overdue, and the term runs out
            script.later(1 + rng.int(2), weekday: true)
            script.add(.acceptMediation, orgActor, hour: 9)
            script.add(.assignMediator(mediator: mediator.id), orgActor, hour: 10)
            if rng.chance(18) {
                script.day = max(script.day, applied + 3 + rng.int(9))
                script.add(.recordMediationFailure(reason: "the parties' positions remain too far apart"), mediator, hour: 16)
                arbitration()
                return
            }
            script.day = max(script.day, applied + 2 + rng.int(9))
            let performBy = script.day + 15 + rng.int(26)
            script.add(.signMediationAgreement(MediationAgreement(
                terms: "用人单位支付 \(claims[0].amount ?? 0) 元", performBy: Self.at(performBy, 0),
                signatures: Signatures(worker: true, employer: true, mediator: true, organizationSeal: true))), mediator, hour: 15)
            script.add(.issuePerformanceNotice(PerformanceNotice(capacityAssessment: rng.chance(80) ? "able to pay in full" : "able to pay in instalments")), orgActor, hour: 16)
            // Arbitration review does not take agreements on confirming a labor relationship.
            if rng.chance(8), !claims.contains(where: { $0.type == .laborRelationship }) {
                script.later(1 + rng.int(5))
                script.add(.applyForArbitrationReview, worker, hour: 10)
                script.later(1 + rng.int(2), weekday: true)
                script.add(.acceptArbitrationReview, committee, hour: 10)
                script.later(1 + rng.int(3))
                script.add(.issueMediationDocument, committee, hour: 15)
                return
            }
            if rng.chance(6) {
                script.later(1 + rng.int(10))
                script.add(.applyForJudicialConfirmation, worker, hour: 10)
                script.later(1, weekday: true)
                script.add(.acceptJudicialConfirmation, court, hour: 10)
                script.later(3 + rng.int(8))
                script.add(.recordJudicialConfirmation(confirmed: true), court, hour: 15)
                return
            }
            script.later(3 + rng.int(5))
            if rng.chance(90) { script.add(.recordReturnVisit(note: "电话回访，当事人满意"), mediator, hour: 14) }
            if rng.chance(88) {
                script.day = max(script.day, performBy - 1 - rng.int(5))
                script.add(.recordPerformance(performed: true), employer, hour: 10)
                return
            }
            script.day = performBy + 1
            script.add(.recordPerformance(performed: false), worker, hour: 10)
            if claims[0].type == .remuneration || claims[0].type == .compensation || claims[0].type == .workInjuryMedical {
                script.later(1 + rng.int(4))
                script.add(.applyForPaymentOrder, worker, hour: 10)
                script.later(1 + rng.int(3))
                script.add(.acceptPaymentOrder, court, hour: 10)
                script.later(3 + rng.int(8))
                script.add(.recordPaymentOrder(issued: true, objected: false), court, hour: 15)
                if rng.chance(30) {
                    script.later(3 + rng.int(8))
                    script.add(.recordPaymentOrder(issued: true, objected: true), court, hour: 15)
                }
                // Otherwise the employer neither pays nor objects: the order becomes enforceable.
            } else {
                arbitration()
            }
        }

        let path = rng.int(100)
        switch path {
        case 0..<20:
            script.add(.proposeNegotiation, worker, hour: 14)
            script.later(1 + rng.int(3))
            script.add(.answerNegotiation(accept: true), employer, hour: 10)
            script.later(2 + rng.int(7))
            let performBy = script.day + 10 + rng.int(21)
            let both = rng.chance(85)
            script.add(.signSettlement(SettlementAgreement(
                terms: "分期支付 \(claims[0].amount ?? 0) 元", performBy: Self.at(performBy, 0), workerArchiveConsent: true, employerArchiveConsent: both,
                privilegedFacts: rng.chance(30) ? ["用人单位承认曾要求加班未付加班费"] : [])), worker, hour: 15)
            if rng.chance(92) {
                script.day = max(script.day + 1, performBy - 1 - rng.int(5))
                script.add(.recordPerformance(performed: true), employer, hour: 10)
            } else {
                script.day = performBy + 1
                script.add(.recordPerformance(performed: false), worker, hour: 10)
                mediation()
            }
        case 20..<25:
            script.add(.proposeNegotiation, worker, hour: 14)  // never answered: deemed refused
        case 25..<72:
            mediation()
        case 72..<80:
            arbitration()
        case 80..<85:
            script.later(rng.int(3))
            let org = orgs[rng.int(orgs.count)]
            script.add(.entrustMediation(kind: .courtDelegated, organization: org.id, reference: "(\(2025 + script.day / 365))\(code)诉前调\(n)号"), court, hour: 10)
            script.later(5 + rng.int(16))
            let success = rng.chance(65)
            script.add(.reportEntrustedResult(success: success), Actor(.organization, org.id), hour: 16)
            if !success { arbitration() }
        case 85..<90:
            if rng.chance(50) { script.add(.proposeNegotiation, worker, hour: 14) }
            script.later(1 + rng.int(4))
            script.add(.withdrawCase, worker, hour: 11)
        default:
            arbitration()
        }
        return script.lines
    }

    /// One case's commands, built step by step; steps after ``lastCommandDay`` are dropped.
    struct Script {
        let caseID: StreamID
        let prefix: String
        var day: Int
        var lines: [VocabularyLine] = []
        var stopped = false

        mutating func later(_ days: Int, weekday: Bool = false) {
            day = weekday ? DemoWorkload.weekdays(after: day, max(days, 0)) : day + days
        }

        mutating func add(_ command: CaseCommand, _ actor: Actor, hour: Int) {
            // Once one step falls past the last command day, the case's later steps do too.
            guard !stopped, day <= DemoWorkload.lastCommandDay else {
                stopped = true
                return
            }
            let at = DemoWorkload.at(day, hour, lines.count % 60)
            if case .caseCommand(let last)? = lines.last, at <= last.at {
                // Keep the steps in order when two fall in the same hour.
                lines.append(line(command, actor, Timestamp(millisecondsSinceEpoch: last.at.millisecondsSinceEpoch + 60_000)))
            } else {
                lines.append(line(command, actor, at))
            }
        }

        func line(_ command: CaseCommand, _ actor: Actor, _ at: Timestamp) -> VocabularyLine {
            .caseCommand(CaseCommandLine(id: "\(prefix)-\(lines.count + 1)", at: at, actor: actor, caseID: caseID, command: command))
        }
    }
}

/// SplitMix64: small, fast and the same on every platform, so a seed gives the same workload everywhere.
struct DemoRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// 0 ..< n.
    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    /// True `percent` times in 100.
    mutating func chance(_ percent: Int) -> Bool { int(100) < percent }
}
