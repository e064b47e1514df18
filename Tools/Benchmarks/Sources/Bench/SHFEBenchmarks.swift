import CBaselines
import ComputeFeed
import ExchangeSim
import FeedEngine
import VenueSHFE
import Foundation

/// Decode + arbitrate + 5-level books + normalize a simulated MIRP topic held in memory, one core,
/// against a C loop that walks the same packets and fields and decodes every varint of every
/// price-change field (the parse floor).
enum SHFEBenchmarks {
    static func run(_ harness: inout Harness) {
        let config = SHFESimulationConfig(seed: 99, durationNs: 120_000_000_000, eventsPerSecond: 4000)
        let simulation = SHFESimulator.run(config)
        let tape = PacketTape(simulation.datagrams.filter { config.addresses.contains($0.destination) })
        var floorUpdates: UInt64 = 0
        var sink: Int64 = 0
        @inline(never) func runHandler(_ schemas: SchemaSelection) -> Int {
            let handler = SHFEChannelHandler(reference: simulation.reference, configuration: SHFEChannelConfiguration(schemas: schemas),
                                             sink: CountingSink())
            tape.forEach { payload, line, ts in handler.receive(payload, line: line, tsRecv: ts) }
            handler.finish()
            return handler.sink.total
        }
        let floor = { sink &+= tape.walk { cb_walk_mirp($0, $1, $2, &floorUpdates) } }
        floor()
        if let n = ProcessInfo.processInfo.environment["CFEED_PROFILE_SHFE"].flatMap(Int.init) {
            // Profiling mode: only the handler, n times (for perf).
            for _ in 0..<n { sink &+= Int64(runHandler([.mbp10, .mbp1, .trades])) }
            print("profiled \(n) runs of \(Int(floorUpdates) / 2) book updates")
            return
        }
        // Book updates: the price-change fields of the packets the handler processes (one line's worth).
        let updates = Int(floorUpdates) / 2
        let top = harness.measure({ sink &+= Int64(runHandler([.mbp10, .mbp1, .trades])) }, baseline: floor)
        harness.report("SHFE: decode+arbitrate+book, mbp-10 + mbp-1 + trades", units: updates, unitName: "book updates",
                       subject: top.subject, baselineName: "C parse floor, same packets", baseline: top.baseline, target: ">= 8 M/s")
        if sink == 42 { print("") }
    }
}
