/// What happens to datagrams on the way to the capture point, per line: independent seeded loss,
/// duplication and reordering (adjacent swaps), plus a propagation latency with jitter.
public struct LineImpairment: Sendable, Equatable {
    public var loss: Double
    public var duplicate: Double
    public var reorder: Double
    /// Mean latency from the exchange's SendingTime to capture, ns.
    public var latencyNs: UInt64
    public var jitterNs: UInt64

    public init(loss: Double = 0, duplicate: Double = 0, reorder: Double = 0, latencyNs: UInt64 = 20_000,
                jitterNs: UInt64 = 2_000) {
        self.loss = loss
        self.duplicate = duplicate
        self.reorder = reorder
        self.latencyNs = latencyNs
        self.jitterNs = jitterNs
    }
}

/// One captured datagram of the simulation.
public struct SimDatagram: Sendable {
    public var tsRecv: UInt64
    public var line: Int
    public var destination: Endpoint
    public var payload: [UInt8]
}

public import PacketCapture

/// Sends each packet of a feed on its lines through their impairments.
public struct ImpairedLines {
    public let impairments: [LineImpairment]
    public let destinations: [Endpoint]
    var random: [SeededRandom]
    /// A packet held back on a line to be delivered after the next one (reordering).
    var heldBack: [SimDatagram?]
    /// A link is FIFO: jitter never reorders packets of one line (only `reorder` does).
    var lastArrival: [UInt64]
    /// Sequence numbers each line dropped (for the truth: what was lost on every line).
    public private(set) var dropped: [[UInt64]]

    public init(impairments: [LineImpairment], destinations: [Endpoint], random: inout SeededRandom) {
        precondition(impairments.count == destinations.count)
        self.impairments = impairments
        self.destinations = destinations
        self.random = impairments.map { _ in random.split() }
        heldBack = Array(repeating: nil, count: impairments.count)
        lastArrival = Array(repeating: 0, count: impairments.count)
        dropped = Array(repeating: [], count: impairments.count)
    }

    /// Sends `payload` (sequence `sequence`, for the loss record) at exchange time `sendingTime`.
    public mutating func send(_ payload: [UInt8], sequence: UInt64, sendingTime: UInt64, into out: inout [SimDatagram]) {
        for line in impairments.indices {
            let imp = impairments[line]
            var ts = sendingTime + imp.latencyNs
            if imp.jitterNs > 0 { ts += random[line].next() % imp.jitterNs }
            ts = max(ts, lastArrival[line] + 1)
            lastArrival[line] = ts
            if random[line].chance(imp.loss) {
                dropped[line].append(sequence)
                continue
            }
            var datagram = SimDatagram(tsRecv: ts, line: line, destination: destinations[line], payload: payload)
            if let held = heldBack[line] {
                // The held packet arrives just after this one.
                out.append(datagram)
                var late = held
                late.tsRecv = max(held.tsRecv, ts) + 1
                datagram = late
                heldBack[line] = nil
                out.append(datagram)
            } else if random[line].chance(imp.reorder) {
                heldBack[line] = datagram
                continue
            } else {
                out.append(datagram)
            }
            if random[line].chance(imp.duplicate) {
                var copy = out[out.count - 1]
                copy.tsRecv += 1
                out.append(copy)
            }
        }
    }

    /// Releases packets still held back (end of the run).
    public mutating func flush(into out: inout [SimDatagram]) {
        for line in heldBack.indices {
            if let held = heldBack[line] { out.append(held) }
            heldBack[line] = nil
        }
    }
}
