public import DocketCore
public import Foundation

// MARK: - Civil dates

/// A day of the week, numbered as in ISO 8601: Monday is 1 and Sunday is 7.
public enum Weekday: Int, Hashable, Sendable, CaseIterable, Codable {
    /// Monday (1).
    case monday = 1
    /// Tuesday (2).
    case tuesday = 2
    /// Wednesday (3).
    case wednesday = 3
    /// Thursday (4).
    case thursday = 4
    /// Friday (5).
    case friday = 5
    /// Saturday (6).
    case saturday = 6
    /// Sunday (7).
    case sunday = 7

    /// Whether this is Saturday or Sunday.
    public var isWeekend: Bool { self == .saturday || self == .sunday }
}

/// A civil date in the proleptic Gregorian calendar, without a time of day or a time zone:
/// `2026-02-15`.
///
/// Deadlines are counted in whole days, so the workflow engine works with days and converts to
/// and from `Timestamp` only at the edges, with an explicit UTC offset (China Standard Time,
/// UTC+8 without daylight saving time, by default).
///
/// Arithmetic is pure integer arithmetic on the number of days since 1970-01-01; it does not use
/// Foundation's `Calendar` and does not depend on the process's time zone or locale. A day is
/// encoded (`Codable`) and printed (``description``) as `YYYY-MM-DD`.
///
/// Years within ``supportedYears`` are representable; that range holds the day of every
/// `Timestamp` in any UTC offset, so ``init(containing:utcOffsetSeconds:)`` never fails.
public struct CalendarDay: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The year; 2026 is 2026. Year 0 is 1 BC and negative years are earlier (astronomical numbering).
    public let year: Int
    /// The month, 1 (January) through 12 (December).
    public let month: Int
    /// The day of the month, 1 through 31.
    public let day: Int

    /// The years a `CalendarDay` can hold. The range is wider than the years reachable from any
    /// `Timestamp`, which keeps every conversion from an instant total.
    public static let supportedYears: ClosedRange<Int> = -999_999_999 ... 999_999_999

    /// The days since 1970-01-01 of the first and last day of ``supportedYears``.
    static let supportedDays: ClosedRange<Int> =
        daysFromCivil(year: supportedYears.lowerBound, month: 1, day: 1)
        ... daysFromCivil(year: supportedYears.upperBound, month: 12, day: 31)

    /// Creates a day from its year, month and day of the month, or returns `nil` when there is no
    /// such day (`2025-02-29`, month 13, day 0) or the year is outside ``supportedYears``.
    public init?(year: Int, month: Int, day: Int) {
        guard Self.supportedYears.contains(year), (1 ... 12).contains(month),
              day >= 1, day <= Self.daysInMonth(year: year, month: month) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses a day written as `YYYY-MM-DD` (for example `2026-02-15`), the form ``description``
    /// produces. Years outside 0000...9999 carry a sign and at least four digits (`-0001-12-31`,
    /// `+10000-01-01`). Returns `nil` for any other text or for a day that does not exist.
    public init?(iso8601 text: String) {
        var bytes = Array(text.utf8)[...]
        var sign = 0
        if let first = bytes.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            sign = first == UInt8(ascii: "-") ? -1 : 1
            bytes = bytes.dropFirst()
        }
        guard let yearDigits = bytes.firstIndex(of: UInt8(ascii: "-")).map({ bytes[..<$0] }),
              (4 ... 9).contains(yearDigits.count),
              let magnitude = Self.parseDigits(yearDigits) else { return nil }
        bytes = bytes[yearDigits.endIndex...]
        guard bytes.count == 6, bytes.first == UInt8(ascii: "-"),
              bytes[bytes.startIndex + 3] == UInt8(ascii: "-"),
              let month = Self.parseDigits(bytes[(bytes.startIndex + 1) ..< (bytes.startIndex + 3)]),
              let day = Self.parseDigits(bytes[(bytes.startIndex + 4)...]),
              let parsed = CalendarDay(year: sign < 0 ? -magnitude : magnitude, month: month, day: day),
              // Only the canonical spelling: a sign exactly when the year needs one, no extra digits.
              parsed.description == text else { return nil }
        self = parsed
    }

    /// Creates the day that is `daysSinceEpoch` days after 1970-01-01 (before it when negative).
    ///
    /// - Precondition: the day's year is within ``supportedYears``.
    public init(daysSinceEpoch: Int) {
        guard let day = Self(checkedDaysSinceEpoch: daysSinceEpoch) else {
            preconditionFailure("\(daysSinceEpoch) days since 1970-01-01 is outside the supported years")
        }
        self = day
    }

    /// The day `daysSinceEpoch` days after 1970-01-01, or `nil` outside ``supportedYears``.
    init?(checkedDaysSinceEpoch days: Int) {
        guard Self.supportedDays.contains(days) else { return nil }
        // Count from 0000-03-01 so that the leap day, when there is one, is the last day of the
        // counted year; then split into 400-year eras (146,097 days each, the Gregorian cycle).
        let fromMarchZero = days + 719_468
        let era = Self.floorDivide(fromMarchZero, 146_097)
        let dayOfEra = fromMarchZero - era * 146_097 // 0...146_096
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365 // 0...399
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100) // 0...365, from March 1
        let shiftedMonth = (5 * dayOfYear + 2) / 153 // 0 = March ... 11 = February
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = era * 400 + yearOfEra + (month <= 2 ? 1 : 0)
        self.year = year
        self.month = month
        self.day = day
    }

    /// The number of days from 1970-01-01 to this day; negative before it.
    public var daysSinceEpoch: Int { Self.daysFromCivil(year: year, month: month, day: day) }

    /// The day `days` days after this one (before it when `days` is negative).
    ///
    /// - Precondition: the result's year is within ``supportedYears``.
    public func adding(days: Int) -> CalendarDay {
        guard let result = checkedAdding(days: days) else {
            preconditionFailure("\(self) + \(days) days is outside the supported years")
        }
        return result
    }

    /// The day `days` days after this one, or `nil` when that is outside ``supportedYears``.
    func checkedAdding(days: Int) -> CalendarDay? {
        let (sum, overflow) = daysSinceEpoch.addingReportingOverflow(days)
        return overflow ? nil : CalendarDay(checkedDaysSinceEpoch: sum)
    }

    /// The same month and day `years` years later (earlier when negative); 29 February becomes
    /// 28 February in a common year (the last day of the month). `nil` outside ``supportedYears``.
    func checkedAdding(years: Int) -> CalendarDay? {
        let (target, overflow) = year.addingReportingOverflow(years)
        guard !overflow, Self.supportedYears.contains(target) else { return nil }
        return CalendarDay(year: target, month: month, day: min(day, Self.daysInMonth(year: target, month: month)))
    }

    /// The day of the week.
    public var weekday: Weekday {
        // 1970-01-01 was a Thursday (4).
        Weekday(rawValue: Self.floorModulo(daysSinceEpoch + 3, 7) + 1)!
    }

    /// Whether this day is a Saturday or a Sunday. Whether it is a working day depends on the
    /// holiday calendar: see ``HolidayCalendar/kind(of:)``.
    public var isWeekend: Bool { weekday.isWeekend }

    /// Whether `year` is a leap year in the Gregorian calendar.
    public static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    /// The number of days in a month of a year (28 to 31), or 0 when `month` is not 1...12.
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 1, 3, 5, 7, 8, 10, 12: 31
        case 4, 6, 9, 11: 30
        case 2: isLeapYear(year) ? 29 : 28
        default: 0
        }
    }

    /// The day as `YYYY-MM-DD`, for example `2026-02-15`; years outside 0000...9999 are written
    /// with a sign and at least four digits (`-0001-12-31`, `+10000-01-01`).
    public var description: String {
        let yearText: String
        if (0 ... 9999).contains(year) {
            yearText = Self.padded(year, to: 4)
        } else {
            yearText = (year < 0 ? "-" : "+") + Self.padded(year.magnitude, to: 4)
        }
        return "\(yearText)-\(Self.padded(month, to: 2))-\(Self.padded(day, to: 2))"
    }

    /// Whether `lhs` is earlier than `rhs`.
    public static func < (lhs: CalendarDay, rhs: CalendarDay) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// Decodes a day from a string in the form ``description`` produces; any other value is a
    /// `DecodingError.dataCorrupted`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let day = CalendarDay(iso8601: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "\"\(text)\" is not a valid day in the form YYYY-MM-DD")
        }
        self = day
    }

    /// Encodes the day as a string in the form ``description`` produces.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    // MARK: Instants

    /// The number of milliseconds in a day.
    static let millisecondsPerDay: Int64 = 86_400_000

    /// The day that contains `instant` in local time at `utcOffsetSeconds` east of UTC (by default
    /// China Standard Time, UTC+8, which has no daylight saving time).
    ///
    /// For example `2026-02-14T16:00:00Z` is `2026-02-15T00:00:00+08:00`, so it is in 2026-02-15
    /// at UTC+8 and in 2026-02-14 at UTC.
    ///
    /// - Precondition: `utcOffsetSeconds` is less than a day in magnitude.
    public init(containing instant: Timestamp, utcOffsetSeconds: Int = 8 * 3600) {
        precondition(utcOffsetSeconds.magnitude < 86_400, "a UTC offset must be less than a day")
        let ms = instant.millisecondsSinceEpoch
        // Split into whole UTC days and the time into the day first, then shift by the offset, so
        // that no intermediate value can overflow, even for the extreme instants.
        var days = Self.floorDivide(ms, Self.millisecondsPerDay)
        var intoDay = ms % Self.millisecondsPerDay
        if intoDay < 0 { intoDay += Self.millisecondsPerDay }
        days += Self.floorDivide(intoDay + Int64(utcOffsetSeconds) * 1000, Self.millisecondsPerDay)
        self.init(daysSinceEpoch: Int(days))
    }

    /// The instant this day begins (00:00 local time) at `utcOffsetSeconds` east of UTC (by
    /// default China Standard Time, UTC+8): `2026-02-15` begins at `2026-02-14T16:00:00Z`.
    ///
    /// - Precondition: `utcOffsetSeconds` is less than a day in magnitude, and the instant is
    ///   representable as a `Timestamp` (years within roughly ±292 million).
    public func start(utcOffsetSeconds: Int = 8 * 3600) -> Timestamp {
        guard let instant = checkedStart(utcOffsetSeconds: utcOffsetSeconds) else {
            preconditionFailure("the start of \(self) cannot be represented as a Timestamp")
        }
        return instant
    }

    /// The instant this day begins at the offset, or `nil` when it is not representable.
    func checkedStart(utcOffsetSeconds: Int) -> Timestamp? {
        precondition(utcOffsetSeconds.magnitude < 86_400, "a UTC offset must be less than a day")
        let (midnightUTC, overflow) = Int64(daysSinceEpoch).multipliedReportingOverflow(by: Self.millisecondsPerDay)
        guard !overflow else { return nil }
        let (local, overflow2) = midnightUTC.subtractingReportingOverflow(Int64(utcOffsetSeconds) * 1000)
        return overflow2 ? nil : Timestamp(millisecondsSinceEpoch: local)
    }

    // MARK: Helpers

    /// Days from 1970-01-01 to a valid civil date (the inverse of `init(checkedDaysSinceEpoch:)`).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        // Years run from March to February, so that the leap day is the last day of its year.
        let marchYear = month <= 2 ? year - 1 : year
        let era = floorDivide(marchYear, 400)
        let yearOfEra = marchYear - era * 400 // 0...399
        let shiftedMonth = month > 2 ? month - 3 : month + 9 // 0 = March ... 11 = February
        // Days before the month in a March-based year: 31, 30, 31, 30, 31 repeating, in closed form.
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        // 719,468 days separate 0000-03-01 from 1970-01-01.
        return era * 146_097 + dayOfEra - 719_468
    }

    static func floorDivide<T: BinaryInteger>(_ a: T, _ b: T) -> T {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    static func floorModulo(_ a: Int, _ b: Int) -> Int { a - floorDivide(a, b) * b }

    static func padded<T: BinaryInteger>(_ value: T, to width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    static func parseDigits(_ bytes: ArraySlice<UInt8>) -> Int? {
        guard !bytes.isEmpty else { return nil }
        var value = 0
        for byte in bytes {
            guard (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }
}

// MARK: - Errors

/// A failure of the working-day calendar: a day in a year the calendar has no data for, malformed
/// calendar data, or a date beyond the representable range.
///
/// The calendar never guesses: a working-day question about a year without a State Council
/// schedule is an error, so that a missing year file is noticed instead of silently treating the
/// year's holidays as working days.
public struct CalendarError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is.
    public enum Code: String, Hashable, Sendable, CustomStringConvertible {
        /// The day is in a year for which the calendar has no holiday schedule.
        case yearNotCovered
        /// A year file or year schedule is malformed or inconsistent, or cannot be read.
        case invalidData
        /// A computed day or instant is outside the representable range (a period of absurd length).
        case outOfRange

        /// The code's name, for example `yearNotCovered`.
        public var description: String { rawValue }
    }

    /// What kind of failure this is.
    public let code: Code
    /// A human-readable explanation naming the year, file or day concerned.
    public let message: String
    /// The year concerned, when there is one.
    public let year: Int?
    /// The day concerned, when there is one.
    public let day: CalendarDay?
    /// The name of the year file concerned (for example `2026.json`), when there is one.
    public let file: String?

    /// Creates an error.
    public init(_ code: Code, _ message: String, year: Int? = nil, day: CalendarDay? = nil, file: String? = nil) {
        self.code = code
        self.message = message
        self.year = year
        self.day = day
        self.file = file
    }

    /// The code and the message: `yearNotCovered: 2027-01-01 is in 2027, …`.
    public var description: String { "\(code): \(message)" }
}

// MARK: - Year files

/// One year's public holidays as published by the State Council (国务院办公厅关于…年部分节假日安排的
/// 通知): for each holiday the rest days and the adjusted working days (调休上班, weekend days worked).
///
/// This is the shape of the calendar's year files (`2026.json`):
///
/// ```json
/// {
///   "year": 2026,
///   "source": "…notice name, number and date…",
///   "holidays": [
///     { "name": "元旦", "rest": { "from": "2026-01-01", "through": "2026-01-03" }, "adjustedWorkdays": ["2026-01-04"] }
///   ]
/// }
/// ```
public struct HolidayYear: Codable, Sendable, Hashable {
    /// A continuous run of rest days, both ends included.
    public struct RestPeriod: Codable, Sendable, Hashable {
        /// The first rest day.
        public var from: CalendarDay
        /// The last rest day (the same as ``from`` for a one-day holiday).
        public var through: CalendarDay

        /// Creates a run of rest days from `from` through `through`, both included.
        public init(from: CalendarDay, through: CalendarDay) {
            self.from = from
            self.through = through
        }
    }

    /// One holiday: its name, its rest days and the weekend days worked in exchange.
    public struct Holiday: Codable, Sendable, Hashable {
        /// The holiday's name as in the notice, for example `春节`.
        public var name: String
        /// The rest days (放假).
        public var rest: RestPeriod
        /// The weekend days that are working days because of this holiday (调休上班); may be empty.
        public var adjustedWorkdays: [CalendarDay]

        /// Creates a holiday.
        public init(name: String, rest: RestPeriod, adjustedWorkdays: [CalendarDay] = []) {
            self.name = name
            self.rest = rest
            self.adjustedWorkdays = adjustedWorkdays
        }
    }

    /// The year the schedule is for. Every rest day and adjusted working day must fall in it.
    public var year: Int
    /// Where the schedule comes from: the notice's name, number and date.
    public var source: String
    /// The year's holidays.
    public var holidays: [Holiday]

    /// Creates a year's schedule.
    public init(year: Int, source: String, holidays: [Holiday]) {
        self.year = year
        self.source = source
        self.holidays = holidays
    }
}

// MARK: - Kinds of day

/// What a day is for counting working days.
public enum DayKind: Hashable, Sendable {
    /// A Monday to Friday that is not a public holiday.
    case workday
    /// A Saturday or Sunday that is neither a public holiday nor an adjusted working day.
    case weekend
    /// A rest day of the named public holiday (on a weekday or a weekend).
    case holiday(String)
    /// A weekend day worked because of the named public holiday (调休上班).
    case adjustedWorkday(String)

    /// Whether the day is a working day: a ``workday`` or an ``adjustedWorkday(_:)``.
    public var isWorkingDay: Bool {
        switch self {
        case .workday, .adjustedWorkday: true
        case .weekend, .holiday: false
        }
    }
}

// MARK: - Periods

/// What a period's length counts.
public enum PeriodUnit: String, Hashable, Sendable, Codable, CaseIterable {
    /// Calendar days: every day counts.
    case calendarDays
    /// Working days: only days that ``HolidayCalendar`` classifies as working days count.
    case workingDays
    /// Years: the period ends on the same month and day `length` years later.
    case years
}

/// How long a period (a deadline) runs, counted from the day of its triggering event.
///
/// The counting rule: the trigger day itself is not counted; the period starts the next day.
/// - ``PeriodUnit/calendarDays``: the last day is the trigger day plus `length` days.
/// - ``PeriodUnit/workingDays``: the last day is the `length`-th working day after the trigger day
///   (see ``HolidayCalendar/addingWorkingDays(_:to:)``).
/// - ``PeriodUnit/years``: the last day is the same month and day `length` years later; when that
///   month has no such day (29 February in a common year) the last day is the month's last day,
///   28 February (the month-end rule for periods counted in years and months, Civil Code art 202).
///
/// When ``rollsToWorkingDay`` is set and the last day is not a working day (a weekend or a public
/// holiday), the period ends on the next working day instead.
public struct PeriodRule: Hashable, Sendable, Codable {
    /// The number of units; zero or more.
    public let length: Int
    /// What the length counts.
    public let unit: PeriodUnit
    /// Whether a period whose last day is not a working day is extended to the next working day.
    public let rollsToWorkingDay: Bool

    /// Creates a rule.
    ///
    /// - Precondition: `length` is zero or more.
    public init(length: Int, unit: PeriodUnit, rollsToWorkingDay: Bool = true) {
        precondition(length >= 0, "a period's length must not be negative")
        self.length = length
        self.unit = unit
        self.rollsToWorkingDay = rollsToWorkingDay
    }

    enum CodingKeys: String, CodingKey {
        case length, unit, rollsToWorkingDay
    }

    /// Decodes a rule from `{"length": 15, "unit": "calendarDays", "rollsToWorkingDay": true}`;
    /// a negative length is a `DecodingError.dataCorrupted`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let length = try container.decode(Int.self, forKey: .length)
        guard length >= 0 else {
            throw DecodingError.dataCorruptedError(
                forKey: .length, in: container, debugDescription: "a period's length must not be negative (\(length))")
        }
        self.length = length
        self.unit = try container.decode(PeriodUnit.self, forKey: .unit)
        self.rollsToWorkingDay = try container.decode(Bool.self, forKey: .rollsToWorkingDay)
    }

    /// Encodes the rule with the keys `length`, `unit` and `rollsToWorkingDay`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(length, forKey: .length)
        try container.encode(unit, forKey: .unit)
        try container.encode(rollsToWorkingDay, forKey: .rollsToWorkingDay)
    }
}

// MARK: - The calendar

/// The working-day calendar: which days are working days, built from the State Council's yearly
/// holiday schedules (``HolidayYear``), one file per year.
///
/// A working day is a Monday to Friday that is not a public-holiday rest day, or a weekend day that
/// is an adjusted working day (调休上班). A question about a day in a year the calendar does not
/// cover throws ``CalendarError/Code/yearNotCovered``: the calendar never guesses.
///
/// The calendar is an immutable value and safe to share between tasks.
public struct HolidayCalendar: Sendable {
    /// The schedules by year.
    private let schedules: [Int: HolidayYear]
    /// Every rest day and adjusted working day of the covered years.
    private let specialDays: [CalendarDay: DayKind]

    /// Creates a calendar from year schedules, after checking them: every rest day and adjusted
    /// working day lies in its schedule's year, rest periods run forwards, adjusted working days are
    /// weekend days, no day is listed twice (as a rest day of two holidays, or as both a rest day
    /// and an adjusted working day), holidays have names, and no year appears twice.
    ///
    /// - Throws: ``CalendarError/Code/invalidData`` naming the year and day at fault.
    public init(years: [HolidayYear]) throws(CalendarError) {
        try self.init(checking: years.map { ($0, nil) })
    }

    /// Loads every year file named `NNNN.json` (four digits, the year) in `directory`; other files
    /// are ignored.
    ///
    /// - Throws: ``CalendarError/Code/invalidData`` naming the file when the directory cannot be
    ///   read or holds no year file, when a file cannot be read or decoded, when a file's `year`
    ///   differs from its name, or when its data is inconsistent (see ``init(years:)``).
    public init(contentsOf directory: URL) throws(CalendarError) {
        let urls: [URL]
        do {
            urls = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
        } catch {
            throw CalendarError(.invalidData, "cannot read the calendar directory \(directory): \(error)")
        }
        try self.init(files: urls, origin: "\(directory)")
    }

    /// The calendar shipped with Docket: the year files in the `Calendars` resource folder of the
    /// DocketEngine module. The files are read once and the result is kept for later calls.
    ///
    /// - Throws: ``CalendarError/Code/invalidData`` when the resources are missing or malformed
    ///   (a packaging error).
    public static func bundled() throws(CalendarError) -> HolidayCalendar {
        try bundledCalendar.get()
    }

    private static let bundledCalendar: Result<HolidayCalendar, CalendarError> = {
        do throws(CalendarError) {
            // `.copy("Calendars")` ships the folder as it is; look the folder up, then list it.
            guard let directory = Bundle.module.url(forResource: "Calendars", withExtension: nil) else {
                throw CalendarError(.invalidData, "the DocketEngine bundle has no Calendars resource folder")
            }
            return .success(try HolidayCalendar(contentsOf: directory))
        } catch {
            return .failure(error)
        }
    }()

    /// Loads the year files among `urls` (those named `NNNN.json`).
    private init(files urls: [URL], origin: String) throws(CalendarError) {
        let yearFiles = urls.filter { Self.isYearFileName($0.lastPathComponent) }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        guard !yearFiles.isEmpty else {
            throw CalendarError(.invalidData, "\(origin) holds no year file (NNNN.json)")
        }
        var loaded: [(HolidayYear, String?)] = []
        for url in yearFiles {
            let name = url.lastPathComponent
            let data: Data
            do {
                data = try Data(contentsOf: url)
            } catch {
                throw CalendarError(.invalidData, "\(name): cannot be read: \(error)", file: name)
            }
            let schedule: HolidayYear
            do {
                schedule = try JSONDecoder().decode(HolidayYear.self, from: data)
            } catch {
                throw CalendarError(.invalidData, "\(name): \(Self.describe(error))", file: name)
            }
            let expectedYear = Int(name.prefix(4))
            guard schedule.year == expectedYear else {
                throw CalendarError(
                    .invalidData, "\(name): the file is named for \(name.prefix(4)) but declares year \(schedule.year)", year: schedule.year, file: name)
            }
            loaded.append((schedule, name))
        }
        try self.init(checking: loaded)
    }

    /// Checks the schedules (each with the file it came from, if any) and indexes their days.
    private init(checking entries: [(schedule: HolidayYear, file: String?)]) throws(CalendarError) {
        var schedules: [Int: HolidayYear] = [:]
        var specialDays: [CalendarDay: DayKind] = [:]
        for (schedule, file) in entries {
            let year = schedule.year
            let prefix = file.map { "\($0): " } ?? ""
            func fail(_ message: String, _ day: CalendarDay? = nil) -> CalendarError {
                CalendarError(.invalidData, prefix + message, year: year, day: day, file: file)
            }
            guard schedules[year] == nil else { throw fail("year \(year) is given twice") }
            var yearDays: [CalendarDay: DayKind] = [:]
            func record(_ day: CalendarDay, _ kind: DayKind) throws(CalendarError) {
                guard day.year == year else { throw fail("\(day) is not in \(year)", day) }
                if let previous = yearDays[day] {
                    throw fail("\(day) is listed twice: \(Self.describe(previous)) and \(Self.describe(kind))", day)
                }
                yearDays[day] = kind
            }
            for holiday in schedule.holidays {
                let name = holiday.name.trimmingCharacters(in: .whitespacesAndNewlines)
                guard !name.isEmpty else { throw fail("a holiday has no name") }
                let rest = holiday.rest
                guard rest.from.year == year else { throw fail("\(rest.from) (\(name)) is not in \(year)", rest.from) }
                guard rest.through.year == year else {
                    throw fail("\(rest.through) (\(name)) is not in \(year)", rest.through)
                }
                guard rest.from <= rest.through else {
                    throw fail("the rest days of \(name) run backwards, from \(rest.from) through \(rest.through)", rest.from)
                }
                var day = rest.from
                while day <= rest.through {
                    try record(day, .holiday(holiday.name))
                    day = day.adding(days: 1)
                }
                for workday in holiday.adjustedWorkdays {
                    guard workday.isWeekend else {
                        throw fail("\(workday), an adjusted working day of \(name), is not a Saturday or Sunday", workday)
                    }
                    try record(workday, .adjustedWorkday(holiday.name))
                }
            }
            schedules[year] = schedule
            specialDays.merge(yearDays) { first, _ in first }
        }
        self.schedules = schedules
        self.specialDays = specialDays
    }

    /// The years the calendar has a schedule for, in ascending order.
    public var coveredYears: [Int] { schedules.keys.sorted() }

    /// The schedules the calendar was built from, in ascending order of year.
    public var years: [HolidayYear] { coveredYears.compactMap { schedules[$0] } }

    /// Whether the calendar has a schedule for `year`.
    public func covers(year: Int) -> Bool { schedules[year] != nil }

    /// What `day` is: a workday, a weekend day, a public-holiday rest day or an adjusted working day.
    ///
    /// - Throws: ``CalendarError/Code/yearNotCovered`` when the calendar has no schedule for the
    ///   day's year.
    public func kind(of day: CalendarDay) throws(CalendarError) -> DayKind {
        guard schedules[day.year] != nil else {
            let covered = coveredYears.map(String.init).joined(separator: ", ")
            throw CalendarError(
                .yearNotCovered,
                "\(day) is in \(day.year), which the holiday calendar does not cover (it covers \(covered))",
                year: day.year, day: day)
        }
        if let kind = specialDays[day] { return kind }
        return day.isWeekend ? .weekend : .workday
    }

    /// Whether `day` is a working day (a workday or an adjusted working day).
    ///
    /// - Throws: ``CalendarError/Code/yearNotCovered`` when the calendar does not cover the day's year.
    public func isWorkingDay(_ day: CalendarDay) throws(CalendarError) -> Bool {
        try kind(of: day).isWorkingDay
    }

    /// `day` itself when it is a working day, otherwise the first working day after it.
    ///
    /// - Throws: ``CalendarError/Code/yearNotCovered`` when a day examined is in a year the calendar
    ///   does not cover (for example a holiday at the end of the last covered year).
    public func nextWorkingDay(onOrAfter day: CalendarDay) throws(CalendarError) -> CalendarDay {
        var current = day
        while try !isWorkingDay(current) {
            current = try Self.step(current, by: 1)
        }
        return current
    }

    /// The day `n` working days after `day`, the day itself not counted: with `n == 1` the first
    /// working day after `day`, with `n == 3` the third. `n == 0` returns `day` unchanged (whatever
    /// kind of day it is, without consulting the calendar); a negative `n` counts backwards, to the
    /// `|n|`-th working day before `day`.
    ///
    /// - Throws: ``CalendarError/Code/yearNotCovered`` when a day counted over is in a year the
    ///   calendar does not cover.
    public func addingWorkingDays(_ n: Int, to day: CalendarDay) throws(CalendarError) -> CalendarDay {
        let direction = n < 0 ? -1 : 1
        var remaining = n.magnitude
        var current = day
        while remaining > 0 {
            current = try Self.step(current, by: direction)
            if try isWorkingDay(current) { remaining -= 1 }
        }
        return current
    }

    /// The last day of a period triggered on `trigger` (see ``PeriodRule`` for the counting rule).
    /// For a calendar-day or year rule the calendar is consulted only when the rule rolls to a
    /// working day; a working-day rule always consults it.
    ///
    /// - Throws: ``CalendarError/Code/yearNotCovered`` when a day that must be classified is in a
    ///   year the calendar does not cover; ``CalendarError/Code/outOfRange`` when the last day is
    ///   beyond ``CalendarDay/supportedYears``.
    public func lastDay(of rule: PeriodRule, from trigger: CalendarDay) throws(CalendarError) -> CalendarDay {
        var last: CalendarDay
        switch rule.unit {
        case .calendarDays:
            last = try Self.step(trigger, by: rule.length)
        case .workingDays:
            last = try addingWorkingDays(rule.length, to: trigger)
        case .years:
            guard let shifted = trigger.checkedAdding(years: rule.length) else {
                throw CalendarError(.outOfRange, "\(trigger) + \(rule.length) years is out of range", day: trigger)
            }
            last = shifted
        }
        if rule.rollsToWorkingDay {
            last = try nextWorkingDay(onOrAfter: last)
        }
        return last
    }

    /// The instant a period triggered at `trigger` has run out: the start (00:00 local time at
    /// `utcOffsetSeconds` east of UTC, by default China Standard Time) of the day after its
    /// ``lastDay(of:from:)``. The trigger's day is the local day containing `trigger`.
    ///
    /// For example a 15-calendar-day rolling period triggered at `2026-09-16T10:00:00+08:00` ends on
    /// 2026-10-01, a holiday, so its last day is 2026-10-08 and it expires at
    /// `2026-10-09T00:00:00+08:00`.
    ///
    /// - Throws: as ``lastDay(of:from:)``; ``CalendarError/Code/outOfRange`` when the instant cannot
    ///   be represented as a `Timestamp`.
    public func expiry(
        of rule: PeriodRule, from trigger: Timestamp, utcOffsetSeconds: Int = 8 * 3600
    ) throws(CalendarError) -> Timestamp {
        let start = CalendarDay(containing: trigger, utcOffsetSeconds: utcOffsetSeconds)
        let last = try lastDay(of: rule, from: start)
        guard let dayAfter = last.checkedAdding(days: 1),
              let instant = dayAfter.checkedStart(utcOffsetSeconds: utcOffsetSeconds) else {
            throw CalendarError(.outOfRange, "the end of \(last) cannot be represented as a Timestamp", day: last)
        }
        return instant
    }

    // MARK: Helpers

    private static func step(_ day: CalendarDay, by days: Int) throws(CalendarError) -> CalendarDay {
        guard let next = day.checkedAdding(days: days) else {
            throw CalendarError(.outOfRange, "\(day) + \(days) days is out of range", day: day)
        }
        return next
    }

    private static func isYearFileName(_ name: String) -> Bool {
        let utf8 = Array(name.utf8)
        return utf8.count == 9 && name.hasSuffix(".json")
            && utf8.prefix(4).allSatisfy { (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains($0) }
    }

    private static func describe(_ kind: DayKind) -> String {
        switch kind {
        case .holiday(let name): "a rest day of \(name)"
        case .adjustedWorkday(let name): "an adjusted working day of \(name)"
        case .workday: "a workday"
        case .weekend: "a weekend day"
        }
    }

    /// A short explanation of a decoding failure: where in the file and what is wrong.
    private static func describe(_ error: any Error) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            let text = codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return text.isEmpty ? "the top level" : String(text.drop { $0 == "." })
        }
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .dataCorrupted(let context):
            if let underlying = context.underlyingError {
                return "not valid JSON (\(underlying.localizedDescription))"
            }
            return "\(path(context.codingPath)): \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])) is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
