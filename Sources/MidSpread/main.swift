import ComputeFeed
import Foundation

/// An example strategy: keeps the mid-price and the spread of every contract from MBP-1 records
/// and prints them on every change. The same code runs on a capture and live:
///
///     midspread Captures/cme-sample.pcap [SPEED]      # a capture, as fast as possible or paced
///     midspread --live [INTERFACE]                    # channel 410 on multicast
///
/// It touches the API a strategy uses: FeedHandler, subscribe, poll (zero-copy), record views.
struct Quote {
    var bid: Int64 = undefPrice
    var ask: Int64 = undefPrice
}

let arguments = Array(CommandLine.arguments.dropFirst())
let live = arguments.first == "--live"
var settings = FeedHandler.Settings()
if live, arguments.count > 1, let interface = IPv4Address(arguments[1]) { settings.interface = interface }
let feed = FeedHandler(settings: settings)
let quotes = feed.subscribe(schemas: [.mbp1, .definition], policy: .lossless, wait: .park)

if live {
    feed.start(.live)
} else {
    guard let path = arguments.first else {
        FileHandle.standardError.write(Data("usage: midspread CAPTURE [SPEED] | midspread --live [INTERFACE]\n".utf8))
        exit(64)
    }
    feed.start(.capture(path: path, speed: arguments.count > 1 ? Double(arguments[1]) : nil))
}

var symbols: [UInt32: String] = [:]
var book: [UInt32: Quote] = [:]
func price(_ p: Int64) -> String { p == undefPrice ? "-" : String(format: "%.3f", Double(p) / 1e9) }

while true {
    let finished = feed.isFinished
    let n = quotes.poll { record in
        if let def = record.as(InstrumentDefMsg.self) {
            symbols[def.instrumentID] = def.rawSymbol.string
            return
        }
        guard let top = record.as(Mbp1Msg.self), top.event.flags.contains(.last) else { return }
        let quote = Quote(bid: top.level.bidPx, ask: top.level.askPx)
        guard quote.bid != book[top.instrumentID]?.bid || quote.ask != book[top.instrumentID]?.ask else { return }
        book[top.instrumentID] = quote
        let name = symbols[top.instrumentID] ?? String(top.instrumentID)
        if quote.bid != undefPrice, quote.ask != undefPrice {
            let mid = (quote.bid + quote.ask) / 2
            print("\(Timestamps.iso8601(top.event.tsRecv)) \(name) mid \(price(mid)) spread \(price(quote.ask - quote.bid))\(top.event.flags.contains(.maybeBadBook) ? " (stale)" : "")")
        }
    }
    if n == 0 {
        if finished { break }
        // Bounded: the feed may finish right after `finished` was read.
        quotes.waitForData(timeout: .milliseconds(50))
    }
}
if let failure = feed.failure {
    FileHandle.standardError.write(Data("midspread: \(failure)\n".utf8))
    exit(66)
}
