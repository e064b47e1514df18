import CBaselines
import ComputeFeed
import Foundation
import TickRing

/// Ring throughput, producer and consumer on the two cores, beside C11 rings of the same
/// algorithms measured in the same run.
/// The consumer thread's result (read after it sets `done`).
final class RingSum: @unchecked Sendable {
    var value: UInt64 = 0
    var done = false
}

enum RingBenchmarks {
    struct Record64 { var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) }
    struct Record368 {
        var head: Record64
        var rest: (Record64, Record64, Record64, Record64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)
    }

    static func spsc<R: BitwiseCopyable>(_ type: R.Type, count: Int, make: (UInt64) -> R, read: @escaping @Sendable (R) -> UInt64) -> UInt64 {
        let ring = SPSCRing<R>(capacity: 4096)
        let sum = RingSum()
        let consumer = Thread {
            var got = 0
            var total: UInt64 = 0
            while got < count {
                let n = ring.drain { total &+= read($0) }
                if n == 0 { sched_yield() }
                got += n
            }
            sum.value = total
            sum.done = true
        }
        consumer.start()
        // Batches of 32, one release store each (the C ring does the same).
        for i in 0..<UInt64(count) {
            let element = make(i)
            while !ring.stage(element) {
                ring.publish()
                sched_yield()
            }
            if i & 31 == 31 { ring.publish() }
        }
        ring.publish()
        while !sum.done { usleep(100) }
        return sum.value
    }

    static func broadcast(recordSize: Int, count: Int) -> UInt64 {
        let ring = BroadcastRing(capacity: 1 << 20, producerWait: .yield)
        let subscriber = ring.subscribe(.lossless, wait: .yield)
        let sum = RingSum()
        let consumer = Thread {
            var got = 0
            var total: UInt64 = 0
            while got < count {
                let n = subscriber.poll { record, _ in total &+= record.load(as: UInt64.self) }
                if n == 0 { sched_yield() }
                got += n
            }
            sum.value = total
            sum.done = true
        }
        consumer.start()
        var record = [UInt8](repeating: 7, count: recordSize)
        record.withUnsafeMutableBytes { raw in
            for i in 0..<UInt64(count) {
                raw.storeBytes(of: i, as: UInt64.self)
                ring.write(UnsafeRawBufferPointer(raw))
            }
        }
        while !sum.done { usleep(100) }
        return sum.value
    }

    static func run(_ harness: inout Harness) {
        var sink: UInt64 = 0
        let n64 = 20_000_000, n368 = 5_000_000
        let zero = Record64(words: (0, 0, 0, 0, 0, 0, 0, 0))
        let a = harness.measure({
            sink &+= spsc(Record64.self, count: n64, make: { var r = zero; r.words.0 = $0; return r }, read: { $0.words.0 })
        }, baseline: { sink &+= cb_spsc_run(64, 4096, UInt64(n64)) })
        harness.report("SPSC ring, 64-byte records", units: n64, unitName: "records", subject: a.subject,
                       baselineName: "C11 SPSC ring, same algorithm", baseline: a.baseline, target: ">= 100 M/s, >= 0.8x C")
        let big = Record368(head: zero, rest: (zero, zero, zero, zero, 0, 0, 0, 0, 0, 0))
        let b = harness.measure({
            sink &+= spsc(Record368.self, count: n368, make: { var r = big; r.head.words.0 = $0; return r }, read: { $0.head.words.0 })
        }, baseline: { sink &+= cb_spsc_run(368, 4096, UInt64(n368)) })
        harness.report("SPSC ring, 368-byte records", units: n368, unitName: "records", subject: b.subject,
                       baselineName: "C11 SPSC ring, same algorithm", baseline: b.baseline)
        let c = harness.measure({ sink &+= broadcast(recordSize: 64, count: n64 / 2) },
                                baseline: { sink &+= cb_broadcast_run(64, 1 << 20, UInt64(n64 / 2)) })
        harness.report("broadcast ring, 64-byte records, 1 lossless subscriber", units: n64 / 2, unitName: "records",
                       subject: c.subject, baselineName: "C11 broadcast ring, same protocol", baseline: c.baseline)
        let d = harness.measure({ sink &+= broadcast(recordSize: 368, count: n368) },
                                baseline: { sink &+= cb_broadcast_run(368, 1 << 20, UInt64(n368)) })
        harness.report("broadcast ring, 368-byte records, 1 lossless subscriber", units: n368, unitName: "records",
                       subject: d.subject, baselineName: "C11 broadcast ring, same protocol", baseline: d.baseline)
        if sink == 42 { print("") }
    }
}
