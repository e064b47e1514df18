#ifndef COMPUTEFEED_CBASELINES_H
#define COMPUTEFEED_CBASELINES_H
#include <stddef.h>
#include <stdint.h>

/// Walks a DBN record stream (after the metadata) reading each record's length and rtype, and
/// sums every u64 at offset 8 (ts_event): the floor for any DBN decoder.
uint64_t cb_walk_dbn_records(const uint8_t *bytes, size_t count);

/// Reads every packet of a capture with libpcap's pcap_next_ex and sums captured lengths: the floor
/// for any pcap reader built on libpcap. Returns the packet count, or -1 if the file cannot be opened.
int64_t cb_walk_pcap(const char *path, uint64_t *bytes);

/// The MDP 3.0 parse floor: walks `count` packets (concatenated in `bytes`, lengths in `lengths`),
/// every message header by MsgSize, and for template 46 every NoMDEntries entry's price and size,
/// summing them. Returns the sum; `*entries` is set to the number of book entries read.
int64_t cb_walk_mdp3(const uint8_t *bytes, const uint32_t *lengths, size_t count, uint64_t *entries);

/// The iMpact parse floor: walks `count` packets (concatenated in `bytes`, lengths in `lengths`),
/// every message by its BodyLength, and for order messages (`E` add/modify, `F` delete) reads the
/// big-endian MarketID, OrderID and (for `E`) price and quantity, summing them. Returns the sum;
/// `*events` is set to the number of order events read.
int64_t cb_walk_impact(const uint8_t *bytes, const uint32_t *lengths, size_t count, uint64_t *events);

/// The MIRP parse floor: walks `count` packets, every TLV field, and decodes every zigzag varint of
/// every price-change field (0x1001), summing them. `*updates` is set to the number of such fields.
int64_t cb_walk_mirp(const uint8_t *bytes, const uint32_t *lengths, size_t count, uint64_t *updates);

/// C11 SPSC ring of `slot_size`-byte slots (Lamport with cached indices, head/tail on separate
/// cache lines): a producer thread pushes `count` slots, the consumer (calling thread) pops them.
/// The same algorithm as TickRing.SPSCRing with `stage`/`publish`: one release store per 32 slots.
/// Returns a checksum.
uint64_t cb_spsc_run(size_t slot_size, size_t capacity, uint64_t count);

/// C11 broadcast ring (one producer, one lossless subscriber) of variable-length entries with the
/// same layout and protocol as TickRing.BroadcastRing: `count` records of `record_size` bytes.
uint64_t cb_broadcast_run(size_t record_size, size_t capacity, uint64_t count);

/// Compresses `count` bytes (whole records, cut into frames of at most `frame_bytes` at the
/// record boundaries `cuts` lists) with LZ4F_compressFrame and the archive's frame preferences
/// (independent 1 MB blocks, block and content checksums, content size), into `dst`. Nothing is
/// written anywhere: the floor for the archive writer. Returns the compressed bytes.
size_t cb_lz4f_compress_frames(const uint8_t *src, const size_t *cuts, size_t frames, uint8_t *dst, size_t dst_capacity);

/// The largest output cb_lz4f_compress_frames may produce for one frame of `bytes`.
size_t cb_lz4f_frame_bound(size_t bytes);
#endif
