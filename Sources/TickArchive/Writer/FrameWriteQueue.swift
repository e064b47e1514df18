import Glibc

/// Writes sealed frames to the file on a thread of its own, in order, so that compressing the
/// next frame overlaps the kernel's copy (and `fsync`) of this one. Frames are handed over in a
/// few reusable buffers: one hand-off per frame (about a megabyte), never per record, so a mutex
/// and a condition variable are cheap here.
///
/// A failed write cuts the file back to the end of the last complete frame (`ftruncate`), drops
/// the frames queued after it, and is reported by the writer's next call: nothing half-written
/// stays in the file, and every complete frame does.
final class FrameWriteQueue: @unchecked Sendable {
    let path: String
    private let descriptor: Int32
    private let buffers: [UnsafeMutableRawBufferPointer]
    private var lock = pthread_mutex_t()
    private var changed = pthread_cond_t()
    private var thread: pthread_t?

    private struct Job { var buffer: Int; var length: Int; var offset: UInt64; var records: Int; var sync: Bool }
    // Guarded by `lock`.
    private var jobs: [Job] = []
    private var free: [Int]
    private var stopping = false
    private var busy = false
    private var committedBytesGuarded: UInt64 = 0
    private var committedFramesGuarded = 0
    private var committedRecordsGuarded = 0
    private var failureGuarded: ArchiveError?

    init(path: String, descriptor: Int32, bufferBytes: Int, depth: Int = 3) {
        self.path = path
        self.descriptor = descriptor
        buffers = (0..<depth).map { _ in .allocate(byteCount: bufferBytes, alignment: 64) }
        free = Array(0..<depth)
        pthread_mutex_init(&lock, nil)
        pthread_cond_init(&changed, nil)
        let box = Unmanaged.passRetained(self)
        var t = pthread_t()
        pthread_create(&t, nil, { context in
            let queue = Unmanaged<FrameWriteQueue>.fromOpaque(context!).takeRetainedValue()
            queue.work()
            return nil
        }, box.toOpaque())
        thread = t
    }

    deinit {
        shutdown()
        for b in buffers { b.deallocate() }
        pthread_cond_destroy(&changed)
        pthread_mutex_destroy(&lock)
    }

    /// A free buffer to compress the next frame into (waits while every buffer is queued).
    func acquire() -> (index: Int, buffer: UnsafeMutableRawBufferPointer) {
        pthread_mutex_lock(&lock)
        while free.isEmpty { pthread_cond_wait(&changed, &lock) }
        let index = free.removeLast()
        pthread_mutex_unlock(&lock)
        return (index, buffers[index])
    }

    /// Queues `length` bytes of buffer `index` for writing at `offset`; `sync` asks for an fsync after.
    func submit(_ index: Int, length: Int, offset: UInt64, records: Int, sync: Bool) {
        pthread_mutex_lock(&lock)
        if failureGuarded != nil {
            free.append(index)  // the file takes nothing after a failure
        } else {
            jobs.append(Job(buffer: index, length: length, offset: offset, records: records, sync: sync))
        }
        pthread_cond_broadcast(&changed)
        pthread_mutex_unlock(&lock)
    }

    /// Waits until every queued frame is written (or dropped after a failure).
    func drain() {
        pthread_mutex_lock(&lock)
        while !jobs.isEmpty || busy { pthread_cond_wait(&changed, &lock) }
        pthread_mutex_unlock(&lock)
    }

    var failure: ArchiveError? { withLock { failureGuarded } }
    /// The end of the last frame known written; after `drain()`, where the next bytes go.
    var committedBytes: UInt64 { withLock { committedBytesGuarded } }
    var committedFrames: Int { withLock { committedFramesGuarded } }

    /// Stops the thread after the queued frames are written.
    func shutdown() {
        pthread_mutex_lock(&lock)
        stopping = true
        pthread_cond_broadcast(&changed)
        pthread_mutex_unlock(&lock)
        if let thread { pthread_join(thread, nil) }
        thread = nil
    }

    private func withLock<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        return body()
    }

    private func work() {
        pthread_mutex_lock(&lock)
        while true {
            while jobs.isEmpty && !stopping { pthread_cond_wait(&changed, &lock) }
            if jobs.isEmpty && stopping { break }
            let job = jobs.removeFirst()
            busy = true
            pthread_mutex_unlock(&lock)
            let error = write(job)
            pthread_mutex_lock(&lock)
            busy = false
            free.append(job.buffer)
            if let error {
                failureGuarded = error
                for dropped in jobs { free.append(dropped.buffer) }
                jobs.removeAll()
            } else {
                committedBytesGuarded = job.offset + UInt64(job.length)
                committedFramesGuarded += 1
                committedRecordsGuarded += job.records
            }
            pthread_cond_broadcast(&changed)
        }
        pthread_mutex_unlock(&lock)
    }

    /// Writes one frame; on failure cuts the file back to its start.
    private func write(_ job: Job) -> ArchiveError? {
        let bytes = buffers[job.buffer]
        var done = 0
        while done < job.length {
            let n = pwrite(descriptor, bytes.baseAddress! + done, job.length - done, off_t(job.offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                _ = ftruncate(descriptor, off_t(job.offset))
                let (frames, records) = withLock { (committedFramesGuarded, committedRecordsGuarded) }
                return .system("write", path, errno: code, detail: "; kept \(frames) complete frames (\(records) records)")
            }
            done += n
        }
        if job.sync && fsync(descriptor) != 0 { return .system("sync", path, errno: errno) }
        return nil
    }
}
