import FeedEngine
import TickFormat

/// MDQP recovery (specs/shfe-mirp.md §10; the policy is in `SHFEChannelHandler`'s notes).
extension SHFEChannelHandler {
    /// Takes a finished MDQP answer and starts the next request the state calls for. Cheap when
    /// there is nothing to do: an atomic load and two checks.
    @inline(__always)
    func driveRecovery(now: UInt64) {
        guard let agent = recovery else { return }
        if agent.hasOutcome, let (request, outcome) = agent.take() {
            lastTsRecv = max(lastTsRecv, now)
            complete(request, outcome)
        }
        guard !agent.isBusy else { return }
        if arbiter.missing == nil && staleCount == 0 && arbiter.recoversGaps { return }
        startRecovery(agent, now: now)
    }

    /// Capture replay freezes its clock while the server answers: waits for the request in flight
    /// (and the ones it leads to), so a replay gives the same records at any speed. Bounded by the
    /// client's timeouts.
    public func settleRecovery() {
        guard let agent = recovery else { return }
        let limit = Int(agent.configuration.responseTimeoutMs) + Int(agent.configuration.connectTimeoutMs) + 1_000
        var rounds = 0
        while agent.isBusy, rounds < 64 {
            guard agent.waitForOutcome(timeoutMs: limit) else { break }  // the agent is past its own timeouts: leave it
            driveRecovery(now: lastTsRecv)
            rounds += 1
        }
        if !stager.isEmpty { stager.flush(into: &sink, eventEnded: true) }
    }

    private func startRecovery(_ agent: MDQPRecoveryAgent, now: UInt64) {
        if !arbiter.recoversGaps {
            guard now >= recoveryState.retryAfterNs else { return }
            arbiter.recoversGaps = true  // the back-off is over: holes wait for the server again
        }
        if let hole = arbiter.missing {
            let stuck = recoveryState.stuckAt == hole.lowerBound && recoveryState.stuckAttempts >= 2
            if !started || hole.count > configuration.maxRetransmission || stuck {
                submit(.snapshot, to: agent, because: !started ? "late_join" : stuck ? "retransmission_incomplete" : "gap_too_large")
            } else {
                guard hole.upperBound <= UInt64(Int32.max) else { return submit(.snapshot, to: agent, because: "gap_too_large") }
                submit(.retransmission(from: Int32(hole.lowerBound), to: Int32(hole.upperBound)), to: agent, because: "gap")
            }
        } else if staleCount > 0, now >= recoveryState.retryAfterNs {
            submit(.snapshot, to: agent, because: "stale")
        }
    }

    private func submit(_ request: MDQPRecoveryAgent.Request, to agent: MDQPRecoveryAgent, because reason: String) {
        guard agent.submit(request) else { return }
        recoveryState.requestEpoch = recoveryState.epoch
        switch request {
        case .snapshot:
            stats.snapshotRequests += 1
            notice(tsRecv: lastTsRecv, "recovery feed=mirp request=snapshot reason=\(reason)")
        case .retransmission(let from, let to):
            stats.retransmissionRequests += 1
            notice(tsRecv: lastTsRecv, "recovery feed=mirp request=retransmission from=\(from) to=\(to)")
        }
    }

    private func complete(_ request: MDQPRecoveryAgent.Request, _ outcome: MDQPRecoveryAgent.Outcome) {
        guard recoveryState.requestEpoch == recoveryState.epoch else { return }  // asked in an older session
        switch outcome {
        case .failed(let why):
            stats.recoveryFailures[why.kind, default: 0] += 1
            stats.lastRecoveryFailure = "\(request) failed: \(why)"
            notice(tsRecv: lastTsRecv, "recovery feed=mirp request=\(request.kind) failed=\(why.kind)")
            if case .retransmission = request, let agent = recovery {
                submit(.snapshot, to: agent, because: "retransmission_failed")
            } else {
                giveUp()
            }
        case .packets(let packets):
            guard case .retransmission(let from, let to) = request else { return }
            applyRetransmission(packets, from: UInt64(from), to: UInt64(to))
        case .snapshot(let snapshot):
            applySnapshot(snapshot)
        }
    }

    /// The server cannot help now: the hole is declared lost (books go stale as without a server),
    /// holes are not held until the next try, which waits longer after each failure.
    private func giveUp() {
        arbiter.recoversGaps = false
        arbiter.abandon(tsRecv: lastTsRecv) { handle($0) }
        recoveryState.retryAfterNs = lastTsRecv &+ recoveryState.nextDelayNs
        notice(tsRecv: lastTsRecv, "recovery feed=mirp state=unavailable retry_in_ms=\(recoveryState.nextDelayNs / 1_000_000)")
        recoveryState.nextDelayNs = min(recoveryState.nextDelayNs * 2, configuration.maxRetryDelayNs)
        if !stager.isEmpty { stager.flush(into: &sink, eventEnded: true) }
    }

    private func applyRetransmission(_ packets: [[UInt8]], from: UInt64, to: UInt64) {
        let before = arbiter.expected ?? 0
        for packet in packets {
            packet.withUnsafeBytes { bytes in
                guard case .success(let view) = MIRPPacketView.validate(bytes), !view.header.isHeartbeat,
                      view.header.topicID == reference.topicID, view.header.commPhaseNo == session else {
                    stats.badRetransmittedPackets += 1
                    return
                }
                stats.packetsRetransmitted += 1
                arbiter.fill(bytes, sequence: UInt64(UInt32(bitPattern: view.header.packetNo)), count: 1, tsRecv: lastTsRecv) { handle($0) }
            }
        }
        let after = arbiter.expected ?? 0
        if after > to {
            stats.retransmissionRecoveries += 1
            recoveryState.stuckAttempts = 0
            notice(tsRecv: lastTsRecv, "recovered feed=mirp from=\(from) to=\(to) via=retransmission")
        } else if after == before {
            recoveryState.stuckAttempts = recoveryState.stuckAt == before ? recoveryState.stuckAttempts + 1 : 1
            recoveryState.stuckAt = before
        }
        if !stager.isEmpty { stager.flush(into: &sink, eventEnded: true) }
    }

    /// §10.1 step 4 / §10.3: every listed instrument's state replaced, the books re-published as
    /// snapshots, the sequence continued after the snapshot's 0x1004.
    private func applySnapshot(_ snapshot: MDQPSnapshot) {
        let last = UInt64(max(snapshot.lastIncludedPacket, 0))
        if started, let next = arbiter.expected, last + 1 < next {
            stats.snapshotsBehind += 1
            return giveUp()
        }
        if !stager.isEmpty { stager.flush(into: &sink, eventEnded: false) }
        tsRecv = lastTsRecv
        packetNo = UInt32(truncatingIfNeeded: last)
        let skippedFrom = arbiter.expected ?? 1
        if last >= skippedFrom {
            stats.packetsSkippedBySnapshots += last - skippedFrom + 1
            notice(tsRecv: lastTsRecv, "gap feed=mirp from=\(skippedFrom) to=\(last) lost=\(last - skippedFrom + 1) via=snapshot")
        }
        started = true
        if let change = snapshot.centreChangeNo { centre = change }
        for entry in snapshot.instruments {
            guard let slot = slotIndex(of: Int64(entry.instrumentNo)) else {
                stats.unknownInstrumentGroups += 1
                continue
            }
            load(entry, slot: slot, packet: last)
        }
        stats.snapshotsApplied += 1
        recoveryState.nextDelayNs = configuration.retryDelayNs
        recoveryState.retryAfterNs = 0
        recoveryState.stuckAttempts = 0
        notice(tsRecv: lastTsRecv, "recovered feed=mirp via=snapshot packet=\(last)")
        stager.flush(into: &sink, eventEnded: true)
        arbiter.recoversGaps = true
        arbiter.resume(after: last, tsRecv: lastTsRecv) { handle($0) }
        if !stager.isEmpty { stager.flush(into: &sink, eventEnded: true) }
    }

    /// One instrument from a snapshot group.
    private func load(_ entry: MDQPSnapshot.Instrument, slot: Int, packet: UInt64) {
        let wasStale = instruments[slot].isStale
        var book = LevelBook(depth: 5)
        var valid = entry.bids.count <= 5 && entry.asks.count <= 5
        for (isBid, levels) in [(true, entry.bids), (false, entry.asks)] where valid {
            for (i, level) in levels.enumerated() {
                guard let price = fixedPrice(level.price, slot: slot), level.volume > 0 else { valid = false; break }
                let entry = PriceLevel(price: price, size: UInt32(level.volume), orders: 0)
                if isBid { book.bids.insert(entry, at: i + 1) } else { book.asks.insert(entry, at: i + 1) }
            }
        }
        instruments[slot].book = book
        if let m = entry.market {
            instruments[slot].changeNo = Int64(m.changeNo)
            instruments[slot].snapshotChangeNo = Int64(m.changeNo)
            instruments[slot].volume = Int64(m.volume)
            if m.turnover.isFinite, abs(m.turnover) < 9e16 { instruments[slot].turnoverFen = Int64((m.turnover * 100).rounded()) }
            if m.openInterest.isFinite, abs(m.openInterest) < 9e18 { instruments[slot].openInterest = Int64(m.openInterest.rounded()) }
            instruments[slot].lastPrice = fixedPrice(m.lastPrice, slot: slot) ?? undefPrice
        }
        instruments[slot].isUnverified = false
        if valid && sideOrdered(slot, isBid: true) && sideOrdered(slot, isBid: false) {
            if wasStale {
                instruments[slot].isStale = false
                staleCount -= 1
                stats.instrumentsRecovered += 1
                notice(tsRecv: lastTsRecv, instrumentID: instruments[slot].instrumentID,
                       "clean instrument=\(instruments[slot].instrumentID) symbol=\(instruments[slot].symbol) via=snapshot packet=\(packet)")
            }
        } else {
            inconsistent(slot)
        }
        stager.stageBookSnapshot(publisherID: publisherID, instrumentID: instruments[slot].instrumentID, slot: slot + 1,
                                 bids: instruments[slot].book.bids.array, asks: instruments[slot].book.asks.array,
                                 flags: instruments[slot].isStale ? [.snapshot, .maybeBadBook] : .snapshot,
                                 tsRecv: lastTsRecv, sequence: UInt32(truncatingIfNeeded: packet), schemas: schemas)
    }

    /// An MDQP f64 price as exact fixed point: CodecPrice + the nearest whole number of ticks; nil
    /// when unset, not finite, or not on the tick grid.
    func fixedPrice(_ price: Double, slot: Int) -> Int64? {
        guard price.isFinite, price != MDQPMarketData.unset else { return nil }
        let codec = instruments[slot].codecFP, tick = instruments[slot].tickFP
        let ticks = ((price * 1e9 - Double(codec)) / Double(tick)).rounded()
        guard abs(ticks) < 1e12 else { return nil }
        let fixed = codec + Int64(ticks) * tick
        guard abs(Double(fixed) / 1e9 - price) <= Double(tick) / 1e9 * 1e-3 else { return nil }
        return fixed
    }
}

extension MDQPRecoveryAgent.Request {
    /// `snapshot` or `retransmission`, for notices.
    var kind: String {
        if case .snapshot = self { return "snapshot" }
        return "retransmission"
    }
}

extension SHFEChannelHandler {
    /// Every instrument's definition and book as snapshot records, between `snapshot begin` and
    /// `snapshot end` notices: what a subscriber that joins a running feed starts from.
    public func publishSnapshots(tsRecv ts: UInt64) {
        if !stager.isEmpty { stager.flush(into: &sink, eventEnded: false) }
        let now = max(ts, lastTsRecv)
        stager.stage(SystemEvents.make(publisherID: publisherID, tsRecv: now, "snapshot begin reason=subscriber"), slot: 0)
        let sequence = UInt32(truncatingIfNeeded: (arbiter.expected ?? 1) &- 1)
        for (i, m) in reference.instruments.enumerated() {
            if schemas.contains(.definition) { stager.stage(SHFEMapping.definition(m, topic: reference.topicID, tsRecv: now), slot: i + 1) }
            stager.stageBookSnapshot(publisherID: publisherID, instrumentID: instruments[i].instrumentID, slot: i + 1,
                                     bids: instruments[i].book.bids.array, asks: instruments[i].book.asks.array,
                                     flags: instruments[i].isStale ? [.snapshot, .maybeBadBook] : .snapshot, tsRecv: now,
                                     sequence: sequence, schemas: schemas)
        }
        stager.stage(SystemEvents.make(publisherID: publisherID, tsRecv: now, "snapshot end"), slot: 0)
        stager.flush(into: &sink, eventEnded: true)
    }
}
