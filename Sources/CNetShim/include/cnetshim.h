#ifndef COMPUTEFEED_CNETSHIM_H
#define COMPUTEFEED_CNETSHIM_H
#include <stddef.h>
#include <stdint.h>

/// What the kernel said about one received datagram.
typedef struct {
    uint64_t ts_ns;      ///< SO_TIMESTAMPNS receive time (0 if the kernel gave none)
    uint32_t length;     ///< payload bytes (cut to the slot size)
    uint32_t drops;      ///< SO_RXQ_OVFL: datagrams the socket dropped so far (cumulative)
    uint32_t src_addr;   ///< source IPv4, host order
    uint16_t src_port;
    uint16_t truncated;  ///< 1 if the datagram was longer than the slot
} cf_datagram_info;

/// Opens a non-blocking UDP socket bound to `group`:`port` (host order), joined on the interface
/// `iface` (host order; 0 = any), source-specific when `source` != 0. Asks for `rcvbuf` bytes of
/// receive buffer and stores what the kernel granted. Turns on SO_TIMESTAMPNS and SO_RXQ_OVFL.
/// Returns the descriptor, or -errno (and `*step` names the failing call).
int cf_open_multicast_receiver(uint32_t group, uint16_t port, uint32_t iface, uint32_t source, int rcvbuf,
                               int *granted, const char **step);

/// Receives up to `max` datagrams without blocking (recvmmsg): payload i goes to
/// `buffer + i * slot_size`. Returns the number received (0 when none), or -errno.
int cf_receive_batch(int fd, uint8_t *buffer, size_t slot_size, int max, cf_datagram_info *info);

/// Opens a UDP socket for sending multicast out of `iface` (host order) with loopback on and TTL 1.
int cf_open_multicast_sender(uint32_t iface, const char **step);

/// Sends one datagram to `group`:`port` (host order). Returns bytes sent or -errno.
int cf_send(int fd, uint32_t group, uint16_t port, const uint8_t *data, size_t length);

/// Waits until any of `fds` is readable or `timeout_ms` passes (poll(2)). Returns poll's result.
int cf_wait_readable(const int *fds, int count, int timeout_ms);

/// Opens a TCP listening socket on `addr`:`port` (host order; port 0 = any free port) and stores
/// the bound port. Returns the descriptor, or -errno (and `*step` names the failing call).
int cf_tcp_listen(uint32_t addr, uint16_t port, int backlog, uint16_t *bound_port, const char **step);

/// Accepts one connection (blocking up to `timeout_ms`; -1 = forever). Returns the descriptor
/// (blocking, TCP_NODELAY), -ETIMEDOUT when nothing came, or -errno.
int cf_tcp_accept(int listener, int timeout_ms);

/// Connects to `addr`:`port` (host order) within `timeout_ms`. Returns a blocking descriptor with
/// TCP_NODELAY, or -errno (-ETIMEDOUT when the connect did not finish in time).
int cf_tcp_connect(uint32_t addr, uint16_t port, int timeout_ms, const char **step);

/// Writes all `length` bytes within `timeout_ms`. Returns 0, or -errno (-ETIMEDOUT, -EPIPE...).
int cf_tcp_send_all(int fd, const uint8_t *data, size_t length, int timeout_ms);

/// Reads what is available, waiting up to `timeout_ms` for the first byte. Returns the bytes
/// read (> 0), 0 when the peer closed, -ETIMEDOUT when nothing came, or -errno.
long cf_tcp_receive(int fd, uint8_t *buffer, size_t capacity, int timeout_ms);
#endif
