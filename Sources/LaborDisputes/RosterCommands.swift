public import DocketCore
import Foundation

/// The kinds of mediation organization a roster holds (DOMAIN.md, Rosters). The raw values are the
/// names used by the region profiles' `organizationKinds`.
public enum OrganizationKind: String, Hashable, Sendable, Codable, CaseIterable {
    /// Enterprise labor-dispute mediation committee (企业劳动争议调解委员会).
    case enterpriseCommittee
    /// People's mediation committee (人民调解).
    case peoplesMediation
    /// Township or street mediation organization (乡镇（街道）).
    case townshipStreet
    /// Industry mediation organization (行业性).
    case industry
    /// Regional mediation organization (区域性).
    case regional
    /// Chamber of commerce mediation (商（协）会).
    case chamberOfCommerce
    /// Organization for new forms of employment.
    case newEmploymentForms
    /// Mediation alliance (调解联盟).
    case mediationAlliance
    /// Arbitration-institute mediation center (仲裁院调解中心).
    case arbitrationInstituteCenter
    /// Union legal service station (工会法律服务工作站).
    case unionLegalServiceStation
    /// Tripartite joint mediation center (Huilai: 三方联合调解中心).
    case tripartiteCenter
    /// One-stop dispute center (一站式矛盾纠纷调解中心).
    case oneStopCenter
    /// Joint mediation office (Tianjin: 联合调解工作室).
    case jointMediationOffice
}

/// An organization's standing on the roster.
public enum OrganizationStatus: String, Hashable, Sendable, Codable, CaseIterable {
    /// Accepts applications.
    case active
    /// Suspended: accepts no application until reinstated.
    case suspended
    /// Dissolved: for good.
    case dissolved
}

/// Where an organization is filed (备案), or notified.
public enum FilingAuthority: String, Hashable, Sendable, Codable, CaseIterable {
    /// Judicial administration (司法行政): the filing that Qinghai requires before an organization accepts cases.
    case judicialAdministration
    /// The industry authority.
    case industryAuthority
    /// The notice to the basic people's court (Qinghai).
    case basicCourt
}

/// A distinction an organization has been awarded.
public enum Distinction: String, Hashable, Sendable, Codable, CaseIterable {
    /// National gold-medal mediation organization (全国金牌调解组织).
    case nationalGoldMedal
    /// Provincial standardized organization (省级规范化).
    case provincialStandardized
}

/// Where a mediator comes from.
public enum MediatorSource: String, Hashable, Sendable, Codable, CaseIterable {
    /// A practising lawyer.
    case lawyer
    /// A retired judge.
    case retiredJudge
    /// A retired prosecutor.
    case retiredProsecutor
    /// A legal scholar.
    case legalScholar
    /// An arbitrator.
    case arbitrator
    /// A labor relations coordinator (劳动关系协调员).
    case laborRelationsCoordinator
    /// A union officer.
    case unionOfficer
    /// Anyone else.
    case other
}

/// Which roster entry a roster command addresses: an organization, a mediator or an arbitrator.
public enum RosterSubject: Hashable, Sendable, CustomStringConvertible {
    /// A mediation organization.
    case organization(String)
    /// A mediator.
    case mediator(String)
    /// An arbitrator (liaison areas).
    case arbitrator(String)

    /// The roster stream's prefixes; case ids may not start with one of them.
    public static let streamPrefixes = ["organization/", "mediator/", "arbitrator/"]

    /// The stream holding the entry's history: `organization/ID`, `mediator/ID` or `arbitrator/ID`.
    public var stream: StreamID {
        switch self {
        case .organization(let id): StreamID(verbatim: "organization/\(id)")
        case .mediator(let id): StreamID(verbatim: "mediator/\(id)")
        case .arbitrator(let id): StreamID(verbatim: "arbitrator/\(id)")
        }
    }

    /// The entry's id.
    public var id: String {
        switch self {
        case .organization(let id), .mediator(let id), .arbitrator(let id): id
        }
    }

    /// `organization ID`, `mediator ID` or `arbitrator ID`.
    public var description: String {
        switch self {
        case .organization(let id): "organization \(id)"
        case .mediator(let id): "mediator \(id)"
        case .arbitrator(let id): "arbitrator \(id)"
        }
    }
}

/// A roster command of DOMAIN.md's vocabulary. In JSON it is the same object as a case command,
/// with `"organization"`, `"mediator"` or `"arbitrator"` naming the entry instead of `"case"`.
public enum RosterCommand: Hashable, Sendable {
    /// Registers an organization: kind, name, region, and the parent organization if any.
    case registerOrganization(kind: OrganizationKind, name: String, region: String, parent: String?)
    /// Records the organization's filing with an authority (备案), or the notice to the court.
    case fileOrganization(authority: FilingAuthority)
    /// Suspends the organization: it accepts no application until reinstated.
    case suspendOrganization(reason: String)
    /// Reinstates a suspended organization.
    case reinstateOrganization
    /// Dissolves the organization, for good.
    case dissolveOrganization(reason: String)
    /// Awards the organization a distinction.
    case awardDistinction(Distinction)
    /// Appoints the mediator to an organization (聘任); a mediator may serve several.
    case appointMediator(organization: String, name: String, source: MediatorSource, fullTime: Bool)
    /// Records a training the mediator took (培训).
    case recordTraining(course: String)
    /// Records an evaluation (考评), scored 0 to 100.
    case recordEvaluation(score: Int)
    /// Grades the mediator (调解员等级评定).
    case gradeMediator(grade: String)
    /// Records a reward.
    case recordReward(note: String)
    /// Records a sanction.
    case recordSanction(note: String)
    /// The mediator leaves one organization, or, without one, every organization (退出).
    case exitMediator(reason: String, organization: String?)
    /// Adds the mediator to the expert pool for major, difficult cases (调解专家库).
    case addToExpertPool
    /// Removes the mediator from the expert pool.
    case removeFromExpertPool
    /// Adds the mediator to a court's specially invited mediation roster (特邀调解名册).
    case addToInvitedRoster(court: String)
    /// Removes the mediator from a court's invited roster.
    case removeFromInvitedRoster(court: String)
    /// Assigns the arbitrator the organizations it liaises with (仲裁员分片联系调解组织); replaces the previous list.
    case assignLiaison(organizations: [String])

    /// The command's name in the JSON vocabulary.
    public var name: String {
        switch self {
        case .registerOrganization: "registerOrganization"
        case .fileOrganization: "fileOrganization"
        case .suspendOrganization: "suspendOrganization"
        case .reinstateOrganization: "reinstateOrganization"
        case .dissolveOrganization: "dissolveOrganization"
        case .awardDistinction: "awardDistinction"
        case .appointMediator: "appointMediator"
        case .recordTraining: "recordTraining"
        case .recordEvaluation: "recordEvaluation"
        case .gradeMediator: "gradeMediator"
        case .recordReward: "recordReward"
        case .recordSanction: "recordSanction"
        case .exitMediator: "exitMediator"
        case .addToExpertPool: "addToExpertPool"
        case .removeFromExpertPool: "removeFromExpertPool"
        case .addToInvitedRoster: "addToInvitedRoster"
        case .removeFromInvitedRoster: "removeFromInvitedRoster"
        case .assignLiaison: "assignLiaison"
        }
    }

    /// Every roster command name, for telling roster lines from case lines.
    public static let names: Set<String> = [
        "registerOrganization", "fileOrganization", "suspendOrganization", "reinstateOrganization", "dissolveOrganization",
        "awardDistinction", "appointMediator", "recordTraining", "recordEvaluation", "gradeMediator", "recordReward",
        "recordSanction", "exitMediator", "addToExpertPool", "removeFromExpertPool", "addToInvitedRoster",
        "removeFromInvitedRoster", "assignLiaison",
    ]

    /// What kind of entry the command addresses.
    public enum SubjectKind: String, Sendable { case organization, mediator, arbitrator }

    /// The kind of entry the command addresses.
    public var subjectKind: SubjectKind {
        switch self {
        case .registerOrganization, .fileOrganization, .suspendOrganization, .reinstateOrganization, .dissolveOrganization, .awardDistinction:
            .organization
        case .assignLiaison: .arbitrator
        default: .mediator
        }
    }

    /// The roles that may give the command: the registrar (judicial administration, which keeps the
    /// rosters) and the arbitration committee manage organizations and mediators; an organization
    /// appoints, trains, evaluates, rewards and sanctions its own mediators; a court keeps its invited
    /// roster; the committee assigns arbitrators' liaison areas.
    public static func permittedRoles(_ command: RosterCommand) -> Set<Actor.Role> {
        switch command {
        case .registerOrganization, .fileOrganization, .suspendOrganization, .reinstateOrganization, .dissolveOrganization, .awardDistinction:
            [.registrar, .committee]
        case .appointMediator, .recordTraining, .recordEvaluation, .recordReward, .recordSanction, .exitMediator:
            [.registrar, .committee, .organization]
        case .gradeMediator, .addToExpertPool, .removeFromExpertPool: [.registrar, .committee]
        case .addToInvitedRoster, .removeFromInvitedRoster: [.court]
        case .assignLiaison: [.committee]
        }
    }

    /// The organizations the command names, whose roster entries its decision needs.
    public var organizationsNamed: [String] {
        switch self {
        case .appointMediator(let o, _, _, _): [o]
        case .exitMediator(_, let o): o.map { [$0] } ?? []
        case .assignLiaison(let os): os
        case .registerOrganization(_, _, _, let parent): parent.map { [$0] } ?? []
        default: []
        }
    }
}

extension RosterCommand: Codable {
    private enum Key: String, CodingKey {
        case command, kind, name, region, parent, authority, reason, distinction, organization, source, fullTime
        case course, score, grade, note, court, organizations
    }

    /// Decodes a command from one JSON object: `"command"` names it, its fields stand beside it.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        let name = try c.decode(String.self, forKey: .command)
        func text(_ key: Key) throws -> String { try c.decodeIfPresent(String.self, forKey: key) ?? "" }
        switch name {
        case "registerOrganization":
            self = .registerOrganization(
                kind: try c.decode(OrganizationKind.self, forKey: .kind), name: try c.decode(String.self, forKey: .name),
                region: try c.decode(String.self, forKey: .region), parent: try c.decodeIfPresent(String.self, forKey: .parent))
        case "fileOrganization": self = .fileOrganization(authority: try c.decode(FilingAuthority.self, forKey: .authority))
        case "suspendOrganization": self = .suspendOrganization(reason: try c.decode(String.self, forKey: .reason))
        case "reinstateOrganization": self = .reinstateOrganization
        case "dissolveOrganization": self = .dissolveOrganization(reason: try text(.reason))
        case "awardDistinction": self = .awardDistinction(try c.decode(Distinction.self, forKey: .distinction))
        case "appointMediator":
            self = .appointMediator(
                organization: try c.decode(String.self, forKey: .organization), name: try text(.name),
                source: try c.decode(MediatorSource.self, forKey: .source), fullTime: try c.decode(Bool.self, forKey: .fullTime))
        case "recordTraining": self = .recordTraining(course: try c.decode(String.self, forKey: .course))
        case "recordEvaluation": self = .recordEvaluation(score: try c.decode(Int.self, forKey: .score))
        case "gradeMediator": self = .gradeMediator(grade: try c.decode(String.self, forKey: .grade))
        case "recordReward": self = .recordReward(note: try c.decode(String.self, forKey: .note))
        case "recordSanction": self = .recordSanction(note: try c.decode(String.self, forKey: .note))
        case "exitMediator": self = .exitMediator(reason: try text(.reason), organization: try c.decodeIfPresent(String.self, forKey: .organization))
        case "addToExpertPool": self = .addToExpertPool
        case "removeFromExpertPool": self = .removeFromExpertPool
        case "addToInvitedRoster": self = .addToInvitedRoster(court: try c.decode(String.self, forKey: .court))
        case "removeFromInvitedRoster": self = .removeFromInvitedRoster(court: try c.decode(String.self, forKey: .court))
        case "assignLiaison": self = .assignLiaison(organizations: try c.decode([String].self, forKey: .organizations))
        default:
            throw DecodingError.dataCorruptedError(forKey: .command, in: c, debugDescription: "unknown roster command \(name.debugDescription)")
        }
    }

    /// Encodes the command as one JSON object: `"command"` and the command's fields.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(name, forKey: .command)
        switch self {
        case .registerOrganization(let kind, let name, let region, let parent):
            try c.encode(kind, forKey: .kind)
            try c.encode(name, forKey: .name)
            try c.encode(region, forKey: .region)
            try c.encodeIfPresent(parent, forKey: .parent)
        case .fileOrganization(let a): try c.encode(a, forKey: .authority)
        case .suspendOrganization(let r), .dissolveOrganization(let r): try c.encode(r, forKey: .reason)
        case .reinstateOrganization, .addToExpertPool, .removeFromExpertPool: break
        case .awardDistinction(let d): try c.encode(d, forKey: .distinction)
        case .appointMediator(let o, let name, let source, let fullTime):
            try c.encode(o, forKey: .organization)
            try c.encode(name, forKey: .name)
            try c.encode(source, forKey: .source)
            try c.encode(fullTime, forKey: .fullTime)
        case .recordTraining(let course): try c.encode(course, forKey: .course)
        case .recordEvaluation(let score): try c.encode(score, forKey: .score)
        case .gradeMediator(let grade): try c.encode(grade, forKey: .grade)
        case .recordReward(let note), .recordSanction(let note): try c.encode(note, forKey: .note)
        case .exitMediator(let reason, let o):
            try c.encode(reason, forKey: .reason)
            try c.encodeIfPresent(o, forKey: .organization)
        case .addToInvitedRoster(let court), .removeFromInvitedRoster(let court): try c.encode(court, forKey: .court)
        case .assignLiaison(let os): try c.encode(os, forKey: .organizations)
        }
    }
}

/// Why a roster command is refused: a code naming the rule and a sentence for a person.
public struct RosterRejection: Error, Hashable, Sendable, CustomStringConvertible {
    /// The rules a roster command can break.
    public enum Code: String, Hashable, Sendable, Codable, CaseIterable {
        /// The actor's role may not give this command.
        case notPermittedForRole
        /// A field is missing or out of range.
        case invalidCommand
        /// The organization is registered once.
        case alreadyRegistered
        /// The entry has no registration or appointment yet.
        case notRegistered
        /// The organization's status does not allow the command (a dissolved organization takes none).
        case wrongStatus
        /// The region has no profile.
        case unknownRegion
        /// A named organization is not on the roster.
        case unknownOrganization
        /// A named organization is suspended or dissolved.
        case organizationNotActive
        /// The mediator already serves that organization.
        case alreadyAppointed
        /// The mediator does not serve that organization, or has left every one.
        case notAppointed
        /// The mediator is already on, or not on, that roster.
        case rosterUnchanged
    }

    /// The rule broken.
    public var code: Code
    /// An explanation for a person.
    public var message: String

    /// Creates a rejection.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `code: message`.
    public var description: String { "\(code.rawValue): \(message)" }
}

/// A roster command as one NDJSON line: `id`, `at`, `actor`, the entry (`organization`, `mediator`
/// or `arbitrator`) and the command.
public struct RosterCommandLine: Hashable, Sendable, Decodable {
    /// The command's unique id (idempotency key).
    public var id: String
    /// When the command was given.
    public var at: Timestamp
    /// Who gives it.
    public var actor: Actor
    /// The roster entry it addresses.
    public var subject: RosterSubject
    /// The command.
    public var command: RosterCommand

    private enum Key: String, CodingKey { case id, at, actor, organization, mediator, arbitrator }

    /// Decodes a line.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        id = try c.decode(String.self, forKey: .id)
        guard !id.isEmpty else { throw DecodingError.dataCorruptedError(forKey: .id, in: c, debugDescription: "the command id is empty") }
        at = try c.decode(Timestamp.self, forKey: .at)
        actor = try c.decode(Actor.self, forKey: .actor)
        command = try RosterCommand(from: decoder)
        let key: Key = switch command.subjectKind {
        case .organization: .organization
        case .mediator: .mediator
        case .arbitrator: .arbitrator
        }
        let entry = try c.decode(String.self, forKey: key)
        guard RosterWorkflow.isValidID(entry) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "a roster id is 1 to 120 characters without / or control characters")
        }
        subject = switch command.subjectKind {
        case .organization: .organization(entry)
        case .mediator: .mediator(entry)
        case .arbitrator: .arbitrator(entry)
        }
    }

    /// Creates a line.
    public init(id: String, at: Timestamp, actor: Actor, subject: RosterSubject, command: RosterCommand) {
        self.id = id
        self.at = at
        self.actor = actor
        self.subject = subject
        self.command = command
    }
}

/// One NDJSON line of the vocabulary: a case command or a roster command, told apart by its `"command"`.
public enum VocabularyLine: Hashable, Sendable {
    /// A case command.
    case caseCommand(CaseCommandLine)
    /// A roster command.
    case rosterCommand(RosterCommandLine)

    /// The line's command id.
    public var id: String {
        switch self {
        case .caseCommand(let l): l.id
        case .rosterCommand(let l): l.id
        }
    }

    /// The line's instant.
    public var at: Timestamp {
        switch self {
        case .caseCommand(let l): l.at
        case .rosterCommand(let l): l.at
        }
    }

    /// The command's name.
    public var name: String {
        switch self {
        case .caseCommand(let l): l.command.name
        case .rosterCommand(let l): l.command.name
        }
    }

    private struct Name: Decodable { var command: String }

    /// Parses one line.
    /// - Throws: `DocketError` with code `invalidArgument`, naming the field at fault.
    public static func parse(_ line: String) throws(DocketError) -> VocabularyLine {
        let data = Data(line.utf8)
        do {
            let name = try JSONDecoder().decode(Name.self, from: data).command
            if RosterCommand.names.contains(name) { return .rosterCommand(try JSONDecoder().decode(RosterCommandLine.self, from: data)) }
            return .caseCommand(try JSONDecoder().decode(CaseCommandLine.self, from: data))
        } catch let e as DecodingError {
            throw DocketError(.invalidArgument, CaseCommandLine.describe(e))
        } catch {
            throw DocketError(.invalidArgument, "\(error)")
        }
    }
}
