public import DocketCore
public import DocketEngine

/// The deadlines of the dispute process (DOMAIN.md, "DEADLINES").
public enum DeadlineRule: String, Hashable, Sendable, Codable, CaseIterable {
    /// The other party answers a negotiation proposal; on expiry the proposal is deemed refused.
    case answerNegotiation
    /// A mediation organization accepts an application; on expiry the acceptance is flagged overdue.
    case acceptMediation
    /// Mediation concludes; on expiry a party may apply for arbitration.
    case concludeMediation
    /// The parties apply for arbitration review of a mediation agreement; on expiry review is no
    /// longer available.
    case applyForArbitrationReview
    /// The committee decides an arbitration review (extendable by the same again).
    case decideArbitrationReview
    /// The parties apply for judicial confirmation; on expiry confirmation is no longer available.
    case applyForJudicialConfirmation
    /// A court accepts a confirmation application.
    case acceptJudicialConfirmation
    /// A court decides a confirmation (extendable by 10 days).
    case decideJudicialConfirmation
    /// A court accepts a payment-order application.
    case acceptPaymentOrder
    /// A court issues a payment order.
    case issuePaymentOrder
    /// The employer pays or objects to a payment order; on expiry the order is enforceable.
    case answerPaymentOrder
    /// A court's delegated (pre-filing) mediation.
    case courtDelegatedMediation
    /// A court's entrusted mediation (after filing).
    case courtEntrustedMediation
    /// A court's entrusted mediation in summary procedure.
    case courtEntrustedSummaryMediation
    /// A tribunal's entrusted mediation.
    case tribunalEntrustedMediation
    /// The committee decides on an arbitration application; on expiry the applicant may sue.
    case decideArbitrationAcceptance
    /// A copy of the application is served on the respondent.
    case serveRespondent
    /// The respondent answers.
    case respondentAnswers
    /// The award (extendable once by at most 15 days); on expiry a party may sue.
    case arbitrationAward
    /// A party sues after an award; on expiry the award takes effect.
    case sueAfterAward
    /// The employer applies to set a final award aside.
    case setAsideFinalAward
    /// The arbitration limitation period, from when the infringement was known.
    case arbitrationLimitation
    /// The approved extension of an arbitration review (+5 days).
    case arbitrationReviewExtension
    /// The extension of a court's confirmation decision (+10 days).
    case judicialConfirmationExtension
    /// The shortest notice of an arbitration hearing (5 days ahead).
    case hearingNotice
}

/// The deadline figures as data: the default reproduces DOMAIN.md's table; a region overrides any
/// figure. Periods are counted as `HolidayCalendar` counts them: the triggering day is not counted,
/// and a calendar-day period that ends on a non-working day moves to the next working day.
public struct DeadlinePolicy: Hashable, Sendable, Codable {
    /// The period of each rule.
    public var periods: [DeadlineRule: PeriodRule]

    /// Creates a policy.
    public init(periods: [DeadlineRule: PeriodRule]) { self.periods = periods }

    /// DOMAIN.md's table.
    public static let standard = DeadlinePolicy(periods: [
        .answerNegotiation: PeriodRule(length: 5, unit: .calendarDays),
        .acceptMediation: PeriodRule(length: 3, unit: .workingDays),
        .concludeMediation: PeriodRule(length: 15, unit: .calendarDays),
        .applyForArbitrationReview: PeriodRule(length: 15, unit: .calendarDays),
        .decideArbitrationReview: PeriodRule(length: 5, unit: .calendarDays),
        .applyForJudicialConfirmation: PeriodRule(length: 30, unit: .calendarDays),
        .acceptJudicialConfirmation: PeriodRule(length: 3, unit: .calendarDays),
        .decideJudicialConfirmation: PeriodRule(length: 15, unit: .calendarDays),
        .acceptPaymentOrder: PeriodRule(length: 5, unit: .calendarDays),
        .issuePaymentOrder: PeriodRule(length: 15, unit: .calendarDays),
        .answerPaymentOrder: PeriodRule(length: 15, unit: .calendarDays),
        .courtDelegatedMediation: PeriodRule(length: 30, unit: .calendarDays),
        .courtEntrustedMediation: PeriodRule(length: 15, unit: .calendarDays),
        .courtEntrustedSummaryMediation: PeriodRule(length: 7, unit: .calendarDays),
        .tribunalEntrustedMediation: PeriodRule(length: 10, unit: .calendarDays),
        .decideArbitrationAcceptance: PeriodRule(length: 5, unit: .calendarDays),
        .serveRespondent: PeriodRule(length: 5, unit: .calendarDays),
        .respondentAnswers: PeriodRule(length: 10, unit: .calendarDays),
        .arbitrationAward: PeriodRule(length: 45, unit: .calendarDays),
        .sueAfterAward: PeriodRule(length: 15, unit: .calendarDays),
        .setAsideFinalAward: PeriodRule(length: 30, unit: .calendarDays),
        .arbitrationLimitation: PeriodRule(length: 1, unit: .years),
        .arbitrationReviewExtension: PeriodRule(length: 5, unit: .calendarDays),
        .judicialConfirmationExtension: PeriodRule(length: 10, unit: .calendarDays),
        .hearingNotice: PeriodRule(length: 5, unit: .calendarDays, rollsToWorkingDay: false),
    ])

    /// This policy with `overrides` replacing some figures.
    public func overriding(_ overrides: [DeadlineRule: PeriodRule]) -> DeadlinePolicy {
        DeadlinePolicy(periods: periods.merging(overrides) { _, new in new })
    }

    /// The period of a rule (the standard one if this policy lacks it).
    public func period(_ rule: DeadlineRule) -> PeriodRule {
        periods[rule] ?? DeadlinePolicy.standard.periods[rule]!
    }
}

/// The rules a case is decided under: the deadline policy, the working-day calendar and the region
/// profiles.
public struct CaseRules: Sendable {
    /// The deadline figures.
    public var policy: DeadlinePolicy
    /// Working days and holidays.
    public var calendar: HolidayCalendar
    /// The offset of the case's time zone from UTC, in seconds (China: +8 hours).
    public var utcOffsetSeconds: Int
    /// Region profiles by id; when not empty, a case must be registered under one of them.
    public var regions: [String: RegionProfile]

    /// Creates rules.
    public init(policy: DeadlinePolicy = .standard, calendar: HolidayCalendar, utcOffsetSeconds: Int = 8 * 3600, regions: [String: RegionProfile] = [:]) {
        self.policy = policy
        self.calendar = calendar
        self.utcOffsetSeconds = utcOffsetSeconds
        self.regions = regions
    }

    /// The shipped rules: the standard policy, the bundled holiday calendar and region profiles.
    public static func bundled() throws -> CaseRules {
        CaseRules(calendar: try HolidayCalendar.bundled(), regions: try RegionProfile.bundled())
    }

    /// The period of a rule in a region: the region's override, else the policy's.
    public func period(_ rule: DeadlineRule, region: String?) -> PeriodRule {
        if let region, let o = regions[region]?.deadlineOverrides[rule.rawValue], let unit = PeriodUnit(rawValue: o.unit), o.length >= 0 {
            return PeriodRule(length: o.length, unit: unit)
        }
        return policy.period(rule)
    }

    /// The instant a rule's period, started at `trigger`, runs out (in `region`, when given).
    public func expiry(_ rule: DeadlineRule, from trigger: Timestamp, region: String? = nil) throws(CaseRejection) -> Timestamp {
        do {
            return try calendar.expiry(of: period(rule, region: region), from: trigger, utcOffsetSeconds: utcOffsetSeconds)
        } catch {
            throw CaseRejection(.calendarNotCovered, "the \(rule.rawValue) period from \(trigger) cannot be counted: \(error.message)")
        }
    }

    /// The local day (`YYYY-MM-DD`) an instant falls in, in the case's time zone.
    public func localDay(_ instant: Timestamp) -> String {
        CalendarDay(containing: instant, utcOffsetSeconds: utcOffsetSeconds).description
    }

    /// The instant a date-only limit (a performance date given as that day) runs out: the start of
    /// the next day, local time.
    public func endOfDay(_ instant: Timestamp) -> Timestamp {
        CalendarDay(containing: instant, utcOffsetSeconds: utcOffsetSeconds).adding(days: 1).start(utcOffsetSeconds: utcOffsetSeconds)
    }
}

// Enums with raw values hash their raw string by default; these are dictionary keys and set
// members on every command (deadlines, rules, remedies), so they hash their case (one byte) instead.
// Equal cases give equal bytes, so hashing stays consistent with `==`.
@inline(__always) func hashCase<T>(_ value: T, into hasher: inout Hasher) {
    withUnsafeBytes(of: value) { hasher.combine(bytes: $0) }
}

extension DeadlineRule {
    /// Hashes the case, not its raw string.
    public func hash(into hasher: inout Hasher) { hashCase(self, into: &hasher) }
}

extension CaseDeadline {
    /// Hashes the case, not its raw string.
    public func hash(into hasher: inout Hasher) { hashCase(self, into: &hasher) }
}

extension Remedy {
    /// Hashes the case, not its raw string.
    public func hash(into hasher: inout Hasher) { hashCase(self, into: &hasher) }
}

extension Stage {
    /// Hashes the case, not its raw string.
    public func hash(into hasher: inout Hasher) { hashCase(self, into: &hasher) }
}

extension Outcome {
    /// Hashes the case, not its raw string.
    public func hash(into hasher: inout Hasher) { hashCase(self, into: &hasher) }
}
