public import DocketCore
import Foundation

/// The formats a report is rendered in.
public enum ReportFormat: String, Hashable, Sendable, CaseIterable {
    /// Markdown tables.
    case md
    /// Comma-separated values (RFC 4180), UTF-8 with a byte-order mark and CRLF line ends, so that
    /// spreadsheets open it with Chinese names intact.
    case csv
    /// JSON, the same values as the Swift API.
    case json
    /// One self-contained HTML file with inline SVG charts: no scripts, no external files, readable
    /// printed.
    case html
}

/// A table: a title, column names and rows of cells, rendered to every format the same way.
public struct ReportTable: Hashable, Sendable {
    /// The table's title.
    public var title: String
    /// Column names.
    public var columns: [String]
    /// Rows of cells.
    public var rows: [[String]]

    /// A table.
    public init(title: String, columns: [String], rows: [[String]]) {
        self.title = title
        self.columns = columns
        self.rows = rows
    }
}

/// A chart drawn as inline SVG in HTML reports.
public struct ReportChart: Hashable, Sendable {
    /// How it is drawn.
    public enum Kind: Hashable, Sendable {
        /// Horizontal bars, one per label.
        case bars
        /// A line over the labels, values between 0 and 1 shown as percentages.
        case shareLine
        /// Stacked horizontal bars: each label's values by series.
        case stacked(series: [String])
    }
    /// The chart's title.
    public var title: String
    /// How it is drawn.
    public var kind: Kind
    /// Labels, in order.
    public var labels: [String]
    /// For bars and lines one value per label; for stacked bars one array per label, by series.
    public var values: [[Double]]
    /// The unit shown after values (`days`, `cases`, …).
    public var unit: String

    /// A chart.
    public init(title: String, kind: Kind, labels: [String], values: [[Double]], unit: String) {
        self.title = title
        self.kind = kind
        self.labels = labels
        self.values = values
        self.unit = unit
    }
}

/// A rendered report: its title, a subtitle (period, region, as-of), tables and charts.
public struct Report: Sendable {
    /// The title.
    public var title: String
    /// What the report covers.
    public var subtitle: String
    /// Headline figures, as label and value.
    public var headline: [(String, String)]
    /// The tables.
    public var tables: [ReportTable]
    /// The charts (HTML only).
    public var charts: [ReportChart]
    /// The report's data as JSON.
    public var json: [UInt8]

    /// A report; `json` is what the JSON format prints.
    public init(title: String, subtitle: String, headline: [(String, String)], tables: [ReportTable], charts: [ReportChart], json: [UInt8]) {
        self.title = title
        self.subtitle = subtitle
        self.headline = headline
        self.tables = tables
        self.charts = charts
        self.json = json
    }

    /// The report in `format`.
    public func rendered(_ format: ReportFormat) -> String {
        switch format {
        case .json: String(decoding: json, as: UTF8.self) + "\n"
        case .md: markdown
        case .csv: csv
        case .html: html
        }
    }

    var markdown: String {
        var out = "# \(title)\n\n\(subtitle)\n\n"
        for (label, value) in headline { out += "- **\(label)**: \(value)\n" }
        for t in tables {
            out += "\n## \(t.title)\n\n| " + t.columns.map(Self.mdCell).joined(separator: " | ") + " |\n|"
            out += String(repeating: " --- |", count: t.columns.count) + "\n"
            for r in t.rows { out += "| " + r.map(Self.mdCell).joined(separator: " | ") + " |\n" }
        }
        return out
    }

    static func mdCell(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ") }

    /// Every table one after another, each headed by its title on a line of its own.
    var csv: String {
        var out = "\u{FEFF}"
        for (i, t) in tables.enumerated() {
            if i > 0 { out += "\r\n" }
            out += Self.csvRow([t.title]) + Self.csvRow(t.columns)
            for r in t.rows { out += Self.csvRow(r) }
        }
        return out
    }

    static func csvRow(_ cells: [String]) -> String {
        cells.map { c in
            c.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + c.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : c
        }.joined(separator: ",") + "\r\n"
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }

    var html: String {
        var out = """
            <!DOCTYPE html>
            <html lang="zh-CN"><head><meta charset="utf-8"><title>\(Self.escape(title))</title>
            <style>
            body{font-family:"Noto Sans CJK SC","Noto Sans",Helvetica,Arial,sans-serif;margin:2em auto;max-width:64em;padding:0 1em;color:#1b1f24;line-height:1.4}
            h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ccd;padding-bottom:.2em}
            .sub{color:#555}dl.head{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dl.head dt{font-weight:600}dl.head dd{margin:0}
            table{border-collapse:collapse;width:100%;font-size:.9em;margin:.5em 0}table.wide{font-size:.72em}th,td{border:1px solid #ccd;padding:.25em .5em;text-align:left;vertical-align:top;word-break:keep-all}
            th{background:#eef1f6}td.n{text-align:right;font-variant-numeric:tabular-nums}figure{margin:1em 0;break-inside:avoid}figcaption{font-weight:600;margin-bottom:.3em}
            svg text{font-family:inherit;font-size:11px;fill:#1b1f24}
            @media print{body{margin:0;max-width:none}h2{break-after:avoid}table,figure{break-inside:avoid}}
            </style></head><body>
            <h1>\(Self.escape(title))</h1><p class="sub">\(Self.escape(subtitle))</p>

            """
        if !headline.isEmpty {
            out += "<dl class=\"head\">" + headline.map { "<dt>\(Self.escape($0.0))</dt><dd>\(Self.escape($0.1))</dd>" }.joined() + "</dl>\n"
        }
        for c in charts { out += "<figure><figcaption>\(Self.escape(c.title))</figcaption>\(Self.svg(c))</figure>\n" }
        for t in tables {
            out += "<h2>\(Self.escape(t.title))</h2><table\(t.columns.count > 8 ? " class=\"wide\"" : "")><thead><tr>" + t.columns.map { "<th>\(Self.escape($0))</th>" }.joined() + "</tr></thead><tbody>\n"
            for r in t.rows {
                out += "<tr>" + r.map { cell in
                    let numeric = !cell.isEmpty && cell.allSatisfy { "0123456789.,%-+ ".contains($0) }
                    return numeric ? "<td class=\"n\">\(Self.escape(cell))</td>" : "<td>\(Self.escape(cell))</td>"
                }.joined() + "</tr>\n"
            }
            out += "</tbody></table>\n"
        }
        out += "<p class=\"sub\">Generated by Docket from its event log.</p></body></html>\n"
        return out
    }

    static let palette = ["#3367d6", "#e8710a", "#1e8e3e", "#d93025", "#9334e6", "#12b5cb", "#f9ab00", "#5f6368", "#b31412", "#8d6e63"]

    static func number(_ v: Double) -> String {
        v == v.rounded() ? String(Int(v)) : String(format: "%.1f", v)
    }

    /// The chart as inline SVG.
    static func svg(_ c: ReportChart) -> String {
        let labelWidth = 170.0, width = 640.0, row = 20.0
        switch c.kind {
        case .bars:
            let values = c.values.map { $0.first ?? 0 }
            let maxValue = max(values.max() ?? 1, 1e-9)
            let height = Double(values.count) * row + 10
            var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\">"
            for (i, v) in values.enumerated() {
                let y = Double(i) * row + 4, w = (width - labelWidth - 80) * v / maxValue
                s += "<text x=\"\(Int(labelWidth - 6))\" y=\"\(Int(y + 13))\" text-anchor=\"end\">\(escape(c.labels[i]))</text>"
                s += "<rect x=\"\(Int(labelWidth))\" y=\"\(Int(y))\" width=\"\(String(format: "%.1f", max(w, 0.5)))\" height=\"\(Int(row - 5))\" fill=\"\(palette[0])\"/>"
                s += "<text x=\"\(String(format: "%.1f", labelWidth + w + 4))\" y=\"\(Int(y + 13))\">\(number(v)) \(escape(c.unit))</text>"
            }
            return s + "</svg>"
        case .shareLine:
            let values = c.values.map { $0.first ?? 0 }
            let height = 220.0, left = 44.0, bottom = 40.0, top = 10.0
            let plotW = width - left - 20, plotH = height - bottom - top
            let step = values.count > 1 ? plotW / Double(values.count - 1) : 0
            var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\">"
            for pct in stride(from: 0, through: 100, by: 25) {
                let y = top + plotH * (1 - Double(pct) / 100)
                s += "<line x1=\"\(Int(left))\" y1=\"\(String(format: "%.1f", y))\" x2=\"\(Int(width - 20))\" y2=\"\(String(format: "%.1f", y))\" stroke=\"#dde\"/>"
                s += "<text x=\"\(Int(left - 4))\" y=\"\(String(format: "%.1f", y + 4))\" text-anchor=\"end\">\(pct)%</text>"
            }
            let points = values.enumerated().map { i, v in (left + Double(i) * step, top + plotH * (1 - v)) }
            if points.count > 1 {
                s += "<polyline fill=\"none\" stroke=\"\(palette[0])\" stroke-width=\"2\" points=\""
                s += points.map { String(format: "%.1f,%.1f", $0.0, $0.1) }.joined(separator: " ") + "\"/>"
            }
            let every = max(1, values.count / 12)
            for (i, p) in points.enumerated() {
                s += "<circle cx=\"\(String(format: "%.1f", p.0))\" cy=\"\(String(format: "%.1f", p.1))\" r=\"3\" fill=\"\(palette[0])\"/>"
                if i % every == 0 || i == points.count - 1 {
                    s += "<text x=\"\(String(format: "%.1f", p.0))\" y=\"\(Int(height - bottom + 16))\" text-anchor=\"middle\">\(escape(c.labels[i]))</text>"
                    s += "<text x=\"\(String(format: "%.1f", p.0))\" y=\"\(String(format: "%.1f", p.1 - 7))\" text-anchor=\"middle\">\(String(format: "%.0f%%", values[i] * 100))</text>"
                }
            }
            return s + "</svg>"
        case .stacked(let series):
            let totals = c.values.map { $0.reduce(0, +) }
            let maxValue = max(totals.max() ?? 1, 1e-9)
            let legendRows = (series.count + 3) / 4
            let height = Double(c.values.count) * row + Double(legendRows) * 16 + 14
            var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\">"
            for (i, parts) in c.values.enumerated() {
                let y = Double(i) * row + 4
                s += "<text x=\"\(Int(labelWidth - 6))\" y=\"\(Int(y + 13))\" text-anchor=\"end\">\(escape(c.labels[i]))</text>"
                var x = labelWidth
                for (k, v) in parts.enumerated() where v > 0 {
                    let w = (width - labelWidth - 60) * v / maxValue
                    s += "<rect x=\"\(String(format: "%.1f", x))\" y=\"\(Int(y))\" width=\"\(String(format: "%.1f", w))\" height=\"\(Int(row - 5))\" fill=\"\(palette[k % palette.count])\"><title>\(escape(series[k])): \(number(v))</title></rect>"
                    x += w
                }
                s += "<text x=\"\(String(format: "%.1f", x + 4))\" y=\"\(Int(y + 13))\">\(number(totals[i]))</text>"
            }
            for (k, name) in series.enumerated() {
                let lx = 10 + Double(k % 4) * 157, ly = Double(c.values.count) * row + 12 + Double(k / 4) * 16
                s += "<rect x=\"\(Int(lx))\" y=\"\(Int(ly))\" width=\"10\" height=\"10\" fill=\"\(palette[k % palette.count])\"/>"
                s += "<text x=\"\(Int(lx + 14))\" y=\"\(Int(ly + 9))\">\(escape(name))</text>"
            }
            return s + "</svg>"
        }
    }
}

/// Builds the reports of `docket report` from the read models.
public enum Reports {
    static func pct(_ r: Rate) -> String { r.share.map { String(format: "%.1f%%", $0 * 100) } ?? "n/a" }
    static func json<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return (try? Array(encoder.encode(value))) ?? Array("{}".utf8)
    }

    /// The statistics report, with its charts: the share resolved by negotiation and mediation over
    /// time, open cases by stage, median days per stage, and outcomes by region.
    public static func statistics(_ records: [CaseRecord], period: StatisticsPeriod, filter: StatisticsFilter, asOf: Timestamp?) -> Report {
        let report = Statistics.report(records, period: period, filter: filter, asOf: asOf)
        let t = report.totals
        var subtitle = "Per \(period.rawValue)"
        if let r = filter.region { subtitle += ", region \(r)" }
        if let o = filter.organization { subtitle += ", organization \(o)" }
        if let a = asOf { subtitle += ", as recorded by \(a.iso8601)" }
        let headline: [(String, String)] = [
            ("Resolved by negotiation and mediation", "\(pct(t.resolvedByNegotiationAndMediation)) (\(t.resolvedByNegotiationAndMediation.count) of \(t.resolvedByNegotiationAndMediation.of) closed)"),
            ("Cases registered / closed / open", "\(t.opened) / \(t.closed) / \(report.pendingByStage.values.reduce(0, +))"),
            ("Litigation", "\(t.litigation)"),
            ("Mediation accepted within 3 working days", pct(t.mediationAcceptedInTime)),
            ("Mediation concluded within its term", pct(t.mediationConcludedInTime)),
            ("Awards within 45 (+15) days", pct(t.awardsInTime)),
            ("Agreements performed on time", pct(t.agreementsPerformed)),
            ("Arbitration review / judicial confirmation / entrusted mediation succeeded",
             "\(pct(t.arbitrationReview)) / \(pct(t.judicialConfirmation)) / \(pct(t.entrustedMediation))"),
            ("Return visits", "\(t.returnVisits)"),
        ]
        let periods = ReportTable(
            title: "By \(period.rawValue)",
            columns: ["period", "registered", "closed", "resolved by negotiation and mediation", "share", "litigation", "mediation in time", "awards in time"],
            rows: report.periods.map { p in
                [p.period, "\(p.opened)", "\(p.closed)", "\(p.resolvedByNegotiationAndMediation.count)", pct(p.resolvedByNegotiationAndMediation),
                 "\(p.litigation)", pct(p.mediationConcludedInTime), pct(p.awardsInTime)]
            })
        let stages = ReportTable(title: "Open cases by stage", columns: ["stage", "cases"],
                                 rows: report.pendingByStage.sorted { $0.value > $1.value }.map { [$0.key, "\($0.value)"] })
        let outcomes = ReportTable(title: "Outcomes", columns: ["outcome", "cases"],
                                   rows: t.outcomes.sorted { $0.value > $1.value }.map { [$0.key, "\($0.value)"] })
        let durations = ReportTable(
            title: "Days per stage", columns: ["stage", "stays", "median days", "mean days"],
            rows: t.durations.sorted { $0.key < $1.key }.map { [$0.key, "\($0.value.count)", String(format: "%.1f", $0.value.medianDays), String(format: "%.1f", $0.value.meanDays)] })
        let mediators = ReportTable(
            title: "Mediators", columns: ["mediator", "cases", "open", "closed", "success"],
            rows: report.mediators.map { [$0.mediator, "\($0.cases)", "\($0.open)", "\($0.success.of)", pct($0.success)] })
        // Outcomes by region: one stacked bar per region.
        let regions = Set(records.compactMap(\.region)).sorted()
        let series = Outcome.allCases.map(\.rawValue)
        let byRegion: [[Double]] = regions.map { region in
            var f = filter
            f.region = region
            let o = Statistics.report(records, period: period, filter: f, asOf: asOf).totals.outcomes
            return series.map { Double(o[$0] ?? 0) }
        }
        let charts = [
            ReportChart(title: "Share resolved by negotiation and mediation, by \(period.rawValue)", kind: .shareLine,
                        labels: report.periods.map(\.period), values: report.periods.map { [$0.resolvedByNegotiationAndMediation.share ?? 0] }, unit: "%"),
            ReportChart(title: "Open cases by stage", kind: .bars, labels: stages.rows.map { $0[0] }, values: stages.rows.map { [Double($0[1]) ?? 0] }, unit: "cases"),
            ReportChart(title: "Median days per stage", kind: .bars, labels: t.durations.keys.sorted(),
                        values: t.durations.keys.sorted().map { [t.durations[$0]!.medianDays] }, unit: "days"),
            ReportChart(title: "Outcomes by region", kind: .stacked(series: series), labels: regions, values: byRegion, unit: "cases"),
        ]
        return Report(title: "Labor dispute statistics", subtitle: subtitle, headline: headline,
                      tables: [periods, outcomes, stages, durations, mediators], charts: charts, json: json(report))
    }

    /// The rosters: organizations and mediators, with a chart of organizations per region.
    public static func rosters(_ roster: Roster, region: String?, asOf: Timestamp?) -> Report {
        let orgs = roster.organizations.filter { region == nil || $0.value.region == region }.sorted { $0.key < $1.key }
        let ids = Set(orgs.map(\.key))
        let mediators = roster.mediators.filter { region == nil || $0.value.memberships.keys.contains(where: ids.contains) }.sorted { $0.key < $1.key }
        let orgTable = ReportTable(
            title: "Mediation organizations", columns: ["id", "name", "kind", "region", "status", "filed with", "distinctions", "mediators serving"],
            rows: orgs.map { id, o in
                [id, o.name, o.kind.rawValue, o.region, o.status.rawValue, o.filings.map(\.rawValue).sorted().joined(separator: "; "),
                 o.distinctions.map(\.rawValue).joined(separator: "; "), "\(roster.mediators.values.filter { $0.serves(id) }.count)"]
            })
        let medTable = ReportTable(
            title: "Mediators", columns: ["id", "name", "source", "serves", "full time", "grade", "trainings", "last evaluation", "expert pool", "invited by"],
            rows: mediators.map { id, m in
                let serving = m.memberships.filter(\.value.active)
                return [id, m.name, m.source.rawValue, serving.keys.sorted().joined(separator: "; "),
                        serving.values.contains { $0.fullTime } ? "yes" : "no", m.grade ?? "", "\(m.trainings.count)", m.evaluations.last.map(String.init) ?? "",
                        m.expert ? "yes" : "", m.invitedBy.sorted().joined(separator: "; ")]
            })
        let perRegion = Dictionary(grouping: orgs, by: { $0.value.region }).mapValues(\.count).sorted { $0.key < $1.key }
        let liaison = ReportTable(title: "Arbitrators' liaison areas", columns: ["arbitrator", "organizations"],
                                  rows: roster.liaisons.sorted { $0.key < $1.key }.map { [$0.key, $0.value.joined(separator: "; ")] })
        return Report(
            title: "Rosters of mediation organizations and mediators",
            subtitle: (region.map { "Region \($0)" } ?? "All regions") + (asOf.map { ", as of \($0.iso8601)" } ?? ""),
            headline: [("Organizations", "\(orgs.count) (\(orgs.filter { $0.value.status == .active }.count) active)"),
                       ("Mediators serving", "\(mediators.filter { $0.value.serving }.count)"),
                       ("Expert pool", "\(mediators.filter { $0.value.expert }.count)")],
            tables: [orgTable, medTable, liaison],
            charts: [ReportChart(title: "Organizations by region", kind: .bars, labels: perRegion.map(\.key), values: perRegion.map { [Double($0.value)] }, unit: "")],
            json: json(roster))
    }

    /// A case's archive: registration, documents with versions, the timeline.
    public static func archive(_ dossier: Dossier) -> Report {
        let r = dossier.registration
        let docs = ReportTable(
            title: "Documents", columns: ["document", "version", "date", "by"],
            rows: dossier.documents.sorted { $0.key < $1.key }.flatMap { kind, versions in
                versions.map { [kind, "\($0.version)", $0.entry.occurredAt.iso8601, $0.entry.actor] }
            })
        let timeline = ReportTable(title: "Timeline", columns: ["when", "who", "what"],
                                   rows: dossier.timeline.map { [$0.occurredAt.iso8601, $0.actor, $0.summary] })
        let parties = ReportTable(title: "Parties and claims", columns: ["role", "id", "name / claim", "amount"],
                                  rows: (r?.parties.map { [$0.role.rawValue, $0.id, $0.name, ""] } ?? [])
                                      + (r?.claims.map { ["claim", "", $0.type.rawValue, $0.amount.map { "\($0)" } ?? ""] } ?? []))
        return Report(
            title: "Case archive \(dossier.caseID)", subtitle: r.map { "Registered in \($0.region) via \($0.channel.rawValue)" } ?? "",
            headline: [("Documents", "\(docs.rows.count)"), ("Events", "\(dossier.timeline.count)"), ("Notifications", "\(dossier.notifications.count)"),
                       ("Return visits", "\(dossier.returnVisits.count)")],
            tables: [parties, docs, timeline], charts: [], json: json(dossier))
    }

    /// The risk ledger, with a chart of the enterprises with the most workers in open disputes.
    public static func risk(_ ledger: RiskLedger, region: String?, asOf: Timestamp?) -> Report {
        let enterprises = ReportTable(
            title: "Enterprises", columns: ["grade", "employer", "name", "sectors", "regions", "open cases", "cases", "workers", "amount claimed", "themes", "key groups", "joint handling"],
            rows: ledger.enterprises.map { e in
                [e.grade.rawValue, e.employer, e.name, e.sectors.map(\.rawValue).joined(separator: "; "), e.regions.joined(separator: "; "), "\(e.openCases)", "\(e.cases)",
                 "\(e.workersInvolved)", "\(e.amountClaimed)", e.themes.map(\.rawValue).joined(separator: "; "), e.groups.map(\.rawValue).joined(separator: "; "),
                 e.emergencyJointHandling ? "yes" : ""]
            })
        let sectors = ReportTable(title: "Sectors", columns: ["sector", "enterprises", "open cases", "workers"],
                                  rows: ledger.sectors.map { [$0.sector.rawValue, "\($0.enterprises)", "\($0.openCases)", "\($0.workersInvolved)"] })
        let top = ledger.enterprises.sorted { $0.workersInvolved > $1.workersInvolved }.prefix(15)
        return Report(
            title: "Risk ledger", subtitle: (region.map { "Region \($0)" } ?? "All regions") + (asOf.map { ", as recorded by \($0.iso8601)" } ?? ""),
            headline: RiskGrade.allCases.reversed().map { g in (g.rawValue, "\(ledger.enterprises.filter { $0.grade == g }.count) enterprises") },
            tables: [enterprises, sectors],
            charts: [ReportChart(title: "Workers in open disputes, by enterprise", kind: .bars, labels: top.map { "\($0.name)" },
                                 values: top.map { [Double($0.workersInvolved)] }, unit: "workers")],
            json: json(ledger))
    }
}
