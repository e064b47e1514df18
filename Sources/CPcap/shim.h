#ifndef COMPUTEFEED_CPCAP_SHIM_H
#define COMPUTEFEED_CPCAP_SHIM_H
#include <pcap/pcap.h>
#endif
