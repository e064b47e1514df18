public import TickArchive
public import TickRing
import TickFormat

extension FeedHandler {
    /// Records everything the feed publishes into `DIR/<venue>/<day>.dbn.lz4` files, on the
    /// recorder's own thread. Call before `start()`/`runLive`: the feed then builds every schema.
    ///
    /// `.lossy` (live, the default): the feed never waits for the disk; records the writer misses
    /// are marked in the archive with their count. `.lossless` (replays): the feed waits.
    /// Call `finish()` on the recorder after the feed stopped: it writes the rest and the footer.
    public func recordArchive(directory: String, settings: ArchiveSettings = .init(),
                              policy: BroadcastRing.Policy = .lossy) throws(ArchiveError) -> ArchiveRecorder {
        schemas.formUnion(.all)
        let writer = try ArchiveWriter(directory: directory, venue: self.settings.venue.name, dataset: self.settings.venue.dataset,
                                       settings: settings)
        let recorder = ArchiveRecorder(ring: ring, writer: writer, policy: policy)
        recorder.start()
        return recorder
    }

    /// Publishes an archive's records into the ring, paced by their ts_recv (see `Source.archive`).
    public func runArchive(directory: String, venue: String, start: UInt64 = 0, end: UInt64 = .max,
                           speed: Double? = nil) throws(ArchiveError) {
        let engine = try QueryEngine(directory: directory, query: ArchiveQuery(venue: venue, output: .everything, start: start, end: end,
                                                                                definitionsInEffect: true))
        running.store(true, ordering: .releasing)
        var pacer = Pacer(speed: speed)
        do {
            try engine.run { record in
                if stopRequested.load(ordering: .relaxed) { throw ArchiveError(.invalidArgument, "stopped") }
                pacer.wait(until: record.indexTimestamp)
                ring.write(record.bytes)
            }
        } catch {
            if !stopRequested.load(ordering: .relaxed) { throw error }
        }
    }
}
