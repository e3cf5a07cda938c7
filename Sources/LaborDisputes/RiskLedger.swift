public import Foundation

/// Themes of the risk ledger (DOMAIN.md).
public enum RiskTheme: String, Hashable, Sendable, Codable, CaseIterable {
    /// Unpaid wages (欠薪): a remuneration claim.
    case wageArrears
    /// Mass layoffs (规模裁员): dismissal claims of many workers.
    case massLayoffs
    /// Irregular employment (不规范用工): disputed labor relationships, dispatched or platform work.
    case irregularEmployment
}

/// A risk grade.
public enum RiskGrade: String, Hashable, Sendable, Codable, CaseIterable, Comparable {
    /// Nothing open and no repetition.
    case low
    /// Open disputes, or repeated ones.
    case medium
    /// Many workers, large amounts, or repeated disputes.
    case high
    /// A major dispute: emergency joint handling (重大劳动人事争议应急联合调处).
    case major

    var rank: Int { Self.allCases.firstIndex(of: self)! }
    /// Orders grades from low to major.
    public static func < (a: RiskGrade, b: RiskGrade) -> Bool { a.rank < b.rank }
}

/// The thresholds of the grades. DOMAIN.md grades "for example by workers involved and amounts
/// owed" without figures; these defaults are this project's, and every one is a setting.
public struct RiskPolicy: Hashable, Sendable, Codable {
    /// Workers in open disputes at one employer that make it a major dispute.
    public var majorWorkers = 30
    /// Amount (yuan) claimed in open disputes that makes it major.
    public var majorAmount: Decimal = 1_000_000
    /// Workers in open disputes that make the grade high.
    public var highWorkers = 10
    /// Amount claimed in open disputes that makes the grade high.
    public var highAmount: Decimal = 200_000
    /// Disputes (open or closed) at one employer that count as repeated and make the grade high.
    public var repeatedHigh = 3
    /// Workers in one dismissal case that make it a mass layoff.
    public var massLayoffWorkers = 10
    /// The defaults.
    public init() {}
}

/// One enterprise in the risk ledger (风险台账).
public struct RiskEntry: Hashable, Sendable, Codable {
    /// The employer's party id.
    public var employer: String
    /// Its name, as registered.
    public var name: String
    /// Its sectors, as registered on its cases.
    public var sectors: [Sector]
    /// Regions of its cases.
    public var regions: [String]
    /// Cases, open and closed.
    public var cases: Int
    /// Open cases.
    public var openCases: Int
    /// Workers involved in open cases.
    public var workersInvolved: Int
    /// Amount claimed in open cases (yuan).
    public var amountClaimed: Decimal
    /// Key groups in its cases.
    public var groups: [KeyGroup]
    /// Themes.
    public var themes: [RiskTheme]
    /// The grade.
    public var grade: RiskGrade
    /// A major dispute: flagged for emergency joint handling.
    public var emergencyJointHandling: Bool { grade == .major }
}

/// A sector's line in the ledger.
public struct SectorRisk: Hashable, Sendable, Codable {
    /// The sector.
    public var sector: Sector
    /// Enterprises with disputes.
    public var enterprises: Int
    /// Open cases.
    public var openCases: Int
    /// Workers involved in open cases.
    public var workersInvolved: Int
}

/// The risk ledger: enterprises and sectors with open or repeated disputes, graded.
public struct RiskLedger: Hashable, Sendable, Codable {
    /// Enterprises with an open or repeated dispute, gravest first.
    public var enterprises: [RiskEntry]
    /// Sectors, by open cases.
    public var sectors: [SectorRisk]

    /// Builds the ledger from case records.
    public static func build(_ records: [CaseRecord], policy: RiskPolicy = RiskPolicy(), filter: StatisticsFilter = StatisticsFilter()) -> RiskLedger {
        var entries: [String: RiskEntry] = [:]
        for r in records where filter.includes(r) {
            guard let reg = r.state.registration, let employer = reg.parties.first(where: { $0.role == .employer }) else { continue }
            let open = r.state.stage != .closed
            var e = entries[employer.id] ?? RiskEntry(
                employer: employer.id, name: employer.name, sectors: [], regions: [], cases: 0, openCases: 0, workersInvolved: 0,
                amountClaimed: 0, groups: [], themes: [], grade: .low)
            e.cases += 1
            if let s = reg.sector, !e.sectors.contains(s) { e.sectors.append(s) }
            if !e.regions.contains(reg.region) { e.regions.append(reg.region) }
            for g in reg.groups where !e.groups.contains(g) { e.groups.append(g) }
            var themes: [RiskTheme] = []
            let types = Set(reg.claims.map(\.type))
            if types.contains(.remuneration) { themes.append(.wageArrears) }
            if types.contains(.dismissal), reg.workersInvolved >= policy.massLayoffWorkers { themes.append(.massLayoffs) }
            if types.contains(.laborRelationship) || reg.groups.contains(.dispatchedWorkers) || reg.groups.contains(.newEmploymentForms) {
                themes.append(.irregularEmployment)
            }
            for t in themes where !e.themes.contains(t) { e.themes.append(t) }
            if open {
                e.openCases += 1
                e.workersInvolved += reg.workersInvolved
                e.amountClaimed += reg.claims.compactMap(\.amount).reduce(0, +)
            }
            entries[employer.id] = e
        }
        var out: [RiskEntry] = []
        for var e in entries.values {
            if e.openCases > 0, e.workersInvolved >= policy.majorWorkers || e.amountClaimed >= policy.majorAmount {
                e.grade = .major
            } else if e.workersInvolved >= policy.highWorkers || e.amountClaimed >= policy.highAmount || e.cases >= policy.repeatedHigh {
                e.grade = .high
            } else if e.openCases > 0 || e.cases >= 2 {
                e.grade = .medium
            } else {
                continue  // one closed dispute: not on the ledger
            }
            e.themes.sort { $0.rawValue < $1.rawValue }
            e.groups.sort { $0.rawValue < $1.rawValue }
            out.append(e)
        }
        out.sort { ($0.grade, $0.workersInvolved, $1.employer) > ($1.grade, $1.workersInvolved, $0.employer) }
        var sectors: [Sector: SectorRisk] = [:]
        for e in out {
            for s in e.sectors {
                var line = sectors[s] ?? SectorRisk(sector: s, enterprises: 0, openCases: 0, workersInvolved: 0)
                line.enterprises += 1
                line.openCases += e.openCases
                line.workersInvolved += e.workersInvolved
                sectors[s] = line
            }
        }
        return RiskLedger(enterprises: out, sectors: sectors.values.sorted { ($0.openCases, $1.sector.rawValue) > ($1.openCases, $0.sector.rawValue) })
    }
}
