import Atomics
public import FeedEngine
public import PacketCapture
public import TickFormat
public import TickRing
public import VenueCME
public import VenueICE
public import VenueSHFE
import Glibc

/// The in-process API strategies use: a feed handler that decodes a channel and publishes DBN
/// records into a broadcast ring, and subscriptions that read them — the same code whether the
/// datagrams come from live multicast or a paced capture.
///
/// ```swift
/// let feed = FeedHandler(settings: .init(interface: IPv4Address("127.0.0.1")!))
/// let quotes = feed.subscribe(schemas: [.mbp1, .trades], symbols: ["GH1H7"])
/// feed.start()                                   // live: a feed thread joins the groups
/// while running { quotes.waitForData(); quotes.poll { record in ... } }
/// feed.stop()
/// ```
///
/// Subscribe before `start()`: the handler builds only the schemas its subscriptions asked for.
public final class FeedHandler: @unchecked Sendable {
    public struct Settings: Sendable {
        /// The venue's channel the feed decodes.
        public enum Venue: Sendable {
            /// The CME-style channel of `addresses`.
            case cme
            /// The ICE-style full-order-depth channel: its reference data and groups.
            case ice(reference: ICEReferenceData, addresses: ICEChannelAddresses)
            /// The SHFE-style MIRP topic of `reference` on `lines` (A, B), recovering through the
            /// MDQP server of `mdqp` when given. Without a reference file, take the reference
            /// data from the server: `SHFEReferenceData.fetch(topicID:from:)`.
            case shfe(reference: SHFEReferenceData, lines: [Endpoint], mdqp: MDQPClientConfiguration?)
        }
        public var venue: Venue
        public var addresses: CMEChannelAddresses
        /// Interface to join the groups on (live).
        public var interface: IPv4Address
        public var ringBytes: Int
        public var receiveBufferBytes: Int
        public var arbitration: SequenceArbiter.Configuration
        /// Source-specific joins: the sender to accept on a group.
        public var sources: [Endpoint: IPv4Address]

        public init(addresses: CMEChannelAddresses = .channel410, interface: IPv4Address = IPv4Address("127.0.0.1")!,
                    ringBytes: Int = 64 << 20, receiveBufferBytes: Int = 16 << 20,
                    arbitration: SequenceArbiter.Configuration = .init(), sources: [Endpoint: IPv4Address] = [:],
                    venue: Venue = .cme) {
            self.venue = venue
            self.sources = sources
            self.addresses = addresses
            self.interface = interface
            self.ringBytes = ringBytes
            self.receiveBufferBytes = receiveBufferBytes
            self.arbitration = arbitration
        }
    }

    public let settings: Settings
    public let ring: BroadcastRing
    var schemas: SchemaSelection = [.definition, .system]
    private var handler: CMEChannelHandler<RingSink>?
    private var iceHandler: ICEChannelHandler<RingSink>?
    var shfeHandler: SHFEChannelHandler<RingSink>?
    let stopRequested = ManagedAtomic<Bool>(false)
    /// A subscription joined a running feed: the feed thread publishes the current books.
    let snapshotRequested = ManagedAtomic<Bool>(false)
    let running = ManagedAtomic<Bool>(false)
    private let finished = ManagedAtomic<Bool>(false)
    /// Datagrams the live loop has handed to the handler (every venue, every socket).
    let liveDatagrams = ManagedAtomic<Int>(0)
    private var thread: pthread_t?
    /// Set when the live source could not start (the feed thread's error).
    public private(set) var failure: (any Error)?

    public init(settings: Settings = .init()) {
        self.settings = settings
        ring = BroadcastRing(capacity: settings.ringBytes, producerWait: .yield)
        pthread_mutex_init(&queryLock, nil)
        pthread_cond_init(&queryAnswered, nil)
    }

    deinit {
        pthread_cond_destroy(&queryAnswered)
        pthread_mutex_destroy(&queryLock)
    }

    /// A subscription to `schemas` of `symbols` (all when nil). `.lossless` subscriptions hold the
    /// feed back rather than miss a record; `.lossy` ones are told how many records they missed.
    ///
    /// A subscription made while the feed runs first receives the current books as snapshot
    /// records (`R`, then the levels, F_SNAPSHOT); its schemas must be among those the feed was
    /// started with (the handler does not build new schemas mid-run).
    public func subscribe(schemas: SchemaSelection = .all, symbols: Set<String>? = nil,
                          policy: BroadcastRing.Policy = .lossless, wait: WaitStrategy = .yield) -> Subscription {
        // An archive replay publishes stored records as they are: there is no book to snapshot.
        let late = running.load(ordering: .acquiring) && !source.isArchive
        if !running.load(ordering: .acquiring) { self.schemas.formUnion(schemas) }
        let subscription = Subscription(subscriber: ring.subscribe(policy, wait: wait), schemas: schemas, symbols: symbols,
                                        awaitingSnapshot: late)
        if late { snapshotRequested.store(true, ordering: .releasing) }
        return subscription
    }

    // MARK: - Queries from any thread

    /// What the handler knows of one instrument at the moment of the query, for any venue.
    public struct InstrumentState: Sendable {
        public let symbol: String
        public let instrumentID: UInt32
        /// The price levels from the top: CME's outright book (10 levels), the best 10 of the
        /// levels ICE's orders make, SHFE's 5-level book.
        public let book: LevelBook
        /// CME's implied book (2 levels); empty for the other venues.
        public let implied: LevelBook
        public let definition: InstrumentDefMsg?
        /// The last trading status (CME security status, ICE market status); nil when none was
        /// received, and for SHFE (MIRP carries none).
        public let status: StatusMsg?
        /// The book may be wrong (F_MAYBE_BAD_BOOK) until a recovery.
        public let isStale: Bool
        /// The whole CME instrument (RptSeq, statistics…), on CME channels.
        public let instrument: CMEInstrument?
    }

    private var queryLock = pthread_mutex_t()
    private var queryAnswered = pthread_cond_t()
    private let queryPending = ManagedAtomic<Bool>(false)
    private var querySymbol = ""
    private var queryAnswer: InstrumentState?
    private var queryDone = false

    /// The current book, definition and status of `symbol`, from any thread: the feed thread
    /// answers between two datagrams (no lock on its hot path). Nil for an unknown symbol, or if
    /// the feed does not answer within `timeout`.
    public func state(of symbol: String, timeout: Duration = .seconds(1)) -> InstrumentState? {
        if isFinished || !running.load(ordering: .acquiring) {
            return answerDirectly(symbol)
        }
        pthread_mutex_lock(&queryLock)
        defer { pthread_mutex_unlock(&queryLock) }
        querySymbol = symbol
        queryAnswer = nil
        queryDone = false
        queryPending.store(true, ordering: .releasing)
        var deadline = timespec()
        clock_gettime(CLOCK_REALTIME, &deadline)
        let (seconds, attoseconds) = timeout.components
        let total = Int(deadline.tv_nsec) + Int(attoseconds / 1_000_000_000)
        deadline.tv_sec += Int(seconds) + total / 1_000_000_000
        deadline.tv_nsec = total % 1_000_000_000
        while !queryDone && !isFinished {
            // Short waits, so a feed that ends meanwhile is noticed.
            var slice = timespec()
            clock_gettime(CLOCK_REALTIME, &slice)
            slice.tv_nsec += 10_000_000
            if slice.tv_nsec >= 1_000_000_000 { slice.tv_sec += 1; slice.tv_nsec -= 1_000_000_000 }
            if slice.tv_sec > deadline.tv_sec || (slice.tv_sec == deadline.tv_sec && slice.tv_nsec > deadline.tv_nsec) { slice = deadline }
            if pthread_cond_timedwait(&queryAnswered, &queryLock, &slice) != 0,
               slice.tv_sec == deadline.tv_sec && slice.tv_nsec == deadline.tv_nsec { break }
        }
        queryPending.store(false, ordering: .relaxed)
        if !queryDone && isFinished {
            return answerDirectly(symbol)
        }
        return queryAnswer
    }

    /// The answer read straight from the venue's handler: on the feed thread, or when no feed
    /// thread is running it.
    private func answerDirectly(_ symbol: String) -> InstrumentState? {
        if let handler {
            return handler.instrument(symbol: symbol).map {
                InstrumentState(symbol: $0.symbol, instrumentID: UInt32(bitPattern: $0.securityID), book: $0.book, implied: $0.implied,
                                definition: handler.definition(securityID: $0.securityID), status: $0.status, isStale: $0.isStale,
                                instrument: $0)
            }
        }
        if let iceHandler, let market = iceHandler.market(symbol: symbol) {
            var book = LevelBook(depth: 10)
            for (i, level) in market.bids.levels.prefix(10).enumerated() { book.bids.insert(level, at: i + 1) }
            for (i, level) in market.asks.levels.prefix(10).enumerated() { book.asks.insert(level, at: i + 1) }
            return InstrumentState(symbol: market.symbol, instrumentID: market.instrumentID, book: book, implied: LevelBook(depth: 0),
                                   definition: iceHandler.definition(marketID: market.marketID), status: iceHandler.currentStatus(of: market),
                                   isStale: market.isStale, instrument: nil)
        }
        if let shfeHandler, let instrument = shfeHandler.instrument(symbol: symbol) {
            return InstrumentState(symbol: instrument.symbol, instrumentID: instrument.instrumentID, book: instrument.book,
                                   implied: LevelBook(depth: 0), definition: shfeHandler.definition(instrumentNo: instrument.instrumentNo),
                                   status: nil, isStale: instrument.isStale, instrument: nil)
        }
        return nil
    }

    /// On the feed thread: answer a pending query.
    @inline(__always)
    func serveQuery() {
        guard queryPending.load(ordering: .relaxed) else { return }
        pthread_mutex_lock(&queryLock)
        if queryPending.load(ordering: .acquiring) && !queryDone {
            queryAnswer = answerDirectly(querySymbol)
            queryDone = true
            queryPending.store(false, ordering: .relaxed)
            pthread_cond_broadcast(&queryAnswered)
        }
        pthread_mutex_unlock(&queryLock)
    }

    /// On the feed thread: publish the books for a subscription that joined late.
    @inline(__always)
    private func serveSnapshotRequest(_ handler: CMEChannelHandler<RingSink>, tsRecv: UInt64) {
        if snapshotRequested.load(ordering: .relaxed), snapshotRequested.exchange(false, ordering: .acquiring) {
            handler.publishSnapshots(tsRecv: tsRecv)
        }
    }

    private func makeHandler() -> CMEChannelHandler<RingSink> {
        let handler = CMEChannelHandler(configuration: CMEChannelConfiguration(schemas: schemas, arbitration: settings.arbitration),
                                        sink: RingSink(ring: ring))
        self.handler = handler
        running.store(true, ordering: .releasing)
        return handler
    }

    // MARK: - Sources

    /// What `runLive` reports, taken on the feed thread: per multicast group, its datagrams, kernel drops and the receive
    /// buffer the kernel granted; the arbitrated feed's lines, gaps and recoveries; stale instruments.
    public struct LiveStatus: Sendable {
        public struct Stream: Sendable {
            /// The feed's name: `incremental`, `snapshot`, `definition` (CME); `live`, `snapshot` (ICE); `mirp` (SHFE).
            public var feed: String
            public var line: Int
            public var group: Endpoint
            public var datagrams: Int
            public var kernelDrops: UInt64
            public var grantedBuffer: Int
        }
        public var wallNs: UInt64
        public var streams: [Stream]
        /// The feed whose sequence numbers are arbitrated between lines A and B, and its lines.
        public var sequencedFeed: String
        public var sequencedLines: [SequenceArbiter.LineStats]
        public var gaps: Int
        public var lostPackets: UInt64
        /// Recoveries that completed (snapshot, or SHFE retransmission).
        public var recoveries: Int
        public var recordsPublished: UInt64
        public var staleInstruments: [String]
    }

    /// The streams of a live receiver, named by `names` (feed and line of each stream, in order).
    static func liveStreams(_ receiver: MulticastReceiver, names: [(feed: String, line: Int)]) -> [LiveStatus.Stream] {
        zip(receiver.streams, names).map { stream, name in
            LiveStatus.Stream(feed: name.feed, line: name.line, group: stream.join.group, datagrams: stream.datagrams,
                              kernelDrops: stream.kernelDrops, grantedBuffer: stream.grantedBufferBytes)
        }
    }

    /// When a live loop reports: at once (the joins, and the buffer sizes the kernel granted), then
    /// every `every` ns, then once more when it stops.
    struct ReportClock {
        let every: UInt64
        var next: UInt64

        init(every: UInt64) {
            self.every = every
            next = Pacer.now() &+ every
        }

        mutating func isDue() -> Bool {
            guard every > 0, Pacer.now() >= next else { return false }
            next = Pacer.now() &+ every
            return true
        }
    }

    /// Runs live on the calling thread until `stop()`: joins every group of the channel on the
    /// interface, receives with kernel timestamps, and feeds the handler. `tap` sees every
    /// datagram first (for recording); `report` gets a status every `reportEvery` ns.
    public func runLive(tap: ((Datagram) -> Void)? = nil, reportEvery: UInt64 = 0,
                        report: ((LiveStatus) -> Void)? = nil) throws(SocketError) {
        if case .ice(let reference, let addresses) = settings.venue {
            return try runLiveICE(reference: reference, addresses: addresses, tap: tap, reportEvery: reportEvery, report: report)
        }
        if case .shfe(let reference, let lines, let mdqp) = settings.venue {
            return try runLiveSHFE(reference: reference, lines: lines, mdqp: mdqp, tap: tap, reportEvery: reportEvery, report: report)
        }
        let joins = settings.addresses.allEndpoints.map {
            MulticastReceiver.Join(group: $0, interface: settings.interface, source: settings.sources[$0],
                                   line: settings.addresses.route($0)!.line)
        }
        let receiver = try MulticastReceiver(joins, receiveBufferBytes: settings.receiveBufferBytes)
        let routes = receiver.streams.map { settings.addresses.route($0.join.group)! }
        let handler = makeHandler()
        var clock = ReportClock(every: reportEvery)
        let names = routes.map { ($0.feed.description, $0.line) }
        func status() -> LiveStatus {
            LiveStatus(wallNs: Self.realtime(), streams: Self.liveStreams(receiver, names: names), sequencedFeed: CMEFeed.incremental.description, sequencedLines: handler.incremental.lines,
            gaps: handler.incremental.gaps, lostPackets: handler.incremental.lostNumbers, recoveries: handler.stats.recoveries,
            recordsPublished: ring.recordsWritten, staleInstruments: handler.activeInstruments.filter { $0.isStale }.map(\.symbol))
        }
        report?(status())
        while !stopRequested.load(ordering: .relaxed) {
            let received = receiver.poll(timeoutMs: 5) { (batch: MulticastReceiver.Batch) in
                if let tap { for i in batch.datagrams.indices { tap(batch.datagram(i)) } }
                handler.receive(batch.datagrams, feed: routes[batch.stream].feed)  // whole: see `ReceivedDatagram`
            }
            liveDatagrams.wrappingIncrement(by: received, ordering: .relaxed)
            let now = Self.realtime()  // the kernel timestamps' clock
            handler.tick(now: now)
            serveSnapshotRequest(handler, tsRecv: now)
            serveQuery()
            if let report, clock.isDue() { report(status()) }
        }
        handler.finish()
        kernelDrops = receiver.streams.reduce(0) { $0 + $1.kernelDrops }
        report?(status())
    }

    static func realtime() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    /// Datagrams the kernel dropped on the live sockets (after `runLive` returns).
    public internal(set) var kernelDrops: UInt64 = 0

    /// Runs a capture through the handler on the calling thread, paced by its timestamps at
    /// `speed` (nil: as fast as possible).
    public func runCapture(path: String, speed: Double? = nil) throws(CaptureError) {
        let reader = try PcapReader(path: path)
        if case .shfe(let reference, let lines, let mdqp) = settings.venue {
            return try runCaptureSHFE(reader, reference: reference, lines: lines, mdqp: mdqp, speed: speed)
        }
        if case .ice(let reference, let addresses) = settings.venue {
            let handler = makeICEHandler(reference)
            var pacer = Pacer(speed: speed)
            while let datagram = try reader.next(), !stopRequested.load(ordering: .relaxed) {
                guard let (feed, line) = addresses.route(datagram.destination) else { continue }
                pacer.wait(until: datagram.timestampNs)
                handler.receive(datagram.payload, feed: feed, line: line, tsRecv: datagram.timestampNs)
                serveICESnapshotRequest(handler, tsRecv: datagram.timestampNs)
                serveQuery()
            }
            handler.finish()
            return
        }
        let handler = makeHandler()
        var pacer = Pacer(speed: speed)
        while let datagram = try reader.next(), !stopRequested.load(ordering: .relaxed) {
            guard let (feed, line) = settings.addresses.route(datagram.destination) else { continue }
            pacer.wait(until: datagram.timestampNs)
            handler.receive(datagram.payload, feed: feed, line: line, tsRecv: datagram.timestampNs)
            serveSnapshotRequest(handler, tsRecv: datagram.timestampNs)
            serveQuery()
        }
        handler.finish()
    }

    /// Where the datagrams come from: the strategy code is the same for both.
    public enum Source: Sendable {
        case live
        /// A pcap/pcapng capture, paced by its timestamps at `speed` (nil: as fast as possible).
        case capture(path: String, speed: Double?)
        /// A venue's tick archive (`DIR/<venue>/...`), records of `[start, end)` on ts_recv, paced
        /// at `speed` (nil: as fast as possible). Definitions in effect at `start` come first.
        case archive(directory: String, venue: String, start: UInt64, end: UInt64, speed: Double?)

        var isArchive: Bool { if case .archive = self { true } else { false } }
    }

    /// Runs the source on a new feed thread. `isFinished` turns true when it ends (a capture's
    /// end, or `stop()`); `failure` tells why a source could not run.
    public func start(_ source: Source = .live) {
        self.source = source
        if source.isArchive { running.store(true, ordering: .releasing) }
        let box = Unmanaged.passRetained(self)
        var t = pthread_t()
        pthread_create(&t, nil, { context in
            let feed = Unmanaged<FeedHandler>.fromOpaque(context!).takeRetainedValue()
            do {
                switch feed.source {
                case .live: try feed.runLive()
                case .capture(let path, let speed): try feed.runCapture(path: path, speed: speed)
                case .archive(let directory, let venue, let start, let end, let speed):
                    try feed.runArchive(directory: directory, venue: venue, start: start, end: end, speed: speed)
                }
            } catch {
                feed.failure = error
            }
            feed.finished.store(true, ordering: .releasing)
            return nil
        }, box.toOpaque())
        thread = t
    }
    private var source: Source = .live

    /// Asks `runLive`/`runCapture` to return (from any thread); they release what they hold first.
    public func requestStop() { stopRequested.store(true, ordering: .relaxed) }

    /// Asks the feed thread to stop, and waits for it (it releases what it holds first).
    public func stop() {
        stopRequested.store(true, ordering: .relaxed)
        if let thread { pthread_join(thread, nil) }
        thread = nil
    }

    public var isFinished: Bool { finished.load(ordering: .acquiring) }

    /// How many datagrams the live feed has received and processed so far, from any thread: a
    /// caller that knows what was sent can tell when the feed has caught up.
    public var liveDatagramsProcessed: Int { liveDatagrams.load(ordering: .relaxed) }

    /// The channel's statistics (read after the feed stopped).
    public var channelStats: CMEChannelStats? { handler?.stats }

    // MARK: - ICE-style channel

    /// The ICE channel's statistics (read after the feed stopped).
    public var iceChannelStats: ICEChannelStats? { iceHandler?.stats }

    /// The ICE channel's markets (read after the feed stopped: the feed thread owns them while it runs).
    public var iceMarkets: [ICEMarket] { isFinished || !running.load(ordering: .acquiring) ? iceHandler?.markets ?? [] : [] }

    private func makeICEHandler(_ reference: ICEReferenceData) -> ICEChannelHandler<RingSink> {
        let handler = ICEChannelHandler(reference: reference, configuration: ICEChannelConfiguration(schemas: schemas, arbitration: settings.arbitration),
                                        sink: RingSink(ring: ring))
        iceHandler = handler
        running.store(true, ordering: .releasing)
        return handler
    }

    @inline(__always)
    private func serveICESnapshotRequest(_ handler: ICEChannelHandler<RingSink>, tsRecv: UInt64) {
        if snapshotRequested.load(ordering: .relaxed), snapshotRequested.exchange(false, ordering: .acquiring) {
            handler.publishSnapshots(tsRecv: tsRecv)
        }
    }

    /// The live loop of an ICE-style channel: the live lines and the snapshot channel, kernel
    /// timestamps as ts_recv, idle ticks for the arbitration timeouts.
    private func runLiveICE(reference: ICEReferenceData, addresses: ICEChannelAddresses, tap: ((Datagram) -> Void)?,
                            reportEvery: UInt64, report: ((LiveStatus) -> Void)?) throws(SocketError) {
        let joins = addresses.allEndpoints.map {
            MulticastReceiver.Join(group: $0, interface: settings.interface, source: settings.sources[$0], line: addresses.route($0)!.line)
        }
        let receiver = try MulticastReceiver(joins, receiveBufferBytes: settings.receiveBufferBytes)
        let routes = receiver.streams.map { addresses.route($0.join.group)! }
        let handler = makeICEHandler(reference)
        var clock = ReportClock(every: reportEvery)
        let names = routes.map { ($0.feed.description, $0.line) }
        func status() -> LiveStatus {
            LiveStatus(wallNs: Self.realtime(), streams: Self.liveStreams(receiver, names: names), sequencedFeed: ICEFeed.live.description, sequencedLines: handler.live.lines, gaps: handler.live.gaps,
            lostPackets: handler.live.lostNumbers, recoveries: handler.stats.recoveries, recordsPublished: ring.recordsWritten,
            staleInstruments: handler.markets.filter(\.isStale).map(\.symbol))
        }
        report?(status())
        while !stopRequested.load(ordering: .relaxed) {
            let received = receiver.poll(timeoutMs: 5) { stream, datagram in
                tap?(datagram)
                let (feed, line) = routes[stream]
                handler.receive(datagram.payload, feed: feed, line: line, tsRecv: datagram.timestampNs)
            }
            liveDatagrams.wrappingIncrement(by: received, ordering: .relaxed)
            let now = Self.realtime()
            handler.tick(now: now)
            serveICESnapshotRequest(handler, tsRecv: now)
            serveQuery()
            if let report, clock.isDue() { report(status()) }
        }
        handler.finish()
        kernelDrops = receiver.streams.reduce(0) { $0 + $1.kernelDrops }
        report?(status())
    }
}

/// Publishes every record into the ring.
public struct RingSink: RecordSink {
    public let ring: BroadcastRing
    @inlinable public mutating func receive(_ record: RecordView) { ring.write(record.bytes) }
}

/// One reader of a `FeedHandler`: records of the schemas and symbols it asked for.
public final class Subscription: @unchecked Sendable {
    public let subscriber: BroadcastRing.Subscriber
    public let schemas: SchemaSelection
    public let symbols: Set<String>?
    private var allowed: Set<UInt32> = []

    /// A late subscription skips what precedes the snapshot published for it.
    private var awaitingSnapshot: Bool

    init(subscriber: BroadcastRing.Subscriber, schemas: SchemaSelection, symbols: Set<String>?, awaitingSnapshot: Bool = false) {
        self.subscriber = subscriber
        self.schemas = schemas
        self.symbols = symbols
        self.awaitingSnapshot = awaitingSnapshot
    }

    /// Records missed because the feed lapped this (lossy) subscription.
    public var lost: UInt64 { subscriber.lost }

    /// Calls `body` with each available record (in place for lossless subscriptions: valid only
    /// during the call). Returns the number of ring entries consumed.
    @discardableResult
    public func poll(limit: Int = .max, _ body: (RecordView) -> Void) -> Int {
        subscriber.poll(limit: limit) { bytes, _ in
            let record = RecordView(unchecked: bytes)
            let rtype = record.rtype
            if awaitingSnapshot {
                guard rtype == .system, let notice = record.as(SystemMsg.self),
                      notice.msg.string.hasPrefix("snapshot begin") else { return }
                awaitingSnapshot = false
            }
            if let symbols, rtype == .instrumentDef, let def = record.as(InstrumentDefMsg.self),
               symbols.contains(def.rawSymbol.string) {
                allowed.insert(def.instrumentID)
            }
            guard schemas.includes(rtype) else { return }
            if symbols != nil {
                let id = record.instrumentID
                guard (rtype == .system && id == 0) || allowed.contains(id) else { return }
            }
            body(record)
        }
    }

    /// Waits until records are available.
    public func waitForData() { subscriber.waitForData() }

    /// Waits until records are available or `timeout` passes; true when there are records.
    @discardableResult
    public func waitForData(timeout: Duration) -> Bool {
        let (seconds, attoseconds) = timeout.components
        return subscriber.waitForData(timeoutNs: UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds)) / 1_000_000_000)
    }

    /// Leaves the feed (a lossless subscription stops holding it back).
    public func close() { subscriber.close() }

    /// The records as an `AsyncSequence` (each an owned copy): `for await record in sub.records() { ... }`.
    /// Polls every `pollInterval` when idle. The zero-copy `poll` is the fast path; this is the
    /// convenient one.
    public func records(pollInterval: Duration = .milliseconds(1)) -> AsyncStream<OwnedRecord> {
        AsyncStream { continuation in
            let task = Task.detached { [self] in
                while !Task.isCancelled {
                    let n = poll { continuation.yield(OwnedRecord(bytes: Array($0.bytes))) }
                    if n == 0 { try? await Task.sleep(for: pollInterval) }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

/// A record copied out of the ring (for the AsyncSequence form).
public struct OwnedRecord: Sendable {
    public let bytes: [UInt8]
    /// Reads the record as `R` when its rtype has that layout.
    public func `as`<R: DBNRecord>(_ type: R.Type) -> R? { bytes.withUnsafeBytes { RecordView(unchecked: $0).as(type) } }
    public var rtype: RType { RType(rawValue: bytes[1]) }
}

extension ICEChannelAddresses {
    /// The built-in full-order-depth channel, overridden by the `live` and `snapshot` feeds a config gives.
    public init(configured channel: ChannelConfiguration?) {
        self = .fullOrderDepth
        guard let channel else { return }
        live = channel.endpoints("live") ?? live
        snapshot = channel.endpoints("snapshot") ?? snapshot
    }
}

extension CMEChannelAddresses {
    /// The channel-410 defaults, overridden by whatever feeds `channel` configures.
    public init(configured channel: ChannelConfiguration?) {
        self = .channel410
        guard let channel else { return }
        incremental = channel.endpoints("incremental") ?? incremental
        snapshot = channel.endpoints("snapshot") ?? snapshot
        definition = channel.endpoints("definition") ?? definition
    }

    /// Every group of the channel, for joining.
    public var allEndpoints: [Endpoint] { incremental + snapshot + definition }
}
