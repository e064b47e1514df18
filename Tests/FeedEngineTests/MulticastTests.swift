import Foundation
import PacketCapture
import Testing
@testable import FeedEngine

/// Multicast on loopback (IP_MULTICAST_IF 127.0.0.1, loopback on): joins, kernel timestamps,
/// batches, and the errors a user can cause.
@Suite(.serialized) struct MulticastTests {
    static let loopback = IPv4Address("127.0.0.1")!

    @Test func datagramsSentToJoinedGroupsArriveWithKernelTimestamps() throws {
        let a = Endpoint(IPv4Address("239.77.1.1")!, 47101)
        let b = Endpoint(IPv4Address("239.77.2.1")!, 47102)
        let receiver = try MulticastReceiver([.init(group: a, interface: Self.loopback), .init(group: b, interface: Self.loopback)])
        #expect(receiver.streams.allSatisfy { $0.grantedBufferBytes > 0 })
        let sender = try MulticastSender(interface: Self.loopback)
        let before = UInt64(Date().timeIntervalSince1970 * 1e9)
        for i in 0..<200 {
            let payload: [UInt8] = [UInt8(i & 0xFF), UInt8(i >> 8), 0xAB]
            try payload.withUnsafeBytes { try sender.send($0, to: i % 2 == 0 ? a : b) }
        }
        var received: [Int: [Int]] = [:]
        var stamps: [UInt64] = []
        let deadline = Date().addingTimeInterval(5)
        while received.values.map(\.count).reduce(0, +) < 200 && Date() < deadline {
            receiver.poll(timeoutMs: 100) { stream, datagram in
                received[stream, default: []].append(Int(datagram.payload[0]) | Int(datagram.payload[1]) << 8)
                stamps.append(datagram.timestampNs)
                #expect(datagram.destination == (stream == 0 ? a : b))
            }
        }
        #expect(received[0] == Array(stride(from: 0, to: 200, by: 2)))
        #expect(received[1] == Array(stride(from: 1, to: 200, by: 2)))
        #expect(stamps.allSatisfy { $0 >= before - 1_000_000_000 && $0 < before + 60_000_000_000 })
        #expect(receiver.streams.map(\.kernelDrops) == [0, 0])
    }

    @Test func sourceSpecificJoinsFilterBySender() throws {
        let group = Endpoint(IPv4Address("232.77.4.1")!, 47104)  // 232/8: the source-specific range
        let right = try MulticastReceiver([.init(group: group, interface: Self.loopback, source: Self.loopback)])
        let wrong = try MulticastReceiver([.init(group: group, interface: Self.loopback, source: IPv4Address("127.0.0.2")!)])
        let sender = try MulticastSender(interface: Self.loopback)
        for i in 0..<20 { try [UInt8(i)].withUnsafeBytes { try sender.send($0, to: group) } }
        var gotRight = 0, gotWrong = 0
        for _ in 0..<20 {
            right.poll(timeoutMs: 10) { _, _ in gotRight += 1 }
            wrong.poll(timeoutMs: 1) { _, _ in gotWrong += 1 }
        }
        #expect(gotRight == 20)
        #expect(gotWrong == 0)
    }

    /// A handler takes `recvmmsg` batches whole: at most 64 datagrams of one socket, in order, each
    /// with the join's line and a kernel timestamp; `datagram(i)` has the addresses a recorder needs.
    @Test func batchesCarryTheJoinsLineInOrder() throws {
        let group = Endpoint(IPv4Address("239.77.5.1")!, 47105)
        let receiver = try MulticastReceiver([.init(group: group, interface: Self.loopback, line: 1)])
        let sender = try MulticastSender(interface: Self.loopback)
        for i in 0..<150 { try [UInt8(i), 0xCD].withUnsafeBytes { try sender.send($0, to: group) } }
        var payloads: [Int] = [], sizes: [Int] = []
        let deadline = Date().addingTimeInterval(5)
        while payloads.count < 150 && Date() < deadline {
            receiver.poll(timeoutMs: 100) { (batch: MulticastReceiver.Batch) in
                #expect(batch.stream == 0)
                sizes.append(batch.datagrams.count)
                for (i, d) in batch.datagrams.enumerated() {
                    #expect(d.line == 1 && d.tsRecv > 0 && d.bytes.count == 2)
                    let full = batch.datagram(i)
                    #expect(full.destination == group && full.source.address == Self.loopback && full.timestampNs == d.tsRecv)
                    payloads.append(Int(d.bytes[0]))
                }
            }
        }
        #expect(payloads == Array(0..<150))
        #expect(sizes.allSatisfy { $0 >= 1 && $0 <= 64 })
        #expect(receiver.streams[0].datagrams == 150)
    }

    @Test func aBadInterfaceIsAClearError() {
        do {
            _ = try MulticastReceiver([.init(group: Endpoint(IPv4Address("239.77.3.1")!, 47103), interface: IPv4Address("192.0.2.1")!)])
            Issue.record("joining on an address the host does not have must fail")
        } catch {
            #expect(error.description.contains("cannot join 239.77.3.1:47103 on 192.0.2.1"))
            #expect(error.description.contains("IP_ADD_MEMBERSHIP"))
        }
    }
}
