import Foundation
import Testing
import TestSupport
@testable import PacketCapture

@Suite struct PcapReaderTests {
    typealias F = HandMadeFrames
    let t0: UInt64 = 1_799_073_000_123_456_789

    struct Read: Equatable {
        var ts: UInt64
        var source: Endpoint
        var destination: Endpoint
        var payload: [UInt8]
    }

    func readAll(_ path: String) throws -> (datagrams: [Read], reader: PcapReader) {
        let reader = try PcapReader(path: path)
        var out: [Read] = []
        while let d = try reader.next() {
            out.append(Read(ts: d.timestampNs, source: d.source, destination: d.destination, payload: Array(d.payload)))
        }
        return (out, reader)
    }

    func write(_ path: String, linkType: LinkType, precision: PcapWriter.Precision = .nano,
               _ frames: [(UInt64, [UInt8], Int?)]) throws {
        let writer = try PcapWriter(path: path, linkType: linkType, precision: precision)
        for (ts, frame, original) in frames { try writer.writeFrame(timestampNs: ts, frame, originalLength: original) }
        try writer.close()
    }

    @Test(arguments: [LinkType.ethernet, .linuxSLL, .linuxSLL2, .rawIP])
    func everyLinkTypeYieldsTheDatagram(linkType: LinkType) throws {
        let dir = TemporaryDirectory()
        let payloads: [[UInt8]] = [[1, 2, 3], Array(0..<200).map { UInt8($0) }, []]
        let frames: [[UInt8]] = payloads.map { p in
            switch linkType {
            case .ethernet: F.ethernet(p)
            case .linuxSLL: F.linuxSLL(p)
            case .linuxSLL2: F.linuxSLL2(p)
            default: F.ipv4(p)
            }
        }
        try write(dir.file("c.pcap"), linkType: linkType, frames.enumerated().map { (t0 + UInt64($0.offset), $0.element, nil) })
        let (datagrams, reader) = try readAll(dir.file("c.pcap"))
        #expect(reader.linkType == linkType)
        #expect(datagrams.map(\.payload) == payloads)
        #expect(datagrams.map(\.ts) == [t0, t0 + 1, t0 + 2])
        #expect(datagrams.allSatisfy { $0.source == F.source && $0.destination == F.group })
        #expect(reader.packets == 3 && reader.skipped.total == 0)
    }

    @Test func vlanTagsSingleAndStacked() throws {
        let dir = TemporaryDirectory()
        try write(dir.file("v.pcap"), linkType: .ethernet, [
            (t0, F.vlan([7], tags: [(0x8100, 410)]), nil),
            (t0 + 1, F.vlan([8], tags: [(0x88A8, 100), (0x8100, 410)]), nil),
            (t0 + 2, F.vlan([9], tags: [(0x9100, 1), (0x8100, 2), (0x8100, 3)]), nil),
        ])
        let (datagrams, reader) = try readAll(dir.file("v.pcap"))
        #expect(datagrams.map(\.payload) == [[7], [8], [9]])
        #expect(reader.skipped.total == 0)
    }

    @Test func ipOptionsAreSkippedByHeaderLength() throws {
        let dir = TemporaryDirectory()
        try write(dir.file("o.pcap"), linkType: .ethernet, [(t0, F.withIPOptions([1, 2, 3, 4]), nil)])
        #expect(try readAll(dir.file("o.pcap")).datagrams.map(\.payload) == [[1, 2, 3, 4]])
    }

    @Test func microsecondPcapTimestampsBecomeNanoseconds() throws {
        let dir = TemporaryDirectory()
        try write(dir.file("u.pcap"), linkType: .ethernet, precision: .micro, [(t0, F.ethernet([1]), nil)])
        #expect(try readAll(dir.file("u.pcap")).datagrams.map(\.ts) == [t0 / 1000 * 1000])
    }

    @Test(arguments: [true, false])
    func pcapngIsRead(nanoseconds: Bool) throws {
        let dir = TemporaryDirectory()
        let file = F.pcapng(linkType: 1, nanoseconds: nanoseconds, frames: [(t0, F.ethernet([5, 6])), (t0 + 5000, F.ethernet([7]))])
        try Data(file).write(to: URL(fileURLWithPath: dir.file("n.pcapng")))
        let (datagrams, _) = try readAll(dir.file("n.pcapng"))
        #expect(datagrams.map(\.payload) == [[5, 6], [7]])
        let expected = nanoseconds ? [t0, t0 + 5000] : [t0 / 1000 * 1000, (t0 + 5000) / 1000 * 1000]
        #expect(datagrams.map(\.ts) == expected)
    }

    @Test func badFramesAreCountedByReasonAndSkipped() throws {
        let dir = TemporaryDirectory()
        let good = F.ethernet([1, 2, 3, 4, 5, 6, 7, 8])
        let cut = Array(F.ethernet(Array(repeating: 9, count: 100)).prefix(60))
        try write(dir.file("bad.pcap"), linkType: .ethernet, [
            (t0, good, nil),
            (t0 + 1, cut, 142),                        // cut by the snap length inside the payload
            (t0 + 2, F.arp(), nil),                     // not IP
            (t0 + 3, F.withProtocol(6, [1, 2]), nil),   // TCP
            (t0 + 4, F.fragment([1, 2]), nil),
            (t0 + 5, F.badHeaderLength([1]), nil),
            (t0 + 6, F.badUDPLength([1]), nil),
            (t0 + 7, Array(good.prefix(10)), 50),       // cut inside the Ethernet header
            (t0 + 8, good, nil),
        ])
        let (datagrams, reader) = try readAll(dir.file("bad.pcap"))
        #expect(datagrams.count == 2)
        #expect(reader.packets == 9)
        #expect(reader.skipped[.truncated] == 2)
        #expect(reader.skipped[.notIP] == 1)
        #expect(reader.skipped[.notUDP] == 1)
        #expect(reader.skipped[.fragment] == 1)
        #expect(reader.skipped[.badIPHeader] == 1)
        #expect(reader.skipped[.badUDPHeader] == 1)
    }

    @Test func aTruncatedLastRecordEndsTheCaptureAndIsCounted() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("t.pcap")
        try write(path, linkType: .ethernet, [(t0, F.ethernet([1]), nil), (t0 + 1, F.ethernet([2, 2, 2, 2]), nil)])
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes.removeLast(3)
        try bytes.write(to: URL(fileURLWithPath: path))
        let (datagrams, reader) = try readAll(path)
        #expect(datagrams.map(\.payload) == [[1]])
        #expect(reader.skipped[.truncatedRecord] == 1)
        #expect(reader.packets == 2)
    }

    @Test func missingAndNonCaptureFilesAreClearErrors() throws {
        let dir = TemporaryDirectory()
        #expect(throws: CaptureError.cannotOpen(path: dir.file("nope.pcap"), reason: "No such file or directory")) {
            try PcapReader(path: dir.file("nope.pcap"))
        }
        try Data("hello, this is not a capture file\n".utf8).write(to: URL(fileURLWithPath: dir.file("x.pcap")))
        let opened = Result { () throws(CaptureError) -> PcapReader in try PcapReader(path: dir.file("x.pcap")) }
        guard case .failure(let error) = opened, case .notACapture = error else {
            Issue.record("a text file opened as a capture: \(opened)")
            return
        }
        #expect(error.description.contains("is not a pcap or pcapng capture"))
        #expect(throws: CaptureError.self) { try PcapReader(path: dir.path) }
    }

    /// Random corruption of a real capture never crashes the reader.
    @Test func corruptedCapturesNeverCrash() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("base.pcap")
        try write(path, linkType: .ethernet, (0..<50).map { (t0 + UInt64($0), F.vlan(Array(repeating: UInt8($0), count: $0), tags: [(0x8100, 1)]), nil) })
        let base = try Data(contentsOf: URL(fileURLWithPath: path))
        var state: UInt64 = 7
        func next() -> Int { state = state &* 6364136223846793005 &+ 1442695040888963407; return Int(state >> 33) }
        for trial in 0..<300 {
            var bytes = base
            for _ in 0..<8 { bytes[24 + next() % (bytes.count - 24)] ^= UInt8(truncatingIfNeeded: next() | 1) }
            let mutated = dir.file("m\(trial).pcap")
            try bytes.write(to: URL(fileURLWithPath: mutated))
            if let reader = try? PcapReader(path: mutated) {
                while let d = try? reader.next() { #expect(d.payload.count <= 65_535) }
            }
        }
    }
}
