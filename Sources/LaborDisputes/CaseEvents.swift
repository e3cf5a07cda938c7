public import DocketCore

/// What fires when a case's deadline runs out (the timer's name is the raw value).
public enum CaseDeadline: String, Hashable, Sendable, Codable, CaseIterable {
    /// The other party did not answer a negotiation proposal: deemed refused.
    case answerNegotiation
    /// The agreed negotiation period ended without a settlement: negotiation failed.
    case negotiationPeriod
    /// A settlement agreement's performance date passed: not performed.
    case settlementPerformance
    /// The mediation organization did not accept in time: flagged overdue.
    case acceptMediation
    /// Mediation did not conclude in its term: a party may apply for arbitration.
    case concludeMediation
    /// A mediation agreement's performance date passed: not performed.
    case agreementPerformance
    /// The window for arbitration review of a mediation agreement closed.
    case applyForArbitrationReview
    /// The window for judicial confirmation of a mediation agreement closed.
    case applyForJudicialConfirmation
    /// An entrusted mediation's term ran out: the case returns to the proceedings it came from.
    case entrustedMediation
    /// The committee did not decide an arbitration review in time: flagged overdue.
    case decideArbitrationReview
    /// The court did not accept a confirmation application in time: flagged overdue.
    case acceptJudicialConfirmation
    /// The court did not accept a payment-order application in time: flagged overdue.
    case acceptPaymentOrder
    /// The employer neither paid nor objected: the payment order is enforceable.
    case answerPaymentOrder
    /// The committee did not decide on an arbitration application: the applicant may sue.
    case decideArbitrationAcceptance
    /// The respondent was not served in time: flagged overdue.
    case serveRespondent
    /// The respondent did not answer in time: the arbitration goes on without an answer.
    case respondentAnswers
    /// No award in time: a party may sue.
    case arbitrationAward
    /// The worker's window to sue after receiving the award closed.
    case workerSuit
    /// The employer's window to sue after receiving a non-final award closed.
    case employerSuit
    /// The employer's window to apply to set a final award aside closed.
    case setAsideFinalAward
}

/// Which agreement a performance event is about.
public enum AgreementKind: String, Hashable, Sendable, Codable {
    case settlement, mediation, paymentOrder
}

/// What a party may do next: the remedies the rules open at a point of the case.
public enum Remedy: String, Hashable, Sendable, Codable, CaseIterable, Comparable {
    case applyForMediation, applyForArbitration, applyForArbitrationReview, applyForJudicialConfirmation, applyForPaymentOrder
    case fileLawsuit, applyForEnforcement

    public static func < (a: Remedy, b: Remedy) -> Bool { a.rawValue < b.rawValue }
}

/// The events of a case.
public enum CaseEvent: Hashable, Sendable {
    case registered(CaseCommand.RegisterCase)
    case negotiationProposed(by: Actor.Role, answerBy: Timestamp)
    case negotiationAnswered(accepted: Bool)
    case negotiationDeemedRefused
    case negotiationJoined(by: Actor)
    case negotiationPeriodAgreed(until: Timestamp)
    case settlementSigned(SettlementAgreement, performanceDue: Timestamp)
    case negotiationFailed(reason: String)
    case agreementPerformed(AgreementKind)
    case agreementNotPerformed(AgreementKind)
    case mediationApplied(organization: String, oral: Bool, acceptBy: Timestamp, concludeBy: Timestamp)
    case mediationAccepted
    case mediationAcceptanceOverdue
    case mediationDeclined(reason: String)
    case mediatorAssigned(mediator: String)
    case mediationExtended(until: Timestamp)
    case mediationAgreementSigned(MediationAgreement, performanceDue: Timestamp, reviewBy: Timestamp, confirmationBy: Timestamp)
    case performanceNoticeIssued(PerformanceNotice)
    case mediationFailed(reason: String)
    case mediationTermExpired
    case returnVisitRecorded(note: String)
    case reviewWindowClosed
    case confirmationWindowClosed
    case mediationEntrusted(kind: EntrustedMediationKind, organization: String, reference: String, returnTo: Stage, termEnds: Timestamp)
    case entrustedMediationSucceeded
    case entrustedMediationFailed(returnTo: Stage)
    case reviewApplied
    case reviewAccepted(decideBy: Timestamp)
    case reviewDecisionOverdue
    case mediationDocumentIssued
    case reviewRefused(reason: String)
    case confirmationApplied(acceptBy: Timestamp)
    case confirmationAcceptanceOverdue
    case confirmationDecided(confirmed: Bool)
    case paymentOrderApplied(acceptBy: Timestamp)
    case paymentOrderAcceptanceOverdue
    case paymentOrderRefused
    case paymentOrderIssued(answerBy: Timestamp)
    case paymentOrderObjected
    case paymentOrderEnforceable
    case arbitrationApplied(claims: [Claim], limitation: [ClaimLimitation], decideBy: Timestamp)
    case arbitrationAcceptanceOverdue
    case arbitrationAccepted(serveBy: Timestamp, awardBy: Timestamp)
    case arbitrationRefused(reason: String)
    case respondentServed(answerBy: Timestamp)
    case serviceOverdue
    case respondentAnswerOverdue
    case defenseRecorded(limitation: Bool)
    case arbitralMediationRecorded
    case arbitrationExtended(awardBy: Timestamp)
    case awardOverdue
    case awardIssued(Award)
    case awardReceived(party: Actor.Role, challengeBy: Timestamp, challenge: CaseDeadline)
    case challengeWindowClosed(CaseDeadline)
    case awardEffective
    case lawsuitFiled(party: Actor.Role, court: String)
    case setAsideApplied
    case judgmentRecorded(summary: String)
    case enforcementApplied(by: Actor.Role)
    case withdrawn(by: Actor.Role)
}

/// A claim's arbitration limitation period as computed when arbitration was applied for.
public struct ClaimLimitation: Hashable, Sendable, Codable {
    /// The claim's index in the application.
    public var claim: Int
    /// When the period runs out (`nil`: the claim states no date the infringement was known, or it
    /// is a remuneration claim during employment, which is not time-barred).
    public var runsOut: Timestamp?
    /// Whether the period had run out when arbitration was applied for (flagged, not refused: the
    /// respondent may raise the defense, and the award decides).
    public var past: Bool

    /// Creates a limitation record.
    public init(claim: Int, runsOut: Timestamp?, past: Bool) {
        self.claim = claim
        self.runsOut = runsOut
        self.past = past
    }
}

extension CaseEvent {
    private struct Empty: Codable {}
    private struct Proposed: Codable { var by: Actor.Role; var answerBy: Timestamp }
    private struct Answered: Codable { var accepted: Bool }
    private struct Joined: Codable { var by: Actor }
    private struct Until: Codable { var until: Timestamp }
    private struct Settlement: Codable { var agreement: SettlementAgreement; var performanceDue: Timestamp }
    private struct Reason: Codable { var reason: String }
    private struct Kind: Codable { var agreement: AgreementKind }
    private struct Applied: Codable { var organization: String; var oral: Bool; var acceptBy: Timestamp; var concludeBy: Timestamp }
    private struct Mediator: Codable { var mediator: String }
    private struct AgreementSigned: Codable {
        var agreement: MediationAgreement
        var performanceDue: Timestamp
        var reviewBy: Timestamp
        var confirmationBy: Timestamp
    }
    private struct Note: Codable { var note: String }
    private struct By: Codable { var by: Actor.Role }
    private struct Entrusted: Codable { var kind: EntrustedMediationKind; var organization: String; var reference: String; var returnTo: Stage; var termEnds: Timestamp }
    private struct ReturnTo: Codable { var returnTo: Stage }
    private struct DecideBy: Codable { var decideBy: Timestamp }
    private struct AcceptBy: Codable { var acceptBy: Timestamp }
    private struct AnswerBy: Codable { var answerBy: Timestamp }
    private struct Confirmed: Codable { var confirmed: Bool }
    private struct ArbitrationApplied: Codable { var claims: [Claim]; var limitation: [ClaimLimitation]; var decideBy: Timestamp }
    private struct ArbitrationAccepted: Codable { var serveBy: Timestamp; var awardBy: Timestamp }
    private struct Defense: Codable { var limitation: Bool }
    private struct AwardBy: Codable { var awardBy: Timestamp }
    private struct Received: Codable { var party: Actor.Role; var challengeBy: Timestamp; var challenge: CaseDeadline }
    private struct Window: Codable { var window: CaseDeadline }
    private struct Lawsuit: Codable { var party: Actor.Role; var court: String }
    private struct Summary: Codable { var summary: String }

    /// The stored form of case events: JSON payloads, type names `case.<event>`, schema version 1.
    public static let codec = EventCodec<CaseEvent> { event in
        switch event {
        case .registered(let r): try .json("case.registered", r)
        case .negotiationProposed(let by, let answerBy): try .json("case.negotiationProposed", Proposed(by: by, answerBy: answerBy))
        case .negotiationAnswered(let accepted): try .json("case.negotiationAnswered", Answered(accepted: accepted))
        case .negotiationDeemedRefused: try .json("case.negotiationDeemedRefused", Empty())
        case .negotiationJoined(let by): try .json("case.negotiationJoined", Joined(by: by))
        case .negotiationPeriodAgreed(let until): try .json("case.negotiationPeriodAgreed", Until(until: until))
        case .settlementSigned(let a, let due): try .json("case.settlementSigned", Settlement(agreement: a, performanceDue: due))
        case .negotiationFailed(let reason): try .json("case.negotiationFailed", Reason(reason: reason))
        case .agreementPerformed(let kind): try .json("case.agreementPerformed", Kind(agreement: kind))
        case .agreementNotPerformed(let kind): try .json("case.agreementNotPerformed", Kind(agreement: kind))
        case .mediationApplied(let o, let oral, let acceptBy, let concludeBy):
            try .json("case.mediationApplied", Applied(organization: o, oral: oral, acceptBy: acceptBy, concludeBy: concludeBy))
        case .mediationAccepted: try .json("case.mediationAccepted", Empty())
        case .mediationAcceptanceOverdue: try .json("case.mediationAcceptanceOverdue", Empty())
        case .mediationDeclined(let reason): try .json("case.mediationDeclined", Reason(reason: reason))
        case .mediatorAssigned(let m): try .json("case.mediatorAssigned", Mediator(mediator: m))
        case .mediationExtended(let until): try .json("case.mediationExtended", Until(until: until))
        case .mediationAgreementSigned(let a, let due, let reviewBy, let confirmationBy):
            try .json("case.mediationAgreementSigned", AgreementSigned(agreement: a, performanceDue: due, reviewBy: reviewBy, confirmationBy: confirmationBy))
        case .performanceNoticeIssued(let n): try .json("case.performanceNoticeIssued", n)
        case .mediationFailed(let reason): try .json("case.mediationFailed", Reason(reason: reason))
        case .mediationTermExpired: try .json("case.mediationTermExpired", Empty())
        case .returnVisitRecorded(let note): try .json("case.returnVisitRecorded", Note(note: note))
        case .reviewWindowClosed: try .json("case.reviewWindowClosed", Empty())
        case .confirmationWindowClosed: try .json("case.confirmationWindowClosed", Empty())
        case .mediationEntrusted(let kind, let o, let r, let back, let ends):
            try .json("case.mediationEntrusted", Entrusted(kind: kind, organization: o, reference: r, returnTo: back, termEnds: ends))
        case .entrustedMediationSucceeded: try .json("case.entrustedMediationSucceeded", Empty())
        case .entrustedMediationFailed(let back): try .json("case.entrustedMediationFailed", ReturnTo(returnTo: back))
        case .reviewApplied: try .json("case.reviewApplied", Empty())
        case .reviewAccepted(let by): try .json("case.reviewAccepted", DecideBy(decideBy: by))
        case .reviewDecisionOverdue: try .json("case.reviewDecisionOverdue", Empty())
        case .mediationDocumentIssued: try .json("case.mediationDocumentIssued", Empty())
        case .reviewRefused(let reason): try .json("case.reviewRefused", Reason(reason: reason))
        case .confirmationApplied(let by): try .json("case.confirmationApplied", AcceptBy(acceptBy: by))
        case .confirmationAcceptanceOverdue: try .json("case.confirmationAcceptanceOverdue", Empty())
        case .confirmationDecided(let confirmed): try .json("case.confirmationDecided", Confirmed(confirmed: confirmed))
        case .paymentOrderApplied(let by): try .json("case.paymentOrderApplied", AcceptBy(acceptBy: by))
        case .paymentOrderAcceptanceOverdue: try .json("case.paymentOrderAcceptanceOverdue", Empty())
        case .paymentOrderRefused: try .json("case.paymentOrderRefused", Empty())
        case .paymentOrderIssued(let by): try .json("case.paymentOrderIssued", AnswerBy(answerBy: by))
        case .paymentOrderObjected: try .json("case.paymentOrderObjected", Empty())
        case .paymentOrderEnforceable: try .json("case.paymentOrderEnforceable", Empty())
        case .arbitrationApplied(let claims, let limitation, let by):
            try .json("case.arbitrationApplied", ArbitrationApplied(claims: claims, limitation: limitation, decideBy: by))
        case .arbitrationAcceptanceOverdue: try .json("case.arbitrationAcceptanceOverdue", Empty())
        case .arbitrationAccepted(let serveBy, let awardBy): try .json("case.arbitrationAccepted", ArbitrationAccepted(serveBy: serveBy, awardBy: awardBy))
        case .arbitrationRefused(let reason): try .json("case.arbitrationRefused", Reason(reason: reason))
        case .respondentServed(let by): try .json("case.respondentServed", AnswerBy(answerBy: by))
        case .serviceOverdue: try .json("case.serviceOverdue", Empty())
        case .respondentAnswerOverdue: try .json("case.respondentAnswerOverdue", Empty())
        case .defenseRecorded(let limitation): try .json("case.defenseRecorded", Defense(limitation: limitation))
        case .arbitralMediationRecorded: try .json("case.arbitralMediationRecorded", Empty())
        case .arbitrationExtended(let by): try .json("case.arbitrationExtended", AwardBy(awardBy: by))
        case .awardOverdue: try .json("case.awardOverdue", Empty())
        case .awardIssued(let award): try .json("case.awardIssued", award)
        case .awardReceived(let party, let by, let challenge): try .json("case.awardReceived", Received(party: party, challengeBy: by, challenge: challenge))
        case .challengeWindowClosed(let window): try .json("case.challengeWindowClosed", Window(window: window))
        case .awardEffective: try .json("case.awardEffective", Empty())
        case .lawsuitFiled(let party, let court): try .json("case.lawsuitFiled", Lawsuit(party: party, court: court))
        case .setAsideApplied: try .json("case.setAsideApplied", Empty())
        case .judgmentRecorded(let summary): try .json("case.judgmentRecorded", Summary(summary: summary))
        case .enforcementApplied(let by): try .json("case.enforcementApplied", By(by: by))
        case .withdrawn(let by): try .json("case.withdrawn", By(by: by))
        }
    }
    .decoding("case.mediationEntrusted", as: Entrusted.self) {
        .mediationEntrusted(kind: $0.kind, organization: $0.organization, reference: $0.reference, returnTo: $0.returnTo, termEnds: $0.termEnds)
    }
    .decoding("case.entrustedMediationSucceeded", as: Empty.self) { _ in .entrustedMediationSucceeded }
    .decoding("case.entrustedMediationFailed", as: ReturnTo.self) { .entrustedMediationFailed(returnTo: $0.returnTo) }
    .decoding("case.reviewApplied", as: Empty.self) { _ in .reviewApplied }
    .decoding("case.reviewAccepted", as: DecideBy.self) { .reviewAccepted(decideBy: $0.decideBy) }
    .decoding("case.reviewDecisionOverdue", as: Empty.self) { _ in .reviewDecisionOverdue }
    .decoding("case.mediationDocumentIssued", as: Empty.self) { _ in .mediationDocumentIssued }
    .decoding("case.reviewRefused", as: Reason.self) { .reviewRefused(reason: $0.reason) }
    .decoding("case.confirmationApplied", as: AcceptBy.self) { .confirmationApplied(acceptBy: $0.acceptBy) }
    .decoding("case.confirmationAcceptanceOverdue", as: Empty.self) { _ in .confirmationAcceptanceOverdue }
    .decoding("case.confirmationDecided", as: Confirmed.self) { .confirmationDecided(confirmed: $0.confirmed) }
    .decoding("case.paymentOrderApplied", as: AcceptBy.self) { .paymentOrderApplied(acceptBy: $0.acceptBy) }
    .decoding("case.paymentOrderAcceptanceOverdue", as: Empty.self) { _ in .paymentOrderAcceptanceOverdue }
    .decoding("case.paymentOrderRefused", as: Empty.self) { _ in .paymentOrderRefused }
    .decoding("case.paymentOrderIssued", as: AnswerBy.self) { .paymentOrderIssued(answerBy: $0.answerBy) }
    .decoding("case.paymentOrderObjected", as: Empty.self) { _ in .paymentOrderObjected }
    .decoding("case.paymentOrderEnforceable", as: Empty.self) { _ in .paymentOrderEnforceable }
    .decoding("case.arbitrationApplied", as: ArbitrationApplied.self) { .arbitrationApplied(claims: $0.claims, limitation: $0.limitation, decideBy: $0.decideBy) }
    .decoding("case.arbitrationAcceptanceOverdue", as: Empty.self) { _ in .arbitrationAcceptanceOverdue }
    .decoding("case.arbitrationAccepted", as: ArbitrationAccepted.self) { .arbitrationAccepted(serveBy: $0.serveBy, awardBy: $0.awardBy) }
    .decoding("case.arbitrationRefused", as: Reason.self) { .arbitrationRefused(reason: $0.reason) }
    .decoding("case.respondentServed", as: AnswerBy.self) { .respondentServed(answerBy: $0.answerBy) }
    .decoding("case.serviceOverdue", as: Empty.self) { _ in .serviceOverdue }
    .decoding("case.respondentAnswerOverdue", as: Empty.self) { _ in .respondentAnswerOverdue }
    .decoding("case.defenseRecorded", as: Defense.self) { .defenseRecorded(limitation: $0.limitation) }
    .decoding("case.arbitralMediationRecorded", as: Empty.self) { _ in .arbitralMediationRecorded }
    .decoding("case.arbitrationExtended", as: AwardBy.self) { .arbitrationExtended(awardBy: $0.awardBy) }
    .decoding("case.awardOverdue", as: Empty.self) { _ in .awardOverdue }
    .decoding("case.awardIssued", as: Award.self) { .awardIssued($0) }
    .decoding("case.awardReceived", as: Received.self) { .awardReceived(party: $0.party, challengeBy: $0.challengeBy, challenge: $0.challenge) }
    .decoding("case.challengeWindowClosed", as: Window.self) { .challengeWindowClosed($0.window) }
    .decoding("case.awardEffective", as: Empty.self) { _ in .awardEffective }
    .decoding("case.lawsuitFiled", as: Lawsuit.self) { .lawsuitFiled(party: $0.party, court: $0.court) }
    .decoding("case.setAsideApplied", as: Empty.self) { _ in .setAsideApplied }
    .decoding("case.judgmentRecorded", as: Summary.self) { .judgmentRecorded(summary: $0.summary) }
    .decoding("case.enforcementApplied", as: By.self) { .enforcementApplied(by: $0.by) }
    .decoding("case.registered", as: CaseCommand.RegisterCase.self) { .registered($0) }
    .decoding("case.negotiationProposed", as: Proposed.self) { .negotiationProposed(by: $0.by, answerBy: $0.answerBy) }
    .decoding("case.negotiationAnswered", as: Answered.self) { .negotiationAnswered(accepted: $0.accepted) }
    .decoding("case.negotiationDeemedRefused", as: Empty.self) { _ in .negotiationDeemedRefused }
    .decoding("case.negotiationJoined", as: Joined.self) { .negotiationJoined(by: $0.by) }
    .decoding("case.negotiationPeriodAgreed", as: Until.self) { .negotiationPeriodAgreed(until: $0.until) }
    .decoding("case.settlementSigned", as: Settlement.self) { .settlementSigned($0.agreement, performanceDue: $0.performanceDue) }
    .decoding("case.negotiationFailed", as: Reason.self) { .negotiationFailed(reason: $0.reason) }
    .decoding("case.agreementPerformed", as: Kind.self) { .agreementPerformed($0.agreement) }
    .decoding("case.agreementNotPerformed", as: Kind.self) { .agreementNotPerformed($0.agreement) }
    .decoding("case.mediationApplied", as: Applied.self) { .mediationApplied(organization: $0.organization, oral: $0.oral, acceptBy: $0.acceptBy, concludeBy: $0.concludeBy) }
    .decoding("case.mediationAccepted", as: Empty.self) { _ in .mediationAccepted }
    .decoding("case.mediationAcceptanceOverdue", as: Empty.self) { _ in .mediationAcceptanceOverdue }
    .decoding("case.mediationDeclined", as: Reason.self) { .mediationDeclined(reason: $0.reason) }
    .decoding("case.mediatorAssigned", as: Mediator.self) { .mediatorAssigned(mediator: $0.mediator) }
    .decoding("case.mediationExtended", as: Until.self) { .mediationExtended(until: $0.until) }
    .decoding("case.mediationAgreementSigned", as: AgreementSigned.self) {
        .mediationAgreementSigned($0.agreement, performanceDue: $0.performanceDue, reviewBy: $0.reviewBy, confirmationBy: $0.confirmationBy)
    }
    .decoding("case.performanceNoticeIssued", as: PerformanceNotice.self) { .performanceNoticeIssued($0) }
    .decoding("case.mediationFailed", as: Reason.self) { .mediationFailed(reason: $0.reason) }
    .decoding("case.mediationTermExpired", as: Empty.self) { _ in .mediationTermExpired }
    .decoding("case.returnVisitRecorded", as: Note.self) { .returnVisitRecorded(note: $0.note) }
    .decoding("case.reviewWindowClosed", as: Empty.self) { _ in .reviewWindowClosed }
    .decoding("case.confirmationWindowClosed", as: Empty.self) { _ in .confirmationWindowClosed }
    .decoding("case.withdrawn", as: By.self) { .withdrawn(by: $0.by) }
}
