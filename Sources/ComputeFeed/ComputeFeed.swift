/// The umbrella module strategies import: `import ComputeFeed` brings in the tick format, packet
/// capture, the feed engine, the venue handlers, the rings and the tick archive.
@_exported public import ByteIO
@_exported public import TickFormat
@_exported public import PacketCapture
@_exported public import FeedEngine
@_exported public import VenueCME
@_exported public import TickRing
@_exported public import TickArchive
@_exported public import VenueICE
@_exported public import VenueSHFE
