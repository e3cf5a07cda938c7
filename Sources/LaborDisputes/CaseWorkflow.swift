public import DocketCore
public import DocketEngine

/// Where a case stands.
public enum Stage: String, Hashable, Sendable, Codable, CaseIterable {
    /// No `registerCase` yet.
    case unregistered
    /// Registered, no forum in progress: the parties may choose one.
    case registered
    /// A party proposed negotiation; the other has not answered.
    case negotiationProposed
    /// The parties are negotiating.
    case negotiating
    /// A settlement agreement awaits performance.
    case settlementPending
    /// A mediation application awaits the organization's acceptance.
    case mediationApplied
    /// The organization accepted; mediation is under way.
    case mediating
    /// An effective mediation agreement awaits performance.
    case agreementPending
    /// The case ended (see ``CaseState/outcome``).
    case closed
}

/// How a case ended, for statistics.
public enum Outcome: String, Hashable, Sendable, Codable, CaseIterable {
    case settledByNegotiation, mediated, withdrawn
}

/// A case's state, folded from its events.
public struct CaseState: Hashable, Sendable {
    public var stage: Stage = .unregistered
    public var registration: CaseCommand.RegisterCase?
    public var negotiationProposer: Actor.Role?
    public var negotiationParticipants: [Actor] = []
    public var settlement: SettlementAgreement?
    public var mediationOrganization: String?
    public var mediator: String?
    public var mediationAccepted = false
    public var mediationAcceptanceOverdue = false
    public var mediationTermExpired = false
    public var mediationAgreement: MediationAgreement?
    public var performanceNotice: PerformanceNotice?
    public var returnVisits = 0
    /// What the parties may do next.
    public var remedies: Set<Remedy> = []
    /// The case's open deadlines and when they run out.
    public var deadlines: [CaseDeadline: Timestamp] = [:]
    public var outcome: Outcome?

    /// A new case.
    public init() {}

    /// The case has claims a payment order can serve (LDMAL art. 16).
    var paymentOrderClaims: Bool {
        registration?.claims.contains { [.remuneration, .workInjuryMedical, .compensation].contains($0.type) } ?? false
    }
}

/// The labor-dispute case as a workflow: commands, rules, events and deadlines (DOMAIN.md). This
/// version covers intake, negotiation, mediation with its agreement and performance, and withdrawal.
public struct CaseWorkflow: Workflow {
    public typealias Command = CaseCommand
    public typealias Event = CaseEvent
    public typealias State = CaseState
    public typealias Rejection = CaseRejection

    /// The deadline policy and calendar the case is decided under.
    public let rules: CaseRules

    /// Creates the workflow.
    public init(rules: CaseRules) { self.rules = rules }

    public var name: String { "labor-case" }
    public var definitionVersion: UInt32 { 1 }
    public var initialState: CaseState { CaseState() }
    public var codec: EventCodec<CaseEvent> { CaseEvent.codec }

    /// The roles that may give each command.
    public static func permittedRoles(_ command: CaseCommand) -> Set<Actor.Role> {
        switch command {
        case .registerCase: [.registrar, .inspection, .court, .committee, .organization, .worker, .employer]
        case .proposeNegotiation, .answerNegotiation, .agreeNegotiationPeriod, .signSettlement, .applyForMediation, .withdrawCase:
            [.worker, .employer]
        case .joinNegotiation: [.union]
        case .recordNegotiationFailure: [.worker, .employer, .union]
        case .recordPerformance: [.worker, .employer, .union, .organization, .mediator]
        case .acceptMediation, .declineMediation, .assignMediator, .extendMediation: [.organization]
        case .signMediationAgreement, .issuePerformanceNotice, .recordMediationFailure, .recordReturnVisit: [.organization, .mediator]
        case .expireDeadline: [.system]
        }
    }

    public func decide(_ command: CaseCommand, state s: CaseState, context: DecisionContext) throws(CaseRejection) -> [CaseEvent] {
        guard let actor = context.actor == EngineActor.deadline ? Actor.scheduler : Actor(recorded: context.actor) else {
            throw CaseRejection(.notPermittedForRole, "the actor \(context.actor.debugDescription) is not `role:id` with a known role")
        }
        guard Self.permittedRoles(command).contains(actor.role) else {
            throw CaseRejection(.notPermittedForRole, "a \(actor.role.rawValue) may not give \(command.name)")
        }
        let now = context.now
        if case .registerCase(let r) = command {
            guard s.stage == .unregistered else { throw CaseRejection(.caseAlreadyRegistered, "case \(context.stream) is already registered") }
            guard r.parties.contains(where: { $0.role == .worker }), r.parties.contains(where: { $0.role == .employer }),
                r.parties.allSatisfy({ $0.role == .worker || $0.role == .employer })
            else { throw CaseRejection(.invalidCommand, "a case needs at least one worker and one employer, and only those as parties") }
            guard !r.claims.isEmpty else { throw CaseRejection(.invalidCommand, "a case needs at least one claim") }
            guard r.workersInvolved >= 1, !r.region.isEmpty else { throw CaseRejection(.invalidCommand, "a case needs a region and at least one worker involved") }
            return [.registered(r)]
        }
        guard s.stage != .unregistered else { throw CaseRejection(.caseNotRegistered, "case \(context.stream) is not registered") }
        guard s.stage != .closed else { throw CaseRejection(.caseClosed, "case \(context.stream) is closed (\(s.outcome?.rawValue ?? "closed"))") }
        if actor.isParty, let parties = s.registration?.parties, !parties.contains(where: { $0.role == actor.role && $0.id == actor.id }) {
            throw CaseRejection(.notAParty, "\(actor) is not a party to case \(context.stream)")
        }
        func stage(_ allowed: Stage..., for what: String) throws(CaseRejection) {
            guard allowed.contains(s.stage) else { throw CaseRejection(.wrongStage, "\(what) is not possible while the case is \(s.stage.rawValue)") }
        }
        func notPast(_ t: Timestamp, _ what: String) throws(CaseRejection) {
            guard t > now else { throw CaseRejection(.deadlinePassed, "\(what) \(t) is not after the command's instant \(now)") }
        }
        switch command {
        case .registerCase:
            preconditionFailure("handled above")
        case .proposeNegotiation:
            try stage(.registered, for: "proposing negotiation")
            return [.negotiationProposed(by: actor.role, answerBy: try rules.expiry(.answerNegotiation, from: now))]
        case .answerNegotiation(let accept):
            try stage(.negotiationProposed, for: "answering a negotiation proposal")
            guard actor.role != s.negotiationProposer else { throw CaseRejection(.notPermittedForRole, "the proposing party cannot answer its own proposal") }
            return [.negotiationAnswered(accepted: accept)]
        case .joinNegotiation:
            try stage(.negotiationProposed, .negotiating, for: "joining the negotiation")
            return [.negotiationJoined(by: actor)]
        case .agreeNegotiationPeriod(let until):
            try stage(.negotiating, for: "agreeing a negotiation period")
            try notPast(until, "the negotiation period's end")
            return [.negotiationPeriodAgreed(until: until)]
        case .signSettlement(let agreement):
            try stage(.negotiating, for: "signing a settlement agreement")
            try notPast(rules.endOfDay(agreement.performBy), "the performance date")
            return [.settlementSigned(agreement, performanceDue: rules.endOfDay(agreement.performBy))]
        case .recordNegotiationFailure(let reason):
            try stage(.negotiationProposed, .negotiating, for: "recording a failed negotiation")
            return [.negotiationFailed(reason: reason)]
        case .recordPerformance(let performed):
            switch s.stage {
            case .settlementPending: return [performed ? .agreementPerformed(.settlement) : .agreementNotPerformed(.settlement)]
            case .agreementPending: return [performed ? .agreementPerformed(.mediation) : .agreementNotPerformed(.mediation)]
            default: throw CaseRejection(.wrongStage, "there is no agreement awaiting performance while the case is \(s.stage.rawValue)")
            }
        case .applyForMediation(let organization, let oral):
            guard s.stage == .registered || s.stage == .settlementPending && s.remedies.contains(.applyForMediation) else {
                throw CaseRejection(.wrongStage, "applying for mediation is not possible while the case is \(s.stage.rawValue)")
            }
            guard !organization.isEmpty else { throw CaseRejection(.invalidCommand, "a mediation application names the organization") }
            return [.mediationApplied(
                organization: organization, oral: oral,
                acceptBy: try rules.expiry(.acceptMediation, from: now), concludeBy: try rules.expiry(.concludeMediation, from: now))]
        case .acceptMediation:
            try stage(.mediationApplied, for: "accepting a mediation application")
            return [.mediationAccepted]
        case .declineMediation(let reason):
            try stage(.mediationApplied, for: "declining a mediation application")
            guard !reason.isEmpty else { throw CaseRejection(.invalidCommand, "a refusal to accept mediation states its reason") }
            return [.mediationDeclined(reason: reason)]
        case .assignMediator(let mediator):
            try stage(.mediating, for: "assigning a mediator")
            guard !mediator.isEmpty else { throw CaseRejection(.invalidCommand, "name the mediator") }
            return [.mediatorAssigned(mediator: mediator)]
        case .extendMediation(let until, let partiesAgreed):
            try stage(.mediating, for: "extending mediation")
            guard partiesAgreed else { throw CaseRejection(.invalidCommand, "mediation is extended only when both parties agree") }
            let current = s.deadlines[.concludeMediation] ?? now
            guard rules.endOfDay(until) > current else { throw CaseRejection(.invalidCommand, "an extension must end after the current term (\(current))") }
            return [.mediationExtended(until: rules.endOfDay(until))]
        case .signMediationAgreement(let agreement):
            try stage(.mediating, for: "signing a mediation agreement")
            guard s.mediationAccepted else { throw CaseRejection(.mediationNotAccepted, "the organization has not accepted the mediation") }
            let missing = agreement.signatures.missing
            guard missing.isEmpty else {
                throw CaseRejection(.agreementNotEffective, "the mediation agreement lacks \(missing.joined(separator: ", "))")
            }
            let due = rules.endOfDay(agreement.performBy)
            try notPast(due, "the performance date")
            return [.mediationAgreementSigned(
                agreement, performanceDue: due,
                reviewBy: try rules.expiry(.applyForArbitrationReview, from: now),
                confirmationBy: try rules.expiry(.applyForJudicialConfirmation, from: now))]
        case .issuePerformanceNotice(let notice):
            try stage(.agreementPending, for: "issuing a performance notice")
            guard s.performanceNotice == nil else { throw CaseRejection(.invalidCommand, "the performance notice was already issued") }
            return [.performanceNoticeIssued(notice)]
        case .recordMediationFailure(let reason):
            try stage(.mediationApplied, .mediating, for: "recording a failed mediation")
            return [.mediationFailed(reason: reason)]
        case .recordReturnVisit(let note):
            guard s.mediationAgreement != nil else { throw CaseRejection(.wrongStage, "a return visit follows a mediation agreement") }
            return [.returnVisitRecorded(note: note)]
        case .withdrawCase:
            return [.withdrawn(by: actor.role)]
        case .expireDeadline(let deadline):
            guard let due = s.deadlines[deadline] else { throw CaseRejection(.noSuchDeadline, "the case has no open \(deadline.rawValue) deadline") }
            guard due <= now else { throw CaseRejection(.invalidCommand, "the \(deadline.rawValue) deadline runs out at \(due), not yet") }
            switch deadline {
            case .answerNegotiation: return [.negotiationDeemedRefused]
            case .negotiationPeriod: return [.negotiationFailed(reason: "no settlement within the agreed negotiation period")]
            case .settlementPerformance: return [.agreementNotPerformed(.settlement)]
            case .acceptMediation: return [.mediationAcceptanceOverdue]
            case .concludeMediation: return [.mediationTermExpired]
            case .agreementPerformance: return [.agreementNotPerformed(.mediation)]
            case .applyForArbitrationReview: return [.reviewWindowClosed]
            case .applyForJudicialConfirmation: return [.confirmationWindowClosed]
            }
        }
    }

    public func evolve(_ state: CaseState, _ event: CaseEvent) -> CaseState {
        var s = state
        switch event {
        case .registered(let r):
            s.registration = r
            s.stage = .registered
            s.remedies = [.applyForMediation, .applyForArbitration]
        case .negotiationProposed(let by, let answerBy):
            s.stage = .negotiationProposed
            s.negotiationProposer = by
            s.deadlines[.answerNegotiation] = answerBy
        case .negotiationAnswered(let accepted):
            s.deadlines[.answerNegotiation] = nil
            s.stage = accepted ? .negotiating : .registered
        case .negotiationDeemedRefused:
            s.deadlines[.answerNegotiation] = nil
            s.stage = .registered
        case .negotiationJoined(let by):
            s.negotiationParticipants.append(by)
        case .negotiationPeriodAgreed(let until):
            s.deadlines[.negotiationPeriod] = until
        case .settlementSigned(let a, let due):
            s.settlement = a
            s.stage = .settlementPending
            s.deadlines[.negotiationPeriod] = nil
            s.deadlines[.settlementPerformance] = due
            s.remedies = []
        case .negotiationFailed:
            s.deadlines[.answerNegotiation] = nil
            s.deadlines[.negotiationPeriod] = nil
            s.stage = .registered
        case .agreementPerformed(let kind):
            s.stage = .closed
            s.outcome = kind == .settlement ? .settledByNegotiation : .mediated
            s.deadlines = [:]
            s.remedies = []
        case .agreementNotPerformed(let kind):
            s.stage = .registered
            if kind == .settlement {
                s.deadlines[.settlementPerformance] = nil
                s.remedies = [.applyForMediation, .applyForArbitration]
            } else {
                s.deadlines[.agreementPerformance] = nil
                s.remedies.insert(.applyForArbitration)
                if s.paymentOrderClaims { s.remedies.insert(.applyForPaymentOrder) }
            }
        case .mediationApplied(let organization, _, let acceptBy, let concludeBy):
            s.stage = .mediationApplied
            s.mediationOrganization = organization
            s.mediationAccepted = false
            s.mediationAcceptanceOverdue = false
            s.mediationTermExpired = false
            s.deadlines[.acceptMediation] = acceptBy
            s.deadlines[.concludeMediation] = concludeBy
        case .mediationAccepted:
            s.stage = .mediating
            s.mediationAccepted = true
            s.deadlines[.acceptMediation] = nil
        case .mediationAcceptanceOverdue:
            s.mediationAcceptanceOverdue = true
            s.deadlines[.acceptMediation] = nil
        case .mediationDeclined:
            s.stage = .registered
            s.deadlines[.acceptMediation] = nil
            s.deadlines[.concludeMediation] = nil
            s.remedies = [.applyForMediation, .applyForArbitration]
        case .mediatorAssigned(let m):
            s.mediator = m
        case .mediationExtended(let until):
            s.deadlines[.concludeMediation] = until
        case .mediationAgreementSigned(let a, let due, let reviewBy, let confirmationBy):
            s.mediationAgreement = a
            s.stage = .agreementPending
            s.deadlines[.concludeMediation] = nil
            s.deadlines[.acceptMediation] = nil
            s.deadlines[.agreementPerformance] = due
            s.deadlines[.applyForArbitrationReview] = reviewBy
            s.deadlines[.applyForJudicialConfirmation] = confirmationBy
            s.remedies = [.applyForArbitrationReview, .applyForJudicialConfirmation]
        case .performanceNoticeIssued(let n):
            s.performanceNotice = n
        case .mediationFailed:
            s.stage = .registered
            s.deadlines[.acceptMediation] = nil
            s.deadlines[.concludeMediation] = nil
            s.remedies = [.applyForArbitration]
        case .mediationTermExpired:
            s.mediationTermExpired = true
            s.deadlines[.concludeMediation] = nil
            s.remedies.insert(.applyForArbitration)
        case .returnVisitRecorded:
            s.returnVisits += 1
        case .reviewWindowClosed:
            s.deadlines[.applyForArbitrationReview] = nil
            s.remedies.remove(.applyForArbitrationReview)
        case .confirmationWindowClosed:
            s.deadlines[.applyForJudicialConfirmation] = nil
            s.remedies.remove(.applyForJudicialConfirmation)
        case .withdrawn:
            s.stage = .closed
            s.outcome = .withdrawn
            s.deadlines = [:]
            s.remedies = []
        }
        return s
    }

    /// Every open deadline is a timer: the state's deadlines before and after an event differ by
    /// what the event scheduled and cancelled.
    public func deadlines(after event: CaseEvent, state: CaseState, context: DecisionContext) -> [DeadlineEffect<CaseCommand>] {
        var effects: [DeadlineEffect<CaseCommand>] = []
        for deadline in CaseDeadline.allCases {
            if let due = state.deadlines[deadline] {
                if Self.schedules(event, deadline) { effects.append(.schedule(name: deadline.rawValue, due: due, fire: .expireDeadline(deadline))) }
            } else if Self.mayCancel(event) {
                effects.append(.cancel(name: deadline.rawValue))
            }
        }
        return effects
    }

    /// Whether `event` sets (or moves) `deadline`.
    static func schedules(_ event: CaseEvent, _ deadline: CaseDeadline) -> Bool {
        switch (event, deadline) {
        case (.negotiationProposed, .answerNegotiation), (.negotiationPeriodAgreed, .negotiationPeriod),
            (.settlementSigned, .settlementPerformance), (.mediationApplied, .acceptMediation), (.mediationApplied, .concludeMediation),
            (.mediationExtended, .concludeMediation), (.mediationAgreementSigned, .agreementPerformance),
            (.mediationAgreementSigned, .applyForArbitrationReview), (.mediationAgreementSigned, .applyForJudicialConfirmation):
            true
        default: false
        }
    }

    /// Whether `event` may end deadlines (then every deadline the state no longer holds is cancelled;
    /// cancelling one that is not scheduled does nothing).
    static func mayCancel(_ event: CaseEvent) -> Bool {
        switch event {
        case .registered, .negotiationProposed, .negotiationJoined, .negotiationPeriodAgreed, .mediationApplied, .mediatorAssigned,
            .mediationExtended, .performanceNoticeIssued, .returnVisitRecorded:
            false
        default: true
        }
    }
}
