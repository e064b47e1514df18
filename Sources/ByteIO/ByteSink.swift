/// Where encoders write bytes: a file, or memory.
public protocol ByteSink {
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws
}

extension Array: ByteSink where Element == UInt8 {
    @inlinable public mutating func write(_ bytes: UnsafeRawBufferPointer) throws {
        append(contentsOf: bytes)
    }
}
