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
