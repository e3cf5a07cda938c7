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
    /// Returns `nil` when the text is not such an instant (a time zone is required). Fractional
    /// seconds are read exactly to the millisecond (digits after the third are dropped).
    public init?(iso8601 text: String) {
        var whole = text
        var fraction: Int64 = 0
        if let t = text.firstIndex(of: "T"), let dot = text[t...].firstIndex(of: ".") {
            var end = text.index(after: dot)
            var digits: [Int64] = []
            while end < text.endIndex, let d = text[end].wholeNumberValue, text[end].isASCII {
                digits.append(Int64(d))
                end = text.index(after: end)
            }
            guard !digits.isEmpty else { return nil }
            for i in 0..<3 { fraction = fraction * 10 + (i < digits.count ? digits[i] : 0) }
            whole = String(text[..<dot]) + String(text[end...])
        }
        guard let d = try? Date.ISO8601FormatStyle().parse(whole) else { return nil }
        // Whole seconds are exact in a Double; the milliseconds come from the text, not from a Double.
        self.init(millisecondsSinceEpoch: Int64(d.timeIntervalSince1970.rounded()) * 1000 + fraction)
    }

    /// The instant in ISO 8601 form, in UTC, with milliseconds: `2026-03-02T01:30:00.250Z`.
    /// Computed with integers, so every millisecond prints exactly (Gregorian calendar, years 1600 to
    /// 9999).
    public var iso8601: String {
        let ms = millisecondsSinceEpoch
        let dayMs: Int64 = 86_400_000
        let days = ms >= 0 ? ms / dayMs : -((-ms + dayMs - 1) / dayMs)
        let inDay = ms - days * dayMs
        // Civil date from days since 1970-01-01 (proleptic Gregorian calendar).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ v: Int64, _ width: Int) -> String {
            let digits = String(v)
            return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
        }
        let h = inDay / 3_600_000, m = inDay / 60_000 % 60, s = inDay / 1_000 % 60, f = inDay % 1_000
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(h, 2)):\(pad(m, 2)):\(pad(s, 2)).\(pad(f, 3))Z"
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
