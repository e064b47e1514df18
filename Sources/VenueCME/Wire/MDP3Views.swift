/// Zero-copy views of MDP 3.0 packets and messages (specs/cme-mdp3.md §3).
///
/// | packet | size | | message | size |
/// |---|---|---|---|---|
/// | MsgSeqNum u32 | 4 | | MsgSize u16 (whole message) | 2 |
/// | SendingTime u64 | 8 | | blockLength, templateId, schemaId, version (u16 each) | 8 |
/// | messages | … | | root block, then each group: dimension header + entries | … |
///
/// `MDP3PacketView.validate` checks a whole datagram: its framing, then every message and group
/// against MsgSize; after it succeeds, the views read fields without further
/// bounds checks (of messages it found well formed). The handler's steady-state path applies the
/// same checks in two parts: `isFramed` for the datagram, `messageFits` per message as it is
/// processed.

/// One repeating group: its dimension header read from the wire, entries of `entryBlockLength`.
public struct SBEGroup {
    public let entriesBase: UnsafeRawPointer
    public let entryBlockLength: Int
    public let count: Int
    /// First byte after the group.
    public var end: UnsafeRawPointer { entriesBase + entryBlockLength &* count }

    /// The group whose dimension header (3 bytes `groupSize` or 8 bytes `groupSize8Byte`) is at `header`.
    @inlinable public init(header: UnsafeRawPointer, headerSize: Int) {
        entryBlockLength = Int(UInt16(littleEndian: header.loadUnaligned(as: UInt16.self)))
        count = Int(header.load(fromByteOffset: headerSize == 8 ? 7 : 2, as: UInt8.self))
        entriesBase = header + headerSize
    }

    @inlinable public subscript(i: Int) -> SBEBlock {
        SBEBlock(base: entriesBase + i &* entryBlockLength, blockLength: entryBlockLength)
    }

    /// Calls `body` with each entry. When the wire's entries are at least `fieldsEnd` long (the
    /// usual case), each is viewed with that constant length, so every read of a field ending by
    /// `fieldsEnd` needs no presence check; shorter entries are viewed as they are.
    @inlinable @inline(__always)
    public func forEachEntry(readingUpTo fieldsEnd: Int, _ body: (SBEBlock) -> Void) {
        if entryBlockLength >= fieldsEnd {
            for i in 0..<count { body(SBEBlock(base: entriesBase + i &* entryBlockLength, blockLength: fieldsEnd)) }
        } else {
            for i in 0..<count { body(self[i]) }
        }
    }
}

/// One message inside a packet.
public struct MDP3MessageView {
    public let base: UnsafeRawPointer
    public let size: Int
    public let blockLength: Int
    public let templateID: UInt16
    public let schemaID: UInt16
    public let version: UInt16

    @inlinable public init(base: UnsafeRawPointer) {
        self.base = base
        size = Int(UInt16(littleEndian: base.loadUnaligned(as: UInt16.self)))
        blockLength = Int(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2, as: UInt16.self)))
        templateID = UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 4, as: UInt16.self))
        schemaID = UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 6, as: UInt16.self))
        version = UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 8, as: UInt16.self))
    }

    /// The template, when it is one of the subset and the schema is MDP 3.0's.
    @inlinable public var template: MDP3Template? {
        @inline(__always) get { schemaID == MDP3.schemaID ? MDP3Template.known(templateID) : nil }
    }

    @inlinable public var root: SBEBlock { SBEBlock(base: base + MDP3.messageHeaderSize, blockLength: blockLength) }

    /// The first group (call only for templates that have groups).
    @inlinable public var firstGroup: SBEGroup {
        SBEGroup(header: base + MDP3.messageHeaderSize + blockLength, headerSize: 3)
    }

    /// The group that follows `group`, with the given dimension-header size.
    @inlinable public func group(after group: SBEGroup, headerSize: Int) -> SBEGroup {
        SBEGroup(header: group.end, headerSize: headerSize)
    }

    /// `TransactTime` and `MatchEventIndicator` of templates 37, 46, 47, 48, 49, 51 (and 4).
    @inlinable public var transactTime: UInt64 { root.u64(0, null: 0) }
    @inlinable public var matchEventIndicator: MatchEventIndicator { MatchEventIndicator(rawValue: root.u8(8, null: 0)) }

    /// The same two fields of a message that passed validation (`MDP3PacketView.messageFits`: every
    /// template that has them has a root block of at least 9 bytes), read with no presence check.
    @inlinable public var validatedTransactTime: UInt64 {
        UInt64(littleEndian: base.loadUnaligned(fromByteOffset: MDP3.messageHeaderSize, as: UInt64.self))
    }
    @inlinable public var validatedMatchEventIndicator: MatchEventIndicator {
        MatchEventIndicator(rawValue: base.load(fromByteOffset: MDP3.messageHeaderSize + 8, as: UInt8.self))
    }
}

/// A datagram of one MDP 3.0 feed.
public struct MDP3PacketView {
    public let bytes: UnsafeRawBufferPointer

    @inlinable public init(unchecked bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    @inlinable public var msgSeqNum: UInt32 { UInt32(littleEndian: bytes.loadUnaligned(as: UInt32.self)) }
    @inlinable public var sendingTime: UInt64 { UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 4, as: UInt64.self)) }

    /// Calls `body` for each message, in order, advancing by MsgSize.
    @inlinable public func forEachMessage(_ body: (MDP3MessageView) throws -> Void) rethrows {
        var offset = MDP3.packetHeaderSize
        let base = bytes.baseAddress!
        while offset < bytes.count {
            let message = MDP3MessageView(base: base + offset)
            try body(message)
            offset &+= message.size
        }
    }

    /// Why a datagram is not a well-formed MDP 3.0 packet: its framing (packet header and MsgSize
    /// chain) is broken. A message whose root block or groups overrun its own MsgSize does not make
    /// the datagram malformed: that message is counted (`Summary.malformedMessages`) and skipped.
    public enum Malformed: String, Error, Sendable, CaseIterable {
        case shortPacket = "short_packet"
        case messageHeaderOverrun = "message_header_overrun"
        case badMsgSize = "bad_msg_size"
        case emptyPacket = "empty_packet"
    }

    /// What validation learned about a well-formed packet.
    public struct Summary: Equatable, Sendable {
        public var messages = 0
        /// Messages skipped because their template (or schema) is not in the subset.
        public var unknownTemplates = 0
        /// Messages whose own blocks overran their MsgSize: skipped, counted.
        public var malformedMessages = 0
    }

    /// Checks the whole datagram (§3.5): the packet header, every MsgSize, and every root block and
    /// group of known templates against their MsgSize. A message that overruns its MsgSize is
    /// counted and will be skipped; a MsgSize that breaks the framing makes the datagram invalid,
    /// so it does not take part in arbitration and the other line's copy is used.
    public static func validate(_ bytes: UnsafeRawBufferPointer) -> Result<Summary, Malformed> {
        if let why = framingFailure(bytes) { return .failure(why) }
        var summary = Summary()
        MDP3PacketView(unchecked: bytes).forEachMessage { message in
            summary.messages += 1
            if let template = message.template {
                if !messageFits(message, template) { summary.malformedMessages += 1 }
            } else {
                summary.unknownTemplates += 1
            }
        }
        return .success(summary)
    }

    /// Why the datagram's MsgSize chain does not frame it (nil when it does): the packet header,
    /// then messages of at least a header each, the last one ending at the datagram's end. The
    /// datagram-level half of `validate`, in one tight walk; the steady-state path (`isFramed`)
    /// then checks each message as it processes it (`messageFits`), its header already loaded.
    @inlinable @inline(__always) public static func framingFailure(_ bytes: UnsafeRawBufferPointer) -> Malformed? {
        guard bytes.count >= MDP3.packetHeaderSize else { return .shortPacket }
        guard bytes.count > MDP3.packetHeaderSize else { return .emptyPacket }
        let base = bytes.baseAddress!
        var offset = MDP3.packetHeaderSize
        while offset < bytes.count {
            guard offset &+ MDP3.messageHeaderSize <= bytes.count else { return .messageHeaderOverrun }
            let size = Int(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
            guard size >= MDP3.messageHeaderSize, offset &+ size <= bytes.count else { return .badMsgSize }
            offset &+= size
        }
        return nil
    }

    /// Whether `validate` would accept the datagram. Most datagrams hold one message: it frames
    /// the datagram when its MsgSize is exactly what follows the packet header (one compare, no walk).
    @inlinable @inline(__always) public static func isFramed(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if bytes.count >= MDP3.packetHeaderSize &+ MDP3.messageHeaderSize {
            let size = Int(UInt16(littleEndian: bytes.baseAddress!.loadUnaligned(fromByteOffset: MDP3.packetHeaderSize, as: UInt16.self)))
            if size == bytes.count &- MDP3.packetHeaderSize { return true }
        }
        return framingFailure(bytes) == nil
    }

    /// Whether the root block (at least as long as the fields the handler needs) and every group
    /// of `message` lie inside its MsgSize. Entries shorter than a field leave it absent (`SBEBlock`
    /// reads it as null), so entry lengths need no check here.
    @inlinable @inline(__always)
    public static func messageFits(_ message: MDP3MessageView, _ template: MDP3Template) -> Bool {
        // The hot shapes (Book46, TradeSummary48, Volume37 and the other one-group templates with
        // a 9-byte root) checked straight, with no walk over a shape table.
        switch template {
        case .book, .tradeSummary: return fitsEntryGroups(message, ordersGroup: true)
        case .volume, .channelReset, .orderBook, .dailyStatistics, .sessionStatistics:
            return fitsEntryGroups(message, ordersGroup: false)
        default: break
        }
        let shape = template.shape
        let end = message.size
        var position = MDP3.messageHeaderSize &+ message.blockLength
        guard position <= end, message.blockLength >= shape.minimumRoot else { return false }
        var index = 0
        while index < shape.groups {
            let headerSize = index == 1 && shape.ordersGroup ? 8 : 3
            guard position &+ headerSize <= end else { return false }
            let group = SBEGroup(header: message.base + position, headerSize: headerSize)
            position &+= headerSize &+ group.entryBlockLength &* group.count
            guard position <= end else { return false }
            index &+= 1
        }
        return true
    }

    /// `messageFits` for a root of at least 9 bytes and one group (Volume37 and the other
    /// one-group templates) and, with `ordersGroup`, then a group with an 8-byte header (Book46,
    /// TradeSummary48).
    @inlinable @inline(__always)
    public static func fitsEntryGroups(_ message: MDP3MessageView, ordersGroup: Bool) -> Bool {
        let end = message.size
        var position = MDP3.messageHeaderSize &+ message.blockLength
        guard message.blockLength >= 9, position &+ 3 <= end else { return false }
        var group = SBEGroup(header: message.base + position, headerSize: 3)
        position &+= 3 &+ group.entryBlockLength &* group.count
        guard ordersGroup else { return position <= end }
        guard position &+ 8 <= end else { return false }
        group = SBEGroup(header: message.base + position, headerSize: 8)
        return position &+ 8 &+ group.entryBlockLength &* group.count <= end
    }

    /// The template of `message` when it is known and fits its MsgSize (skip it otherwise): checked
    /// as each message is processed.
    @inlinable @inline(__always)
    public static func isUsable(_ message: MDP3MessageView) -> MDP3Template? {
        guard let template = message.template, messageFits(message, template) else { return nil }
        return template
    }
}
