import Testing
@testable import FeedEngine

@Suite struct SequenceArbiterTests {
    /// Drives an arbiter with (line, sequence, count, time) arrivals; records what it delivers.
    struct Harness {
        var arbiter: SequenceArbiter
        var delivered: [UInt64] = []
        var skips: [Int] = []
        var gaps: [ClosedRange<UInt64>] = []

        init(lines: Int = 2, _ configuration: SequenceArbiter.Configuration = .init(startupGraceNs: 0)) {
            arbiter = SequenceArbiter(lineCount: lines, configuration: configuration)
        }

        mutating func data(_ line: Int, _ sequence: UInt64, count: Int = 1, at t: UInt64) {
            let payload: [UInt8] = [UInt8(truncatingIfNeeded: sequence), 0xEE]
            var events: [SequenceArbiter.Event] = []
            payload.withUnsafeBytes { raw in
                arbiter.receive(raw, line: line, sequence: sequence, count: count, tsRecv: t) { event in
                    if case .deliver(let p, let s, let c, let k, let ts, let l) = event {
                        // Copy out: the payload is valid only during the callback.
                        let bytes = Array(p)
                        events.append(.deliver(payload: UnsafeRawBufferPointer(start: nil, count: 0), sequence: s, count: c, skip: k, tsRecv: ts, line: l))
                        #expect(bytes.first == UInt8(truncatingIfNeeded: s))
                    } else {
                        events.append(event)
                    }
                }
            }
            for e in events { record(e) }
        }

        mutating func record(_ event: SequenceArbiter.Event) {
            switch event {
            case .deliver(_, let sequence, _, let skip, _, _):
                delivered.append(sequence)
                skips.append(skip)
            case .gap(let from, let to, _):
                gaps.append(from...to)
            }
        }

        mutating func heartbeat(_ line: Int, passed: UInt64, at t: UInt64) {
            var events: [SequenceArbiter.Event] = []
            arbiter.heartbeat(line: line, passed: passed, tsRecv: t) { events.append($0) }
            for e in events { record(e) }
        }

        mutating func tick(_ t: UInt64) {
            var events: [SequenceArbiter.Event] = []
            arbiter.tick(now: t) { events.append($0) }
            for e in events { record(e) }
        }
    }

    @Test func firstCopyWinsAndDuplicatesAreCounted() {
        var h = Harness()
        for s: UInt64 in 1...5 {
            h.data(0, s, at: s * 10)
            h.data(1, s, at: s * 10 + 1)
        }
        #expect(h.delivered == [1, 2, 3, 4, 5])
        #expect(h.gaps.isEmpty)
        #expect(h.arbiter.lines[0].delivered == 5 && h.arbiter.lines[1].duplicates == 5)
    }

    @Test func reorderingIsRepairedFromTheOtherLine() {
        var h = Harness()
        h.data(0, 1, at: 1)
        h.data(1, 1, at: 2)
        h.data(0, 3, at: 3)  // 2 late on A; B has not passed it
        h.data(1, 2, at: 4)  // B fills the hole
        h.data(0, 2, at: 5)
        h.data(1, 3, at: 6)
        #expect(h.delivered == [1, 2, 3])
        #expect(h.gaps.isEmpty)
    }

    @Test func aLoneLineDecidesAlone() {
        var h = Harness()
        h.data(0, 1, at: 1)
        h.data(0, 3, at: 2)  // B has never delivered anything: it is not alive
        #expect(h.gaps == [2...2])
    }

    @Test func aNumberLostOnBothLinesIsAGapOnceBothPassedIt() {
        var h = Harness()
        h.data(0, 1, at: 1)
        h.data(1, 1, at: 1)
        h.data(0, 3, at: 2)  // 2 lost on A
        #expect(h.gaps.isEmpty)  // B may still deliver it
        h.data(1, 4, at: 3)  // B passed 2 (and 3) without it
        #expect(h.gaps == [2...2])
        #expect(h.delivered == [1, 3, 4])
        #expect(h.arbiter.lostNumbers == 1)
    }

    @Test func aDeadLineDoesNotHoldUpTheDecision() {
        var h = Harness(lines: 2, .init(holdTimeoutNs: 1_000_000_000, lineLivenessNs: 100, startupGraceNs: 0))
        h.data(1, 1, at: 0)  // B's last sign of life
        h.data(0, 1, at: 0)
        h.data(0, 2, at: 500)
        h.data(0, 4, at: 600)  // B is dead (nothing for > 100 ns): A decides alone
        #expect(h.gaps == [3...3])
        #expect(h.delivered == [1, 2, 4])
    }

    @Test func theHoldTimeoutDeclaresTheHoleOnTheTsRecvClock() {
        var h = Harness(lines: 2, .init(holdTimeoutNs: 1000, lineLivenessNs: 1_000_000, startupGraceNs: 0))
        h.data(0, 1, at: 0)
        h.data(1, 1, at: 0)
        h.data(0, 3, at: 10)
        h.tick(500)
        #expect(h.gaps.isEmpty)
        h.tick(1010)
        #expect(h.gaps == [2...2])
        #expect(h.delivered == [1, 3])
    }

    @Test func aHeartbeatRevealsATailLoss() {
        var h = Harness()
        h.data(0, 1, at: 0)
        h.data(1, 1, at: 0)
        // Both lines say they have passed 3 (ICE: heartbeat announcing 4; SHFE: repeating 3).
        h.heartbeat(0, passed: 3, at: 10)
        #expect(h.gaps.isEmpty)
        h.heartbeat(1, passed: 3, at: 11)
        #expect(h.gaps == [2...3])
        h.data(0, 4, at: 20)
        #expect(h.delivered == [1, 4])
    }

    @Test func overlappingRangesDeliverOnlyTheNewNumbers() {
        var h = Harness()
        h.data(0, 1, count: 3, at: 0)   // 1...3
        h.data(1, 2, count: 3, at: 1)   // 2...4: 4 is new
        #expect(h.delivered == [1, 2])
        #expect(h.skips == [0, 2])
    }

    @Test func onlyThisLineCountsWhatTheOtherLineLost() {
        var h = Harness()
        for s: UInt64 in 1...100 {
            if s % 10 != 0 { h.data(0, s, at: s * 10) }      // A loses 10, 20, ...
            if s % 7 != 0 { h.data(1, s, at: s * 10 + 1) }   // B loses 7, 14, ...
        }
        var events: [SequenceArbiter.Event] = []
        h.arbiter.finish(tsRecv: 10_000) { events.append($0) }
        #expect(h.gaps == [70...70])
        #expect(h.arbiter.lines[0].onlyThisLine == 14 - 1)  // multiples of 7 except 70
        #expect(h.arbiter.lines[1].onlyThisLine == 10 - 1)  // multiples of 10 except 70
    }

    @Test func startUpHoldsThePacketsAndBeginsAtTheLowestNumber() {
        var h = Harness(lines: 2, .init(startupGraceNs: 100))
        h.data(0, 2, at: 0)   // seq 1 lost on A
        h.data(1, 1, at: 15)  // B brings it
        h.data(1, 2, at: 16)
        #expect(h.delivered.isEmpty)  // still starting
        h.data(0, 3, at: 120)
        #expect(h.delivered == [1, 2, 3])
        #expect(h.gaps.isEmpty)
    }

    @Test func resetStartsAFreshSequence() {
        var h = Harness()
        h.data(0, 100, at: 0)
        h.arbiter.reset()
        h.data(0, 1, at: 1)
        h.data(0, 2, at: 2)
        #expect(h.delivered == [100, 1, 2])
        #expect(h.gaps.isEmpty)
    }
}
