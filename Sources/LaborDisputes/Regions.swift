public import Foundation
import DocketEngine

/// What a region's plan adds on top of national law (`Specs/regions/`, one file per region). A
/// profile never removes a right the law gives.
public struct RegionProfile: Hashable, Sendable, Codable {
    /// The monthly minimum wage the final-award threshold is computed from.
    public struct MinimumWage: Hashable, Sendable, Codable {
        /// Monthly, in yuan.
        public var monthlyYuan: Decimal
        /// When it took effect (`YYYY-MM-DD`), if known.
        public var effective: String?
        /// Which area or tier it is.
        public var appliesTo: String
        /// Where the figure comes from.
        public var source: String
        /// How far it was verified.
        public var checked: String
    }

    /// A monthly minimum wage that was in force before the current one.
    public struct EarlierMinimumWage: Hashable, Sendable, Codable {
        /// Monthly, in yuan.
        public var monthlyYuan: Decimal
        /// The first day it was in force (`YYYY-MM-DD`).
        public var from: String
        /// Where the figure comes from.
        public var source: String
    }

    /// Roster rules of the plan.
    public struct RosterRules: Hashable, Sendable, Codable {
        /// An organization must be filed (备案) with judicial administration and the industry
        /// authority before it accepts cases.
        public var filingRequiredBeforeAccepting: Bool
        /// The filing is also notified to the basic people's court.
        public var noticeToCourt: Bool
        /// Mediators are graded (调解员等级评定).
        public var mediatorGrading: Bool
        /// Each window of a one-stop center has at least one full-time people's mediator.
        public var fullTimeMediatorPerOneStopWindow: Bool
    }

    /// The stable key, used as `region` in commands.
    public var id: String
    /// The region's name in Chinese.
    public var name: String
    /// The region's name in English.
    public var nameEnglish: String
    /// `province` (including the municipalities) or `county`.
    public var level: String
    /// The IANA time zone in which the region counts days.
    public var timeZone: String
    /// The file name of the seed plan the profile is drawn from.
    public var seed: String
    /// The intake channels the plan names (`inPerson` always).
    public var intakeChannels: [Channel]
    /// The plan provides for one-window (一窗式) intake and transfer.
    public var oneWindowIntake: Bool
    /// Labor inspection and arbitration share one intake (Shanghai: 监察仲裁一口受理).
    public var singleIntakeWithInspection: Bool
    /// The mediation organization kinds the plan builds.
    public var organizationKinds: [String]
    /// The plan's roster rules.
    public var rosterRules: RosterRules
    /// Organizations steer parties to arbitration review or judicial confirmation only when they
    /// need it; the parties' own right to apply is unchanged.
    public var reviewOrConfirmationOnlyWhereNeeded: Bool
    /// The plan promotes payment orders (`false`: it is silent; LDMAL art. 16 applies everywhere).
    public var paymentOrders: Bool
    /// The plan sets up a mediation expert pool (调解专家库).
    public var expertPool: Bool
    /// The plan puts organizations and mediators on the courts' invited-mediation roster (特邀调解名册).
    public var invitedMediationRoster: Bool
    /// The monthly minimum wage the final-award threshold is computed from.
    public var minimumWage: MinimumWage
    /// The per-claim ceiling for a final award, as stated in the file; loading checks it equals
    /// ``finalAwardThreshold``.
    public var finalAwardThresholdYuan: Decimal
    /// Deadline figures the region sets differently (none of the five plans does).
    public var deadlineOverrides: [String: PeriodOverride]
    /// Short notes on what is specific to the region, each citing the seed plan.
    public var notes: [String]

    /// A deadline figure a region overrides.
    public struct PeriodOverride: Hashable, Sendable, Codable {
        /// The period's length.
        public var length: Int
        /// Its unit: a `PeriodUnit` raw value (`calendarDays`, `workingDays`, `years`).
        public var unit: String
    }

    /// The largest amount a claim may have for its award item to be final (12 × the monthly minimum wage).
    public var finalAwardThreshold: Decimal { minimumWage.monthlyYuan * 12 }

    /// Earlier monthly minimum wages, for awards made before the current one took effect (optional).
    public var earlierMinimumWages: [EarlierMinimumWage]?

    /// The final-award threshold on a day (`YYYY-MM-DD`, the region's local date): 12 times the
    /// monthly minimum wage in force that day (the latest earlier figure that had taken effect, or
    /// the current one once it has).
    public func finalAwardThreshold(on day: String) -> Decimal {
        guard let effective = minimumWage.effective, day < effective else { return finalAwardThreshold }
        let earlier = (earlierMinimumWages ?? []).filter { $0.from <= day }.max { $0.from < $1.from }
        return (earlier?.monthlyYuan ?? minimumWage.monthlyYuan) * 12
    }

    /// The profiles shipped with Docket, by id.
    public static func bundled() throws -> [String: RegionProfile] {
        guard let dir = Bundle.module.url(forResource: "Regions", withExtension: nil) else {
            throw RegionError("the bundled region profiles are missing")
        }
        return try load(directory: dir)
    }

    /// Loads every `*.json` profile in a directory, checking each file's threshold.
    public static func load(directory: URL) throws -> [String: RegionProfile] {
        var out: [String: RegionProfile] = [:]
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
        for file in files {
            let profile: RegionProfile
            do { profile = try JSONDecoder().decode(RegionProfile.self, from: Data(contentsOf: file)) } catch {
                throw RegionError("region file \(file.lastPathComponent) is malformed: \(error)")
            }
            guard profile.finalAwardThresholdYuan == profile.finalAwardThreshold else {
                throw RegionError("region file \(file.lastPathComponent): finalAwardThresholdYuan \(profile.finalAwardThresholdYuan) is not 12 × \(profile.minimumWage.monthlyYuan)")
            }
            for (rule, o) in profile.deadlineOverrides {
                guard DeadlineRule(rawValue: rule) != nil, PeriodUnit(rawValue: o.unit) != nil, o.length >= 0 else {
                    throw RegionError("region file \(file.lastPathComponent): the override of \(rule) (\(o.length) \(o.unit)) names an unknown rule or unit, or a negative length")
                }
            }
            guard out.updateValue(profile, forKey: profile.id) == nil else { throw RegionError("two region files have id \(profile.id)") }
        }
        return out
    }
}

/// A region profile could not be loaded.
public struct RegionError: Error, CustomStringConvertible, Sendable {
    /// What is wrong.
    public let description: String
    init(_ description: String) { self.description = description }
}
