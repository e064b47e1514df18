import Glibc  // ComputeFeed runs on Linux (Debian); see README.

/// A buffered file writer over a POSIX descriptor. Bytes go to the file when the buffer fills,
/// on `flush()`, and on `close()`. Errors (a full disk, a closed pipe) are reported with the path.
public final class FileSink: ByteSink {
    public let path: String
    private var fd: Int32
    private let buffer: UnsafeMutableRawBufferPointer
    private var used = 0
    /// Bytes handed to the kernel so far (the file offset of the next flushed byte).
    public private(set) var bytesFlushed: UInt64 = 0

    /// Opens `path` for writing, creating it (mode 0644) and truncating it unless `append`.
    public init(path: String, append: Bool = false, bufferSize: Int = 1 << 20) throws(IOError) {
        self.path = path
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC)
        fd = open(path, flags, 0o644)
        guard fd >= 0 else { throw IOError("create", path: path, errno: errno) }
        if append { bytesFlushed = UInt64(max(0, lseek(fd, 0, SEEK_END))) }
        buffer = .allocate(byteCount: max(bufferSize, 4096), alignment: 64)
    }

    /// Writes to an already open descriptor (for example standard output); `close()` leaves it open.
    public init(descriptor: Int32, name: String, bufferSize: Int = 1 << 16) {
        path = name
        fd = descriptor
        ownsDescriptor = false
        buffer = .allocate(byteCount: max(bufferSize, 4096), alignment: 64)
    }
    private var ownsDescriptor = true

    deinit {
        if fd >= 0 {
            try? flush()
            if ownsDescriptor { Glibc.close(fd) }
        }
        buffer.deallocate()
    }

    /// Bytes written through this sink, flushed or not.
    public var bytesWritten: UInt64 { bytesFlushed + UInt64(used) }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        if bytes.count > buffer.count - used {
            try flush()
            if bytes.count >= buffer.count { return try writeAll(bytes) }
        }
        buffer.baseAddress!.advanced(by: used).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        used += bytes.count
    }

    /// Hands buffered bytes to the kernel.
    public func flush() throws {
        guard used > 0 else { return }
        let pending = UnsafeRawBufferPointer(rebasing: buffer[0..<used])
        used = 0
        try writeAll(pending)
    }

    /// Flushes and asks the kernel to put the file's data on disk.
    public func sync() throws {
        try flush()
        guard fsync(fd) == 0 else { throw IOError("sync", path: path, errno: errno) }
    }

    /// Overwrites bytes already written at `offset` (after a flush), as a writer patching a header.
    public func overwrite(at offset: UInt64, with bytes: UnsafeRawBufferPointer) throws {
        try flush()
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw IOError("write", path: path, errno: errno)
            }
            done += n
        }
    }

    /// Flushes and closes. Reports the error a full disk gives at close on some file systems.
    public func close() throws {
        guard fd >= 0 else { return }
        defer {
            if ownsDescriptor { Glibc.close(fd) }
            fd = -1
        }
        try flush()
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw IOError("write", path: path, errno: errno)
            }
            done += n
        }
        bytesFlushed += UInt64(bytes.count)
    }
}
