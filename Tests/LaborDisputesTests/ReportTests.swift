import DocketCore
import DocketEngine
import DocketTesting
import Foundation
import LaborDisputes
import Testing

@Suite("Reports: Markdown, CSV, JSON and self-contained HTML")
struct ReportTests {
    /// The read models of 120 demo cases.
    func models() async throws -> DisputeReadModels {
        let rules = try CaseRules.bundled()
        let workload = DemoWorkload(seed: 5, regions: rules.regions)
        let clock = ManualClock()
        let store = InMemoryEventStore(clock: clock)
        let desk = try DisputeDesk(store: store, rules: rules, clock: clock)
        for line in workload.rosterLines() + (0..<120).flatMap(workload.caseLines) {
            clock.set(line.at)
            _ = try await desk.handle(line)
        }
        _ = try await DeadlineScheduler(store: store, handlers: [desk.cases], clock: clock).tick(until: DemoWorkload.end)
        return try DisputeReadModels(store: store, rules: rules)
    }

    @Test("every report renders in every format; HTML has its charts and fetches nothing; CSV opens in spreadsheets")
    func formats() async throws {
        let m = try await models()
        let records = try await m.caseRecords()
        let id = try #require(records.first?.id)
        let reports = [
            Reports.statistics(records, period: .quarter, filter: StatisticsFilter(), asOf: nil),
            Reports.rosters(try await m.roster(), region: nil, asOf: nil),
            Reports.archive(try #require(try await m.dossier(of: id))),
            Reports.risk(RiskLedger.build(records), region: nil, asOf: nil),
        ]
        for r in reports {
            let html = r.rendered(.html)
            #expect(html.hasPrefix("<!DOCTYPE html>") && html.hasSuffix("</html>\n"))
            #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("href=") && !html.contains("url("), "self-contained: \(r.title)")
            #expect(html.components(separatedBy: "<svg").count - 1 == r.charts.count)
            #expect(html.contains("@media print"))
            let csv = r.rendered(.csv)
            #expect(csv.hasPrefix("\u{FEFF}") && csv.contains("\r\n") && !csv.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
            #expect(r.rendered(.md).hasPrefix("# \(r.title)"))
            #expect((try? JSONSerialization.jsonObject(with: Data(r.rendered(.json).utf8))) != nil)
        }
        // The statistics report's four charts, and Chinese names intact in the roster's CSV.
        #expect(reports[0].charts.map(\.title) == [
            "Share resolved by negotiation and mediation, by quarter", "Open cases by stage", "Median days per stage", "Outcomes by region",
        ])
        #expect(reports[1].rendered(.csv).contains("调解员"))
    }

    @Test("CSV quotes commas, quotes and line breaks")
    func csvQuoting() {
        let r = Report(title: "t", subtitle: "", headline: [], tables: [ReportTable(title: "x", columns: ["a", "b"], rows: [["1,5", "say \"hi\"\nthen"]])],
                       charts: [], json: Array("{}".utf8))
        #expect(r.rendered(.csv) == "\u{FEFF}x\r\na,b\r\n\"1,5\",\"say \"\"hi\"\"\nthen\"\r\n")
    }
}
