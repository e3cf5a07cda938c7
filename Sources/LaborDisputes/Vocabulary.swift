public import DocketCore
public import Foundation

/// Who gives a command, by role (DOMAIN.md, "Who acts"), and their id.
public struct Actor: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The roles of the command vocabulary.
    public enum Role: String, Hashable, Sendable, Codable, CaseIterable {
        case worker, employer, union, mediator, organization, arbitrator, committee, court, inspection, registrar, system
    }

    /// The actor's role.
    public var role: Role
    /// The actor's id (a person's or a body's).
    public var id: String

    /// Creates an actor.
    public init(_ role: Role, _ id: String) {
        self.role = role
        self.id = id
    }

    /// The actor as the engine records it: `role:id`.
    public var description: String { "\(role.rawValue):\(id)" }

    /// Parses `role:id`, or returns `nil`.
    public init?(recorded text: String) {
        guard let colon = text.firstIndex(of: ":"), let role = Role(rawValue: String(text[..<colon])) else { return nil }
        self.init(role, String(text[text.index(after: colon)...]))
    }

    /// The deadline scheduler, which sends `expireDeadline`.
    public static let scheduler = Actor(.system, "deadline")

    /// Whether the actor is one of the two sides of a case.
    public var isParty: Bool { role == .worker || role == .employer }
}

/// How a dispute reached Docket (DOMAIN.md, lifecycle step 1).
public enum Channel: String, Hashable, Sendable, Codable, CaseIterable {
    case inPerson, online, phone, inspectionTransfer, courtReferral, industryReferral
}

/// The type of a claim (DOMAIN.md, "Dispute types and groups").
public enum DisputeType: String, Hashable, Sendable, Codable, CaseIterable {
    case laborRelationship, remuneration, workingHours, dismissal, socialInsurance, compensation, workInjuryMedical, personnel, other
}

/// A key group of workers (重点群体).
public enum KeyGroup: String, Hashable, Sendable, Codable, CaseIterable {
    case migrantWorkers, dispatchedWorkers, newEmploymentForms, graduates
}

/// A side of the dispute.
public struct Party: Hashable, Sendable, Codable {
    /// `worker` or `employer`.
    public var role: Actor.Role
    /// The party's id (the actor id it acts under).
    public var id: String
    /// The party's name.
    public var name: String

    /// Creates a party.
    public init(role: Actor.Role, id: String, name: String) {
        self.role = role
        self.id = id
        self.name = name
    }
}

/// One claim of a case: its type and, where it is money, the amount in yuan; for the arbitration
/// limitation period, when the infringement was known and whether the worker is still employed.
public struct Claim: Hashable, Sendable, Codable {
    /// The claim's type.
    public var type: DisputeType
    /// The amount claimed, in yuan, when the claim is for money.
    public var amount: Decimal?
    /// When the party knew or should have known of the infringement (the limitation period runs
    /// from it); `nil` when not stated.
    public var knownAt: Timestamp?
    /// For a remuneration claim: the labor relationship still exists (such a claim is not
    /// time-barred during employment, LDMAL art. 27).
    public var duringEmployment: Bool?

    /// Creates a claim.
    public init(type: DisputeType, amount: Decimal? = nil, knownAt: Timestamp? = nil, duringEmployment: Bool? = nil) {
        self.type = type
        self.amount = amount
        self.knownAt = knownAt
        self.duringEmployment = duringEmployment
    }
}
