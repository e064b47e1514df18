import Testing
@testable import TickFormat

@Suite struct TimestampsTests {
    @Test func formatsAndParsesExactly() {
        let t: UInt64 = 1_799_073_000_000_000_001
        #expect(Timestamps.iso8601(t) == "2027-01-04T14:30:00.000000001Z")
        #expect(Timestamps.parse("2027-01-04T14:30:00.000000001Z") == t)
        #expect(Timestamps.parse("2027-01-04T22:30:00.000000001+08:00") == t)
        #expect(Timestamps.parse("2027-01-04T14:30:00.5Z") == 1_799_073_000_500_000_000)
        #expect(Timestamps.parse("2027-01-04T14:30Z") == 1_799_073_000_000_000_000)
        #expect(Timestamps.parse("2027-01-04") == 1_799_020_800_000_000_000)
        #expect(Timestamps.parse("1799073000000000001") == t)
        for bad in ["", "2027-13-01", "2027-01-04T25:00Z", "yesterday", "2027-01-04T14:30:00.Z", "2027-01-04T14:30:00+8"] {
            #expect(Timestamps.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func civilDatesRoundTrip() {
        for days: Int64 in [0, 1, 59, 365, 10_957, 20_822, 100_000] {
            let (y, m, d) = Timestamps.civilDate(daysSinceEpoch: days)
            #expect(Timestamps.daysSinceEpoch(year: y, month: m, day: d) == days)
        }
    }
}
