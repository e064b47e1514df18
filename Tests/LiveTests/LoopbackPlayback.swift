import ComputeFeed
import ExchangeSim
import Foundation

/// The live tests' common run: start the subscriber's reader thread and the feed, send the
/// simulated datagrams onto loopback multicast at 10x their pace, let the feed drain and stop it,
/// then stop the reader (`stopReader`) and wait for it. `sent` sees each datagram once it is out.
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
    usleep(300_000)
    feed.stop()
    usleep(100_000)
    stopReader()
    while !reader.isFinished { usleep(1000) }
}
