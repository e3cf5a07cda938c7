public import DocketCore
public import Foundation

/// A settlement agreement reached by negotiation (和解协议).
public struct SettlementAgreement: Hashable, Sendable, Codable {
    /// What the parties agreed.
    public var terms: String
    /// The date by which it is to be performed (as an instant: the end of that day).
    public var performBy: Timestamp
    /// Whether the worker consents to archiving it.
    public var workerArchiveConsent: Bool
    /// Whether the employer consents to archiving it.
    public var employerArchiveConsent: Bool
    /// Facts a party conceded in order to settle: privileged, not usable against it later.
    public var privilegedFacts: [String]
    /// Each party's consent to the privileged facts being used as evidence later (absent: neither consents).
    public var disclosureConsent: PartyConsent?

    /// Creates an agreement.
    public init(
        terms: String, performBy: Timestamp, workerArchiveConsent: Bool, employerArchiveConsent: Bool, privilegedFacts: [String] = [],
        disclosureConsent: PartyConsent? = nil
    ) {
        self.terms = terms
        self.performBy = performBy
        self.workerArchiveConsent = workerArchiveConsent
        self.employerArchiveConsent = employerArchiveConsent
        self.privilegedFacts = privilegedFacts
        self.disclosureConsent = disclosureConsent
    }

    /// It enters the archive only with both parties' consent.
    public var archivable: Bool { workerArchiveConsent && employerArchiveConsent }
    /// The privileged facts may be used as evidence: both parties agreed.
    public var privilegedFactsDisclosable: Bool { disclosureConsent?.both ?? false }
}

/// Each party's consent to something.
public struct PartyConsent: Hashable, Sendable, Codable {
    /// The worker consents.
    public var worker: Bool
    /// The employer consents.
    public var employer: Bool
    /// Both consent.
    public var both: Bool { worker && employer }
    /// A consent.
    public init(worker: Bool, employer: Bool) {
        self.worker = worker
        self.employer = employer
    }
}

/// The signatures and seals on a mediation agreement.
public struct Signatures: Hashable, Sendable, Codable {
    /// The worker signed or sealed it.
    public var worker: Bool
    /// The employer signed or sealed it.
    public var employer: Bool
    /// The mediator signed it.
    public var mediator: Bool
    /// The organization sealed it.
    public var organizationSeal: Bool

    /// Creates a set of signatures.
    public init(worker: Bool, employer: Bool, mediator: Bool, organizationSeal: Bool) {
        self.worker = worker
        self.employer = employer
        self.mediator = mediator
        self.organizationSeal = organizationSeal
    }

    /// What is missing for the agreement to take effect (LDMAL art. 14), in the law's order; empty
    /// when complete.
    public var missing: [String] {
        var out: [String] = []
        if !worker { out.append("the worker's signature or seal") }
        if !employer { out.append("the employer's signature or seal") }
        if !mediator { out.append("the mediator's signature") }
        if !organizationSeal { out.append("the mediation organization's seal") }
        return out
    }
}

/// A mediation agreement (调解协议书): effective only with both parties' signatures or seals, the
/// mediator's signature and the organization's seal.
public struct MediationAgreement: Hashable, Sendable, Codable {
    /// What the parties agreed.
    public var terms: String
    /// The date by which it is to be performed (as an instant: the end of that day).
    public var performBy: Timestamp
    /// Its signatures and seals.
    public var signatures: Signatures

    /// Creates an agreement.
    public init(terms: String, performBy: Timestamp, signatures: Signatures) {
        self.terms = terms
        self.performBy = performBy
        self.signatures = signatures
    }
}

/// The organization's notice to the parties after an agreement (履行告知书), with its assessment of
/// the obligor's capacity to perform (履约能力评估).
public struct PerformanceNotice: Hashable, Sendable, Codable {
    /// The capacity assessment.
    public var capacityAssessment: String
    /// Creates a notice.
    public init(capacityAssessment: String) { self.capacityAssessment = capacityAssessment }
}

/// One item of an arbitration award.
public struct AwardItem: Hashable, Sendable, Codable {
    /// The claim it decides.
    public var type: DisputeType
    /// The amount awarded, in yuan, when money.
    public var amount: Decimal?
    /// Whether the claim is granted.
    public var granted: Bool

    /// Creates an item.
    public init(type: DisputeType, amount: Decimal? = nil, granted: Bool) {
        self.type = type
        self.amount = amount
        self.granted = granted
    }
}

/// An arbitration award (裁决书). It is final (一裁终局) only when every item is: a money claim of at
/// most 12 months of the local minimum wage, or a labor-standard dispute (working hours, rest and
/// leave, social insurance) (LDMAL art. 47); an award mixing final and non-final items is non-final.
public struct Award: Hashable, Sendable, Codable {
    /// The items.
    public var items: [AwardItem]
    /// Whether the award is final.
    public var final: Bool
    /// Claims dismissed as time-barred on the respondent's limitation defense.
    public var timeBarred: [DisputeType]

    /// Creates an award.
    public init(items: [AwardItem], final: Bool, timeBarred: [DisputeType]) {
        self.items = items
        self.final = final
        self.timeBarred = timeBarred
    }
}
