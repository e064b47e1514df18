import Testing
import TestSupport
@testable import VenueSHFE

@Suite struct VarIntTests {
    static func hex(_ text: String) -> [UInt8] { text.split(separator: " ").map { UInt8($0, radix: 16)! } }

    /// specs/shfe-mirp.md §3.3: every vector encodes to its bytes and decodes back.
    @Test func theSpecVectorsEncodeAndDecode() {
        let vectors: [(Int64, String)] = [
            (0, "00"), (-1, "01"), (1, "02"), (-3, "05"), (3, "06"), (4, "08"), (63, "7e"), (-64, "7f"), (64, "80 01"),
            (-65, "81 01"), (100, "c8 01"), (144, "a0 02"), (300, "d8 04"), (-145, "a1 02"),
            (2_147_483_647, "fe ff ff ff 0f"), (-2_147_483_648, "ff ff ff ff 0f"), (11_850_000, "a0 c4 a6 0b"),
            (.max, "fe ff ff ff ff ff ff ff ff 01"), (.min, "ff ff ff ff ff ff ff ff ff 01"),
        ]
        for (value, bytes) in vectors {
            #expect(VarInt.encoded(value) == Self.hex(bytes), "\(value)")
            let decoded = Self.hex(bytes).withUnsafeBytes { b -> Int64? in
                var at = 0
                guard case .success(let v) = VarInt.decode(b, at: &at), at == b.count else { return nil }
                return v
            }
            #expect(decoded == value, "\(bytes)")
        }
    }

    /// Property: every value round-trips in the shortest form, over the edges of every byte
    /// length and random values across the whole Int64 range.
    @Test func everyInt64RoundTripsInTheShortestForm() {
        var values: [Int64] = [0, 1, -1, .max, .min, .max - 1, .min + 1]
        for bits in 1...63 {
            let p = Int64(1) << bits
            values += [p, p &- 1, p &+ 1, 0 &- p, 0 &- p &+ 1, 0 &- p &- 1]
        }
        var rng = SplitMix64(seed: 64)
        for _ in 0..<200_000 { values.append(Int64(bitPattern: rng.next()) >> Int64(rng.next() % 64)) }
        for v in values {
            let bytes = VarInt.encoded(v)
            let u = VarInt.zigzag(v)
            let shortest = u == 0 ? 1 : (64 - u.leadingZeroBitCount + 6) / 7
            #expect(bytes.count == shortest, "\(v)")
            let back = bytes.withUnsafeBytes { b -> Int64? in
                var at = 0
                guard case .success(let x) = VarInt.decode(b, at: &at), at == bytes.count else { return nil }
                return x
            }
            #expect(back == v, "\(v)")
        }
    }

    @Test func truncatedOverlongAndOverflowingInputIsRejected() {
        func decode(_ bytes: [UInt8]) -> Result<Int64, VarInt.Failure> {
            bytes.withUnsafeBytes { b in var at = 0; return VarInt.decode(b, at: &at) }
        }
        #expect(decode([]) == .failure(.truncated))
        #expect(decode([0x80]) == .failure(.truncated))
        #expect(decode([0xff, 0xff, 0xff]) == .failure(.truncated))
        #expect(decode([UInt8](repeating: 0xff, count: 10)) == .failure(.tooLong))
        #expect(decode([UInt8](repeating: 0xff, count: 11) + [0x00]) == .failure(.tooLong))
        #expect(decode([UInt8](repeating: 0xff, count: 9) + [0x02]) == .failure(.overflow))
        #expect(decode([UInt8](repeating: 0x80, count: 9) + [0x7f]) == .failure(.overflow))
        #expect(decode([0x80, 0x00]) == .success(0))  // non-minimal: accepted (modelled)
    }
}

@Suite struct MIRPWireTests {
    // (also used by SHFEHandlerTests)
    /// §8: the 60-byte worked packet and the heartbeat after it.
    static let packet = VarIntTests.hex("01 01 24 00 d2 04 00 00 e9 03 f4 01 01 00 00 00 18 f6 3a 6b 13 43 00 00 03 00 03 00 06 c8 01 01 10 05 00 33 30 02 09 00 01 10 05 00 31 31 02 07 50 02 10 07 00 09 3c a0 c4 a6 0b 3b")
    static let heartbeat = VarIntTests.hex("01 00 00 00 d2 04 00 00 e9 03 00 00 01 00 00 00 1b f6 3a 6b 13 43 00 00")

    @Test func theWorkedPacketDecodesToTheSpecsValuesAndReencodesExactly() throws {
        let (header, fields) = try Self.packet.withUnsafeBytes { b -> (MIRPHeader, [MIRPFieldValue]) in
            let view = try MIRPPacketView.validate(b).get()
            var fields: [MIRPFieldValue] = []
            view.forEachField { fields.append($0) }
            return (view.header, fields)
        }
        #expect(header.typeID == 1 && header.length == 36 && header.packetNo == 1234 && header.topicID == 1001)
        #expect(header.snapMillisec == 500 && header.snapNo == 1 && header.snapTime == 1_799_026_200 && header.commPhaseNo == 17171)
        #expect(header.eventTimeNs == 1_799_026_200_500_000_000)
        #expect(MIRPHeader.commPhaseNo(daysSinceEpoch: 1_799_026_200 / 86_400) == 17171)
        #expect(fields == [
            .contractHeader(instrumentNo: 3, changeNo: 100),
            .priceChange(eventType: 0x33, side: 0x30, level: 1, priceOffset: -5, volume: 0),
            .priceChange(eventType: 0x31, side: 0x31, level: 1, priceOffset: -4, volume: 40),
            .tradeSummary(lastPriceOffset: -5, volumeChange: 30, turnoverChangeFen: 11_850_000, openInterestChange: -30),
        ])
        #expect(MIRPPacket.encode(header, fields: fields) == Self.packet)

        let beat = try Self.heartbeat.withUnsafeBytes { try MIRPPacketView.validate($0).get().header }
        #expect(beat.isHeartbeat && beat.packetNo == 1234 && beat.snapTime == 1_799_026_203 && beat.snapMillisec == 0)
        #expect(MIRPPacket.encode(beat, fields: []) == Self.heartbeat)
    }

    @Test func everyFieldRoundTrips() throws {
        var header = MIRPHeader()
        header.packetNo = 7
        header.topicID = 1001
        let fields: [MIRPFieldValue] = [
            .contractHeader(instrumentNo: 12, changeNo: 1 << 40),
            .priceChange(eventType: 0x32, side: 0x31, level: 5, priceOffset: .min, volume: .max),
            .tradeSummary(lastPriceOffset: -1, volumeChange: 0, turnoverChangeFen: 123_456_789_012, openInterestChange: -7),
        ] + (0x1011...0x1017).map { .price(field: Int16($0), offset: Int64($0) - 0x1014) } + [
            .currentDelta(bits: 0x7FEF_FFFF_FFFF_FFFF),
            .centreSwitch(changeNo: 2, snapNo: 9, packetNo: 1001),
        ]
        let packet = MIRPPacket.encode(header, fields: fields)
        let decoded = try packet.withUnsafeBytes { b -> [MIRPFieldValue] in
            var out: [MIRPFieldValue] = []
            try MIRPPacketView.validate(b).get().forEachField { out.append($0) }
            return out
        }
        #expect(decoded == fields)
    }

    @Test func malformedPacketsAreRefusedWithAReason() {
        func reason(_ bytes: [UInt8]) -> MIRPMalformed? {
            bytes.withUnsafeBytes { b in if case .failure(let why) = MIRPPacketView.validate(b) { return why }; return nil }
        }
        let p = Self.packet
        #expect(reason(Array(p.prefix(23))) == .shortHeader)
        #expect(reason(Array(p.dropLast())) == .lengthMismatch)
        #expect(reason(p + [0]) == .lengthMismatch)
        var v = p; v[0] = 0x02
        #expect(reason(v) == .badVersion)
        var t = p; t[1] = 0x05
        #expect(reason(t) == .unknownType)
        var over = p; over[0x1A] = 0x40  // contract-header FieldSize 64: runs past the packet
        #expect(reason(over) == .fieldOverrunsPacket)
        var leftover = p; leftover[0x1A] = 0x02  // FieldSize 2 leaves `01` as a field header start: the fields no longer line up
        #expect(reason(leftover) != nil)
        // A body with bytes after its last VInt, and a VInt cut by its body.
        var header = MIRPHeader()
        header.topicID = 1
        let extra = MIRPPacket.encode(header, fields: []) + [0x11, 0x10, 0x02, 0x00, 0x02, 0x04]
        var fixed = extra; fixed[2] = UInt8(extra.count - 24)
        #expect(reason(fixed) == .badFieldBody)
        let cut = MIRPPacket.encode(header, fields: []) + [0x11, 0x10, 0x01, 0x00, 0x80]
        var fixed2 = cut; fixed2[2] = UInt8(cut.count - 24)
        #expect(reason(fixed2) == .varintTruncated)
        // The heartbeat is valid.
        #expect(reason(Self.heartbeat) == nil)
    }

    /// Property: validation's word-at-a-time check of short bodies agrees with the full decoder,
    /// reason included, for every field kind, on random bodies of 0–12 bytes biased towards the
    /// edge bytes and on bodies of whole VInts (the right count or not, some with one byte
    /// changed), each as the first and as the last field of its packet.
    @Test func fastValidationAgreesWithTheFullDecoder() {
        let ids: [Int16] = [MIRPField.contractHeader, MIRPField.priceChange, MIRPField.tradeSummary, MIRPField.highestPrice,
                            MIRPField.settlementPrice, MIRPField.currentDelta, MIRPField.centreSwitch, 0x0777]
        let edges: [UInt8] = [0x00, 0x01, 0x02, 0x7E, 0x7F, 0x80, 0x81, 0xFE, 0xFF, 0x30, 0x31]
        var rng = SplitMix64(seed: 7)
        var accepted = 0, refused = 0
        for n in 0..<100_000 {
            let id = ids[Int(rng.next() % UInt64(ids.count))]
            var body: [UInt8]
            if n % 3 == 0 {
                body = (0..<Int(rng.next() % 13)).map { _ in
                    rng.next() % 3 == 0 ? UInt8(truncatingIfNeeded: rng.next()) : edges[Int(rng.next() % UInt64(edges.count))]
                }
            } else {
                // Around well-formed: 0–5 VInts of 1–3 bytes (after the 2 raw bytes of a price
                // change), then sometimes one byte replaced by an edge byte.
                body = id == MIRPField.priceChange ? [0x31, 0x30] : []
                for _ in 0..<Int(rng.next() % 6) { VarInt.encode(Int64(bitPattern: rng.next()) >> Int64(48 + rng.next() % 16), into: &body) }
                if n % 3 == 2, !body.isEmpty { body[Int(rng.next() % UInt64(body.count))] = edges[Int(rng.next() % UInt64(edges.count))] }
            }
            let size = body.count
            let expected: MIRPMalformed? = body.withUnsafeBytes { b in
                if case .failure(let why) = MIRPFieldValue.decode(field: id, body: b) { return why }
                return nil
            }
            let field = withUnsafeBytes(of: id.littleEndian) { Array($0) } + withUnsafeBytes(of: Int16(size).littleEndian) { Array($0) } + body
            let other: [UInt8] = [0x03, 0x00, 0x02, 0x00, 0x02, 0x04]  // a well-formed contract header
            var header = MIRPHeader()
            header.topicID = 1
            let payload = n % 2 == 0 ? field + other : other + field
            var packet = MIRPPacket.encode(header, fields: []) + payload
            packet[2] = UInt8(payload.count)
            let got: MIRPMalformed? = packet.withUnsafeBytes { b in
                if case .failure(let why) = MIRPPacketView.validate(b) { return why }
                return nil
            }
            #expect(got == expected, "field \(id) body \(body)")
            if got == nil { accepted += 1 } else { refused += 1 }
        }
        #expect(accepted > 20_000 && refused > 20_000, "accepted \(accepted) refused \(refused)")
    }
}
