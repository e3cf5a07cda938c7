public import Foundation

/// An instant with millisecond precision, counted from the Unix epoch (1970-01-01T00:00:00Z).
///
/// Docket stores instants as whole milliseconds so that they round-trip exactly through the binary
/// record format and the NDJSON export.
public struct Timestamp: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Milliseconds since the Unix epoch; negative before it.
    public let millisecondsSinceEpoch: Int64

    /// Creates an instant from milliseconds since the Unix epoch.
    public init(millisecondsSinceEpoch: Int64) { self.millisecondsSinceEpoch = millisecondsSinceEpoch }

    /// Creates an instant from a `Date`, rounding down to the millisecond.
    public init(_ date: Date) {
        self.millisecondsSinceEpoch = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// The instant as a `Date`.
    public var date: Date { Date(timeIntervalSince1970: Double(millisecondsSinceEpoch) / 1000) }

    /// Parses an ISO 8601 instant such as `2026-03-02T09:30:00+08:00` or `2026-03-02T01:30:00.250Z`.
    /// Returns `nil` when the text is not such an instant (a time zone is required).
    public init?(iso8601 text: String) {
        let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        let plain = Date.ISO8601FormatStyle()
        if let d = try? withFraction.parse(text) {
            self.init(d)
        } else if let d = try? plain.parse(text) {
            self.init(d)
        } else {
            return nil
        }
    }

    /// The instant in ISO 8601 form, in UTC, with milliseconds: `2026-03-02T01:30:00.250Z`.
    public var iso8601: String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    public var description: String { iso8601 }
    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch
    }
}

/// The source of "now" for recorded times. Nothing in Docket reads the wall clock directly, so that
/// tests and replays are deterministic.
public protocol DocketClock: Sendable {
    /// The current instant.
    func now() -> Timestamp
}

/// The system's wall clock.
public struct SystemClock: DocketClock {
    /// Creates the wall clock.
    public init() {}
    public func now() -> Timestamp { Timestamp(Date()) }
}

/// Encoded as an ISO 8601 string with milliseconds in UTC (`2026-03-02T01:30:00.250Z`); decoded from
/// any ISO 8601 instant with a time zone, or from a number of milliseconds since the epoch.
extension Timestamp: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let ms = try? c.decode(Int64.self) {
            self.init(millisecondsSinceEpoch: ms)
            return
        }
        let text = try c.decode(String.self)
        guard let t = Timestamp(iso8601: text) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "\(text.debugDescription) is not an ISO 8601 instant with a time zone")
        }
        self = t
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(iso8601)
    }
}
