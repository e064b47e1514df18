import ComputeFeed
import ExchangeSim
import Foundation

/// The live tests' common run: start the subscriber's reader thread and the feed, send the
/// simulated datagrams onto loopback multicast at 10x their pace, let the feed drain (until it has
/// processed as many datagrams as were sent, however slow the build: a sanitizer's is several
/// times slower, or 20 s at most) and stop it, then stop the reader (`stopReader`) and wait for it.
/// `sent` sees each datagram once it is out.
func playOnLoopback(_ datagrams: [SimDatagram], feed: FeedHandler, reader: Thread, sent: (SimDatagram) -> Void = { _ in },
                    stopReader: () -> Void) throws {
    reader.start()
    feed.start()
    usleep(100_000)  // the feed thread joins the groups
    let sender = try MulticastSender(interface: IPv4Address("127.0.0.1")!)
    var pacer = Pacer(speed: 10)
    for datagram in datagrams {
        pacer.wait(until: datagram.tsRecv)
        try datagram.payload.withUnsafeBytes { try sender.send($0, to: datagram.destination) }
        sent(datagram)
    }
    let deadline = Date().addingTimeInterval(20)
    while feed.liveDatagramsProcessed < datagrams.count && Date() < deadline { usleep(10_000) }
    usleep(300_000)  // the idle ticks: timeouts expire, recoveries answer
    feed.stop()
    usleep(100_000)
    stopReader()
    while !reader.isFinished { usleep(1000) }
}
