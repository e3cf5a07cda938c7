public import DocketCore

/// Why the rules refuse a command: a code naming the rule and a sentence for a person.
public struct CaseRejection: Error, Hashable, Sendable, CustomStringConvertible {
    /// The rule a command broke.
    public enum Code: String, Hashable, Sendable, Codable, CaseIterable {
        /// The actor's role may not give this command, or not here (a proposer answering its
        /// own proposal, the applicant giving the respondent's defense, the wrong entrusting body).
        case notPermittedForRole
        /// A worker or employer acts only in a case it is registered as a party to.
        case notAParty
        /// A case must be registered before any other command.
        case caseNotRegistered
        /// A case is registered once.
        case caseAlreadyRegistered
        /// A closed case takes only what its rules allow: enforcement, an open lawsuit, a deadline.
        case caseClosed
        /// The command does not apply at the case's current stage.
        case wrongStage
        /// The command's fields break a rule: a missing party, claim, reason or organization, an
        /// extension without both parties' agreement, a deadline not yet due, and the like.
        case invalidCommand
        /// A mediation agreement takes effect only with both parties' signatures or seals, the
        /// mediator's signature and the organization's seal (LDMAL art. 14).
        case agreementNotEffective
        /// A mediation agreement needs the organization to have accepted the mediation.
        case mediationNotAccepted
        /// A date given (a performance date, a negotiation period's end) must be after the
        /// command's instant; an award period that ran out cannot be extended.
        case deadlinePassed
        /// A period cannot be counted because the holiday calendar does not cover its dates.
        case calendarNotCovered
        /// `expireDeadline` names a deadline the case does not have open.
        case noSuchDeadline
        /// Arbitration review is applied for within 15 days of the agreement taking effect, and not
        /// for an agreement confirming a labor relationship.
        case reviewNotAvailable
        /// Judicial confirmation is applied for within 30 days of the agreement taking effect.
        case confirmationNotAvailable
        /// A payment order is open only to the worker, after a mediation agreement on remuneration,
        /// work-injury medical costs, compensation or damages was not performed (LDMAL art. 16).
        case paymentOrderNotAvailable
        /// Arbitration is applied for only where the case's stage and remedies allow it.
        case arbitrationNotAvailable
        /// Arbitration comes before a court: a lawsuit is open only where the rules allow it; an
        /// employer cannot sue on a final award; only a final award is set aside, within 30 days.
        case lawsuitNotAvailable
        /// Enforcement needs an effective, enforceable document not already being enforced.
        case nothingToEnforce
        /// A case is registered under a region that has a profile.
        case unknownRegion
        /// The organization a command names, or acts as, is not on the roster.
        case unknownOrganization
        /// The organization is suspended or dissolved: it accepts no application.
        case organizationNotActive
        /// The region requires an organization to be filed with judicial administration before it
        /// accepts cases (Qinghai), and this one is not.
        case organizationNotFiled
        /// The mediator a command names, or acts as, is not on the roster.
        case unknownMediator
        /// The mediator does not serve (or no longer serves) the organization mediating the case.
        case mediatorNotActive
    }

    /// The rule.
    public let code: Code
    /// What happened, for a person.
    public let message: String

    /// Creates a rejection.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The rejection as `code: message`.
    public var description: String { "\(code.rawValue): \(message)" }
}

/// A command to a case, in the vocabulary of DOMAIN.md ("The command vocabulary"). Encoded as one
/// JSON object with `"command"` naming the case and the command's fields beside it.
public enum CaseCommand: Hashable, Sendable {
    /// Registers the dispute (intake): channel, region, parties, claims, groups.
    case registerCase(RegisterCase)
    /// A party proposes negotiation; the other party has 5 days to answer.
    case proposeNegotiation
    /// The other party accepts or refuses a negotiation proposal.
    case answerNegotiation(accept: Bool)
    /// A union joins the negotiation at a party's request.
    case joinNegotiation
    /// The parties agree when negotiation ends; no settlement by then means it failed.
    case agreeNegotiationPeriod(until: Timestamp)
    /// The parties sign a settlement agreement (和解协议) with its performance date.
    case signSettlement(SettlementAgreement)
    /// A party or the union records that negotiation failed.
    case recordNegotiationFailure(reason: String)
    /// Records whether the pending settlement, mediation agreement or payment order was performed.
    case recordPerformance(performed: Bool)
    /// A party applies to a mediation organization, in writing or orally.
    case applyForMediation(organization: String, oral: Bool)
    /// The organization accepts the mediation application (within 3 working days).
    case acceptMediation
    /// The organization refuses the mediation application, with its reason.
    case declineMediation(reason: String)
    /// The organization assigns a mediator from its roster.
    case assignMediator(mediator: String)
    /// The organization extends the mediation term; only when both parties agree.
    case extendMediation(until: Timestamp, partiesAgreed: Bool)
    /// Records a mediation agreement (调解协议书), effective only when fully signed and sealed.
    case signMediationAgreement(MediationAgreement)
    /// The organization issues its performance notice (履行告知书) with a capacity assessment.
    case issuePerformanceNotice(PerformanceNotice)
    /// Mediation failed (调解不成); the parties are told their next remedy.
    case recordMediationFailure(reason: String)
    /// Records a return visit (回访) after a mediation agreement.
    case recordReturnVisit(note: String)
    /// A court or arbitration committee entrusts the case to a mediation organization.
    case entrustMediation(kind: EntrustedMediationKind, organization: String, reference: String)
    /// The organization reports an entrusted mediation's result back.
    case reportEntrustedResult(success: Bool)
    /// The parties apply for arbitration review (仲裁审查) of their mediation agreement (15 days).
    case applyForArbitrationReview
    /// The committee accepts the arbitration review.
    case acceptArbitrationReview
    /// The committee finds the agreement lawful and issues an enforceable mediation document (调解书).
    case issueMediationDocument
    /// The committee extends the review by 5 days, once, on approval.
    case extendArbitrationReview
    /// The court accepts a confirmation application; it decides within 15 days.
    case acceptJudicialConfirmation
    /// The court extends its confirmation decision by 10 days, once.
    case extendJudicialConfirmation
    /// The court accepts a payment-order application; it issues or refuses within 15 days.
    case acceptPaymentOrder
    /// The tribunal schedules the hearing, at least 5 days after the notice (JSON field `hearing`).
    case scheduleHearing(at: Timestamp)
    /// A party did not attend the hearing without good reason (art. 36).
    case recordAbsence(party: Actor.Role)
    /// The applicant changes its claims in arbitration; the award period restarts.
    case changeClaims(claims: [Claim])
    /// The committee adds a party; the award period restarts.
    case addParty(Party)
    /// The committee refuses the review or to issue a mediation document, with its ground.
    case refuseArbitrationReview(reason: String)
    /// The parties apply to a court for judicial confirmation (司法确认), within 30 days.
    case applyForJudicialConfirmation
    /// The court's ruling: the agreement is valid, or the application is dismissed.
    case recordJudicialConfirmation(confirmed: Bool)
    /// The worker applies to a court for a payment order (支付令) on an unperformed mediation
    /// agreement on remuneration, work-injury medical costs, compensation or damages.
    case applyForPaymentOrder
    /// The court issues or refuses a payment order, or records the employer's valid objection.
    case recordPaymentOrder(issued: Bool, objected: Bool)
    /// A party applies for arbitration, with its claims (`nil`: the registered claims).
    case applyForArbitration(claims: [Claim]?)
    /// The committee accepts the arbitration application (within 5 days).
    case acceptArbitration
    /// The committee refuses the arbitration application, with its reason; the applicant may sue.
    case refuseArbitration(reason: String)
    /// A copy of the application is served on the respondent.
    case serveRespondent
    /// The respondent's answer, possibly raising the limitation defense.
    case recordDefense(limitation: Bool)
    /// The tribunal's mediation succeeded (arbitral mediation); the case closes.
    case recordArbitralMediation
    /// The committee extends the award period, once, by 1 to 15 days.
    case extendArbitration(days: Int)
    /// The arbitrator issues the award (裁决书).
    case issueAward(items: [AwardItem])
    /// The worker or the employer received the award, which opens its window to challenge it.
    case receiveAward(party: Actor.Role)
    /// A party sues in a people's court, where the rules open a lawsuit.
    case fileLawsuit(court: String)
    /// The employer applies to the intermediate court to set a final award aside, within 30 days.
    case applyToSetAsideAward
    /// The court's judgment; the case closes.
    case recordJudgment(summary: String)
    /// A party applies to a court to enforce an effective document.
    case applyForEnforcement
    /// A party withdraws the case.
    case withdrawCase
    /// Sent by the scheduler when one of the case's deadlines runs out.
    case expireDeadline(CaseDeadline)

    /// The fields of `registerCase`.
    public struct RegisterCase: Hashable, Sendable, Codable {
        /// How the dispute arrived.
        public var channel: Channel
        /// The region whose profile the case follows.
        public var region: String
        /// The worker and the employer (at least one of each).
        public var parties: [Party]
        /// The claims (at least one).
        public var claims: [Claim]
        /// Key groups the workers belong to.
        public var groups: [KeyGroup]
        /// How many workers are involved (10 or more with a common claim: a collective dispute).
        public var workersInvolved: Int
        /// An oral application recorded on the spot.
        public var oral: Bool

        /// Creates the fields.
        /// The employer's sector, for the risk ledger (optional).
        public var sector: Sector?
        public init(
            channel: Channel, region: String, parties: [Party], claims: [Claim], groups: [KeyGroup] = [], workersInvolved: Int = 1, oral: Bool = false,
            sector: Sector? = nil
        ) {
            self.sector = sector
            self.channel = channel
            self.region = region
            self.parties = parties
            self.claims = claims
            self.groups = groups
            self.workersInvolved = workersInvolved
            self.oral = oral
        }
    }

    /// The command's name in the vocabulary.
    public var name: String {
        switch self {
        case .registerCase: "registerCase"
        case .proposeNegotiation: "proposeNegotiation"
        case .answerNegotiation: "answerNegotiation"
        case .joinNegotiation: "joinNegotiation"
        case .agreeNegotiationPeriod: "agreeNegotiationPeriod"
        case .signSettlement: "signSettlement"
        case .recordNegotiationFailure: "recordNegotiationFailure"
        case .recordPerformance: "recordPerformance"
        case .applyForMediation: "applyForMediation"
        case .acceptMediation: "acceptMediation"
        case .declineMediation: "declineMediation"
        case .assignMediator: "assignMediator"
        case .extendMediation: "extendMediation"
        case .signMediationAgreement: "signMediationAgreement"
        case .issuePerformanceNotice: "issuePerformanceNotice"
        case .recordMediationFailure: "recordMediationFailure"
        case .recordReturnVisit: "recordReturnVisit"
        case .entrustMediation: "entrustMediation"
        case .reportEntrustedResult: "reportEntrustedResult"
        case .applyForArbitrationReview: "applyForArbitrationReview"
        case .acceptArbitrationReview: "acceptArbitrationReview"
        case .issueMediationDocument: "issueMediationDocument"
        case .extendArbitrationReview: "extendArbitrationReview"
        case .acceptJudicialConfirmation: "acceptJudicialConfirmation"
        case .extendJudicialConfirmation: "extendJudicialConfirmation"
        case .acceptPaymentOrder: "acceptPaymentOrder"
        case .scheduleHearing: "scheduleHearing"
        case .recordAbsence: "recordAbsence"
        case .changeClaims: "changeClaims"
        case .addParty: "addParty"
        case .refuseArbitrationReview: "refuseArbitrationReview"
        case .applyForJudicialConfirmation: "applyForJudicialConfirmation"
        case .recordJudicialConfirmation: "recordJudicialConfirmation"
        case .applyForPaymentOrder: "applyForPaymentOrder"
        case .recordPaymentOrder: "recordPaymentOrder"
        case .applyForArbitration: "applyForArbitration"
        case .acceptArbitration: "acceptArbitration"
        case .refuseArbitration: "refuseArbitration"
        case .serveRespondent: "serveRespondent"
        case .recordDefense: "recordDefense"
        case .recordArbitralMediation: "recordArbitralMediation"
        case .extendArbitration: "extendArbitration"
        case .issueAward: "issueAward"
        case .receiveAward: "receiveAward"
        case .fileLawsuit: "fileLawsuit"
        case .applyToSetAsideAward: "applyToSetAsideAward"
        case .recordJudgment: "recordJudgment"
        case .applyForEnforcement: "applyForEnforcement"
        case .withdrawCase: "withdrawCase"
        case .expireDeadline: "expireDeadline"
        }
    }
}

extension CaseCommand: Codable {
    private enum Key: String, CodingKey {
        case command, accept, until, reason, performed, organization, oral, mediator, partiesAgreed, note, deadline
        case terms, performBy, archiveConsent, privilegedFacts, disclosureConsent, signatures, seal, capacityAssessment
        case kind, reference, success, confirmed, issued, objected, claims, limitation, days, items, party, court, summary, hearing
    }

    private struct ArchiveConsent: Codable {
        var worker: Bool
        var employer: Bool
    }

    private struct SignatureFields: Codable {
        var worker: Bool
        var employer: Bool
        var mediator: Bool
    }

    /// Decodes a command from one JSON object: `"command"` names it, its fields stand beside it.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        let name = try c.decode(String.self, forKey: .command)
        switch name {
        case "registerCase": self = .registerCase(try RegisterCase(from: decoder))
        case "proposeNegotiation": self = .proposeNegotiation
        case "answerNegotiation": self = .answerNegotiation(accept: try c.decode(Bool.self, forKey: .accept))
        case "joinNegotiation": self = .joinNegotiation
        case "agreeNegotiationPeriod": self = .agreeNegotiationPeriod(until: try c.decode(Timestamp.self, forKey: .until))
        case "signSettlement":
            let consent = try c.decode(ArchiveConsent.self, forKey: .archiveConsent)
            self = .signSettlement(SettlementAgreement(
                terms: try c.decode(String.self, forKey: .terms), performBy: try c.decode(Timestamp.self, forKey: .performBy),
                workerArchiveConsent: consent.worker, employerArchiveConsent: consent.employer,
                privilegedFacts: try c.decodeIfPresent([String].self, forKey: .privilegedFacts) ?? [],
                disclosureConsent: try c.decodeIfPresent(PartyConsent.self, forKey: .disclosureConsent)))
        case "recordNegotiationFailure": self = .recordNegotiationFailure(reason: try c.decodeIfPresent(String.self, forKey: .reason) ?? "")
        case "recordPerformance": self = .recordPerformance(performed: try c.decode(Bool.self, forKey: .performed))
        case "applyForMediation":
            self = .applyForMediation(organization: try c.decode(String.self, forKey: .organization), oral: try c.decodeIfPresent(Bool.self, forKey: .oral) ?? false)
        case "acceptMediation": self = .acceptMediation
        case "declineMediation": self = .declineMediation(reason: try c.decode(String.self, forKey: .reason))
        case "assignMediator": self = .assignMediator(mediator: try c.decode(String.self, forKey: .mediator))
        case "extendMediation":
            self = .extendMediation(until: try c.decode(Timestamp.self, forKey: .until), partiesAgreed: try c.decode(Bool.self, forKey: .partiesAgreed))
        case "signMediationAgreement":
            let s = try c.decode(SignatureFields.self, forKey: .signatures)
            self = .signMediationAgreement(MediationAgreement(
                terms: try c.decode(String.self, forKey: .terms), performBy: try c.decode(Timestamp.self, forKey: .performBy),
                signatures: Signatures(worker: s.worker, employer: s.employer, mediator: s.mediator, organizationSeal: try c.decode(Bool.self, forKey: .seal))))
        case "issuePerformanceNotice": self = .issuePerformanceNotice(PerformanceNotice(capacityAssessment: try c.decode(String.self, forKey: .capacityAssessment)))
        case "recordMediationFailure": self = .recordMediationFailure(reason: try c.decode(String.self, forKey: .reason))
        case "recordReturnVisit": self = .recordReturnVisit(note: try c.decodeIfPresent(String.self, forKey: .note) ?? "")
        case "entrustMediation":
            self = .entrustMediation(
                kind: try c.decode(EntrustedMediationKind.self, forKey: .kind), organization: try c.decode(String.self, forKey: .organization),
                reference: try c.decodeIfPresent(String.self, forKey: .reference) ?? "")
        case "reportEntrustedResult": self = .reportEntrustedResult(success: try c.decode(Bool.self, forKey: .success))
        case "applyForArbitrationReview": self = .applyForArbitrationReview
        case "acceptArbitrationReview": self = .acceptArbitrationReview
        case "issueMediationDocument": self = .issueMediationDocument
        case "extendArbitrationReview": self = .extendArbitrationReview
        case "acceptJudicialConfirmation": self = .acceptJudicialConfirmation
        case "extendJudicialConfirmation": self = .extendJudicialConfirmation
        case "acceptPaymentOrder": self = .acceptPaymentOrder
        case "scheduleHearing": self = .scheduleHearing(at: try c.decode(Timestamp.self, forKey: .hearing))
        case "recordAbsence": self = .recordAbsence(party: try c.decode(Actor.Role.self, forKey: .party))
        case "changeClaims": self = .changeClaims(claims: try c.decode([Claim].self, forKey: .claims))
        case "addParty": self = .addParty(try c.decode(Party.self, forKey: .party))
        case "refuseArbitrationReview": self = .refuseArbitrationReview(reason: try c.decode(String.self, forKey: .reason))
        case "applyForJudicialConfirmation": self = .applyForJudicialConfirmation
        case "recordJudicialConfirmation": self = .recordJudicialConfirmation(confirmed: try c.decode(Bool.self, forKey: .confirmed))
        case "applyForPaymentOrder": self = .applyForPaymentOrder
        case "recordPaymentOrder":
            self = .recordPaymentOrder(issued: try c.decode(Bool.self, forKey: .issued), objected: try c.decodeIfPresent(Bool.self, forKey: .objected) ?? false)
        case "applyForArbitration": self = .applyForArbitration(claims: try c.decodeIfPresent([Claim].self, forKey: .claims))
        case "acceptArbitration": self = .acceptArbitration
        case "refuseArbitration": self = .refuseArbitration(reason: try c.decode(String.self, forKey: .reason))
        case "serveRespondent": self = .serveRespondent
        case "recordDefense": self = .recordDefense(limitation: try c.decodeIfPresent(Bool.self, forKey: .limitation) ?? false)
        case "recordArbitralMediation": self = .recordArbitralMediation
        case "extendArbitration": self = .extendArbitration(days: try c.decode(Int.self, forKey: .days))
        case "issueAward": self = .issueAward(items: try c.decode([AwardItem].self, forKey: .items))
        case "receiveAward": self = .receiveAward(party: try c.decode(Actor.Role.self, forKey: .party))
        case "fileLawsuit": self = .fileLawsuit(court: try c.decodeIfPresent(String.self, forKey: .court) ?? "")
        case "applyToSetAsideAward": self = .applyToSetAsideAward
        case "recordJudgment": self = .recordJudgment(summary: try c.decodeIfPresent(String.self, forKey: .summary) ?? "")
        case "applyForEnforcement": self = .applyForEnforcement
        case "withdrawCase": self = .withdrawCase
        case "expireDeadline": self = .expireDeadline(try c.decode(CaseDeadline.self, forKey: .deadline))
        default:
            throw DecodingError.dataCorruptedError(forKey: .command, in: c, debugDescription: "unknown case command \(name.debugDescription)")
        }
    }

    /// Encodes the command as one JSON object: `"command"` and the command's fields.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(name, forKey: .command)
        switch self {
        case .registerCase(let r): try r.encode(to: encoder)
        case .proposeNegotiation, .joinNegotiation, .acceptMediation, .withdrawCase, .applyForArbitrationReview, .acceptArbitrationReview,
            .issueMediationDocument, .applyForJudicialConfirmation, .extendArbitrationReview, .acceptJudicialConfirmation,
            .extendJudicialConfirmation, .acceptPaymentOrder, .applyForPaymentOrder, .acceptArbitration, .serveRespondent,
            .recordArbitralMediation, .applyToSetAsideAward, .applyForEnforcement:
            break
        case .entrustMediation(let kind, let organization, let reference):
            try c.encode(kind, forKey: .kind)
            try c.encode(organization, forKey: .organization)
            try c.encode(reference, forKey: .reference)
        case .reportEntrustedResult(let success): try c.encode(success, forKey: .success)
        case .refuseArbitrationReview(let reason), .refuseArbitration(let reason): try c.encode(reason, forKey: .reason)
        case .recordJudicialConfirmation(let confirmed): try c.encode(confirmed, forKey: .confirmed)
        case .scheduleHearing(let at): try c.encode(at, forKey: .hearing)
        case .recordAbsence(let party): try c.encode(party, forKey: .party)
        case .changeClaims(let claims): try c.encode(claims, forKey: .claims)
        case .addParty(let party): try c.encode(party, forKey: .party)
        case .recordPaymentOrder(let issued, let objected):
            try c.encode(issued, forKey: .issued)
            try c.encode(objected, forKey: .objected)
        case .applyForArbitration(let claims): try c.encodeIfPresent(claims, forKey: .claims)
        case .recordDefense(let limitation): try c.encode(limitation, forKey: .limitation)
        case .extendArbitration(let days): try c.encode(days, forKey: .days)
        case .issueAward(let items): try c.encode(items, forKey: .items)
        case .receiveAward(let party): try c.encode(party, forKey: .party)
        case .fileLawsuit(let court): try c.encode(court, forKey: .court)
        case .recordJudgment(let summary): try c.encode(summary, forKey: .summary)
        case .answerNegotiation(let accept): try c.encode(accept, forKey: .accept)
        case .agreeNegotiationPeriod(let until): try c.encode(until, forKey: .until)
        case .signSettlement(let s):
            try c.encode(s.terms, forKey: .terms)
            try c.encode(s.performBy, forKey: .performBy)
            try c.encode(ArchiveConsent(worker: s.workerArchiveConsent, employer: s.employerArchiveConsent), forKey: .archiveConsent)
            try c.encode(s.privilegedFacts, forKey: .privilegedFacts)
            try c.encodeIfPresent(s.disclosureConsent, forKey: .disclosureConsent)
        case .recordNegotiationFailure(let reason), .declineMediation(let reason), .recordMediationFailure(let reason):
            try c.encode(reason, forKey: .reason)
        case .recordPerformance(let performed): try c.encode(performed, forKey: .performed)
        case .applyForMediation(let organization, let oral):
            try c.encode(organization, forKey: .organization)
            try c.encode(oral, forKey: .oral)
        case .assignMediator(let mediator): try c.encode(mediator, forKey: .mediator)
        case .extendMediation(let until, let agreed):
            try c.encode(until, forKey: .until)
            try c.encode(agreed, forKey: .partiesAgreed)
        case .signMediationAgreement(let a):
            try c.encode(a.terms, forKey: .terms)
            try c.encode(a.performBy, forKey: .performBy)
            try c.encode(SignatureFields(worker: a.signatures.worker, employer: a.signatures.employer, mediator: a.signatures.mediator), forKey: .signatures)
            try c.encode(a.signatures.organizationSeal, forKey: .seal)
        case .issuePerformanceNotice(let n): try c.encode(n.capacityAssessment, forKey: .capacityAssessment)
        case .recordReturnVisit(let note): try c.encode(note, forKey: .note)
        case .expireDeadline(let rule): try c.encode(rule, forKey: .deadline)
        }
    }
}

/// Who entrusted a mediation and under which term (DOMAIN.md, lifecycle step 3).
public enum EntrustedMediationKind: String, Hashable, Sendable, Codable, CaseIterable {
    /// A court's pre-filing, delegated mediation (30 days).
    case courtDelegated
    /// A court's entrusted mediation after filing (15 days).
    case courtEntrusted
    /// A court's entrusted mediation in summary procedure (7 days).
    case courtEntrustedSummary
    /// An arbitration committee's or tribunal's entrusted mediation (10 days).
    case tribunal

    /// The role that entrusts this kind.
    public var entrustedBy: Actor.Role { self == .tribunal ? .committee : .court }
}
