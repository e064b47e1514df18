public import TickFormat

/// In-stream notices as DBN `SystemMsg` records (DESIGN.md: gaps, recoveries and stale/clean
/// transitions are reported in-stream so a subscriber or an archive knows when data may be missing).
///
/// Text is `<event> key=value ...`, readable and easy to parse:
/// - `gap feed=incremental from=1001 to=1003 lost=3`
/// - `stale instrument=910001 symbol=GH1H7 reason=rptseq_jump`
/// - `clean instrument=910001 symbol=GH1H7 via=snapshot seq=1042`
/// - `reset feed=incremental reason=channel_reset`
///
/// Decision (the DBN spec says publisher_id and instrument_id are 0 "by convention"): ComputeFeed
/// sets publisher_id to the venue's and instrument_id to the instrument concerned (0 for a whole
/// feed), so consumers can filter notices like any other record. `ts_event` is the `ts_recv` of the
/// datagram that revealed the event (SystemMsg has no ts_recv), which keeps the stream ordered.
public enum SystemEvents {
    public static func make(publisherID: UInt16, instrumentID: UInt32 = 0, tsRecv: UInt64, _ text: String) -> SystemMsg {
        let clipped = String(text.utf8.prefix(302)) ?? ""
        let message = (try? CString<303>(validating: clipped)) ?? CString<303>()
        return SystemMsg(publisherID: publisherID, instrumentID: instrumentID, tsEvent: tsRecv, msg: message, code: .unset)
    }
}
