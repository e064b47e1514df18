import Testing
@testable import VenueCME

@Suite struct InstrumentTableTests {
    @Test func findsWhatWasInsertedAndNothingElse() {
        var table = InstrumentTable(capacity: 2)
        for (i, id) in (910_001...910_100).enumerated() { table.insert(Int32(id), slot: i) }
        #expect(table.count == 100)
        for (i, id) in (910_001...910_100).enumerated() { #expect(table.slot(of: Int32(id)) == i) }
        #expect(table.slot(of: 910_101) == nil)
        #expect(table.slot(of: 0) == nil)
    }

    /// Found by the libFuzzer target: the empty-bucket sentinel as a SecurityID from the wire.
    @Test func theSentinelIsNeverFound() {
        var table = InstrumentTable()
        table.insert(910_001, slot: 0)
        #expect(table.slot(of: .min) == nil)
    }
}
