import CBaselines
import ComputeFeed
import ExchangeSim
import FeedEngine
import VenueICE
import Foundation

/// Decode + arbitrate + order book + normalize a simulated full-order-depth capture held in
/// memory, one core, against a C loop that walks the same packets and messages and reads every
/// order message's fields (the parse floor).
enum ICEBenchmarks {
    static func run(_ harness: inout Harness) {
        let config = ICESimulationConfig(seed: 99, durationNs: 120_000_000_000, eventsPerSecond: 4000,
                                         snapshotIntervalNs: 30_000_000_000)
        let simulation = ICESimulator.run(config)
        // Live packets of both lines, in arrival order (the B copies are arbitrated away).
        let live = simulation.datagrams.filter { config.addresses.route($0.destination)?.feed == .live }
        let tape = PacketTape(live)
        var floorEvents: UInt64 = 0
        var sink: Int64 = 0
        @inline(never) func runHandler(_ schemas: SchemaSelection) -> Int {
            let handler = ICEChannelHandler(reference: simulation.reference, configuration: ICEChannelConfiguration(schemas: schemas),
                                            sink: CountingSink())
            tape.forEach { payload, line, ts in handler.receive(payload, feed: .live, line: line, tsRecv: ts) }
            handler.finish()
            return handler.sink.total
        }
        let floor = {
            sink &+= tape.walk { cb_walk_impact($0, $1, $2, &floorEvents) }
        }
        floor()
        if let n = ProcessInfo.processInfo.environment["CFEED_PROFILE_ICE"].flatMap(Int.init) {
            // Profiling mode: only the handler, n times (for perf).
            for _ in 0..<n { sink &+= Int64(runHandler([.mbo, .trades])) }
            print("profiled \(n) runs of \(Int(floorEvents) / 2) order events")
            return
        }
        // Order events: the E and F messages of the packets the handler processes (one line's worth).
        let events = Int(floorEvents) / 2
        let mbo = harness.measure({ sink &+= Int64(runHandler([.mbo, .trades])) }, baseline: floor)
        harness.report("ICE: decode+arbitrate+order book, mbo + trades", units: events, unitName: "order events",
                       subject: mbo.subject, baselineName: "C parse floor, same packets", baseline: mbo.baseline, target: ">= 8 M/s")
        let all = harness.measure({ sink &+= Int64(runHandler([.mbo, .mbp10, .mbp1, .trades])) }, baseline: floor)
        harness.report("ICE: same, mbo + mbp-10 + mbp-1 + trades", units: events, unitName: "order events",
                       subject: all.subject, baselineName: "C parse floor, same packets", baseline: all.baseline)
        if sink == 42 { print("") }
    }
}
