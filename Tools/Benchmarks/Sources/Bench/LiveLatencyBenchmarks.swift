import ComputeFeed
import ExchangeSim
import Foundation
import Histogram

/// Live latency on loopback: the simulated channel is sent on multicast at a given datagram rate;
/// the handler's subscriber records ts_recv (kernel receive time) → callback latency. The baseline,
/// measured in the same run on the same datagrams: a plain receiving socket, kernel timestamp →
/// user space (the floor any handler pays). Threads: the sender, the feed thread (blocking poll) and
/// the subscriber (yield): no busy-spinning thread.
enum LiveLatencyBenchmarks {
    static let addresses = CMEChannelAddresses(
        incremental: [Endpoint("239.81.1.10:49410")!, Endpoint("239.81.2.10:49411")!],
        snapshot: [Endpoint("239.81.1.11:49412")!, Endpoint("239.81.2.11:49413")!],
        definition: [Endpoint("239.81.1.12:49414")!, Endpoint("239.81.2.12:49415")!])

    struct Result {
        var p50: UInt64, p99: UInt64, p999: UInt64, count: UInt64, drops: UInt64
    }

    static func realtime() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_REALTIME, &t)
        return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
    }

    /// Sends `datagrams` at `rate` per second (both lines count).
    static func send(_ datagrams: [SimDatagram], rate: Double) {
        let sender = try! MulticastSender(interface: IPv4Address("127.0.0.1")!)
        let start = Pacer.now()
        for (i, d) in datagrams.enumerated() {
            let due = start + UInt64(Double(i) / rate * 1e9)
            // One clock read per turn: read twice, the second could pass `due` (seen: an overflow trap).
            while true {
                let now = Pacer.now()
                if now >= due { break }
                if due - now > 50_000 { usleep(20) }
            }
            d.payload.withUnsafeBytes { try? sender.send($0, to: d.destination) }
        }
    }

    static func handler(_ datagrams: [SimDatagram], rate: Double) -> Result {
        let feed = FeedHandler(settings: .init(addresses: addresses, interface: IPv4Address("127.0.0.1")!))
        let subscription = feed.subscribe(schemas: [.mbp1, .trades], policy: .lossy, wait: .yield)
        final class Shared: @unchecked Sendable {
            var histogram = Histogram<UInt64>(highestTrackableValue: 10_000_000_000, numberOfSignificantValueDigits: .three)
            var stop = false
        }
        let shared = Shared()
        let reader = Thread {
            while !shared.stop {
                subscription.poll { record in
                    let now = realtime()
                    let ts = record.indexTimestamp
                    if now > ts { _ = shared.histogram.record(now - ts) }
                }
                subscription.waitForData(timeout: .milliseconds(5))
            }
        }
        reader.start()
        feed.start(.live)
        usleep(100_000)
        send(datagrams, rate: rate)
        usleep(200_000)
        feed.stop()
        shared.stop = true
        while !reader.isFinished { usleep(1000) }
        let h = shared.histogram
        return Result(p50: h.valueAtPercentile(50), p99: h.valueAtPercentile(99), p999: h.valueAtPercentile(99.9),
                      count: h.totalCount, drops: feed.kernelDrops)
    }

    /// The floor: the same datagrams into plain joined sockets, kernel timestamp → user space.
    static func raw(_ datagrams: [SimDatagram], rate: Double) -> Result {
        let receiver = try! MulticastReceiver(addresses.allEndpoints.map { .init(group: $0, interface: IPv4Address("127.0.0.1")!) })
        final class Shared: @unchecked Sendable {
            var histogram = Histogram<UInt64>(highestTrackableValue: 10_000_000_000, numberOfSignificantValueDigits: .three)
            var stop = false
            let receiver: MulticastReceiver
            init(_ r: MulticastReceiver) { receiver = r }
        }
        let shared = Shared(receiver)
        let thread = Thread {
            while !shared.stop {
                shared.receiver.poll(timeoutMs: 5) { _, d in
                    let now = realtime()
                    if now > d.timestampNs { _ = shared.histogram.record(now - d.timestampNs) }
                }
            }
        }
        thread.start()
        send(datagrams, rate: rate)
        usleep(200_000)
        shared.stop = true
        while !thread.isFinished { usleep(1000) }
        let h = shared.histogram
        return Result(p50: h.valueAtPercentile(50), p99: h.valueAtPercentile(99), p999: h.valueAtPercentile(99.9),
                      count: h.totalCount, drops: receiver.streams.reduce(0) { $0 + $1.kernelDrops })
    }

    static func run(_ harness: inout Harness) {
        let simulation = CMESimulator.run(CMESimulationConfig(seed: 5, durationNs: 10_000_000_000, eventsPerSecond: 40_000,
                                                              addresses: addresses))
        let datagrams = Array(simulation.datagrams.prefix(300_000))
        func us(_ ns: UInt64) -> String { String(format: "%.1f", Double(ns) / 1000) }
        var rows: [[String]] = []
        var highestClean = 0.0
        for rate in [100_000.0, 200_000, 300_000, 400_000] {
            let count = min(datagrams.count, Int(rate * 1.5))
            let slice = Array(datagrams.prefix(count))
            let ours = handler(slice, rate: rate)
            let floor = raw(slice, rate: rate)
            if ours.drops == 0 && floor.drops == 0 { highestClean = rate }
            rows.append(["\(Int(rate / 1000))k datagrams/s", "\(us(ours.p50)) / \(us(ours.p99)) / \(us(ours.p999))",
                         "\(us(floor.p50)) / \(us(floor.p99)) / \(us(floor.p999))",
                         String(format: "%.2fx", Double(ours.p50) / Double(max(1, floor.p50))), "\(ours.drops)"])
        }
        print("\nLive latency on loopback, ts_recv -> subscriber callback, µs p50 / p99 / p99.9 (2 cores, no busy-spinning thread):")
        let header = ["rate", "handler + ring + subscriber", "raw socket floor (same run)", "p50 vs floor", "kernel drops"]
        let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max()! }
        for row in [header] + rows { print(row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: " | ")) }
        print("highest rate measured without kernel drops: \(Int(highestClean / 1000))k datagrams/s")
        _ = harness
    }
}
