import DocketCore

/// The case lifecycle as a table: for each starting point (a stage reached by a canonical history),
/// each command that applies there, its guard in words, and — derived by running the workflow — the
/// events it produces, the stage it leads to and the deadlines it sets and ends. `Specs/lifecycle.md`
/// is this table rendered; a test renders it again and fails when the two differ.
public enum Lifecycle {
    /// A starting point: a name and the commands (actor, command, instant) that reach it.
    public struct Start: Sendable {
        /// The starting point's name (the table's `from` column).
        public let name: String
        let steps: [(Actor, CaseCommand, String)]
    }

    /// A transition as written: where from, which command by whom, and the guard.
    public struct Transition: Sendable {
        /// Where it starts.
        public let start: Start
        /// Who gives the command (``Actor/scheduler`` for a deadline running out).
        public let actor: Actor
        /// The command.
        public let command: CaseCommand
        /// The command's label in the table: its name, qualified where a command has several rows.
        public let label: String
        /// The guard: when the command applies, in words.
        public let guardText: String
        let at: String
    }

    /// A row of the table, with what the workflow derives.
    public struct Row: Hashable, Sendable {
        /// The starting point's name (`from`).
        public var stage: String
        /// The command's label.
        public var command: String
        /// The role that gives it, or `scheduler`.
        public var actor: String
        /// The guard, in words.
        public var guardText: String
        /// The events it produces, by type name without the `case.` prefix.
        public var events: [String]
        /// The stage it leads to, with the outcome in parentheses when the case closes.
        public var next: String
        /// The deadlines it sets (`+name`), moves (`~name`) or ends (`-name`).
        public var deadlines: [String]
    }

    static let registrar = Actor(.registrar, "R-1")
    static let worker = Actor(.worker, "W-1")
    static let employer = Actor(.employer, "E-1")
    static let organization = Actor(.organization, "O-7")
    static let mediator = Actor(.mediator, "M-3")
    /// The roster the table's rows are decided against: O-7 active and filed, M-3 serving it.
    static let rosters = RosterFacts(
        organizations: ["O-7": OrganizationRecord(
            kind: .peoplesMediation, name: "O-7", region: "shanghai", parent: nil, status: .active, filings: [.judicialAdministration], distinctions: [])],
        mediators: ["M-3": MediatorRecord(
            name: "M-3", source: .lawyer, memberships: ["O-7": Membership(fullTime: true, active: true)], trainings: [], evaluations: [],
            grade: nil, rewards: 0, sanctions: 0, expert: false, invitedBy: [])])
    static let committee = Actor(.committee, "AC-1")
    static let arbitrator = Actor(.arbitrator, "A-2")
    static let court = Actor(.court, "C-1")

    static func at(_ text: String) -> Timestamp { Timestamp(iso8601: text)! }

    static let registration = CaseCommand.RegisterCase(
        channel: .inPerson, region: "shanghai",
        parties: [Party(role: .worker, id: "W-1", name: "worker"), Party(role: .employer, id: "E-1", name: "employer")],
        claims: [Claim(type: .remuneration, amount: 18_000)])
    static let settlement = SettlementAgreement(terms: "pay", performBy: at("2026-04-30T00:00:00+08:00"), workerArchiveConsent: true, employerArchiveConsent: true)
    static let agreement = MediationAgreement(
        terms: "pay", performBy: at("2026-04-30T00:00:00+08:00"), signatures: Signatures(worker: true, employer: true, mediator: true, organizationSeal: true))

    // Canonical histories, all in March and April 2026 (Monday 2026-03-02 onwards).
    static let registered = Start(name: "registered", steps: [(registrar, .registerCase(registration), "2026-03-02T09:00:00+08:00")])
    static let proposed = Start(name: "negotiationProposed", steps: registered.steps + [(worker, .proposeNegotiation, "2026-03-02T10:00:00+08:00")])
    static let negotiating = Start(name: "negotiating", steps: proposed.steps + [(employer, .answerNegotiation(accept: true), "2026-03-03T10:00:00+08:00")])
    static let settlementPending = Start(name: "settlementPending", steps: negotiating.steps + [(worker, .signSettlement(settlement), "2026-03-04T10:00:00+08:00")])
    static let mediationApplied = Start(name: "mediationApplied", steps: registered.steps + [(worker, .applyForMediation(organization: "O-7", oral: false), "2026-03-02T10:00:00+08:00")])
    static let mediating = Start(name: "mediating", steps: mediationApplied.steps + [(organization, .acceptMediation, "2026-03-03T10:00:00+08:00")])
    static let agreementPending = Start(name: "agreementPending", steps: mediating.steps + [(mediator, .signMediationAgreement(agreement), "2026-03-05T10:00:00+08:00")])
    static let notPerformed = Start(name: "registered (agreement not performed)", steps: agreementPending.steps + [(worker, .recordPerformance(performed: false), "2026-05-04T10:00:00+08:00")])
    static let entrusted = Start(name: "entrustedMediation", steps: registered.steps + [(court, .entrustMediation(kind: .courtDelegated, organization: "O-7", reference: "R"), "2026-03-02T11:00:00+08:00")])
    static let reviewApplied = Start(name: "reviewApplied", steps: agreementPending.steps + [(worker, .applyForArbitrationReview, "2026-03-06T10:00:00+08:00")])
    static let underReview = Start(name: "underReview", steps: reviewApplied.steps + [(committee, .acceptArbitrationReview, "2026-03-09T10:00:00+08:00")])
    static let confirmationApplied = Start(name: "confirmationApplied", steps: agreementPending.steps + [(worker, .applyForJudicialConfirmation, "2026-03-06T10:00:00+08:00")])
    static let paymentOrderApplied = Start(name: "paymentOrderApplied", steps: notPerformed.steps + [(worker, .applyForPaymentOrder, "2026-05-06T10:00:00+08:00")])
    static let confirmationAccepted = Start(name: "confirmationApplied (accepted)", steps: confirmationApplied.steps + [(court, .acceptJudicialConfirmation, "2026-03-09T10:00:00+08:00")])
    static let paymentOrderAccepted = Start(name: "paymentOrderApplied (accepted)", steps: paymentOrderApplied.steps + [(court, .acceptPaymentOrder, "2026-05-07T10:00:00+08:00")])
    static let paymentOrderIssued = Start(name: "paymentOrderIssued", steps: paymentOrderApplied.steps + [(court, .recordPaymentOrder(issued: true, objected: false), "2026-05-07T10:00:00+08:00")])
    static let arbitrationApplied = Start(name: "arbitrationApplied", steps: registered.steps + [(worker, .applyForArbitration(claims: nil), "2026-03-02T10:00:00+08:00")])
    static let arbitrating = Start(name: "arbitrating", steps: arbitrationApplied.steps + [(committee, .acceptArbitration, "2026-03-03T10:00:00+08:00")])
    static let hearing = Start(name: "arbitrating (hearing scheduled)", steps: arbitrating.steps + [(committee, .scheduleHearing(at: at("2026-03-10T09:00:00+08:00")), "2026-03-04T10:00:00+08:00")])
    static let awardIssued = Start(name: "awardIssued", steps: arbitrating.steps + [(arbitrator, .issueAward(items: [AwardItem(type: .remuneration, amount: 18_000, granted: true)]), "2026-04-01T10:00:00+08:00")])
    static let awardReceived = Start(name: "awardIssued (both received)", steps: awardIssued.steps + [
        (worker, .receiveAward(party: .worker), "2026-04-02T10:00:00+08:00"), (employer, .receiveAward(party: .employer), "2026-04-02T11:00:00+08:00"),
    ])
    static let nonFinalAward = Start(name: "awardIssued (non-final, received)", steps: arbitrating.steps + [
        (arbitrator, .issueAward(items: [AwardItem(type: .remuneration, amount: 50_000, granted: true)]), "2026-04-01T10:00:00+08:00"),
        (worker, .receiveAward(party: .worker), "2026-04-02T10:00:00+08:00"), (employer, .receiveAward(party: .employer), "2026-04-02T11:00:00+08:00"),
    ])
    static let litigation = Start(name: "litigation", steps: awardReceived.steps + [(worker, .fileLawsuit(court: "C-1"), "2026-04-03T10:00:00+08:00")])
    static let setAside = Start(name: "setAsideApplied", steps: awardReceived.steps + [(employer, .applyToSetAsideAward, "2026-04-03T10:00:00+08:00")])
    static let notAccepted = Start(name: "closed (not accepted)", steps: arbitrationApplied.steps + [(committee, .refuseArbitration(reason: "out of scope"), "2026-03-03T10:00:00+08:00")])
    static let judged = Start(name: "closed (judgment)", steps: litigation.steps + [(court, .recordJudgment(summary: "pay"), "2026-06-01T10:00:00+08:00")])

    static func t(_ start: Start, _ actor: Actor, _ command: CaseCommand, _ label: String? = nil, at: String, _ guardText: String) -> Transition {
        Transition(start: start, actor: actor, command: command, label: label ?? command.name, guardText: guardText, at: at)
    }

    /// Every transition of the lifecycle.
    public static let transitions: [Transition] = [
        t(Start(name: "unregistered", steps: []), registrar, .registerCase(registration), at: "2026-03-02T09:00:00+08:00",
          "a worker, an employer, a claim and a known region; by a registrar, inspection, court, committee, organization or a party"),
        t(registered, worker, .proposeNegotiation, at: "2026-03-02T10:00:00+08:00", "by a party"),
        t(registered, worker, .applyForMediation(organization: "O-7", oral: true), at: "2026-03-02T10:00:00+08:00", "by a party; names the organization"),
        t(registered, worker, .applyForArbitration(claims: nil), at: "2026-03-02T10:00:00+08:00", "by a party; each claim's limitation period computed and flagged, not refused"),
        t(registered, court, .entrustMediation(kind: .courtDelegated, organization: "O-7", reference: "R"), at: "2026-03-02T11:00:00+08:00", "a court's pre-filing delegation"),
        t(registered, worker, .withdrawCase, at: "2026-03-02T11:00:00+08:00", "by a party, at any open stage"),
        t(proposed, employer, .answerNegotiation(accept: true), "answerNegotiation (accept)", at: "2026-03-03T10:00:00+08:00", "by the other party, within 5 days"),
        t(proposed, employer, .answerNegotiation(accept: false), "answerNegotiation (refuse)", at: "2026-03-03T10:00:00+08:00", "by the other party"),
        t(proposed, Actor(.union, "U-1"), .joinNegotiation, at: "2026-03-03T10:00:00+08:00", "a union joins at a party's request"),
        t(proposed, .scheduler, .expireDeadline(.answerNegotiation), "answerNegotiation runs out", at: "2026-03-10T00:00:00+08:00", "no answer in 5 days: deemed refusal"),
        t(negotiating, worker, .agreeNegotiationPeriod(until: at("2026-03-20T00:00:00+08:00")), at: "2026-03-04T10:00:00+08:00", "a period ending in the future"),
        t(negotiating, worker, .signSettlement(settlement), at: "2026-03-04T10:00:00+08:00", "a performance date in the future; archived only with both parties' consent"),
        t(negotiating, worker, .recordNegotiationFailure(reason: "no agreement"), at: "2026-03-04T10:00:00+08:00", "by a party or the union"),
        t(settlementPending, employer, .recordPerformance(performed: true), "recordPerformance (performed)", at: "2026-04-20T10:00:00+08:00", ""),
        t(settlementPending, worker, .recordPerformance(performed: false), "recordPerformance (not performed)", at: "2026-04-20T10:00:00+08:00", ""),
        t(settlementPending, .scheduler, .expireDeadline(.settlementPerformance), "settlementPerformance runs out", at: "2026-05-01T00:00:00+08:00", "the performance date passed"),
        t(mediationApplied, organization, .acceptMediation, at: "2026-03-03T10:00:00+08:00", "by the organization, within 3 working days"),
        t(mediationApplied, organization, .declineMediation(reason: "not a labor dispute"), at: "2026-03-03T10:00:00+08:00", "with a written reason"),
        t(mediationApplied, .scheduler, .expireDeadline(.acceptMediation), "acceptMediation runs out", at: "2026-03-06T00:00:00+08:00", "not accepted in 3 working days: flagged"),
        t(mediating, organization, .assignMediator(mediator: "M-3"), at: "2026-03-03T11:00:00+08:00", "a mediator from the roster"),
        t(mediating, organization, .extendMediation(until: at("2026-03-31T00:00:00+08:00"), partiesAgreed: true), at: "2026-03-10T10:00:00+08:00", "both parties agree; ends after the current term"),
        t(mediating, mediator, .signMediationAgreement(agreement), at: "2026-03-05T10:00:00+08:00", "both parties' signatures or seals, the mediator's signature and the organization's seal"),
        t(mediating, mediator, .recordMediationFailure(reason: "no agreement"), at: "2026-03-05T10:00:00+08:00", "the parties are told their next remedy"),
        t(mediating, .scheduler, .expireDeadline(.concludeMediation), "concludeMediation runs out", at: "2026-03-18T00:00:00+08:00", "15 days from the application: arbitration opens"),
        t(agreementPending, organization, .issuePerformanceNotice(PerformanceNotice(capacityAssessment: "able to pay")), at: "2026-03-05T11:00:00+08:00", "once, with a capacity assessment"),
        t(agreementPending, mediator, .recordReturnVisit(note: "called"), at: "2026-03-12T10:00:00+08:00", "after an agreement"),
        t(agreementPending, employer, .recordPerformance(performed: true), "recordPerformance (performed)", at: "2026-04-20T10:00:00+08:00", ""),
        t(agreementPending, worker, .recordPerformance(performed: false), "recordPerformance (not performed)", at: "2026-05-04T10:00:00+08:00", ""),
        t(agreementPending, worker, .applyForArbitrationReview, at: "2026-03-06T10:00:00+08:00", "jointly, within 15 days of the agreement taking effect"),
        t(agreementPending, worker, .applyForJudicialConfirmation, at: "2026-03-06T10:00:00+08:00", "jointly, within 30 days of the agreement taking effect"),
        t(agreementPending, .scheduler, .expireDeadline(.applyForArbitrationReview), "applyForArbitrationReview runs out", at: "2026-03-21T00:00:00+08:00", "review no longer available"),
        t(agreementPending, .scheduler, .expireDeadline(.applyForJudicialConfirmation), "applyForJudicialConfirmation runs out", at: "2026-04-07T00:00:00+08:00", "confirmation no longer available"),
        t(agreementPending, .scheduler, .expireDeadline(.agreementPerformance), "agreementPerformance runs out", at: "2026-05-01T00:00:00+08:00", "not performed by its date"),
        t(notPerformed, worker, .applyForPaymentOrder, at: "2026-05-06T10:00:00+08:00", "by the worker, for remuneration, work-injury medical costs, compensation or damages"),
        t(entrusted, organization, .reportEntrustedResult(success: true), "reportEntrustedResult (success)", at: "2026-03-10T10:00:00+08:00", ""),
        t(entrusted, organization, .reportEntrustedResult(success: false), "reportEntrustedResult (failure)", at: "2026-03-10T10:00:00+08:00", "back to the proceedings it came from"),
        t(entrusted, .scheduler, .expireDeadline(.entrustedMediation), "entrustedMediation runs out", at: "2026-04-02T00:00:00+08:00", "the term ran out: back to the proceedings"),
        t(reviewApplied, committee, .acceptArbitrationReview, at: "2026-03-09T10:00:00+08:00", "not a labor-relationship claim"),
        t(reviewApplied, committee, .refuseArbitrationReview(reason: "against mandatory law"), at: "2026-03-09T10:00:00+08:00", "with a ground"),
        t(underReview, committee, .issueMediationDocument, at: "2026-03-12T10:00:00+08:00", "a lawful agreement"),
        t(underReview, committee, .extendArbitrationReview, at: "2026-03-12T10:00:00+08:00", "once, 5 more days on approval"),
        t(underReview, .scheduler, .expireDeadline(.decideArbitrationReview), "decideArbitrationReview runs out", at: "2026-03-16T00:00:00+08:00", "flagged"),
        t(confirmationApplied, court, .recordJudicialConfirmation(confirmed: true), "recordJudicialConfirmation (valid)", at: "2026-03-20T10:00:00+08:00", ""),
        t(confirmationApplied, court, .recordJudicialConfirmation(confirmed: false), "recordJudicialConfirmation (dismissed)", at: "2026-03-20T10:00:00+08:00", "re-mediate or sue"),
        t(confirmationApplied, court, .acceptJudicialConfirmation, at: "2026-03-09T10:00:00+08:00", "within 3 days; the court decides within 15"),
        t(confirmationAccepted, court, .extendJudicialConfirmation, at: "2026-03-20T10:00:00+08:00", "once, 10 more days"),
        t(confirmationAccepted, .scheduler, .expireDeadline(.decideJudicialConfirmation), "decideJudicialConfirmation runs out", at: "2026-03-25T00:00:00+08:00", "flagged"),
        t(confirmationApplied, .scheduler, .expireDeadline(.acceptJudicialConfirmation), "acceptJudicialConfirmation runs out", at: "2026-03-10T00:00:00+08:00", "flagged"),
        t(paymentOrderApplied, court, .recordPaymentOrder(issued: true, objected: false), "recordPaymentOrder (issued)", at: "2026-05-07T10:00:00+08:00", ""),
        t(paymentOrderApplied, court, .recordPaymentOrder(issued: false, objected: false), "recordPaymentOrder (refused)", at: "2026-05-07T10:00:00+08:00", ""),
        t(paymentOrderApplied, court, .acceptPaymentOrder, at: "2026-05-07T10:00:00+08:00", "within 5 days; the order is issued or refused within 15"),
        t(paymentOrderAccepted, .scheduler, .expireDeadline(.issuePaymentOrder), "issuePaymentOrder runs out", at: "2026-05-23T00:00:00+08:00", "flagged"),
        t(paymentOrderApplied, .scheduler, .expireDeadline(.acceptPaymentOrder), "acceptPaymentOrder runs out", at: "2026-05-12T00:00:00+08:00", "flagged"),
        t(paymentOrderIssued, court, .recordPaymentOrder(issued: true, objected: true), "recordPaymentOrder (objected)", at: "2026-05-10T10:00:00+08:00", "a valid objection ends the procedure"),
        t(paymentOrderIssued, employer, .recordPerformance(performed: true), "recordPerformance (paid)", at: "2026-05-10T10:00:00+08:00", "the employer pays"),
        t(paymentOrderIssued, .scheduler, .expireDeadline(.answerPaymentOrder), "answerPaymentOrder runs out", at: "2026-05-23T00:00:00+08:00", "neither paid nor objected: enforceable"),
        t(arbitrationApplied, committee, .acceptArbitration, at: "2026-03-03T10:00:00+08:00", "within 5 days: scope, jurisdiction, respondent, claims"),
        t(arbitrationApplied, committee, .refuseArbitration(reason: "out of scope"), at: "2026-03-03T10:00:00+08:00", "with a reason; the applicant may sue"),
        t(arbitrationApplied, .scheduler, .expireDeadline(.decideArbitrationAcceptance), "decideArbitrationAcceptance runs out", at: "2026-03-10T00:00:00+08:00", "no decision: the applicant may sue"),
        t(arbitrationApplied, committee, .entrustMediation(kind: .tribunal, organization: "O-7", reference: "R"), at: "2026-03-03T10:00:00+08:00", "the tribunal entrusts, with the parties' consent"),
        t(arbitrating, committee, .serveRespondent, at: "2026-03-05T10:00:00+08:00", "within 5 days of acceptance"),
        t(arbitrating, employer, .recordDefense(limitation: true), "recordDefense (limitation)", at: "2026-03-10T10:00:00+08:00", "by the respondent"),
        t(arbitrating, arbitrator, .recordArbitralMediation, at: "2026-03-20T10:00:00+08:00", "the tribunal mediates first"),
        t(arbitrating, committee, .scheduleHearing(at: at("2026-03-10T09:00:00+08:00")), "scheduleHearing", at: "2026-03-04T10:00:00+08:00", "notified at least 5 days ahead"),
        t(hearing, arbitrator, .recordAbsence(party: .worker), "recordAbsence (applicant)", at: "2026-03-10T10:00:00+08:00", "deemed withdrawn (art. 36)"),
        t(hearing, arbitrator, .recordAbsence(party: .employer), "recordAbsence (respondent)", at: "2026-03-10T10:00:00+08:00", "a default award may follow"),
        t(arbitrating, worker, .changeClaims(claims: [Claim(type: .remuneration, amount: 20_000)]), "changeClaims", at: "2026-03-10T10:00:00+08:00",
          "by the applicant; the award period restarts"),
        t(arbitrating, committee, .addParty(Party(role: .employer, id: "E-2", name: "parent company")), "addParty", at: "2026-03-10T10:00:00+08:00",
          "the award period restarts"),
        t(arbitrating, committee, .extendArbitration(days: 15), at: "2026-04-10T10:00:00+08:00", "once, by at most 15 days"),
        t(arbitrating, arbitrator, .issueAward(items: [AwardItem(type: .remuneration, amount: 18_000, granted: true)]), at: "2026-04-01T10:00:00+08:00",
          "final when every item is within 12 × the region's minimum wage or a labor-standard dispute"),
        t(arbitrating, .scheduler, .expireDeadline(.serveRespondent), "serveRespondent runs out", at: "2026-03-10T00:00:00+08:00", "flagged"),
        t(arbitrating, .scheduler, .expireDeadline(.arbitrationAward), "arbitrationAward runs out", at: "2026-04-18T00:00:00+08:00", "no award in 45 days: a party may sue"),
        t(awardIssued, worker, .receiveAward(party: .worker), at: "2026-04-02T10:00:00+08:00", "opens the worker's 15 days to sue"),
        t(awardIssued, employer, .receiveAward(party: .employer), at: "2026-04-02T10:00:00+08:00", "opens 30 days to set a final award aside (15 to sue on a non-final one)"),
        t(awardReceived, worker, .fileLawsuit(court: "C-1"), at: "2026-04-03T10:00:00+08:00", "within the worker's window"),
        t(awardReceived, employer, .applyToSetAsideAward, at: "2026-04-03T10:00:00+08:00", "a final award, within 30 days"),
        t(awardReceived, .scheduler, .expireDeadline(.workerSuit), "workerSuit runs out", at: "2026-04-18T00:00:00+08:00", "the employer's window still open"),
        t(nonFinalAward, employer, .fileLawsuit(court: "C-1"), "fileLawsuit (employer, non-final award)", at: "2026-04-03T10:00:00+08:00", "within the employer's window"),
        t(litigation, court, .entrustMediation(kind: .courtEntrusted, organization: "O-7", reference: "R"), at: "2026-04-04T10:00:00+08:00", "the court entrusts after filing"),
        t(litigation, court, .recordJudgment(summary: "pay"), at: "2026-06-01T10:00:00+08:00", ""),
        t(setAside, court, .recordJudgment(summary: "upheld"), at: "2026-06-01T10:00:00+08:00", ""),
        t(notAccepted, worker, .fileLawsuit(court: "C-1"), "fileLawsuit (after refusal)", at: "2026-03-04T10:00:00+08:00", "reopens the closed case"),
        t(judged, worker, .applyForEnforcement, at: "2026-06-10T10:00:00+08:00", "an effective document not performed; reopens the closed case"),
    ]

    /// The table, derived by running the workflow from each starting point.
    public static func table(_ workflow: CaseWorkflow) throws -> [Row] {
        try transitions.map { t in
            var state = workflow.initialState
            var version: UInt64 = 0
            func step(_ actor: Actor, _ command: CaseCommand, _ instant: String) throws -> (CaseState, [CaseEvent]) {
                // A deadline fires at the instant it runs out.
                var now = at(instant)
                if case .expireDeadline(let d) = command, let due = state.deadlines[d] { now = due }
                let context = DecisionContext(
                    stream: "lifecycle", version: StreamVersion(version), definition: 1, now: now, commandID: "x",
                    actor: actor == .scheduler ? "docket.deadline" : actor.description)
                let events = try workflow.decide(command, rosters: rosters, state: state, context: context)
                version += UInt64(events.count)
                return (workflow.replay(events, from: state), events)
            }
            for (actor, command, instant) in t.start.steps { state = try step(actor, command, instant).0 }
            let before = state
            let stage = t.start.name
            let after: CaseState, events: [CaseEvent]
            do { (after, events) = try step(t.actor, t.command, t.at) } catch let e as CaseRejection {
                throw CaseRejection(e.code, "lifecycle row \(stage) / \(t.label): \(e.message)")
            }
            var deadlines: [String] = []
            for d in CaseDeadline.allCases {
                switch (before.deadlines[d], after.deadlines[d]) {
                case (nil, _?): deadlines.append("+\(d.rawValue)")
                case (let a?, let b?) where a != b: deadlines.append("~\(d.rawValue)")
                case (_?, nil): deadlines.append("-\(d.rawValue)")
                default: break
                }
            }
            var next = after.stage.rawValue
            if after.stage == .closed, let outcome = after.outcome { next += " (\(outcome.rawValue))" }
            return Row(
                stage: stage, command: t.label, actor: t.actor == .scheduler ? "scheduler" : t.actor.role.rawValue, guardText: t.guardText,
                events: try events.map { try CaseEvent.codec.encode($0).type.replacingOccurrences(of: "case.", with: "") }, next: next, deadlines: deadlines)
        }
    }

    /// The table and a state diagram as Markdown (the content of `Specs/lifecycle.md`).
    public static func markdown(_ workflow: CaseWorkflow) throws -> String {
        let rows = try table(workflow)
        var out = """
            # The case lifecycle

            Generated from `Sources/LaborDisputes/Lifecycle.swift` by running the case workflow from each
            starting point (`DOCKET_WRITE_LIFECYCLE=1 swift test --filter Lifecycle` rewrites this file; the
            test fails when the workflow and this file disagree). Deadlines: `+` set, `~` moved, `-` ended.
            Instants of the canonical histories are in March–June 2026, +08:00.

            | from | command | by | guard | events | next | deadlines |
            | --- | --- | --- | --- | --- | --- | --- |

            """
        for r in rows {
            out += "| \(r.stage) | \(r.command) | \(r.actor) | \(r.guardText) | \(r.events.joined(separator: ", ")) | \(r.next) | \(r.deadlines.joined(separator: " ")) |\n"
        }
        out += "\n## State diagram\n\n```mermaid\nstateDiagram-v2\n"
        var edges = Set<String>()
        for r in rows {
            let from = r.stage.split(separator: " ").first.map(String.init) ?? r.stage
            let to = r.next.split(separator: " ").first.map(String.init) ?? r.next
            guard from != to else { continue }
            let label = r.command.split(separator: " ").first.map(String.init) ?? r.command
            edges.insert("    \(from == "unregistered" ? "[*]" : from) --> \(to == "closed" ? "closed" : to): \(label)")
        }
        out += edges.sorted().joined(separator: "\n") + "\n    closed --> [*]\n```\n"
        return out
    }
}
