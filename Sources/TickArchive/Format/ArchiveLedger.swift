public import TickFormat

/// What an archive file says about its own contents beyond the index: symbols, trading dates,
/// gaps and stale periods. The writer keeps it while writing; a scan of a file without a footer
/// rebuilds the same ledger from the records, so `repair` writes the footer the writer would have.
///
/// It reads ComputeFeed's in-stream notices (`FeedEngine.SystemEvents`): `gap ... lost=N`,
/// `stale instrument=...`, `clean instrument=...`, and the writer's own `archive_gap lost=N`.
public struct ArchiveLedger: Sendable, Equatable {
    public var symbols: [UInt32: String] = [:]
    /// `YYYYMMDD` of every statistics `ts_ref` (the exchange's trading date).
    public var tradingDates: Set<UInt32> = []
    public var gaps: [ArchiveGap] = []
    public var closedStalePeriods: [StalePeriod] = []
    /// Instruments stale now, with when they became stale.
    public var openStale: [UInt32: UInt64] = [:]

    public init() {}

    /// Every stale period, those still open ending at `undefTimestamp`.
    public var allStalePeriods: [StalePeriod] {
        closedStalePeriods + openStale.sorted { $0.key < $1.key }.map { StalePeriod(instrumentID: $0.key, start: $0.value, end: undefTimestamp) }
    }

    /// Observes one record (only definitions, statistics and notices change the ledger).
    @inlinable public mutating func observe(_ record: RecordView) {
        switch record.rtype {
        case .instrumentDef, .statistics, .system: observeRare(record)
        default: break
        }
    }

    @usableFromInline mutating func observeRare(_ record: RecordView) {
        if let def = record.as(InstrumentDefMsg.self) {
            symbols[def.instrumentID] = def.rawSymbol.string
        } else if let stat = record.as(StatMsg.self) {
            if stat.tsRef != undefTimestamp {
                let d = Timestamps.civilDate(daysSinceEpoch: Int64(stat.tsRef / 86_400_000_000_000))
                tradingDates.insert(UInt32(d.year * 10_000 + d.month * 100 + d.day))
            }
        } else if let notice = record.as(SystemMsg.self) {
            let text = notice.msg.string
            let ts = record.indexTimestamp
            let id = record.instrumentID
            if text.hasPrefix("gap ") {
                gaps.append(ArchiveGap(tsRecv: ts, lost: Self.value("lost", in: text) ?? 0, kind: .feed))
            } else if text.hasPrefix("archive_gap ") {
                gaps.append(ArchiveGap(tsRecv: ts, lost: Self.value("lost", in: text) ?? 0, kind: .archive))
            } else if text.hasPrefix("stale "), id != 0 {
                if openStale[id] == nil { openStale[id] = ts }
            } else if text.hasPrefix("clean "), id != 0, let start = openStale.removeValue(forKey: id) {
                closedStalePeriods.append(StalePeriod(instrumentID: id, start: start, end: ts))
            }
        }
    }

    static func value(_ key: String, in text: String) -> UInt64? {
        for field in text.split(separator: " ") where field.hasPrefix(key + "=") {
            return UInt64(field.dropFirst(key.count + 1))
        }
        return nil
    }
}
