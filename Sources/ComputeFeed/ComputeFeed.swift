/// The umbrella module strategies import: `import ComputeFeed` brings in the tick format, packet
/// capture and (as they land) the feed engine, rings and archive.
@_exported public import ByteIO
@_exported public import TickFormat
@_exported public import PacketCapture
