import FeedEngine
import TickFormat

/// Definitions, staleness and snapshot recovery (specs/cme-mdp3.md §9.2–9.5).
extension CMEChannelHandler {
    // MARK: - Definitions

    /// Instrument Recovery feed: collect the loop's definitions until every one has been seen,
    /// then leave the feed (mid-week changes come on the incremental feed).
    func processDefinitionPacket(_ packet: MDP3PacketView, tsRecv: UInt64) {
        guard !definitionLoopComplete else { return }
        guard case .accepted = definitionLoop.accept(packet.msgSeqNum) else { return }
        stats.definitionPackets += 1
        let saved = (currentTsRecv, currentSeq)
        currentTsRecv = tsRecv
        packet.forEachMessage { m in
            guard MDP3PacketView.isUsable(m) == .definition else { return }
            let definition = MDP3Message.decodeDefinition(m)
            definitionLoopSecurityIDs.insert(definition.securityID)
            applyDefinition(definition, tsRecv: tsRecv)
            if definition.totNumReports != MDP3.nullUInt32, definitionLoopSecurityIDs.count >= Int(definition.totNumReports) {
                definitionLoopComplete = true
            }
        }
        (currentTsRecv, currentSeq) = saved
    }

    /// Adds, modifies or deletes an instrument (SecurityUpdateAction A / M / D).
    func applyDefinition(_ definition: Definition54, tsRecv: UInt64) {
        let securityID = definition.securityID
        let wasOpen = eventOpen
        defer { releaseIfNoEventOpen(wasOpen: wasOpen) }
        if definition.securityUpdateAction == UInt8(ascii: "D") {
            guard let slot = table.activeSlot(of: securityID) else { return }
            setActive(slot, false)
            var deleted = definitions[slot]
            deleted.securityUpdateAction = UInt8(ascii: "D")
            deleted.tsRecv = tsRecv
            if schemas.contains(.definition) { stager.stage(deleted, slot: slot) }
            checkRecoveryComplete(tsRecv: tsRecv)
            return
        }
        let record = CMEMapping.definition(definition, tsRecv: tsRecv)
        if let slot = table.activeSlot(of: securityID) {
            // Known: publish only a real change (the loop repeats every definition).
            var old = definitions[slot]
            old.tsRecv = record.tsRecv
            old.securityUpdateAction = record.securityUpdateAction
            guard old != record else { return }
            definitions[slot] = record
            if schemas.contains(.definition) { stager.stage(record, slot: slot) }
            return
        }
        var instrument = CMEInstrument(definition: definition)
        let slot: Int
        if let reused = table.slot(of: securityID) {
            slot = reused
            instruments[slot] = instrument
            definitions[slot] = record
            statistics[slot] = CMEStatistics()
            setActive(slot, true)
        } else {
            slot = instruments.count
            instruments.append(instrument)
            definitions.append(record)
            statistics.append(CMEStatistics())
            table.insert(securityID, slot: slot)
        }
        if schemas.contains(.definition) { stager.stage(record, slot: slot) }
        // Its RptSeq baseline is known only if the feed starts fresh and none of its entries was skipped.
        if freshStart == nil || (freshStart == true && !skippedSecurityIDs.contains(securityID)) {
            instrument.baselineKnown = true
            instruments[slot].baselineKnown = true
        } else {
            markStale(slot, reason: .definedLate)
        }
    }

    // MARK: - Staleness

    /// Why an instrument stopped being trusted: the `reason=` of its stale notice. An enum, not a
    /// string, so the hot path that may call `markStale` builds no string constant per packet.
    enum StaleReason: String {
        case rptSeqJump = "rptseq_jump"
        case bookInconsistent = "book_inconsistent"
        case definedLate = "defined_late"
        case lateJoin = "late_join"
    }

    func markStale(_ slot: Int, reason: StaleReason) {
        guard !instruments[slot].isStale else { return }
        instruments[slot].isStale = true
        instruments[slot].isUnverified = false
        stats.staleTransitions += 1
        notice(tsRecv: currentTsRecv, instrumentID: UInt32(bitPattern: instruments[slot].securityID),
               "stale instrument=\(instruments[slot].securityID) symbol=\(instruments[slot].symbol) reason=\(reason.rawValue)")
        if !isRecovering {
            // An instrument-level gap: recover that instrument only, from the packet being processed.
            isRecovering = true
            queueStartSeq = UInt64(currentSeq)
            snapshotLoop.reset()
            seenInSnapshotCycle.removeAll()
        }
        enqueueCurrent()  // the packet being processed, if any
    }

    func proveContinuity(_ slot: Int) {
        instruments[slot].isUnverified = false
        checkRecoveryComplete(tsRecv: currentTsRecv)
    }

    /// A packet gap or a late join: from packet `fromSequence` on, incrementals are queued and the
    /// snapshot loop is joined. After a gap every instrument not already stale is unverified; on a
    /// late join every instrument is stale.
    func startRecovery(fromSequence: UInt64, tsRecv: UInt64, lateJoin: Bool) {
        for packet in recoveryQueue { packetStore.recycle(packet) }
        recoveryQueue.removeAll(keepingCapacity: true)
        queueStartSeq = fromSequence
        isRecovering = true
        snapshotLoop.reset()
        seenInSnapshotCycle.removeAll()
        let saved = currentTsRecv
        currentTsRecv = tsRecv
        for slot in instruments.indices where isActive(slot) {
            if lateJoin {
                instruments[slot].baselineKnown = false
                markStale(slot, reason: .lateJoin)
            } else if !instruments[slot].isStale {
                instruments[slot].isUnverified = true
            }
        }
        currentTsRecv = saved
        if instruments.indices.allSatisfy({ !isActive($0) }) { return }
        notice(tsRecv: tsRecv, "recovery feed=snapshot reason=\(lateJoin ? "late_join" : "gap") from=\(fromSequence)")
    }

    func checkRecoveryComplete(tsRecv: UInt64) {
        guard isRecovering else { return }
        for slot in instruments.indices where isActive(slot) && (instruments[slot].isStale || instruments[slot].isUnverified) {
            return
        }
        stats.recoveries += 1
        endRecovery()
        notice(tsRecv: tsRecv, "recovered feed=incremental")
    }

    /// Leaves the snapshot feed and drops the queue.
    func endRecovery() {
        isRecovering = false
        for packet in recoveryQueue { packetStore.recycle(packet) }
        recoveryQueue.removeAll(keepingCapacity: true)
    }

    // MARK: - Snapshot loop

    func processSnapshotPacket(_ packet: MDP3PacketView, tsRecv: UInt64) {
        guard case .accepted(let closed) = snapshotLoop.accept(packet.msgSeqNum) else { return }
        if let closed, closed.complete { applyAbsentFromLoop(tsRecv: tsRecv) }
        if closed != nil { seenInSnapshotCycle.removeAll() }
        stats.snapshotPacketsUsed += 1
        packet.forEachMessage { m in
            switch MDP3Message.decode(m) {
            case .snapshot(let snapshot)?: applySnapshot(snapshot, tsRecv: tsRecv)
            case .snapshotOrderBook(let orders)?: publishOrderSnapshot(orders, tsRecv: tsRecv)
            default: break
            }
        }
    }

    /// SnapshotFullRefreshOrderBook53 → MBO records for an instrument being recovered: a clear
    /// (`R`) with the first chunk, then one `A` per order, all F_SNAPSHOT. MBO has no RptSeq, so the
    /// MBO stream of such an instrument restarts from the snapshot (§9.2 rule 4).
    func publishOrderSnapshot(_ snapshot: SnapshotOrderBook53, tsRecv: UInt64) {
        guard schemas.contains(.mbo), let slot = table.activeSlot(of: snapshot.securityID),
              instruments[slot].isStale || instruments[slot].isUnverified else { return }
        let wasOpen = eventOpen
        let id = UInt32(bitPattern: snapshot.securityID)
        if snapshot.currentChunk <= 1 {
            stage(MboMsg(publisherID: publisherID, instrumentID: id, tsEvent: snapshot.transactTime, orderID: 0,
                         price: undefPrice, size: 0, flags: .snapshot, channelID: 0, action: .clear, side: .none,
                         tsRecv: tsRecv, sequence: snapshot.lastMsgSeqNumProcessed), slot: slot)
        }
        for order in snapshot.entries {
            stage(MboMsg(publisherID: publisherID, instrumentID: id, tsEvent: snapshot.transactTime, orderID: order.orderID,
                         price: order.price, size: UInt32(clamping: max(0, order.displayQty)), flags: .snapshot,
                         channelID: 0, action: .add, side: CMEMapping.side(entryType: order.entryType), tsRecv: tsRecv,
                         sequence: snapshot.lastMsgSeqNumProcessed), slot: slot)
        }
        releaseIfNoEventOpen(wasOpen: wasOpen)
    }

    /// §9.3 step 4–5 for one instrument.
    func applySnapshot(_ snapshot: Snapshot52, tsRecv: UInt64) {
        guard let slot = table.activeSlot(of: snapshot.securityID) else { return }
        seenInSnapshotCycle.insert(slot)
        let live = instruments[slot]
        guard live.isStale || live.isUnverified else { return }
        let sync = UInt64(snapshot.lastMsgSeqNumProcessed)
        // The packets after the snapshot point must all be in the queue (or not have happened yet).
        guard sync + 1 >= queueStartSeq else { return }

        var candidate = live
        candidate.clearBooks()
        var candidateStats = CMEStatistics()
        load(snapshot, into: &candidate, statistics: &candidateStats)
        candidate.lastRptSeq = snapshot.rptSeq
        candidate.baselineKnown = true
        candidate.lastTransactTime = snapshot.transactTime
        for packet in recoveryQueue where packet.sequence > sync {
            let continuous = packet.bytes.withUnsafeBytes { replay($0, into: &candidate, statistics: &candidateStats, slot: slot) }
            guard continuous else { return }  // wait for the next loop
        }
        let changed = candidate.book != live.book || candidate.implied != live.implied
        candidate.isStale = false
        candidate.isUnverified = false
        instruments[slot] = candidate
        let statisticsBefore = statistics[slot]
        statistics[slot] = candidateStats
        stats.instrumentRecoveries += 1

        let wasOpen = eventOpen
        let savedTs = currentTsRecv
        currentTsRecv = tsRecv
        notice(tsRecv: tsRecv, instrumentID: UInt32(bitPattern: snapshot.securityID),
               "clean instrument=\(snapshot.securityID) symbol=\(candidate.symbol) via=snapshot seq=\(sync)")
        if live.isStale || changed {
            publishSnapshot(slot: slot, tsEvent: candidate.lastTransactTime, sequence: snapshot.lastMsgSeqNumProcessed)
        }
        publishChangedStatistics(slot: slot, before: statisticsBefore, tsEvent: snapshot.transactTime)
        if let status = candidate.status, status != live.status, schemas.contains(.status) {
            var republished = status
            republished.tsRecv = tsRecv
            stager.stage(republished, slot: slot)
        }
        releaseIfNoEventOpen(wasOpen: wasOpen)
        currentTsRecv = savedTs
        checkRecoveryComplete(tsRecv: tsRecv)
    }

    /// A snapshot's entries into an emptied instrument.
    func load(_ snapshot: Snapshot52, into inst: inout CMEInstrument, statistics: inout CMEStatistics) {
        for e in snapshot.entries {
            let level = PriceLevel(price: e.price, size: UInt32(clamping: quantity(e.size)),
                                   orders: UInt32(clamping: quantity(e.numberOfOrders)))
            let position = Int(e.priceLevel)
            switch e.entryType {
            case MDEntryType.bid: inst.book.bids.set(level, at: position)
            case MDEntryType.offer: inst.book.asks.set(level, at: position)
            case MDEntryType.impliedBid: inst.implied.bids.set(level, at: position)
            case MDEntryType.impliedOffer: inst.implied.asks.set(level, at: position)
            case MDEntryType.openPrice:
                let type: StatType = e.openCloseSettlFlag == 5 ? .indicativeOpeningPrice : .openingPrice
                statistics[type.rawValue] = .init(price: e.price, quantity: e.openCloseSettlFlag == 5 ? quantity64(e.size) : undefStatQuantity)
            case MDEntryType.sessionHigh: statistics[StatType.tradingSessionHighPrice.rawValue] = .init(price: e.price, quantity: undefStatQuantity)
            case MDEntryType.sessionLow: statistics[StatType.tradingSessionLowPrice.rawValue] = .init(price: e.price, quantity: undefStatQuantity)
            case MDEntryType.vwap: statistics[StatType.vwap.rawValue] = .init(price: e.price, quantity: undefStatQuantity)
            case MDEntryType.sessionHighBid: statistics[StatType.highestBid.rawValue] = .init(price: e.price, quantity: undefStatQuantity)
            case MDEntryType.sessionLowOffer: statistics[StatType.lowestOffer.rawValue] = .init(price: e.price, quantity: undefStatQuantity)
            case MDEntryType.settlementPrice: statistics[StatType.settlementPrice.rawValue] = .init(price: e.price, quantity: undefStatQuantity)
            case MDEntryType.clearedVolume: statistics[StatType.clearedVolume.rawValue] = .init(price: undefPrice, quantity: quantity64(e.size))
            case MDEntryType.openInterest: statistics[StatType.openInterest.rawValue] = .init(price: undefPrice, quantity: quantity64(e.size))
            case MDEntryType.fixingPrice: statistics[StatType.fixingPrice.rawValue] = .init(price: e.price, quantity: undefStatQuantity)
            case MDEntryType.electronicVolume:
                statistics[CMEMapping.electronicVolumeStat.rawValue] = .init(price: undefPrice, quantity: quantity64(e.size))
            default: break
            }
        }
        if snapshot.tradingStatus != MDP3.nullUInt8 {
            let (action, trading, quoting) = CMEMapping.statusAction(snapshot.tradingStatus)
            inst.status = StatusMsg(publisherID: publisherID, instrumentID: UInt32(bitPattern: inst.securityID),
                                    tsEvent: snapshot.transactTime, tsRecv: currentTsRecv, action: action,
                                    reason: .recoveryInProcess, isTrading: trading, isQuoting: quoting)
        }
    }

    /// Applies `inst`'s entries of one queued packet silently; false when its RptSeq jumps.
    func replay(_ payload: UnsafeRawBufferPointer, into inst: inout CMEInstrument, statistics: inout CMEStatistics,
                slot: Int) -> Bool {
        var continuous = true
        let id = inst.securityID
        func admitReplay(_ rpt: UInt32) -> Bool {
            if rpt <= inst.lastRptSeq { return false }
            if rpt != inst.lastRptSeq &+ 1 { continuous = false; return false }
            inst.lastRptSeq = rpt
            return true
        }
        MDP3PacketView(unchecked: payload).forEachMessage { m in
            guard continuous, let template = MDP3PacketView.isUsable(m) else { return }
            switch template {
            case .book:
                let g = m.firstGroup
                for i in 0..<g.count where continuous && g[i].i32(12) == id && admitReplay(g[i].u32(16)) {
                    _ = withUnsafeMutablePointer(to: &inst) { applyBookEntry($0, slot: slot, g[i], transactTime: m.transactTime, emit: false) }
                }
            case .tradeSummary:
                let g = m.firstGroup
                for i in 0..<g.count where continuous && g[i].i32(12) == id { _ = admitReplay(g[i].u32(16)) }
            case .volume:
                let g = m.firstGroup
                for i in 0..<g.count where continuous && g[i].i32(4) == id && admitReplay(g[i].u32(8)) {
                    statistics[CMEMapping.electronicVolumeStat.rawValue] = .init(price: undefPrice, quantity: quantity64(g[i].i32(0)))
                }
            case .sessionStatistics:
                let g = m.firstGroup
                for i in 0..<g.count where continuous && g[i].i32(8) == id && admitReplay(g[i].u32(12)) {
                    applySessionStatistic(&statistics, securityID: id, slot: slot, g[i], transactTime: m.transactTime, emit: false)
                }
            case .dailyStatistics:
                let g = m.firstGroup
                for i in 0..<g.count where continuous && g[i].i32(12) == id && admitReplay(g[i].u32(16)) {
                    applyDailyStatistic(&statistics, securityID: id, slot: slot, g[i], transactTime: m.transactTime, emit: false)
                }
            default:
                break
            }
        }
        return continuous
    }

    /// §9.3 step 6: after a complete loop, an instrument that needed a refresh and was not in it
    /// has an empty book; its next RptSeq becomes the new baseline.
    func applyAbsentFromLoop(tsRecv: UInt64) {
        for slot in instruments.indices where isActive(slot) && !seenInSnapshotCycle.contains(slot)
            && (instruments[slot].isStale || instruments[slot].isUnverified)
        {
            let wasStale = instruments[slot].isStale
            instruments[slot].clearBooks()
            statistics[slot].removeAll()
            instruments[slot].baselineKnown = false
            instruments[slot].isStale = false
            instruments[slot].isUnverified = false
            let wasOpen = eventOpen
            notice(tsRecv: tsRecv, instrumentID: UInt32(bitPattern: instruments[slot].securityID),
                   "clean instrument=\(instruments[slot].securityID) symbol=\(instruments[slot].symbol) via=absent_from_loop")
            if wasStale { publishSnapshot(slot: slot, tsEvent: tsRecv, sequence: 0) }
            releaseIfNoEventOpen(wasOpen: wasOpen)
        }
        checkRecoveryComplete(tsRecv: tsRecv)
    }

    /// Publishes every instrument's current book as a snapshot (`R`, then the levels, F_SNAPSHOT;
    /// stale ones also F_MAYBE_BAD_BOOK) between `snapshot begin` and `snapshot end` notices: what
    /// a subscriber that joins a running feed needs first.
    public func publishSnapshots(tsRecv: UInt64) {
        let wasOpen = eventOpen
        let saved = currentTsRecv
        currentTsRecv = max(tsRecv, latestTsRecv)
        stager.stage(SystemEvents.make(publisherID: publisherID, tsRecv: currentTsRecv, "snapshot begin reason=subscriber"), slot: 0)
        for slot in instruments.indices where isActive(slot) {
            // The definitions first: a late subscriber missed them, and its symbol filter needs them.
            if schemas.contains(.definition) {
                var definition = definitions[slot]
                definition.tsRecv = currentTsRecv
                stager.stage(definition, slot: slot)
            }
            publishSnapshot(slot: slot, tsEvent: instruments[slot].lastTransactTime, sequence: currentSeq)
        }
        stager.stage(SystemEvents.make(publisherID: publisherID, tsRecv: currentTsRecv, "snapshot end"), slot: 0)
        releaseIfNoEventOpen(wasOpen: wasOpen)
        currentTsRecv = saved
    }

    /// Publishes an instrument's book as a snapshot: `R`, then each level, flagged F_SNAPSHOT
    /// (the last record gets F_LAST when the stager is flushed).
    func publishSnapshot(slot: Int, tsEvent: UInt64, sequence: UInt32) {
        let inst = instruments[slot]
        let snapshotFlags: RecordFlags = inst.isStale ? [.snapshot, .maybeBadBook] : .snapshot
        emitClear(inst, slot: slot, tsEvent: tsEvent, flags: snapshotFlags, sequence: sequence)
        guard schemas.contains(.mbp10) || schemas.contains(.mbp1) else { return }
        var partial = LevelBook(depth: inst.book.depth)
        let id = UInt32(bitPattern: inst.securityID)
        for (isBid, side) in [(true, inst.book.bids), (false, inst.book.asks)] {
            for i in 0..<side.count {
                let level = side[i]
                let topBefore = partial.pair(0)
                if isBid { partial.bids.insert(level, at: i + 1) } else { partial.asks.insert(level, at: i + 1) }
                let event = BookEvent(price: level.price, size: level.size, action: .add, side: isBid ? .bid : .ask,
                                      flags: snapshotFlags, depth: UInt8(i), tsRecv: currentTsRecv, tsInDelta: 0,
                                      sequence: sequence)
                if schemas.contains(.mbp10) {
                    stage(Mbp10Msg(publisherID: publisherID, instrumentID: id, tsEvent: tsEvent, event: event,
                                   levels: partial.pairs), slot: slot)
                }
                if schemas.contains(.mbp1), partial.pair(0) != topBefore {
                    stage(Mbp1Msg(publisherID: publisherID, instrumentID: id, tsEvent: tsEvent, event: event,
                                  level: partial.pair(0)), slot: slot)
                }
            }
        }
    }

    /// After a recovery, the statistics whose value the snapshot changed.
    func publishChangedStatistics(slot: Int, before: CMEStatistics, tsEvent: UInt64) {
        guard schemas.contains(.statistics) else { return }
        let inst = instruments[slot]
        for (type, value) in statistics[slot].entries where before[type] != value {
            stager.stage(StatMsg(publisherID: publisherID, instrumentID: UInt32(bitPattern: inst.securityID),
                                 tsEvent: tsEvent, tsRecv: currentTsRecv, price: value.price, quantity: value.quantity,
                                 sequence: 0, statType: StatType(rawValue: type), channelID: 0), slot: slot)
        }
    }
}
