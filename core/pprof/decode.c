/* Decoding pprof files: gunzip with a size cap, tell text and HTML apart
 * from protobuf, unpack with protobuf-c into the profile's arena, check what
 * Go's profile package checks, and build the pointer-linked model over the
 * unpacked data (strings and value arrays are used where they lie).
 */
#include "pprof/decode.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "pprof/arena.h"
#include "profile.pb-c.h"

/* The public model plus what only the decoder and the merger need.  The
 * model is the first member, so a struct ep_profile pointer handed out is
 * also a pointer to its box. */
struct profile_box {
	struct ep_profile profile;
	struct ep_arena arena;
	struct ep_arena worker_arena; /* what the unpacking thread allocated */
	const char *default_sample_type_name;
	const unsigned char *location_is_folded; /* one flag per location */
};

static struct profile_box *decode_box(const struct ep_profile *p)
{
	return (struct profile_box *)((char *)(uintptr_t)p - offsetof(struct profile_box, profile));
}

/* ---- error lines ---------------------------------------------------------- */

/* Writes "NAME: MESSAGE" into err and returns code, so failures read
 * `return decode_fail(...)`. */
static int decode_fail(char *err, size_t errlen, int code, const char *name, const char *format,
                       ...) __attribute__((format(printf, 5, 6)));

static int decode_fail(char *err, size_t errlen, int code, const char *name, const char *format,
                       ...)
{
	if (err == NULL || errlen == 0)
		return code;
	int n = snprintf(err, errlen, "%s: ", name != NULL ? name : "(profile)");
	if (n >= 0 && (size_t)n < errlen) {
		va_list args;
		va_start(args, format);
		vsnprintf(err + n, errlen - (size_t)n, format, args);
		va_end(args);
	}
	/* One line, whatever a file name or a message contained. */
	for (char *c = err; *c != '\0'; c++)
		if (*c == '\n' || *c == '\r')
			*c = ' ';
	return code;
}

/* "1 GiB", "512 MiB" or "1000 bytes": limits are set in MiB, so say them so. */
static void decode_format_limit(char *buf, size_t len, uint64_t limit)
{
	if (limit % ((uint64_t)1 << 30) == 0)
		snprintf(buf, len, "%" PRIu64 " GiB", limit >> 30);
	else if (limit % ((uint64_t)1 << 20) == 0)
		snprintf(buf, len, "%" PRIu64 " MiB", limit >> 20);
	else
		snprintf(buf, len, "%" PRIu64 " bytes", limit);
}

static int decode_too_big(char *err, size_t errlen, const char *name, uint64_t limit,
                          const char *what)
{
	char text[64];
	decode_format_limit(text, sizeof(text), limit);
	return decode_fail(err, errlen, -EFBIG, name,
	                   "%s exceeds the %s limit ([core] max_profile_mib)", what, text);
}

/* ---- gzip ----------------------------------------------------------------- */

/* deflate cannot expand data by more than about 1032:1, so a larger size
 * claimed by a gzip trailer is a lie and must not size the buffer. */
#define GZIP_MAX_RATIO 1032u

/* Inflates every gzip member of the input into one buffer, in steps, so a
 * worker can unpack what is done while the rest inflates. */
struct decode_inflater {
	z_stream zs;
	int zs_ready;
	const unsigned char *in;
	size_t in_len, consumed;
	unsigned char *buf; /* malloc()ed; moves only in decode_inflater_grow() */
	size_t capacity, produced;
	uint64_t limit;
	int members;  /* finished members */
	int finished; /* the last member ended with the input */
};

static int decode_inflater_init(struct decode_inflater *z, const unsigned char *in, size_t in_len,
                                uint64_t limit)
{
	memset(z, 0, sizeof(*z));
	z->in = in;
	z->in_len = in_len;
	z->limit = limit;
	/* The trailer of the last member holds its size modulo 2^32: a good
	 * size for the common single-member file. */
	uint64_t guess = (uint64_t)in_len * 4;
	if (in_len >= 18) {
		const unsigned char *t = in + in_len - 4;
		uint64_t isize = (uint64_t)t[0] | (uint64_t)t[1] << 8 | (uint64_t)t[2] << 16 |
		                 (uint64_t)t[3] << 24;
		if (isize <= (uint64_t)in_len * GZIP_MAX_RATIO)
			guess = isize;
	}
	if (guess > limit)
		guess = limit;
	guess += 1; /* room to see the end without growing */
	if (guess < 4096)
		guess = 4096;
	if (guess > SIZE_MAX / 2)
		return -ENOMEM;
	z->capacity = (size_t)guess;
	z->buf = malloc(z->capacity);
	if (z->buf == NULL)
		return -ENOMEM;
	if (inflateInit2(&z->zs, 16 + MAX_WBITS) != Z_OK)
		return -ENOMEM;
	z->zs_ready = 1;
	return 0;
}

static void decode_inflater_end(struct decode_inflater *z)
{
	if (z->zs_ready)
		inflateEnd(&z->zs);
	z->zs_ready = 0;
}

/* Makes room for more output; -EFBIG once the limit is reached. */
static int decode_inflater_grow(struct decode_inflater *z)
{
	if ((uint64_t)z->capacity > z->limit)
		return -EFBIG;
	uint64_t grown = (uint64_t)z->capacity * 2;
	if (grown > z->limit + 1)
		grown = z->limit + 1;
	if (grown > SIZE_MAX / 2)
		return -ENOMEM;
	unsigned char *bigger = realloc(z->buf, (size_t)grown);
	if (bigger == NULL)
		return -ENOMEM;
	z->buf = bigger;
	z->capacity = (size_t)grown;
	return 0;
}

/* Inflates until stop_at bytes are out, the buffer is full (-ENOSPC) or the
 * stream is finished.  Returns 0, -ENOSPC, or -EINVAL (why says what is
 * wrong), -EFBIG, -ENOMEM. */
static int decode_inflater_run(struct decode_inflater *z, size_t stop_at, char *why, size_t whylen)
{
	if (stop_at > z->capacity)
		stop_at = z->capacity;
	while (!z->finished) {
		if ((uint64_t)z->produced > z->limit)
			return -EFBIG;
		if (z->produced == z->capacity)
			return -ENOSPC;
		if (z->produced >= stop_at)
			return 0;
		size_t in_left = z->in_len - z->consumed;
		size_t out_left = stop_at - z->produced;
		/* zlib counts in uInt: feed it at most that much per call. */
		z->zs.next_in = (unsigned char *)(uintptr_t)(z->in + z->consumed);
		z->zs.avail_in = in_left > UINT_MAX ? UINT_MAX : (uInt)in_left;
		z->zs.next_out = z->buf + z->produced;
		z->zs.avail_out = out_left > UINT_MAX ? UINT_MAX : (uInt)out_left;
		uInt in_before = z->zs.avail_in, out_before = z->zs.avail_out;
		int r = inflate(&z->zs, Z_NO_FLUSH);
		z->consumed += in_before - z->zs.avail_in;
		z->produced += out_before - z->zs.avail_out;
		if (r == Z_STREAM_END) {
			z->members++;
			if (z->consumed == z->in_len) {
				z->finished = 1;
				break;
			}
			/* Another member follows (`cat a.gz b.gz` is one gzip file). */
			if (inflateReset(&z->zs) != Z_OK)
				return -ENOMEM;
			continue;
		}
		if (r == Z_MEM_ERROR)
			return -ENOMEM;
		if (r == Z_DATA_ERROR || r == Z_NEED_DICT || r == Z_STREAM_ERROR) {
			if (z->members > 0 && z->zs.total_in <= 2)
				snprintf(why, whylen, "corrupt gzip stream: junk after member %d",
				         z->members);
			else
				snprintf(why, whylen, "corrupt gzip stream (%s)",
				         z->zs.msg != NULL ? z->zs.msg : "invalid data");
			return -EINVAL;
		}
		/* Z_OK or Z_BUF_ERROR: stuck only when the input ran out. */
		if (z->zs.avail_out != 0 && z->consumed == z->in_len) {
			snprintf(why, whylen, "truncated gzip stream");
			return -EINVAL;
		}
	}
	if ((uint64_t)z->produced > z->limit)
		return -EFBIG;
	return 0;
}

/* ---- telling non-profiles apart ------------------------------------------ */

static int decode_ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int decode_has_prefix_nocase(const unsigned char *data, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	if (len < n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (decode_ascii_lower(data[i]) != prefix[i])
			return 0;
	return 1;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid.  A
 * sequence cut by the end of the data counts as valid. */
static size_t decode_utf8_length(const unsigned char *s, size_t left)
{
	unsigned char c = s[0];
	size_t n;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if (i >= left)
			return left;
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	}
	return n;
}

/* Text is UTF-8 without control bytes other than white space.  A valid
 * profile never is: its string table starts with "", which encodes as the
 * bytes 0x32 0x00, and its first fields hold small binary numbers. */
static int decode_looks_like_text(const unsigned char *data, size_t len)
{
	size_t i = 0;
	while (i < len) {
		unsigned char c = data[i];
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v')
			return 0;
		if (c == 0x7f)
			return 0;
		size_t n = decode_utf8_length(data + i, len - i);
		if (n == 0)
			return 0;
		i += n;
	}
	return 1;
}

/* Explains why data is no profile when it is a web page or text (the usual
 * mistake: saving an error page of a pprof endpoint); 0 when it is neither. */
static int decode_describe_non_profile(const unsigned char *data, size_t len, char *why,
                                       size_t whylen)
{
	size_t start = 0;
	if (len >= 3 && data[0] == 0xef && data[1] == 0xbb && data[2] == 0xbf)
		start = 3;
	size_t i = start;
	while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
		i++;
	if (decode_has_prefix_nocase(data + i, len - i, "<!doctype") ||
	    decode_has_prefix_nocase(data + i, len - i, "<html")) {
		snprintf(why, whylen, "looks like an HTML page");
		return 1;
	}
	if (!decode_looks_like_text(data + start, len - start))
		return 0;
	/* Quote the first non-blank line, cut on a character boundary. */
	size_t end = i;
	while (end < len && data[end] != '\n' && data[end] != '\r')
		end++;
	while (end > i && (data[end - 1] == ' ' || data[end - 1] == '\t'))
		end--;
	const size_t max_quote = 60;
	int cut = 0;
	if (end - i > max_quote) {
		size_t stop = i;
		while (stop < end) {
			size_t n = decode_utf8_length(data + stop, end - stop);
			if (stop + n - i > max_quote)
				break;
			stop += n;
		}
		end = stop;
		cut = 1;
	}
	/* Control characters are shown as \xNN: a quote of form feeds would
	 * read as an empty ''. */
	char quote[4 * 60 + 1];
	size_t used = 0;
	bool visible = false;
	for (size_t k = i; k < end && used + 5 < sizeof(quote); k++) {
		if (data[k] < 0x20) {
			used += (size_t)snprintf(quote + used, sizeof(quote) - used, "\\x%02x",
			                         data[k]);
		} else {
			quote[used++] = (char)data[k];
			visible = visible || data[k] != ' ';
		}
	}
	quote[used] = '\0';
	if (!visible)
		snprintf(why, whylen,
		         "looks like blank text (%zu bytes, no visible character): '%s%s'", len,
		         quote, cut ? "..." : "");
	else
		snprintf(why, whylen, "looks like text: '%s%s'", quote, cut ? "..." : "");
	return 1;
}

/* ---- the top-level wire scan ---------------------------------------------- */

/* Walks the top-level fields without unpacking them, as far as the data
 * goes: it finds where complete fields end (so parts can be unpacked while
 * the rest inflates), tells a truncated file from a malformed one, and
 * finds a second nonzero time_nanos (two profiles concatenated), which
 * protobuf-c would silently overwrite.  Go's reader refuses exactly that. */
struct decode_scan {
	size_t pos;            /* end of the complete fields seen so far */
	int time_seen_nonzero; /* the last time_nanos was not 0 */
	int64_t doc_url;       /* string index from field 15 when a varint, else -1 */
	int failed;            /* -EINVAL once why is set */
	char why[192];
};

static void decode_scan_init(struct decode_scan *scan)
{
	memset(scan, 0, sizeof(*scan));
	scan->doc_url = -1;
}

/* Reads a varint at *pos: 0, -1 when data ends first, -2 when too long. */
static int decode_varint(const unsigned char *data, size_t len, size_t *pos, uint64_t *value)
{
	uint64_t v = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (*pos >= len)
			return -1;
		unsigned char b = data[(*pos)++];
		v |= (uint64_t)(b & 0x7f) << shift;
		if ((b & 0x80) == 0) {
			*value = v;
			return 0;
		}
	}
	return -2;
}

/* Advances over the complete fields of data[scan->pos, len).  A field cut
 * by len is left for later, or is an error when final says no more data
 * comes.  Returns 0 or -EINVAL (scan->why says why). */
static int decode_scan_advance(struct decode_scan *scan, const unsigned char *data, size_t len,
                               int final)
{
	if (scan->failed)
		return scan->failed;
	size_t pos = scan->pos;
	while (pos < len) {
		size_t field_start = pos;
		uint64_t tag, value, length;
		int r = decode_varint(data, len, &pos, &tag);
		if (r == -1)
			goto incomplete;
		if (r < 0 || (tag >> 3) == 0 || (tag >> 3) > 0x1fffffff)
			goto malformed;
		uint64_t field = tag >> 3;
		switch (tag & 7) {
		case 0:
			r = decode_varint(data, len, &pos, &value);
			if (r == -1)
				goto incomplete;
			if (r < 0)
				goto malformed;
			if (field == 9) {
				if (scan->time_seen_nonzero) {
					snprintf(scan->why, sizeof(scan->why),
					         "concatenated profiles: a second time_nanos at "
					         "byte %zu",
					         field_start);
					goto failed;
				}
				scan->time_seen_nonzero = value != 0;
			}
			if (field == 15)
				scan->doc_url = (int64_t)value;
			break;
		case 1:
		case 5: {
			size_t size = (tag & 7) == 1 ? 8 : 4;
			if (len - pos < size)
				goto incomplete;
			pos += size;
			break;
		}
		case 2:
			r = decode_varint(data, len, &pos, &length);
			if (r == -1)
				goto incomplete;
			if (r < 0)
				goto malformed;
			if (length > len - pos) {
				if (!final)
					goto incomplete;
				snprintf(scan->why, sizeof(scan->why),
				         "truncated protobuf data (field %" PRIu64
				         " at byte %zu needs %" PRIu64 " bytes, %zu remain)",
				         field, field_start, length, len - pos);
				goto failed;
			}
			pos += (size_t)length;
			break;
		default:
			goto malformed;
		}
		scan->pos = pos;
		continue;
	incomplete:
		if (!final)
			return 0;
		snprintf(scan->why, sizeof(scan->why),
		         "truncated protobuf data (field at byte %zu is cut short)", field_start);
		goto failed;
	malformed:
		snprintf(scan->why, sizeof(scan->why),
		         "not a pprof profile: malformed protobuf data at byte %zu", field_start);
		goto failed;
	}
	return 0;
failed:
	scan->failed = -EINVAL;
	return scan->failed;
}

/* ---- id lookup ------------------------------------------------------------ */

/* Maps file ids to dense indices.  Writers number ids 1..n, which a plain
 * array serves; other ids go to an open-addressing hash table. */
struct decode_id_map {
	uint32_t *dense; /* dense[id - 1] = index + 1, 0 = free; ids 1..count */
	size_t dense_len;
	uint64_t *keys; /* 0 = free slot (id 0 is never stored) */
	uint32_t *values;
	size_t mask; /* hash capacity - 1, or 0 without a hash table */
	size_t hashed;
};

#define DECODE_NOT_FOUND UINT32_MAX

static uint64_t decode_mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static int decode_id_map_init(struct decode_id_map *m, size_t count)
{
	memset(m, 0, sizeof(*m));
	m->dense_len = count;
	m->dense = calloc(count + 1, sizeof(*m->dense));
	if (m->dense == NULL)
		return -ENOMEM;
	/* Sized for the worst case (all ids sparse) at load <= 1/2. */
	size_t capacity = 16;
	while (capacity < count * 2)
		capacity *= 2;
	m->keys = calloc(capacity, sizeof(*m->keys));
	m->values = malloc(capacity * sizeof(*m->values));
	if (m->keys == NULL || m->values == NULL)
		return -ENOMEM;
	m->mask = capacity - 1;
	return 0;
}

static void decode_id_map_free(struct decode_id_map *m)
{
	free(m->dense);
	free(m->keys);
	free(m->values);
	memset(m, 0, sizeof(*m));
}

/* Returns 0, or -EEXIST when id is already present. id must not be 0. */
static int decode_id_map_insert(struct decode_id_map *m, uint64_t id, uint32_t index)
{
	if (id <= m->dense_len) {
		if (m->dense[id - 1] != 0)
			return -EEXIST;
		m->dense[id - 1] = index + 1;
		return 0;
	}
	size_t slot = (size_t)decode_mix(id) & m->mask;
	while (m->keys[slot] != 0) {
		if (m->keys[slot] == id)
			return -EEXIST;
		slot = (slot + 1) & m->mask;
	}
	m->keys[slot] = id;
	m->values[slot] = index;
	m->hashed++;
	return 0;
}

static uint32_t decode_id_map_find(const struct decode_id_map *m, uint64_t id)
{
	if (id == 0)
		return DECODE_NOT_FOUND;
	if (id <= m->dense_len)
		return m->dense[id - 1] != 0 ? m->dense[id - 1] - 1 : DECODE_NOT_FOUND;
	if (m->hashed == 0)
		return DECODE_NOT_FOUND;
	size_t slot = (size_t)decode_mix(id) & m->mask;
	while (m->keys[slot] != 0) {
		if (m->keys[slot] == id)
			return m->values[slot];
		slot = (slot + 1) & m->mask;
	}
	return DECODE_NOT_FOUND;
}

/* ---- building the model --------------------------------------------------- */

struct decode_builder {
	Perftools__Profiles__Profile *pb; /* its arrays become the model's */
	struct ep_arena *arena;
	int64_t doc_url;      /* from the wire scan */
	const char **strings; /* the string table, as decode_strings() copies it */
	size_t string_count;
	char *why;
	size_t whylen;
};

/* Resolves a string index; on a bad one, says which field of what held it. */
static int decode_string(struct decode_builder *b, int64_t index, const char **out,
                         const char *what, size_t which, const char *field)
{
	if (index < 0 || (uint64_t)index >= b->string_count) {
		if (which == SIZE_MAX)
			snprintf(b->why, b->whylen,
			         "%s string index %" PRId64 " is out of range (%zu strings)", field,
			         index, b->string_count);
		else
			snprintf(b->why, b->whylen,
			         "%s %zu: %s string index %" PRId64
			         " is out of range (%zu strings)",
			         what, which, field, index, b->string_count);
		return -EINVAL;
	}
	*out = b->strings[index];
	return 0;
}

/* Every string of the model is a copy of its string-table entry with its
 * length in the four bytes before it and a NUL after it: C code can read
 * it as usual, and the core can read names as the byte strings they are
 * (ep_profile_string_length()), NULs included. */
#define DECODE_LENGTH_BYTES 4

static int decode_strings(struct decode_builder *b)
{
	const Perftools__Profiles__Profile *pb = b->pb;
	if (pb->n_string_table == 0) {
		snprintf(b->why, b->whylen,
		         "the string table is missing (string_table[0] must be \"\")");
		return -EINVAL;
	}
	if (pb->string_table[0].len != 0) {
		snprintf(b->why, b->whylen, "string_table[0] must be \"\"");
		return -EINVAL;
	}
	size_t total = 0;
	for (size_t i = 0; i < pb->n_string_table; i++) {
		size_t len = pb->string_table[i].len;
		if (len > UINT32_MAX) {
			snprintf(b->why, b->whylen, "string %zu is longer than 4 GiB", i);
			return -EINVAL;
		}
		/* length, bytes, NUL, rounded up to keep the lengths aligned */
		total += (DECODE_LENGTH_BYTES + len + 1 + 3) & ~(size_t)3;
	}
	const char **strings = ep_arena_alloc(b->arena, pb->n_string_table * sizeof(*strings));
	unsigned char *block = ep_arena_alloc(b->arena, total);
	if (strings == NULL || block == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < pb->n_string_table; i++) {
		uint32_t len = (uint32_t)pb->string_table[i].len;
		memcpy(block, &len, sizeof(len));
		if (len > 0)
			memcpy(block + DECODE_LENGTH_BYTES, pb->string_table[i].data, len);
		block[DECODE_LENGTH_BYTES + len] = '\0';
		strings[i] = (const char *)block + DECODE_LENGTH_BYTES;
		block += (DECODE_LENGTH_BYTES + (size_t)len + 1 + 3) & ~(size_t)3;
	}
	b->strings = strings;
	b->string_count = pb->n_string_table;
	return 0;
}

size_t ep_profile_string_length(const char *s)
{
	uint32_t len;
	memcpy(&len, s - DECODE_LENGTH_BYTES, sizeof(len));
	return len;
}

static int decode_value_type(struct decode_builder *b, const Perftools__Profiles__ValueType *vt,
                             struct ep_profile_value_type *out, const char *what, size_t which)
{
	out->type = b->strings[0];
	out->unit = b->strings[0];
	if (vt == NULL)
		return 0;
	if (decode_string(b, vt->type, &out->type, what, which, "type") < 0 ||
	    decode_string(b, vt->unit, &out->unit, what, which, "unit") < 0)
		return -EINVAL;
	return 0;
}

static int decode_mappings(struct decode_builder *b, struct ep_profile *p,
                           struct decode_id_map *ids)
{
	const Perftools__Profiles__Profile *pb = b->pb;
	struct ep_profile_mapping *mappings =
	        ep_arena_calloc(b->arena, pb->n_mapping, sizeof(*mappings));
	if (mappings == NULL)
		return -ENOMEM;
	int ret = decode_id_map_init(ids, pb->n_mapping);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < pb->n_mapping; i++) {
		const Perftools__Profiles__Mapping *m = pb->mapping[i];
		struct ep_profile_mapping *out = &mappings[i];
		if (m->id == 0) {
			snprintf(b->why, b->whylen, "mapping %zu has the reserved id 0", i);
			return -EINVAL;
		}
		if (decode_id_map_insert(ids, m->id, (uint32_t)i) < 0) {
			snprintf(b->why, b->whylen, "mapping %zu repeats id %" PRIu64, i, m->id);
			return -EINVAL;
		}
		out->id = m->id;
		out->memory_start = m->memory_start;
		out->memory_limit = m->memory_limit;
		out->file_offset = m->file_offset;
		if (decode_string(b, m->filename, &out->filename, "mapping", i, "filename") < 0 ||
		    decode_string(b, m->build_id, &out->build_id, "mapping", i, "build_id") < 0)
			return -EINVAL;
	}
	p->mappings = mappings;
	p->mapping_count = pb->n_mapping;
	return 0;
}

static int decode_functions(struct decode_builder *b, struct ep_profile *p,
                            struct decode_id_map *ids)
{
	const Perftools__Profiles__Profile *pb = b->pb;
	struct ep_profile_function *functions =
	        ep_arena_calloc(b->arena, pb->n_function, sizeof(*functions));
	if (functions == NULL)
		return -ENOMEM;
	int ret = decode_id_map_init(ids, pb->n_function);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < pb->n_function; i++) {
		const Perftools__Profiles__Function *f = pb->function[i];
		struct ep_profile_function *out = &functions[i];
		if (f->id == 0) {
			snprintf(b->why, b->whylen, "function %zu has the reserved id 0", i);
			return -EINVAL;
		}
		if (decode_id_map_insert(ids, f->id, (uint32_t)i) < 0) {
			snprintf(b->why, b->whylen, "function %zu repeats id %" PRIu64, i, f->id);
			return -EINVAL;
		}
		out->id = f->id;
		out->start_line = f->start_line;
		if (decode_string(b, f->name, &out->name, "function", i, "name") < 0 ||
		    decode_string(b, f->system_name, &out->system_name, "function", i,
		                  "system_name") < 0 ||
		    decode_string(b, f->filename, &out->filename, "function", i, "filename") < 0)
			return -EINVAL;
	}
	p->functions = functions;
	p->function_count = pb->n_function;
	return 0;
}

static int decode_locations(struct decode_builder *b, struct ep_profile *p,
                            const struct decode_id_map *mapping_ids,
                            const struct decode_id_map *function_ids, struct decode_id_map *ids,
                            unsigned char **folded_out)
{
	const Perftools__Profiles__Profile *pb = b->pb;
	size_t line_total = 0;
	for (size_t i = 0; i < pb->n_location; i++)
		line_total += pb->location[i]->n_line;
	struct ep_profile_location *locations =
	        ep_arena_calloc(b->arena, pb->n_location, sizeof(*locations));
	struct ep_profile_line *lines = ep_arena_calloc(b->arena, line_total, sizeof(*lines));
	unsigned char *folded = ep_arena_calloc(b->arena, pb->n_location, 1);
	if (locations == NULL || lines == NULL || folded == NULL)
		return -ENOMEM;
	int ret = decode_id_map_init(ids, pb->n_location);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < pb->n_location; i++) {
		const Perftools__Profiles__Location *l = pb->location[i];
		struct ep_profile_location *out = &locations[i];
		if (l->id == 0) {
			snprintf(b->why, b->whylen, "location %zu has the reserved id 0", i);
			return -EINVAL;
		}
		if (decode_id_map_insert(ids, l->id, (uint32_t)i) < 0) {
			snprintf(b->why, b->whylen, "location %zu repeats id %" PRIu64, i, l->id);
			return -EINVAL;
		}
		out->id = l->id;
		out->address = l->address;
		/* Go tolerates an unknown mapping id: the location has none. */
		uint32_t m = decode_id_map_find(mapping_ids, l->mapping_id);
		out->mapping = m == DECODE_NOT_FOUND ? NULL : &p->mappings[m];
		out->line_count = l->n_line;
		out->lines = lines;
		for (size_t j = 0; j < l->n_line; j++) {
			uint64_t fid = l->line[j]->function_id;
			uint32_t f = decode_id_map_find(function_ids, fid);
			if (f == DECODE_NOT_FOUND) {
				if (fid == 0)
					snprintf(b->why, b->whylen,
					         "location %zu (id %" PRIu64
					         ") has a line with function id 0",
					         i, l->id);
				else
					snprintf(b->why, b->whylen,
					         "location %zu (id %" PRIu64
					         ") names unknown function %" PRIu64,
					         i, l->id, fid);
				return -EINVAL;
			}
			lines[j].function = &p->functions[f];
			lines[j].line = l->line[j]->line;
		}
		lines += l->n_line;
		folded[i] = l->is_folded != 0;
	}
	p->locations = locations;
	p->location_count = pb->n_location;
	*folded_out = folded;
	return 0;
}

/* Go's reader keeps a label as a string label when str is set, as a number
 * when num or num_unit is set, and drops a label with neither. */
static int decode_label_kept(const Perftools__Profiles__Label *l)
{
	return l->str != 0 || l->num != 0 || l->num_unit != 0;
}

/* A sample's only label becomes the model's label where protobuf-c put it
 * (the struct is larger, the memory the arena's): Go's heap profiles carry
 * one label per sample, and a large one has 10^5 samples. */
static int decode_label_in_place(const Perftools__Profiles__Sample *s)
{
	return sizeof(Perftools__Profiles__Label) >= sizeof(struct ep_profile_label) &&
	       s->n_label == 1 && decode_label_kept(s->label[0]);
}

/* Resolves samples [first, last): one pass each, so two threads can share
 * a large profile.  Allocations (only for samples with several labels, or
 * where a pointer is narrower than an id) come from arena, the thread's
 * own.  On an invalid sample, failed_at and why say which and why. */
struct decode_sample_job {
	const struct decode_builder *b;
	struct ep_profile *p;
	const struct decode_id_map *location_ids;
	struct ep_profile_sample *samples;
	struct ep_arena *arena;
	size_t first, last;
	size_t failed_at; /* SIZE_MAX when all went well */
	int status;
	char why[192];
};

static int decode_sample(struct decode_sample_job *job, size_t i)
{
	const struct decode_builder *b = job->b;
	Perftools__Profiles__Sample *s = b->pb->sample[i];
	struct ep_profile_sample *out = &job->samples[i];
	size_t type_count = b->pb->n_sample_type;
	if (s->n_value != type_count) {
		snprintf(job->why, sizeof(job->why),
		         "sample %zu has %zu values but the profile has %zu sample types", i,
		         s->n_value, type_count);
		return -EINVAL;
	}
	/* Stacks reuse the storage of the location ids they replace when a
	 * pointer is as wide as an id (the storage is the arena's, so its type
	 * follows what is stored); otherwise they get their own. */
	const struct ep_profile_location **stack;
	if (sizeof(const struct ep_profile_location *) == sizeof(uint64_t)) {
		stack = (const struct ep_profile_location **)(void *)s->location_id;
	} else {
		stack = ep_arena_alloc(job->arena, s->n_location_id * sizeof(*stack));
		if (stack == NULL)
			return -ENOMEM;
	}
	for (size_t j = 0; j < s->n_location_id; j++) {
		uint64_t id = s->location_id[j];
		uint32_t l = decode_id_map_find(job->location_ids, id);
		if (l == DECODE_NOT_FOUND) {
			snprintf(job->why, sizeof(job->why),
			         "sample %zu names unknown location %" PRIu64, i, id);
			return -EINVAL;
		}
		stack[j] = &job->p->locations[l];
	}
	out->location_count = s->n_location_id;
	out->locations = stack;
	out->values = s->value;
	if (s->n_label == 0)
		return 0;
	int in_place = decode_label_in_place(s);
	struct ep_profile_label *labels =
	        in_place ? (struct ep_profile_label *)(void *)s->label[0]
	                 : ep_arena_alloc(job->arena, s->n_label * sizeof(*labels));
	if (labels == NULL)
		return -ENOMEM;
	out->labels = labels;
	for (size_t j = 0; j < s->n_label; j++) {
		/* Read it all first: in place, the model's label overwrites it. */
		const Perftools__Profiles__Label l = *s->label[j];
		if (!decode_label_kept(&l))
			continue;
		struct ep_profile_label *label = &labels[out->label_count++];
		const char *field = NULL;
		int64_t bad = 0;
		if (l.key < 0 || (uint64_t)l.key >= b->string_count)
			field = "label key", bad = l.key;
		else if (l.str != 0 && (l.str < 0 || (uint64_t)l.str >= b->string_count))
			field = "label value", bad = l.str;
		else if (l.str == 0 && (l.num_unit < 0 || (uint64_t)l.num_unit >= b->string_count))
			field = "label unit", bad = l.num_unit;
		if (field != NULL) {
			snprintf(job->why, sizeof(job->why),
			         "sample %zu: %s string index %" PRId64
			         " is out of range (%zu strings)",
			         i, field, bad, b->string_count);
			return -EINVAL;
		}
		label->key = b->strings[l.key];
		if (l.str != 0) {
			label->str = b->strings[l.str];
			label->num = 0;
			label->num_unit = b->strings[0];
		} else {
			label->str = NULL;
			label->num = l.num;
			label->num_unit = b->strings[l.num_unit];
		}
	}
	return 0;
}

static void decode_sample_range(struct decode_sample_job *job)
{
	job->failed_at = SIZE_MAX;
	job->status = 0;
	for (size_t i = job->first; i < job->last; i++) {
		int r = decode_sample(job, i);
		if (r < 0) {
			job->failed_at = i;
			job->status = r;
			return;
		}
	}
}

static void *decode_sample_worker(void *argument)
{
	decode_sample_range(argument);
	return NULL;
}

/* Below this many samples a second thread costs more than it saves. */
#define DECODE_THREAD_MIN_SAMPLES 20000

static int decode_samples(struct decode_builder *b, struct ep_profile *p,
                          const struct decode_id_map *location_ids, struct ep_arena *helper_arena)
{
	Perftools__Profiles__Profile *pb = b->pb;
	if (pb->n_sample_type == 0 && pb->n_sample != 0) {
		snprintf(b->why, b->whylen, "samples without sample types");
		return -EINVAL;
	}
	struct ep_profile_sample *samples =
	        ep_arena_calloc(b->arena, pb->n_sample, sizeof(*samples));
	if (samples == NULL)
		return -ENOMEM;
	struct decode_sample_job jobs[2];
	for (int k = 0; k < 2; k++) {
		memset(&jobs[k], 0, sizeof(jobs[k]));
		jobs[k].b = b;
		jobs[k].p = p;
		jobs[k].location_ids = location_ids;
		jobs[k].samples = samples;
		jobs[k].failed_at = SIZE_MAX;
	}
	jobs[0].arena = b->arena;
	jobs[0].last = pb->n_sample;
	jobs[1].arena = helper_arena;
	pthread_t thread;
	int threaded = 0;
	if (pb->n_sample >= DECODE_THREAD_MIN_SAMPLES && helper_arena != NULL) {
		jobs[1].first = pb->n_sample / 2;
		jobs[1].last = pb->n_sample;
		jobs[0].last = pb->n_sample / 2;
		threaded = pthread_create(&thread, NULL, decode_sample_worker, &jobs[1]) == 0;
		if (!threaded)
			jobs[0].last = pb->n_sample;
	}
	decode_sample_range(&jobs[0]);
	if (threaded)
		pthread_join(thread, NULL);
	/* Report the first invalid sample, as one thread would have. */
	const struct decode_sample_job *failed = NULL;
	for (int k = 0; k < 1 + threaded; k++)
		if (jobs[k].status != 0 &&
		    (failed == NULL || jobs[k].failed_at < failed->failed_at))
			failed = &jobs[k];
	if (failed != NULL) {
		if (failed->status == -EINVAL)
			snprintf(b->why, b->whylen, "%s", failed->why);
		return failed->status;
	}
	p->samples = samples;
	p->sample_count = pb->n_sample;
	return 0;
}

static int decode_header(struct decode_builder *b, struct profile_box *box)
{
	const Perftools__Profiles__Profile *pb = b->pb;
	struct ep_profile *p = &box->profile;
	struct ep_profile_value_type *types =
	        ep_arena_calloc(b->arena, pb->n_sample_type, sizeof(*types));
	const char **comments = ep_arena_calloc(b->arena, pb->n_comment, sizeof(*comments));
	if (types == NULL || comments == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < pb->n_sample_type; i++)
		if (decode_value_type(b, pb->sample_type[i], &types[i], "sample type", i) < 0)
			return -EINVAL;
	p->sample_types = types;
	p->sample_type_count = pb->n_sample_type;
	if (decode_value_type(b, pb->period_type, &p->period_type, "period type", SIZE_MAX) < 0)
		return -EINVAL;
	for (size_t i = 0; i < pb->n_comment; i++)
		if (decode_string(b, pb->comment[i], &comments[i], "comment", i, "text") < 0)
			return -EINVAL;
	p->comments = comments;
	p->comment_count = pb->n_comment;
	if (decode_string(b, pb->drop_frames, &p->drop_frames, NULL, SIZE_MAX, "drop_frames") < 0 ||
	    decode_string(b, pb->keep_frames, &p->keep_frames, NULL, SIZE_MAX, "keep_frames") < 0 ||
	    decode_string(b, pb->default_sample_type, &box->default_sample_type_name, NULL,
	                  SIZE_MAX, "default_sample_type") < 0)
		return -EINVAL;
	/* Go 1.19 ignores doc_url, so a bad one is no reason to refuse a file. */
	p->doc_url = b->strings[0];
	if (b->doc_url >= 0 && (uint64_t)b->doc_url < b->string_count)
		p->doc_url = b->strings[b->doc_url];
	p->time_nanos = pb->time_nanos;
	p->duration_nanos = pb->duration_nanos;
	p->period = pb->period;
	p->default_sample_type_index =
	        ep_profile_sample_type_find(p, box->default_sample_type_name);
	if (box->default_sample_type_name[0] == '\0')
		p->default_sample_type_index = -1;
	return 0;
}

/* Builds box's model from the unpacked message; why explains -EINVAL. */
static int decode_build(struct profile_box *box, Perftools__Profiles__Profile *pb,
                        const struct decode_scan *scan, char *why, size_t whylen)
{
	struct decode_builder b = { .pb = pb,
		                    .arena = &box->arena,
		                    .doc_url = scan->doc_url,
		                    .why = why,
		                    .whylen = whylen };
	struct decode_id_map mapping_ids, function_ids, location_ids;
	memset(&mapping_ids, 0, sizeof(mapping_ids));
	memset(&function_ids, 0, sizeof(function_ids));
	memset(&location_ids, 0, sizeof(location_ids));
	unsigned char *folded = NULL;
	int ret = decode_strings(&b);
	if (ret < 0)
		goto error;
	ret = decode_header(&b, box);
	if (ret < 0)
		goto error;
	ret = decode_mappings(&b, &box->profile, &mapping_ids);
	if (ret < 0)
		goto error;
	ret = decode_functions(&b, &box->profile, &function_ids);
	if (ret < 0)
		goto error;
	ret = decode_locations(&b, &box->profile, &mapping_ids, &function_ids, &location_ids,
	                       &folded);
	if (ret < 0)
		goto error;
	box->location_is_folded = folded;
	ret = decode_samples(&b, &box->profile, &location_ids, &box->worker_arena);
	if (ret < 0)
		goto error;
	ret = 0;
error:
	decode_id_map_free(&mapping_ids);
	decode_id_map_free(&function_ids);
	decode_id_map_free(&location_ids);
	return ret;
}

/* ---- unpacking in parts ---------------------------------------------------- */

/* The top-level fields of a protobuf message can be cut into runs between
 * fields: each run is a valid message on its own, and concatenating their
 * repeated fields gives the whole.  While the main thread inflates, a
 * worker thread unpacks the runs already inflated; once inflating is done
 * the main thread unpacks runs too.  For a large profile this takes about
 * half the time of inflating and then unpacking. */
#define DECODE_PART_BYTES ((size_t)256 << 10)
/* Below this a thread costs more than it saves. */
#define DECODE_THREAD_MIN_BYTES ((size_t)1 << 20)

struct decode_part {
	size_t start; /* where its bytes start: parts are put back in this order */
	Perftools__Profiles__Profile *pb;
};

struct decode_parts {
	struct decode_part *list;
	size_t count, capacity;
};

static int decode_unpack_part(struct ep_arena *arena, const unsigned char *data, size_t start,
                              size_t end, struct decode_parts *parts)
{
	if (parts->count == parts->capacity) {
		size_t capacity = parts->capacity ? parts->capacity * 2 : 16;
		struct decode_part *grown = realloc(parts->list, capacity * sizeof(*grown));
		if (grown == NULL)
			return -ENOMEM;
		parts->list = grown;
		parts->capacity = capacity;
	}
	ProtobufCAllocator allocator;
	ep_arena_protobuf_allocator(arena, &allocator);
	Perftools__Profiles__Profile *pb =
	        perftools__profiles__profile__unpack(&allocator, end - start, data + start);
	if (pb == NULL)
		return arena->exhausted ? -ENOMEM : -EINVAL;
	parts->list[parts->count].start = start;
	parts->list[parts->count].pb = pb;
	parts->count++;
	return 0;
}

/* Appends the parts of from to to, then puts them in file order. */
static int decode_parts_join(struct decode_parts *to, struct decode_parts *from)
{
	for (size_t i = 0; i < from->count; i++) {
		if (to->count == to->capacity) {
			size_t capacity = to->capacity ? to->capacity * 2 : 16;
			struct decode_part *grown = realloc(to->list, capacity * sizeof(*grown));
			if (grown == NULL)
				return -ENOMEM;
			to->list = grown;
			to->capacity = capacity;
		}
		to->list[to->count++] = from->list[i];
	}
	from->count = 0;
	/* Insertion sort: a few dozen parts, mostly in order already. */
	for (size_t i = 1; i < to->count; i++) {
		struct decode_part part = to->list[i];
		size_t j = i;
		while (j > 0 && to->list[j - 1].start > part.start) {
			to->list[j] = to->list[j - 1];
			j--;
		}
		to->list[j] = part;
	}
	return 0;
}

/* One message from the parts, in order: repeated fields concatenated, and
 * for the others the last part that has one (a later field wins in
 * protobuf, and Go's reader replaces a repeated period_type too). */
#define DECODE_CONCAT(all, parts, arena, field)                                               \
	do {                                                                                  \
		size_t total_ = 0;                                                            \
		for (size_t i_ = 0; i_ < (parts)->count; i_++)                                \
			total_ += (parts)->list[i_].pb->n_##field;                            \
		(all)->field = ep_arena_alloc((arena), (total_ + 1) * sizeof(*(all)->field)); \
		if ((all)->field == NULL)                                                     \
			return NULL;                                                          \
		(all)->n_##field = 0;                                                         \
		for (size_t i_ = 0; i_ < (parts)->count; i_++) {                              \
			const Perftools__Profiles__Profile *part_ = (parts)->list[i_].pb;     \
			if (part_->n_##field == 0)                                            \
				continue;                                                     \
			memcpy((all)->field + (all)->n_##field, part_->field,                 \
			       part_->n_##field * sizeof(*(all)->field));                     \
			(all)->n_##field += part_->n_##field;                                 \
		}                                                                             \
	} while (0)

#define DECODE_LAST(all, part, field)                 \
	do {                                          \
		if ((part)->has_##field) {            \
			(all)->has_##field = 1;       \
			(all)->field = (part)->field; \
		}                                     \
	} while (0)

static Perftools__Profiles__Profile *decode_combine(struct ep_arena *arena,
                                                    const struct decode_parts *parts)
{
	if (parts->count == 1)
		return parts->list[0].pb;
	Perftools__Profiles__Profile *all = ep_arena_alloc(arena, sizeof(*all));
	if (all == NULL)
		return NULL;
	perftools__profiles__profile__init(all);
	DECODE_CONCAT(all, parts, arena, sample_type);
	DECODE_CONCAT(all, parts, arena, sample);
	DECODE_CONCAT(all, parts, arena, mapping);
	DECODE_CONCAT(all, parts, arena, location);
	DECODE_CONCAT(all, parts, arena, function);
	DECODE_CONCAT(all, parts, arena, string_table);
	DECODE_CONCAT(all, parts, arena, comment);
	for (size_t i = 0; i < parts->count; i++) {
		const Perftools__Profiles__Profile *part = parts->list[i].pb;
		DECODE_LAST(all, part, drop_frames);
		DECODE_LAST(all, part, keep_frames);
		DECODE_LAST(all, part, time_nanos);
		DECODE_LAST(all, part, duration_nanos);
		DECODE_LAST(all, part, period);
		DECODE_LAST(all, part, default_sample_type);
		if (part->period_type != NULL)
			all->period_type = part->period_type;
	}
	return all;
}

/* Runs of complete fields, published by the inflating thread as field
 * boundaries and taken in order by whoever unpacks next.  Each thread
 * unpacks into its own arena and list of parts. */
struct decode_pipeline {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	const unsigned char *data; /* does not move while the worker runs */
	size_t *ends;              /* boundaries published, ascending */
	size_t end_count, end_capacity;
	size_t next; /* first run not taken: it starts at ends[next - 1] */
	int closed;  /* nothing more will be published */
	int status;  /* 0 or the first failure */
	struct ep_arena *worker_arena;
	struct decode_parts worker_parts;
	pthread_t thread;
};

/* Takes the next runs (up to DECODE_PART_BYTES, at least one) when
 * available; call with the lock held.  Returns 0 when there are none. */
static int decode_pipeline_take(struct decode_pipeline *pl, size_t *start, size_t *end)
{
	if (pl->next == pl->end_count || pl->status != 0)
		return 0;
	*start = pl->next == 0 ? 0 : pl->ends[pl->next - 1];
	do
		*end = pl->ends[pl->next++];
	while (pl->next < pl->end_count && pl->ends[pl->next] - *start <= DECODE_PART_BYTES);
	return 1;
}

/* Unpacks runs until the queue is closed and empty, or something failed. */
static void decode_pipeline_consume(struct decode_pipeline *pl, struct ep_arena *arena,
                                    struct decode_parts *parts, int wait)
{
	pthread_mutex_lock(&pl->lock);
	for (;;) {
		size_t start, end;
		if (!decode_pipeline_take(pl, &start, &end)) {
			if (!wait || pl->closed || pl->status != 0)
				break;
			pthread_cond_wait(&pl->wake, &pl->lock);
			continue;
		}
		pthread_mutex_unlock(&pl->lock);
		int r = decode_unpack_part(arena, pl->data, start, end, parts);
		pthread_mutex_lock(&pl->lock);
		if (r < 0 && pl->status == 0)
			pl->status = r;
	}
	pthread_mutex_unlock(&pl->lock);
}

static void *decode_worker(void *argument)
{
	struct decode_pipeline *pl = argument;
	decode_pipeline_consume(pl, pl->worker_arena, &pl->worker_parts, 1);
	return NULL;
}

static int decode_pipeline_start(struct decode_pipeline *pl, const unsigned char *data,
                                 struct ep_arena *worker_arena)
{
	memset(pl, 0, sizeof(*pl));
	pl->data = data;
	pl->worker_arena = worker_arena;
	if (pthread_mutex_init(&pl->lock, NULL) != 0)
		return -ENOMEM;
	if (pthread_cond_init(&pl->wake, NULL) != 0) {
		pthread_mutex_destroy(&pl->lock);
		return -ENOMEM;
	}
	if (pthread_create(&pl->thread, NULL, decode_worker, pl) != 0) {
		pthread_cond_destroy(&pl->wake);
		pthread_mutex_destroy(&pl->lock);
		return -EAGAIN;
	}
	return 0;
}

/* Publishes that data[0, end) holds complete fields. */
static void decode_pipeline_publish(struct decode_pipeline *pl, size_t end)
{
	pthread_mutex_lock(&pl->lock);
	size_t last = pl->end_count ? pl->ends[pl->end_count - 1] : 0;
	if (end > last) {
		if (pl->end_count == pl->end_capacity) {
			size_t capacity = pl->end_capacity ? pl->end_capacity * 2 : 64;
			size_t *grown = realloc(pl->ends, capacity * sizeof(*grown));
			if (grown == NULL) {
				if (pl->status == 0)
					pl->status = -ENOMEM;
				goto done;
			}
			pl->ends = grown;
			pl->end_capacity = capacity;
		}
		pl->ends[pl->end_count++] = end;
		pthread_cond_signal(&pl->wake);
	}
done:
	pthread_mutex_unlock(&pl->lock);
}

/* Closes the queue, helps the worker drain it (into arena and parts) when
 * help is set, and joins it; the worker's parts join parts.  Returns how
 * much of the data was published, so unpacked or failed. */
static size_t decode_pipeline_stop(struct decode_pipeline *pl, struct ep_arena *arena,
                                   struct decode_parts *parts, int help, int *status)
{
	pthread_mutex_lock(&pl->lock);
	pl->closed = 1;
	pthread_cond_broadcast(&pl->wake);
	pthread_mutex_unlock(&pl->lock);
	if (help)
		decode_pipeline_consume(pl, arena, parts, 0);
	pthread_join(pl->thread, NULL);
	pthread_cond_destroy(&pl->wake);
	pthread_mutex_destroy(&pl->lock);
	*status = pl->status;
	if (decode_parts_join(parts, &pl->worker_parts) < 0 && *status == 0)
		*status = -ENOMEM;
	size_t published = pl->end_count ? pl->ends[pl->end_count - 1] : 0;
	free(pl->worker_parts.list);
	free(pl->ends);
	return published;
}

/* What decoding the bytes of a file gives before the model is built. */
struct decode_input {
	const unsigned char *data; /* the protobuf bytes */
	size_t len;
	unsigned char *inflated; /* malloc()ed when the file was gzip */
	struct decode_scan scan;
	Perftools__Profiles__Profile *pb; /* NULL when unpacking failed */
	int unpack_status;                /* -EINVAL or -ENOMEM when pb is NULL */
};

/* Inflates a gzip file into input, unpacking complete parts on a worker
 * thread as they appear.  Returns 0 (even when the data is no profile:
 * input says so), or the gzip error: -EINVAL (why), -EFBIG, -ENOMEM. */
static int decode_gzip(const unsigned char *in, size_t in_len, uint64_t limit,
                       struct ep_arena *arena, struct ep_arena *worker_arena,
                       struct decode_input *input, char *why, size_t whylen)
{
	struct decode_inflater z;
	struct decode_pipeline pipeline;
	struct decode_parts parts = { 0 };
	int threaded = 0, status = 0;
	size_t unpacked = 0; /* data[0, unpacked) is in parts */
	int ret = decode_inflater_init(&z, in, in_len, limit);
	if (ret < 0)
		goto error;
	if (z.capacity > DECODE_THREAD_MIN_BYTES)
		threaded = decode_pipeline_start(&pipeline, z.buf, worker_arena) == 0;
	for (;;) {
		ret = decode_inflater_run(&z, z.produced + DECODE_PART_BYTES, why, whylen);
		if (ret == -ENOSPC) {
			/* The buffer must move (the size hint was wrong): the
			 * worker first finishes what it was given. */
			if (threaded) {
				unpacked =
				        decode_pipeline_stop(&pipeline, arena, &parts, 1, &status);
				threaded = 0;
			}
			ret = decode_inflater_grow(&z);
			if (ret < 0)
				goto error;
			continue;
		}
		if (ret < 0)
			goto error;
		decode_scan_advance(&input->scan, z.buf, z.produced, z.finished);
		if (threaded)
			decode_pipeline_publish(&pipeline, input->scan.pos);
		if (z.finished)
			break;
	}
	if (threaded) {
		unpacked = decode_pipeline_stop(&pipeline, arena, &parts, 1, &status);
		threaded = 0;
	}
	input->inflated = z.buf;
	input->data = z.buf;
	input->len = z.produced;
	z.buf = NULL;
	if (status == 0 && !input->scan.failed && unpacked < input->scan.pos)
		status = decode_unpack_part(arena, input->data, unpacked, input->scan.pos, &parts);
	if (status == 0 && !input->scan.failed && parts.count > 0) {
		input->pb = decode_combine(arena, &parts);
		if (input->pb == NULL)
			status = -ENOMEM;
	}
	input->unpack_status = status != 0 ? status : -EINVAL;
	ret = 0;
error:
	if (threaded)
		decode_pipeline_stop(&pipeline, arena, &parts, 0, &status);
	decode_inflater_end(&z);
	free(z.buf);
	free(parts.list);
	return ret;
}

/* ---- entry points --------------------------------------------------------- */

static uint64_t decode_limit(const struct ep_profile_load_options *opts)
{
	if (opts == NULL || opts->max_decompressed_bytes == 0)
		return EP_PROFILE_DEFAULT_MAX_BYTES;
	return opts->max_decompressed_bytes;
}

int ep_profile_load_buffer(const void *data, size_t len, const char *display_name,
                           const struct ep_profile_load_options *opts, struct ep_profile **out,
                           char *err, size_t errlen)
{
	const unsigned char *bytes = data;
	const char *name = display_name != NULL ? display_name : "(profile)";
	uint64_t limit = decode_limit(opts);
	struct profile_box *box = NULL;
	struct decode_input input;
	char why[256];
	int ret;

	memset(&input, 0, sizeof(input));
	decode_scan_init(&input.scan);
	*out = NULL;
	if (len == 0) {
		ret = decode_fail(err, errlen, -EINVAL, name, "not a pprof profile: empty file");
		goto error;
	}
	box = calloc(1, sizeof(*box));
	if (box == NULL) {
		ret = decode_fail(err, errlen, -ENOMEM, name, "out of memory");
		goto error;
	}
	ep_arena_init(&box->arena);
	ep_arena_init(&box->worker_arena);
	if (len >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b) {
		ret = decode_gzip(bytes, len, limit, &box->arena, &box->worker_arena, &input, why,
		                  sizeof(why));
		if (ret == -EFBIG) {
			ret = decode_too_big(err, errlen, name, limit, "decompressed size");
			goto error;
		}
		if (ret == -ENOMEM) {
			ret = decode_fail(err, errlen, ret, name,
			                  "out of memory while decompressing");
			goto error;
		}
		if (ret < 0) {
			ret = decode_fail(err, errlen, ret, name, "%s", why);
			goto error;
		}
		if (input.len == 0) {
			ret = decode_fail(err, errlen, -EINVAL, name,
			                  "not a pprof profile: the gzip stream is empty");
			goto error;
		}
	} else {
		if ((uint64_t)len > limit) {
			ret = decode_too_big(err, errlen, name, limit, "size");
			goto error;
		}
		input.data = bytes;
		input.len = len;
		input.unpack_status = -EINVAL;
		/* No point unpacking what is text, or cut short. */
		if (!decode_describe_non_profile(bytes, len, why, sizeof(why)) &&
		    decode_scan_advance(&input.scan, bytes, len, 1) == 0) {
			struct decode_parts parts = { 0 };
			input.unpack_status =
			        decode_unpack_part(&box->arena, bytes, 0, len, &parts);
			if (input.unpack_status == 0)
				input.pb = parts.list[0].pb;
			free(parts.list);
		}
	}
	/* Most telling first: what the bytes look like, then where the wire
	 * format breaks, then what protobuf-c refused. */
	if (decode_describe_non_profile(input.data, input.len, why, sizeof(why))) {
		ret = decode_fail(err, errlen, -EINVAL, name, "not a pprof profile: %s", why);
		goto error;
	}
	if (input.scan.failed) {
		ret = decode_fail(err, errlen, -EINVAL, name, "%s", input.scan.why);
		goto error;
	}
	if (input.pb == NULL) {
		if (input.unpack_status == -ENOMEM)
			ret = decode_fail(err, errlen, -ENOMEM, name, "out of memory");
		else
			ret = decode_fail(err, errlen, -EINVAL, name,
			                  "not a pprof profile: malformed protobuf data");
		goto error;
	}
	why[0] = '\0';
	ret = decode_build(box, input.pb, &input.scan, why, sizeof(why));
	if (ret == -ENOMEM) {
		ret = decode_fail(err, errlen, ret, name, "out of memory");
		goto error;
	}
	if (ret < 0) {
		ret = decode_fail(err, errlen, ret, name, "invalid profile: %s", why);
		goto error;
	}
	free(input.inflated);
	*out = &box->profile;
	return 0;

error:
	free(input.inflated);
	if (box != NULL) {
		ep_arena_release(&box->arena);
		ep_arena_release(&box->worker_arena);
		free(box);
	}
	return ret;
}

/* Reads all of fd; a regular file in one read() of its size. */
static int decode_read_all(int fd, uint64_t limit, unsigned char **out, size_t *out_len)
{
	struct stat st;
	size_t capacity = 64 << 10;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		if ((uint64_t)st.st_size > limit)
			return -EFBIG;
		capacity = (size_t)st.st_size + 1; /* +1: see EOF without growing */
	}
	unsigned char *buf = malloc(capacity);
	size_t len = 0;
	int ret;
	if (buf == NULL)
		return -ENOMEM;
	for (;;) {
		if (len == capacity) {
			if ((uint64_t)len > limit) {
				ret = -EFBIG;
				goto error;
			}
			size_t grown = capacity * 2;
			unsigned char *bigger = grown > capacity ? realloc(buf, grown) : NULL;
			if (bigger == NULL) {
				ret = -ENOMEM;
				goto error;
			}
			buf = bigger;
			capacity = grown;
		}
		ssize_t n = read(fd, buf + len, capacity - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto error;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if ((uint64_t)len > limit) {
		ret = -EFBIG;
		goto error;
	}
	*out = buf;
	*out_len = len;
	return 0;
error:
	free(buf);
	return ret;
}

int ep_profile_load_file(const char *path, const struct ep_profile_load_options *opts,
                         struct ep_profile **out, char *err, size_t errlen)
{
	unsigned char *data = NULL;
	size_t len = 0;
	int fd = -1;
	int ret;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		ret = decode_fail(err, errlen, ret, path, "cannot open: %s", strerror(-ret));
		goto error;
	}
	uint64_t limit = decode_limit(opts);
	ret = decode_read_all(fd, limit, &data, &len);
	if (ret == -EFBIG) {
		ret = decode_too_big(err, errlen, path, limit, "file size");
		goto error;
	}
	if (ret < 0) {
		ret = decode_fail(err, errlen, ret, path, "cannot read: %s", strerror(-ret));
		goto error;
	}
	ret = ep_profile_load_buffer(data, len, path, opts, out, err, errlen);
error:
	if (fd >= 0)
		close(fd);
	free(data);
	return ret;
}

void ep_profile_free(struct ep_profile *profile)
{
	if (profile == NULL)
		return;
	struct profile_box *box = decode_box(profile);
	ep_arena_release(&box->arena);
	ep_arena_release(&box->worker_arena);
	free(box);
}

size_t ep_profile_memory_bytes(const struct ep_profile *profile)
{
	const struct profile_box *box = decode_box(profile);
	return sizeof(*box) + box->arena.allocated_bytes + box->worker_arena.allocated_bytes;
}

/* ---- sample types --------------------------------------------------------- */

int ep_profile_sample_type_find(const struct ep_profile *p, const char *name)
{
	for (size_t i = 0; i < p->sample_type_count; i++)
		if (strcmp(p->sample_types[i].type, name) == 0)
			return (int)i;
	return -1;
}

/* strconv.Atoi: an optional sign and decimal digits, nothing else. */
static int decode_parse_index(const char *s, long long *out)
{
	const char *c = s;
	int negative = 0;
	if (*c == '+' || *c == '-')
		negative = *c++ == '-';
	if (*c == '\0')
		return -1;
	unsigned long long v = 0;
	for (; *c != '\0'; c++) {
		if (*c < '0' || *c > '9')
			return -1;
		unsigned digit = (unsigned)(*c - '0');
		if (v > (ULLONG_MAX - digit) / 10)
			return -1;
		v = v * 10 + digit;
	}
	if (v > (unsigned long long)LLONG_MAX + (negative ? 1u : 0u))
		return -1;
	*out = negative ? (long long)(0 - v) : (long long)v;
	return 0;
}

int ep_profile_sample_index(const struct ep_profile *p, const char *spec, char *err, size_t errlen)
{
	if (p->sample_type_count == 0) {
		snprintf(err, errlen, "the profile has no sample types");
		return -EINVAL;
	}
	if (spec == NULL || spec[0] == '\0') {
		if (p->default_sample_type_index >= 0)
			return p->default_sample_type_index;
		return (int)p->sample_type_count - 1;
	}
	long long number;
	if (decode_parse_index(spec, &number) == 0) {
		if (number < 0 || (unsigned long long)number >= p->sample_type_count) {
			snprintf(err, errlen, "sample index %s is outside the range [0..%zu]", spec,
			         p->sample_type_count - 1);
			return -EINVAL;
		}
		return (int)number;
	}
	/* pprof's legacy names: "inuse_space" also finds a type named "space". */
	const char *without_inuse = strncmp(spec, "inuse_", 6) == 0 ? spec + 6 : spec;
	for (size_t i = 0; i < p->sample_type_count; i++)
		if (strcmp(p->sample_types[i].type, spec) == 0 ||
		    strcmp(p->sample_types[i].type, without_inuse) == 0)
			return (int)i;
	if (err != NULL && errlen > 0) {
		int n = snprintf(err, errlen, "sample index \"%s\" must be one of:", spec);
		for (size_t i = 0; i < p->sample_type_count && n >= 0 && (size_t)n < errlen; i++)
			n += snprintf(err + n, errlen - (size_t)n, " %s", p->sample_types[i].type);
	}
	return -EINVAL;
}

const char *ep_profile_default_sample_type_name(const struct ep_profile *p)
{
	return decode_box(p)->default_sample_type_name;
}

bool ep_profile_location_is_folded(const struct ep_profile *p,
                                   const struct ep_profile_location *location)
{
	const struct profile_box *box = decode_box(p);
	return box->location_is_folded[location - p->locations] != 0;
}
