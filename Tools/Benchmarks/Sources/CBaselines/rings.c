#include "cbaselines.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct spsc {
    _Alignas(128) _Atomic uint64_t head;
    _Alignas(128) _Atomic uint64_t tail;
    _Alignas(128) uint64_t p_head, p_cached_tail;
    _Alignas(128) uint64_t c_tail, c_cached_head;
    _Alignas(128) uint8_t *slots;
    size_t slot_size, mask, capacity;
    uint64_t count;
};

static void *spsc_producer(void *arg) {
    struct spsc *r = arg;
    uint8_t item[512];
    for (uint64_t i = 0; i < r->count; i++) {
        memset(item, 0, 8);
        memcpy(item, &i, 8);
        while (r->p_head - r->p_cached_tail == r->capacity) {
            r->p_cached_tail = atomic_load_explicit(&r->tail, memory_order_acquire);
            if (r->p_head - r->p_cached_tail == r->capacity) {
                atomic_store_explicit(&r->head, r->p_head, memory_order_release);
                sched_yield();
            }
        }
        memcpy(r->slots + (r->p_head & r->mask) * r->slot_size, item, r->slot_size);
        r->p_head++;
        if ((i & 31) == 31) atomic_store_explicit(&r->head, r->p_head, memory_order_release);
    }
    atomic_store_explicit(&r->head, r->p_head, memory_order_release);
    return NULL;
}

uint64_t cb_spsc_run(size_t slot_size, size_t capacity, uint64_t count) {
    struct spsc *r = aligned_alloc(128, sizeof(struct spsc));
    memset(r, 0, sizeof *r);
    r->slots = aligned_alloc(128, slot_size * capacity);
    r->slot_size = slot_size; r->capacity = capacity; r->mask = capacity - 1; r->count = count;
    pthread_t t;
    pthread_create(&t, NULL, spsc_producer, r);
    uint64_t sum = 0, got = 0;
    uint8_t item[512];
    while (got < count) {
        r->c_cached_head = atomic_load_explicit(&r->head, memory_order_acquire);
        uint64_t n = r->c_cached_head - r->c_tail;
        if (n == 0) { sched_yield(); continue; }
        for (uint64_t k = 0; k < n; k++) {
            memcpy(item, r->slots + ((r->c_tail + k) & r->mask) * slot_size, slot_size);
            uint64_t v; memcpy(&v, item, 8); sum += v;
        }
        r->c_tail += n; got += n;
        atomic_store_explicit(&r->tail, r->c_tail, memory_order_release);
    }
    pthread_join(t, NULL);
    free(r->slots); free(r);
    return sum;
}

struct bring {
    _Alignas(128) _Atomic uint64_t published;
    _Alignas(128) _Atomic uint64_t claimed;
    _Alignas(128) _Atomic uint64_t cursor;
    _Alignas(128) uint8_t *buffer;
    size_t capacity, mask, record_size;
    uint64_t count;
};

static void *bring_producer(void *arg) {
    struct bring *r = arg;
    uint64_t position = 0, gate = r->capacity, seq = 0;
    uint8_t record[1024];
    memset(record, 7, sizeof record);
    size_t entry = 16 + r->record_size;
    for (uint64_t i = 0; i < r->count; i++) {
        memcpy(record, &i, 8);
        size_t offset = position & r->mask, room = r->capacity - offset;
        if (room < entry) {
            while (position + room > gate) { gate = atomic_load_explicit(&r->cursor, memory_order_acquire) + r->capacity; if (position + room > gate) sched_yield(); }
            if (room >= 16) {
                atomic_store_explicit(&r->claimed, position + room, memory_order_relaxed);
                atomic_thread_fence(memory_order_release);
                uint64_t h = room | (2ull << 32);
                atomic_store_explicit((_Atomic uint64_t *)(r->buffer + offset), h, memory_order_relaxed);
            }
            position += room; offset = 0;
        }
        while (position + entry > gate) { gate = atomic_load_explicit(&r->cursor, memory_order_acquire) + r->capacity; if (position + entry > gate) sched_yield(); }
        atomic_store_explicit(&r->claimed, position + entry, memory_order_relaxed);
        atomic_thread_fence(memory_order_release);
        _Atomic uint64_t *w = (_Atomic uint64_t *)(r->buffer + offset);
        atomic_store_explicit(&w[0], entry | (1ull << 32), memory_order_relaxed);
        atomic_store_explicit(&w[1], seq, memory_order_relaxed);
        for (size_t k = 0; k < r->record_size / 8; k++) {
            uint64_t v; memcpy(&v, record + 8 * k, 8);
            atomic_store_explicit(&w[2 + k], v, memory_order_relaxed);
        }
        position += entry; seq++;
        atomic_store_explicit(&r->published, position, memory_order_release);
    }
    return NULL;
}

uint64_t cb_broadcast_run(size_t record_size, size_t capacity, uint64_t count) {
    struct bring *r = aligned_alloc(128, sizeof(struct bring));
    memset(r, 0, sizeof *r);
    r->buffer = aligned_alloc(128, capacity);
    memset(r->buffer, 0, capacity);
    r->capacity = capacity; r->mask = capacity - 1; r->record_size = record_size; r->count = count;
    pthread_t t;
    pthread_create(&t, NULL, bring_producer, r);
    uint64_t position = 0, got = 0, sum = 0;
    while (got < count) {
        uint64_t available = atomic_load_explicit(&r->published, memory_order_acquire);
        if (available == position) { sched_yield(); continue; }
        while (position != available) {
            size_t offset = position & r->mask, room = r->capacity - offset;
            if (room < 16) { position += room; continue; }
            uint64_t header; memcpy(&header, r->buffer + offset, 8);
            size_t length = header & 0xffffffff;
            if ((header >> 32) == 2) { position += length; continue; }
            uint64_t v; memcpy(&v, r->buffer + offset + 16, 8); sum += v;
            position += length; got++;
        }
        atomic_store_explicit(&r->cursor, position, memory_order_release);
    }
    pthread_join(t, NULL);
    free(r->buffer); free(r);
    return sum;
}
