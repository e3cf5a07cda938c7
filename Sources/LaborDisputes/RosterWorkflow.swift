public import DocketCore
public import DocketEngine
import Foundation

/// What happened to a roster entry. Stored as `roster.<name>` events with JSON payloads.
public enum RosterEvent: Hashable, Sendable {
    /// The organization was registered.
    case organizationRegistered(kind: OrganizationKind, name: String, region: String, parent: String?)
    /// The organization was filed with an authority, or notified to the court.
    case organizationFiled(authority: FilingAuthority)
    /// The organization was suspended.
    case organizationSuspended(reason: String)
    /// The organization was reinstated.
    case organizationReinstated
    /// The organization was dissolved.
    case organizationDissolved(reason: String)
    /// The organization was awarded a distinction.
    case distinctionAwarded(Distinction)
    /// The mediator was appointed to an organization.
    case mediatorAppointed(organization: String, name: String, source: MediatorSource, fullTime: Bool)
    /// The mediator took a training.
    case trainingRecorded(course: String)
    /// The mediator was evaluated.
    case evaluationRecorded(score: Int)
    /// The mediator was graded.
    case mediatorGraded(grade: String)
    /// The mediator was rewarded.
    case rewardRecorded(note: String)
    /// The mediator was sanctioned.
    case sanctionRecorded(note: String)
    /// The mediator left these organizations.
    case mediatorExited(reason: String, organizations: [String])
    /// The mediator joined the expert pool.
    case addedToExpertPool
    /// The mediator left the expert pool.
    case removedFromExpertPool
    /// The mediator joined a court's invited roster.
    case addedToInvitedRoster(court: String)
    /// The mediator left a court's invited roster.
    case removedFromInvitedRoster(court: String)
    /// The arbitrator's liaison organizations were set.
    case liaisonAssigned(organizations: [String])

    /// One payload shape for every roster event: the fields an event does not use are absent.
    struct Fields: Codable {
        var kind: OrganizationKind?
        var name: String?
        var region: String?
        var parent: String?
        var authority: FilingAuthority?
        var reason: String?
        var distinction: Distinction?
        var organization: String?
        var source: MediatorSource?
        var fullTime: Bool?
        var course: String?
        var score: Int?
        var grade: String?
        var note: String?
        var court: String?
        var organizations: [String]?
    }

    var stored: (type: String, fields: Fields) {
        var f = Fields()
        let type: String
        switch self {
        case .organizationRegistered(let kind, let name, let region, let parent):
            (f.kind, f.name, f.region, f.parent) = (kind, name, region, parent)
            type = "organizationRegistered"
        case .organizationFiled(let a): (type, f.authority) = ("organizationFiled", a)
        case .organizationSuspended(let r): (type, f.reason) = ("organizationSuspended", r)
        case .organizationReinstated: type = "organizationReinstated"
        case .organizationDissolved(let r): (type, f.reason) = ("organizationDissolved", r)
        case .distinctionAwarded(let d): (type, f.distinction) = ("distinctionAwarded", d)
        case .mediatorAppointed(let o, let name, let source, let fullTime):
            (f.organization, f.name, f.source, f.fullTime) = (o, name, source, fullTime)
            type = "mediatorAppointed"
        case .trainingRecorded(let c): (type, f.course) = ("trainingRecorded", c)
        case .evaluationRecorded(let s): (type, f.score) = ("evaluationRecorded", s)
        case .mediatorGraded(let g): (type, f.grade) = ("mediatorGraded", g)
        case .rewardRecorded(let n): (type, f.note) = ("rewardRecorded", n)
        case .sanctionRecorded(let n): (type, f.note) = ("sanctionRecorded", n)
        case .mediatorExited(let r, let os): (type, f.reason, f.organizations) = ("mediatorExited", r, os)
        case .addedToExpertPool: type = "addedToExpertPool"
        case .removedFromExpertPool: type = "removedFromExpertPool"
        case .addedToInvitedRoster(let c): (type, f.court) = ("addedToInvitedRoster", c)
        case .removedFromInvitedRoster(let c): (type, f.court) = ("removedFromInvitedRoster", c)
        case .liaisonAssigned(let os): (type, f.organizations) = ("liaisonAssigned", os)
        }
        return ("roster." + type, f)
    }

    static func make(_ type: String, _ f: Fields) throws(DocketError) -> RosterEvent {
        func need<T>(_ value: T?, _ field: String) throws(DocketError) -> T {
            guard let value else { throw DocketError(.codecFailure, "event \(type) lacks its field \(field)") }
            return value
        }
        switch type {
        case "roster.organizationRegistered":
            return .organizationRegistered(kind: try need(f.kind, "kind"), name: try need(f.name, "name"), region: try need(f.region, "region"), parent: f.parent)
        case "roster.organizationFiled": return .organizationFiled(authority: try need(f.authority, "authority"))
        case "roster.organizationSuspended": return .organizationSuspended(reason: try need(f.reason, "reason"))
        case "roster.organizationReinstated": return .organizationReinstated
        case "roster.organizationDissolved": return .organizationDissolved(reason: try need(f.reason, "reason"))
        case "roster.distinctionAwarded": return .distinctionAwarded(try need(f.distinction, "distinction"))
        case "roster.mediatorAppointed":
            return .mediatorAppointed(organization: try need(f.organization, "organization"), name: try need(f.name, "name"),
                                      source: try need(f.source, "source"), fullTime: try need(f.fullTime, "fullTime"))
        case "roster.trainingRecorded": return .trainingRecorded(course: try need(f.course, "course"))
        case "roster.evaluationRecorded": return .evaluationRecorded(score: try need(f.score, "score"))
        case "roster.mediatorGraded": return .mediatorGraded(grade: try need(f.grade, "grade"))
        case "roster.rewardRecorded": return .rewardRecorded(note: try need(f.note, "note"))
        case "roster.sanctionRecorded": return .sanctionRecorded(note: try need(f.note, "note"))
        case "roster.mediatorExited": return .mediatorExited(reason: try need(f.reason, "reason"), organizations: try need(f.organizations, "organizations"))
        case "roster.addedToExpertPool": return .addedToExpertPool
        case "roster.removedFromExpertPool": return .removedFromExpertPool
        case "roster.addedToInvitedRoster": return .addedToInvitedRoster(court: try need(f.court, "court"))
        case "roster.removedFromInvitedRoster": return .removedFromInvitedRoster(court: try need(f.court, "court"))
        case "roster.liaisonAssigned": return .liaisonAssigned(organizations: try need(f.organizations, "organizations"))
        default: throw DocketError(.codecFailure, "unknown roster event type \(type)")
        }
    }

    /// Every roster event type name.
    public static let types: [String] = [
        "roster.organizationRegistered", "roster.organizationFiled", "roster.organizationSuspended", "roster.organizationReinstated",
        "roster.organizationDissolved", "roster.distinctionAwarded", "roster.mediatorAppointed", "roster.trainingRecorded",
        "roster.evaluationRecorded", "roster.mediatorGraded", "roster.rewardRecorded", "roster.sanctionRecorded", "roster.mediatorExited",
        "roster.addedToExpertPool", "roster.removedFromExpertPool", "roster.addedToInvitedRoster", "roster.removedFromInvitedRoster",
        "roster.liaisonAssigned",
    ]

    /// The roster events' codec: schema version 1 of every type.
    public static let codec: EventCodec<RosterEvent> = {
        var codec = EventCodec<RosterEvent> { event throws(DocketError) in
            let (type, fields) = event.stored
            return try .binary(type, fields)
        }
        for type in types {
            codec = codec.decoding(type) { bytes in try make(type, try Payload.decode(Fields.self, from: bytes, what: "event \(type)")) }
        }
        return codec
    }()
}

/// A mediation organization as the roster knows it.
public struct OrganizationRecord: Hashable, Sendable, Codable {
    /// Its kind.
    public var kind: OrganizationKind
    /// Its name.
    public var name: String
    /// The region whose profile it follows.
    public var region: String
    /// The parent organization, if any.
    public var parent: String?
    /// Active, suspended or dissolved.
    public var status: OrganizationStatus
    /// The authorities it is filed with.
    public var filings: Set<FilingAuthority>
    /// Its distinctions.
    public var distinctions: [Distinction]

    /// A record.
    public init(
        kind: OrganizationKind, name: String, region: String, parent: String? = nil, status: OrganizationStatus = .active,
        filings: Set<FilingAuthority> = [], distinctions: [Distinction] = []
    ) {
        self.kind = kind
        self.name = name
        self.region = region
        self.parent = parent
        self.status = status
        self.filings = filings
        self.distinctions = distinctions
    }
}

/// A mediator's membership of one organization.
public struct Membership: Hashable, Sendable, Codable {
    /// Full- or part-time.
    public var fullTime: Bool
    /// Still serving (not exited).
    public var active: Bool

    /// A membership.
    public init(fullTime: Bool, active: Bool = true) {
        self.fullTime = fullTime
        self.active = active
    }
}

/// A mediator as the roster knows it.
public struct MediatorRecord: Hashable, Sendable, Codable {
    /// Its name.
    public var name: String
    /// Where it comes from.
    public var source: MediatorSource
    /// Its memberships, by organization id.
    public var memberships: [String: Membership]
    /// The courses taken, in order.
    public var trainings: [String]
    /// The evaluation scores, in order.
    public var evaluations: [Int]
    /// The current grade.
    public var grade: String?
    /// Rewards recorded.
    public var rewards: Int
    /// Sanctions recorded.
    public var sanctions: Int
    /// In the expert pool.
    public var expert: Bool
    /// The courts whose invited roster holds the mediator.
    public var invitedBy: Set<String>

    /// A record.
    public init(
        name: String, source: MediatorSource, memberships: [String: Membership], trainings: [String] = [], evaluations: [Int] = [],
        grade: String? = nil, rewards: Int = 0, sanctions: Int = 0, expert: Bool = false, invitedBy: Set<String> = []
    ) {
        self.name = name
        self.source = source
        self.memberships = memberships
        self.trainings = trainings
        self.evaluations = evaluations
        self.grade = grade
        self.rewards = rewards
        self.sanctions = sanctions
        self.expert = expert
        self.invitedBy = invitedBy
    }

    /// Serves `organization` now.
    public func serves(_ organization: String) -> Bool { memberships[organization]?.active ?? false }
    /// Serves some organization now.
    public var serving: Bool { memberships.values.contains { $0.active } }
}

/// The state of one roster entry.
public struct RosterState: Hashable, Sendable, Codable {
    /// The organization, once registered (an `organization/…` stream).
    public var organization: OrganizationRecord?
    /// The mediator, once appointed (a `mediator/…` stream).
    public var mediator: MediatorRecord?
    /// The arbitrator's liaison organizations (an `arbitrator/…` stream).
    public var liaisons: [String]?
    /// An empty entry.
    public init() {}
}

/// What the roster said about the organizations and mediators a command names, when it was
/// decided: ``DisputeDesk`` reads it from the roster streams and hands it to the decision, so that
/// the deciders stay pure functions of their input.
public struct RosterFacts: Hashable, Sendable, Codable {
    /// Organizations by id; an id absent here is not on the roster.
    public var organizations: [String: OrganizationRecord]
    /// Mediators by id; an id absent here is not on the roster.
    public var mediators: [String: MediatorRecord]
    /// Facts about these entries.
    public init(organizations: [String: OrganizationRecord] = [:], mediators: [String: MediatorRecord] = [:]) {
        self.organizations = organizations
        self.mediators = mediators
    }
}

/// A command with the roster facts its decision needs. The command's JSON form is unchanged; the
/// facts travel beside it (they are stored only in a deadline's timer, which needs none).
public struct Checked<Command: Hashable & Sendable & Codable>: Hashable, Sendable, Codable {
    /// The command.
    public var command: Command
    /// The roster as it stood.
    public var rosters: RosterFacts
    /// A command and its facts.
    public init(_ command: Command, rosters: RosterFacts = RosterFacts()) {
        self.command = command
        self.rosters = rosters
    }
}

/// The rosters as a workflow: one stream per organization, mediator and arbitrator.
public struct RosterWorkflow: Workflow {
    /// A roster command with the facts about the organizations it names.
    public typealias Command = Checked<RosterCommand>
    /// Roster events.
    public typealias Event = RosterEvent
    /// One entry.
    public typealias State = RosterState
    /// Why a command is refused.
    public typealias Rejection = RosterRejection

    /// The region profiles organizations are registered under.
    public let regions: [String: RegionProfile]

    /// Creates the workflow for these regions (an empty map accepts any region).
    public init(regions: [String: RegionProfile]) { self.regions = regions }

    /// `labor-roster`.
    public var name: String { "labor-roster" }
    /// 1.
    public var definitionVersion: UInt32 { 1 }
    /// An empty entry.
    public var initialState: RosterState { RosterState() }
    /// ``RosterEvent/codec``.
    public var codec: EventCodec<RosterEvent> { RosterEvent.codec }

    /// A roster id: 1 to 120 characters, no `/`, no control characters.
    public static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 120 && !id.utf8.contains(UInt8(ascii: "/")) && !id.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    /// Decides a roster command.
    public func decide(_ input: Checked<RosterCommand>, state s: RosterState, context: DecisionContext) throws(RosterRejection) -> [RosterEvent] {
        let command = input.command
        guard let actor = Actor(recorded: context.actor) else {
            throw RosterRejection(.notPermittedForRole, "the actor \(context.actor.debugDescription) is not `role:id` with a known role")
        }
        guard RosterCommand.permittedRoles(command).contains(actor.role) else {
            throw RosterRejection(.notPermittedForRole, "a \(actor.role.rawValue) may not give \(command.name)")
        }
        let prefix = "\(command.subjectKind.rawValue)/"
        guard context.stream.rawValue.hasPrefix(prefix) else {
            throw RosterRejection(.invalidCommand, "\(command.name) addresses an \(command.subjectKind.rawValue), not stream \(context.stream)")
        }
        let subject = String(context.stream.rawValue.dropFirst(prefix.count))
        func active(_ id: String) throws(RosterRejection) -> OrganizationRecord {
            guard let o = input.rosters.organizations[id] else { throw RosterRejection(.unknownOrganization, "organization \(id) is not on the roster") }
            guard o.status == .active else { throw RosterRejection(.organizationNotActive, "organization \(id) is \(o.status.rawValue)") }
            return o
        }
        func text(_ value: String, _ what: String) throws(RosterRejection) {
            guard !value.trimmingCharacters(in: .whitespaces).isEmpty else { throw RosterRejection(.invalidCommand, "\(command.name) needs \(what)") }
        }
        if command.subjectKind == .organization {
            if case .registerOrganization(let kind, let name, let region, let parent) = command {
                guard s.organization == nil else { throw RosterRejection(.alreadyRegistered, "organization \(subject) is already registered") }
                try text(name, "a name")
                guard regions.isEmpty || regions[region] != nil else {
                    throw RosterRejection(.unknownRegion, "region \(region.debugDescription) has no profile (known: \(regions.keys.sorted().joined(separator: ", ")))")
                }
                if let parent {
                    guard parent != subject else { throw RosterRejection(.invalidCommand, "an organization is not its own parent") }
                    _ = try active(parent)
                }
                return [.organizationRegistered(kind: kind, name: name, region: region, parent: parent)]
            }
            guard let o = s.organization else { throw RosterRejection(.notRegistered, "organization \(subject) is not registered") }
            guard o.status != .dissolved else { throw RosterRejection(.wrongStatus, "organization \(subject) is dissolved") }
            switch command {
            case .fileOrganization(let authority):
                guard !o.filings.contains(authority) else { throw RosterRejection(.rosterUnchanged, "organization \(subject) is already filed with \(authority.rawValue)") }
                return [.organizationFiled(authority: authority)]
            case .suspendOrganization(let reason):
                try text(reason, "a reason")
                guard o.status == .active else { throw RosterRejection(.wrongStatus, "organization \(subject) is already suspended") }
                return [.organizationSuspended(reason: reason)]
            case .reinstateOrganization:
                guard o.status == .suspended else { throw RosterRejection(.wrongStatus, "organization \(subject) is not suspended") }
                return [.organizationReinstated]
            case .dissolveOrganization(let reason): return [.organizationDissolved(reason: reason)]
            case .awardDistinction(let d):
                guard !o.distinctions.contains(d) else { throw RosterRejection(.rosterUnchanged, "organization \(subject) already holds \(d.rawValue)") }
                return [.distinctionAwarded(d)]
            default: preconditionFailure("organization commands only")
            }
        }
        if case .assignLiaison(let organizations) = command {
            guard !organizations.isEmpty, Set(organizations).count == organizations.count else {
                throw RosterRejection(.invalidCommand, "a liaison assignment names one or more organizations, each once")
            }
            for o in organizations { _ = try active(o) }
            return [.liaisonAssigned(organizations: organizations)]
        }
        // Mediator commands. An organization acts only for its own mediators.
        if actor.role == .organization {
            let own: Bool = switch command {
            case .appointMediator(let o, _, _, _): o == actor.id
            case .exitMediator(_, let o): o == actor.id && (s.mediator?.serves(actor.id) ?? false)
            default: s.mediator?.serves(actor.id) ?? false
            }
            guard own else { throw RosterRejection(.notPermittedForRole, "organization \(actor.id) acts only for mediators it appoints or who serve it") }
        }
        if case .appointMediator(let organization, let name, let source, let fullTime) = command {
            _ = try active(organization)
            if let m = s.mediator {
                guard !m.serves(organization) else { throw RosterRejection(.alreadyAppointed, "mediator \(subject) already serves \(organization)") }
            } else {
                try text(name, "the mediator's name")
            }
            return [.mediatorAppointed(organization: organization, name: name.isEmpty ? s.mediator?.name ?? "" : name, source: source, fullTime: fullTime)]
        }
        guard let m = s.mediator else { throw RosterRejection(.notRegistered, "mediator \(subject) has never been appointed") }
        switch command {
        case .recordTraining(let course):
            try text(course, "the course")
            return [.trainingRecorded(course: course)]
        case .recordEvaluation(let score):
            guard (0...100).contains(score) else { throw RosterRejection(.invalidCommand, "an evaluation score is 0 to 100, not \(score)") }
            return [.evaluationRecorded(score: score)]
        case .gradeMediator(let grade):
            try text(grade, "a grade")
            return [.mediatorGraded(grade: grade)]
        case .recordReward(let note):
            try text(note, "a note")
            return [.rewardRecorded(note: note)]
        case .recordSanction(let note):
            try text(note, "a note")
            return [.sanctionRecorded(note: note)]
        case .exitMediator(let reason, let organization):
            if let organization {
                guard m.serves(organization) else { throw RosterRejection(.notAppointed, "mediator \(subject) does not serve \(organization)") }
                return [.mediatorExited(reason: reason, organizations: [organization])]
            }
            let serving = m.memberships.filter(\.value.active).keys.sorted()
            guard !serving.isEmpty else { throw RosterRejection(.notAppointed, "mediator \(subject) serves no organization") }
            return [.mediatorExited(reason: reason, organizations: serving)]
        case .addToExpertPool:
            guard !m.expert else { throw RosterRejection(.rosterUnchanged, "mediator \(subject) is already in the expert pool") }
            return [.addedToExpertPool]
        case .removeFromExpertPool:
            guard m.expert else { throw RosterRejection(.rosterUnchanged, "mediator \(subject) is not in the expert pool") }
            return [.removedFromExpertPool]
        case .addToInvitedRoster(let court):
            try text(court, "the court")
            guard actor.id == court else { throw RosterRejection(.notPermittedForRole, "court \(actor.id) keeps only its own invited roster") }
            guard !m.invitedBy.contains(court) else { throw RosterRejection(.rosterUnchanged, "mediator \(subject) is already on \(court)'s invited roster") }
            return [.addedToInvitedRoster(court: court)]
        case .removeFromInvitedRoster(let court):
            guard actor.id == court else { throw RosterRejection(.notPermittedForRole, "court \(actor.id) keeps only its own invited roster") }
            guard m.invitedBy.contains(court) else { throw RosterRejection(.rosterUnchanged, "mediator \(subject) is not on \(court)'s invited roster") }
            return [.removedFromInvitedRoster(court: court)]
        default: preconditionFailure("mediator commands only")
        }
    }

    /// Folds one event into the entry. (When things happened is the events' metadata, which the
    /// roster projection keeps for "as of" questions.)
    public func evolve(_ state: RosterState, _ event: RosterEvent) -> RosterState {
        var s = state
        switch event {
        case .organizationRegistered(let kind, let name, let region, let parent):
            s.organization = OrganizationRecord(kind: kind, name: name, region: region, parent: parent, status: .active, filings: [], distinctions: [])
        case .organizationFiled(let a): s.organization?.filings.insert(a)
        case .organizationSuspended: s.organization?.status = .suspended
        case .organizationReinstated: s.organization?.status = .active
        case .organizationDissolved: s.organization?.status = .dissolved
        case .distinctionAwarded(let d): s.organization?.distinctions.append(d)
        case .mediatorAppointed(let o, let name, let source, let fullTime):
            var m = s.mediator ?? MediatorRecord(
                name: name, source: source, memberships: [:], trainings: [], evaluations: [], grade: nil, rewards: 0, sanctions: 0,
                expert: false, invitedBy: [])
            if !name.isEmpty { m.name = name }
            m.source = source
            m.memberships[o] = Membership(fullTime: fullTime, active: true)
            s.mediator = m
        case .trainingRecorded(let c): s.mediator?.trainings.append(c)
        case .evaluationRecorded(let score): s.mediator?.evaluations.append(score)
        case .mediatorGraded(let g): s.mediator?.grade = g
        case .rewardRecorded: s.mediator?.rewards += 1
        case .sanctionRecorded: s.mediator?.sanctions += 1
        case .mediatorExited(_, let os): for o in os { s.mediator?.memberships[o]?.active = false }
        case .addedToExpertPool: s.mediator?.expert = true
        case .removedFromExpertPool: s.mediator?.expert = false
        case .addedToInvitedRoster(let c): s.mediator?.invitedBy.insert(c)
        case .removedFromInvitedRoster(let c): s.mediator?.invitedBy.remove(c)
        case .liaisonAssigned(let os): s.liaisons = os
        }
        return s
    }
}

// Sets are written sorted, so that a record encodes to the same bytes and the same JSON in every
// process (a `Set`'s order follows a hash seed that changes from run to run). Decoding is the
// synthesized one: any order reads.

extension OrganizationRecord {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encode(name, forKey: .name)
        try c.encode(region, forKey: .region)
        try c.encodeIfPresent(parent, forKey: .parent)
        try c.encode(status, forKey: .status)
        try c.encode(filings.sorted { $0.rawValue < $1.rawValue }, forKey: .filings)
        try c.encode(distinctions, forKey: .distinctions)
    }
}

extension MediatorRecord {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(source, forKey: .source)
        try c.encode(memberships, forKey: .memberships)
        try c.encode(trainings, forKey: .trainings)
        try c.encode(evaluations, forKey: .evaluations)
        try c.encodeIfPresent(grade, forKey: .grade)
        try c.encode(rewards, forKey: .rewards)
        try c.encode(sanctions, forKey: .sanctions)
        try c.encode(expert, forKey: .expert)
        try c.encode(invitedBy.sorted(), forKey: .invitedBy)
    }
}
