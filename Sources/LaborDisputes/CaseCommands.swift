public import DocketCore

/// Why the rules refuse a command: a code naming the rule and a sentence for a person.
public struct CaseRejection: Error, Hashable, Sendable, CustomStringConvertible {
    /// The rule a command broke.
    public enum Code: String, Hashable, Sendable, Codable, CaseIterable {
        case notPermittedForRole, notAParty, caseNotRegistered, caseAlreadyRegistered, caseClosed, wrongStage
        case invalidCommand, agreementNotEffective, mediationNotAccepted, deadlinePassed, calendarNotCovered, noSuchDeadline
        case reviewNotAvailable, confirmationNotAvailable, paymentOrderNotAvailable, arbitrationNotAvailable, lawsuitNotAvailable
        case nothingToEnforce, unknownRegion
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

    public var description: String { "\(code.rawValue): \(message)" }
}

/// A command to a case, in the vocabulary of DOMAIN.md ("The command vocabulary"). Encoded as one
/// JSON object with `"command"` naming the case and the command's fields beside it.
public enum CaseCommand: Hashable, Sendable {
    case registerCase(RegisterCase)
    case proposeNegotiation
    case answerNegotiation(accept: Bool)
    case joinNegotiation
    case agreeNegotiationPeriod(until: Timestamp)
    case signSettlement(SettlementAgreement)
    case recordNegotiationFailure(reason: String)
    case recordPerformance(performed: Bool)
    case applyForMediation(organization: String, oral: Bool)
    case acceptMediation
    case declineMediation(reason: String)
    case assignMediator(mediator: String)
    case extendMediation(until: Timestamp, partiesAgreed: Bool)
    case signMediationAgreement(MediationAgreement)
    case issuePerformanceNotice(PerformanceNotice)
    case recordMediationFailure(reason: String)
    case recordReturnVisit(note: String)
    case entrustMediation(kind: EntrustedMediationKind, organization: String, reference: String)
    case reportEntrustedResult(success: Bool)
    case applyForArbitrationReview
    case acceptArbitrationReview
    case issueMediationDocument
    case refuseArbitrationReview(reason: String)
    case applyForJudicialConfirmation
    case recordJudicialConfirmation(confirmed: Bool)
    case applyForPaymentOrder
    case recordPaymentOrder(issued: Bool, objected: Bool)
    case applyForArbitration(claims: [Claim]?)
    case acceptArbitration
    case refuseArbitration(reason: String)
    case serveRespondent
    case recordDefense(limitation: Bool)
    case recordArbitralMediation
    case extendArbitration(days: Int)
    case issueAward(items: [AwardItem])
    case receiveAward(party: Actor.Role)
    case fileLawsuit(court: String)
    case applyToSetAsideAward
    case recordJudgment(summary: String)
    case applyForEnforcement
    case withdrawCase
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
        public init(channel: Channel, region: String, parties: [Party], claims: [Claim], groups: [KeyGroup] = [], workersInvolved: Int = 1, oral: Bool = false) {
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
        case terms, performBy, archiveConsent, privilegedFacts, signatures, seal, capacityAssessment
        case kind, reference, success, confirmed, issued, objected, claims, limitation, days, items, party, court, summary
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
                privilegedFacts: try c.decodeIfPresent([String].self, forKey: .privilegedFacts) ?? []))
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

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(name, forKey: .command)
        switch self {
        case .registerCase(let r): try r.encode(to: encoder)
        case .proposeNegotiation, .joinNegotiation, .acceptMediation, .withdrawCase, .applyForArbitrationReview, .acceptArbitrationReview,
            .issueMediationDocument, .applyForJudicialConfirmation, .applyForPaymentOrder, .acceptArbitration, .serveRespondent,
            .recordArbitralMediation, .applyToSetAsideAward, .applyForEnforcement:
            break
        case .entrustMediation(let kind, let organization, let reference):
            try c.encode(kind, forKey: .kind)
            try c.encode(organization, forKey: .organization)
            try c.encode(reference, forKey: .reference)
        case .reportEntrustedResult(let success): try c.encode(success, forKey: .success)
        case .refuseArbitrationReview(let reason), .refuseArbitration(let reason): try c.encode(reason, forKey: .reason)
        case .recordJudicialConfirmation(let confirmed): try c.encode(confirmed, forKey: .confirmed)
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
