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
    /// The court did not decide an accepted confirmation in time: flagged overdue.
    case decideJudicialConfirmation
    /// The court did not accept a payment-order application in time: flagged overdue.
    case acceptPaymentOrder
    /// The court did not issue (or refuse) an accepted payment order in time: flagged overdue.
    case issuePaymentOrder
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
    /// A settlement agreement reached by negotiation (和解协议).
    case settlement
    /// A mediation agreement (调解协议书).
    case mediation
    /// A court's payment order (支付令): the employer pays.
    case paymentOrder
}

/// What a party may do next: the remedies the rules open at a point of the case.
public enum Remedy: String, Hashable, Sendable, Codable, CaseIterable, Comparable {
    /// Apply to a mediation organization (open on registration, and again after an unperformed
    /// settlement, a declined mediation or a dismissed confirmation).
    case applyForMediation
    /// Apply for arbitration (open on registration, after mediation fails or runs out of time, and
    /// when an agreement is not performed).
    case applyForArbitration
    /// Apply for arbitration review of an effective mediation agreement, within 15 days.
    case applyForArbitrationReview
    /// Apply to a court for judicial confirmation of an effective mediation agreement (30 days).
    case applyForJudicialConfirmation
    /// Apply to a court for a payment order when a mediation agreement on remuneration, work-injury
    /// medical costs, compensation or damages is not performed (worker only).
    case applyForPaymentOrder
    /// Sue in a people's court (open when arbitration is refused or not decided in time, no award
    /// comes in time, a payment order meets an objection, or a confirmation is dismissed).
    case fileLawsuit
    /// Apply to a court to enforce an effective document (open when the case closes with one).
    case applyForEnforcement

    /// Orders remedies by name, for stable listings.
    public static func < (a: Remedy, b: Remedy) -> Bool { a.rawValue < b.rawValue }
}

/// The events of a case.
public enum CaseEvent: Hashable, Sendable {
    /// The case was registered: stage `registered`; mediation and arbitration open.
    case registered(CaseCommand.RegisterCase)
    /// A party proposed negotiation: stage `negotiationProposed`; the answer deadline starts.
    case negotiationProposed(by: Actor.Role, answerBy: Timestamp)
    /// The other party answered: `negotiating` if it accepted, else back to `registered`; the
    /// answer deadline ends.
    case negotiationAnswered(accepted: Bool)
    /// No answer in time: the proposal is deemed refused; back to `registered`.
    case negotiationDeemedRefused
    /// A union joined the negotiation: added to the participants.
    case negotiationJoined(by: Actor)
    /// The parties agreed a negotiation period: sets its deadline.
    case negotiationPeriodAgreed(until: Timestamp)
    /// A settlement agreement was signed: stage `settlementPending`; ends the negotiation period,
    /// starts the performance deadline, clears remedies.
    case settlementSigned(SettlementAgreement, performanceDue: Timestamp)
    /// Negotiation failed (or its period ran out): back to `registered`; its deadlines end.
    case negotiationFailed(reason: String)
    /// The agreement or payment order was performed: the case closes (settled by negotiation,
    /// mediated, or payment order).
    case agreementPerformed(AgreementKind)
    /// The agreement was not performed: back to `registered`; its deadlines end. After a
    /// settlement, mediation or arbitration opens; after a mediation agreement, arbitration (and a
    /// payment order where the claims allow).
    case agreementNotPerformed(AgreementKind)
    /// A party applied for mediation: stage `mediationApplied`; the acceptance and conclusion
    /// deadlines start, and the mediation flags reset.
    case mediationApplied(organization: String, oral: Bool, acceptBy: Timestamp, concludeBy: Timestamp)
    /// The organization accepted: stage `mediating`; ends the acceptance deadline.
    case mediationAccepted
    /// The organization did not accept in time: flagged overdue; the stage is unchanged.
    case mediationAcceptanceOverdue
    /// The organization declined: back to `registered`; mediation deadlines end; mediation
    /// elsewhere or arbitration open.
    case mediationDeclined(reason: String)
    /// A mediator was assigned: recorded on the case.
    case mediatorAssigned(mediator: String)
    /// Mediation was extended with both parties' agreement: moves the conclusion deadline.
    case mediationExtended(until: Timestamp)
    /// An effective mediation agreement was signed: stage `agreementPending`; starts the
    /// performance, review and confirmation deadlines and opens review and confirmation.
    case mediationAgreementSigned(MediationAgreement, performanceDue: Timestamp, reviewBy: Timestamp, confirmationBy: Timestamp)
    /// The performance notice was issued: recorded on the case.
    case performanceNoticeIssued(PerformanceNotice)
    /// Mediation failed: back to `registered`; mediation deadlines end; arbitration opens.
    case mediationFailed(reason: String)
    /// Mediation did not conclude in its term: flagged; arbitration opens, mediation may go on.
    case mediationTermExpired
    /// A return visit was made: the count of return visits goes up.
    case returnVisitRecorded(note: String)
    /// The window for arbitration review closed: review is no longer available.
    case reviewWindowClosed
    /// The window for judicial confirmation closed: confirmation is no longer available.
    case confirmationWindowClosed
    /// A court or committee entrusted the case to an organization: stage `entrustedMediation`;
    /// remembers where to return; the term starts.
    case mediationEntrusted(kind: EntrustedMediationKind, organization: String, reference: String, returnTo: Stage, termEnds: Timestamp)
    /// The entrusted mediation succeeded: the case closes as mediated.
    case entrustedMediationSucceeded
    /// The entrusted mediation failed or ran out of time: the case returns where it came from.
    case entrustedMediationFailed(returnTo: Stage)
    /// The parties applied for arbitration review: stage `reviewApplied`; the review and
    /// confirmation windows end.
    case reviewApplied
    /// The committee accepted the review: stage `underReview`; the decision deadline starts.
    case reviewAccepted(decideBy: Timestamp, acceptedAt: Timestamp? = nil)
    /// The committee extended the review (once, +5 days on approval): moves the decision deadline.
    case reviewExtended(decideBy: Timestamp)
    /// The committee did not decide the review in time: flagged overdue.
    case reviewDecisionOverdue
    /// A mediation document was issued: the case closes with an enforceable document.
    case mediationDocumentIssued
    /// The committee refused to issue a mediation document: back to `agreementPending`; ends the
    /// decision deadline.
    case reviewRefused(reason: String)
    /// The parties applied for judicial confirmation: stage `confirmationApplied`; review and
    /// confirmation windows end; the acceptance deadline starts.
    case confirmationApplied(acceptBy: Timestamp)
    /// The court did not accept the confirmation in time: flagged overdue.
    case confirmationAcceptanceOverdue
    /// The court accepted the confirmation application: its decision deadline starts (15 days).
    case confirmationAccepted(at: Timestamp, decideBy: Timestamp)
    /// The court extended its decision (once, +10 days).
    case confirmationExtended(decideBy: Timestamp)
    /// The court did not decide the confirmation in time: flagged overdue.
    case confirmationDecisionOverdue
    /// The court ruled: valid closes the case as judicially confirmed; dismissed returns it to
    /// `registered` with mediation or a lawsuit open.
    case confirmationDecided(confirmed: Bool)
    /// The worker applied for a payment order: stage `paymentOrderApplied`; acceptance deadline.
    case paymentOrderApplied(acceptBy: Timestamp)
    /// The court did not accept the payment-order application in time: flagged overdue.
    case paymentOrderAcceptanceOverdue
    /// The court accepted the payment-order application: it issues or refuses within 15 days.
    case paymentOrderAccepted(issueBy: Timestamp)
    /// The court did not issue the payment order in time: flagged overdue.
    case paymentOrderIssueOverdue
    /// The court did not issue the payment order: back to `registered`.
    case paymentOrderRefused
    /// The court issued the payment order: stage `paymentOrderIssued`; the employer's deadline to
    /// pay or object starts.
    case paymentOrderIssued(answerBy: Timestamp)
    /// The employer's valid objection ended the procedure: back to `registered`; a lawsuit opens.
    case paymentOrderObjected
    /// The employer neither paid nor objected in time: the case closes; the order is enforceable.
    case paymentOrderEnforceable
    /// A party applied for arbitration: stage `arbitrationApplied`; records the claims and their
    /// limitation; mediation deadlines end; the acceptance deadline starts.
    case arbitrationApplied(by: Actor.Role, claims: [Claim], limitation: [ClaimLimitation], decideBy: Timestamp)
    /// The committee did not decide on acceptance in time: the applicant may sue.
    case arbitrationAcceptanceOverdue
    /// The committee accepted: stage `arbitrating`; the service and award deadlines start.
    case arbitrationAccepted(at: Timestamp, serveBy: Timestamp, awardBy: Timestamp)
    /// The committee refused the application: closed as not accepted; the applicant may sue.
    case arbitrationRefused(reason: String)
    /// The respondent was served: the answer deadline starts.
    case respondentServed(answerBy: Timestamp)
    /// The respondent was not served in time: flagged overdue.
    case serviceOverdue
    /// The respondent did not answer in time: flagged overdue; the arbitration goes on.
    case respondentAnswerOverdue
    /// The respondent answered: the answer deadline ends; a limitation defense counts in the award.
    case defenseRecorded(limitation: Bool)
    /// The tribunal's mediation succeeded: the case closes with an enforceable arbitral mediation.
    case arbitralMediationRecorded
    /// A hearing was scheduled, notified at least 5 days ahead (LDMAL art. 35).
    case hearingScheduled(at: Timestamp)
    /// The applicant did not attend the hearing without good reason: the application counts as
    /// withdrawn (art. 36); the case closes as withdrawn.
    case applicantAbsent
    /// The respondent did not attend: the tribunal may decide by default (art. 36).
    case respondentAbsent
    /// The applicant changed its claims: the award period restarts from the change.
    case claimsChanged(claims: [Claim], limitation: [ClaimLimitation], at: Timestamp, awardBy: Timestamp)
    /// A party was added: the award period restarts from the addition.
    case partyAdded(Party, at: Timestamp, awardBy: Timestamp)
    /// The award period was extended (once): moves the award deadline.
    case arbitrationExtended(awardBy: Timestamp)
    /// No award in time: a party may sue.
    case awardOverdue
    /// The award was issued: stage `awardIssued`; all deadlines end until the parties receive it.
    case awardIssued(Award)
    /// A party received the award: its window to sue or to apply to set the award aside starts.
    case awardReceived(party: Actor.Role, challengeBy: Timestamp, challenge: CaseDeadline)
    /// A party's window to challenge the award closed unused.
    case challengeWindowClosed(CaseDeadline)
    /// Both parties received the award and no one challenged it in time: the award takes effect and
    /// the case closes.
    case awardEffective
    /// A party sued: stage `litigation` (reopening a closed case); deadlines and remedies end.
    case lawsuitFiled(party: Actor.Role, court: String)
    /// The employer applied to set a final award aside: stage `setAsideApplied`; deadlines end.
    case setAsideApplied
    /// The court's judgment was recorded: the case closes with an enforceable judgment.
    case judgmentRecorded(summary: String)
    /// A party applied for enforcement: stage `enforcement`; it cannot be applied for again.
    case enforcementApplied(by: Actor.Role)
    /// A party withdrew the case: it closes as withdrawn.
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
    fileprivate struct Empty: Codable {}
    fileprivate struct Proposed: Codable { var by: Actor.Role; var answerBy: Timestamp }
    fileprivate struct Answered: Codable { var accepted: Bool }
    fileprivate struct Joined: Codable { var by: Actor }
    fileprivate struct Until: Codable { var until: Timestamp }
    fileprivate struct Settlement: Codable { var agreement: SettlementAgreement; var performanceDue: Timestamp }
    fileprivate struct Reason: Codable { var reason: String }
    fileprivate struct Kind: Codable { var agreement: AgreementKind }
    fileprivate struct Applied: Codable { var organization: String; var oral: Bool; var acceptBy: Timestamp; var concludeBy: Timestamp }
    fileprivate struct Mediator: Codable { var mediator: String }
    fileprivate struct AgreementSigned: Codable {
        var agreement: MediationAgreement
        var performanceDue: Timestamp
        var reviewBy: Timestamp
        var confirmationBy: Timestamp
    }
    fileprivate struct Note: Codable { var note: String }
    fileprivate struct By: Codable { var by: Actor.Role }
    fileprivate struct Entrusted: Codable { var kind: EntrustedMediationKind; var organization: String; var reference: String; var returnTo: Stage; var termEnds: Timestamp }
    fileprivate struct ReturnTo: Codable { var returnTo: Stage }
    fileprivate struct DecideBy: Codable { var decideBy: Timestamp }
    fileprivate struct ReviewAccepted: Codable { var decideBy: Timestamp; var acceptedAt: Timestamp? }
    fileprivate struct Accepted: Codable { var acceptedAt: Timestamp; var decideBy: Timestamp }
    fileprivate struct IssueBy: Codable { var issueBy: Timestamp }
    fileprivate struct Hearing: Codable { var at: Timestamp }
    fileprivate struct ClaimsChanged: Codable { var claims: [Claim]; var limitation: [ClaimLimitation]; var at: Timestamp; var awardBy: Timestamp }
    fileprivate struct PartyAdded: Codable { var party: Party; var at: Timestamp; var awardBy: Timestamp }
    fileprivate struct AcceptBy: Codable { var acceptBy: Timestamp }
    fileprivate struct AnswerBy: Codable { var answerBy: Timestamp }
    fileprivate struct Confirmed: Codable { var confirmed: Bool }
    fileprivate struct ArbitrationApplied: Codable { var applicant: Actor.Role; var claims: [Claim]; var limitation: [ClaimLimitation]; var decideBy: Timestamp }
    fileprivate struct ArbitrationAccepted: Codable { var acceptedAt: Timestamp; var serveBy: Timestamp; var awardBy: Timestamp }
    fileprivate struct Defense: Codable { var limitation: Bool }
    fileprivate struct AwardBy: Codable { var awardBy: Timestamp }
    fileprivate struct Received: Codable { var party: Actor.Role; var challengeBy: Timestamp; var challenge: CaseDeadline }
    fileprivate struct Window: Codable { var window: CaseDeadline }
    fileprivate struct Lawsuit: Codable { var party: Actor.Role; var court: String }
    fileprivate struct Summary: Codable { var summary: String }

    /// The stored form of case events: payloads in the binary form (``BinaryPayload``; logs written
    /// with JSON payloads read as before), type names `case.<event>`, schema version 1.
    public static let codec = EventCodec<CaseEvent> { event in
        switch event {
        case .registered(let r): try .binary("case.registered", r)
        case .negotiationProposed(let by, let answerBy): try .binary("case.negotiationProposed", Proposed(by: by, answerBy: answerBy))
        case .negotiationAnswered(let accepted): try .binary("case.negotiationAnswered", Answered(accepted: accepted))
        case .negotiationDeemedRefused: try .binary("case.negotiationDeemedRefused", Empty())
        case .negotiationJoined(let by): try .binary("case.negotiationJoined", Joined(by: by))
        case .negotiationPeriodAgreed(let until): try .binary("case.negotiationPeriodAgreed", Until(until: until))
        case .settlementSigned(let a, let due): try .binary("case.settlementSigned", Settlement(agreement: a, performanceDue: due))
        case .negotiationFailed(let reason): try .binary("case.negotiationFailed", Reason(reason: reason))
        case .agreementPerformed(let kind): try .binary("case.agreementPerformed", Kind(agreement: kind))
        case .agreementNotPerformed(let kind): try .binary("case.agreementNotPerformed", Kind(agreement: kind))
        case .mediationApplied(let o, let oral, let acceptBy, let concludeBy):
            try .binary("case.mediationApplied", Applied(organization: o, oral: oral, acceptBy: acceptBy, concludeBy: concludeBy))
        case .mediationAccepted: try .binary("case.mediationAccepted", Empty())
        case .mediationAcceptanceOverdue: try .binary("case.mediationAcceptanceOverdue", Empty())
        case .mediationDeclined(let reason): try .binary("case.mediationDeclined", Reason(reason: reason))
        case .mediatorAssigned(let m): try .binary("case.mediatorAssigned", Mediator(mediator: m))
        case .mediationExtended(let until): try .binary("case.mediationExtended", Until(until: until))
        case .mediationAgreementSigned(let a, let due, let reviewBy, let confirmationBy):
            try .binary("case.mediationAgreementSigned", AgreementSigned(agreement: a, performanceDue: due, reviewBy: reviewBy, confirmationBy: confirmationBy))
        case .performanceNoticeIssued(let n): try .binary("case.performanceNoticeIssued", n)
        case .mediationFailed(let reason): try .binary("case.mediationFailed", Reason(reason: reason))
        case .mediationTermExpired: try .binary("case.mediationTermExpired", Empty())
        case .returnVisitRecorded(let note): try .binary("case.returnVisitRecorded", Note(note: note))
        case .reviewWindowClosed: try .binary("case.reviewWindowClosed", Empty())
        case .confirmationWindowClosed: try .binary("case.confirmationWindowClosed", Empty())
        case .mediationEntrusted(let kind, let o, let r, let back, let ends):
            try .binary("case.mediationEntrusted", Entrusted(kind: kind, organization: o, reference: r, returnTo: back, termEnds: ends))
        case .entrustedMediationSucceeded: try .binary("case.entrustedMediationSucceeded", Empty())
        case .entrustedMediationFailed(let back): try .binary("case.entrustedMediationFailed", ReturnTo(returnTo: back))
        case .reviewApplied: try .binary("case.reviewApplied", Empty())
        case .reviewAccepted(let by, let at): try .binary("case.reviewAccepted", ReviewAccepted(decideBy: by, acceptedAt: at))
        case .reviewExtended(let by): try .binary("case.reviewExtended", DecideBy(decideBy: by))
        case .confirmationAccepted(let at, let by): try .binary("case.confirmationAccepted", Accepted(acceptedAt: at, decideBy: by))
        case .confirmationExtended(let by): try .binary("case.confirmationExtended", DecideBy(decideBy: by))
        case .confirmationDecisionOverdue: try .binary("case.confirmationDecisionOverdue", Empty())
        case .paymentOrderAccepted(let by): try .binary("case.paymentOrderAccepted", IssueBy(issueBy: by))
        case .paymentOrderIssueOverdue: try .binary("case.paymentOrderIssueOverdue", Empty())
        case .hearingScheduled(let at): try .binary("case.hearingScheduled", Hearing(at: at))
        case .applicantAbsent: try .binary("case.applicantAbsent", Empty())
        case .respondentAbsent: try .binary("case.respondentAbsent", Empty())
        case .claimsChanged(let claims, let limitation, let at, let by):
            try .binary("case.claimsChanged", ClaimsChanged(claims: claims, limitation: limitation, at: at, awardBy: by))
        case .partyAdded(let party, let at, let by): try .binary("case.partyAdded", PartyAdded(party: party, at: at, awardBy: by))
        case .reviewDecisionOverdue: try .binary("case.reviewDecisionOverdue", Empty())
        case .mediationDocumentIssued: try .binary("case.mediationDocumentIssued", Empty())
        case .reviewRefused(let reason): try .binary("case.reviewRefused", Reason(reason: reason))
        case .confirmationApplied(let by): try .binary("case.confirmationApplied", AcceptBy(acceptBy: by))
        case .confirmationAcceptanceOverdue: try .binary("case.confirmationAcceptanceOverdue", Empty())
        case .confirmationDecided(let confirmed): try .binary("case.confirmationDecided", Confirmed(confirmed: confirmed))
        case .paymentOrderApplied(let by): try .binary("case.paymentOrderApplied", AcceptBy(acceptBy: by))
        case .paymentOrderAcceptanceOverdue: try .binary("case.paymentOrderAcceptanceOverdue", Empty())
        case .paymentOrderRefused: try .binary("case.paymentOrderRefused", Empty())
        case .paymentOrderIssued(let by): try .binary("case.paymentOrderIssued", AnswerBy(answerBy: by))
        case .paymentOrderObjected: try .binary("case.paymentOrderObjected", Empty())
        case .paymentOrderEnforceable: try .binary("case.paymentOrderEnforceable", Empty())
        case .arbitrationApplied(let applicant, let claims, let limitation, let by):
            try .binary("case.arbitrationApplied", ArbitrationApplied(applicant: applicant, claims: claims, limitation: limitation, decideBy: by))
        case .arbitrationAcceptanceOverdue: try .binary("case.arbitrationAcceptanceOverdue", Empty())
        case .arbitrationAccepted(let at, let serveBy, let awardBy):
            try .binary("case.arbitrationAccepted", ArbitrationAccepted(acceptedAt: at, serveBy: serveBy, awardBy: awardBy))
        case .arbitrationRefused(let reason): try .binary("case.arbitrationRefused", Reason(reason: reason))
        case .respondentServed(let by): try .binary("case.respondentServed", AnswerBy(answerBy: by))
        case .serviceOverdue: try .binary("case.serviceOverdue", Empty())
        case .respondentAnswerOverdue: try .binary("case.respondentAnswerOverdue", Empty())
        case .defenseRecorded(let limitation): try .binary("case.defenseRecorded", Defense(limitation: limitation))
        case .arbitralMediationRecorded: try .binary("case.arbitralMediationRecorded", Empty())
        case .arbitrationExtended(let by): try .binary("case.arbitrationExtended", AwardBy(awardBy: by))
        case .awardOverdue: try .binary("case.awardOverdue", Empty())
        case .awardIssued(let award): try .binary("case.awardIssued", award)
        case .awardReceived(let party, let by, let challenge): try .binary("case.awardReceived", Received(party: party, challengeBy: by, challenge: challenge))
        case .challengeWindowClosed(let window): try .binary("case.challengeWindowClosed", Window(window: window))
        case .awardEffective: try .binary("case.awardEffective", Empty())
        case .lawsuitFiled(let party, let court): try .binary("case.lawsuitFiled", Lawsuit(party: party, court: court))
        case .setAsideApplied: try .binary("case.setAsideApplied", Empty())
        case .judgmentRecorded(let summary): try .binary("case.judgmentRecorded", Summary(summary: summary))
        case .enforcementApplied(let by): try .binary("case.enforcementApplied", By(by: by))
        case .withdrawn(let by): try .binary("case.withdrawn", By(by: by))
        }
    }
    .decoding("case.mediationEntrusted", as: Entrusted.self) {
        .mediationEntrusted(kind: $0.kind, organization: $0.organization, reference: $0.reference, returnTo: $0.returnTo, termEnds: $0.termEnds)
    }
    .decoding("case.entrustedMediationSucceeded", as: Empty.self) { _ in .entrustedMediationSucceeded }
    .decoding("case.entrustedMediationFailed", as: ReturnTo.self) { .entrustedMediationFailed(returnTo: $0.returnTo) }
    .decoding("case.reviewApplied", as: Empty.self) { _ in .reviewApplied }
    .decoding("case.reviewAccepted", as: ReviewAccepted.self) { .reviewAccepted(decideBy: $0.decideBy, acceptedAt: $0.acceptedAt) }
    .decoding("case.reviewExtended", as: DecideBy.self) { .reviewExtended(decideBy: $0.decideBy) }
    .decoding("case.confirmationAccepted", as: Accepted.self) { .confirmationAccepted(at: $0.acceptedAt, decideBy: $0.decideBy) }
    .decoding("case.confirmationExtended", as: DecideBy.self) { .confirmationExtended(decideBy: $0.decideBy) }
    .decoding("case.confirmationDecisionOverdue", as: Empty.self) { _ in .confirmationDecisionOverdue }
    .decoding("case.paymentOrderAccepted", as: IssueBy.self) { .paymentOrderAccepted(issueBy: $0.issueBy) }
    .decoding("case.paymentOrderIssueOverdue", as: Empty.self) { _ in .paymentOrderIssueOverdue }
    .decoding("case.hearingScheduled", as: Hearing.self) { .hearingScheduled(at: $0.at) }
    .decoding("case.applicantAbsent", as: Empty.self) { _ in .applicantAbsent }
    .decoding("case.respondentAbsent", as: Empty.self) { _ in .respondentAbsent }
    .decoding("case.claimsChanged", as: ClaimsChanged.self) { .claimsChanged(claims: $0.claims, limitation: $0.limitation, at: $0.at, awardBy: $0.awardBy) }
    .decoding("case.partyAdded", as: PartyAdded.self) { .partyAdded($0.party, at: $0.at, awardBy: $0.awardBy) }
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
    .decoding("case.arbitrationApplied", as: ArbitrationApplied.self) {
        .arbitrationApplied(by: $0.applicant, claims: $0.claims, limitation: $0.limitation, decideBy: $0.decideBy)
    }
    .decoding("case.arbitrationAcceptanceOverdue", as: Empty.self) { _ in .arbitrationAcceptanceOverdue }
    .decoding("case.arbitrationAccepted", as: ArbitrationAccepted.self) { .arbitrationAccepted(at: $0.acceptedAt, serveBy: $0.serveBy, awardBy: $0.awardBy) }
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

// Hand-written binary coders of the payloads (`BinaryCodable`): the bytes their synthesized
// `Encodable` writes, checked by the suite "Hand-written binary coders".

/// A payload of one field: a map of one entry.
private protocol OneField: BinaryCodable {
    associatedtype Value: BinaryValue
    static var key: StaticString { get }
    var value: Value { get }
    init(value: Value)
}

extension OneField {
    func encode(to w: inout BinaryValueWriter) throws {
        let map = w.beginMap()
        try w.field(Self.key, value)
        w.end(map)
    }

    init(from r: inout BinaryValueReader) throws {
        var m = try r.map()
        self.init(value: try m.field(Self.key))
    }
}

extension CaseEvent.Empty: BinaryCodable {
    func encode(to w: inout BinaryValueWriter) throws {
        let map = w.beginMap()
        w.end(map)
    }

    init(from r: inout BinaryValueReader) throws {
        _ = try r.map()
        self.init()
    }
}

extension CaseEvent.Proposed: BinaryCodable {
    func encode(to w: inout BinaryValueWriter) throws {
        let map = w.beginMap()
        try w.field("by", by)
        w.field("answerBy", answerBy)
        w.end(map)
    }

    init(from r: inout BinaryValueReader) throws {
        var m = try r.map()
        self.init(by: try m.field("by"), answerBy: try m.field("answerBy"))
    }
}

extension CaseEvent.Answered: OneField {
    static let key: StaticString = "accepted"
    var value: Bool { accepted }
    init(value: Bool) { self.init(accepted: value) }
}

extension CaseEvent.Joined: OneField {
    static let key: StaticString = "by"
    var value: Actor { by }
    init(value: Actor) { self.init(by: value) }
}

extension CaseEvent.Until: OneField {
    static let key: StaticString = "until"
    var value: Timestamp { until }
    init(value: Timestamp) { self.init(until: value) }
}

extension CaseEvent.Settlement: BinaryCodable {
    func encode(to w: inout BinaryValueWriter) throws {
        let map = w.beginMap()
        try w.field("agreement", agreement)
        w.field("performanceDue", performanceDue)
        w.end(map)
    }

    init(from r: inout BinaryValueReader) throws {
        var m = try r.map()
        self.init(agreement: try m.field("agreement"), performanceDue: try m.field("performanceDue"))
    }
}

extension CaseEvent.Reason: OneField {
    static let key: StaticString = "reason"
    var value: String { reason }
    init(value: String) { self.init(reason: value) }
}

extension CaseEvent.Kind: OneField {
    static let key: StaticString = "agreement"
    var value: AgreementKind { agreement }
    init(value: AgreementKind) { self.init(agreement: value) }
}

extension CaseEvent.Applied: BinaryCodable {
    func encode(to w: inout BinaryValueWriter) throws {
        let map = w.beginMap()
        w.field("organization", organization)
        w.field("oral", oral)
        w.field("acceptBy", acceptBy)
        w.field("concludeBy", concludeBy)
        w.end(map)
    }

    init(from r: inout BinaryValueReader) throws {
        var m = try r.map()
        self.init(organization: try m.field("organization"), oral: try m.field("oral"), acceptBy: try m.field("acceptBy"), concludeBy: try m.field("concludeBy"))
    }
}

extension CaseEvent.Mediator: OneField {
    static let key: StaticString = "mediator"
    var value: String { mediator }
    init(value: String) { self.init(mediator: value) }
}

extension CaseEvent.AgreementSigned: BinaryCodable {
    func encode(to w: inout BinaryValueWriter) throws {
        let map = w.beginMap()
        try w.field("agreement", agreement)
        w.field("performanceDue", performanceDue)
        w.field("reviewBy", reviewBy)
        w.field("confirmationBy", confirmationBy)
        w.end(map)
    }

    init(from r: inout BinaryValueReader) throws {
        var m = try r.map()
        self.init(agreement: try m.field("agreement"), performanceDue: try m.field("performanceDue"), reviewBy: try m.field("reviewBy"), confirmationBy: try m.field("confirmationBy"))
    }
}

extension CaseEvent.Note: OneField {
    static let key: StaticString = "note"
    var value: String { note }
    init(value: String) { self.init(note: value) }
}

extension CaseEvent.By: OneField {
    static let key: StaticString = "by"
    var value: Actor.Role { by }
    init(value: Actor.Role) { self.init(by: value) }
}

extension CaseEvent.Entrusted: BinaryCodable {
    func encode(to w: inout BinaryValueWriter) throws {
        let map = w.beginMap()
        try w.field("kind", kind)
        w.field("organization", organization)
        w.field("reference", reference)
        try w.field("returnTo", returnTo)
        w.field("termEnds", termEnds)
        w.end(map)
    }

    init(from r: inout BinaryValueReader) throws {
        var m = try r.map()
        self.init(kind: try m.field("kind"), organization: try m.field("organization"), reference: try m.field("reference"), returnTo: try m.field("returnTo"), termEnds: try m.field("termEnds"))
    }
}

extension CaseEvent.ReturnTo: OneField {
    static let key: StaticString = "returnTo"
    var value: Stage { returnTo }
    init(value: Stage) { self.init(returnTo: value) }
}

extension CaseEvent.DecideBy: OneField {
    static let key: StaticString = "decideBy"
    var value: Timestamp { decideBy }
    init(value: Timestamp) { self.init(decideBy: value) }
}

extension CaseEvent.ReviewAccepted: BinaryCodable {
    func encode(to w: inout BinaryValueWriter) throws {
        let map = w.beginMap()
        w.field("decideBy", decideBy)
        try w.fieldIfPresent("acceptedAt", acceptedAt)
        w.end(map)
    }

    init(from r: inout BinaryValueReader) throws {
        var m = try r.map()
        self.init(decideBy: try m.field("decideBy"), acceptedAt: try m.fieldIfPresent("acceptedAt"))
    }
}

extension CaseEvent.Accepted: BinaryCodable {
    func encode(to w: inout BinaryValueWriter) throws {
        let map = w.beginMap()
        w.field("acceptedAt", acceptedAt)
        w.field("decideBy", decideBy)
        w.end(map)
    }

    init(from r: inout BinaryValueReader) throws {
        var m = try r.map()
        self.init(acceptedAt: try m.field("acceptedAt"), decideBy: try m.field("decideBy"))
    }
}

extension CaseEvent.IssueBy: OneField {
    static let key: StaticString = "issueBy"
    var value: Timestamp { issueBy }
    init(value: Timestamp) { self.init(issueBy: value) }
}

extension CaseEvent.Hearing: OneField {
    static let key: StaticString = "at"
    var value: Timestamp { at }
    init(value: Timestamp) { self.init(at: value) }
}

extension CaseEvent.ClaimsChanged: BinaryCodable {
    func encode(to w: inout BinaryValueWriter) throws {
        let map = w.beginMap()
        try w.field("claims", claims)
        try w.field("limitation", limitation)
        w.field("at", at)
        w.field("awardBy", awardBy)
        w.end(map)
    }

    init(from r: inout BinaryValueReader) throws {
        var m = try r.map()
        self.init(claims: try m.field("claims"), limitation: try m.field("limitation"), at: try m.field("at"), awardBy: try m.field("awardBy"))
    }
}

extension CaseEvent.PartyAdded: BinaryCodable {
    func encode(to w: inout BinaryValueWriter) throws {
        let map = w.beginMap()
        try w.field("party", party)
        w.field("at", at)
        w.field("awardBy", awardBy)
        w.end(map)
    }

    init(from r: inout BinaryValueReader) throws {
        var m = try r.map()
        self.init(party: try m.field("party"), at: try m.field("at"), awardBy: try m.field("awardBy"))
    }
}

extension CaseEvent.AcceptBy: OneField {
    static let key: StaticString = "acceptBy"
    var value: Timestamp { acceptBy }
    init(value: Timestamp) { self.init(acceptBy: value) }
}

extension CaseEvent.AnswerBy: OneField {
    static let key: StaticString = "answerBy"
    var value: Timestamp { answerBy }
    init(value: Timestamp) { self.init(answerBy: value) }
}

extension CaseEvent.Confirmed: OneField {
    static let key: StaticString = "confirmed"
    var value: Bool { confirmed }
    init(value: Bool) { self.init(confirmed: value) }
}

extension CaseEvent.ArbitrationApplied: BinaryCodable {
    func encode(to w: inout BinaryValueWriter) throws {
        let map = w.beginMap()
        try w.field("applicant", applicant)
        try w.field("claims", claims)
        try w.field("limitation", limitation)
        w.field("decideBy", decideBy)
        w.end(map)
    }

    init(from r: inout BinaryValueReader) throws {
        var m = try r.map()
        self.init(applicant: try m.field("applicant"), claims: try m.field("claims"), limitation: try m.field("limitation"), decideBy: try m.field("decideBy"))
    }
}

extension CaseEvent.ArbitrationAccepted: BinaryCodable {
    func encode(to w: inout BinaryValueWriter) throws {
        let map = w.beginMap()
        w.field("acceptedAt", acceptedAt)
        w.field("serveBy", serveBy)
        w.field("awardBy", awardBy)
        w.end(map)
    }

    init(from r: inout BinaryValueReader) throws {
        var m = try r.map()
        self.init(acceptedAt: try m.field("acceptedAt"), serveBy: try m.field("serveBy"), awardBy: try m.field("awardBy"))
    }
}

extension CaseEvent.Defense: OneField {
    static let key: StaticString = "limitation"
    var value: Bool { limitation }
    init(value: Bool) { self.init(limitation: value) }
}

extension CaseEvent.AwardBy: OneField {
    static let key: StaticString = "awardBy"
    var value: Timestamp { awardBy }
    init(value: Timestamp) { self.init(awardBy: value) }
}

extension CaseEvent.Received: BinaryCodable {
    func encode(to w: inout BinaryValueWriter) throws {
        let map = w.beginMap()
        try w.field("party", party)
        w.field("challengeBy", challengeBy)
        try w.field("challenge", challenge)
        w.end(map)
    }

    init(from r: inout BinaryValueReader) throws {
        var m = try r.map()
        self.init(party: try m.field("party"), challengeBy: try m.field("challengeBy"), challenge: try m.field("challenge"))
    }
}

extension CaseEvent.Window: OneField {
    static let key: StaticString = "window"
    var value: CaseDeadline { window }
    init(value: CaseDeadline) { self.init(window: value) }
}

extension CaseEvent.Lawsuit: BinaryCodable {
    func encode(to w: inout BinaryValueWriter) throws {
        let map = w.beginMap()
        try w.field("party", party)
        w.field("court", court)
        w.end(map)
    }

    init(from r: inout BinaryValueReader) throws {
        var m = try r.map()
        self.init(party: try m.field("party"), court: try m.field("court"))
    }
}

extension CaseEvent.Summary: OneField {
    static let key: StaticString = "summary"
    var value: String { summary }
    init(value: String) { self.init(summary: value) }
}

