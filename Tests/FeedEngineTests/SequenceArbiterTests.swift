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

        /// Runs one of the recovery calls, recording what it releases.
        mutating func recover(_ call: (inout SequenceArbiter, (SequenceArbiter.Event) -> Void) -> Void) {
            var events: [SequenceArbiter.Event] = []
            call(&arbiter) { events.append($0) }
            for e in events { record(e) }
        }
    }

    // MARK: - Recovery by request (SHFE MDQP)

    static func recovering(firstNumber: UInt64? = nil) -> Harness {
        var h = Harness()
        h.arbiter.recoversGaps = true
        h.arbiter.firstNumber = firstNumber
        return h
    }

    @Test func aDeclaredHoleWaitsForRecoveryInsteadOfBecomingAGap() {
        var h = Self.recovering()
        h.data(0, 1, at: 1); h.data(1, 1, at: 1)
        h.data(0, 4, at: 2); h.data(1, 4, at: 3)  // 2 and 3 lost on both lines
        #expect(h.gaps.isEmpty && h.delivered == [1])
        #expect(h.arbiter.missing == 2...3)
        h.data(0, 5, at: 4)
        #expect(h.delivered == [1] && h.arbiter.heldCount == 2)
        let packet: [UInt8] = [2, 0xEE]
        packet.withUnsafeBytes { raw in h.recover { $0.fill(raw, sequence: 2, count: 1, tsRecv: 5, $1) } }
        #expect(h.delivered == [1, 2] && h.arbiter.missing == 3...3)  // still declared: the rest of the hole
        packet.withUnsafeBytes { raw in h.recover { $0.fill(raw, sequence: 3, count: 1, tsRecv: 6, $1) } }
        #expect(h.delivered == [1, 2, 3, 4, 5] && h.arbiter.missing == nil && h.gaps.isEmpty)
        // A retransmitted copy of what was processed is ignored; it counts for no line.
        packet.withUnsafeBytes { raw in h.recover { $0.fill(raw, sequence: 2, count: 1, tsRecv: 7, $1) } }
        #expect(h.delivered.count == 5 && h.arbiter.lines.allSatisfy { $0.onlyThisLine <= 1 })
    }

    @Test func aSnapshotResumesAfterItsNumberAndDropsWhatItCovers() {
        var h = Self.recovering()
        h.data(0, 1, at: 1); h.data(1, 1, at: 1)
        for s: UInt64 in 5...8 { h.data(0, s, at: s); h.data(1, s, at: s) }
        #expect(h.arbiter.missing == 2...4)
        h.recover { $0.resume(after: 6, tsRecv: 10, $1) }
        #expect(h.delivered == [1, 7, 8] && h.arbiter.expected == 9 && h.arbiter.missing == nil && h.gaps.isEmpty)
    }

    @Test func abandoningDeclaresTheHoleLostAndReleasesTheHeldPackets() {
        var h = Self.recovering()
        h.data(0, 1, at: 1); h.data(1, 1, at: 1)
        h.data(0, 3, at: 2); h.data(1, 3, at: 2)
        h.arbiter.recoversGaps = false
        h.recover { $0.abandon(tsRecv: 3, $1) }
        #expect(h.gaps == [2...2] && h.delivered == [1, 3] && h.arbiter.missing == nil)
        h.data(0, 5, at: 4); h.data(1, 5, at: 4)  // not holding any more: an ordinary gap
        #expect(h.gaps == [2...2, 4...4] && h.delivered == [1, 3, 5])
    }

    @Test func withAFirstNumberALateJoinIsAHoleFromThatNumber() {
        var h = Self.recovering(firstNumber: 1)
        h.data(0, 40, at: 1); h.data(1, 40, at: 1); h.data(0, 41, at: 2)
        #expect(h.delivered.isEmpty && h.arbiter.missing == 1...39)
        h.recover { $0.resume(after: 40, tsRecv: 3, $1) }
        #expect(h.delivered == [41])
        // A quiet join: a heartbeat showing PacketNo 7 means 1...7 happened before us.
        var q = Self.recovering(firstNumber: 1)
        q.heartbeat(0, passed: 7, at: 1)
        q.heartbeat(1, passed: 7, at: 1)
        #expect(q.arbiter.missing == 1...7)
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

    /// A copy a line delivers late (reordered on that line) takes back the mark its skip left.
    @Test func onlyThisLineFollowsReorderingWithinALine() {
        var h = Harness()
        // A lost 3; B reordered 2 and 3.
        let arrivals: [(line: Int, sequence: UInt64)] = [(0, 1), (1, 1), (0, 2), (1, 3), (1, 2), (0, 4), (1, 4), (0, 5), (1, 5)]
        for (t, a) in arrivals.enumerated() { h.data(a.line, a.sequence, at: UInt64(t)) }
        h.arbiter.finish(tsRecv: 1_000) { _ in }
        #expect(h.delivered == [1, 2, 3, 4, 5] && h.gaps.isEmpty)
        #expect(h.arbiter.lines.map(\.onlyThisLine) == [0, 1])  // 3, on B alone
    }

    /// A heartbeat passing numbers its line did not deliver counts them as missed by that line.
    @Test func aHeartbeatPastUndeliveredNumbersCountsThemMissed() {
        var h = Harness()
        for s: UInt64 in 1...6 { h.data(0, s, at: s * 10) }
        h.data(1, 1, at: 11); h.data(1, 2, at: 21)
        h.heartbeat(1, passed: 5, at: 55)   // B lost 3...5
        h.data(1, 4, at: 56)                // then its copy of 4 arrives after all
        h.data(1, 6, at: 61)
        h.arbiter.finish(tsRecv: 1_000) { _ in }
        #expect(h.arbiter.lines.map(\.onlyThisLine) == [2, 0])  // 3 and 5
    }

    /// An outage of both lines longer than the attribution window: the numbers lost on both lines
    /// (a gap) count for neither line, however far the lines skip while the hole is still open.
    /// (Also across 3 billion numbers: the far ranges are attributed in segments, not number by
    /// number, so this takes no time.)
    @Test(arguments: [200_000, 3_000_000_000] as [UInt64])
    func anOutageOfBothLinesLongerThanTheWindowCountsForNoLine(resume: UInt64) {
        var h = Harness(lines: 2, .init(holdTimeoutNs: 1_000, startupGraceNs: 0))
        for s: UInt64 in 1...10 { h.data(0, s, at: s); h.data(1, s, at: s) }
        for s in resume...(resume + 10) where s != resume + 5 { h.data(0, s, at: 100 + s - resume) }  // A lost one
        for s in resume...(resume + 10) { h.data(1, s, at: 100 + s - resume) }
        h.data(0, 13, at: 10_000)  // a stray late copy inside the hole: A delivered 13 after all
        h.arbiter.finish(tsRecv: 20_000) { _ in }
        #expect(h.gaps == [11...(resume - 1)])
        #expect(h.arbiter.lines.map(\.onlyThisLine) == [0, 1])  // resume + 5 on B; nothing of the gap
        var lone = Harness(lines: 2, .init(holdTimeoutNs: 1_000, startupGraceNs: 0))
        for s: UInt64 in 1...10 { lone.data(0, s, at: s); lone.data(1, s, at: s) }
        for s in resume...(resume + 10) { lone.data(0, s, at: 100 + s - resume) }  // B never comes back
        lone.arbiter.finish(tsRecv: 20_000) { _ in }
        #expect(lone.arbiter.lines.map(\.onlyThisLine) == [11, 0])
    }

    /// Exact over several turns of the attribution window, where runs both lines delivered are
    /// cleared a word (8 numbers) at a time and the rest one by one.
    @Test func onlyThisLineIsExactOverManyWindows() {
        var arbiter = SequenceArbiter(lineCount: 2, configuration: .init(startupGraceNs: 0))
        var expected = [0, 0]
        let payload: [UInt8] = [0]
        payload.withUnsafeBytes { raw in
            for s: UInt64 in 1...300_000 {
                // Sparse single losses, and bursts where A loses every third number.
                let lostOnA = s % 1_009 == 0 || ((s / 5_000) % 7 == 3 && s % 3 == 0)
                let lostOnB = !lostOnA && (s % 997 == 0 || s % 65_536 < 12)
                if lostOnA { expected[1] += 1 }
                if lostOnB { expected[0] += 1 }
                if !lostOnA { arbiter.receive(raw, line: 0, sequence: s, count: 1, tsRecv: s * 10) { _ in } }
                if !lostOnB { arbiter.receive(raw, line: 1, sequence: s, count: 1, tsRecv: s * 10 + 1) { _ in } }
            }
            arbiter.finish(tsRecv: 3_000_010) { _ in }
        }
        #expect(arbiter.gaps == 0)
        #expect(arbiter.lines.map(\.onlyThisLine) == expected)
    }

    @Test func latestTsRecvIsTheLatestOfAnyLineDuplicatesIncluded() {
        var h = Harness()
        #expect(h.arbiter.latestTsRecv == 0)
        h.data(0, 1, at: 100)
        h.data(1, 1, at: 250)  // a duplicate, later than anything delivered
        h.data(0, 2, at: 200)
        #expect(h.arbiter.latestTsRecv == 250)
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
