import FeedEngine
import PacketCapture
public import VenueSHFE

/// The SHFE-style topic behind a `FeedHandler`: MIRP lines A and B, MDQP recovery on the agent's
/// thread (the feed thread only polls it), late subscribers served with snapshots.
extension FeedHandler {
    /// The SHFE topic's statistics (read after the feed stopped).
    public var shfeChannelStats: SHFEChannelStats? { shfeHandler?.stats }

    /// The SHFE topic's instruments (read after the feed stopped: the feed thread owns them while it runs).
    public var shfeInstruments: [SHFEInstrument] {
        guard isFinished || !running.load(ordering: .acquiring), let handler = shfeHandler else { return [] }
        return handler.instruments.indices.map { handler.instruments[$0] }
    }

    private func makeSHFEHandler(_ reference: SHFEReferenceData, mdqp: MDQPClientConfiguration?) -> SHFEChannelHandler<RingSink> {
        let agent = mdqp.map { MDQPRecoveryAgent(configuration: $0, topicID: reference.topicID) }
        let handler = SHFEChannelHandler(reference: reference, configuration: SHFEChannelConfiguration(schemas: schemas, arbitration: settings.arbitration),
                                         sink: RingSink(ring: ring), recovery: agent)
        shfeHandler = handler
        running.store(true, ordering: .releasing)
        return handler
    }

    @inline(__always)
    private func serveSHFESnapshotRequest(_ handler: SHFEChannelHandler<RingSink>, tsRecv: UInt64) {
        if snapshotRequested.load(ordering: .relaxed), snapshotRequested.exchange(false, ordering: .acquiring) {
            handler.publishSnapshots(tsRecv: tsRecv)
        }
    }

    /// The live loop: both lines, kernel timestamps as ts_recv, idle ticks for the arbitration
    /// timeouts and to take MDQP answers.
    func runLiveSHFE(reference: SHFEReferenceData, lines: [Endpoint], mdqp: MDQPClientConfiguration?,
                     tap: ((Datagram) -> Void)?, reportEvery: UInt64 = 0, report: ((LiveStatus) -> Void)? = nil) throws(SocketError) {
        let joins = lines.enumerated().map {
            MulticastReceiver.Join(group: $1, interface: settings.interface, source: settings.sources[$1], line: $0)
        }
        let receiver = try MulticastReceiver(joins, receiveBufferBytes: settings.receiveBufferBytes)
        let handler = makeSHFEHandler(reference, mdqp: mdqp)
        defer { handler.recovery?.stop() }
        let lineOf = receiver.streams.map(\.join.line)
        var clock = ReportClock(every: reportEvery)
        func status() -> LiveStatus {
            LiveStatus(wallNs: Self.realtime(), streams: Self.liveStreams(receiver, names: lineOf.map { ("mirp", $0) }),
                       sequencedFeed: "mirp", sequencedLines: handler.arbiter.lines, gaps: handler.arbiter.gaps,
                       lostPackets: handler.arbiter.lostNumbers,
                       recoveries: handler.stats.retransmissionRecoveries + handler.stats.snapshotsApplied,
                       recordsPublished: ring.recordsWritten,
                       staleInstruments: handler.instruments.indices.filter { handler.instruments[$0].isStale }.map { handler.instruments[$0].symbol })
        }
        report?(status())
        while !stopRequested.load(ordering: .relaxed) {
            let received = receiver.poll(timeoutMs: 5) { stream, datagram in
                tap?(datagram)
                handler.receive(datagram.payload, line: lineOf[stream], tsRecv: datagram.timestampNs)
            }
            liveDatagrams.wrappingIncrement(by: received, ordering: .relaxed)
            let now = Self.realtime()
            handler.tick(now: now)
            serveSHFESnapshotRequest(handler, tsRecv: now)
            serveQuery()
            if let report, clock.isDue() { report(status()) }
        }
        handler.finish()
        kernelDrops = receiver.streams.reduce(0) { $0 + $1.kernelDrops }
        report?(status())
    }

    /// A capture through the SHFE handler, paced; with a server, the capture clock stops while it
    /// answers (as `cfeed replay --mdqp`).
    func runCaptureSHFE(_ reader: PcapReader, reference: SHFEReferenceData, lines: [Endpoint], mdqp: MDQPClientConfiguration?,
                        speed: Double?) throws(CaptureError) {
        let handler = makeSHFEHandler(reference, mdqp: mdqp)
        defer { handler.recovery?.stop() }
        var pacer = Pacer(speed: speed)
        while let datagram = try reader.next(), !stopRequested.load(ordering: .relaxed) {
            guard let line = lines.firstIndex(of: datagram.destination) else { continue }
            pacer.wait(until: datagram.timestampNs)
            handler.receive(datagram.payload, line: line, tsRecv: datagram.timestampNs)
            handler.settleRecovery()
            serveSHFESnapshotRequest(handler, tsRecv: datagram.timestampNs)
            serveQuery()
        }
        handler.finish()
    }
}
