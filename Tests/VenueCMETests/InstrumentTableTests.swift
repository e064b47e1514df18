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

    /// A deleted instrument keeps its slot for a re-definition, but the hot lookup misses it.
    @Test func deletedInstrumentsKeepTheirSlotButAreNotActive() {
        var table = InstrumentTable(capacity: 2)
        for (i, id) in (910_001...910_040).enumerated() { table.insert(Int32(id), slot: i) }
        for id in stride(from: 910_001, through: 910_040, by: 3) { table.setActive(Int32(id), false) }
        table.insert(910_041, slot: 40)  // grows again: the inactive marks must survive
        for (i, id) in (910_001...910_041).enumerated() {
            let deleted = (id - 910_001) % 3 == 0 && id <= 910_040
            #expect(table.slot(of: Int32(id)) == i)
            #expect(table.activeSlot(of: Int32(id)) == (deleted ? nil : i))
        }
        table.setActive(910_004, true)
        #expect(table.activeSlot(of: 910_004) == 3)
        table.setActive(999_999, false)  // unknown: nothing happens
        #expect(table.activeSlot(of: 999_999) == nil)
        #expect(table.activeSlot(of: .min) == nil)
    }
}
