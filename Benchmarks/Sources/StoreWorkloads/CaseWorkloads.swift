import DocketCore
import DocketEngine
import DocketLMDB
import Foundation
import LaborDisputes

/// A clock that always shows one instant: every command of the benchmark's cases is given then.
struct FixedClock: DocketClock {
    let instant: Timestamp
    func now() -> Timestamp { instant }
}

extension Workloads {
    /// Builds a log of at least `events` events of labor cases through the dispute desk: organizations
    /// and mediators on the roster, then cases that register, apply for mediation, are accepted,
    /// get a mediator, and (four in five) sign an agreement that is performed, or (one in five) fail
    /// mediation and go to arbitration. Returns the number of events in the log.
    public static func buildCaseLog(at dir: String, events: Int, callers: Int = 64) async throws -> Int {
        let store = try openStore(dir, durability: .noFsyncMayLoseRecentCommitsOnPowerLoss)
        let desk = try DisputeDesk(store: store, rules: try CaseRules.bundled(), clock: FixedClock(instant: Timestamp(iso8601: "2026-03-02T10:00:00+08:00")!))
        let registrar = Actor(.registrar, "R-1")
        let regions = ["shandong", "huilai", "qinghai", "tianjin", "shanghai"]
        for (i, region) in regions.enumerated() {
            let org = "ORG-\(i)"
            _ = try await desk.handle(.registerOrganization(kind: .peoplesMediation, name: "\(region) mediation committee", region: region, parent: nil),
                                      for: .organization(org), commandID: "o\(i)", actor: registrar)
            _ = try await desk.handle(.fileOrganization(authority: .judicialAdministration), for: .organization(org), commandID: "f\(i)", actor: registrar)
            _ = try await desk.handle(.appointMediator(organization: org, name: "M\(i)", source: .lawyer, fullTime: true),
                                      for: .mediator("MED-\(i)"), commandID: "m\(i)", actor: registrar)
        }
        let cases = events / 7 + 1
        let performBy = Timestamp(iso8601: "2026-04-30T00:00:00+08:00")!
        try await withThrowingTaskGroup(of: Void.self) { group in
            for c in 0..<callers {
                group.addTask {
                    for n in stride(from: c, to: cases, by: callers) {
                        let id = StreamID(verbatim: "case-\(n)")
                        let r = n % regions.count
                        let org = "ORG-\(r)", worker = Actor(.worker, "W-\(n)"), employer = "E-\(n % 997)"
                        let registration = CaseCommand.RegisterCase(
                            channel: .inPerson, region: regions[r],
                            parties: [Party(role: .worker, id: worker.id, name: "worker \(n)"), Party(role: .employer, id: employer, name: "employer \(employer)")],
                            claims: [Claim(type: n % 3 == 0 ? .dismissal : .remuneration, amount: Decimal(5_000 + n % 50_000))],
                            groups: n % 4 == 0 ? [.migrantWorkers] : [], workersInvolved: 1 + n % 5)
                        var steps: [(CaseCommand, Actor)] = [
                            (.registerCase(registration), registrar), (.applyForMediation(organization: org, oral: false), worker),
                            (.acceptMediation, Actor(.organization, org)), (.assignMediator(mediator: "MED-\(r)"), Actor(.organization, org)),
                        ]
                        if n % 5 == 4 {
                            steps += [(.recordMediationFailure(reason: "no agreement"), Actor(.mediator, "MED-\(r)")), (.applyForArbitration(claims: nil), worker)]
                        } else {
                            let agreement = MediationAgreement(terms: "pay", performBy: performBy, signatures: Signatures(worker: true, employer: true, mediator: true, organizationSeal: true))
                            steps += [(.signMediationAgreement(agreement), Actor(.mediator, "MED-\(r)")), (.recordPerformance(performed: true), Actor(.employer, employer))]
                        }
                        for (k, (command, actor)) in steps.enumerated() {
                            let outcome = try await desk.handle(command, case: id, commandID: "c\(n)-\(k)", actor: actor)
                            if let r = outcome.rejection { fatalError("case \(n) step \(k) refused: \(r)") }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        try await store.flush()
        let n = Int(try await store.lastPosition().value)
        await store.close()
        return n
    }

    /// Events per second rebuilding every read model of the dispute system (cases, rosters, archives)
    /// from position zero, on the log at `dir` (built by ``buildCaseLog(at:events:callers:)``).
    public static func rebuildReadModels(at dir: String) async throws -> Double {
        let store = try openStore(dir)
        let models = try DisputeReadModels(store: store, rules: try CaseRules.bundled())
        let events = Double(try await store.lastPosition().value)
        let start = ContinuousClock.now
        let names = ProcessInfo.processInfo.environment["DOCKET_BENCH_REBUILD"].map { $0.split(separator: ",").map(String.init) } ?? models.projections.map(\.name)
        let verbose = ProcessInfo.processInfo.environment["DOCKET_BENCH_VERBOSE"] != nil
        let cpuBefore = processCPUSeconds()
        try await models.runner.rebuild(names) { name, took in
            if verbose { FileHandle.standardError.write(Data("  rebuilt \(name) in \(took)\n".utf8)) }
        }
        let elapsed = seconds(ContinuousClock.now - start)
        if verbose {
            let cpu = processCPUSeconds() - cpuBefore
            FileHandle.standardError.write(Data("  CPU \(String(format: "%.2f", cpu)) s in \(String(format: "%.2f", elapsed)) s (\(String(format: "%.2f", cpu / elapsed)) cores)\n".utf8))
        }
        // The check reads every case record back; `DOCKET_BENCH_NOCHECK=1` leaves it out of a profile.
        if ProcessInfo.processInfo.environment["DOCKET_BENCH_NOCHECK"] == nil {
            // What every statistics query does first: read every case record.
            let readStart = ContinuousClock.now
            let records = try await models.caseRecords()
            precondition(records.count > 0, "the rebuilt case rows are there")
            if verbose {
                let took = seconds(ContinuousClock.now - readStart)
                FileHandle.standardError.write(Data("  read back \(records.count) case records in \(String(format: "%.3f", took)) s\n".utf8))
            }
        }
        await store.close()
        return events / elapsed
    }

    /// Profiling aid: times encoding and decoding every case record of the rebuilt read model at `dir`.
    public static func recordCodec(at dir: String) async throws {
        let store = try openStore(dir)
        let models = try DisputeReadModels(store: store, rules: try CaseRules.bundled())
        let records = try await models.caseRecords()
        await store.close()
        for _ in 0..<3 {
            var start = ContinuousClock.now
            var encoded: [[UInt8]] = []
            encoded.reserveCapacity(records.count)
            for r in records { encoded.append(try BinaryPayload.encode(r)) }
            let enc = seconds(ContinuousClock.now - start)
            start = ContinuousClock.now
            var n = 0
            for e in encoded { n += try BinaryPayload.decode(CaseRecord.self, from: e, what: "record").stages.count }
            let dec = seconds(ContinuousClock.now - start)
            let bytes = encoded.reduce(0) { $0 + $1.count }
            FileHandle.standardError.write(Data(("keyed: records=\(records.count) bytes/record=\(bytes / max(1, records.count)) encode=\(Int(enc / Double(records.count) * 1e9)) ns decode=\(Int(dec / Double(records.count) * 1e9)) ns (\(n))\n").utf8))
            // The positional form the case rows are written in.
            start = ContinuousClock.now
            var positional: [[UInt8]] = []
            positional.reserveCapacity(records.count)
            for r in records {
                var w = BinaryValueWriter(capacity: 1024, positional: true)
                try r.encode(to: &w)
                positional.append(w.bytes)
            }
            let penc = seconds(ContinuousClock.now - start)
            start = ContinuousClock.now
            var m = 0
            for e in positional { m += try BinaryPayload.withValue(in: e, what: "record") { try CaseRecord(from: &$0) }.stages.count }
            let pdec = seconds(ContinuousClock.now - start)
            let pbytes = positional.reduce(0) { $0 + $1.count }
            FileHandle.standardError.write(Data(("positional: bytes/record=\(pbytes / max(1, records.count)) encode=\(Int(penc / Double(records.count) * 1e9)) ns decode=\(Int(pdec / Double(records.count) * 1e9)) ns (\(m))\n").utf8))
        }
        if let first = records.first { print(try BinaryPayload.jsonText(try BinaryPayload.encode(first))) }
    }
}

/// User and system CPU time of the whole process so far, in seconds.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}
