import Foundation
import Testing
@testable import TickRing

/// Concurrency stress tests of the rings, run under the thread sanitizer in CI
/// (`swift test --sanitize=thread --filter TickRingTests`), serialized: parallel tests would run
/// more spinning threads than the machine has cores. Every record is checked for its
/// sequence and its content; lapping is forced and the loss count checked exactly.
@Suite(.serialized) struct RingStressTests {
    /// Records per test: millions normally; `CFEED_RING_RECORDS` scales it (TSan runs are slower).
    static let records = ProcessInfo.processInfo.environment["CFEED_RING_RECORDS"].flatMap(Int.init) ?? 2_000_000

    /// A record's bytes are a pure function of its number, so a reader can check every byte.
    static func fill(_ buffer: UnsafeMutableRawPointer, number: UInt64, length: Int) {
        for i in stride(from: 0, to: length, by: 8) {
            buffer.storeBytes(of: number &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(i), toByteOffset: i, as: UInt64.self)
        }
        buffer.storeBytes(of: number, as: UInt64.self)
    }

    static func check(_ record: UnsafeRawBufferPointer) -> UInt64? {
        let number = record.load(as: UInt64.self)
        guard record.count == length(number) else { return nil }
        for i in stride(from: 8, to: record.count, by: 8)
        where record.load(fromByteOffset: i, as: UInt64.self) != number &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(i) {
            return nil
        }
        return number
    }

    /// Variable lengths, 8…368 bytes (DBN records are 8-byte multiples up to 520).
    static func length(_ number: UInt64) -> Int { 8 * (1 + Int(number % 46)) }

    /// Writes records 0..<n, each filled by `fill`, from the calling thread.
    static func produce(_ n: UInt64, into ring: BroadcastRing) {
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: 1024, alignment: 8)
        defer { scratch.deallocate() }
        for i in 0..<n {
            let size = length(i)
            fill(scratch, number: i, length: size)
            ring.write(UnsafeRawBufferPointer(start: scratch, count: size))
        }
    }

    static func thread(_ body: @escaping @Sendable () -> Void) -> Thread {
        let t = Thread(block: body)
        t.start()
        return t
    }

    static func join(_ done: [Atomic]) {
        while !done.allSatisfy({ $0.value }) { usleep(1000) }
    }

    final class Atomic: @unchecked Sendable {
        private let lock = NSLock()
        private var flag = false
        var value: Bool { lock.withLock { flag } }
        func set() { lock.withLock { flag = true } }
    }

    final class Box<T>: @unchecked Sendable {
        var value: T
        init(_ value: T) { self.value = value }
    }

    struct Slot: Equatable {
        var number: UInt64
        var check: UInt64
        var pad: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
        static func == (a: Slot, b: Slot) -> Bool { a.number == b.number && a.check == b.check }
    }

    @Test(arguments: [WaitStrategy.busySpin, .yield, .park])
    func spscDeliversEveryElementInOrder(wait: WaitStrategy) {
        let ring = SPSCRing<Slot>(capacity: 1024)
        let n = UInt64(Self.records)
        let done = Atomic()
        let errors = Box(0)
        let consumer = Self.thread {
            var expected: UInt64 = 0
            while expected < n {
                ring.waitForData(wait)
                ring.drain { slot in
                    if slot.number != expected || slot.check != ~slot.number { errors.value += 1 }
                    expected += 1
                }
            }
            done.set()
        }
        for i in 0..<n { ring.push(Slot(number: i, check: ~i), waiting: wait) }
        Self.join([done])
        _ = consumer
        #expect(errors.value == 0)
    }

    @Test func broadcastLosslessSubscribersSeeEveryRecord() {
        let ring = BroadcastRing(capacity: 1 << 16, producerWait: .yield)
        let n = UInt64(Self.records / 5)
        let subscribers = (0..<2).map { _ in ring.subscribe(.lossless, wait: .yield) }
        let done = subscribers.map { _ in Atomic() }
        let errors = Box([0, 0])
        for (k, subscriber) in subscribers.enumerated() {
            _ = Self.thread {
                var expected: UInt64 = 0
                while expected < n {
                    subscriber.waitForData()
                    subscriber.poll { record, lost in
                        if Self.check(record) != expected || lost != 0 { errors.value[k] += 1 }
                        expected += 1
                    }
                }
                done[k].set()
            }
        }
        Self.produce(n, into: ring)
        Self.join(done)
        #expect(errors.value == [0, 0])
        #expect(subscribers.allSatisfy { $0.received == n && $0.lost == 0 })
    }

    /// A slow lossy subscriber is lapped again and again: it never sees a torn record, its records
    /// come in increasing order, and received + lost is exactly the number written.
    @Test func aLappedLossySubscriberCountsItsLossesExactly() {
        let ring = BroadcastRing(capacity: 1 << 13)
        let n = UInt64(Self.records / 5)
        let lossy = ring.subscribe(.lossy, wait: .yield)
        let finished = Atomic()
        let done = Atomic()
        let errors = Box(0)
        let lastSeen = Box<UInt64?>(nil)
        _ = Self.thread {
            var polls = 0
            while true {
                let producerDone = finished.value
                lossy.poll(limit: 3) { record, lost in
                    guard let number = Self.check(record) else { errors.value += 1; return }
                    if let last = lastSeen.value, number <= last || number - last - 1 != lost { errors.value += 1 }
                    lastSeen.value = number
                }
                polls += 1
                if polls % 16 == 0 { usleep(50) }  // fall behind on purpose
                if producerDone && lossy.poll(limit: 1, { record, lost in
                    guard let number = Self.check(record) else { errors.value += 1; return }
                    if let last = lastSeen.value, number - last - 1 != lost { errors.value += 1 }
                    lastSeen.value = number
                }) == 0 { break }
            }
            done.set()
        }
        Self.produce(n, into: ring)
        finished.set()
        Self.join([done])
        #expect(errors.value == 0)
        #expect(lossy.lost > 0, "the subscriber must have been lapped")
        // Every record is either delivered or counted lost, up to the last one it saw.
        #expect(lossy.received + lossy.lost == (lastSeen.value ?? 0) + 1)
    }

    /// A lossless subscriber that reads slowly holds the producer back: nothing is lost.
    @Test func aSlowLosslessSubscriberHoldsTheProducerBack() {
        let ring = BroadcastRing(capacity: 1 << 12, producerWait: .park)
        let n: UInt64 = UInt64(min(Self.records, 200_000))
        let slow = ring.subscribe(.lossless, wait: .park)
        let done = Atomic()
        let errors = Box(0)
        _ = Self.thread {
            var expected: UInt64 = 0
            while expected < n {
                slow.waitForData()
                slow.poll(limit: 7) { record, _ in
                    if Self.check(record) != expected { errors.value += 1 }
                    expected += 1
                }
                if expected % 1000 == 0 { usleep(10) }
            }
            done.set()
        }
        Self.produce(n, into: ring)
        Self.join([done])
        #expect(errors.value == 0 && slow.received == n && slow.lost == 0)
    }

    @Test func closingALosslessSubscriberReleasesTheProducer() {
        let ring = BroadcastRing(capacity: 4096)
        let idle = ring.subscribe(.lossless)
        idle.close()
        let record = [UInt8](repeating: 1, count: 64)
        for _ in 0..<10_000 { record.withUnsafeBytes { ring.write($0) } }  // would block forever if idle held it
        #expect(ring.recordsWritten == 10_000)
    }
}

/// The wait loop's contract: a condition that does work is never run again once it succeeded.
@Suite struct WaitStrategyTests {
    @Test(arguments: [WaitStrategy.busySpin, .yield, .park])
    func aSuccessfulConditionRunsOnce(strategy: WaitStrategy) {
        let parker = Parker()
        var calls = 0
        var successes = 0
        parker.wait(strategy) {
            calls += 1
            if calls >= 100 { successes += 1; return true }
            return false
        }
        #expect(successes == 1 && calls == 100)
    }
}
