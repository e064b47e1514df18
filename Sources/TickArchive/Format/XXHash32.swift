/// xxHash32 (seed 0 unless given), the checksum of the LZ4 frame format. The archive uses it for
/// its own index entries and footer too, so one algorithm guards every byte of a file.
///
/// liblz4 keeps its copy private (not exported), hence this one; tests check it against the LZ4
/// frames liblz4 writes.
public enum XXHash32 {
    @usableFromInline static let prime1: UInt32 = 2_654_435_761
    @usableFromInline static let prime2: UInt32 = 2_246_822_519
    @usableFromInline static let prime3: UInt32 = 3_266_489_917
    @usableFromInline static let prime4: UInt32 = 668_265_263
    @usableFromInline static let prime5: UInt32 = 374_761_393

    @inlinable static func rotl(_ x: UInt32, _ r: UInt32) -> UInt32 { (x << r) | (x >> (32 - r)) }

    @inlinable static func round(_ acc: UInt32, _ lane: UInt32) -> UInt32 {
        rotl(acc &+ lane &* prime2, 13) &* prime1
    }

    public static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        let count = bytes.count
        var i = 0
        var h: UInt32
        if count >= 16 {
            var v1 = seed &+ prime1 &+ prime2, v2 = seed &+ prime2, v3 = seed, v4 = seed &- prime1
            while i + 16 <= count {
                v1 = round(v1, bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self))
                v2 = round(v2, bytes.loadUnaligned(fromByteOffset: i + 4, as: UInt32.self))
                v3 = round(v3, bytes.loadUnaligned(fromByteOffset: i + 8, as: UInt32.self))
                v4 = round(v4, bytes.loadUnaligned(fromByteOffset: i + 12, as: UInt32.self))
                i += 16
            }
            h = rotl(v1, 1) &+ rotl(v2, 7) &+ rotl(v3, 12) &+ rotl(v4, 18)
        } else {
            h = seed &+ prime5
        }
        h = h &+ UInt32(truncatingIfNeeded: count)
        while i + 4 <= count {
            h = rotl(h &+ bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self) &* prime3, 17) &* prime4
            i += 4
        }
        while i < count {
            h = rotl(h &+ UInt32(bytes[i]) &* prime5, 11) &* prime1
            i += 1
        }
        h ^= h >> 15
        h = h &* prime2
        h ^= h >> 13
        h = h &* prime3
        h ^= h >> 16
        return h
    }

    public static func hash(_ bytes: [UInt8], seed: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { hash($0, seed: seed) }
    }
}
