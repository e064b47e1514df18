import Foundation

/// Times closures with a monotonic clock and reports medians: the machines are shared and noisy,
/// so each measurement is repeated and the median taken, and every benchmark is shown as a ratio to
/// a baseline timed in the same run, alternating the two so both see the same noise.
struct Harness {
    let repetitions: Int
    var rows: [[String]] = []

    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// Runs `subject` and `baseline` alternately; returns the median seconds of each.
    func measure(_ subject: () -> Void, baseline: () -> Void) -> (subject: Double, baseline: Double) {
        subject()
        baseline()  // warm-up
        var a: [Double] = [], b: [Double] = []
        for _ in 0..<repetitions {
            var t = Harness.now()
            subject()
            a.append(Double(Harness.now() - t) / 1e9)
            t = Harness.now()
            baseline()
            b.append(Double(Harness.now() - t) / 1e9)
        }
        return (Harness.median(a), Harness.median(b))
    }

    /// Adds a table row: `units` per run of the subject (records, packets, bytes).
    mutating func report(_ name: String, units: Int, unitName: String, subject: Double, baselineName: String,
                         baseline: Double, target: String = "") {
        let rate = Double(units) / subject
        rows.append([name, formatRate(rate) + " " + unitName + "/s", baselineName,
                     String(format: subject / baseline < 0.1 ? "%.3fx" : "%.2fx", subject / baseline), target])
    }

    func formatRate(_ r: Double) -> String {
        r >= 1e9 ? String(format: "%.2f G", r / 1e9) : r >= 1e6 ? String(format: "%.1f M", r / 1e6)
            : String(format: "%.0f k", r / 1e3)
    }

    func printTable() {
        let header = ["benchmark", "throughput (median)", "baseline (same run)", "time vs baseline", "target"]
        let all = [header] + rows
        let widths = header.indices.map { c in all.map { $0[c].count }.max() ?? 0 }
        for (i, row) in all.enumerated() {
            print(row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                .joined(separator: " | "))
            if i == 0 { print(widths.map { String(repeating: "-", count: $0) }.joined(separator: "-|-")) }
        }
    }
}

import ExchangeSim
import FeedEngine

/// Captured datagrams held in one flat buffer, for the handler benchmarks: the handler and the C
/// parse floor read the same bytes. A class: it owns that buffer (a fixed address, which the
/// datagrams' descriptions point into) and frees it.
final class PacketTape {
    let flat: UnsafeMutableRawBufferPointer
    /// The datagrams' lengths again, as the C parse floor takes them (`walk`).
    let lengths: [UInt32]
    /// Each datagram (bytes, line, ts_recv), as a handler's batch `receive` takes them. One array of
    /// these, not one per field, so the measured loop reads each datagram's facts through one base
    /// address (the handler's calls are opaque: per-field bases were reloaded every datagram).
    let received: UnsafeMutableBufferPointer<ReceivedDatagram>

    init(_ datagrams: [SimDatagram]) {
        let total = datagrams.reduce(0) { $0 + $1.payload.count }
        let base = UnsafeMutableRawPointer.allocate(byteCount: max(total, 1), alignment: 16)
        let received = UnsafeMutableBufferPointer<ReceivedDatagram>.allocate(capacity: datagrams.count)
        var offset = 0
        for (i, d) in datagrams.enumerated() {
            d.payload.withUnsafeBytes { (base + offset).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            received[i] = ReceivedDatagram(bytes: UnsafeRawBufferPointer(start: base + offset, count: d.payload.count), line: d.line,
                                           tsRecv: d.tsRecv)
            offset += d.payload.count
        }
        flat = UnsafeMutableRawBufferPointer(start: base, count: total)
        self.received = received
        lengths = datagrams.map { UInt32($0.payload.count) }
    }

    deinit {
        flat.deallocate()
        received.deallocate()
    }

    /// Calls `body` with the datagrams in batches of `size` (the last may be shorter), in order:
    /// `MulticastReceiver` reads sockets in batches of 64.
    @inline(__always)
    func forEachBatch(of size: Int, _ body: (UnsafeBufferPointer<ReceivedDatagram>) -> Void) {
        var start = 0
        while start < received.count {
            let end = min(start + size, received.count)
            body(UnsafeBufferPointer(rebasing: received[start..<end]))
            start = end
        }
    }

    /// Calls `body` with each datagram, its line and ts_recv, in order.
    @inline(__always)
    func forEach(_ body: (UnsafeRawBufferPointer, Int, UInt64) -> Void) {
        // Through a buffer pointer, so the measured loop adds no bounds checks of its own.
        for d in received { body(d.bytes, d.line, d.tsRecv) }
    }

    /// Runs a C walk over the whole tape (bytes, lengths, count).
    func walk(_ c: (UnsafePointer<UInt8>, UnsafePointer<UInt32>, Int) -> Int64) -> Int64 {
        lengths.withUnsafeBufferPointer { l in c(flat.baseAddress!.assumingMemoryBound(to: UInt8.self), l.baseAddress!, l.count) }
    }
}
