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
    /// An effective mediation agreement awaits performance (or review or confirmation).
    case agreementPending
    /// A committee or court entrusted the case to a mediation organization.
    case entrustedMediation
    /// The parties applied for arbitration review of their mediation agreement.
    case reviewApplied
    /// The committee accepted the review.
    case underReview
    /// The parties applied to a court for judicial confirmation.
    case confirmationApplied
    /// The worker applied to a court for a payment order.
    case paymentOrderApplied
    /// The court issued a payment order; the employer pays or objects.
    case paymentOrderIssued
    /// A party applied for arbitration; the committee decides on acceptance.
    case arbitrationApplied
    /// The committee accepted the case; the tribunal hears it.
    case arbitrating
    /// The award was issued; the parties may challenge it within their windows.
    case awardIssued
    /// A party sued.
    case litigation
    /// The employer applied to set a final award aside.
    case setAsideApplied
    /// A party applied for enforcement of an effective document.
    case enforcement
    /// The case ended (see ``CaseState/outcome``).
    case closed
}

/// How a case ended, for statistics.
public enum Outcome: String, Hashable, Sendable, Codable, CaseIterable {
    /// A settlement agreement reached by negotiation was performed.
    case settledByNegotiation
    /// A mediation agreement was performed, or a court-delegated (pre-filing) mediation succeeded.
    case mediated
    /// Arbitration review found the agreement lawful and issued a mediation document (调解书).
    case mediationDocument
    /// A court confirmed the mediation agreement as valid (司法确认).
    case judiciallyConfirmed
    /// The arbitral tribunal's own mediation, or a mediation it entrusted, succeeded.
    case arbitralMediation
    /// A mediation the court entrusted after filing succeeded: the court issues a mediation
    /// statement (调解书; SPC provisions on invited mediation, art. 20).
    case courtMediation
    /// The award took effect: both parties received it and no one challenged it in time.
    case awardEffective
    /// A court gave judgment.
    case judgment
    /// A payment order was paid, or became enforceable when the employer neither paid nor objected.
    case paymentOrder
    /// The arbitration committee refused the application; the applicant may still sue.
    case notAccepted
    /// A party withdrew the case.
    case withdrawn

    /// Whether the outcome is a document a court enforces when it is not performed (LDMAL art. 51).
    public var enforceable: Bool {
        switch self {
        case .mediationDocument, .judiciallyConfirmed, .arbitralMediation, .courtMediation, .awardEffective, .judgment, .paymentOrder: true
        case .settledByNegotiation, .mediated, .notAccepted, .withdrawn: false
        }
    }
}

/// A case's state, folded from its events.
public struct CaseState: Hashable, Sendable, Codable {
    /// Where the case stands.
    public var stage: Stage = .unregistered
    /// What was registered (channel, region, parties, claims, groups); `nil` before registration.
    public var registration: CaseCommand.RegisterCase?
    /// The party that proposed negotiation (it cannot answer its own proposal).
    public var negotiationProposer: Actor.Role?
    /// Unions that joined the negotiation.
    public var negotiationParticipants: [Actor] = []
    /// The settlement agreement, once signed.
    public var settlement: SettlementAgreement?
    /// The mediation organization applied to, or entrusted with the case.
    public var mediationOrganization: String?
    /// The assigned mediator's id.
    public var mediator: String?
    /// The organization accepted the current mediation application (an agreement requires it).
    public var mediationAccepted = false
    /// The organization did not accept the current application in time.
    public var mediationAcceptanceOverdue = false
    /// The current mediation did not conclude in its term (arbitration opened).
    public var mediationTermExpired = false
    /// The effective mediation agreement, once signed (return visits follow it).
    public var mediationAgreement: MediationAgreement?
    /// The performance notice, once issued (it is issued once).
    public var performanceNotice: PerformanceNotice?
    /// How many return visits were recorded.
    public var returnVisits = 0
    /// What the parties may do next.
    public var remedies: Set<Remedy> = []
    /// The case's open deadlines and when they run out.
    public var deadlines: [CaseDeadline: Timestamp] = [:]
    /// How the case ended; `nil` while it is open, and again once a lawsuit reopens it.
    public var outcome: Outcome?
    /// An entrusted mediation: its kind and the stage the case returns to when it fails.
    public var entrusted: (kind: EntrustedMediationKind, returnTo: Stage)? {
        get { entrustedKind.map { ($0, entrustedReturn ?? .registered) } }
        set {
            entrustedKind = newValue?.kind
            entrustedReturn = newValue?.returnTo
        }
    }
    var entrustedKind: EntrustedMediationKind?
    var entrustedReturn: Stage?
    /// Flags of deadlines that ran out without a legal consequence beyond being recorded.
    public var overdue: Set<CaseDeadline> = []
    /// Who applied for arbitration.
    public var arbitrationApplicant: Actor.Role?
    /// When the committee accepted the arbitration (the award period counts from it).
    public var arbitrationAcceptedAt: Timestamp?
    /// The claims before arbitration and their limitation periods.
    public var arbitrationClaims: [Claim] = []
    /// The limitation period of each arbitration claim, as computed on the application.
    public var limitation: [ClaimLimitation] = []
    /// The respondent raised the limitation defense.
    public var limitationDefense = false
    /// The respondent was served with the arbitration application.
    public var respondentServed = false
    /// The award period was extended (allowed once).
    public var arbitrationExtended = false
    /// The committee extended the arbitration review (once).
    public var reviewExtended: Bool?
    /// When the committee accepted the arbitration review.
    public var reviewAcceptedAt: Timestamp?
    /// When the court accepted the confirmation application.
    public var confirmationAcceptedAt: Timestamp?
    /// The court extended its confirmation decision (once).
    public var confirmationExtended: Bool?
    /// The court accepted the payment-order application.
    public var paymentOrderAccepted: Bool?
    /// The scheduled arbitration hearing.
    public var hearingAt: Timestamp?
    /// The respondent missed the hearing: the tribunal may decide by default (art. 36).
    public var respondentAbsent: Bool?
    /// The arbitration award, once issued.
    public var award: Award?
    /// Parties that received the award.
    public var awardReceivedBy: Set<Actor.Role> = []
    /// The court judgment's summary, once recorded.
    public var judgment: String?
    /// A party applied for enforcement.
    public var enforcementApplied = false

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
    /// The case's commands, with the roster facts their decisions need (``DisputeDesk`` adds them).
    public typealias Command = Checked<CaseCommand>
    /// The case's events.
    public typealias Event = CaseEvent
    /// The case's state, folded from its events.
    public typealias State = CaseState
    /// Why a command is refused.
    public typealias Rejection = CaseRejection

    /// The deadline policy and calendar the case is decided under.
    public let rules: CaseRules

    /// Creates the workflow.
    public init(rules: CaseRules) { self.rules = rules }

    /// The workflow's name: `labor-case`.
    public var name: String { "labor-case" }
    /// The definition version new cases start under: 1.
    public var definitionVersion: UInt32 { 1 }
    /// A case before registration (stage `unregistered`).
    public var initialState: CaseState { CaseState() }
    /// The stored form of the case's events (``CaseEvent/codec``).
    public var codec: EventCodec<CaseEvent> { CaseEvent.codec }

    /// The roles that may give each command.
    public static func permittedRoles(_ command: CaseCommand) -> Set<Actor.Role> {
        switch command {
        case .registerCase: [.registrar, .inspection, .court, .committee, .organization, .worker, .employer]
        case .proposeNegotiation, .answerNegotiation, .agreeNegotiationPeriod, .signSettlement, .applyForMediation, .withdrawCase,
            .applyForArbitrationReview, .applyForJudicialConfirmation, .applyForArbitration, .fileLawsuit, .applyForEnforcement:
            [.worker, .employer]
        case .applyForPaymentOrder: [.worker]
        case .applyToSetAsideAward: [.employer]
        case .recordDefense: [.worker, .employer]
        case .joinNegotiation: [.union]
        case .recordNegotiationFailure: [.worker, .employer, .union]
        case .recordPerformance: [.worker, .employer, .union, .organization, .mediator, .court]
        case .acceptMediation, .declineMediation, .assignMediator, .extendMediation, .reportEntrustedResult: [.organization]
        case .signMediationAgreement, .issuePerformanceNotice, .recordMediationFailure, .recordReturnVisit: [.organization, .mediator]
        case .entrustMediation: [.committee, .court]
        case .acceptArbitrationReview, .issueMediationDocument, .refuseArbitrationReview, .acceptArbitration, .refuseArbitration, .extendArbitration,
            .extendArbitrationReview, .addParty:
            [.committee]
        case .scheduleHearing: [.committee, .arbitrator]
        case .recordAbsence: [.arbitrator]
        case .changeClaims: [.worker, .employer]
        case .acceptJudicialConfirmation, .extendJudicialConfirmation, .acceptPaymentOrder: [.court]
        case .serveRespondent: [.committee, .arbitrator]
        case .recordArbitralMediation, .issueAward: [.arbitrator]
        case .receiveAward: [.committee, .arbitrator, .worker, .employer]
        case .recordJudicialConfirmation, .recordPaymentOrder, .recordJudgment: [.court]
        case .expireDeadline: [.system]
        }
    }

    /// Decides a command with the roster facts that came with it.
    public func decide(_ input: Checked<CaseCommand>, state s: CaseState, context: DecisionContext) throws(CaseRejection) -> [CaseEvent] {
        try decide(input.command, rosters: input.rosters, state: s, context: context)
    }

    /// Decides a command: checks the actor's role and party, the rosters, the case's stage,
    /// deadlines and rules, and returns the events it produces, or throws the rejection naming the
    /// rule it breaks.
    ///
    /// `rosters` is what the roster says about the organizations and mediators the command
    ///   names or is given by. An organization or mediator absent from it is not on the roster.
    public func decide(
        _ command: CaseCommand, rosters: RosterFacts = RosterFacts(), state s: CaseState, context: DecisionContext
    ) throws(CaseRejection) -> [CaseEvent] {
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
            guard rules.regions.isEmpty || rules.regions[r.region] != nil else {
                throw CaseRejection(.unknownRegion, "region \(r.region.debugDescription) has no profile (known: \(rules.regions.keys.sorted().joined(separator: ", ")))")
            }
            guard !RosterSubject.streamPrefixes.contains(where: { context.stream.rawValue.hasPrefix($0) }) else {
                throw CaseRejection(.invalidCommand, "a case id may not start with \(RosterSubject.streamPrefixes.joined(separator: ", ")): those streams are the rosters'")
            }
            return [.registered(r)]
        }
        guard s.stage != .unregistered else { throw CaseRejection(.caseNotRegistered, "case \(context.stream) is not registered") }
        if s.stage == .closed {
            // A closed case is reopened only by a stage its rules allow.
            switch command {
            case .applyForEnforcement, .expireDeadline: break
            case .recordReturnVisit where s.mediationAgreement != nil: break
            case .fileLawsuit where s.remedies.contains(.fileLawsuit): break
            default: throw CaseRejection(.caseClosed, "case \(context.stream) is closed (\(s.outcome?.rawValue ?? "closed"))")
            }
        }
        if actor.isParty, let parties = s.registration?.parties, !parties.contains(where: { $0.role == actor.role && $0.id == actor.id }) {
            throw CaseRejection(.notAParty, "\(actor) is not a party to case \(context.stream)")
        }
        let region = s.registration?.region
        // An organization acts only in the case it mediates; a mediator only for an organization it
        // serves, and in a case under mediation, for that case's organization.
        if actor.role == .organization, let org = s.mediationOrganization, actor.id != org {
            throw CaseRejection(.notPermittedForRole, "organization \(actor.id) is not the organization mediating case \(context.stream) (\(org))")
        }
        if actor.role == .mediator {
            guard let m = rosters.mediators[actor.id] else { throw CaseRejection(.unknownMediator, "mediator \(actor.id) is not on the roster") }
            if let org = s.mediationOrganization {
                guard m.serves(org) else { throw CaseRejection(.mediatorNotActive, "mediator \(actor.id) does not serve \(org), which mediates case \(context.stream)") }
            } else {
                guard m.serving else { throw CaseRejection(.mediatorNotActive, "mediator \(actor.id) serves no organization") }
            }
        }
        /// The organization may take the case: on the roster, active, and filed where the region requires it.
        func eligible(_ id: String) throws(CaseRejection) {
            guard let o = rosters.organizations[id] else { throw CaseRejection(.unknownOrganization, "organization \(id) is not on the roster") }
            guard o.status == .active else { throw CaseRejection(.organizationNotActive, "organization \(id) is \(o.status.rawValue) and accepts no application") }
            if let region, rules.regions[region]?.rosterRules.filingRequiredBeforeAccepting == true, !o.filings.contains(.judicialAdministration) {
                throw CaseRejection(.organizationNotFiled, "in \(region), organization \(id) must be filed with judicial administration before it accepts cases")
            }
        }
        func stage(_ allowed: Stage..., for what: String) throws(CaseRejection) {
            guard allowed.contains(s.stage) else { throw CaseRejection(.wrongStage, "\(what) is not possible while the case is \(s.stage.rawValue)") }
        }
        func notPast(_ t: Timestamp, _ what: String) throws(CaseRejection) {
            guard t > now else { throw CaseRejection(.deadlinePassed, "\(what) \(t) is not after the command's instant \(now)") }
        }
        func expiry(_ rule: DeadlineRule) throws(CaseRejection) -> Timestamp { try rules.expiry(rule, from: now, region: region) }
        /// A period extended once: counted again from its start, `rule` + `extension` long, rolled like any period.
        func extended(_ rule: DeadlineRule, by ext: DeadlineRule, from start: Timestamp) throws(CaseRejection) -> Timestamp {
            let base = rules.period(rule, region: region), more = rules.period(ext, region: region)
            do {
                return try rules.calendar.expiry(
                    of: PeriodRule(length: base.length + more.length, unit: base.unit, rollsToWorkingDay: base.rollsToWorkingDay), from: start,
                    utcOffsetSeconds: rules.utcOffsetSeconds)
            } catch {
                throw CaseRejection(.calendarNotCovered, "the extended period cannot be counted: \(error.message)")
            }
        }
        /// Each claim's arbitration limitation period as of now.
        func limitations(_ claims: [Claim]) throws(CaseRejection) -> [ClaimLimitation] {
            var limits: [ClaimLimitation] = []
            for (i, claim) in claims.enumerated() {
                if claim.type == .remuneration, claim.duringEmployment == true {
                    limits.append(ClaimLimitation(claim: i, runsOut: nil, past: false))
                } else if let known = claim.knownAt {
                    let runsOut = try limitationRunsOut(claim, knownAt: known, before: now, region: region)
                    limits.append(ClaimLimitation(claim: i, runsOut: runsOut, past: now >= runsOut))
                } else {
                    limits.append(ClaimLimitation(claim: i, runsOut: nil, past: false))
                }
            }
            return limits
        }
        switch command {
        case .registerCase:
            preconditionFailure("handled above")
        case .proposeNegotiation:
            try stage(.registered, for: "proposing negotiation")
            return [.negotiationProposed(by: actor.role, answerBy: try expiry(.answerNegotiation))]
        case .answerNegotiation(let accept):
            try stage(.negotiationProposed, for: "answering a negotiation proposal")
            guard actor.role != s.negotiationProposer else { throw CaseRejection(.notPermittedForRole, "the proposing party cannot answer its own proposal") }
            return [.negotiationAnswered(accepted: accept)]
        case .joinNegotiation:
            try stage(.negotiationProposed, .negotiating, for: "joining the negotiation")
            return [.negotiationJoined(by: actor)]
        case .agreeNegotiationPeriod(let until):
            try stage(.negotiating, for: "agreeing a negotiation period")
            // Like a performance date, the period's last day counts in full.
            try notPast(rules.endOfDay(until), "the negotiation period's end")
            return [.negotiationPeriodAgreed(until: rules.endOfDay(until))]
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
            case .agreementPending, .reviewApplied, .underReview, .confirmationApplied:
                return [performed ? .agreementPerformed(.mediation) : .agreementNotPerformed(.mediation)]
            case .paymentOrderIssued where performed: return [.agreementPerformed(.paymentOrder)]
            default: throw CaseRejection(.wrongStage, "there is nothing awaiting performance while the case is \(s.stage.rawValue)")
            }
        case .applyForMediation(let organization, let oral):
            guard s.stage == .registered, s.remedies.contains(.applyForMediation) else {
                throw CaseRejection(.wrongStage, "applying for mediation is not possible while the case is \(s.stage.rawValue)")
            }
            guard !organization.isEmpty else { throw CaseRejection(.invalidCommand, "a mediation application names the organization") }
            try eligible(organization)
            return [.mediationApplied(organization: organization, oral: oral, acceptBy: try expiry(.acceptMediation), concludeBy: try expiry(.concludeMediation))]
        case .acceptMediation:
            try stage(.mediationApplied, for: "accepting a mediation application")
            if let org = s.mediationOrganization { try eligible(org) }
            return [.mediationAccepted]
        case .declineMediation(let reason):
            try stage(.mediationApplied, for: "declining a mediation application")
            guard !reason.isEmpty else { throw CaseRejection(.invalidCommand, "a refusal to accept mediation states its reason") }
            return [.mediationDeclined(reason: reason)]
        case .assignMediator(let mediator):
            try stage(.mediating, for: "assigning a mediator")
            guard !mediator.isEmpty else { throw CaseRejection(.invalidCommand, "name the mediator") }
            guard let m = rosters.mediators[mediator] else { throw CaseRejection(.unknownMediator, "mediator \(mediator) is not on the roster") }
            if let org = s.mediationOrganization, !m.serves(org) {
                throw CaseRejection(.mediatorNotActive, "mediator \(mediator) does not serve \(org)")
            }
            return [.mediatorAssigned(mediator: mediator)]
        case .extendMediation(let until, let partiesAgreed):
            try stage(.mediating, for: "extending mediation")
            guard partiesAgreed else { throw CaseRejection(.invalidCommand, "mediation is extended only when both parties agree") }
            let current = s.deadlines[.concludeMediation] ?? now
            guard rules.endOfDay(until) > current else { throw CaseRejection(.invalidCommand, "an extension must end after the current term (\(current))") }
            return [.mediationExtended(until: rules.endOfDay(until))]
        case .signMediationAgreement(let agreement):
            try stage(.mediationApplied, .mediating, for: "signing a mediation agreement")
            guard s.mediationAccepted else { throw CaseRejection(.mediationNotAccepted, "the organization has not accepted the mediation") }
            let missing = agreement.signatures.missing
            guard missing.isEmpty else {
                throw CaseRejection(.agreementNotEffective, "the mediation agreement lacks \(missing.joined(separator: ", "))")
            }
            let due = rules.endOfDay(agreement.performBy)
            try notPast(due, "the performance date")
            return [.mediationAgreementSigned(
                agreement, performanceDue: due,
                reviewBy: try expiry(.applyForArbitrationReview), confirmationBy: try expiry(.applyForJudicialConfirmation))]
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

        case .entrustMediation(let kind, let organization, let reference):
            guard actor.role == kind.entrustedBy else {
                throw CaseRejection(.notPermittedForRole, "\(kind.rawValue) mediation is entrusted by a \(kind.entrustedBy.rawValue)")
            }
            switch kind {
            case .courtDelegated: try stage(.registered, for: "a court's delegated (pre-filing) mediation")
            case .courtEntrusted, .courtEntrustedSummary: try stage(.litigation, for: "a court's entrusted mediation")
            case .tribunal: try stage(.arbitrationApplied, .arbitrating, for: "a tribunal's entrusted mediation")
            }
            guard !organization.isEmpty else { throw CaseRejection(.invalidCommand, "an entrusted mediation names the organization") }
            try eligible(organization)
            let rule: DeadlineRule = switch kind {
            case .courtDelegated: .courtDelegatedMediation
            case .courtEntrusted: .courtEntrustedMediation
            case .courtEntrustedSummary: .courtEntrustedSummaryMediation
            case .tribunal: .tribunalEntrustedMediation
            }
            return [.mediationEntrusted(kind: kind, organization: organization, reference: reference, returnTo: s.stage, termEnds: try expiry(rule))]
        case .reportEntrustedResult(let success):
            try stage(.entrustedMediation, for: "reporting an entrusted mediation's result")
            return [success ? .entrustedMediationSucceeded : .entrustedMediationFailed(returnTo: s.entrusted?.returnTo ?? .registered)]

        case .applyForArbitrationReview:
            try stage(.agreementPending, for: "applying for arbitration review")
            guard s.remedies.contains(.applyForArbitrationReview) else {
                throw CaseRejection(.reviewNotAvailable, "arbitration review is applied for within 15 days of the agreement taking effect")
            }
            return [.reviewApplied]
        case .acceptArbitrationReview:
            try stage(.reviewApplied, for: "accepting an arbitration review")
            if s.registration?.claims.contains(where: { $0.type == .laborRelationship }) == true {
                throw CaseRejection(.reviewNotAvailable, "an agreement on confirming a labor relationship is not reviewed; refuse the review instead")
            }
            return [.reviewAccepted(decideBy: try expiry(.decideArbitrationReview), acceptedAt: now)]
        case .extendArbitrationReview:
            try stage(.underReview, for: "extending an arbitration review")
            guard s.reviewExtended != true else { throw CaseRejection(.invalidCommand, "a review is extended once at most") }
            guard let due = s.deadlines[.decideArbitrationReview], due > now else { throw CaseRejection(.deadlinePassed, "the review period has run out") }
            return [.reviewExtended(decideBy: try extended(.decideArbitrationReview, by: .arbitrationReviewExtension, from: s.reviewAcceptedAt ?? now))]
        case .issueMediationDocument:
            try stage(.underReview, for: "issuing a mediation document")
            return [.mediationDocumentIssued]
        case .refuseArbitrationReview(let reason):
            try stage(.reviewApplied, .underReview, for: "refusing an arbitration review")
            guard !reason.isEmpty else { throw CaseRejection(.invalidCommand, "a refusal to issue a mediation document states its ground") }
            return [.reviewRefused(reason: reason)]
        case .applyForJudicialConfirmation:
            try stage(.agreementPending, for: "applying for judicial confirmation")
            guard s.remedies.contains(.applyForJudicialConfirmation) else {
                throw CaseRejection(.confirmationNotAvailable, "judicial confirmation is applied for within 30 days of the agreement taking effect")
            }
            return [.confirmationApplied(acceptBy: try expiry(.acceptJudicialConfirmation))]
        case .acceptJudicialConfirmation:
            try stage(.confirmationApplied, for: "accepting a confirmation application")
            guard s.confirmationAcceptedAt == nil else { throw CaseRejection(.invalidCommand, "the confirmation application was already accepted") }
            return [.confirmationAccepted(at: now, decideBy: try expiry(.decideJudicialConfirmation))]
        case .extendJudicialConfirmation:
            try stage(.confirmationApplied, for: "extending a confirmation decision")
            guard let acceptedAt = s.confirmationAcceptedAt else { throw CaseRejection(.invalidCommand, "the court extends a decision only once it accepted the application") }
            guard s.confirmationExtended != true else { throw CaseRejection(.invalidCommand, "a confirmation decision is extended once at most") }
            guard let due = s.deadlines[.decideJudicialConfirmation], due > now else { throw CaseRejection(.deadlinePassed, "the decision period has run out") }
            return [.confirmationExtended(decideBy: try extended(.decideJudicialConfirmation, by: .judicialConfirmationExtension, from: acceptedAt))]
        case .recordJudicialConfirmation(let confirmed):
            try stage(.confirmationApplied, for: "recording a confirmation ruling")
            return [.confirmationDecided(confirmed: confirmed)]
        case .applyForPaymentOrder:
            guard s.stage == .registered, s.remedies.contains(.applyForPaymentOrder) else {
                throw CaseRejection(
                    .paymentOrderNotAvailable,
                    "a payment order is applied for when a mediation agreement on remuneration, work-injury medical costs, compensation or damages is not performed")
            }
            return [.paymentOrderApplied(acceptBy: try expiry(.acceptPaymentOrder))]
        case .acceptPaymentOrder:
            try stage(.paymentOrderApplied, for: "accepting a payment-order application")
            guard s.paymentOrderAccepted != true else { throw CaseRejection(.invalidCommand, "the payment-order application was already accepted") }
            return [.paymentOrderAccepted(issueBy: try expiry(.issuePaymentOrder))]
        case .recordPaymentOrder(let issued, let objected):
            switch s.stage {
            case .paymentOrderApplied: return [issued ? .paymentOrderIssued(answerBy: try expiry(.answerPaymentOrder)) : .paymentOrderRefused]
            case .paymentOrderIssued where objected: return [.paymentOrderObjected]
            default: throw CaseRejection(.wrongStage, "recording a payment order (issued: \(issued), objected: \(objected)) is not possible while the case is \(s.stage.rawValue)")
            }

        case .applyForArbitration(let given):
            guard s.remedies.contains(.applyForArbitration), [.registered, .mediationApplied, .mediating].contains(s.stage) else {
                throw CaseRejection(.arbitrationNotAvailable, "applying for arbitration is not possible while the case is \(s.stage.rawValue)")
            }
            let claims = given ?? s.registration?.claims ?? []
            guard !claims.isEmpty else { throw CaseRejection(.invalidCommand, "an arbitration application has at least one claim") }
            return [.arbitrationApplied(by: actor.role, claims: claims, limitation: try limitations(claims), decideBy: try expiry(.decideArbitrationAcceptance))]
        case .acceptArbitration:
            try stage(.arbitrationApplied, for: "accepting an arbitration application")
            return [.arbitrationAccepted(at: now, serveBy: try expiry(.serveRespondent), awardBy: try expiry(.arbitrationAward))]
        case .refuseArbitration(let reason):
            try stage(.arbitrationApplied, for: "refusing an arbitration application")
            guard !reason.isEmpty else { throw CaseRejection(.invalidCommand, "a refusal to accept arbitration states its reason") }
            return [.arbitrationRefused(reason: reason)]
        case .serveRespondent:
            try stage(.arbitrating, for: "serving the respondent")
            guard !s.respondentServed else { throw CaseRejection(.invalidCommand, "the respondent was already served") }
            return [.respondentServed(answerBy: try expiry(.respondentAnswers))]
        case .scheduleHearing(let at):
            try stage(.arbitrating, for: "scheduling a hearing")
            // 5 days' notice: the hearing may be on the 5th day after the notice's day, at the earliest.
            let earliest = Timestamp(millisecondsSinceEpoch: try rules.expiry(.hearingNotice, from: now, region: region).millisecondsSinceEpoch - 86_400_000)
            guard at >= earliest else {
                throw CaseRejection(.invalidCommand, "the hearing is notified at least 5 days ahead: not before \(earliest), not \(at)")
            }
            return [.hearingScheduled(at: at)]
        case .recordAbsence(let party):
            try stage(.arbitrating, for: "recording an absence")
            guard let hearing = s.hearingAt, now >= hearing else { throw CaseRejection(.invalidCommand, "an absence is recorded at or after a scheduled hearing") }
            guard [.worker, .employer].contains(party), let applicant = s.arbitrationApplicant else { throw CaseRejection(.invalidCommand, "the absent party is the worker or the employer") }
            return [party == applicant ? .applicantAbsent : .respondentAbsent]
        case .changeClaims(let claims):
            try stage(.arbitrating, for: "changing the claims")
            guard actor.role == s.arbitrationApplicant else { throw CaseRejection(.notPermittedForRole, "only the applicant changes its claims") }
            guard !claims.isEmpty else { throw CaseRejection(.invalidCommand, "an arbitration has at least one claim") }
            return [.claimsChanged(claims: claims, limitation: try limitations(claims), at: now, awardBy: try expiry(.arbitrationAward))]
        case .addParty(let party):
            try stage(.arbitrating, for: "adding a party")
            guard [.worker, .employer].contains(party.role), !party.id.isEmpty else { throw CaseRejection(.invalidCommand, "an added party is a worker or an employer with an id") }
            guard !(s.registration?.parties.contains { $0.role == party.role && $0.id == party.id } ?? false) else {
                throw CaseRejection(.invalidCommand, "\(party.role.rawValue) \(party.id) is already a party")
            }
            return [.partyAdded(party, at: now, awardBy: try expiry(.arbitrationAward))]
        case .recordDefense(let limitation):
            try stage(.arbitrating, for: "recording the respondent's defense")
            guard actor.role != s.arbitrationApplicant else { throw CaseRejection(.notPermittedForRole, "the defense is the respondent's") }
            return [.defenseRecorded(limitation: limitation)]
        case .recordArbitralMediation:
            try stage(.arbitrating, for: "recording an arbitral mediation")
            return [.arbitralMediationRecorded]
        case .extendArbitration(let days):
            try stage(.arbitrating, for: "extending the arbitration")
            guard !s.arbitrationExtended else { throw CaseRejection(.invalidCommand, "the award period is extended once at most") }
            guard (1...15).contains(days) else { throw CaseRejection(.invalidCommand, "the award period is extended by 1 to 15 days, not \(days)") }
            guard let awardBy = s.deadlines[.arbitrationAward], awardBy > now, let acceptedAt = s.arbitrationAcceptedAt else {
                throw CaseRejection(.deadlinePassed, "the award period has run out")
            }
            // The extended period is counted again from acceptance: 45 + days, rolled like any period.
            let base = rules.period(.arbitrationAward, region: region)
            do {
                let extended = try rules.calendar.expiry(
                    of: PeriodRule(length: base.length + days, unit: base.unit, rollsToWorkingDay: base.rollsToWorkingDay), from: acceptedAt,
                    utcOffsetSeconds: rules.utcOffsetSeconds)
                return [.arbitrationExtended(awardBy: extended)]
            } catch {
                throw CaseRejection(.calendarNotCovered, "the extended award period cannot be counted: \(error.message)")
            }
        case .issueAward(let items):
            try stage(.arbitrating, for: "issuing an award")
            guard !items.isEmpty else { throw CaseRejection(.invalidCommand, "an award has at least one item") }
            return [.awardIssued(award(items, in: s, on: rules.localDay(now)))]
        case .receiveAward(let party):
            try stage(.awardIssued, for: "recording receipt of the award")
            guard party == .worker || party == .employer else { throw CaseRejection(.invalidCommand, "the award is received by the worker or the employer") }
            if actor.isParty, actor.role != party { throw CaseRejection(.notPermittedForRole, "a party records only its own receipt") }
            guard !s.awardReceivedBy.contains(party) else { throw CaseRejection(.invalidCommand, "the \(party.rawValue) already received the award") }
            let isFinal = s.award?.final ?? false
            let window: CaseDeadline = party == .worker ? .workerSuit : (isFinal ? .setAsideFinalAward : .employerSuit)
            let rule: DeadlineRule = window == .setAsideFinalAward ? .setAsideFinalAward : .sueAfterAward
            return [.awardReceived(party: party, challengeBy: try expiry(rule), challenge: window)]
        case .fileLawsuit(let court):
            func open(_ d: CaseDeadline) -> Bool { s.deadlines[d].map { $0 > now } ?? false }
            let allowed: Bool = switch s.stage {
            case .awardIssued: actor.role == .worker ? open(.workerSuit) : open(.employerSuit)
            case .setAsideApplied: actor.role == .worker && open(.workerSuit)
            case .registered, .closed, .arbitrationApplied, .arbitrating: s.remedies.contains(.fileLawsuit)
            default: false
            }
            guard allowed else {
                throw CaseRejection(
                    .lawsuitNotAvailable,
                    s.stage == .awardIssued && actor.role == .employer && s.award?.final == true
                        ? "an employer cannot sue on a final award; it may apply to set it aside"
                        : "a lawsuit is not open to the \(actor.role.rawValue) while the case is \(s.stage.rawValue) (arbitration comes first)")
            }
            return [.lawsuitFiled(party: actor.role, court: court)]
        case .applyToSetAsideAward:
            try stage(.awardIssued, for: "applying to set the award aside")
            guard let window = s.deadlines[.setAsideFinalAward], window > now else {
                throw CaseRejection(.lawsuitNotAvailable, "only a final award is set aside, within 30 days of the employer receiving it")
            }
            return [.setAsideApplied]
        case .recordJudgment(let summary):
            try stage(.litigation, .setAsideApplied, for: "recording a judgment")
            return [.judgmentRecorded(summary: summary)]
        case .applyForEnforcement:
            guard s.remedies.contains(.applyForEnforcement), !s.enforcementApplied else {
                throw CaseRejection(.nothingToEnforce, "the case has no effective document to enforce\(s.enforcementApplied ? " that is not already being enforced" : "")")
            }
            return [.enforcementApplied(by: actor.role)]
        case .withdrawCase:
            guard s.stage != .closed else { throw CaseRejection(.caseClosed, "case \(context.stream) is closed") }
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
            case .entrustedMediation: return [.entrustedMediationFailed(returnTo: s.entrusted?.returnTo ?? .registered)]
            case .decideArbitrationReview: return [.reviewDecisionOverdue]
            case .acceptJudicialConfirmation: return [.confirmationAcceptanceOverdue]
            case .acceptPaymentOrder: return [.paymentOrderAcceptanceOverdue]
            case .issuePaymentOrder: return [.paymentOrderIssueOverdue]
            case .decideJudicialConfirmation: return [.confirmationDecisionOverdue]
            case .answerPaymentOrder: return [.paymentOrderEnforceable]
            case .decideArbitrationAcceptance: return [.arbitrationAcceptanceOverdue]
            case .serveRespondent: return [.serviceOverdue]
            case .respondentAnswers: return [.respondentAnswerOverdue]
            case .arbitrationAward: return [.awardOverdue]
            case .workerSuit, .employerSuit, .setAsideFinalAward:
                // The award takes effect once both parties received it and every window closed unused.
                let after = evolve(s, .challengeWindowClosed(deadline))
                let open = after.deadlines.keys.contains { [.workerSuit, .employerSuit, .setAsideFinalAward].contains($0) }
                let received = after.awardReceivedBy.isSuperset(of: [.worker, .employer])
                return received && !open && s.stage == .awardIssued ? [.challengeWindowClosed(deadline), .awardEffective] : [.challengeWindowClosed(deadline)]
            }
        }
    }

    /// When a claim's limitation period runs out, as of `now`: one year from the latest interruption
    /// before `now` (or from when the infringement was known), extended by the time the period was
    /// suspended while it ran. (Each suspension counts once; suspensions are taken in order.)
    public func limitationRunsOut(_ claim: Claim, knownAt: Timestamp, before now: Timestamp, region: String?) throws(CaseRejection) -> Timestamp {
        let start = ([knownAt] + (claim.interruptions ?? []).filter { $0 <= now && $0 >= knownAt }).max()!
        var runsOut = try rules.expiry(.arbitrationLimitation, from: start, region: region)
        for span in (claim.suspensions ?? []).sorted(by: { $0.from < $1.from }) where span.to > span.from && span.from < runsOut && span.to > start {
            let from = max(span.from, start)
            runsOut = Timestamp(millisecondsSinceEpoch: runsOut.millisecondsSinceEpoch + (span.to.millisecondsSinceEpoch - from.millisecondsSinceEpoch))
        }
        return runsOut
    }

    /// An award from its items: claims found time-barred on the respondent's limitation defense are
    /// dismissed; the award is final only when every item is (LDMAL art. 47).
    func award(_ items: [AwardItem], in s: CaseState, on day: String) -> Award {
        var timeBarred: [DisputeType] = []
        if s.limitationDefense {
            for l in s.limitation where l.past && s.arbitrationClaims.indices.contains(l.claim) { timeBarred.append(s.arbitrationClaims[l.claim].type) }
        }
        let decided = items.map { item in
            timeBarred.contains(item.type) ? AwardItem(type: item.type, amount: nil, granted: false) : item
        }
        // The threshold is the minimum wage in force on the award's day (LDMAL art. 47).
        let threshold = s.registration.flatMap { rules.regions[$0.region]?.finalAwardThreshold(on: day) }
        let final = decided.allSatisfy { item in
            if item.type == .workingHours || item.type == .socialInsurance { return true }
            guard let amount = item.amount ?? s.arbitrationClaims.first(where: { $0.type == item.type })?.amount, let threshold else { return false }
            return [.remuneration, .workInjuryMedical, .compensation].contains(item.type) && amount <= threshold
        }
        return Award(items: decided, final: final, timeBarred: timeBarred)
    }

    /// Applies one event to the state: its stage, outcome, deadlines, remedies and records.
    public func evolve(_ state: CaseState, _ event: CaseEvent) -> CaseState {
        var s = state
        evolve(&s, with: event)
        return s
    }

    /// Applies one event to the state in place, as ``evolve(_:_:)`` does: a fold that keeps no
    /// copy of the state before saves copying its tables each time one changes.
    public func evolve(_ s: inout CaseState, with event: CaseEvent) {
        func close(_ outcome: Outcome) {
            s.stage = .closed
            s.outcome = outcome
            s.deadlines = [:]
            s.remedies = outcome.enforceable ? Remedies.enforcement : []
        }
        switch event {
        case .registered(let r):
            s.registration = r
            s.stage = .registered
            s.remedies = Remedies.mediationOrArbitration
            // Room for the few deadlines a case holds at once (mediation's two, an agreement's
            // three), not a table that grows from one entry as they are set.
            s.deadlines.reserveCapacity(6)
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
            switch kind {
            case .settlement: close(.settledByNegotiation)
            case .mediation: close(.mediated)
            case .paymentOrder:
                close(.paymentOrder)
                s.remedies = []
            }
        case .agreementNotPerformed(let kind):
            s.stage = .registered
            if kind == .settlement {
                s.deadlines[.settlementPerformance] = nil
                s.remedies = Remedies.mediationOrArbitration
            } else {
                for d in [CaseDeadline.agreementPerformance, .applyForArbitrationReview, .applyForJudicialConfirmation] { s.deadlines[d] = nil }
                s.remedies = Remedies.arbitration
                if s.paymentOrderClaims { s.remedies.insert(.applyForPaymentOrder) }
            }
        case .mediationApplied(let organization, _, let acceptBy, let concludeBy):
            s.stage = .mediationApplied
            // One mediation at a time; a party unwilling to go on may still apply for arbitration (LDMAL art. 5).
            s.remedies = Remedies.arbitration
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
            s.overdue.insert(.acceptMediation)
            s.deadlines[.acceptMediation] = nil
        case .mediationDeclined:
            s.stage = .registered
            s.deadlines[.acceptMediation] = nil
            s.deadlines[.concludeMediation] = nil
            s.remedies = Remedies.mediationOrArbitration
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
            s.remedies = Remedies.reviewOrConfirmation
        case .performanceNoticeIssued(let n):
            s.performanceNotice = n
        case .mediationFailed:
            s.stage = .registered
            s.deadlines[.acceptMediation] = nil
            s.deadlines[.concludeMediation] = nil
            s.remedies = Remedies.arbitration
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
        case .mediationEntrusted(let kind, let organization, _, let returnTo, let termEnds):
            s.entrusted = (kind, returnTo)
            s.mediationOrganization = organization
            s.stage = .entrustedMediation
            s.deadlines[.entrustedMediation] = termEnds
        case .entrustedMediationSucceeded:
            // Who entrusted it decides what the success is: the tribunal's mediation statement, the
            // court's mediation statement after filing, or (delegated before filing) an agreement.
            switch s.entrustedKind {
            case .tribunal?: close(.arbitralMediation)
            case .courtEntrusted?, .courtEntrustedSummary?: close(.courtMediation)
            case .courtDelegated?, nil: close(.mediated)
            }
        case .entrustedMediationFailed(let returnTo):
            s.stage = returnTo
            s.deadlines[.entrustedMediation] = nil
            s.entrusted = nil
        case .reviewApplied:
            // The confirmation window keeps running: if the review is refused, confirmation may
            // still be applied for within it.
            s.stage = .reviewApplied
            s.remedies.remove(.applyForArbitrationReview)
            s.deadlines[.applyForArbitrationReview] = nil
        case .reviewAccepted(let decideBy, let acceptedAt):
            s.stage = .underReview
            s.reviewAcceptedAt = acceptedAt
            s.deadlines[.decideArbitrationReview] = decideBy
        case .reviewExtended(let decideBy):
            s.reviewExtended = true
            s.deadlines[.decideArbitrationReview] = decideBy
        case .reviewDecisionOverdue:
            s.overdue.insert(.decideArbitrationReview)
            s.deadlines[.decideArbitrationReview] = nil
        case .mediationDocumentIssued:
            close(.mediationDocument)
        case .reviewRefused:
            s.stage = .agreementPending
            s.deadlines[.decideArbitrationReview] = nil
        case .confirmationApplied(let acceptBy):
            s.stage = .confirmationApplied
            s.remedies.remove(.applyForArbitrationReview)
            s.remedies.remove(.applyForJudicialConfirmation)
            s.deadlines[.applyForArbitrationReview] = nil
            s.deadlines[.applyForJudicialConfirmation] = nil
            s.deadlines[.acceptJudicialConfirmation] = acceptBy
        case .confirmationAcceptanceOverdue:
            s.overdue.insert(.acceptJudicialConfirmation)
            s.deadlines[.acceptJudicialConfirmation] = nil
        case .confirmationAccepted(let at, let decideBy):
            s.confirmationAcceptedAt = at
            s.deadlines[.acceptJudicialConfirmation] = nil
            s.deadlines[.decideJudicialConfirmation] = decideBy
        case .confirmationExtended(let decideBy):
            s.confirmationExtended = true
            s.deadlines[.decideJudicialConfirmation] = decideBy
        case .confirmationDecisionOverdue:
            s.overdue.insert(.decideJudicialConfirmation)
            s.deadlines[.decideJudicialConfirmation] = nil
        case .confirmationDecided(let confirmed):
            if confirmed {
                close(.judiciallyConfirmed)
            } else {
                s.stage = .registered
                s.deadlines = [:]
                s.remedies = Remedies.mediationOrLawsuit
            }
        case .paymentOrderApplied(let acceptBy):
            s.stage = .paymentOrderApplied
            s.remedies.remove(.applyForPaymentOrder)
            s.deadlines[.acceptPaymentOrder] = acceptBy
        case .paymentOrderAcceptanceOverdue:
            s.overdue.insert(.acceptPaymentOrder)
            s.deadlines[.acceptPaymentOrder] = nil
        case .paymentOrderAccepted(let issueBy):
            s.paymentOrderAccepted = true
            s.deadlines[.acceptPaymentOrder] = nil
            s.deadlines[.issuePaymentOrder] = issueBy
        case .paymentOrderIssueOverdue:
            s.overdue.insert(.issuePaymentOrder)
            s.deadlines[.issuePaymentOrder] = nil
        case .paymentOrderRefused:
            s.stage = .registered
            s.deadlines[.acceptPaymentOrder] = nil
            s.deadlines[.issuePaymentOrder] = nil
        case .paymentOrderIssued(let answerBy):
            s.stage = .paymentOrderIssued
            s.deadlines[.acceptPaymentOrder] = nil
            s.deadlines[.issuePaymentOrder] = nil
            s.deadlines[.answerPaymentOrder] = answerBy
        case .paymentOrderObjected:
            s.stage = .registered
            s.deadlines[.answerPaymentOrder] = nil
            s.remedies = Remedies.lawsuit
        case .paymentOrderEnforceable:
            close(.paymentOrder)
        case .arbitrationApplied(let applicant, let claims, let limitation, let decideBy):
            s.stage = .arbitrationApplied
            s.arbitrationApplicant = applicant
            s.arbitrationClaims = claims
            s.limitation = limitation
            s.remedies = []
            for d in [CaseDeadline.acceptMediation, .concludeMediation] { s.deadlines[d] = nil }
            s.deadlines[.decideArbitrationAcceptance] = decideBy
        case .arbitrationAcceptanceOverdue:
            s.deadlines[.decideArbitrationAcceptance] = nil
            s.remedies.insert(.fileLawsuit)
        case .arbitrationAccepted(let acceptedAt, let serveBy, let awardBy):
            s.stage = .arbitrating
            s.arbitrationAcceptedAt = acceptedAt
            s.deadlines[.decideArbitrationAcceptance] = nil
            s.remedies.remove(.fileLawsuit)
            s.deadlines[.serveRespondent] = serveBy
            s.deadlines[.arbitrationAward] = awardBy
        case .arbitrationRefused:
            close(.notAccepted)
            s.remedies = Remedies.lawsuit
        case .respondentServed(let answerBy):
            s.respondentServed = true
            s.deadlines[.serveRespondent] = nil
            s.deadlines[.respondentAnswers] = answerBy
        case .serviceOverdue:
            s.overdue.insert(.serveRespondent)
            s.deadlines[.serveRespondent] = nil
        case .respondentAnswerOverdue:
            s.overdue.insert(.respondentAnswers)
            s.deadlines[.respondentAnswers] = nil
        case .defenseRecorded(let limitation):
            s.limitationDefense = s.limitationDefense || limitation
            s.deadlines[.respondentAnswers] = nil
        case .arbitralMediationRecorded:
            close(.arbitralMediation)
        case .hearingScheduled(let at): s.hearingAt = at
        case .applicantAbsent: close(.withdrawn)
        case .respondentAbsent: s.respondentAbsent = true
        case .claimsChanged(let claims, let limitation, let at, let awardBy):
            s.arbitrationClaims = claims
            s.limitation = limitation
            s.arbitrationAcceptedAt = at
            s.arbitrationExtended = false
            s.deadlines[.arbitrationAward] = awardBy
        case .partyAdded(let party, let at, let awardBy):
            s.registration?.parties.append(party)
            s.arbitrationAcceptedAt = at
            s.arbitrationExtended = false
            s.deadlines[.arbitrationAward] = awardBy
        case .arbitrationExtended(let awardBy):
            s.arbitrationExtended = true
            s.deadlines[.arbitrationAward] = awardBy
        case .awardOverdue:
            s.deadlines[.arbitrationAward] = nil
            s.remedies.insert(.fileLawsuit)
        case .awardIssued(let award):
            s.award = award
            s.stage = .awardIssued
            s.deadlines = [:]
            s.remedies = []
        case .awardReceived(let party, let challengeBy, let challenge):
            s.awardReceivedBy.insert(party)
            s.deadlines[challenge] = challengeBy
        case .challengeWindowClosed(let window):
            s.deadlines[window] = nil
        case .awardEffective:
            close(.awardEffective)
        case .lawsuitFiled:
            s.stage = .litigation
            s.outcome = nil
            s.deadlines = [:]
            s.remedies = []
        case .setAsideApplied:
            // The worker keeps its own window to sue (LDMAL art. 48).
            s.stage = .setAsideApplied
            s.deadlines = s.deadlines.filter { $0.key == .workerSuit }
        case .judgmentRecorded(let summary):
            s.judgment = summary
            close(.judgment)
        case .enforcementApplied:
            s.stage = .enforcement
            s.enforcementApplied = true
            s.remedies = []
        case .withdrawn:
            close(.withdrawn)
        }
    }

    /// Every open deadline is a timer: an event schedules each deadline it sets or moves, and
    /// cancels each it ends.
    public func deadlines(after event: CaseEvent, from before: CaseState, to after: CaseState, context: DecisionContext) -> [DeadlineEffect<Checked<CaseCommand>>] {
        var effects: [DeadlineEffect<Checked<CaseCommand>>] = []
        for deadline in CaseDeadline.allCases {
            switch (before.deadlines[deadline], after.deadlines[deadline]) {
            case (let old, let new?) where old != new:
                effects.append(.schedule(name: deadline.rawValue, due: new, fire: Checked(.expireDeadline(deadline))))
            case (_?, nil):
                effects.append(.cancel(name: deadline.rawValue))
            default: break
            }
        }
        return effects
    }
}

/// The sets of remedies the fold assigns, made once: a set literal in `evolve` would allocate a
/// new set for every event that assigns it.
private enum Remedies {
    static let mediationOrArbitration: Set<Remedy> = [.applyForMediation, .applyForArbitration]
    static let arbitration: Set<Remedy> = [.applyForArbitration]
    static let reviewOrConfirmation: Set<Remedy> = [.applyForArbitrationReview, .applyForJudicialConfirmation]
    static let mediationOrLawsuit: Set<Remedy> = [.applyForMediation, .fileLawsuit]
    static let lawsuit: Set<Remedy> = [.fileLawsuit]
    static let enforcement: Set<Remedy> = [.applyForEnforcement]
}
