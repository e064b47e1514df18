import Testing
import TestSupport
@testable import VenueSHFE

@Suite struct MDQPMessageTests {
    static func hex(_ s: String) -> [UInt8] { VarIntTests.hex(s) }

    /// specs/shfe-mirp.md §11.7.
    @Test func theSpecsByteExamplesEncodeAndDecode() throws {
        let snapshot = MDQPMessage(header: MDQPHeader(typeID: MDQPType.snapshotRequest, requestID: 2), fields: [.topicSnapshot(topicID: 1001, snapNo: -1)])
        #expect(snapshot.encoded() == Self.hex("01 31 0a 00 02 00 00 00 01 10 06 00 e9 03 ff ff ff ff"))
        let retransmit = MDQPMessage(header: MDQPHeader(typeID: MDQPType.retransmissionRequest, requestID: 3),
                                     fields: [.retransmissionRequest(topicID: 1001, start: 1230, end: 1233)])
        #expect(retransmit.encoded() == Self.hex("01 33 0e 00 03 00 00 00 01 02 0a 00 e9 03 ce 04 00 00 d1 04 00 00"))
        let response = MDQPMessage(header: MDQPHeader(endOfMessage: true, typeID: MDQPType.retransmissionResponse, requestID: 3),
                                   fields: [.wrappedPacket(MIRPWireTests.packet)])
        let bytes = response.encoded()
        #expect(Array(bytes.prefix(12)) == Self.hex("11 34 40 00 03 00 00 00 00 00 3c 00"))
        #expect(Array(bytes.dropFirst(12)) == MIRPWireTests.packet)
        #expect(MDQPMessage(header: MDQPHeader(typeID: MDQPType.heartbeat, requestID: 0), fields: []).encoded() == Self.hex("01 00 00 00 00 00 00 00"))
        let login = MDQPMessage(header: MDQPHeader(typeID: MDQPType.loginRequest, requestID: 1),
                                fields: [.loginRequest(userID: "cfeed", participantID: "0001", password: "secret")]).encoded()
        #expect(login.count == 163 && Array(login.prefix(12)) == Self.hex("01 11 9b 00 01 00 00 00 02 00 97 00"))
        for message in [snapshot, retransmit, response] {
            let encoded = message.encoded()
            let back = try encoded.withUnsafeBytes { try MDQPMessage.decode($0).get() }
            #expect(back.fields == message.fields && back.header.requestID == message.header.requestID
                    && back.header.endOfMessage == message.header.endOfMessage && back.header.typeID == message.header.typeID)
        }
    }

    @Test func everyFieldRoundTripsAtItsFixedSize() throws {
        var data = MDQPMarketData()
        data.instrumentNo = 3; data.lastPrice = 3.95; data.volume = 30; data.turnover = 118_500; data.openInterest = 70
        data.highest = 3.99; data.lowest = 3.9; data.open = 3.96; data.upperLimit = 5.44; data.lowerLimit = 2.56; data.changeNo = 100
        let fields: [MDQPField] = [
            .rspInfo(errorID: 4, message: "packets not available"),
            .loginInfo(tradingDay: "20270104", loginTime: "09:00:00", userID: "cfeed", participantID: "0001", systemName: "ComputeFeed sim", actionDay: "20270104"),
            .settlementSession(tradingDay: "20270104", groupID: "SG01", settlementID: 1),
            .centreSwitch(changeNo: 1, snapNo: 2, packetNo: 3),
            .instrumentInfo(symbol: "tk2703", product: "tk", volumeMultiple: 1000, currency: "CNY", priceTick: 0.01, codecPrice: 4.0, instrumentNo: 3),
            .marketData(data),
            .priceLevel(instrumentNo: 3, isBid: true, price: 3.94, volume: 60),
            .priceLevel(instrumentNo: 3, isBid: false, price: 3.96, volume: 40),
            .topicSnapshot(topicID: 1001, snapNo: 1),
            .snapshotTime(date: "20270104", time: "09:30:00", millisecond: 500),
            .attributes(depth: 5, cipher: UInt8(ascii: "0")),
            .lastIncludedPacket(1234),
        ]
        let message = MDQPMessage(header: MDQPHeader(endOfMessage: true, typeID: MDQPType.snapshotResponse, requestID: 7), fields: fields)
        let bytes = message.encoded()
        let back = try bytes.withUnsafeBytes { try MDQPMessage.decode($0).get() }
        #expect(back.fields == fields)
        for f in fields where MDQPField.sizes[f.fieldID] != nil { #expect(f.body.count == MDQPField.sizes[f.fieldID], "\(f.fieldID)") }
    }

    @Test func theFramerReassemblesAStreamCutAnywhereAndRefusesGarbage() {
        let messages = (1...5).map { MDQPMessage(header: MDQPHeader(typeID: MDQPType.retransmissionRequest, requestID: Int32($0)),
                                                 fields: [.retransmissionRequest(topicID: 1001, start: Int32($0), end: Int32($0 + 9))]) }
        let stream = messages.flatMap { $0.encoded() }
        for chunk in [1, 3, 7, 22, stream.count] {
            var framer = MDQPFramer()
            var got: [MDQPMessage] = []
            var i = 0
            while i < stream.count {
                framer.append(stream[i..<min(stream.count, i + chunk)])
                i += chunk
                while let next = framer.next() { if case .success(let m) = next { got.append(m) } }
            }
            #expect(got.map(\.header.requestID) == [1, 2, 3, 4, 5], "chunk \(chunk)")
        }
        var bad = MDQPFramer()
        bad.append([0x02, 0x31, 0, 0, 1, 0, 0, 0])
        #expect(bad.next() == .failure(.badFlag))
        // A known field with the wrong size.
        var wrong = MDQPMessage(header: MDQPHeader(typeID: MDQPType.snapshotRequest, requestID: 1), fields: [.topicSnapshot(topicID: 1001, snapNo: -1)]).encoded()
        wrong[10] = 5
        wrong.removeLast()
        wrong[2] = UInt8(wrong.count - 8)
        #expect(wrong.withUnsafeBytes { MDQPMessage.decode($0) } == .failure(.badFieldSize))
    }
}
