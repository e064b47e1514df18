import CBaselines
import ComputeFeed
import ExchangeSim
import FeedEngine
import VenueCME
import Foundation

/// Decode + arbitrate + book + normalize a simulated capture held in memory, one core, against a
/// C loop that walks the same packets and message headers and reads every book entry's price and
/// size (the parse floor).
enum CMEBenchmarks {
    static func run(_ harness: inout Harness) {
        let config = CMESimulationConfig(seed: 99, durationNs: 120_000_000_000, eventsPerSecond: 4000,
                                         snapshotLoopIntervalNs: 10_000_000_000)
        let simulation = CMESimulator.run(config)
        // Incremental packets of both lines, in arrival order (the B copies are arbitrated away).
        let incremental = simulation.datagrams.filter { config.addresses.route($0.destination)?.feed == .incremental }
        let tape = PacketTape(incremental)
        // The first definition loop of line A: every instrument is defined before the first book
        // update (otherwise its entries take the cheap unknown-instrument path and flatter the rate).
        let lineADefinitions = simulation.datagrams.filter {
            config.addresses.route($0.destination).map { $0.feed == .definition && $0.line == 0 } ?? false
        }
        let loopLength = lineADefinitions.dropFirst().firstIndex { $0.payload.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) } == 1 }
        let definitions = lineADefinitions.prefix(loopLength ?? lineADefinitions.count)
        var floorEntries: UInt64 = 0
        var sink: Int64 = 0

        @inline(never) func runHandler(_ schemas: SchemaSelection) -> Int {
            let handler = CMEChannelHandler(configuration: CMEChannelConfiguration(schemas: schemas), sink: CountingSink())
            for d in definitions { d.payload.withUnsafeBytes { handler.receive($0, feed: .definition, line: 0, tsRecv: 0) } }
            // In batches of 64, as the live path receives them (`MulticastReceiver`, `recvmmsg`).
            tape.forEachBatch(of: 64) { handler.receive($0, feed: .incremental) }
            handler.finish()
            precondition(handler.stats.unknownInstrumentEntries == 0 && handler.activeInstruments.count == 8,
                         "benchmark: every instrument must be defined")
            return handler.sink.total
        }
        let floor = {
            sink &+= tape.walk { cb_walk_mdp3($0, $1, $2, &floorEntries) }
        }
        floor()
        if let n = ProcessInfo.processInfo.environment["CFEED_PROFILE_CME"].flatMap(Int.init) {
            // Profiling mode: only the handler, n times (for perf / callgrind).
            for _ in 0..<n { sink &+= Int64(runHandler([.mbp1, .trades])) }
            print("profiled \(n) runs of \(Int(floorEntries) / 2) updates")
            return
        }
        // Book updates: the 46 entries of the packets the handler processes (one line's worth).
        let updates = Int(floorEntries) / 2
        let top = harness.measure({ sink &+= Int64(runHandler([.mbp1, .trades])) }, baseline: floor)
        harness.report("CME: decode+arbitrate+book, mbp-1 + trades", units: updates, unitName: "book updates",
                       subject: top.subject, baselineName: "C parse floor, same packets", baseline: top.baseline,
                       target: ">= 10 M/s, <= 4x")
        let deep = harness.measure({ sink &+= Int64(runHandler([.mbp10, .trades])) }, baseline: floor)
        harness.report("CME: decode+arbitrate+book, mbp-10 + trades", units: updates, unitName: "book updates",
                       subject: deep.subject, baselineName: "C parse floor, same packets", baseline: deep.baseline,
                       target: ">= 5 M/s")
        if sink == 42 { print("") }
    }
}
