/// An IPv4 address in host byte order (239.31.1.10 is 0xEF1F_010A).
public struct IPv4Address: Hashable, Sendable, Comparable, CustomStringConvertible, BitwiseCopyable {
    public var value: UInt32
    @inlinable public init(_ value: UInt32) { self.value = value }

    /// Parses dotted-quad text; nil for anything else.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), let octet = UInt8(part) else { return nil }
            value = value << 8 | UInt32(octet)
        }
        self.value = value
    }

    public var isMulticast: Bool { value >> 28 == 0xE }
    public var octets: (UInt8, UInt8, UInt8, UInt8) {
        (UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8),
         UInt8(truncatingIfNeeded: value))
    }
    public var description: String {
        let o = octets
        return "\(o.0).\(o.1).\(o.2).\(o.3)"
    }
    public static func < (a: IPv4Address, b: IPv4Address) -> Bool { a.value < b.value }
}

/// An IPv4 address and UDP port, such as a multicast group `239.31.1.10:31410`.
public struct Endpoint: Hashable, Sendable, Comparable, CustomStringConvertible, BitwiseCopyable {
    public var address: IPv4Address
    public var port: UInt16
    @inlinable public init(_ address: IPv4Address, _ port: UInt16) {
        self.address = address
        self.port = port
    }

    /// Parses `a.b.c.d:port`.
    public init?(_ text: some StringProtocol) {
        guard let colon = text.lastIndex(of: ":"), let address = IPv4Address(text[..<colon]),
              let port = UInt16(text[text.index(after: colon)...]) else { return nil }
        self.init(address, port)
    }

    public var description: String { "\(address):\(port)" }
    public static func < (a: Endpoint, b: Endpoint) -> Bool { (a.address, a.port) < (b.address, b.port) }
}
