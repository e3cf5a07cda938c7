public import DocketCore

// Hand-written binary coders (`BinaryCodable`) for the types the read models handle for every
// event: the case state and record, the archive entry, and what they hold. Each writes the bytes
// its synthesized `Encodable` writes (stored properties in declaration order, nil optionals left
// out, enums as raw values), so rows and payloads are the same whichever path wrote them; the test
// suite "Hand-written binary coders" checks that for every value the scenarios produce. A stored
// property added to one of these types must be added here too: that test fails until it is.

extension Stage: BinaryValue {}
extension Outcome: BinaryValue {}
extension Actor.Role: BinaryValue {}
extension Channel: BinaryValue {}
extension DisputeType: BinaryValue {}
extension Sector: BinaryValue {}
extension KeyGroup: BinaryValue {}
extension Remedy: BinaryValue {}
extension CaseDeadline: BinaryValue {}
extension EntrustedMediationKind: BinaryValue {}
extension AgreementKind: BinaryValue {}
extension ArchiveEntry.Kind: BinaryValue {}

extension Actor: BinaryCodable {
    public func encode(to w: inout BinaryValueWriter) throws {
        let map = w.beginMap()
        try w.field("role", role)
        w.field("id", id)
        w.end(map)
    }

    public init(from r: inout BinaryValueReader) throws {
        var m = try r.map()
        self.init(try m.field("role"), try m.field("id"))
    }
}

extension Party: BinaryCodable {
    public func encode(to w: inout BinaryValueWriter) throws {
        let map = w.beginMap()
        try w.field("role", role)
        w.field("id", id)
        w.field("name", name)
        w.end(map)
    }

    public init(from r: inout BinaryValueReader) throws {
        var m = try r.map()
        self.init(role: try m.field("role"), id: try m.field("id"), name: try m.field("name"))
    }
}

extension Claim.Span: BinaryCodable {
    public func encode(to w: inout BinaryValueWriter) throws {
        let map = w.beginMap()
        w.field("from", from)
        w.field("to", to)
        w.end(map)
    }

    public init(from r: inout BinaryValueReader) throws {
        var m = try r.map()
        self.init(from: try m.field("from"), to: try m.field("to"))
    }
}

extension Claim: BinaryCodable {
    public func encode(to w: inout BinaryValueWriter) throws {
        let map = w.beginMap()
        try w.field("type", type)
        try w.fieldIfPresent("amount", amount)
        try w.fieldIfPresent("knownAt", knownAt)
        try w.fieldIfPresent("duringEmployment", duringEmployment)
        try w.fieldIfPresent("interruptions", interruptions)
        try w.fieldIfPresent("suspensions", suspensions)
        w.end(map)
    }

    public init(from r: inout BinaryValueReader) throws {
        var m = try r.map()
        self.init(
            type: try m.field("type"), amount: try m.fieldIfPresent("amount"), knownAt: try m.fieldIfPresent("knownAt"),
            duringEmployment: try m.fieldIfPresent("duringEmployment"), interruptions: try m.fieldIfPresent("interruptions"),
            suspensions: try m.fieldIfPresent("suspensions"))
    }
}

extension CaseCommand.RegisterCase: BinaryCodable {
    public func encode(to w: inout BinaryValueWriter) throws {
        let map = w.beginMap()
        try w.field("channel", channel)
        w.field("region", region)
        try w.field("parties", parties)
        try w.field("claims", claims)
        try w.field("groups", groups)
        w.field("workersInvolved", workersInvolved)
        w.field("oral", oral)
        try w.fieldIfPresent("sector", sector)
        w.end(map)
    }

    public init(from r: inout BinaryValueReader) throws {
        var m = try r.map()
        self.init(
            channel: try m.field("channel"), region: try m.field("region"), parties: try m.field("parties"), claims: try m.field("claims"),
            groups: try m.field("groups"), workersInvolved: try m.field("workersInvolved"), oral: try m.field("oral"),
            sector: try m.fieldIfPresent("sector"))
    }
}

extension PartyConsent: BinaryCodable {
    public func encode(to w: inout BinaryValueWriter) throws {
        let map = w.beginMap()
        w.field("worker", worker)
        w.field("employer", employer)
        w.end(map)
    }

    public init(from r: inout BinaryValueReader) throws {
        var m = try r.map()
        self.init(worker: try m.field("worker"), employer: try m.field("employer"))
    }
}

extension SettlementAgreement: BinaryCodable {
    public func encode(to w: inout BinaryValueWriter) throws {
        let map = w.beginMap()
        w.field("terms", terms)
        w.field("performBy", performBy)
        w.field("workerArchiveConsent", workerArchiveConsent)
        w.field("employerArchiveConsent", employerArchiveConsent)
        try w.field("privilegedFacts", privilegedFacts)
        try w.fieldIfPresent("disclosureConsent", disclosureConsent)
        w.end(map)
    }

    public init(from r: inout BinaryValueReader) throws {
        var m = try r.map()
        self.init(
            terms: try m.field("terms"), performBy: try m.field("performBy"), workerArchiveConsent: try m.field("workerArchiveConsent"),
            employerArchiveConsent: try m.field("employerArchiveConsent"), privilegedFacts: try m.field("privilegedFacts"),
            disclosureConsent: try m.fieldIfPresent("disclosureConsent"))
    }
}

extension Signatures: BinaryCodable {
    public func encode(to w: inout BinaryValueWriter) throws {
        let map = w.beginMap()
        w.field("worker", worker)
        w.field("employer", employer)
        w.field("mediator", mediator)
        w.field("organizationSeal", organizationSeal)
        w.end(map)
    }

    public init(from r: inout BinaryValueReader) throws {
        var m = try r.map()
        self.init(worker: try m.field("worker"), employer: try m.field("employer"), mediator: try m.field("mediator"), organizationSeal: try m.field("organizationSeal"))
    }
}

extension MediationAgreement: BinaryCodable {
    public func encode(to w: inout BinaryValueWriter) throws {
        let map = w.beginMap()
        w.field("terms", terms)
        w.field("performBy", performBy)
        try w.field("signatures", signatures)
        w.end(map)
    }

    public init(from r: inout BinaryValueReader) throws {
        var m = try r.map()
        self.init(terms: try m.field("terms"), performBy: try m.field("performBy"), signatures: try m.field("signatures"))
    }
}

extension PerformanceNotice: BinaryCodable {
    public func encode(to w: inout BinaryValueWriter) throws {
        let map = w.beginMap()
        w.field("capacityAssessment", capacityAssessment)
        w.end(map)
    }

    public init(from r: inout BinaryValueReader) throws {
        var m = try r.map()
        self.init(capacityAssessment: try m.field("capacityAssessment"))
    }
}

extension AwardItem: BinaryCodable {
    public func encode(to w: inout BinaryValueWriter) throws {
        let map = w.beginMap()
        try w.field("type", type)
        try w.fieldIfPresent("amount", amount)
        w.field("granted", granted)
        w.end(map)
    }

    public init(from r: inout BinaryValueReader) throws {
        var m = try r.map()
        self.init(type: try m.field("type"), amount: try m.fieldIfPresent("amount"), granted: try m.field("granted"))
    }
}

extension Award: BinaryCodable {
    public func encode(to w: inout BinaryValueWriter) throws {
        let map = w.beginMap()
        try w.field("items", items)
        w.field("final", final)
        try w.field("timeBarred", timeBarred)
        w.end(map)
    }

    public init(from r: inout BinaryValueReader) throws {
        var m = try r.map()
        self.init(items: try m.field("items"), final: try m.field("final"), timeBarred: try m.field("timeBarred"))
    }
}

extension ClaimLimitation: BinaryCodable {
    public func encode(to w: inout BinaryValueWriter) throws {
        let map = w.beginMap()
        w.field("claim", claim)
        try w.fieldIfPresent("runsOut", runsOut)
        w.field("past", past)
        w.end(map)
    }

    public init(from r: inout BinaryValueReader) throws {
        var m = try r.map()
        self.init(claim: try m.field("claim"), runsOut: try m.fieldIfPresent("runsOut"), past: try m.field("past"))
    }
}

extension CaseState: BinaryCodable {
    public func encode(to w: inout BinaryValueWriter) throws {
        let map = w.beginMap()
        try w.field("stage", stage)
        try w.fieldIfPresent("registration", registration)
        try w.fieldIfPresent("negotiationProposer", negotiationProposer)
        try w.field("negotiationParticipants", negotiationParticipants)
        try w.fieldIfPresent("settlement", settlement)
        try w.fieldIfPresent("mediationOrganization", mediationOrganization)
        try w.fieldIfPresent("mediator", mediator)
        w.field("mediationAccepted", mediationAccepted)
        w.field("mediationAcceptanceOverdue", mediationAcceptanceOverdue)
        w.field("mediationTermExpired", mediationTermExpired)
        try w.fieldIfPresent("mediationAgreement", mediationAgreement)
        try w.fieldIfPresent("performanceNotice", performanceNotice)
        w.field("returnVisits", returnVisits)
        try w.field("remedies", remedies)
        // A dictionary whose keys are neither strings nor integers: `Codable` writes it as an
        // array of key, value, key, value, … in the dictionary's order (a row, positional, in the
        // order of the entries' bytes: the same in every process).
        w.key("deadlines")
        let deadlines = w.beginArray()
        for (deadline, at) in self.deadlines {
            try deadline.encode(to: &w)
            w.write(at)
        }
        try w.orderEntriesIfPositional(of: deadlines, count: self.deadlines.count, valuesPerEntry: 2)
        w.end(deadlines)
        try w.fieldIfPresent("outcome", outcome)
        try w.fieldIfPresent("entrustedKind", entrustedKind)
        try w.fieldIfPresent("entrustedReturn", entrustedReturn)
        try w.field("overdue", overdue)
        try w.fieldIfPresent("arbitrationApplicant", arbitrationApplicant)
        try w.fieldIfPresent("arbitrationAcceptedAt", arbitrationAcceptedAt)
        try w.field("arbitrationClaims", arbitrationClaims)
        try w.field("limitation", limitation)
        w.field("limitationDefense", limitationDefense)
        w.field("respondentServed", respondentServed)
        w.field("arbitrationExtended", arbitrationExtended)
        try w.fieldIfPresent("reviewExtended", reviewExtended)
        try w.fieldIfPresent("reviewAcceptedAt", reviewAcceptedAt)
        try w.fieldIfPresent("confirmationAcceptedAt", confirmationAcceptedAt)
        try w.fieldIfPresent("confirmationExtended", confirmationExtended)
        try w.fieldIfPresent("paymentOrderAccepted", paymentOrderAccepted)
        try w.fieldIfPresent("hearingAt", hearingAt)
        try w.fieldIfPresent("respondentAbsent", respondentAbsent)
        try w.fieldIfPresent("award", award)
        try w.field("awardReceivedBy", awardReceivedBy)
        try w.fieldIfPresent("judgment", judgment)
        w.field("enforcementApplied", enforcementApplied)
        w.end(map)
    }

    public init(from r: inout BinaryValueReader) throws {
        var m = try r.map()
        self.init()
        stage = try m.field("stage")
        registration = try m.fieldIfPresent("registration")
        negotiationProposer = try m.fieldIfPresent("negotiationProposer")
        negotiationParticipants = try m.field("negotiationParticipants")
        settlement = try m.fieldIfPresent("settlement")
        mediationOrganization = try m.fieldIfPresent("mediationOrganization")
        mediator = try m.fieldIfPresent("mediator")
        mediationAccepted = try m.field("mediationAccepted")
        mediationAcceptanceOverdue = try m.field("mediationAcceptanceOverdue")
        mediationTermExpired = try m.field("mediationTermExpired")
        mediationAgreement = try m.fieldIfPresent("mediationAgreement")
        performanceNotice = try m.fieldIfPresent("performanceNotice")
        returnVisits = try m.field("returnVisits")
        remedies = try m.field("remedies")
        let pairs = try m.require("deadlines")
        var keys: [CaseDeadline] = []
        var instants: [Timestamp] = []
        var index = 0
        _ = try pairs.array { element in
            if index % 2 == 0 { keys.append(try CaseDeadline(from: &element)) } else { instants.append(try Timestamp(from: &element)) }
            index += 1
        }
        guard keys.count == instants.count else { throw DocketError(.codecFailure, "the deadlines of a case state hold a key without a value") }
        deadlines = Dictionary(zip(keys, instants), uniquingKeysWith: { _, last in last })
        outcome = try m.fieldIfPresent("outcome")
        entrustedKind = try m.fieldIfPresent("entrustedKind")
        entrustedReturn = try m.fieldIfPresent("entrustedReturn")
        overdue = try m.field("overdue")
        arbitrationApplicant = try m.fieldIfPresent("arbitrationApplicant")
        arbitrationAcceptedAt = try m.fieldIfPresent("arbitrationAcceptedAt")
        arbitrationClaims = try m.field("arbitrationClaims")
        limitation = try m.field("limitation")
        limitationDefense = try m.field("limitationDefense")
        respondentServed = try m.field("respondentServed")
        arbitrationExtended = try m.field("arbitrationExtended")
        reviewExtended = try m.fieldIfPresent("reviewExtended")
        reviewAcceptedAt = try m.fieldIfPresent("reviewAcceptedAt")
        confirmationAcceptedAt = try m.fieldIfPresent("confirmationAcceptedAt")
        confirmationExtended = try m.fieldIfPresent("confirmationExtended")
        paymentOrderAccepted = try m.fieldIfPresent("paymentOrderAccepted")
        hearingAt = try m.fieldIfPresent("hearingAt")
        respondentAbsent = try m.fieldIfPresent("respondentAbsent")
        award = try m.fieldIfPresent("award")
        awardReceivedBy = try m.field("awardReceivedBy")
        judgment = try m.fieldIfPresent("judgment")
        enforcementApplied = try m.field("enforcementApplied")
    }
}

extension CaseRecord.StageEntry: BinaryCodable {
    public func encode(to w: inout BinaryValueWriter) throws {
        let map = w.beginMap()
        try w.field("stage", stage)
        w.field("since", since)
        w.end(map)
    }

    public init(from r: inout BinaryValueReader) throws {
        var m = try r.map()
        self.init(stage: try m.field("stage"), since: try m.field("since"))
    }
}

extension CaseRecord: BinaryCodable {
    public func encode(to w: inout BinaryValueWriter) throws {
        let map = w.beginMap()
        w.field("id", id)
        try w.field("state", state)
        w.field("openedAt", openedAt)
        try w.fieldIfPresent("closedAt", closedAt)
        try w.field("stages", stages)
        try w.field("mediators", mediators)
        try w.field("organizations", organizations)
        try w.fieldIfPresent("mediationAppliedAt", mediationAppliedAt)
        try w.fieldIfPresent("mediationEndedAt", mediationEndedAt)
        try w.fieldIfPresent("mediationConcludedInTime", mediationConcludedInTime)
        w.field("reviewApplied", reviewApplied)
        w.field("confirmationApplied", confirmationApplied)
        w.field("entrusted", entrusted)
        try w.fieldIfPresent("entrustedSucceeded", entrustedSucceeded)
        w.field("agreementsPerformed", agreementsPerformed)
        w.field("agreementsNotPerformed", agreementsNotPerformed)
        try w.fieldIfPresent("awardInTime", awardInTime)
        w.field("lastPosition", lastPosition)
        w.end(map)
    }

    public init(from r: inout BinaryValueReader) throws {
        var m = try r.map()
        self.init(
            id: try m.field("id"), state: try m.field("state"), openedAt: try m.field("openedAt"), closedAt: try m.fieldIfPresent("closedAt"),
            stages: try m.field("stages"), mediators: try m.field("mediators"), organizations: try m.field("organizations"),
            mediationAppliedAt: try m.fieldIfPresent("mediationAppliedAt"), mediationEndedAt: try m.fieldIfPresent("mediationEndedAt"),
            mediationConcludedInTime: try m.fieldIfPresent("mediationConcludedInTime"), reviewApplied: try m.field("reviewApplied"),
            confirmationApplied: try m.field("confirmationApplied"), entrusted: try m.field("entrusted"),
            entrustedSucceeded: try m.fieldIfPresent("entrustedSucceeded"), agreementsPerformed: try m.field("agreementsPerformed"),
            agreementsNotPerformed: try m.field("agreementsNotPerformed"), awardInTime: try m.fieldIfPresent("awardInTime"),
            lastPosition: try m.field("lastPosition"))
    }
}

extension ArchivedDocument: BinaryCodable {
    // The synthesized form of an enum with associated values: a map of one entry, the case's name,
    // whose value is a map of the associated values by label (`_0` for an unlabelled one). Always
    // written with its keys: the key names the case, and a document copied from an event's payload
    // (the archive's fast path) is keyed too.
    public func encode(to w: inout BinaryValueWriter) throws {
        try w.keyed { w in try encodeKeyed(to: &w) }
    }

    private func encodeKeyed(to w: inout BinaryValueWriter) throws {
        let outer = w.beginMap()
        switch self {
        case .registration(let r): try Self.single(&w, "registration", r)
        case .settlement(let a): try Self.single(&w, "settlement", a)
        case .mediationAgreement(let a): try Self.single(&w, "mediationAgreement", a)
        case .performanceNotice(let n): try Self.single(&w, "performanceNotice", n)
        case .refusal(let of, let reason):
            w.key("refusal")
            let inner = w.beginMap()
            w.field("of", of)
            w.field("reason", reason)
            w.end(inner)
        case .mediationDocument: Self.empty(&w, "mediationDocument")
        case .confirmationRuling(let confirmed):
            w.key("confirmationRuling")
            let inner = w.beginMap()
            w.field("confirmed", confirmed)
            w.end(inner)
        case .paymentOrder: Self.empty(&w, "paymentOrder")
        case .award(let a): try Self.single(&w, "award", a)
        case .judgment(let summary):
            w.key("judgment")
            let inner = w.beginMap()
            w.field("summary", summary)
            w.end(inner)
        }
        w.end(outer)
    }

    private static func single<T: BinaryValue>(_ w: inout BinaryValueWriter, _ name: StaticString, _ value: T) throws {
        w.key(name)
        let inner = w.beginMap()
        try w.field("_0", value)
        w.end(inner)
    }

    private static func empty(_ w: inout BinaryValueWriter, _ name: StaticString) {
        w.key(name)
        w.end(w.beginMap())
    }

    public init(from r: inout BinaryValueReader) throws {
        var m = try r.map()
        if let v = try m.value("registration") {
            var inner = try v.map()
            self = .registration(try inner.field("_0"))
        } else if let v = try m.value("settlement") {
            var inner = try v.map()
            self = .settlement(try inner.field("_0"))
        } else if let v = try m.value("mediationAgreement") {
            var inner = try v.map()
            self = .mediationAgreement(try inner.field("_0"))
        } else if let v = try m.value("performanceNotice") {
            var inner = try v.map()
            self = .performanceNotice(try inner.field("_0"))
        } else if let v = try m.value("refusal") {
            var inner = try v.map()
            self = .refusal(of: try inner.field("of"), reason: try inner.field("reason"))
        } else if try m.value("mediationDocument") != nil {
            self = .mediationDocument
        } else if let v = try m.value("confirmationRuling") {
            var inner = try v.map()
            self = .confirmationRuling(confirmed: try inner.field("confirmed"))
        } else if try m.value("paymentOrder") != nil {
            self = .paymentOrder
        } else if let v = try m.value("award") {
            var inner = try v.map()
            self = .award(try inner.field("_0"))
        } else if let v = try m.value("judgment") {
            var inner = try v.map()
            self = .judgment(summary: try inner.field("summary"))
        } else {
            throw DocketError(.codecFailure, "an archived document of no known kind")
        }
    }
}

extension ArchiveEntry: BinaryCodable {
    public func encode(to w: inout BinaryValueWriter) throws {
        let map = w.beginMap()
        w.field("position", position)
        w.field("occurredAt", occurredAt)
        w.field("recordedAt", recordedAt)
        w.field("actor", actor)
        try w.fieldIfPresent("commandID", commandID)
        w.field("event", event)
        try w.field("kind", kind)
        w.field("summary", summary)
        try w.fieldIfPresent("document", document)
        w.end(map)
    }

    public init(from r: inout BinaryValueReader) throws {
        var m = try r.map()
        self.init(
            position: try m.field("position"), occurredAt: try m.field("occurredAt"), recordedAt: try m.field("recordedAt"),
            actor: try m.field("actor"), commandID: try m.fieldIfPresent("commandID"), event: try m.field("event"), kind: try m.field("kind"),
            summary: try m.field("summary"), document: try m.fieldIfPresent("document"))
    }
}
