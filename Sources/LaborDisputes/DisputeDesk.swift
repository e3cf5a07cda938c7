public import DocketCore
public import DocketEngine
public import Logging

/// The front desk of a dispute system: one store, the case workflow and the rosters, and the rule
/// that joins them: before a command is decided, the roster entries it names, or is given by, are
/// read and handed to the decision (``RosterFacts``). A command therefore sees the roster as it
/// stood when the command was handled.
///
/// The roster check is a read before the decision, not a lock on the roster: an organization
/// suspended while a case command is in flight may still see that command accepted. Roster changes
/// are rare and human-paced; the event log shows the order in which both happened.
public final class DisputeDesk: Sendable {
    /// The case engine.
    public let cases: WorkflowEngine<CaseWorkflow>
    /// The roster engine.
    public let rosters: WorkflowEngine<RosterWorkflow>
    /// The rules cases are decided under.
    public let rules: CaseRules

    /// Creates a desk over a store.
    ///
    /// `cacheCapacity` is how many cases' (and roster entries') states each engine keeps in memory
    /// (default 100,000); a desk that works through cases one after another needs few.
    public init(
        store: any EventStore & TimerStore, rules: CaseRules, clock: any DocketClock = SystemClock(),
        cacheCapacity: Int = 100_000, logger: Logger = Logger(label: "docket.desk")
    ) throws(DocketError) {
        self.rules = rules
        var options = WorkflowEngine<CaseWorkflow>.Options()
        options.cacheCapacity = cacheCapacity
        var rosterOptions = WorkflowEngine<RosterWorkflow>.Options()
        rosterOptions.cacheCapacity = cacheCapacity
        cases = try WorkflowEngine(workflow: CaseWorkflow(rules: rules), store: store, clock: clock, options: options, logger: logger)
        rosters = try WorkflowEngine(workflow: RosterWorkflow(regions: rules.regions), store: store, clock: clock, options: rosterOptions, logger: logger)
    }

    /// What became of one command line.
    public enum Outcome: Sendable {
        /// A case command's outcome.
        case caseCommand(CommandOutcome<CaseWorkflow>)
        /// A roster command's outcome.
        case rosterCommand(CommandOutcome<RosterWorkflow>)

        /// The event types appended (or first appended, for a replayed command); empty for a refusal.
        public var eventTypes: [String] {
            switch self {
            case .caseCommand(.accepted(let a)): a.events.compactMap { try? CaseEvent.codec.encode($0).type }
            case .rosterCommand(.accepted(let a)): a.events.map { $0.stored.type }
            default: []
            }
        }

        /// The rejection's code and message, if the command was refused.
        public var rejection: (code: String, message: String)? {
            switch self {
            case .caseCommand(.rejected(let r)): (r.code.rawValue, r.message)
            case .rosterCommand(.rejected(let r)): (r.code.rawValue, r.message)
            default: nil
            }
        }

        /// The command was a retry of one already accepted.
        public var replayed: Bool {
            switch self {
            case .caseCommand(.accepted(let a)): a.replayed
            case .rosterCommand(.accepted(let a)): a.replayed
            default: false
            }
        }
    }

    /// Handles one line of the vocabulary.
    public func handle(_ line: VocabularyLine) async throws -> Outcome {
        switch line {
        case .caseCommand(let l): .caseCommand(try await handle(l.command, case: l.caseID, commandID: l.id, actor: l.actor))
        case .rosterCommand(let l): .rosterCommand(try await handle(l.command, for: l.subject, commandID: l.id, actor: l.actor))
        }
    }

    /// Handles a case command, with the roster facts it needs.
    public func handle(_ command: CaseCommand, case id: StreamID, commandID: String, actor: Actor) async throws -> CommandOutcome<CaseWorkflow> {
        var organizations = command.organizationsNamed
        var mediators = command.mediatorsNamed
        if actor.role == .organization { organizations.append(actor.id) }
        if actor.role == .mediator { mediators.append(actor.id) }
        let facts = try await facts(organizations: organizations, mediators: mediators)
        return try await cases.handle(Checked(command, rosters: facts), for: id, commandID: commandID, actor: actor.description)
    }

    /// Handles a roster command, with the facts about the organizations it names.
    public func handle(_ command: RosterCommand, for subject: RosterSubject, commandID: String, actor: Actor) async throws -> CommandOutcome<RosterWorkflow> {
        guard RosterWorkflow.isValidID(subject.id) else {
            throw DocketError(.invalidArgument, "\(subject) is not a valid roster id (1 to 120 characters without / or control characters)")
        }
        let facts = try await facts(organizations: command.organizationsNamed, mediators: [])
        return try await rosters.handle(Checked(command, rosters: facts), for: subject.stream, commandID: commandID, actor: actor.description)
    }

    /// An organization's roster entry, or nil if it was never registered.
    public func organization(_ id: String) async throws -> OrganizationRecord? {
        guard RosterWorkflow.isValidID(id) else { return nil }
        return try await rosters.state(of: RosterSubject.organization(id).stream).state.organization
    }

    /// A mediator's roster entry, or nil if it was never appointed.
    public func mediator(_ id: String) async throws -> MediatorRecord? {
        guard RosterWorkflow.isValidID(id) else { return nil }
        return try await rosters.state(of: RosterSubject.mediator(id).stream).state.mediator
    }

    /// The roster entries of these organizations and mediators, as they stand now.
    public func facts(organizations: [String], mediators: [String]) async throws -> RosterFacts {
        var facts = RosterFacts()
        for id in Set(organizations) { if let o = try await organization(id) { facts.organizations[id] = o } }
        for id in Set(mediators) { if let m = try await mediator(id) { facts.mediators[id] = m } }
        return facts
    }
}

extension CaseCommand {
    /// The organizations the command names.
    public var organizationsNamed: [String] {
        switch self {
        case .applyForMediation(let o, _), .entrustMediation(_, let o, _): [o]
        default: []
        }
    }

    /// The mediators the command names.
    public var mediatorsNamed: [String] {
        if case .assignMediator(let m) = self { return [m] }
        return []
    }
}
