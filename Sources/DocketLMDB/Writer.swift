import DocketCore
import Dispatch
import Foundation
import Logging
import Synchronization

/// The store's single writer: one thread that takes every queued append, commits them together in
/// one LMDB write transaction (one fsync), and only then resumes each caller (group commit).
///
/// Write transactions in LMDB belong to the thread that began them, so all writes of a store
/// happen on this thread; callers wait on continuations, never on the thread.
final class Writer: Sendable {
    enum Job: Sendable {
        case append(PreparedAppend, UnsafeContinuation<AppendResult, any Error>)
        /// Write records verbatim (import), after flushing the tail into the index.
        case importRecords([RecordedEvent], CheckedContinuation<Void, any Error>)
        /// Write the tail into the index databases.
        case flushIndex(CheckedContinuation<Void, any Error>)
        /// Run a write transaction that touches neither the log nor its indexes (timers,
        /// projections, opening databases); `then` runs after the commit, before the caller resumes.
        case transaction(@Sendable (borrowing Transaction) throws -> Void, then: @Sendable () -> Void, CheckedContinuation<Void, any Error>)
        /// Look an idempotency key up in the tail (this thread's) and the index.
        case lookupIdempotency(String, CheckedContinuation<AppendResult?, any Error>)
    }

    private struct Queue: ~Copyable {
        var jobs: [Job] = []
        var sleeping = false
        var stopped = false
        var finished: [CheckedContinuation<Void, Never>] = []
        var exited = false
    }

    private let queue = Mutex(Queue())
    private let stats = Mutex(LMDBEventStore.WriteStatistics())

    var statistics: LMDBEventStore.WriteStatistics { stats.withLock { $0 } }
    private let wake = DispatchSemaphore(value: 0)
    private let env: Environment
    private let clock: any DocketClock
    private let signal: CommitSignal
    private let logger: Logger
    private let maxBatch: Int
    private let tail: TailIndex
    private let readerTail: ReaderTail
    private let flushThreshold: Int

    init(
        env: Environment, clock: any DocketClock, signal: CommitSignal, logger: Logger, maxBatch: Int,
        tail: TailIndex, readerTail: ReaderTail, flushThreshold: Int
    ) {
        self.tail = tail
        self.readerTail = readerTail
        self.flushThreshold = flushThreshold
        self.env = env
        self.clock = clock
        self.signal = signal
        self.logger = logger
        self.maxBatch = maxBatch
        let thread = Thread { [self] in self.run() }
        thread.name = "docket-writer"
        thread.start()
    }

    /// Queues a job; fails it at once when the writer has stopped.
    func submit(_ job: Job) {
        let (accepted, mustWake): (Bool, Bool) = queue.withLock { q in
            if q.stopped { return (false, false) }
            q.jobs.append(job)
            if q.sleeping {
                q.sleeping = false
                return (true, true)
            }
            return (true, false)
        }
        if mustWake { wake.signal() }
        if !accepted { Self.fail(job, DocketError(.storeClosed, "the store is closed")) }
    }

    /// Stops taking jobs, finishes the queued ones and waits for the thread to exit.
    func stop() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let (resumeNow, mustWake): (Bool, Bool) = queue.withLock { q in
                if q.exited { return (true, false) }
                q.finished.append(c)
                q.stopped = true
                let w = q.sleeping
                q.sleeping = false
                return (false, w)
            }
            if mustWake { wake.signal() }
            if resumeNow { c.resume() }
        }
    }

    /// Stops without waiting (from `deinit`).
    func stopSoon() {
        let mustWake: Bool = queue.withLock { q in
            q.stopped = true
            let w = q.sleeping
            q.sleeping = false
            return w
        }
        if mustWake { wake.signal() }
    }

    /// What the last append commit tells the next one: how many callers it answered (most come back
    /// with their next append) and how long LMDB's commit took (the longest worth waiting for them).
    private struct Pace {
        var lastBatch = 0
        var lastCommit: Duration = .zero
    }
    /// Only the writer thread touches it.
    private nonisolated(unsafe) var pace = Pace()

    /// Waits until a job is queued or `deadline` passes; returns the jobs taken (possibly none).
    private func takeArrivals(upTo n: Int, until deadline: ContinuousClock.Instant) -> [Job] {
        while true {
            let (jobs, stopped): ([Job], Bool) = queue.withLock { q in
                if !q.jobs.isEmpty { return (Self.dequeue(&q, upTo: n), false) }
                if q.stopped { return ([], true) }
                q.sleeping = true
                return ([], false)
            }
            if !jobs.isEmpty || stopped { return jobs }
            let now = ContinuousClock.now
            guard now < deadline else {
                queue.withLock { $0.sleeping = false }
                return []
            }
            let left = deadline - now
            let nanoseconds = Int(left.components.seconds) * 1_000_000_000 + Int(left.components.attoseconds / 1_000_000_000)
            // A wake-up that comes after the timeout is left in the semaphore; the loop above
            // treats it as spurious.
            if wake.wait(timeout: .now() + .nanoseconds(nanoseconds)) == .timedOut {
                queue.withLock { $0.sleeping = false }
            }
        }
    }

    private static func dequeue(_ q: inout Queue, upTo n: Int) -> [Job] {
        let n = Swift.min(q.jobs.count, n)
        let taken = Array(q.jobs[..<n])
        q.jobs.removeFirst(n)
        return taken
    }

    private func takeWaiting() -> [Job]? {
        while true {
            let jobs: [Job]? = queue.withLock { q in
                if q.jobs.isEmpty {
                    if q.stopped { return nil }
                    q.sleeping = true
                    return []
                }
                return Self.dequeue(&q, upTo: maxBatch)
            }
            guard let jobs else { return nil }
            if !jobs.isEmpty { return jobs }
            wake.wait()
        }
    }

    private func run() {
        var buffer = [UInt8]()
        buffer.reserveCapacity(4096)
        var pending: [Job] = []
        while true {
            if pending.isEmpty {
                guard let jobs = takeWaiting() else { break }
                pending = jobs
            }
            let jobs = pending
            pending = []
            var appends: [(PreparedAppend, UnsafeContinuation<AppendResult, any Error>)] = []
            for job in jobs {
                if case .append(let r, let c) = job {
                    appends.append((r, c))
                    continue
                }
                if !appends.isEmpty {
                    commit(appends, gathering: false)
                    appends.removeAll()
                }
                run(job, &buffer)
            }
            // The batch ends with appends: its transaction may take in more appends while
            // callers answered by the last commit come back (see `commit`).
            if !appends.isEmpty { pending = commit(appends, gathering: true) }
        }
        let waiters: [CheckedContinuation<Void, Never>] = queue.withLock { q in
            q.exited = true
            let w = q.finished
            q.finished = []
            return w
        }
        for w in waiters { w.resume() }
    }

    /// Runs a job other than an append.
    private func run(_ job: Job, _ buffer: inout [UInt8]) {
        switch job {
        case .append(let r, let c):
            _ = commit([(r, c)], gathering: false)
        case .importRecords(let records, let c):
            importRecords(records, c, &buffer)
        case .flushIndex(let c):
            flushIndex(c)
        case .lookupIdempotency(let key, let c):
            do {
                let found = try env.read { txn in
                    try tail.prepare(txn)
                    return try TailWriter(txn: txn, tail: tail).idempotencyEntry(for: key)?.result
                }
                c.resume(returning: found)
            } catch {
                tail.invalidate()
                c.resume(throwing: publicError(error))
            }
        case .transaction(let body, let then, let c):
            do {
                try withGrowingMap { try env.write(body) }
                then()
                c.resume()
            } catch {
                c.resume(throwing: publicError(error))
            }
        }
    }

    /// Runs `body` in a write transaction, growing the map and retrying when it is full.
    private func withGrowingMap<R>(_ body: () throws -> R) throws -> R {
        var attempts = 0
        while true {
            do {
                return try body()
            } catch let e as LMDBError where e.isMapFull && attempts < 24 {
                attempts += 1
                let target = env.mapSize * 2
                logger.info("growing the LMDB map", metadata: ["path": "\(env.path)", "bytes": "\(target)"])
                try env.resize(atLeast: target)
            }
        }
    }

    /// Commits `appends` in one write transaction (one fsync) and answers their callers.
    ///
    /// With `gathering`, while the transaction is open and fewer appends are in it than the last
    /// commit answered, the writer takes in appends that arrive meanwhile (callers answered by the
    /// last commit coming back), for at most as long as that commit took: the records of the first
    /// arrivals are written while the others are on their way, instead of after all of them. Jobs
    /// taken that are not appends are returned, to run after the commit, in order.
    @discardableResult
    private func commit(
        _ initial: [(PreparedAppend, UnsafeContinuation<AppendResult, any Error>)], gathering: Bool
    ) -> [Job] {
        var appends = initial
        var leftover: [Job] = []
        var gather = gathering && pace.lastBatch > appends.count
        let target = Swift.min(pace.lastBatch, maxBatch)
        let budget = Swift.min(Swift.max(pace.lastCommit, .microseconds(50)), .milliseconds(2))
        do {
            let started = ContinuousClock.now
            var decided = started
            var gathered = Duration.zero
            var flushed = false
            let outcomes = try withTail {
                try env.write { txn in
                    let foreign = try tail.prepare(txn)
                    let recordedAt = clock.now()
                    let writer = TailWriter(txn: txn, tail: tail)
                    var outcomes = try LogAppender.append(appends.map(\.0), recordedAt: recordedAt, in: writer)
                    if gather {
                        // Only on the first attempt: a retry (after growing the map) rewrites
                        // exactly the appends gathered so far.
                        gather = false
                        let from = ContinuousClock.now
                        let deadline = from + budget
                        while appends.count < target, leftover.isEmpty {
                            let arrived = takeArrivals(upTo: target - appends.count, until: deadline)
                            if arrived.isEmpty { break }
                            var more: [(PreparedAppend, UnsafeContinuation<AppendResult, any Error>)] = []
                            for job in arrived {
                                if leftover.isEmpty, case .append(let r, let c) = job { more.append((r, c)) } else { leftover.append(job) }
                            }
                            appends += more
                            outcomes += try LogAppender.append(more.map(\.0), recordedAt: recordedAt, in: writer)
                        }
                        gathered = ContinuousClock.now - from
                    }
                    flushed = try (foreign || tail.count >= flushThreshold) && tail.flush(txn)
                    decided = ContinuousClock.now
                    return outcomes
                }
            }
            if flushed {
                tail.reset(to: tail.chain)
                readerTail.replace(with: tail)
            } else {
                tail.didCommit()
                var touched: [StreamID] = []
                for case .success(let r) in outcomes where !r.isReplay {
                    for s in r.streams { touched.append(s.stream) }
                }
                readerTail.publish(tail, touched: touched)
            }
            let finished = ContinuousClock.now
            pace = Pace(lastBatch: appends.count, lastCommit: finished - decided)
            let events = appends.reduce(0) { $0 + $1.0.request.streams.reduce(0) { $0 + $1.events.count } }
            stats.withLock { s in
                s.commits += 1
                s.appends += UInt64(appends.count)
                s.events += UInt64(events)
                s.largestBatch = Swift.max(s.largestBatch, appends.count)
                s.buildTime += decided - started - gathered
                s.gatherTime += gathered
                s.commitTime += finished - decided
                if flushed { s.indexFlushes += 1 }
            }
            // Durable now: publish, then answer each caller.
            var last = LogPosition.beforeFirst
            for case .success(let r) in outcomes where !r.isReplay { last = Swift.max(last, r.lastPosition) }
            if last > .beforeFirst { signal.publish(last) }
            for ((_, c), outcome) in zip(appends, outcomes) { c.resume(with: outcome) }
        } catch {
            let e = publicError(error)
            logger.error("append batch failed", metadata: ["error": "\(e)", "requests": "\(appends.count)"])
            for (_, c) in appends { c.resume(throwing: e) }
            pace = Pace()
        }
        return leftover
    }

    /// Runs a write (with map growth and retries); any failure leaves the tail to be rebuilt from
    /// the log by the next transaction, since it may hold entries of a transaction that did not commit.
    private func withTail<R>(_ body: () throws -> R) throws -> R {
        try withGrowingMap {
            do { return try body() } catch {
                tail.invalidate()
                throw error
            }
        }
    }

    private func importRecords(_ records: [RecordedEvent], _ c: CheckedContinuation<Void, any Error>, _ buffer: inout [UInt8]) {
        do {
            let end = try withTail {
                try env.write { txn in
                    try tail.prepare(txn)
                    if try tail.flush(txn) { stats.withLock { $0.indexFlushes += 1 } }
                    try LogAppender.importRecords(records, in: LMDBLogWriter(txn: txn), buffer: &buffer)
                    let end = try txn.chainHead()
                    try txn.putIndexed(end.position)
                    return end
                }
            }
            tail.reset(to: end)
            readerTail.replace(with: tail)
            signal.publish(end.position)
            c.resume()
        } catch {
            c.resume(throwing: publicError(error))
        }
    }

    private func flushIndex(_ c: CheckedContinuation<Void, any Error>) {
        do {
            let end = try withTail {
                try env.write { txn in
                    try tail.prepare(txn)
                    if try tail.flush(txn) { stats.withLock { $0.indexFlushes += 1 } }
                    return tail.chain
                }
            }
            tail.reset(to: end)
            readerTail.replace(with: tail)
            c.resume()
        } catch {
            c.resume(throwing: publicError(error))
        }
    }

    private static func fail(_ job: Job, _ error: any Error) {
        switch job {
        case .append(_, let c): c.resume(throwing: error)
        case .importRecords(_, let c): c.resume(throwing: error)
        case .flushIndex(let c): c.resume(throwing: error)
        case .transaction(_, _, let c): c.resume(throwing: error)
        case .lookupIdempotency(_, let c): c.resume(throwing: error)
        }
    }
}
