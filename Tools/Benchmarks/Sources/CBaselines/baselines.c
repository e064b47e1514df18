#include "cbaselines.h"
#include <pcap/pcap.h>
#include <string.h>

uint64_t cb_walk_dbn_records(const uint8_t *bytes, size_t count) {
    uint64_t sum = 0;
    size_t pos = 0;
    while (pos + 16 <= count) {
        size_t length = (size_t)bytes[pos] * 4;
        if (length < 16 || pos + length > count) break;
        uint64_t ts;
        memcpy(&ts, bytes + pos + 8, 8);
        sum += ts + bytes[pos + 1];
        pos += length;
    }
    return sum;
}

int64_t cb_walk_pcap(const char *path, uint64_t *bytes) {
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
    if (!p) return -1;
    struct pcap_pkthdr *h;
    const u_char *d;
    int64_t n = 0;
    uint64_t total = 0;
    while (pcap_next_ex(p, &h, &d) == 1) {
        n++;
        total += h->caplen + d[h->caplen - 1];
    }
    pcap_close(p);
    *bytes = total;
    return n;
}

int64_t cb_walk_mdp3(const uint8_t *bytes, const uint32_t *lengths, size_t count, uint64_t *entries) {
    int64_t sum = 0;
    uint64_t n_entries = 0;
    size_t base = 0;
    for (size_t p = 0; p < count; p++) {
        const uint8_t *packet = bytes + base;
        size_t len = lengths[p];
        size_t off = 12;
        while (off + 10 <= len) {
            uint16_t size, block, tmpl;
            memcpy(&size, packet + off, 2);
            memcpy(&block, packet + off + 2, 2);
            memcpy(&tmpl, packet + off + 4, 2);
            if (size < 10 || off + size > len) break;
            if (tmpl == 46) {
                const uint8_t *g = packet + off + 10 + block;
                uint16_t eblock;
                memcpy(&eblock, g, 2);
                uint8_t n = g[2];
                const uint8_t *e = g + 3;
                for (uint8_t i = 0; i < n; i++, e += eblock) {
                    int64_t px;
                    int32_t sz;
                    memcpy(&px, e, 8);
                    memcpy(&sz, e + 8, 4);
                    sum += px + sz;
                    n_entries++;
                }
            }
            off += size;
        }
        base += len;
    }
    *entries = n_entries;
    return sum;
}

static inline uint64_t be64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return __builtin_bswap64(v); }
static inline uint32_t be32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return __builtin_bswap32(v); }
static inline uint16_t be16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return __builtin_bswap16(v); }

int64_t cb_walk_impact(const uint8_t *bytes, const uint32_t *lengths, size_t count, uint64_t *events) {
    int64_t sum = 0;
    uint64_t n = 0;
    size_t base = 0;
    for (size_t p = 0; p < count; p++) {
        const uint8_t *packet = bytes + base;
        size_t len = lengths[p];
        if (len >= 16) {
            uint16_t msgs = be16(packet + 6);
            size_t off = 16;
            for (uint16_t i = 0; i < msgs && off + 3 <= len; i++) {
                uint8_t type = packet[off];
                uint16_t body = be16(packet + off + 1);
                const uint8_t *b = packet + off + 3;
                if (off + 3 + body > len) break;
                if (type == 'E' && body >= 28) {
                    sum += (int32_t)be32(b) + (int64_t)be64(b + 4) + (int64_t)be64(b + 15) + (int32_t)be32(b + 23) + b[14];
                    n++;
                } else if (type == 'F' && body >= 12) {
                    sum += (int32_t)be32(b) + (int64_t)be64(b + 4);
                    n++;
                }
                off += 3 + body;
            }
        }
        base += len;
    }
    *events = n;
    return sum;
}

static inline int64_t mirp_varint(const uint8_t *p, const uint8_t *end, const uint8_t **next) {
    uint64_t u = 0;
    int shift = 0;
    while (p < end && shift < 64) {
        uint8_t b = *p++;
        u |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) break;
        shift += 7;
    }
    *next = p;
    return (int64_t)((u >> 1) ^ (0 - (u & 1)));
}

int64_t cb_walk_mirp(const uint8_t *bytes, const uint32_t *lengths, size_t count, uint64_t *updates) {
    int64_t sum = 0;
    uint64_t n = 0;
    size_t base = 0;
    for (size_t p = 0; p < count; p++) {
        const uint8_t *packet = bytes + base;
        size_t len = lengths[p];
        size_t off = 24;
        while (off + 4 <= len) {
            int16_t field, size;
            memcpy(&field, packet + off, 2);
            memcpy(&size, packet + off + 2, 2);
            if (size < 0 || off + 4 + (size_t)size > len) break;
            if (field == 0x1001 && size >= 2) {
                const uint8_t *q = packet + off + 6, *end = packet + off + 4 + size;
                sum += packet[off + 4] + packet[off + 5];
                for (int k = 0; k < 3; k++) sum += mirp_varint(q, end, &q);
                n++;
            }
            off += 4 + (size_t)size;
        }
        base += len;
    }
    *updates = n;
    return sum;
}

#include <lz4frame.h>

static LZ4F_preferences_t archive_preferences(size_t bytes) {
    LZ4F_preferences_t p;
    memset(&p, 0, sizeof p);
    p.frameInfo.blockMode = LZ4F_blockIndependent;
    p.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
    p.frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled;
    p.frameInfo.blockSizeID = bytes <= (1u << 20) ? LZ4F_max1MB : LZ4F_max4MB;
    p.frameInfo.contentSize = bytes;
    return p;
}

size_t cb_lz4f_frame_bound(size_t bytes) {
    LZ4F_preferences_t p = archive_preferences(bytes);
    return LZ4F_compressFrameBound(bytes, &p);
}

size_t cb_lz4f_compress_frames(const uint8_t *src, const size_t *cuts, size_t frames, uint8_t *dst, size_t dst_capacity) {
    size_t start = 0, out = 0;
    for (size_t i = 0; i < frames; i++) {
        size_t bytes = cuts[i] - start;
        LZ4F_preferences_t p = archive_preferences(bytes);
        size_t n = LZ4F_compressFrame(dst, dst_capacity, src + start, bytes, &p);
        if (LZ4F_isError(n)) return 0;
        out += n;
        start = cuts[i];
    }
    return out;
}
