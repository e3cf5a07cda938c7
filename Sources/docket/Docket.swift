import ArgumentParser
import DocketCore
import DocketLMDB
import Foundation
import Logging

@main
struct Docket: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "docket",
        abstract: "An event-sourced workflow engine for labor and personnel dispute cases.",
        discussion: """
            Docket keeps an append-only, hash-chained event log in LMDB. These commands work on a \
            store directory (--store, default ./docket-data).

            Example:
              docket demo
              docket verify
            """,
        version: DocketVersion.current,
        subcommands: [
            Demo.self, Apply.self, CaseCommandGroup.self, RosterCommandGroup.self, ArchiveCommandGroup.self, ReportCommand.self, Stats.self, Risk.self, Rebuild.self, Tick.self, Read.self,
            Verify.self, Info.self, Export.self, Import.self, Backup.self,
            AppendLoop.self, HoldReader.self,
        ]
    )
}

enum DocketVersion {
    static let current = "0.1.0-dev"
}

/// The CLI's log output: warnings and errors on standard error, unless `DOCKET_LOG_LEVEL` says
/// otherwise (`trace`, `debug`, `info`, `notice`, `warning`, `error`, `critical`).
enum CLILogging {
    static let bootstrap: Void = {
        let level = ProcessInfo.processInfo.environment["DOCKET_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }()
}

struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The store directory.")
    var store: String = "./docket-data"

    func open(create: Bool = false, durability: LMDBEventStore.Durability = .fsyncEveryCommit) throws -> LMDBEventStore {
        try LMDBEventStore(path: store, options: options(create: create, durability: durability))
    }

    func options(create: Bool = false, durability: LMDBEventStore.Durability = .fsyncEveryCommit) -> LMDBEventStore.Options {
        CLILogging.bootstrap
        var options = LMDBEventStore.Options()
        options.createIfMissing = create
        options.durability = durability
        return options
    }
}

/// Runs a command body, turning Docket's errors into one clear line and a non-zero exit.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let e as DocketError {
        FileHandle.standardError.write(Data("docket: error: \(e.message) [\(e.code)]\n".utf8))
        throw ExitCode(2)
    } catch let e as VersionConflict {
        FileHandle.standardError.write(Data("docket: error: \(e)\n".utf8))
        throw ExitCode(2)
    }
}

extension RecordedEvent {
    var humanLine: String {
        let payloadText = BinaryPayload.isBinary(payload)
            ? ((try? BinaryPayload.jsonText(payload)) ?? "<\(payload.count) bytes>")
            : String(validating: payload, as: UTF8.self) ?? "<\(payload.count) bytes>"
        return "\(position)\t\(stream)@\(version)\t\(type) v\(schemaVersion)\t\(occurredAt)\t\(metadata.actor)\t\(payloadText)"
    }
}
