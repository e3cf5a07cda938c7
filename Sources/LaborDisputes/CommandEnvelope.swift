public import DocketCore
import Foundation

/// One line of the JSON command interface: the command with its id, instant, actor and case
/// (DOMAIN.md, "The command vocabulary").
///
/// ```json
/// {"command":"proposeNegotiation","id":"cmd-2","at":"2026-03-02T10:00:00+08:00",
///  "actor":{"role":"worker","id":"W-1"},"case":"case-2026-0001"}
/// ```
public struct CaseCommandLine: Hashable, Sendable, Decodable {
    /// The command's unique id (idempotency).
    public var id: String
    /// When the command was given (valid time; deadlines count from it).
    public var at: Timestamp
    /// Who gave it.
    public var actor: Actor
    /// The case it is for.
    public var caseID: StreamID
    /// The command.
    public var command: CaseCommand

    private enum Key: String, CodingKey { case id, at, actor, `case` }

    /// Decodes a line: its id (not empty), instant, actor, case id and command.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        id = try c.decode(String.self, forKey: .id)
        guard !id.isEmpty else { throw DecodingError.dataCorruptedError(forKey: .id, in: c, debugDescription: "the command id is empty") }
        at = try c.decode(Timestamp.self, forKey: .at)
        actor = try c.decode(Actor.self, forKey: .actor)
        let text = try c.decode(String.self, forKey: .case)
        do { caseID = try StreamID(text) } catch {
            throw DecodingError.dataCorruptedError(forKey: .case, in: c, debugDescription: error.message)
        }
        command = try CaseCommand(from: decoder)
    }

    /// Creates a line.
    public init(id: String, at: Timestamp, actor: Actor, caseID: StreamID, command: CaseCommand) {
        self.id = id
        self.at = at
        self.actor = actor
        self.caseID = caseID
        self.command = command
    }

    /// Parses one NDJSON line; the error names what is wrong in words (for `docket apply`).
    public static func parse(_ line: String) throws(DocketError) -> CaseCommandLine {
        do {
            return try JSONDecoder().decode(CaseCommandLine.self, from: Data(line.utf8))
        } catch let e as DecodingError {
            throw DocketError(.invalidArgument, describe(e))
        } catch {
            throw DocketError(.invalidArgument, "\(error)")
        }
    }

    static func describe(_ e: DecodingError) -> String {
        func path(_ c: [any CodingKey]) -> String { c.isEmpty ? "the line" : c.map(\.stringValue).joined(separator: ".") }
        switch e {
        case .keyNotFound(let key, let ctx): return "missing field \(path(ctx.codingPath + [key]))"
        case .typeMismatch(_, let ctx), .valueNotFound(_, let ctx): return "\(path(ctx.codingPath)): wrong type (\(ctx.debugDescription))"
        case .dataCorrupted(let ctx):
            if ctx.codingPath.isEmpty { return "not valid JSON" }
            return "\(path(ctx.codingPath)): \(ctx.debugDescription)"
        @unknown default: return "\(e)"
        }
    }
}
