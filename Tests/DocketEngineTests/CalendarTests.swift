import DocketCore
@testable import DocketEngine
import Foundation
import Testing

/// Parses a day written in a test; a typo fails the test instead of trapping.
private func civilDay(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> CalendarDay {
    try #require(CalendarDay(iso8601: text), "not a day: \(text)", sourceLocation: sourceLocation)
}

/// Parses an instant written in a test.
private func instantAt(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Timestamp {
    try #require(Timestamp(iso8601: text), "not an instant: \(text)", sourceLocation: sourceLocation)
}

/// Runs `body` and returns the calendar error it throws, recording an issue when it throws none.
private func calendarError<T>(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws(CalendarError) -> T
) -> CalendarError? {
    do {
        let value = try body()
        Issue.record("expected a CalendarError, got \(value)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// A fresh, empty directory under the temporary directory.
private func makeCalendarTestDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("docket-calendar-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

// MARK: - The State Council schedules

/// The schedules as published (DOMAIN.md, "Holiday calendars"), written out independently of the
/// JSON files: (name, first rest day, last rest day, adjusted working days).
private let publishedSchedules: [Int: [(name: String, from: String, through: String, adjusted: [String])]] = [
    2025: [
        ("元旦", "2025-01-01", "2025-01-01", []),
        ("春节", "2025-01-28", "2025-02-04", ["2025-01-26", "2025-02-08"]),
        ("清明节", "2025-04-04", "2025-04-06", []),
        ("劳动节", "2025-05-01", "2025-05-05", ["2025-04-27"]),
        ("端午节", "2025-05-31", "2025-06-02", []),
        ("国庆节、中秋节", "2025-10-01", "2025-10-08", ["2025-09-28", "2025-10-11"]),
    ],
    2026: [
        ("元旦", "2026-01-01", "2026-01-03", ["2026-01-04"]),
        ("春节", "2026-02-15", "2026-02-23", ["2026-02-14", "2026-02-28"]),
        ("清明节", "2026-04-04", "2026-04-06", []),
        ("劳动节", "2026-05-01", "2026-05-05", ["2026-05-09"]),
        ("端午节", "2026-06-19", "2026-06-21", []),
        ("中秋节", "2026-09-25", "2026-09-27", []),
        ("国庆节", "2026-10-01", "2026-10-07", ["2026-09-20", "2026-10-10"]),
    ],
]

@Suite("Bundled holiday calendar")
struct BundledCalendarTests {
    @Test("covers 2025 and 2026, each with its notice")
    func coverage() throws {
        let calendar = try HolidayCalendar.bundled()
        #expect(calendar.coveredYears == [2025, 2026])
        #expect(calendar.years.map(\.year) == [2025, 2026])
        #expect(calendar.years.allSatisfy { !$0.source.isEmpty })
        #expect(calendar.covers(year: 2026))
        #expect(!calendar.covers(year: 2027))
    }

    @Test("every day of the covered years is classified as the notices say", arguments: [2025, 2026])
    func everyDay(year: Int) throws {
        let calendar = try HolidayCalendar.bundled()
        var expected: [CalendarDay: DayKind] = [:]
        for holiday in try #require(publishedSchedules[year]) {
            var current = try civilDay(holiday.from)
            while current <= (try civilDay(holiday.through)) {
                expected[current] = .holiday(holiday.name)
                current = current.adding(days: 1)
            }
            for text in holiday.adjusted {
                let workday = try civilDay(text)
                #expect(workday.isWeekend, "\(workday) is an adjusted working day, so it must be a weekend day")
                expected[workday] = .adjustedWorkday(holiday.name)
            }
        }
        var current = try #require(CalendarDay(year: year, month: 1, day: 1))
        var workingDays = 0
        while current.year == year {
            let kind = try calendar.kind(of: current)
            #expect(kind == expected[current] ?? (current.isWeekend ? .weekend : .workday), "\(current)")
            #expect(try calendar.isWorkingDay(current) == kind.isWorkingDay)
            if kind.isWorkingDay { workingDays += 1 }
            current = current.adding(days: 1)
        }
        // Both years have 248 working days. Each is a common year starting on a weekday
        // (Wednesday, Thursday), so it has 261 weekdays; 2025: 261 − 18 weekday rest days
        // + 5 adjusted working days = 248; 2026: 261 − 19 + 6 = 248.
        #expect(workingDays == 248)
    }

    @Test("ordinary weekdays and weekends")
    func ordinaryDays() throws {
        let calendar = try HolidayCalendar.bundled()
        #expect(try calendar.kind(of: civilDay("2026-03-02")) == .workday) // Monday
        #expect(try calendar.kind(of: civilDay("2026-03-06")) == .workday) // Friday
        #expect(try calendar.kind(of: civilDay("2026-03-07")) == .weekend) // Saturday
        #expect(try calendar.kind(of: civilDay("2026-03-08")) == .weekend) // Sunday
        #expect(try calendar.kind(of: civilDay("2025-12-31")) == .workday) // Wednesday
        #expect(try calendar.kind(of: civilDay("2025-02-09")) == .weekend) // Sunday after the adjusted Saturday
        // A holiday's rest days on a weekend are holidays, not plain weekend days.
        #expect(try calendar.kind(of: civilDay("2026-02-15")) == .holiday("春节")) // Sunday
        #expect(try calendar.kind(of: civilDay("2026-02-14")) == .adjustedWorkday("春节")) // Saturday
    }

    @Test("a year the calendar does not cover is an error naming the day and year")
    func yearNotCovered() throws {
        let calendar = try HolidayCalendar.bundled()
        for text in ["2024-12-31", "2027-01-01", "1999-06-15"] {
            let uncovered = try civilDay(text)
            let error = calendarError { () throws(CalendarError) in try calendar.kind(of: uncovered) }
            #expect(error?.code == .yearNotCovered)
            #expect(error?.year == uncovered.year)
            #expect(error?.day == uncovered)
            #expect(error?.message.contains(text) == true)
            #expect(calendarError { () throws(CalendarError) in try calendar.isWorkingDay(uncovered) }?.code == .yearNotCovered)
        }
        // Counting over the end of the last covered year needs 2027, which is not there.
        let lastDay = try civilDay("2026-12-31")
        let error = calendarError { () throws(CalendarError) in try calendar.addingWorkingDays(1, to: lastDay) }
        #expect(error?.code == .yearNotCovered)
        #expect(error?.year == 2027)
    }
}

// MARK: - Counting working days

@Suite("Working-day arithmetic")
struct WorkingDayTests {
    @Test("3 working days from Thursday 2026-09-24 is Wednesday 2026-09-30")
    func midAutumn() throws {
        let calendar = try HolidayCalendar.bundled()
        // Fri 09-25, Sat 09-26, Sun 09-27: 中秋节 rest days. Mon 09-28 (1), Tue 09-29 (2), Wed 09-30 (3).
        #expect(try calendar.addingWorkingDays(3, to: civilDay("2026-09-24")) == civilDay("2026-09-30"))
        #expect(try calendar.lastDay(of: PeriodRule(length: 3, unit: .workingDays), from: civilDay("2026-09-24")) == civilDay("2026-09-30"))
    }

    @Test("3 working days from Friday 2026-02-13 is Wednesday 2026-02-25")
    func springFestival() throws {
        let calendar = try HolidayCalendar.bundled()
        // Sat 02-14 is an adjusted working day (1). Sun 02-15 through Mon 02-23 are 春节 rest days.
        // Tue 02-24 (2), Wed 02-25 (3).
        #expect(try calendar.addingWorkingDays(1, to: civilDay("2026-02-13")) == civilDay("2026-02-14"))
        #expect(try calendar.addingWorkingDays(2, to: civilDay("2026-02-13")) == civilDay("2026-02-24"))
        #expect(try calendar.addingWorkingDays(3, to: civilDay("2026-02-13")) == civilDay("2026-02-25"))
    }

    @Test("counting across the turn of the year and a long holiday")
    func acrossYearsAndHolidays() throws {
        let calendar = try HolidayCalendar.bundled()
        // Wed 2025-12-31; 2026-01-01..03 rest; Sun 01-04 is an adjusted working day.
        #expect(try calendar.addingWorkingDays(1, to: civilDay("2025-12-31")) == civilDay("2026-01-04"))
        // Mon 2025-09-29: Tue 09-30 (1); 10-01..08 rest; Thu 10-09 (2), Fri 10-10 (3),
        // Sat 10-11 adjusted (4), Sun 10-12 weekend, Mon 10-13 (5).
        #expect(try calendar.addingWorkingDays(5, to: civilDay("2025-09-29")) == civilDay("2025-10-13"))
    }

    @Test("zero working days is the day itself; negative counts backwards")
    func zeroAndNegative() throws {
        let calendar = try HolidayCalendar.bundled()
        #expect(try calendar.addingWorkingDays(0, to: civilDay("2026-02-15")) == civilDay("2026-02-15"))
        // Zero does not consult the calendar, so an uncovered year is fine.
        #expect(try calendar.addingWorkingDays(0, to: civilDay("2030-01-01")) == civilDay("2030-01-01"))
        // Back from Tue 2026-02-24 over 春节 to the adjusted Saturday 02-14, then Fri 02-13.
        #expect(try calendar.addingWorkingDays(-1, to: civilDay("2026-02-24")) == civilDay("2026-02-14"))
        #expect(try calendar.addingWorkingDays(-2, to: civilDay("2026-02-24")) == civilDay("2026-02-13"))
    }

    @Test("the next working day on or after a day")
    func nextWorkingDay() throws {
        let calendar = try HolidayCalendar.bundled()
        #expect(try calendar.nextWorkingDay(onOrAfter: civilDay("2026-03-02")) == civilDay("2026-03-02"))
        #expect(try calendar.nextWorkingDay(onOrAfter: civilDay("2026-03-07")) == civilDay("2026-03-09"))
        #expect(try calendar.nextWorkingDay(onOrAfter: civilDay("2026-10-01")) == civilDay("2026-10-08"))
        #expect(try calendar.nextWorkingDay(onOrAfter: civilDay("2026-02-14")) == civilDay("2026-02-14"))
        #expect(try calendar.nextWorkingDay(onOrAfter: civilDay("2025-01-25")) == civilDay("2025-01-26"))
    }
}

// MARK: - Periods

@Suite("Periods and expiry")
struct PeriodTests {
    let fifteenDays = PeriodRule(length: 15, unit: .calendarDays, rollsToWorkingDay: true)
    let fifteenDaysNoRoll = PeriodRule(length: 15, unit: .calendarDays, rollsToWorkingDay: false)

    @Test("a 15-calendar-day period ending on a holiday rolls to the next working day")
    func rollsOverHoliday() throws {
        let calendar = try HolidayCalendar.bundled()
        // 2026-09-16 + 15 = Thu 2026-10-01 (国庆节, rest through Wed 10-07) → Thu 10-08.
        #expect(try calendar.lastDay(of: fifteenDays, from: civilDay("2026-09-16")) == civilDay("2026-10-08"))
        #expect(try calendar.lastDay(of: fifteenDaysNoRoll, from: civilDay("2026-09-16")) == civilDay("2026-10-01"))
        // 2025-01-13 + 15 = Tue 2025-01-28 (春节, rest through Tue 02-04) → Wed 02-05.
        #expect(try calendar.lastDay(of: fifteenDays, from: civilDay("2025-01-13")) == civilDay("2025-02-05"))
    }

    @Test("a period ending on a weekend rolls; one ending on an adjusted working day does not")
    func weekendsAndAdjustedDays() throws {
        let calendar = try HolidayCalendar.bundled()
        // 2026-03-06 + 15 = Sat 03-21 → Mon 03-23.
        #expect(try calendar.lastDay(of: fifteenDays, from: civilDay("2026-03-06")) == civilDay("2026-03-23"))
        // 2026-01-30 + 15 = Sat 02-14, an adjusted working day: the period ends there.
        #expect(try calendar.lastDay(of: fifteenDays, from: civilDay("2026-01-30")) == civilDay("2026-02-14"))
        // An ordinary weekday stays put.
        #expect(try calendar.lastDay(of: fifteenDays, from: civilDay("2026-03-02")) == civilDay("2026-03-17"))
    }

    @Test("the calendar is consulted for a calendar-day rule only when it rolls")
    func consultedOnlyWhenRolling() throws {
        let calendar = try HolidayCalendar.bundled()
        // 2026-12-17 + 15 = 2027-01-01: rolling needs 2027's calendar, which is not covered.
        let trigger = try civilDay("2026-12-17")
        let rule = fifteenDays
        #expect(calendarError { () throws(CalendarError) in try calendar.lastDay(of: rule, from: trigger) }?.code == .yearNotCovered)
        #expect(try calendar.lastDay(of: fifteenDaysNoRoll, from: trigger) == civilDay("2027-01-01"))
        let thirty = PeriodRule(length: 30, unit: .calendarDays, rollsToWorkingDay: false)
        #expect(try calendar.lastDay(of: thirty, from: civilDay("2024-06-01")) == civilDay("2024-07-01"))
    }

    @Test("a period of years ends on the same day; 29 February becomes 28 February")
    func years() throws {
        let calendar = try HolidayCalendar.bundled()
        let oneYear = PeriodRule(length: 1, unit: .years, rollsToWorkingDay: false)
        let oneYearRolling = PeriodRule(length: 1, unit: .years, rollsToWorkingDay: true)
        #expect(try calendar.lastDay(of: oneYear, from: civilDay("2024-02-29")) == civilDay("2025-02-28"))
        #expect(try calendar.lastDay(of: oneYearRolling, from: civilDay("2024-02-29")) == civilDay("2025-02-28")) // a Friday
        #expect(try calendar.lastDay(of: oneYear, from: civilDay("2025-03-10")) == civilDay("2026-03-10"))
        #expect(try calendar.lastDay(of: PeriodRule(length: 4, unit: .years, rollsToWorkingDay: false), from: civilDay("2024-02-29")) == civilDay("2028-02-29"))
        // 2025-10-01 + 1 year = 2026-10-01, a holiday → 2026-10-08.
        #expect(try calendar.lastDay(of: oneYearRolling, from: civilDay("2025-10-01")) == civilDay("2026-10-08"))
    }

    @Test("expiry is local midnight after the last day, with the trigger's day taken at +08:00")
    func expiry() throws {
        let calendar = try HolidayCalendar.bundled()
        // Triggered on 2026-09-16 (local): last day 2026-10-08, expiry 2026-10-09T00:00+08:00.
        #expect(try calendar.expiry(of: fifteenDays, from: instantAt("2026-09-16T10:00:00+08:00"))
            == instantAt("2026-10-09T00:00:00+08:00"))
        // 15:59:59Z on 03-05 is 23:59:59 on 03-05 in China: + 15 = Fri 03-20 → expires Sat 03-21 00:00.
        #expect(try calendar.expiry(of: fifteenDays, from: instantAt("2026-03-05T15:59:59Z"))
            == instantAt("2026-03-21T00:00:00+08:00"))
        // 16:00Z on 03-05 is already 03-06 in China: + 15 = Sat 03-21 → Mon 03-23 → expires Tue 03-24 00:00.
        #expect(try calendar.expiry(of: fifteenDays, from: instantAt("2026-03-05T16:00:00Z"))
            == instantAt("2026-03-24T00:00:00+08:00"))
        // The same instant counted in UTC is still on 03-05.
        #expect(try calendar.expiry(of: fifteenDays, from: instantAt("2026-03-05T16:00:00Z"), utcOffsetSeconds: 0)
            == instantAt("2026-03-21T00:00:00Z"))
        // Working days: Thu 2026-09-24 + 3 working days = Wed 09-30, expiry Thu 10-01 00:00 +08:00.
        #expect(try calendar.expiry(of: PeriodRule(length: 3, unit: .workingDays), from: instantAt("2026-09-24T09:00:00+08:00"))
            == instantAt("2026-10-01T00:00:00+08:00"))
    }

    @Test("an absurd length is out of range, not a crash")
    func outOfRange() throws {
        let calendar = try HolidayCalendar.bundled()
        let trigger = try civilDay("2026-01-01")
        let huge = PeriodRule(length: Int.max, unit: .calendarDays, rollsToWorkingDay: false)
        #expect(calendarError { () throws(CalendarError) in try calendar.lastDay(of: huge, from: trigger) }?.code == .outOfRange)
        let hugeYears = PeriodRule(length: Int.max, unit: .years, rollsToWorkingDay: false)
        #expect(calendarError { () throws(CalendarError) in try calendar.lastDay(of: hugeYears, from: trigger) }?.code == .outOfRange)
        let manyWorkingDays = PeriodRule(length: 1_000, unit: .workingDays)
        #expect(calendarError { () throws(CalendarError) in try calendar.lastDay(of: manyWorkingDays, from: trigger) }?.code == .yearNotCovered)
    }

    @Test("rules round-trip through JSON; a negative length is rejected")
    func ruleCoding() throws {
        let rules = [
            PeriodRule(length: 15, unit: .calendarDays, rollsToWorkingDay: true),
            PeriodRule(length: 3, unit: .workingDays, rollsToWorkingDay: false),
            PeriodRule(length: 1, unit: .years, rollsToWorkingDay: true),
        ]
        let data = try JSONEncoder().encode(rules)
        #expect(try JSONDecoder().decode([PeriodRule].self, from: data) == rules)
        let text = #"{"length": 15, "unit": "calendarDays", "rollsToWorkingDay": true}"#
        #expect(try JSONDecoder().decode(PeriodRule.self, from: Data(text.utf8)) == rules[0])
        let negative = #"{"length": -1, "unit": "calendarDays", "rollsToWorkingDay": true}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(PeriodRule.self, from: Data(negative.utf8)) }
        let badUnit = #"{"length": 1, "unit": "months", "rollsToWorkingDay": true}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(PeriodRule.self, from: Data(badUnit.utf8)) }
    }
}

// MARK: - Civil dates

@Suite("CalendarDay")
struct CalendarDayTests {
    @Test("every day from 1970 through 2100 round-trips through days since the epoch and its text")
    func roundTrip() throws {
        // An independent count: walk year, month and day by hand.
        let monthLengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        var index = 0
        var expectedWeekday = Weekday.thursday // 1970-01-01
        for year in 1970 ... 2100 {
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            for month in 1 ... 12 {
                let length = month == 2 && leap ? 29 : monthLengths[month - 1]
                for dayOfMonth in 1 ... length {
                    let current = try #require(CalendarDay(year: year, month: month, day: dayOfMonth))
                    if current.daysSinceEpoch != index || CalendarDay(daysSinceEpoch: index) != current
                        || current.weekday != expectedWeekday || CalendarDay(iso8601: current.description) != current
                        || current.adding(days: 1) != CalendarDay(daysSinceEpoch: index + 1) {
                        Issue.record("\(current) (day \(index)) does not round-trip")
                        return
                    }
                    index += 1
                    expectedWeekday = Weekday(rawValue: expectedWeekday.rawValue % 7 + 1)!
                }
            }
        }
        #expect(index == 47_847)
        #expect(CalendarDay(daysSinceEpoch: index) == CalendarDay(year: 2101, month: 1, day: 1))
    }

    @Test("agrees with Foundation's Gregorian calendar, including before 1970 and far ahead")
    func agreesWithFoundation() throws {
        var gregorian = Calendar(identifier: .gregorian)
        gregorian.timeZone = try #require(TimeZone(secondsFromGMT: 0))
        // Foundation's Gregorian calendar is Julian before 1582-10-15 (day -141,427); ours is
        // proleptic, so compare from then on.
        for days in stride(from: -141_427, through: 3_000_000, by: 997) {
            let date = Date(timeIntervalSince1970: Double(days) * 86_400)
            let parts = gregorian.dateComponents([.year, .month, .day, .weekday], from: date)
            let current = CalendarDay(daysSinceEpoch: days)
            #expect(current.year == parts.year && current.month == parts.month && current.day == parts.day, "\(days)")
            // Foundation numbers Sunday 1 through Saturday 7.
            #expect(current.weekday.rawValue % 7 + 1 == parts.weekday, "\(days)")
        }
    }

    @Test("known days")
    func knownDays() throws {
        #expect(try civilDay("1970-01-01").daysSinceEpoch == 0)
        #expect(try civilDay("1970-01-01").weekday == .thursday)
        #expect(try civilDay("1969-12-31").daysSinceEpoch == -1)
        #expect(try civilDay("2000-03-01").daysSinceEpoch == 11_017)
        #expect(try civilDay("0001-01-01").weekday == .monday)
        #expect(try civilDay("2026-02-15").weekday == .sunday)
        #expect(try civilDay("2026-02-14").isWeekend)
        #expect(try !civilDay("2026-02-13").isWeekend)
        #expect(try civilDay("2024-02-28").adding(days: 1) == civilDay("2024-02-29"))
        #expect(try civilDay("2024-02-28").adding(days: 2) == civilDay("2024-03-01"))
        #expect(try civilDay("2025-12-31").adding(days: 1) == civilDay("2026-01-01"))
        #expect(try civilDay("2026-01-01").adding(days: -1) == civilDay("2025-12-31"))
        #expect(try civilDay("2026-03-01").adding(days: -365) == civilDay("2025-03-01"))
        #expect(try civilDay("2025-01-01") < civilDay("2025-01-02"))
        #expect(try civilDay("2025-12-31") < civilDay("2026-01-01"))
        #expect(try civilDay("2025-02-01") < civilDay("2025-10-01"))
    }

    @Test("leap years")
    func leapYears() {
        #expect(CalendarDay.isLeapYear(2024))
        #expect(CalendarDay.isLeapYear(2000))
        #expect(!CalendarDay.isLeapYear(1900))
        #expect(!CalendarDay.isLeapYear(2100))
        #expect(!CalendarDay.isLeapYear(2025))
        #expect(CalendarDay(year: 2024, month: 2, day: 29) != nil)
        #expect(CalendarDay(year: 2000, month: 2, day: 29) != nil)
        #expect(CalendarDay(year: 2025, month: 2, day: 29) == nil)
        #expect(CalendarDay(year: 1900, month: 2, day: 29) == nil)
        #expect(CalendarDay.daysInMonth(year: 2024, month: 2) == 29)
        #expect(CalendarDay.daysInMonth(year: 2026, month: 4) == 30)
    }

    @Test("invalid dates are rejected")
    func invalidDates() {
        #expect(CalendarDay(year: 2026, month: 0, day: 1) == nil)
        #expect(CalendarDay(year: 2026, month: 13, day: 1) == nil)
        #expect(CalendarDay(year: 2026, month: 1, day: 0) == nil)
        #expect(CalendarDay(year: 2026, month: 1, day: 32) == nil)
        #expect(CalendarDay(year: 2026, month: 4, day: 31) == nil)
        #expect(CalendarDay(year: 1_000_000_000, month: 1, day: 1) == nil)
        for text in [
            "", "2026", "2026-02", "2026-2-15", "2026-02-5", "20260215", "2026/02/15", " 2026-02-15",
            "2026-02-15 ", "2026-02-15T00:00:00Z", "2026-02-30", "2026-13-01", "2026-00-10", "2026-02-00",
            "+2026-02-15", "02026-02-15", "abcd-ef-gh", "2026-０2-15", "-2026-02-15x", "+-2026-02-15",
        ] {
            #expect(CalendarDay(iso8601: text) == nil, "\(text)")
        }
    }

    @Test("years outside 0000...9999 carry a sign")
    func expandedYears() throws {
        let early = try #require(CalendarDay(year: -1, month: 12, day: 31))
        #expect(early.description == "-0001-12-31")
        #expect(CalendarDay(iso8601: "-0001-12-31") == early)
        #expect(early.adding(days: 1).description == "0000-01-01")
        let late = try #require(CalendarDay(year: 10_000, month: 1, day: 1))
        #expect(late.description == "+10000-01-01")
        #expect(CalendarDay(iso8601: "+10000-01-01") == late)
        #expect(try civilDay("9999-12-31").adding(days: 1) == late)
    }

    @Test("Codable as a YYYY-MM-DD string")
    func coding() throws {
        let days = [try civilDay("2026-02-15"), try civilDay("1969-12-31"), try civilDay("2024-02-29")]
        let data = try JSONEncoder().encode(days)
        #expect(String(decoding: data, as: UTF8.self) == #"["2026-02-15","1969-12-31","2024-02-29"]"#)
        #expect(try JSONDecoder().decode([CalendarDay].self, from: data) == days)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([CalendarDay].self, from: Data(#"["2026-02-30"]"#.utf8)) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([CalendarDay].self, from: Data(#"["2026-2-3"]"#.utf8)) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([CalendarDay].self, from: Data(#"[20260215]"#.utf8)) }
    }

    @Test("conversion from and to instants at the +08:00 day boundary")
    func instants() throws {
        let day15 = try civilDay("2026-02-15")
        #expect(day15.start() == (try instantAt("2026-02-14T16:00:00Z")))
        #expect(day15.start(utcOffsetSeconds: 0) == (try instantAt("2026-02-15T00:00:00Z")))
        #expect(CalendarDay(containing: try instantAt("2026-02-14T16:00:00Z")) == day15)
        #expect(CalendarDay(containing: try instantAt("2026-02-14T15:59:59.999Z")) == (try civilDay("2026-02-14")))
        #expect(CalendarDay(containing: try instantAt("2026-02-15T23:59:59.999+08:00")) == day15)
        #expect(CalendarDay(containing: try instantAt("2026-02-14T16:00:00Z"), utcOffsetSeconds: 0) == (try civilDay("2026-02-14")))
        // Before the epoch, where division rounds the other way.
        #expect(CalendarDay(containing: try instantAt("1969-12-31T16:00:00Z")) == (try civilDay("1970-01-01")))
        #expect(CalendarDay(containing: try instantAt("1969-12-31T15:59:59.999Z")) == (try civilDay("1969-12-31")))
        #expect(CalendarDay(containing: Timestamp(millisecondsSinceEpoch: -1), utcOffsetSeconds: 0) == (try civilDay("1969-12-31")))
        // A western offset.
        #expect(CalendarDay(containing: try instantAt("2026-02-15T04:59:59Z"), utcOffsetSeconds: -5 * 3600) == (try civilDay("2026-02-14")))
        #expect(try civilDay("2026-02-15").start(utcOffsetSeconds: -5 * 3600) == (try instantAt("2026-02-15T05:00:00Z")))
        // Every day's start is in that day, and the millisecond before it is in the day before.
        var current = try civilDay("2025-12-25")
        for _ in 0 ..< 20 {
            let start = current.start()
            #expect(CalendarDay(containing: start) == current)
            #expect(CalendarDay(containing: Timestamp(millisecondsSinceEpoch: start.millisecondsSinceEpoch - 1)) == current.adding(days: -1))
            current = current.adding(days: 1)
        }
        // The extreme instants have a day.
        #expect(CalendarDay(containing: Timestamp(millisecondsSinceEpoch: .max)).year > 292_000_000)
        #expect(CalendarDay(containing: Timestamp(millisecondsSinceEpoch: .min)).year < -292_000_000)
    }
}

// MARK: - Loading and checking year files

@Suite("Holiday calendar data")
struct CalendarDataTests {
    let source = "test"

    func holiday(_ name: String, _ from: String, _ through: String, _ adjusted: [String] = []) throws -> HolidayYear.Holiday {
        HolidayYear.Holiday(
            name: name, rest: HolidayYear.RestPeriod(from: try civilDay(from), through: try civilDay(through)),
            adjustedWorkdays: try adjusted.map { try civilDay($0) })
    }

    @Test("loads NNNN.json files from a directory and ignores other files")
    func loadsDirectory() throws {
        let directory = try makeCalendarTestDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let bundled = try HolidayCalendar.bundled()
        for schedule in bundled.years {
            try JSONEncoder().encode(schedule).write(to: directory.appendingPathComponent("\(schedule.year).json"))
        }
        try Data("not a calendar".utf8).write(to: directory.appendingPathComponent("README.md"))
        try Data("{}".utf8).write(to: directory.appendingPathComponent("notes.json"))
        let calendar = try HolidayCalendar(contentsOf: directory)
        #expect(calendar.coveredYears == [2025, 2026])
        #expect(calendar.years == bundled.years)
        #expect(try calendar.kind(of: civilDay("2026-10-10")) == .adjustedWorkday("国庆节"))
    }

    @Test("the bundled files decode with the documented shape")
    func fileShape() throws {
        let text = """
        {
          "year": 2026,
          "source": "notice",
          "holidays": [
            { "name": "元旦", "rest": { "from": "2026-01-01", "through": "2026-01-03" }, "adjustedWorkdays": ["2026-01-04"] }
          ]
        }
        """
        let schedule = try JSONDecoder().decode(HolidayYear.self, from: Data(text.utf8))
        #expect(schedule == HolidayYear(year: 2026, source: "notice", holidays: [try holiday("元旦", "2026-01-01", "2026-01-03", ["2026-01-04"])]))
    }

    @Test("a malformed year file is invalid data naming the file", arguments: [
        "{ not json",
        #"{"year": 2026, "source": "x", "holidays": [{"name": "春节", "rest": {"from": "2026-02-30", "through": "2026-02-23"}, "adjustedWorkdays": []}]}"#,
        #"{"year": 2026, "source": "x"}"#,
        #"{"year": 2025, "source": "x", "holidays": []}"#,
        #"{"year": 2026, "source": "x", "holidays": [{"name": "春节", "rest": {"from": "2026-02-15", "through": "2026-02-23"}, "adjustedWorkdays": ["2026-02-15"]}]}"#,
    ])
    func malformedFile(contents: String) throws {
        let directory = try makeCalendarTestDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(contents.utf8).write(to: directory.appendingPathComponent("2026.json"))
        let error = calendarError { () throws(CalendarError) in try HolidayCalendar(contentsOf: directory) }
        #expect(error?.code == .invalidData)
        #expect(error?.file == "2026.json")
        #expect(error?.message.contains("2026.json") == true, "\(String(describing: error))")
    }

    @Test("a directory without year files is invalid data")
    func emptyDirectory() throws {
        let directory = try makeCalendarTestDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(calendarError { () throws(CalendarError) in try HolidayCalendar(contentsOf: directory) }?.code == .invalidData)
        let missing = directory.appendingPathComponent("missing", isDirectory: true)
        #expect(calendarError { () throws(CalendarError) in try HolidayCalendar(contentsOf: missing) }?.code == .invalidData)
    }

    @Test("inconsistent schedules are rejected")
    func inconsistentSchedules() throws {
        let valid = HolidayYear(year: 2026, source: source, holidays: [try holiday("春节", "2026-02-15", "2026-02-23", ["2026-02-14"])])
        _ = try HolidayCalendar(years: [valid])
        let cases: [(String, [HolidayYear])] = [
            ("duplicate year", [valid, valid]),
            ("rest day outside the year", [HolidayYear(year: 2026, source: source, holidays: [try holiday("元旦", "2025-12-31", "2026-01-01")])]),
            ("adjusted day outside the year", [HolidayYear(year: 2026, source: source, holidays: [try holiday("元旦", "2026-01-01", "2026-01-01", ["2025-12-28"])])]),
            ("both rest and adjusted", [HolidayYear(year: 2026, source: source, holidays: [try holiday("春节", "2026-02-14", "2026-02-23", ["2026-02-14"])])]),
            ("overlapping holidays", [HolidayYear(year: 2026, source: source, holidays: [
                try holiday("中秋节", "2026-09-25", "2026-10-01"), try holiday("国庆节", "2026-10-01", "2026-10-07"),
            ])]),
            ("adjusted day on a weekday", [HolidayYear(year: 2026, source: source, holidays: [try holiday("春节", "2026-02-15", "2026-02-23", ["2026-02-13"])])]),
            ("backwards rest period", [HolidayYear(year: 2026, source: source, holidays: [try holiday("春节", "2026-02-23", "2026-02-15")])]),
            ("nameless holiday", [HolidayYear(year: 2026, source: source, holidays: [try holiday(" ", "2026-02-15", "2026-02-23")])]),
        ]
        for (label, years) in cases {
            let error = calendarError { () throws(CalendarError) in try HolidayCalendar(years: years) }
            #expect(error?.code == .invalidData, "\(label)")
            #expect(error?.year == 2026, "\(label)")
        }
    }
}
