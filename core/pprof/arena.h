/* A bump allocator for data that lives and dies together: a decoded profile,
 * a node table.  Allocation is a pointer increment inside big chunks, and
 * freeing the owner frees every chunk at once, so nothing is freed alone.
 * An arena serves one thread at a time.
 */
#ifndef EP_PPROF_ARENA_H
#define EP_PPROF_ARENA_H

#include <stddef.h>

#include <protobuf-c/protobuf-c.h>

struct ep_arena_chunk;

struct ep_arena {
	struct ep_arena_chunk *chunks; /* newest first; the head is being filled */
	size_t next_chunk_size;        /* grows geometrically up to a ceiling */
	size_t allocated_bytes;        /* total of all chunk sizes, for statistics */
	int exhausted;                 /* an allocation failed (protobuf-c cannot
	                                * say why it gave up; this can) */
};

/* Prepares an empty arena; it takes no memory until the first allocation. */
void ep_arena_init(struct ep_arena *arena);

/* Returns size bytes aligned for any object type, or NULL when memory is
 * exhausted.  A size of 0 returns a valid unique pointer.  The memory is not
 * zeroed. */
void *ep_arena_alloc(struct ep_arena *arena, size_t size);

/* Like ep_arena_alloc() for count elements of size bytes each, zeroed;
 * NULL on overflow or exhaustion. */
void *ep_arena_calloc(struct ep_arena *arena, size_t count, size_t size);

/* Copies len bytes of s and a terminating NUL into the arena. */
char *ep_arena_strndup(struct ep_arena *arena, const char *s, size_t len);

/* Releases every chunk; the arena is empty again and may be reused. */
void ep_arena_release(struct ep_arena *arena);

/* Fills *allocator so that protobuf-c allocates from arena (8-byte aligned,
 * all its structures need) and never frees: the arena frees everything at
 * once. */
void ep_arena_protobuf_allocator(struct ep_arena *arena, ProtobufCAllocator *allocator);

#endif /* EP_PPROF_ARENA_H */
