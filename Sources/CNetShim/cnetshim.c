#define _GNU_SOURCE
#include "cnetshim.h"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#ifndef SO_RXQ_OVFL
#define SO_RXQ_OVFL 40
#endif

static int fail(int fd, const char **step, const char *name) {
    int e = errno;
    if (step) *step = name;
    if (fd >= 0) close(fd);
    return -e;
}

int cf_open_multicast_receiver(uint32_t group, uint16_t port, uint32_t iface, uint32_t source, int rcvbuf,
                               int *granted, const char **step) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail(-1, step, "socket");
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) return fail(fd, step, "SO_REUSEADDR");
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) < 0) return fail(fd, step, "SO_RCVBUF");
    socklen_t len = sizeof *granted;
    getsockopt(fd, SOL_SOCKET, SO_RCVBUF, granted, &len);
    *granted /= 2;  /* Linux reports twice the usable size */
    if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one) < 0) return fail(fd, step, "SO_TIMESTAMPNS");
    if (setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one) < 0) return fail(fd, step, "SO_RXQ_OVFL");
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(group);  /* bound to the group: only its datagrams arrive here */
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) return fail(fd, step, "bind");
    if (source) {
        struct ip_mreq_source m = {0};
        m.imr_multiaddr.s_addr = htonl(group);
        m.imr_interface.s_addr = htonl(iface);
        m.imr_sourceaddr.s_addr = htonl(source);
        if (setsockopt(fd, IPPROTO_IP, IP_ADD_SOURCE_MEMBERSHIP, &m, sizeof m) < 0) return fail(fd, step, "IP_ADD_SOURCE_MEMBERSHIP");
    } else {
        struct ip_mreq m = {0};
        m.imr_multiaddr.s_addr = htonl(group);
        m.imr_interface.s_addr = htonl(iface);
        if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof m) < 0) return fail(fd, step, "IP_ADD_MEMBERSHIP");
    }
    return fd;
}

#define CF_MAX_BATCH 64

int cf_receive_batch(int fd, uint8_t *buffer, size_t slot_size, int max, cf_datagram_info *info) {
    if (max > CF_MAX_BATCH) max = CF_MAX_BATCH;
    struct mmsghdr msgs[CF_MAX_BATCH];
    struct iovec iov[CF_MAX_BATCH];
    struct sockaddr_in from[CF_MAX_BATCH];
    char control[CF_MAX_BATCH][128];
    memset(msgs, 0, sizeof(struct mmsghdr) * (size_t)max);
    for (int i = 0; i < max; i++) {
        iov[i].iov_base = buffer + (size_t)i * slot_size;
        iov[i].iov_len = slot_size;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &from[i];
        msgs[i].msg_hdr.msg_namelen = sizeof from[i];
        msgs[i].msg_hdr.msg_control = control[i];
        msgs[i].msg_hdr.msg_controllen = sizeof control[i];
    }
    int n = recvmmsg(fd, msgs, (unsigned)max, MSG_DONTWAIT, NULL);
    if (n < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -errno;
    for (int i = 0; i < n; i++) {
        cf_datagram_info *d = &info[i];
        memset(d, 0, sizeof *d);
        d->length = msgs[i].msg_len > slot_size ? (uint32_t)slot_size : msgs[i].msg_len;
        d->truncated = (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) ? 1 : 0;
        d->src_addr = ntohl(from[i].sin_addr.s_addr);
        d->src_port = ntohs(from[i].sin_port);
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c; c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
                struct timespec ts;
                memcpy(&ts, CMSG_DATA(c), sizeof ts);
                d->ts_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
            } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
                memcpy(&d->drops, CMSG_DATA(c), sizeof d->drops);
            }
        }
    }
    return n;
}

int cf_open_multicast_sender(uint32_t iface, const char **step) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail(-1, step, "socket");
    struct in_addr a;
    a.s_addr = htonl(iface);
    if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &a, sizeof a) < 0) return fail(fd, step, "IP_MULTICAST_IF");
    unsigned char loop = 1, ttl = 1;
    if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof loop) < 0) return fail(fd, step, "IP_MULTICAST_LOOP");
    if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl) < 0) return fail(fd, step, "IP_MULTICAST_TTL");
    int sndbuf = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    return fd;
}

int cf_send(int fd, uint32_t group, uint16_t port, const uint8_t *data, size_t length) {
    struct sockaddr_in to = {0};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(group);
    ssize_t n = sendto(fd, data, length, 0, (struct sockaddr *)&to, sizeof to);
    return n < 0 ? -errno : (int)n;
}

int cf_wait_readable(const int *fds, int count, int timeout_ms) {
    struct pollfd p[64];
    if (count > 64) count = 64;
    for (int i = 0; i < count; i++) { p[i].fd = fds[i]; p[i].events = POLLIN; p[i].revents = 0; }
    return poll(p, (nfds_t)count, timeout_ms);
}

/* ---- TCP (MDQP) ---- */
#include <netinet/tcp.h>

static void tcp_options(int fd) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int cf_tcp_listen(uint32_t addr, uint16_t port, int backlog, uint16_t *bound_port, const char **step) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail(-1, step, "socket");
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) return fail(fd, step, "SO_REUSEADDR");
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(addr);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) return fail(fd, step, "bind");
    if (listen(fd, backlog) < 0) return fail(fd, step, "listen");
    socklen_t len = sizeof a;
    if (getsockname(fd, (struct sockaddr *)&a, &len) < 0) return fail(fd, step, "getsockname");
    *bound_port = ntohs(a.sin_port);
    return fd;
}

int cf_tcp_accept(int listener, int timeout_ms) {
    struct pollfd p = { .fd = listener, .events = POLLIN };
    int r = poll(&p, 1, timeout_ms);
    if (r < 0) return -errno;
    if (r == 0) return -ETIMEDOUT;
    int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) return -errno;
    tcp_options(fd);
    return fd;
}

int cf_tcp_connect(uint32_t addr, uint16_t port, int timeout_ms, const char **step) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail(-1, step, "socket");
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(addr);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        if (errno != EINPROGRESS) return fail(fd, step, "connect");
        struct pollfd p = { .fd = fd, .events = POLLOUT };
        int r = poll(&p, 1, timeout_ms);
        if (r < 0) return fail(fd, step, "poll");
        if (r == 0) { errno = ETIMEDOUT; return fail(fd, step, "connect"); }
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) { errno = err; return fail(fd, step, "connect"); }
    }
    int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    tcp_options(fd);
    return fd;
}

static int64_t now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int cf_tcp_send_all(int fd, const uint8_t *data, size_t length, int timeout_ms) {
    int64_t deadline = now_ms() + timeout_ms;
    size_t sent = 0;
    while (sent < length) {
        int64_t left = deadline - now_ms();
        if (left <= 0) return -ETIMEDOUT;
        struct pollfd p = { .fd = fd, .events = POLLOUT };
        int r = poll(&p, 1, (int)left);
        if (r < 0) { if (errno == EINTR) continue; return -errno; }
        if (r == 0) return -ETIMEDOUT;
        ssize_t n = send(fd, data + sent, length - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) { if (errno == EINTR || errno == EAGAIN) continue; return -errno; }
        sent += (size_t)n;
    }
    return 0;
}

long cf_tcp_receive(int fd, uint8_t *buffer, size_t capacity, int timeout_ms) {
    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int r = poll(&p, 1, timeout_ms);
        if (r < 0) { if (errno == EINTR) continue; return -errno; }
        if (r == 0) return -ETIMEDOUT;
        ssize_t n = recv(fd, buffer, capacity, MSG_DONTWAIT);
        if (n < 0) { if (errno == EINTR || errno == EAGAIN) continue; return -errno; }
        return (long)n;
    }
}
