import DocketCore
import Foundation

/// The repository's `Specs/` directory, found from this file's path.
let specsDirectory: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Specs")

/// Reads a golden file; with `DOCKET_RECORD_GOLDEN=1` in the environment, writes `fresh` first.
func golden(_ name: String, fresh: [UInt8]) throws -> [UInt8] {
    let url = specsDirectory.appendingPathComponent("golden").appendingPathComponent(name)
    if ProcessInfo.processInfo.environment["DOCKET_RECORD_GOLDEN"] == "1" {
        try Data(fresh).write(to: url)
    }
    return [UInt8](try Data(contentsOf: url))
}

enum Samples {
    static let full = RecordedEventFields(
        position: LogPosition(42), stream: StreamID(verbatim: "case-2026-沪-000123"), version: StreamVersion(7),
        type: "MediationAgreementSigned", schemaVersion: 2,
        payload: Array(#"{"terms":"支付工资 12000 元","performBy":"2026-03-31"}"#.utf8),
        occurredAt: Timestamp(millisecondsSinceEpoch: 1_772_406_000_000),
        recordedAt: Timestamp(millisecondsSinceEpoch: 1_772_409_600_250),
        metadata: CommandMetadata(actor: "mediator:M-0017", correlationID: "corr-9f2", causationID: "cmd-88"),
        commandID: "cmd-89", previousHash: EventHash(hex: String(repeating: "ab", count: 32))!)

    static let minimal = RecordedEventFields(
        position: LogPosition(1), stream: StreamID(verbatim: "s"), version: StreamVersion(1),
        type: "T", schemaVersion: 1, payload: [],
        occurredAt: Timestamp(millisecondsSinceEpoch: -1),
        recordedAt: Timestamp(millisecondsSinceEpoch: 0),
        metadata: CommandMetadata(actor: ""), commandID: nil, previousHash: .genesis)
}
