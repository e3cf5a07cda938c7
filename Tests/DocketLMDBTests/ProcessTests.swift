import DocketCore
@testable import DocketLMDB
import DocketTesting
import Foundation
import Testing

/// Tests that run the built `docket` binary as a child process: crashes, full disks, two writers.
@Suite("Crash safety and multi-process use", .serialized)
struct ProcessTests {
    init() throws {
        try #require(FileManager.default.isExecutableFile(atPath: docketBinary), "the docket executable is not at \(docketBinary); build the package first")
    }

    @Test("SIGKILL at random moments loses no acknowledged append and leaves no partial record")
    func killedMidWrite() async throws {
        let dir = TemporaryDirectory("docket-crash")
        let iterations = Int(ProcessInfo.processInfo.environment["DOCKET_CRASH_ITERATIONS"] ?? "") ?? 24
        var generator = SystemRandomNumberGenerator()
        var totalAcks = 0
        var allAcks: [Ack] = []
        for iteration in 0..<iterations {
            let child = try Child.docket(["debug-append-loop", "--store", dir.path, "--writers", "8", "--map-size", "\(1 << 20)", "--keys"])
            // Let it start and acknowledge something, then kill it at a random moment.
            let deadline = ContinuousClock.now + .seconds(20)
            while child.stdout.count == 0, child.process.isRunning, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(2))
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 5...150, using: &generator)))
            child.kill()
            let (lines, stderr, _) = child.wait()
            #expect(!stderr.contains("error"), "iteration \(iteration): the child reported \(stderr)")
            let acks = lines.compactMap(Ack.init)
            #expect(acks.count == lines.count, "iteration \(iteration): unparseable lines")
            #expect(!acks.isEmpty, "iteration \(iteration): the child acknowledged nothing before the kill")
            totalAcks += acks.count
            allAcks += acks
            let store = try LMDBEventStore(path: dir.path)
            let problems = try await checkAcknowledged(allAcks, in: store)
            #expect(problems.isEmpty, "iteration \(iteration): \(problems.prefix(5))")
            let report = try await store.verify()
            #expect(report.isIntact, "iteration \(iteration): \(report)")
            // Retried commands replay their first result, whether their entry was flushed or is
            // rebuilt from the tail the killed child left; a changed retry is refused.
            for ack in acks.shuffled(using: &generator).prefix(10) {
                let r = try await store.append(ack.retry())
                #expect(r.isReplay && r.firstPosition.value == ack.firstPosition && r.lastPosition.value == ack.lastPosition, "iteration \(iteration): retry of \(ack) gave \(r)")
            }
            if let ack = acks.last {
                var changed = ack.retry()
                changed.streams[0].events[0].type = "Changed"
                let error = await #expect(throws: DocketError.self) { try await store.append(changed) }
                #expect(error?.code == .idempotencyKeyReused)
            }
            await store.close()
        }
        let store = try LMDBEventStore(path: dir.path)
        let report = try await store.verify()
        #expect(report.isIntact)
        #expect(report.eventsChecked >= UInt64(totalAcks * 3), "\(report.eventsChecked) events for \(totalAcks) acknowledged appends of 3 events")
    }

    @Test("a full disk is a typed error; acknowledged appends survive and the store reopens")
    func fullDisk() async throws {
        let dir = TemporaryDirectory("docket-full")
        // A 4 MiB file-size limit stands in for a full disk: writes past it fail with EFBIG.
        let child = try Child.docket(
            ["debug-append-loop", "--store", dir.path, "--writers", "4", "--payload-bytes", "2000", "--map-size", "\(64 << 20)"],
            shellPrefix: "trap '' XFSZ; ulimit -f 4096")
        let finished = Task.detached { child.wait() }
        let timeout = Task.detached {
            try await Task.sleep(for: .seconds(120))
            child.kill()
        }
        let (lines, stderr, status) = await finished.value
        timeout.cancel()
        #expect(status != 0, "the child should fail when the disk is full")
        #expect(stderr.contains("[diskFull]"), "stderr: \(stderr)")
        #expect(!stderr.contains("Fatal error"), "a full disk must not trap: \(stderr)")
        let acks = lines.compactMap(Ack.init)
        #expect(acks.count > 10)
        let store = try LMDBEventStore(path: dir.path)
        let problems = try await checkAcknowledged(acks, in: store)
        #expect(problems.isEmpty, "\(problems.prefix(5))")
        let report = try await store.verify()
        #expect(report.isIntact, "\(report)")
        // With room again, the store takes appends.
        try await store.append(to: "after", expected: .noStream, events: [Fixtures.event()], metadata: Fixtures.metadata)
        #expect(try await store.verify().isIntact)
    }

    @Test("two processes on one store: versions checked in the transaction, every version acknowledged once")
    func twoProcesses() async throws {
        let dir = TemporaryDirectory("docket-two")
        do {  // create the store first so that both children open an existing one
            let store = try LMDBEventStore(path: dir.path)
            await store.close()
        }
        let args = ["debug-append-loop", "--store", dir.path, "--writers", "4", "--count", "150", "--retry-conflicts", "--prefix", "w"]
        let a = try Child.docket(args)
        let b = try Child.docket(args)
        let ra = await Task.detached { a.wait() }.value
        let rb = await Task.detached { b.wait() }.value
        #expect(ra.status == 0 && rb.status == 0, "a: \(ra.stderr) b: \(rb.stderr)")
        let acks = (ra.lines + rb.lines).compactMap(Ack.init)
        #expect(acks.count == 2 * 4 * 150)
        let store = try LMDBEventStore(path: dir.path)
        var versions: [StreamID: [UInt64]] = [:]
        for ack in acks { versions[ack.stream, default: []] += Array(ack.firstVersion...ack.lastVersion) }
        for (stream, acked) in versions {
            let head = try await store.version(of: stream)
            #expect(acked.sorted() == Array(1...head.value), "\(stream): versions acknowledged twice or missing")
        }
        #expect(Set(acks.map(\.firstPosition)).count == acks.count, "two appends acknowledged the same position")
        #expect(try await store.version(of: "shared") == StreamVersion(UInt64(acks.count)))
        #expect(try await checkAcknowledged(acks, in: store).isEmpty)
        let report = try await store.verify()
        #expect(report.isIntact && report.eventsChecked == UInt64(acks.count * 3))
    }

    @Test("a store open in this process reads another process's unindexed tail, and appends after it")
    func readOtherProcessTail() async throws {
        let dir = TemporaryDirectory("docket-tail")
        let store = try LMDBEventStore(path: dir.path)
        try await store.append(to: "parent", expected: .noStream, events: [Fixtures.event()], metadata: Fixtures.metadata)
        let child = try Child.docket(["debug-append-loop", "--store", dir.path, "--writers", "4"])
        let deadline = ContinuousClock.now + .seconds(20)
        while completeLines(child.stdout.text).count < 50, child.process.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        child.kill()  // before it can flush its tail at close
        let acks = child.wait().lines.compactMap(Ack.init)
        #expect(acks.count >= 50)
        #expect(try await store.info().unindexedEvents > 0, "the child's events should still be in the tail")
        #expect(try await checkAcknowledged(acks, in: store).isEmpty)
        // The child may have committed appends it was killed before acknowledging: the head read
        // covers every acknowledged version. A commit cut off by the kill after its meta page reached
        // the file is seen by the next writer before readers (LMDB publishes it to readers with the
        // next commit), so the writer's view may be ahead of the read one, never behind.
        let acked = acks.filter { $0.stream == "w-0" }.map(\.lastVersion).max() ?? 0
        let head = try await store.version(of: "w-0")
        #expect(head.value >= acked)
        let stale = await #expect(throws: VersionConflict.self) {
            try await store.append(to: "w-0", expected: .exact(StreamVersion(head.value - 1)), events: [Fixtures.event()], metadata: Fixtures.metadata)
        }
        let actual = try #require(stale?.actual)
        #expect(actual >= head)
        let r = try await store.append(to: "w-0", expected: .exact(actual), events: [Fixtures.event()], metadata: Fixtures.metadata)
        #expect(r.streams[0].firstVersion == actual.next)
        #expect(try await store.version(of: "w-0") == actual.next)
        #expect(try await store.verify().isIntact)
    }

    @Test("a damaged record in the unindexed tail: the store still opens and verify names it")
    func damagedTail() async throws {
        let dir = TemporaryDirectory("docket-damaged")
        let child = try Child.docket(["debug-append-loop", "--store", dir.path, "--writers", "2"])
        let deadline = ContinuousClock.now + .seconds(20)
        while completeLines(child.stdout.text).count < 20, child.process.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        child.kill()  // leaves its tail unindexed
        _ = child.wait()
        do {  // damage record 5 directly, as a disk error or a hand edit would
            let env = try Environment(path: dir.path, mapSize: 1 << 30, maxReaders: 16, maxProjections: 0, flags: [.noTLS])
            try env.openDatabases()
            try env.write { txn in
                try Keys.withPosition(LogPosition(5)) { key in
                    try [UInt8](repeating: 0xAB, count: 64).withUnsafeBytes { try txn.put(txn.dbs.events, key, $0) }
                }
            }
        }
        let store = try LMDBEventStore(path: dir.path)
        let report = try await store.verify()
        #expect(report.problem?.kind == .undecodableRecord && report.problem?.position == LogPosition(5), "\(report)")
        let error = await #expect(throws: DocketError.self) {
            try await store.append(to: "w-0", expected: .any, events: [Fixtures.event()], metadata: Fixtures.metadata)
        }
        #expect(error?.code == .corruptRecord, "appends are refused while the tail cannot be indexed")
    }

    @Test("a reader slot left by a killed process is cleared when the store opens")
    func staleReader() async throws {
        let dir = TemporaryDirectory("docket-reader")
        do {
            let store = try LMDBEventStore(path: dir.path)
            try await store.append(to: "s", expected: .any, events: [Fixtures.event()], metadata: Fixtures.metadata)
            await store.close()
        }
        // The first process to open a store resets the reader table, so a live process must keep
        // the store open for the dead one's slot to need clearing.
        let dying = try Child.docket(["debug-hold-reader", "--store", dir.path])
        let living = try Child.docket(["debug-hold-reader", "--store", dir.path])
        defer { living.kill() }
        let deadline = ContinuousClock.now + .seconds(20)
        while !(dying.stdout.text.contains("holding") && living.stdout.text.contains("holding")), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(dying.stdout.text.contains("holding") && living.stdout.text.contains("holding"))
        dying.kill()
        _ = dying.wait()
        let store = try LMDBEventStore(path: dir.path)
        #expect(store.staleReaderSlotsCleared == 1)
        #expect(try await store.verify().isIntact)
    }

    @Test("the CLI: demo, verify, info, export, import, backup, and one clear line for a missing store")
    func cli() async throws {
        let dir = TemporaryDirectory("docket-cli")
        let demo = run(["demo", "--store", dir.sub("s"), "--cases", "20"])
        #expect(demo.status == 0, "\(demo.stderr)")
        #expect(demo.lines.first?.hasPrefix("20 cases, ") == true && demo.lines.first?.contains(" 0 refused") == true, "\(demo.lines)")
        #expect(demo.lines.contains { $0.hasPrefix("resolved by negotiation and mediation: ") }, "\(demo.lines)")
        #expect(demo.stderr.contains("20/20 cases"), "plain progress lines when standard error is not a terminal: \(demo.stderr)")
        let again = run(["demo", "--store", dir.sub("s"), "--cases", "20"])
        #expect(again.lines.first?.contains(" 0 commands accepted, 0 refused") == true, "the same seed changes nothing: \(again.lines)")
        #expect(run(["verify", "--store", dir.sub("s")]).status == 0)
        let events = run(["info", "--store", dir.sub("s")]).lines.first { $0.hasPrefix("events:") }?.split(separator: " ").last.map(String.init) ?? "?"
        #expect(Int(events) ?? 0 > 100, "\(events)")
        #expect(run(["export", "--store", dir.sub("s"), "--output", dir.sub("log.ndjson")]).status == 0)
        let imported = run(["import", dir.sub("log.ndjson"), "--store", dir.sub("t")])
        #expect(imported.status == 0 && imported.lines == ["imported \(events) events into \(dir.sub("t"))"], "\(imported)")
        #expect(run(["backup", dir.sub("b"), "--store", dir.sub("s")]).status == 0)
        #expect(run(["verify", "--store", dir.sub("b")]).lines.first?.hasPrefix("intact: \(events) events") == true)
        let missing = run(["verify", "--store", dir.sub("missing")])
        #expect(missing.status != 0)
        #expect(missing.stderr == "docket: error: no store at \(dir.sub("missing")) [storeUnavailable]\n")
        let bad = dir.sub("bad.ndjson")
        try "{\"not\": \"an event\"}\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let refused = run(["import", bad, "--store", dir.sub("u")])
        #expect(refused.status != 0 && refused.stderr.hasPrefix("docket: error: line 1:"), "\(refused.stderr)")
    }

    @Test("processes agree byte for byte on the read models' rows: those that caught them up and two that rebuilt them")
    func rowsAgreeAcrossProcesses() async throws {
        let dir = TemporaryDirectory("docket-rows-across-processes")
        // Three processes bring the read models of the demo's store up to date, each catching up
        // the one its query needs; two copies of the store are rebuilt, each by a process of its
        // own. Each process has its own hash seed.
        let demo = run(["demo", "--store", dir.sub("live"), "--cases", "300"])
        try #require(demo.status == 0, "\(demo.stderr)")
        let caseID = try #require(demo.lines.last?.split(separator: " ").last.map(String.init), "\(demo.lines)")
        #expect(run(["stats", "--store", dir.sub("live")]).status == 0)
        #expect(run(["archive", "show", caseID, "--store", dir.sub("live")]).status == 0)
        #expect(run(["roster", "organizations", "--store", dir.sub("live")]).status == 0)
        for copy in ["first", "second"] {
            #expect(run(["backup", dir.sub(copy), "--store", dir.sub("live")]).status == 0)
            let rebuilt = run(["rebuild", "--store", dir.sub(copy)])
            #expect(rebuilt.status == 0 && rebuilt.lines.count == 3, "\(rebuilt)")
        }
        var stores: [LMDBEventStore] = []
        for name in ["live", "first", "second"] { stores.append(try LMDBEventStore(path: dir.sub(name))) }
        for projection in ["cases", "archives", "rosters"] {
            let rows = try await stores.asyncMap { try await $0.allRows(projection) }
            #expect(rows[0].count > (projection == "rosters" ? 50 : 300), "\(projection): \(rows[0].count) rows")
            #expect(rows[1] == rows[0], "\(projection): the first rebuild against the rows caught up")
            #expect(rows[2] == rows[0], "\(projection): the second rebuild against the rows caught up")
        }
        for store in stores { await store.close() }
    }

    @Test("the CLI on cases: apply (with a refused and a malformed line), case show, case history, tick")
    func caseCommands() async throws {
        let dir = TemporaryDirectory("docket-cases")
        let actor = #""actor":{"role":"worker","id":"W-1"},"case":"case-1""#
        let lines = [
            #"{"command":"registerCase","id":"c1","at":"2026-03-02T09:00:00+08:00","actor":{"role":"registrar","id":"R-1"},"case":"case-1","channel":"inPerson","region":"shanghai","parties":[{"role":"worker","id":"W-1","name":"Li Wei"},{"role":"employer","id":"E-1","name":"Huadong Logistics"}],"claims":[{"type":"remuneration","amount":18000}],"groups":[],"workersInvolved":1,"oral":false}"#,
            #"{"command":"proposeNegotiation","id":"c2","at":"2026-03-02T10:00:00+08:00","# + actor + "}",
            #"{"command":"acceptMediation","id":"c3","at":"2026-03-02T11:00:00+08:00","actor":{"role":"organization","id":"O-7"},"case":"case-1"}"#,
            #"{"command":"proposeNegotiation","id":"c4""#,
        ]
        let file = dir.sub("commands.ndjson")
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let store = dir.sub("s")
        let applied = run(["apply", file, "--store", store])
        #expect(applied.status == 1, "a refused and a malformed line make the exit status 1")
        #expect(applied.lines.count == 4, "\(applied.lines)")
        #expect(applied.lines[1].contains("accepted") && applied.lines[1].contains("case.negotiationProposed"))
        #expect(applied.lines[2].contains("rejected, wrongStage"))
        #expect(applied.lines[3].hasPrefix("line 4: error:"))
        // Applying again answers from the idempotency index: nothing is appended twice.
        let again = run(["apply", file, "--store", store, "--json"])
        #expect(again.lines.first?.contains(#""replayed":true"#) == true, "\(again.lines)")
        let show = run(["case", "show", "case-1", "--store", store, "--json"])
        #expect(show.status == 0 && show.lines.first?.contains(#""stage":"negotiationProposed""#) == true, "\(show)")
        #expect(show.lines.first?.contains(#""answerNegotiation":"2026-03-10T00:00:00+08:00""#) == true, "the deadline rolled past the weekend: \(show.lines)")
        let before = run(["case", "show", "case-1", "--as-of", "2026-03-02T09:30:00+08:00", "--store", store])
        #expect(before.lines.first?.hasPrefix("case case-1: registered") == true, "\(before.lines)")
        let tick = run(["tick", "--until", "2026-03-10T00:00:00+08:00", "--store", store])
        #expect(tick.status == 0 && tick.lines.first?.hasPrefix("fired 1 deadline(s): 1 applied") == true, "\(tick)")
        let history = run(["case", "history", "case-1", "--store", store])
        #expect(history.lines.map { $0.split(separator: "\t")[2] } == ["docket.started", "case.registered", "case.negotiationProposed", "case.negotiationDeemedRefused"], "\(history.lines)")
        #expect(history.lines.last?.contains("by docket.deadline") == true)
        // Payloads are binary on disk; the history prints them as typed JSON with ISO 8601 instants.
        #expect(history.lines[2].split(separator: "\t").last?.hasPrefix(#"{"answerBy":"2026-03-"#) == true, "\(history.lines)")
        #expect(run(["case", "show", "nope", "--store", store]).stderr == "docket: error: no case nope [invalidArgument]\n")
        #expect(run(["verify", "--store", store]).status == 0)
    }

    @Test("the CLI on read models: roster lines through apply, roster, stats, risk, archive, evidence, rebuild")
    func readModels() async throws {
        let dir = TemporaryDirectory("docket-read-models")
        let registrar = #""actor":{"role":"registrar","id":"R-1"}"#
        let org = #""actor":{"role":"organization","id":"ORG-1"},"case":"case-1""#
        let lines = [
            #"{"command":"registerOrganization","id":"r1","at":"2026-01-05T09:00:00+08:00","# + registrar + #","organization":"ORG-1","kind":"townshipStreet","name":"城东街道调委会","region":"qinghai"}"#,
            #"{"command":"fileOrganization","id":"r2","at":"2026-01-05T10:00:00+08:00","# + registrar + #","organization":"ORG-1","authority":"judicialAdministration"}"#,
            #"{"command":"appointMediator","id":"r3","at":"2026-01-06T09:00:00+08:00","# + registrar + #","mediator":"MED-1","organization":"ORG-1","name":"马兰","source":"retiredJudge","fullTime":true}"#,
            #"{"command":"registerCase","id":"c1","at":"2026-03-02T09:00:00+08:00","# + registrar + #","case":"case-1","channel":"inPerson","region":"qinghai","parties":[{"role":"worker","id":"W-1","name":"李伟"},{"role":"employer","id":"E-1","name":"高原建工"}],"claims":[{"type":"remuneration","amount":18000}],"groups":["migrantWorkers"],"workersInvolved":1,"oral":false,"sector":"construction"}"#,
            #"{"command":"applyForMediation","id":"c2","at":"2026-03-02T10:00:00+08:00","actor":{"role":"worker","id":"W-1"},"case":"case-1","organization":"ORG-1"}"#,
            #"{"command":"acceptMediation","id":"c3","at":"2026-03-03T10:00:00+08:00","# + org + "}",
            #"{"command":"assignMediator","id":"c4","at":"2026-03-03T11:00:00+08:00","# + org + #","mediator":"MED-1"}"#,
            #"{"command":"signMediationAgreement","id":"c5","at":"2026-03-05T10:00:00+08:00","actor":{"role":"mediator","id":"MED-1"},"case":"case-1","terms":"pay 18,000 yuan","performBy":"2026-03-20T00:00:00+08:00","signatures":{"worker":true,"employer":true,"mediator":true},"seal":true}"#,
            #"{"command":"recordPerformance","id":"c6","at":"2026-03-12T10:00:00+08:00","actor":{"role":"employer","id":"E-1"},"case":"case-1","performed":true}"#,
            #"{"command":"applyForMediation","id":"c7","at":"2026-03-12T10:00:00+08:00","actor":{"role":"worker","id":"W-1"},"case":"case-2","organization":"ORG-NONE"}"#,
        ]
        let file = dir.sub("commands.ndjson")
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let store = dir.sub("s")
        let applied = run(["apply", file, "--store", store])
        #expect(applied.status == 1, "the last line is refused")
        #expect(applied.lines[0].hasPrefix("line 1: organization ORG-1 registerOrganization: accepted → roster.organizationRegistered"), "\(applied.lines)")
        #expect(applied.lines.count == 10 && applied.lines[9].contains("rejected"), "\(applied.lines)")
        let roster = run(["roster", "organizations", "--store", store])
        #expect(roster.status == 0 && roster.lines == ["ORG-1\t城东街道调委会\ttownshipStreet\tqinghai\tactive\tfiled: judicialAdministration\t1 mediator(s)"], "\(roster)")
        let before = run(["roster", "mediators", "--as-of", "2026-01-05T23:00:00+08:00", "--store", store])
        #expect(before.status == 0 && before.lines.isEmpty, "no mediator yet on 5 January: \(before)")
        let stats = run(["stats", "--store", store, "--json"])
        #expect(stats.status == 0 && stats.lines.first?.contains(#""resolvedByNegotiationAndMediation":{"count":1,"of":1,"share":1}"#) == true, "\(stats)")
        let text = run(["stats", "--store", store, "--region", "qinghai"])
        #expect(text.lines.contains("resolved by negotiation and mediation: 100.0% (1 of 1)"), "\(text)")
        #expect(run(["stats", "--period", "week", "--store", store]).status != 0)
        let show = run(["archive", "show", "case-1", "--store", store])
        #expect(show.status == 0 && show.lines.first?.hasPrefix("case case-1: 2 document(s), 6 event(s)") == true, "\(show)")
        let evidence = run(["archive", "evidence", "case-1", "--for", "litigation", "--format", "md", "--store", store])
        #expect(evidence.status == 0 && evidence.lines.first == "# Evidence: case case-1", "\(evidence)")
        #expect(run(["archive", "show", "nope", "--store", store]).stderr == "docket: error: no case nope [invalidArgument]\n")
        let risk = run(["risk", "--store", store, "--json"])
        #expect(risk.status == 0 && risk.lines.first == #"{"enterprises":[],"sectors":[]}"#, "one closed dispute puts no enterprise on the ledger: \(risk)")
        let html = dir.sub("stats.html")
        let written = run(["report", "statistics", "--format", "html", "--output", html, "--store", store])
        #expect(written.status == 0 && FileManager.default.contents(atPath: html).map { String(decoding: $0, as: UTF8.self).contains("<svg") } == true, "\(written)")
        #expect(run(["report", "archive", "--store", store]).status != 0, "an archive report names its case")
        let csv = dir.sub("rosters.csv")
        #expect(run(["report", "rosters", "--format", "csv", "--output", csv, "--store", store]).status == 0)
        #expect(FileManager.default.contents(atPath: csv).map { String(decoding: $0, as: UTF8.self).contains("ORG-1,城东街道调委会,townshipStreet") } == true)
        let rebuilt = run(["rebuild", "--store", store])
        #expect(rebuilt.status == 0 && rebuilt.lines.count == 3, "\(rebuilt)")
        #expect(run(["rebuild", "nope", "--store", store]).status != 0)
        // Errors for people: one line, a non-zero exit.
        let unknownOrg = run(["stats", "--organization", "NOPE", "--store", store])
        #expect(unknownOrg.status != 0 && unknownOrg.stderr == "docket: error: no organization NOPE on the roster [invalidArgument]\n", "\(unknownOrg)")
        let unknownRegion = run(["risk", "--region", "mars", "--store", store])
        #expect(unknownRegion.status != 0 && unknownRegion.stderr.hasPrefix("docket: error: no region mars (known: huilai, qinghai, shandong, shanghai, tianjin)"))
        #expect(run(["stats", "--store", store, "--json"]).lines == stats.lines, "the same figures after a rebuild")
    }
}

extension Array {
    /// `transform` of each element, in order, one at a time.
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        out.reserveCapacity(count)
        for e in self { out.append(try await transform(e)) }
        return out
    }
}
