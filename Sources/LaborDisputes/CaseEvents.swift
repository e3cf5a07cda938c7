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
}

/// Which agreement a performance event is about.
public enum AgreementKind: String, Hashable, Sendable, Codable {
    case settlement, mediation
}

/// What a party may do next: the remedies the rules open at a point of the case.
public enum Remedy: String, Hashable, Sendable, Codable, CaseIterable, Comparable {
    case applyForMediation, applyForArbitration, applyForArbitrationReview, applyForJudicialConfirmation, applyForPaymentOrder

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
    case withdrawn(by: Actor.Role)
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
        case .withdrawn(let by): try .json("case.withdrawn", By(by: by))
        }
    }
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
