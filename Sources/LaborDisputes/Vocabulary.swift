public import DocketCore
public import Foundation

/// Who gives a command, by role (DOMAIN.md, "Who acts"), and their id.
public struct Actor: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The roles of the command vocabulary.
    public enum Role: String, Hashable, Sendable, Codable, CaseIterable {
        /// The worker (劳动者) or personnel-dispute staff member: a party, usually the applicant.
        case worker
        /// The employer (用人单位), for a personnel dispute a public institution: the other party.
        case employer
        /// A union (工会): joins negotiation, may record its failure and an agreement's performance.
        case union
        /// A mediator (调解员): signs agreements; records failures, notices and return visits.
        case mediator
        /// A mediation organization (调解组织): accepts or declines mediation, assigns mediators,
        /// extends the term and reports an entrusted mediation's result.
        case organization
        /// An arbitrator: serves the respondent, records arbitral mediation and issues the award.
        case arbitrator
        /// An arbitration committee or institute (仲裁委员会/仲裁院): accepts or refuses arbitration
        /// and arbitration review, issues mediation documents, extends the award period, entrusts
        /// mediation to an organization.
        case committee
        /// A people's court (人民法院): confirmations, payment orders, entrusted mediation, judgments.
        case court
        /// Labor inspection (劳动保障监察): registers disputes transferred from inspection.
        case inspection
        /// Intake staff who register a dispute (受理登记).
        case registrar
        /// Docket itself: the deadline scheduler, which sends `expireDeadline`.
        case system
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
    /// In person at an intake desk (one-window, 一窗式), written or oral (LDMAL art. 12).
    case inPerson
    /// Online.
    case online
    /// By telephone.
    case phone
    /// Transferred from labor inspection (Shanghai: 监察仲裁一口受理).
    case inspectionTransfer
    /// Referred by a people's court (委托移送).
    case courtReferral
    /// Referred by an industry authority (委托移送).
    case industryReferral
}

/// The type of a claim (DOMAIN.md, "Dispute types and groups").
public enum DisputeType: String, Hashable, Sendable, Codable, CaseIterable {
    /// Confirmation of a labor relationship (确认劳动关系); an agreement on it is not reviewed.
    case laborRelationship
    /// Labor remuneration, unpaid wages (追索劳动报酬); payment order; final award up to the threshold.
    case remuneration
    /// Working hours, rest and leave (工作时间、休息休假): a labor standard, its award item is final.
    case workingHours
    /// Dismissal and termination of the labor contract (解除和终止劳动合同).
    case dismissal
    /// Social insurance (社会保险); a labor-standard dispute, its award item is final.
    case socialInsurance
    /// Economic compensation and damages (经济补偿、赔偿金); payment order; final award to the threshold.
    case compensation
    /// Work-injury medical costs (工伤医疗费); payment order; final award up to the threshold.
    case workInjuryMedical
    /// A personnel-contract dispute with a public institution (人事争议).
    case personnel
    /// Any other labor dispute.
    case other
}

/// Key sectors of the risk ledger (DOMAIN.md, dispute types and groups).
public enum Sector: String, Hashable, Sendable, Codable, CaseIterable {
    /// Industrial parks.
    case industrialPark
    /// Internet firms and platforms.
    case internet
    /// Construction.
    case construction
    /// Labor-intensive manufacturing.
    case laborIntensiveManufacturing
    /// Firms in operating difficulty.
    case operatingDifficulty
    /// Anything else.
    case other
}

/// A key group of workers (重点群体).
public enum KeyGroup: String, Hashable, Sendable, Codable, CaseIterable {
    /// Migrant workers (农民工).
    case migrantWorkers
    /// Dispatched workers (劳务派遣).
    case dispatchedWorkers
    /// Workers in new forms of employment, such as platform workers (新就业形态劳动者).
    case newEmploymentForms
    /// College graduates (高校毕业生).
    case graduates
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
    /// Instants that interrupted the limitation period (a claim made to the other party, a request
    /// to an authority for help, the other party agreeing to perform): the period starts again
    /// from the latest of them (LDMAL art. 27).
    public var interruptions: [Timestamp]?
    /// Spans during which the period was suspended (force majeure or another justified reason): the
    /// period resumes when the cause ends, so it runs out later by the suspended time within it.
    public var suspensions: [Span]?

    /// A span of time.
    public struct Span: Hashable, Sendable, Codable {
        /// When it began.
        public var from: Timestamp
        /// When it ended.
        public var to: Timestamp
        /// Creates a span.
        public init(from: Timestamp, to: Timestamp) {
            self.from = from
            self.to = to
        }
    }

    /// Creates a claim.
    public init(
        type: DisputeType, amount: Decimal? = nil, knownAt: Timestamp? = nil, duringEmployment: Bool? = nil,
        interruptions: [Timestamp]? = nil, suspensions: [Span]? = nil
    ) {
        self.type = type
        self.amount = amount
        self.knownAt = knownAt
        self.duringEmployment = duringEmployment
        self.interruptions = interruptions
        self.suspensions = suspensions
    }
}
