import Foundation
import LaborDisputes
import Testing

@Suite("Lifecycle table (Specs/lifecycle.md)")
struct LifecycleTests {
    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Specs/lifecycle.md")

    @Test("the table derived from the workflow equals Specs/lifecycle.md")
    func table() throws {
        let generated = try Lifecycle.markdown(CaseWorkflow(rules: try CaseRules.bundled()))
        if ProcessInfo.processInfo.environment["DOCKET_WRITE_LIFECYCLE"] != nil {
            try generated.write(to: Self.file, atomically: true, encoding: .utf8)
        }
        let stored = try String(contentsOf: Self.file, encoding: .utf8)
        #expect(stored == generated, "Specs/lifecycle.md is out of date: run DOCKET_WRITE_LIFECYCLE=1 swift test --filter Lifecycle")
    }

    @Test("every command and every stage appears in the table")
    func complete() throws {
        let rows = try Lifecycle.table(CaseWorkflow(rules: try CaseRules.bundled()))
        let commands = Set(rows.map { $0.command.split(separator: " ").first.map(String.init)! })
        let all: Set<String> = [
            "registerCase", "proposeNegotiation", "answerNegotiation", "joinNegotiation", "agreeNegotiationPeriod", "signSettlement",
            "recordNegotiationFailure", "recordPerformance", "applyForMediation", "acceptMediation", "declineMediation", "assignMediator",
            "extendMediation", "signMediationAgreement", "issuePerformanceNotice", "recordMediationFailure", "recordReturnVisit",
            "entrustMediation", "reportEntrustedResult", "applyForArbitrationReview", "acceptArbitrationReview", "issueMediationDocument",
            "refuseArbitrationReview", "applyForJudicialConfirmation", "recordJudicialConfirmation", "applyForPaymentOrder", "recordPaymentOrder",
            "applyForArbitration", "acceptArbitration", "refuseArbitration", "serveRespondent", "recordDefense", "recordArbitralMediation",
            "extendArbitration", "issueAward", "receiveAward", "fileLawsuit", "applyToSetAsideAward", "recordJudgment", "applyForEnforcement",
            "withdrawCase",
        ]
        #expect(all.subtracting(commands).sorted() == [], "commands missing from the table")
        let stages = Set(rows.map(\.next).map { $0.split(separator: " ").first.map(String.init)! } + rows.map(\.stage).map { $0.split(separator: " ").first.map(String.init)! })
        #expect(Set(Stage.allCases.map(\.rawValue)).subtracting(stages).sorted() == [], "stages missing from the table")
    }
}
