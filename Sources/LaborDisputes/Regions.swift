public import Foundation

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

    /// Roster rules of the plan.
    public struct RosterRules: Hashable, Sendable, Codable {
        public var filingRequiredBeforeAccepting: Bool
        public var noticeToCourt: Bool
        public var mediatorGrading: Bool
        public var fullTimeMediatorPerOneStopWindow: Bool
    }

    public var id: String
    public var name: String
    public var nameEnglish: String
    public var level: String
    public var timeZone: String
    public var seed: String
    public var intakeChannels: [Channel]
    public var oneWindowIntake: Bool
    public var singleIntakeWithInspection: Bool
    public var organizationKinds: [String]
    public var rosterRules: RosterRules
    public var reviewOrConfirmationOnlyWhereNeeded: Bool
    public var paymentOrders: Bool
    public var expertPool: Bool
    public var invitedMediationRoster: Bool
    public var minimumWage: MinimumWage
    public var finalAwardThresholdYuan: Decimal
    /// Deadline figures the region sets differently (none of the five plans does).
    public var deadlineOverrides: [String: PeriodOverride]
    public var notes: [String]

    /// A deadline figure a region overrides.
    public struct PeriodOverride: Hashable, Sendable, Codable {
        public var length: Int
        public var unit: String
    }

    /// The largest amount a claim may have for its award item to be final (12 × the monthly minimum wage).
    public var finalAwardThreshold: Decimal { minimumWage.monthlyYuan * 12 }

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
