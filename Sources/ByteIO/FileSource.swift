import Glibc  // ComputeFeed runs on Linux (Debian); see README.

/// Reads a file in large chunks into one reused buffer: no allocation per chunk.
public final class FileSource {
    public let path: String
    private let fd: Int32
    private let buffer: UnsafeMutableRawBufferPointer

    public init(path: String, chunkSize: Int = 1 << 20) throws(IOError) {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw IOError("open", path: path, errno: errno) }
        var st = stat()
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
            Glibc.close(fd)
            throw IOError("read", path: path, errno: EISDIR)
        }
        buffer = .allocate(byteCount: chunkSize, alignment: 64)
    }

    deinit {
        Glibc.close(fd)
        buffer.deallocate()
    }

    /// The next chunk (valid until the next call), or an empty buffer at the end of the file.
    public func nextChunk() throws(IOError) -> UnsafeRawBufferPointer {
        while true {
            let n = read(fd, buffer.baseAddress!, buffer.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw IOError("read", path: path, errno: errno)
            }
            return UnsafeRawBufferPointer(rebasing: buffer[0..<n])
        }
    }

    /// The whole file, for small files and tests.
    public static func readAll(path: String) throws(IOError) -> [UInt8] {
        let source = try FileSource(path: path)
        var all: [UInt8] = []
        while true {
            let chunk = try source.nextChunk()
            if chunk.isEmpty { return all }
            all.append(contentsOf: chunk)
        }
    }
}
