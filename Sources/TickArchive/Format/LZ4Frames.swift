internal import CLZ4

/// LZ4 frame magic numbers (LZ4 frame format v1.6.1, `specs/dbn-v3.md` §13).
public enum LZ4Magic {
    public static let dataFrame: UInt32 = 0x184D_2204
    /// Skippable frames use 0x184D2A50 ... 0x184D2A5F; the archive uses two of them.
    public static let indexEntry: UInt32 = 0x184D_2A50
    public static let footer: UInt32 = 0x184D_2A51
    public static func isSkippable(_ magic: UInt32) -> Bool { magic & 0xFFFF_FFF0 == 0x184D_2A50 }
}

/// Compresses one archive data frame with liblz4: independent blocks, block and content
/// checksums, content size stored (ARCHIVE-FORMAT.md, Data frames).
struct LZ4FrameCompressor {
    private var preferences = LZ4F_preferences_t()

    init(level: Int32 = 0) {
        preferences.frameInfo.blockMode = LZ4F_blockIndependent
        preferences.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled
        preferences.frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled
        preferences.compressionLevel = level
    }

    /// The largest frame `bytes` uncompressed bytes can become.
    func bound(_ bytes: Int) -> Int {
        var p = preferences
        p.frameInfo.blockSizeID = Self.blockSize(for: bytes)
        p.frameInfo.contentSize = UInt64(bytes)
        return LZ4F_compressFrameBound(bytes, &p)
    }

    static func blockSize(for bytes: Int) -> LZ4F_blockSizeID_t { bytes <= 1 << 20 ? LZ4F_max1MB : LZ4F_max4MB }

    /// Compresses `source` into `destination` (at least `bound(source.count)` bytes); returns the frame length.
    func compress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) -> Int {
        var p = preferences
        p.frameInfo.blockSizeID = Self.blockSize(for: source.count)
        p.frameInfo.contentSize = UInt64(source.count)
        let n = LZ4F_compressFrame(destination.baseAddress, destination.count, source.baseAddress, source.count, &p)
        precondition(LZ4F_isError(n) == 0, "LZ4F_compressFrame: \(String(cString: LZ4F_getErrorName(n)))")
        return n
    }
}

/// Decompresses whole data frames with one reused liblz4 context; liblz4 checks the block and
/// content checksums.
final class LZ4FrameDecompressor {
    private var context: OpaquePointer?

    init() {
        let code = LZ4F_createDecompressionContext(&context, UInt32(LZ4F_VERSION))
        precondition(LZ4F_isError(code) == 0, "LZ4F_createDecompressionContext failed")
    }

    deinit { LZ4F_freeDecompressionContext(context) }

    /// Decompresses the frame `frame` (exactly one frame) into `destination`; returns the content
    /// length, or the reason the frame is damaged.
    func decompress(_ frame: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) -> Result<Int, FrameDamage> {
        LZ4F_resetDecompressionContext(context)
        var consumed = 0
        var produced = 0
        while true {
            var sourceSize = frame.count - consumed
            var destinationSize = destination.count - produced
            let hint = LZ4F_decompress(context, destination.baseAddress! + produced, &destinationSize,
                                       frame.baseAddress! + consumed, &sourceSize, nil)
            if LZ4F_isError(hint) != 0 {
                return .failure(FrameDamage(String(cString: LZ4F_getErrorName(hint))))
            }
            consumed += sourceSize
            produced += destinationSize
            if hint == 0 { break }  // frame complete, checksums verified
            if consumed == frame.count { return .failure(FrameDamage("frame ends early")) }
            if produced == destination.count && sourceSize == 0 { return .failure(FrameDamage("content larger than announced")) }
        }
        guard consumed == frame.count else { return .failure(FrameDamage("bytes after the frame's end")) }
        return .success(produced)
    }
}

/// Why a frame cannot be read.
public struct FrameDamage: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The shape of one LZ4 frame found by walking its structure (no decompression): where it ends,
/// and for data frames the content size and checksum its descriptor announces.
struct LZ4FrameExtent {
    enum Kind { case data, skippable(magic: UInt32) }
    var kind: Kind
    var length: Int
    var contentSize: UInt64?
    var contentChecksum: UInt32?

    enum Problem: Error { case truncated, notAFrame(String) }

    /// Walks the frame starting at `bytes[0]`. `.truncated` means the bytes end inside a frame
    /// that looked valid so far; `.notAFrame` means they cannot be a frame at all.
    static func walk(_ bytes: UnsafeRawBufferPointer) -> Result<LZ4FrameExtent, Problem> {
        guard bytes.count >= 8 else { return .failure(bytes.count >= 4 && !plausibleMagic(bytes) ? .notAFrame("unknown magic") : .truncated) }
        let magic = bytes.loadUnaligned(as: UInt32.self)
        if LZ4Magic.isSkippable(magic) {
            let size = Int(bytes.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
            guard bytes.count >= 8 + size else { return .failure(.truncated) }
            return .success(LZ4FrameExtent(kind: .skippable(magic: magic), length: 8 + size))
        }
        guard magic == LZ4Magic.dataFrame else { return .failure(.notAFrame(hexMagic(magic))) }
        let flg = bytes[4], bd = bytes[5]
        guard flg >> 6 == 1, flg & 0x02 == 0, bd & 0x8F == 0, (bd >> 4) & 7 >= 4 else {
            return .failure(.notAFrame("bad frame descriptor"))
        }
        let hasContentSize = flg & 0x08 != 0, hasDictionary = flg & 0x01 != 0
        let blockChecksums = flg & 0x10 != 0, contentChecksum = flg & 0x04 != 0
        let descriptorLength = 2 + (hasContentSize ? 8 : 0) + (hasDictionary ? 4 : 0)
        guard bytes.count >= 4 + descriptorLength + 1 else { return .failure(.truncated) }
        let descriptor = UnsafeRawBufferPointer(rebasing: bytes[4..<(4 + descriptorLength)])
        guard UInt8((XXHash32.hash(descriptor) >> 8) & 0xFF) == bytes[4 + descriptorLength] else {
            return .failure(.notAFrame("frame descriptor checksum mismatch"))
        }
        let contentSize = hasContentSize ? bytes.loadUnaligned(fromByteOffset: 6, as: UInt64.self) : nil
        let blockMaximum = 1 << (8 + 2 * Int((bd >> 4) & 7))
        var at = 4 + descriptorLength + 1
        while true {
            guard bytes.count >= at + 4 else { return .failure(.truncated) }
            let word = bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self)
            at += 4
            if word == 0 { break }
            let stored = Int(word & 0x7FFF_FFFF)
            guard stored <= blockMaximum else { return .failure(.notAFrame("block size \(stored) over the frame's maximum")) }
            at += stored + (blockChecksums ? 4 : 0)
            guard bytes.count >= at else { return .failure(.truncated) }
        }
        var checksum: UInt32?
        if contentChecksum {
            guard bytes.count >= at + 4 else { return .failure(.truncated) }
            checksum = bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self)
            at += 4
        }
        return .success(LZ4FrameExtent(kind: .data, length: at, contentSize: contentSize, contentChecksum: checksum))
    }

    /// Could these bytes start a frame (a data or skippable magic)?
    static func plausibleMagic(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 4 else { return true }
        let magic = bytes.loadUnaligned(as: UInt32.self)
        return magic == LZ4Magic.dataFrame || LZ4Magic.isSkippable(magic)
    }
}

/// "unknown magic 0x1234ABCD".
func hexMagic(_ magic: UInt32) -> String {
    let hex = String(magic, radix: 16, uppercase: true)
    return "unknown magic 0x" + String(repeating: "0", count: max(0, 8 - hex.count)) + hex
}
