import TickFormat

/// Instrument id → symbol, learned from the InstrumentDefMsg records that pass.
struct SymbolBook {
    var symbols: [UInt32: String] = [:]

    mutating func learn(_ record: RecordView) {
        if let def = record.as(InstrumentDefMsg.self) { symbols[def.instrumentID] = def.rawSymbol.string }
    }

    func symbol(_ id: UInt32) -> String { symbols[id] ?? (id == 0 ? "" : String(id)) }
}

/// The text, CSV and JSON-lines renderings of a record. Prices are exact decimals, timestamps
/// ISO 8601 in text and strings of nanoseconds in JSON (u64 does not fit a JSON double).
enum RecordFormat {
    static let csvHeader = "ts_recv,ts_event,rtype,publisher_id,instrument_id,symbol,action,side,depth,price,size,flags,sequence,bid_px_00,bid_sz_00,bid_ct_00,ask_px_00,ask_sz_00,ask_ct_00,detail"

    static func flagText(_ f: RecordFlags) -> String {
        var s = ""
        if f.contains(.last) { s += "L" }
        if f.contains(.snapshot) { s += "S" }
        if f.contains(.maybeBadBook) { s += "B" }
        if f.contains(.badTsRecv) { s += "T" }
        return s.isEmpty ? "-" : s
    }

    static func level(_ p: BidAskPair) -> String {
        let bid = p.bidPx == undefPrice ? "-" : "\(p.bidSz)@\(FixedDecimal.format(p.bidPx))"
        let ask = p.askPx == undefPrice ? "-" : "\(p.askSz)@\(FixedDecimal.format(p.askPx))"
        return "\(bid) | \(ask)"
    }

    /// One human-readable line.
    static func text(_ r: RecordView, _ symbols: SymbolBook) -> String {
        let h = r.header
        let head = "\(Timestamps.iso8601(r.indexTimestamp)) \(h.rtype.name) \(symbols.symbol(h.instrumentID))"
        if let t = r.as(TradeMsg.self) {
            return "\(head) \(t.side) \(t.size)@\(FixedDecimal.format(t.price)) flags=\(flagText(t.flags)) seq=\(t.sequence)"
        }
        if let m = r.as(Mbp1Msg.self) {
            return "\(head) \(m.event.action) \(m.event.side) \(m.event.size)@\(FixedDecimal.format(m.event.price)) depth=\(m.event.depth) flags=\(flagText(m.event.flags)) seq=\(m.event.sequence) top: \(level(m.level))"
        }
        if let m = r.as(Mbp10Msg.self) {
            var levels: [String] = []
            for i in 0..<10 where m.levels[i].bidPx != undefPrice || m.levels[i].askPx != undefPrice { levels.append(level(m.levels[i])) }
            return "\(head) \(m.event.action) \(m.event.side) \(m.event.size)@\(FixedDecimal.format(m.event.price)) depth=\(m.event.depth) flags=\(flagText(m.event.flags)) seq=\(m.event.sequence) book: \(levels.joined(separator: " ; "))"
        }
        if let m = r.as(MboMsg.self) {
            return "\(head) \(m.action) \(m.side) order=\(m.orderID) \(m.size)@\(FixedDecimal.format(m.price)) flags=\(flagText(m.flags)) seq=\(m.sequence)"
        }
        if let s = r.as(StatMsg.self) {
            let value = s.price != undefPrice ? FixedDecimal.format(s.price) : ""
            let qty = s.quantity != undefStatQuantity ? " qty=\(s.quantity)" : ""
            return "\(head) stat_type=\(s.statType.rawValue) \(value)\(qty)\(s.updateAction == StatMsg.updateDelete ? " delete" : "")"
        }
        if let s = r.as(StatusMsg.self) {
            return "\(head) action=\(s.action.rawValue) reason=\(s.reason.rawValue) trading=\(s.isTrading) quoting=\(s.isQuoting)"
        }
        if let d = r.as(InstrumentDefMsg.self) {
            return "\(head) \(d.rawSymbol) tick=\(FixedDecimal.format(d.minPriceIncrement)) depth=\(d.marketDepth) action=\(Character(UnicodeScalar(d.securityUpdateAction)))"
        }
        if let s = r.as(SystemMsg.self) { return "\(head) \(s.msg)" }
        if let o = r.as(OhlcvMsg.self) {
            return "\(head) open=\(FixedDecimal.format(o.open)) high=\(FixedDecimal.format(o.high)) low=\(FixedDecimal.format(o.low)) close=\(FixedDecimal.format(o.close)) volume=\(o.volume)"
        }
        if let e = r.as(ErrorMsg.self) { return "\(head) \(e.err)" }
        return head
    }

    static func csvField(_ s: String) -> String {
        s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// The columns of OHLCV bars (a query of an ohlcv schema outputs nothing else).
    static let ohlcvCSVHeader = "ts_event,rtype,publisher_id,instrument_id,symbol,open,high,low,close,volume"

    /// One CSV row with the columns of `csvHeader` (empty where a record has no such field), or of
    /// `ohlcvCSVHeader` for a bar.
    static func csv(_ r: RecordView, _ symbols: SymbolBook) -> String {
        let h = r.header
        if let o = r.as(OhlcvMsg.self) {
            return [String(h.tsEvent), h.rtype.name, String(h.publisherID), String(h.instrumentID), csvField(symbols.symbol(h.instrumentID)),
                    FixedDecimal.format(o.open), FixedDecimal.format(o.high), FixedDecimal.format(o.low), FixedDecimal.format(o.close),
                    String(o.volume)].joined(separator: ",")
        }
        var cols = [String(r.indexTimestamp), String(h.tsEvent), h.rtype.name, String(h.publisherID), String(h.instrumentID),
                    csvField(symbols.symbol(h.instrumentID))]
        var rest = Array(repeating: "", count: 14)
        func event(_ action: Action, _ side: Side, _ depth: UInt8, _ price: Int64, _ size: UInt32, _ flags: RecordFlags, _ seq: UInt32) {
            rest[0] = action.description
            rest[1] = side.description
            rest[2] = String(depth)
            rest[3] = FixedDecimal.format(price)
            rest[4] = String(size)
            rest[5] = String(flags.rawValue)
            rest[6] = String(seq)
        }
        func top(_ p: BidAskPair) {
            rest[7] = FixedDecimal.format(p.bidPx)
            rest[8] = String(p.bidSz)
            rest[9] = String(p.bidCt)
            rest[10] = FixedDecimal.format(p.askPx)
            rest[11] = String(p.askSz)
            rest[12] = String(p.askCt)
        }
        if let t = r.as(TradeMsg.self) {
            event(t.action, t.side, t.depth, t.price, t.size, t.flags, t.sequence)
        } else if let m = r.as(Mbp1Msg.self) {
            event(m.event.action, m.event.side, m.event.depth, m.event.price, m.event.size, m.event.flags, m.event.sequence)
            top(m.level)
        } else if let m = r.as(Mbp10Msg.self) {
            event(m.event.action, m.event.side, m.event.depth, m.event.price, m.event.size, m.event.flags, m.event.sequence)
            top(m.levels[0])
        } else if let m = r.as(MboMsg.self) {
            event(m.action, m.side, 0, m.price, m.size, m.flags, m.sequence)
            rest[13] = "order_id=\(m.orderID)"
        } else if let s = r.as(StatMsg.self) {
            rest[3] = FixedDecimal.format(s.price)
            rest[4] = s.quantity == undefStatQuantity ? "" : String(s.quantity)
            rest[6] = String(s.sequence)
            rest[13] = "stat_type=\(s.statType.rawValue)"
        } else if let s = r.as(StatusMsg.self) {
            rest[13] = "status_action=\(s.action.rawValue) reason=\(s.reason.rawValue) trading=\(s.isTrading) quoting=\(s.isQuoting)"
        } else if let d = r.as(InstrumentDefMsg.self) {
            rest[13] = csvField("definition \(d.rawSymbol) tick=\(FixedDecimal.format(d.minPriceIncrement))")
        } else if let s = r.as(SystemMsg.self) {
            rest[13] = csvField(s.msg.string)
        }
        cols += rest
        return cols.joined(separator: ",")
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }

    /// One JSON object (JSON lines).
    static func json(_ r: RecordView, _ symbols: SymbolBook) -> String {
        let h = r.header
        var fields: [(String, String)] = [
            ("ts_recv", jsonString(String(r.indexTimestamp))), ("ts_event", jsonString(String(h.tsEvent))),
            ("rtype", jsonString(h.rtype.name)), ("publisher_id", String(h.publisherID)),
            ("instrument_id", String(h.instrumentID)), ("symbol", jsonString(symbols.symbol(h.instrumentID))),
        ]
        func px(_ v: Int64) -> String { v == undefPrice ? "null" : jsonString(FixedDecimal.format(v)) }
        func event(_ e: BookEvent) {
            fields += [("action", jsonString(e.action.description)), ("side", jsonString(e.side.description)),
                       ("depth", String(e.depth)), ("price", px(e.price)), ("size", String(e.size)),
                       ("flags", String(e.flags.rawValue)), ("sequence", String(e.sequence))]
        }
        func levels(_ pairs: [BidAskPair]) -> String {
            "[" + pairs.map { p in
                "{\"bid_px\":\(px(p.bidPx)),\"bid_sz\":\(p.bidSz),\"bid_ct\":\(p.bidCt),\"ask_px\":\(px(p.askPx)),\"ask_sz\":\(p.askSz),\"ask_ct\":\(p.askCt)}"
            }.joined(separator: ",") + "]"
        }
        if let t = r.as(TradeMsg.self) {
            event(BookEvent(price: t.price, size: t.size, action: t.action, side: t.side, flags: t.flags, depth: t.depth,
                            tsRecv: t.tsRecv, tsInDelta: t.tsInDelta, sequence: t.sequence))
        } else if let m = r.as(Mbp1Msg.self) {
            event(m.event)
            fields.append(("levels", levels([m.level])))
        } else if let m = r.as(Mbp10Msg.self) {
            event(m.event)
            fields.append(("levels", levels((0..<10).map { m.levels[$0] })))
        } else if let m = r.as(MboMsg.self) {
            fields += [("order_id", jsonString(String(m.orderID))), ("action", jsonString(m.action.description)),
                       ("side", jsonString(m.side.description)), ("price", px(m.price)), ("size", String(m.size)),
                       ("flags", String(m.flags.rawValue)), ("sequence", String(m.sequence))]
        } else if let s = r.as(StatMsg.self) {
            fields += [("stat_type", String(s.statType.rawValue)), ("price", px(s.price)),
                       ("quantity", s.quantity == undefStatQuantity ? "null" : String(s.quantity)),
                       ("update_action", String(s.updateAction)), ("stat_flags", String(s.statFlags))]
        } else if let s = r.as(StatusMsg.self) {
            fields += [("action", String(s.action.rawValue)), ("reason", String(s.reason.rawValue)),
                       ("trading_event", String(s.tradingEvent.rawValue)), ("is_trading", jsonString(s.isTrading.description)),
                       ("is_quoting", jsonString(s.isQuoting.description))]
        } else if let d = r.as(InstrumentDefMsg.self) {
            fields += [("raw_symbol", jsonString(d.rawSymbol.string)), ("min_price_increment", px(d.minPriceIncrement)),
                       ("market_depth", String(d.marketDepth)), ("currency", jsonString(d.currency.string)),
                       ("security_update_action", jsonString(String(UnicodeScalar(d.securityUpdateAction))))]
        } else if let s = r.as(SystemMsg.self) {
            fields.append(("msg", jsonString(s.msg.string)))
        } else if let o = r.as(OhlcvMsg.self) {
            fields.removeFirst()  // a bar has no ts_recv; ts_event is the start of its interval
            fields += [("open", px(o.open)), ("high", px(o.high)), ("low", px(o.low)), ("close", px(o.close)),
                       ("volume", jsonString(String(o.volume)))]
        }
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }
}

import Foundation
