import TickFormat
public import TickRing
import Atomics
import Glibc

/// The archive writer as a ring subscriber on its own thread (DESIGN.md, Archive).
///
/// - `.lossless` (replay): the feed waits for the writer, so nothing is ever dropped.
/// - `.lossy` (live): the feed never waits — a stalled disk would make the kernel drop packets —
///   and records the writer could not keep are marked in the archive by an `archive_gap` notice
///   with their exact count, and counted here.
public final class ArchiveRecorder: @unchecked Sendable {
    public let writer: ArchiveWriter
    private let subscriber: BroadcastRing.Subscriber
    private let stopping = ManagedAtomic<Bool>(false)
    private let stopped = ManagedAtomic<Bool>(false)
    private var thread: pthread_t?
    private var error: ArchiveError?
    private let failedFlag = ManagedAtomic<Bool>(false)

    public init(ring: BroadcastRing, writer: ArchiveWriter, policy: BroadcastRing.Policy) {
        self.writer = writer
        subscriber = ring.subscribe(policy, wait: .park)
    }

    /// True once a write failed (for example a full disk); `finish()` throws the error.
    public var hasFailed: Bool { failedFlag.load(ordering: .acquiring) }

    /// Records this recorder missed because the feed lapped it (lossy only).
    public var recordsLost: UInt64 { subscriber.lost }

    public func start() {
        let box = Unmanaged.passRetained(self)
        var t = pthread_t()
        pthread_create(&t, nil, { context in
            let recorder = Unmanaged<ArchiveRecorder>.fromOpaque(context!).takeRetainedValue()
            recorder.drain()
            return nil
        }, box.toOpaque())
        thread = t
    }

    private func drain() {
        let ring = subscriber.ring
        var lastTs: UInt64 = 0
        while true {
            let delivered = subscriber.poll(limit: 4096) { bytes, lost in
                guard error == nil else { return }
                let record = RecordView(unchecked: bytes)
                lastTs = record.indexTimestamp
                do {
                    if lost > 0 { try writer.recordLoss(lost, tsRecv: record.indexTimestamp) }
                    try writer.append(record)
                } catch {
                    self.error = error as? ArchiveError ?? ArchiveError(.io, "\(error)")
                    failedFlag.store(true, ordering: .releasing)
                }
            }
            if error != nil {
                subscriber.close()  // a lossless feed must not wait for a writer that cannot write
                break
            }
            if delivered == 0 {
                if stopping.load(ordering: .acquiring) && subscriber.isCaughtUp {
                    // Records lost at the very end (lapped, and nothing came after) are marked too.
                    let tail = subscriber.settleLoss(recordsWritten: ring.recordsWritten)
                    if tail > 0 {
                        do { try writer.recordLoss(tail, tsRecv: lastTs) } catch {
                            self.error = error
                            failedFlag.store(true, ordering: .releasing)
                        }
                    }
                    break
                }
                _ = subscriber.waitForData(timeoutNs: 20_000_000)
            }
        }
        stopped.store(true, ordering: .releasing)
    }

    /// Call after the feed has written its last record: writes what remains, closes the archive
    /// (footer, sync) and joins the thread.
    public func finish() throws(ArchiveError) {
        stopping.store(true, ordering: .releasing)
        if let thread { pthread_join(thread, nil) }
        thread = nil
        subscriber.close()
        let closeError: ArchiveError?
        do { try writer.close(); closeError = nil } catch { closeError = error }
        if let error { throw error }
        if let closeError { throw closeError }
    }
}
