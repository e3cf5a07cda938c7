public import DocketCore
import Foundation

/// The length of a statistics period.
public enum StatisticsPeriod: String, Hashable, Sendable, Codable, CaseIterable {
    /// Calendar months (`2026-03`).
    case month
    /// Calendar quarters (`2026-Q1`).
    case quarter
    /// Calendar years (`2026`).
    case year

    /// The period an instant falls in, counted in China Standard Time (UTC+8), like the cases' days.
    public func label(_ t: Timestamp) -> String {
        let local = t.millisecondsSinceEpoch + 8 * 3_600_000
        let days = Int(local.floorDiv(86_400_000))
        let (y, m, _) = civil(days)
        switch self {
        case .month: return String(format: "%04d-%02d", y, m)
        case .quarter: return "\(y)-Q\((m - 1) / 3 + 1)"
        case .year: return "\(y)"
        }
    }

    /// Year, month and day of a day count since 1970-01-01 (proleptic Gregorian).
    func civil(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}

extension Int64 {
    fileprivate func floorDiv(_ d: Int64) -> Int64 { self >= 0 ? self / d : -((-self + d - 1) / d) }
}

/// Which cases a statistics report counts. Every filter left `nil` counts all.
public struct StatisticsFilter: Hashable, Sendable, Codable {
    /// Cases registered under this region.
    public var region: String?
    /// Cases an organization took (applied to or entrusted with).
    public var organization: String?
    /// Cases a mediator was assigned to.
    public var mediator: String?
    /// Cases with a claim of this type.
    public var disputeType: DisputeType?
    /// Cases of this key group.
    public var group: KeyGroup?

    /// A filter.
    public init(region: String? = nil, organization: String? = nil, mediator: String? = nil, disputeType: DisputeType? = nil, group: KeyGroup? = nil) {
        self.region = region
        self.organization = organization
        self.mediator = mediator
        self.disputeType = disputeType
        self.group = group
    }

    /// The record passes the filter.
    public func includes(_ r: CaseRecord) -> Bool {
        if let region, r.region != region { return false }
        if let organization, !r.organizations.contains(organization) { return false }
        if let mediator, !r.mediators.contains(mediator) { return false }
        if let disputeType, !r.disputeTypes.contains(disputeType) { return false }
        if let group, !r.groups.contains(group) { return false }
        return true
    }
}

/// A count out of a total, with its share (nil when the total is 0).
public struct Rate: Hashable, Sendable, Codable {
    /// The cases that meet the measure.
    public var count: Int
    /// The cases measured.
    public var of: Int
    /// `count / of`, or nil when nothing was measured.
    public var share: Double? { of == 0 ? nil : Double(count) / Double(of) }

    mutating func add(_ met: Bool) {
        of += 1
        if met { count += 1 }
    }

    enum CodingKeys: String, CodingKey { case count, of, share }
    /// Encodes count, of and share.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(count, forKey: .count)
        try c.encode(of, forKey: .of)
        try c.encode(share, forKey: .share)
    }
    /// Decodes count and of.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        count = try c.decode(Int.self, forKey: .count)
        of = try c.decode(Int.self, forKey: .of)
    }
    init() {
        count = 0
        of = 0
    }
}

/// Durations of a stage, in days.
public struct DurationFigures: Hashable, Sendable, Codable {
    /// Spans measured.
    public var count: Int
    /// Median, in days.
    public var medianDays: Double
    /// Mean, in days.
    public var meanDays: Double
}

/// The figures of one period (or of all periods together).
public struct PeriodFigures: Hashable, Sendable, Codable {
    /// `2026-03`, `2026-Q1`, `2026`, or `all`.
    public var period: String
    /// Cases registered in the period.
    public var opened = 0
    /// Cases closed in the period.
    public var closed = 0
    /// The headline: cases closed in the period by negotiation or mediation, out of all closed.
    public var resolvedByNegotiationAndMediation = Rate()
    /// Cases closed in the period that went to a court for a judgment, or are in litigation.
    public var litigation = 0
    /// Cases closed in the period, by outcome.
    public var outcomes: [String: Int] = [:]
    /// Mediation applications accepted within 3 working days, out of applications decided in the period.
    public var mediationAcceptedInTime = Rate()
    /// Mediations that ended in the period with an agreement within their term, out of all that ended.
    public var mediationConcludedInTime = Rate()
    /// Awards issued in time (45 days, or 60 when extended), out of awards of cases closed in the period.
    public var awardsInTime = Rate()
    /// Agreements performed on time, out of agreements that fell due (cases closed in the period).
    public var agreementsPerformed = Rate()
    /// Mediation agreements taken to arbitration review, out of mediation agreements (cases closed in the period).
    public var arbitrationReview = Rate()
    /// Mediation agreements taken to judicial confirmation, out of mediation agreements.
    public var judicialConfirmation = Rate()
    /// Entrusted mediations that succeeded, out of entrusted mediations that ended.
    public var entrustedMediation = Rate()
    /// Return visits recorded on cases closed in the period.
    public var returnVisits = 0
    /// Durations of each stage that ended in the period.
    public var durations: [String: DurationFigures] = [:]

    init(period: String) { self.period = period }
}

/// A mediator's caseload and success.
public struct MediatorFigures: Hashable, Sendable, Codable {
    /// The mediator.
    public var mediator: String
    /// Cases assigned.
    public var cases: Int
    /// Of those, still open.
    public var open: Int
    /// Closed by mediation (an agreement, whatever confirmed it), out of the mediator's closed cases.
    public var success: Rate
}

/// A statistics report (统计报告).
public struct StatisticsReport: Hashable, Sendable, Codable {
    /// The period length.
    public var period: StatisticsPeriod
    /// The filter applied.
    public var filter: StatisticsFilter
    /// "As of" instant, if the report was asked for one.
    public var asOf: Timestamp?
    /// All periods together.
    public var totals: PeriodFigures
    /// One entry per period in which a case opened or closed, in order.
    public var periods: [PeriodFigures]
    /// Open cases by stage, at the report's instant.
    public var pendingByStage: [String: Int]
    /// Mediators by caseload, largest first.
    public var mediators: [MediatorFigures]
}

/// Computes statistics from case records.
public enum Statistics {
    /// The outcomes that count as resolved by negotiation or mediation: a settlement; a mediation
    /// agreement, whether performed, confirmed by arbitration review (mediation document), by a court,
    /// or enforced through a payment order; and mediation by the arbitral tribunal.
    public static let negotiatedOrMediated: Set<Outcome> = [
        .settledByNegotiation, .mediated, .mediationDocument, .judiciallyConfirmed, .paymentOrder, .arbitralMediation, .courtMediation,
    ]

    /// The outcomes of a mediation that succeeded, for mediators' success rates.
    static let mediatedOutcomes: Set<Outcome> = [.mediated, .mediationDocument, .judiciallyConfirmed, .paymentOrder, .courtMediation]

    /// Computes the report.
    public static func report(_ records: [CaseRecord], period: StatisticsPeriod, filter: StatisticsFilter = StatisticsFilter(), asOf: Timestamp? = nil) -> StatisticsReport {
        var totals = PeriodFigures(period: "all")
        var byPeriod: [String: PeriodFigures] = [:]
        var durations: [String: [String: [Double]]] = [:]
        var pending: [String: Int] = [:]
        var mediators: [String: (cases: Int, open: Int, success: Rate)] = [:]
        func update(_ label: String, _ body: (inout PeriodFigures) -> Void) {
            body(&totals)
            body(&byPeriod[label, default: PeriodFigures(period: label)])
        }
        for r in records where r.state.stage != .unregistered && filter.includes(r) {
            update(period.label(r.openedAt)) { $0.opened += 1 }
            if r.state.stage != .closed { pending[r.state.stage.rawValue, default: 0] += 1 }
            for m in Set(r.mediators) {
                var f = mediators[m] ?? (0, 0, Rate())
                f.cases += 1
                if r.state.stage != .closed { f.open += 1 } else { f.success.add(r.state.outcome.map { mediatedOutcomes.contains($0) } ?? false) }
                mediators[m] = f
            }
            for (i, entry) in r.stages.enumerated() where i + 1 < r.stages.count && entry.stage != .closed {
                let end = r.stages[i + 1].since
                let days = Double(end.millisecondsSinceEpoch - entry.since.millisecondsSinceEpoch) / 86_400_000
                for label in ["all", period.label(end)] { durations[label, default: [:]][entry.stage.rawValue, default: []].append(days) }
            }
            if let applied = r.mediationAppliedAt {
                update(period.label(r.mediationEndedAt ?? applied)) { f in
                    if r.state.mediationAccepted || r.state.mediationAcceptanceOverdue || r.mediationEndedAt != nil {
                        f.mediationAcceptedInTime.add(!r.state.mediationAcceptanceOverdue && r.state.mediationAccepted)
                    }
                    if let inTime = r.mediationConcludedInTime { f.mediationConcludedInTime.add(inTime) }
                }
            }
            guard r.state.stage == .closed, let closedAt = r.closedAt else { continue }
            update(period.label(closedAt)) { f in
                f.closed += 1
                let outcome = r.state.outcome
                f.resolvedByNegotiationAndMediation.add(outcome.map { negotiatedOrMediated.contains($0) } ?? false)
                if outcome == .judgment || r.stages.contains(where: { $0.stage == .litigation }) { f.litigation += 1 }
                if let outcome { f.outcomes[outcome.rawValue, default: 0] += 1 }
                if let inTime = r.awardInTime { f.awardsInTime.add(inTime) }
                for _ in 0..<r.agreementsPerformed { f.agreementsPerformed.add(true) }
                for _ in 0..<r.agreementsNotPerformed { f.agreementsPerformed.add(false) }
                if r.state.mediationAgreement != nil {
                    f.arbitrationReview.add(r.reviewApplied)
                    f.judicialConfirmation.add(r.confirmationApplied)
                }
                if let s = r.entrustedSucceeded { f.entrustedMediation.add(s) }
                f.returnVisits += r.state.returnVisits
            }
        }
        func figures(_ values: [Double]) -> DurationFigures {
            let sorted = values.sorted()
            let n = sorted.count
            let median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
            return DurationFigures(count: n, medianDays: median, meanDays: sorted.reduce(0, +) / Double(n))
        }
        totals.durations = (durations["all"] ?? [:]).mapValues(figures)
        for (label, stages) in durations where label != "all" {
            byPeriod[label, default: PeriodFigures(period: label)].durations = stages.mapValues(figures)
        }
        return StatisticsReport(
            period: period, filter: filter, asOf: asOf, totals: totals,
            periods: byPeriod.values.sorted { $0.period < $1.period }, pendingByStage: pending,
            mediators: mediators.map { MediatorFigures(mediator: $0.key, cases: $0.value.cases, open: $0.value.open, success: $0.value.success) }
                .sorted { ($0.cases, $1.mediator) > ($1.cases, $0.mediator) })
    }
}
