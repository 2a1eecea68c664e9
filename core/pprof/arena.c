/* The bump allocator behind decoded profiles and node tables: protobuf-c's
 * many small allocations and the model built from them cost a pointer
 * increment each, and one walk over the chunk list frees them all.
 */
#include "pprof/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Chunks start small so tiny profiles stay cheap, and double up to a ceiling
 * so a large profile needs few mallocs. */
#define ARENA_FIRST_CHUNK_BYTES ((size_t)64 << 10)
#define ARENA_MAX_CHUNK_BYTES   ((size_t)16 << 20)
#define ARENA_ALIGNMENT         (alignof(max_align_t))

/* Chunks this big come straight from mmap(), pre-faulted where the system
 * can (MAP_POPULATE): a large profile fills tens of megabytes at once, and
 * taking its page faults one by one costs more than the decoding. */
#define ARENA_MAPPED_BYTES ((size_t)1 << 20)
#if defined(MAP_ANONYMOUS) && defined(MAP_POPULATE)
#define ARENA_MAP_FLAGS (MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE)
#elif defined(MAP_ANONYMOUS)
#define ARENA_MAP_FLAGS (MAP_PRIVATE | MAP_ANONYMOUS)
#endif

struct ep_arena_chunk {
	struct ep_arena_chunk *next;
	size_t size; /* usable bytes after the header */
	size_t used;
	int mapped; /* from mmap(), else malloc() */
	alignas(max_align_t) unsigned char data[];
};

static struct ep_arena_chunk *arena_chunk_new(size_t size)
{
	size_t total = sizeof(struct ep_arena_chunk) + size;
	struct ep_arena_chunk *chunk = NULL;
#ifdef ARENA_MAP_FLAGS
	if (total >= ARENA_MAPPED_BYTES) {
		void *m = mmap(NULL, total, PROT_READ | PROT_WRITE, ARENA_MAP_FLAGS, -1, 0);
		if (m != MAP_FAILED) {
			chunk = m;
			chunk->mapped = 1;
		}
	}
#endif
	if (chunk == NULL) {
		chunk = malloc(total);
		if (chunk == NULL)
			return NULL;
		chunk->mapped = 0;
	}
	chunk->size = size;
	return chunk;
}

static void arena_chunk_free(struct ep_arena_chunk *chunk)
{
#ifdef ARENA_MAP_FLAGS
	if (chunk->mapped) {
		munmap(chunk, sizeof(*chunk) + chunk->size);
		return;
	}
#endif
	free(chunk);
}

void ep_arena_init(struct ep_arena *arena)
{
	arena->chunks = NULL;
	arena->next_chunk_size = ARENA_FIRST_CHUNK_BYTES;
	arena->allocated_bytes = 0;
	arena->exhausted = 0;
}

static size_t arena_round_up(size_t size)
{
	return (size + ARENA_ALIGNMENT - 1) & ~(ARENA_ALIGNMENT - 1);
}

/* Adds a chunk able to hold at least size bytes.  A request larger than a
 * quarter of the usual chunk gets a chunk of its own placed behind the head,
 * so the head keeps serving small requests instead of being abandoned half
 * empty. */
static void *arena_alloc_slow(struct ep_arena *arena, size_t size)
{
	size_t chunk_size = arena->next_chunk_size;
	int dedicated = size > chunk_size / 4;
	if (dedicated)
		chunk_size = size;
	if (chunk_size > SIZE_MAX - sizeof(struct ep_arena_chunk)) {
		arena->exhausted = 1;
		return NULL;
	}
	struct ep_arena_chunk *chunk = arena_chunk_new(chunk_size);
	if (chunk == NULL) {
		arena->exhausted = 1;
		return NULL;
	}
	chunk->used = size;
	arena->allocated_bytes += chunk_size;
	if (dedicated && arena->chunks != NULL) {
		chunk->next = arena->chunks->next;
		arena->chunks->next = chunk;
	} else {
		chunk->next = arena->chunks;
		arena->chunks = chunk;
		if (arena->next_chunk_size < ARENA_MAX_CHUNK_BYTES)
			arena->next_chunk_size *= 2;
	}
	return chunk->data;
}

/* Carves size bytes aligned to align (a power of two, at most
 * ARENA_ALIGNMENT) from the head chunk, or from a new one. */
static void *arena_alloc_aligned(struct ep_arena *arena, size_t size, size_t align)
{
	if (size > SIZE_MAX - ARENA_ALIGNMENT) {
		arena->exhausted = 1;
		return NULL;
	}
	if (size == 0)
		size = 1;
	struct ep_arena_chunk *head = arena->chunks;
	if (head != NULL) {
		size_t start = (head->used + align - 1) & ~(align - 1);
		if (start <= head->size && head->size - start >= size) {
			head->used = start + size;
			return head->data + start;
		}
	}
	return arena_alloc_slow(arena, arena_round_up(size));
}

void *ep_arena_alloc(struct ep_arena *arena, size_t size)
{
	return arena_alloc_aligned(arena, size, ARENA_ALIGNMENT);
}

void *ep_arena_calloc(struct ep_arena *arena, size_t count, size_t size)
{
	if (size != 0 && count > SIZE_MAX / size)
		return NULL;
	void *p = ep_arena_alloc(arena, count * size);
	if (p != NULL)
		memset(p, 0, count * size);
	return p;
}

char *ep_arena_strndup(struct ep_arena *arena, const char *s, size_t len)
{
	if (len == SIZE_MAX)
		return NULL;
	char *copy = ep_arena_alloc(arena, len + 1);
	if (copy == NULL)
		return NULL;
	memcpy(copy, s, len);
	copy[len] = '\0';
	return copy;
}

void ep_arena_release(struct ep_arena *arena)
{
	struct ep_arena_chunk *chunk = arena->chunks;
	while (chunk != NULL) {
		struct ep_arena_chunk *next = chunk->next;
		arena_chunk_free(chunk);
		chunk = next;
	}
	ep_arena_init(arena);
}

/* protobuf-c's structures hold nothing wider than 8 bytes; packing them at
 * 8 rather than 16 saves a tenth of a large profile's memory. */
union arena_protobuf_widest {
	uint64_t u;
	double d;
	void *p;
	size_t z;
};

static void *arena_protobuf_alloc(void *allocator_data, size_t size)
{
	return arena_alloc_aligned(allocator_data, size, alignof(union arena_protobuf_widest));
}

static void arena_protobuf_free(void *allocator_data, void *pointer)
{
	/* Everything goes when the arena is released. */
	(void)allocator_data;
	(void)pointer;
}

void ep_arena_protobuf_allocator(struct ep_arena *arena, ProtobufCAllocator *allocator)
{
	allocator->alloc = arena_protobuf_alloc;
	allocator->free = arena_protobuf_free;
	allocator->allocator_data = arena;
}
