/* The collection loop of `run` and `collect`.
 *
 * Snapshots are scheduled on the monotonic clock at t0 + k * interval, so
 * slow snapshots never make the schedule drift; a slot missed entirely is
 * skipped, not crammed in. Every attempt, good or failed, goes into run.json,
 * which is rewritten atomically after every round, so it is valid whenever
 * the process stops. Nothing here deletes a file. */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analysis.h"
#include "ep-build-config.h"
#include "format.h"
#include "fsutil.h"
#include "host_api.h"
#include "json_reader.h"
#include "json_writer.h"
#include "pprof/decode.h"
#include "process.h"
#include "redact.h"
#include "settings.h"

/* Signal handlers can reach nothing else: the count of SIGINT/SIGTERM
 * received and the last one, read by the loop and by stop_requested. */
static volatile sig_atomic_t run_signal_count;
static volatile sig_atomic_t run_last_signal;

static void run_on_signal(int signo)
{
	run_signal_count++;
	run_last_signal = signo;
}

static const char *const run_kind_names[EP_KIND_COUNT] = { "heap", "cpu", "goroutine", "allocs",
	                                                   "goroutineleak" };

const char *ep_run_kind_name(enum ep_profile_kind_index kind)
{
	return run_kind_names[kind];
}

int ep_run_parse_profiles(const char *list, bool wanted[EP_KIND_COUNT], char *err, size_t errlen)
{
	memset(wanted, 0, EP_KIND_COUNT * sizeof(bool));
	char *copy = strdup(list);
	if (copy == NULL)
		return -ENOMEM;
	int rc = 0, count = 0;
	char *cursor = copy, *item;
	while ((item = strsep(&cursor, ",")) != NULL) {
		item += strspn(item, " ");
		item[strcspn(item, " ")] = '\0';
		if (*item == '\0')
			continue;
		int found = -1;
		for (int kind = 0; kind < EP_KIND_COUNT; kind++)
			if (strcmp(item, run_kind_names[kind]) == 0)
				found = kind;
		if (found < 0) {
			snprintf(err, errlen,
			         "unknown profile '%s' (choose from heap, cpu, goroutine, allocs, "
			         "goroutineleak)",
			         item);
			rc = -EINVAL;
			break;
		}
		wanted[found] = true;
		count++;
	}
	if (rc == 0 && count == 0) {
		snprintf(err, errlen, "no profile to take");
		rc = -EINVAL;
	}
	free(copy);
	return rc;
}

struct run_record {
	uint32_t round;
	int kind;
	char *source;
	char *file; /* relative to the run directory; NULL when it failed */
	char *error;
	int64_t time_unix_ns;
	double offset_seconds;
	int64_t duration_ms;
	int64_t bytes;
	int64_t inuse_bytes; /* heap only, -1 when unknown */
	uint32_t index;      /* the N of kindN.pprof */
	char *memstats;      /* heap: the collector's memstats side file, or NULL */
};

struct run_event {
	int64_t time_unix_ns;
	char *origin, *type, *message;
};

struct run_source {
	char *name;
	uint32_t next_index[EP_KIND_COUNT];
};

struct run_attempt;
struct run_state;

struct run_cpu_job {
	pthread_t thread;
	bool active;      /* started and not yet recorded */
	atomic_bool done; /* the thread finished taking */
	struct run_state *run;
	struct run_attempt *attempts;
	size_t count;
};

struct run_state {
	struct ep_cli *cli;
	const struct ep_run_options *options;
	/* settings */
	const char *collector_name;
	int64_t interval_seconds, cpu_seconds, duration_seconds, failure_warning;
	int64_t memstats_every; /* heap rounds per runtime.MemStats fetch; 0: never */
	bool gc;
	bool kinds[EP_KIND_COUNT];
	char *const *argv;
	char *default_argv[3];
	/* files */
	char directory[PATH_MAX];
	char manifest_path[PATH_MAX + 16];
	int directory_fd; /* the run directory, opened O_NOFOLLOW; files are made relative to it */
	FILE *collection_log;
	/* --force into an earlier run: its start, so offsets stay on one axis */
	int64_t earlier_started_ns;
	double offset_base_seconds;
	/* the manifest's last write: 0 or the errno it failed with */
	int manifest_errno;
	size_t manifest_listed; /* records in the last successful write */
	size_t write_failures;  /* snapshots lost to a local write error (disk full) */
	int marker_errno;       /* writing run.failed: 0 or a negative errno */
	int test_log_fd;
	/* collection */
	struct ep_host_context host_context;
	struct ep_instance *collector;
	const struct ep_collector_ops *ops;
	bool collector_started; /* start() was called: stop() is owed */
	struct run_record *records;
	size_t record_count, record_capacity;
	struct run_event *events;
	size_t event_count, event_capacity;
	struct run_source *sources;
	size_t source_count;
	bool per_source_layout, layout_decided, warned_extra_sources;
	uint32_t rounds;
	size_t ok_count, failed_count, consecutive_failures;
	int64_t latest_inuse;
	/* the test command */
	struct ep_child child;
	bool command_started;
	int command_exit;
	int64_t command_started_ns, command_ended_ns;
	pthread_t tee_thread;
	bool tee_running;
	/* time */
	struct run_cpu_job cpu;
	pthread_mutex_t event_lock; /* guards events: the CPU thread adds some */
	/* Sources of the last sources() call, reused while a CPU job runs. */
	char **last_sources;
	size_t last_source_count;
	struct timespec t0;
	int64_t started_ns, ended_ns;
	const char *status; /* running, completed, interrupted, aborted, failed */
	/* What became of a CPU profile in flight when the test ended: "none"
	 * or "discarded" (docs/run-json.md). */
	const char *cpu_at_end;
	bool cpu_discard; /* the job in flight is discarded, not recorded */
	bool tty_status;
};

static int64_t run_now_unix_ns(void)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

static double run_elapsed(const struct run_state *run)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - run->t0.tv_sec) +
	       (double)(now.tv_nsec - run->t0.tv_nsec) / 1e9;
}

static void run_format_time(char *buf, size_t len, int64_t unix_ns)
{
	time_t seconds = (time_t)(unix_ns / 1000000000);
	struct tm utc;
	gmtime_r(&seconds, &utc);
	char base[32];
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &utc);
	snprintf(buf, len, "%s.%03dZ", base, (int)((unix_ns / 1000000) % 1000));
}

/* ---- run.json --------------------------------------------------------- */

static void run_json_time(struct ep_json_writer *json, const char *key, int64_t unix_ns)
{
	char text[40];
	ep_json_key(json, key);
	if (unix_ns == 0) {
		ep_json_null(json);
		return;
	}
	run_format_time(text, sizeof(text), unix_ns);
	ep_json_string(json, text);
}

static void run_write_settings(struct run_state *run, struct ep_json_writer *json)
{
	ep_json_key(json, "settings");
	ep_json_begin_object(json);
	ep_json_key(json, "collector");
	ep_json_string(json, run->collector_name);
	ep_json_key(json, "interval_seconds");
	ep_json_int(json, run->interval_seconds);
	ep_json_key(json, "profiles");
	ep_json_begin_array(json);
	for (int kind = 0; kind < EP_KIND_COUNT; kind++)
		if (run->kinds[kind])
			ep_json_string(json, run_kind_names[kind]);
	ep_json_end_array(json);
	ep_json_key(json, "cpu_duration_seconds");
	ep_json_int(json, run->cpu_seconds);
	ep_json_key(json, "gc");
	ep_json_bool(json, run->gc);
	ep_json_key(json, "duration_seconds");
	ep_json_int(json, run->duration_seconds);
	ep_json_key(json, "layout");
	ep_json_string(json, run->per_source_layout ? "per-source" : "single");
	ep_json_end_object(json);
}

/* The test window as offsets from the run's start, for people reading
 * run.json; analyzers use the command's times (docs/run-json.md). */
static void run_write_test_window(struct run_state *run, struct ep_json_writer *json)
{
	ep_json_key(json, "window");
	ep_json_begin_object(json);
	ep_json_key(json, "start_offset_seconds");
	ep_json_double(json, run->command_started_ns
	                             ? (double)(run->command_started_ns - run->started_ns) / 1e9
	                             : NAN);
	ep_json_key(json, "end_offset_seconds");
	ep_json_double(json, run->command_ended_ns
	                             ? (double)(run->command_ended_ns - run->started_ns) / 1e9
	                             : NAN);
	ep_json_key(json, "cpu_at_end");
	ep_json_string(json, run->cpu_at_end);
	ep_json_end_object(json);
}

static void run_write_command(struct run_state *run, struct ep_json_writer *json)
{
	ep_json_key(json, "command");
	if (run->options->collect_only) {
		ep_json_null(json);
		return;
	}
	ep_json_begin_object(json);
	ep_json_key(json, "argv");
	ep_json_begin_array(json);
	for (char *const *arg = run->argv; *arg != NULL; arg++)
		ep_json_string(json, *arg);
	ep_json_end_array(json);
	run_json_time(json, "started_at", run->command_started_ns);
	run_json_time(json, "ended_at", run->command_ended_ns);
	ep_json_key(json, "started_unix_ns");
	ep_json_int(json, run->command_started_ns);
	ep_json_key(json, "ended_unix_ns");
	ep_json_int(json, run->command_ended_ns);
	run_write_test_window(run, json);
	ep_json_key(json, "exit_status");
	if (run->command_ended_ns != 0)
		ep_json_int(json, run->command_exit);
	else
		ep_json_null(json);
	ep_json_end_object(json);
}

/* Writes the figures of one source of a memstats side file: lines
 * "PREFIXkey value" as "object": {"source": SOURCE, key: NUMBER...}, or
 * "PREFIXerror REASON" as "object_error": REASON (docs/run-json.md). */
static void run_write_side_figures(struct ep_json_writer *json, const char *text,
                                   const char *prefix, const char *object, const char *source)
{
	size_t prefix_length = strlen(prefix);
	bool open = false;
	for (const char *line = text; *line != '\0';) {
		size_t length = strcspn(line, "\n");
		char copy[1200];
		const char *next = line + length + (line[length] == '\n');
		bool mine = length < sizeof(copy) && strncmp(line, prefix, prefix_length) == 0 &&
		            (prefix_length > 0 || strncmp(line, "prometheus.", 11) != 0);
		if (!mine) {
			line = next;
			continue;
		}
		memcpy(copy, line + prefix_length, length - prefix_length);
		copy[length - prefix_length] = '\0';
		if (strncmp(copy, "error ", 6) == 0) {
			if (!open) {
				char key[64];
				snprintf(key, sizeof(key), "%s_error", object);
				ep_json_key(json, key);
				ep_json_string(json, copy + 6);
				return;
			}
		} else {
			char key[64];
			double value;
			if (sscanf(copy, "%63s %lf", key, &value) == 2 && isfinite(value)) {
				if (!open) {
					ep_json_key(json, object);
					ep_json_begin_object(json);
					ep_json_key(json, "source");
					ep_json_string(json, source);
					open = true;
				}
				ep_json_key(json, key);
				if (value == floor(value) && fabs(value) < 9e15)
					ep_json_int(json, (int64_t)value);
				else
					ep_json_double(json, value);
			}
		}
		line = next;
	}
	if (open)
		ep_json_end_object(json);
}

/* A heap record's runtime figures (memstats) and process figures
 * (prometheus), each labelled by its source. */
static void run_write_memstats(struct ep_json_writer *json, const char *text)
{
	run_write_side_figures(json, text, "", "runtime", "memstats");
	run_write_side_figures(json, text, "prometheus.", "process", "prometheus");
}

static void run_write_records(struct run_state *run, struct ep_json_writer *json)
{
	ep_json_key(json, "snapshots");
	ep_json_begin_array(json);
	for (size_t i = 0; i < run->record_count; i++) {
		const struct run_record *r = &run->records[i];
		ep_json_begin_object(json);
		ep_json_key(json, "round");
		ep_json_int(json, r->round);
		ep_json_key(json, "kind");
		ep_json_string(json, run_kind_names[r->kind]);
		run_json_time(json, "time", r->time_unix_ns);
		ep_json_key(json, "time_unix_ns");
		ep_json_int(json, r->time_unix_ns);
		ep_json_key(json, "offset_seconds");
		ep_json_double(json, r->offset_seconds);
		ep_json_key(json, "source");
		ep_json_string(json, r->source);
		ep_json_key(json, "ok");
		ep_json_bool(json, r->file != NULL);
		if (r->file != NULL) {
			ep_json_key(json, "index");
			ep_json_int(json, r->index);
			ep_json_key(json, "file");
			ep_json_string(json, r->file);
			ep_json_key(json, "bytes");
			ep_json_int(json, r->bytes);
			if (r->inuse_bytes >= 0) {
				ep_json_key(json, "inuse_bytes");
				ep_json_int(json, r->inuse_bytes);
			}
		} else {
			ep_json_key(json, "error");
			ep_json_string(json, r->error);
		}
		if (r->memstats != NULL)
			run_write_memstats(json, r->memstats);
		ep_json_key(json, "duration_ms");
		ep_json_int(json, r->duration_ms);
		ep_json_end_object(json);
	}
	ep_json_end_array(json);
}

static void run_write_events(struct run_state *run, struct ep_json_writer *json)
{
	ep_json_key(json, "events");
	ep_json_begin_array(json);
	for (size_t i = 0; i < run->event_count; i++) {
		ep_json_begin_object(json);
		run_json_time(json, "time", run->events[i].time_unix_ns);
		ep_json_key(json, "origin");
		ep_json_string(json, run->events[i].origin);
		ep_json_key(json, "type");
		ep_json_string(json, run->events[i].type);
		ep_json_key(json, "message");
		ep_json_string(json, run->events[i].message);
		ep_json_end_object(json);
	}
	ep_json_end_array(json);
}

/* Rewrites run.json; called after every round so it is always current. */
static int run_write_manifest(struct run_state *run)
{
	struct ep_atomic_file file;
	int rc = ep_atomic_file_open(&file, run->manifest_path);
	if (rc < 0)
		goto error;
	struct ep_json_writer json;
	ep_json_init(&json, file.stream);
	ep_json_begin_object(&json);
	ep_json_key(&json, "schema");
	ep_json_string(&json, "e2e-profile/run");
	ep_json_key(&json, "schema_version");
	ep_json_int(&json, 1);
	ep_json_key(&json, "tool_version");
	ep_json_string(&json, EP_VERSION);
	ep_json_key(&json, "name");
	ep_json_string(&json, run->options->name);
	ep_json_key(&json, "mode");
	ep_json_string(&json, run->options->collect_only ? "collect" : "run");
	if (run->options->repetition > 0) {
		ep_json_key(&json, "repetition");
		ep_json_int(&json, run->options->repetition);
	}
	ep_json_key(&json, "status");
	ep_json_string(&json, run->status);
	run_json_time(&json, "started_at", run->started_ns);
	run_json_time(&json, "ended_at", run->ended_ns);
	ep_json_key(&json, "started_unix_ns");
	ep_json_int(&json, run->started_ns);
	ep_json_key(&json, "ended_unix_ns");
	ep_json_int(&json, run->ended_ns);
	run_write_settings(run, &json);
	run_write_command(run, &json);
	ep_json_key(&json, "counts");
	ep_json_begin_object(&json);
	ep_json_key(&json, "ok");
	ep_json_int(&json, (int64_t)run->ok_count);
	ep_json_key(&json, "failed");
	ep_json_int(&json, (int64_t)run->failed_count);
	ep_json_end_object(&json);
	run_write_records(run, &json);
	pthread_mutex_lock(&run->event_lock);
	run_write_events(run, &json);
	pthread_mutex_unlock(&run->event_lock);
	ep_json_end_object(&json);
	rc = ep_atomic_file_commit(&file);
	if (rc < 0)
		goto error;
	if (run->manifest_errno != 0)
		ep_log_info(&run->cli->log, "%s: written again", run->manifest_path);
	run->manifest_errno = 0;
	run->manifest_listed = run->record_count;
	return 0;

error:
	/* Once per failure streak: a full disk would say it every round. */
	if (run->manifest_errno != -rc)
		ep_log_error(&run->cli->log, "%s: cannot write: %s", run->manifest_path,
		             strerror(-rc));
	run->manifest_errno = -rc;
	return rc;
}

/* Room for run.failed, taken when the run starts: on a full disk the
 * marker would not fit otherwise. Freed when the run ends either way. */
static const char run_reserve_name[] = ".run.failed.reserve";

static void run_reserve_marker_room(struct run_state *run)
{
	static const char zeros[4096];
	int fd = openat(run->directory_fd, run_reserve_name,
	                O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, zeros, sizeof(zeros)) != (ssize_t)sizeof(zeros))
		ep_log_debug(&run->cli->log, "cannot reserve room for run.failed: %s",
		             strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* When the manifest could not be brought up to date, a small marker says
 * so beside it, so nobody trusts a run.json that stopped early. Written
 * without fsync (fsync is what fails on some full filesystems), into the
 * reserved room, then renamed into place. */
static int run_write_failed_marker(struct run_state *run)
{
	char text[1024];
	int length = snprintf(text, sizeof(text),
	                      "run.json could not be updated: %s\n"
	                      "it lists %zu of the %zu snapshot attempts of this run "
	                      "(%zu ok, %zu failed)\n",
	                      strerror(run->manifest_errno), run->manifest_listed,
	                      run->record_count, run->ok_count, run->failed_count);
	/* The profiles on disk that the stale manifest does not list. */
	for (size_t i = run->manifest_listed; i < run->record_count && length > 0; i++) {
		if (run->records[i].file == NULL || (size_t)length >= sizeof(text) - 1)
			continue;
		int more = snprintf(text + length, sizeof(text) - (size_t)length,
		                    "not listed: %s\n", run->records[i].file);
		if (more > 0 && (size_t)more < sizeof(text) - (size_t)length)
			length += more;
	}
	unlinkat(run->directory_fd, run_reserve_name, 0);
	int fd = openat(run->directory_fd, ".run.failed.tmp",
	                O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (fd < 0)
		return -errno;
	int rc = write(fd, text, (size_t)length) == length ? 0 : -(errno ? errno : EIO);
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 &&
	    renameat(run->directory_fd, ".run.failed.tmp", run->directory_fd, "run.failed") < 0)
		rc = -errno;
	if (rc < 0)
		unlinkat(run->directory_fd, ".run.failed.tmp", 0);
	return rc;
}

/* ---- events and records ----------------------------------------------- */

static void run_event_add(struct run_state *run, const char *origin, const char *type,
                          const char *message);

/* run.json keeps what servers and kubectl said, minus credentials. */
static char *run_redacted_copy(const char *text)
{
	size_t size = strlen(text) * 2 + sizeof(EP_REDACTED) + 1;
	char *copy = malloc(size);
	if (copy != NULL)
		ep_redact_secrets(text, copy, size);
	return copy;
}

static void run_event_sink(void *context, const char *origin, const char *type, const char *message)
{
	struct run_state *run = context;
	ep_log_write(&run->cli->log, EP_LOG_WARN, origin, "%s: %s", type, message);
	/* The CPU thread's collector calls may record events too. */
	pthread_mutex_lock(&run->event_lock);
	run_event_add(run, origin, type, message);
	pthread_mutex_unlock(&run->event_lock);
}

static void run_event_add(struct run_state *run, const char *origin, const char *type,
                          const char *message)
{
	if (run->event_count == run->event_capacity) {
		size_t capacity = run->event_capacity ? run->event_capacity * 2 : 16;
		struct run_event *grown = realloc(run->events, capacity * sizeof(*grown));
		if (grown == NULL)
			return;
		run->events = grown;
		run->event_capacity = capacity;
	}
	struct run_event *event = &run->events[run->event_count];
	event->time_unix_ns = run_now_unix_ns();
	event->origin = strdup(origin);
	event->type = strdup(type);
	event->message = run_redacted_copy(message);
	if (event->origin && event->type && event->message) {
		run->event_count++;
	} else {
		free(event->origin);
		free(event->type);
		free(event->message);
	}
}

static struct run_record *run_new_record(struct run_state *run)
{
	if (run->record_count == run->record_capacity) {
		size_t capacity = run->record_capacity ? run->record_capacity * 2 : 64;
		struct run_record *grown = realloc(run->records, capacity * sizeof(*grown));
		if (grown == NULL)
			return NULL;
		run->records = grown;
		run->record_capacity = capacity;
	}
	struct run_record *record = &run->records[run->record_count++];
	memset(record, 0, sizeof(*record));
	record->inuse_bytes = -1;
	return record;
}

static struct run_source *run_source_for(struct run_state *run, const char *name)
{
	for (size_t i = 0; i < run->source_count; i++)
		if (strcmp(run->sources[i].name, name) == 0)
			return &run->sources[i];
	struct run_source *grown = realloc(run->sources, (run->source_count + 1) * sizeof(*grown));
	if (grown == NULL)
		return NULL;
	run->sources = grown;
	struct run_source *source = &run->sources[run->source_count];
	memset(source, 0, sizeof(*source));
	source->name = strdup(name);
	if (source->name == NULL)
		return NULL;
	run->source_count++;
	return source;
}

/* A source name as a directory name: pod names already are; anything else
 * loses its slashes and leading dots. */
static void run_source_dirname(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s", name);
	for (char *c = buf; *c; c++)
		if (*c == '/' || (c == buf && *c == '.'))
			*c = '_';
}

/* The sample type a profile of each kind must have to be analyzed. */
static const char *const run_kind_required_type[EP_KIND_COUNT] = {
	[EP_KIND_HEAP] = "inuse_space",        [EP_KIND_CPU] = "cpu",
	[EP_KIND_GOROUTINE] = "goroutine",     [EP_KIND_ALLOCS] = "inuse_space",
	[EP_KIND_GOROUTINELEAK] = "goroutine",
};

/* Checks that the profile at path is one of kind (it has sample types, and
 * the one its analyzers read); for heap, *inuse_bytes gets the sum of
 * inuse_space, as pprof's total (-1 otherwise). Returns 0 or -EBADMSG with
 * reason set. */
static int run_check_snapshot(struct run_state *run, const char *path, int kind,
                              int64_t *inuse_bytes, char *reason, size_t reason_size)
{
	struct ep_profile_load_options options = { run->host_context.max_profile_bytes };
	struct ep_profile *profile = NULL;
	char err[256];
	*inuse_bytes = -1;
	if (ep_profile_load_file(path, &options, &profile, err, sizeof(err)) < 0) {
		snprintf(reason, reason_size, "not a readable profile: %s", err);
		return -EBADMSG;
	}
	int rc = 0;
	const char *required = run_kind_required_type[kind];
	int index = required != NULL ? ep_profile_sample_type_find(profile, required) : 0;
	if (profile->sample_type_count == 0) {
		snprintf(reason, reason_size, "the %s profile has no sample types",
		         run_kind_names[kind]);
		rc = -EBADMSG;
	} else if (index < 0) {
		snprintf(reason, reason_size,
		         "not a %s profile: it lacks the %s sample type (its first is %s)",
		         run_kind_names[kind], required, profile->sample_types[0].type);
		rc = -EBADMSG;
	} else if (kind == EP_KIND_HEAP) {
		int64_t total = 0;
		/* Saturating: a hostile profile may hold values near 2^63. */
		for (size_t i = 0; i < profile->sample_count; i++)
			if (__builtin_add_overflow(total, profile->samples[i].values[index],
			                           &total))
				total = profile->samples[i].values[index] < 0 ? INT64_MIN
				                                              : INT64_MAX;
		*inuse_bytes = total;
	}
	ep_profile_free(profile);
	return rc;
}

/* File numbers run per source only in the per-source layout; in the single
 * layout a replaced pod continues the same heapN sequence. */
static struct run_source *run_numbering_for(struct run_state *run, const char *source_name)
{
	return run_source_for(run, run->per_source_layout ? source_name : "");
}

/* What one snapshot attempt gave, before it becomes a record. The profile
 * is written to a hidden pending file first and renamed to its kindN.pprof
 * name when recorded, so numbers stay gapless even for CPU profiles that
 * finish on another thread. */
struct run_attempt {
	char *source;
	int kind;
	uint32_t round;
	int64_t time_unix_ns;
	double offset_seconds;
	int64_t duration_ms;
	int rc;
	char reason[512];
	char pending[PATH_MAX + 512];
};

/* Takes one snapshot into attempt->pending. Safe on the CPU thread: it
 * touches only the attempt and the collector. */
static void run_take(struct run_state *run, struct run_attempt *attempt)
{
	char dirname[256];
	run_source_dirname(dirname, sizeof(dirname), attempt->source);
	snprintf(attempt->pending, sizeof(attempt->pending), "%s/.%s-%.255s.pending",
	         run->directory, run_kind_names[attempt->kind], dirname);
	attempt->time_unix_ns = run_now_unix_ns();
	attempt->offset_seconds = run_elapsed(run);
	struct ep_snapshot_request request = {
		.struct_size = sizeof(request),
		.source = attempt->source,
		.kind = run_kind_names[attempt->kind],
		.path = attempt->pending,
		.gc = run->gc,
		.cpu_seconds = (uint32_t)run->cpu_seconds,
		.memstats = run->memstats_every > 0 && attempt->round % run->memstats_every == 0,
	};
	attempt->reason[0] = '\0';
	attempt->rc = run->ops->snapshot(run->collector->state, &request, attempt->reason,
	                                 sizeof(attempt->reason));
	attempt->duration_ms = (int64_t)((run_elapsed(run) - attempt->offset_seconds) * 1000);
}

/* Errors of the machine the tool runs on, not of the target. */
static bool run_is_local_write_error(int rc)
{
	return rc == -ENOSPC || rc == -EDQUOT || rc == -EROFS || rc == -EFBIG;
}

/* The per-source layout's subdirectory, made relative to the run
 * directory; a symlink planted under that name is refused later. */
static void run_make_source_directory(struct run_state *run, const char *dirname)
{
	if (mkdirat(run->directory_fd, dirname, 0777) < 0 && errno != EEXIST)
		ep_log_debug(&run->cli->log, "cannot create %s/%s: %s", run->directory, dirname,
		             strerror(errno));
}

/* True when relative's directory part, if any, is a real directory. */
static bool run_source_directory_ok(struct run_state *run, const char *relative)
{
	const char *slash = strchr(relative, '/');
	if (slash == NULL)
		return true;
	char dirname[256];
	snprintf(dirname, sizeof(dirname), "%.*s", (int)(slash - relative), relative);
	struct stat st;
	if (fstatat(run->directory_fd, dirname, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISDIR(st.st_mode))
		return true;
	ep_log_error(&run->cli->log, "%s/%s is not a directory (a symlink?); not writing into it",
	             run->directory, dirname);
	return false;
}

/* Reads and removes the memstats side file the collector wrote beside a
 * heap snapshot (plugin.h, EP_MEMSTATS_SUFFIX); NULL when there is none. */
static char *run_take_memstats(const char *pending)
{
	char side[PATH_MAX + 512 + sizeof(EP_MEMSTATS_SUFFIX)];
	snprintf(side, sizeof(side), "%s%s", pending, EP_MEMSTATS_SUFFIX);
	FILE *stream = fopen(side, "re");
	if (stream == NULL)
		return NULL;
	char *text = calloc(1, 8192);
	if (text != NULL)
		text[fread(text, 1, 8191, stream)] = '\0';
	fclose(stream);
	unlink(side);
	return text;
}

/* The goroutineleak profile exists from Go 1.26 on; an older server
 * answers 404. That is recorded once as "not offered", not as a failure,
 * and the kind is not asked for again in this run. */
static bool run_not_offered(struct run_state *run, struct run_attempt *attempt,
                            struct run_record *record)
{
	if (attempt->kind != EP_KIND_GOROUTINELEAK || attempt->rc != -EPROTO ||
	    strncmp(attempt->reason, "HTTP 404", 8) != 0)
		return false;
	unlink(attempt->pending);
	char text[700];
	snprintf(text, sizeof(text), "not offered by the server (Go 1.26 or later serves it): %s",
	         attempt->reason);
	record->error = strdup(text);
	run->kinds[EP_KIND_GOROUTINELEAK] = false;
	char message[700];
	snprintf(message, sizeof(message), "goroutineleak profile not offered by %s: %s",
	         attempt->source, attempt->reason);
	pthread_mutex_lock(&run->event_lock);
	run_event_add(run, "core", "not-offered", message);
	pthread_mutex_unlock(&run->event_lock);
	ep_log_info(&run->cli->log,
	            "the goroutineleak profile is not offered by %s (%s); not "
	            "asked for again",
	            attempt->source, attempt->reason);
	return true;
}

/* Turns an attempt into a record: names the file, updates the counts and
 * logs it. Main thread only. */
static void run_record_attempt(struct run_state *run, struct run_attempt *attempt)
{
	int kind = attempt->kind;
	const char *source_name = attempt->source;
	struct run_source *source = run_numbering_for(run, source_name);
	struct run_record *record = run_new_record(run);
	if (source == NULL || record == NULL) {
		unlink(attempt->pending);
		return;
	}
	record->round = attempt->round;
	record->kind = kind;
	record->source = strdup(source_name);
	record->time_unix_ns = attempt->time_unix_ns;
	record->offset_seconds = attempt->offset_seconds + run->offset_base_seconds;
	record->duration_ms = attempt->duration_ms;
	if (kind == EP_KIND_HEAP)
		record->memstats = run_take_memstats(attempt->pending);

	char relative[PATH_MAX], path[PATH_MAX * 2], dirname[256];
	uint32_t index = source->next_index[kind];
	if (run->per_source_layout) {
		run_source_dirname(dirname, sizeof(dirname), source_name);
		snprintf(relative, sizeof(relative), "%s/%s%u.pprof", dirname, run_kind_names[kind],
		         index);
		run_make_source_directory(run, dirname);
	} else {
		snprintf(relative, sizeof(relative), "%s%u.pprof", run_kind_names[kind], index);
	}
	snprintf(path, sizeof(path), "%s/%s", run->directory, relative);

	int rc = attempt->rc;
	char *reason = attempt->reason;
	struct stat st;
	int64_t inuse_bytes = -1;
	if (rc == 0)
		rc = run_check_snapshot(run, attempt->pending, kind, &inuse_bytes, reason,
		                        sizeof(attempt->reason));
	/* Relative to the run directory's descriptor, and never into a
	 * symlinked source directory (run_make_source_directory). */
	const char *pending_name = attempt->pending + strlen(run->directory) + 1;
	if (rc == 0 &&
	    (stat(attempt->pending, &st) < 0 || !run_source_directory_ok(run, relative) ||
	     renameat(run->directory_fd, pending_name, run->directory_fd, relative) < 0)) {
		snprintf(reason, sizeof(attempt->reason),
		         "the collector reported success but its profile cannot be moved "
		         "to %.300s",
		         relative);
		rc = -EIO;
	}
	if (rc < 0 && run_not_offered(run, attempt, record))
		return;
	if (rc < 0) {
		unlink(attempt->pending);
		if (reason[0] == '\0')
			snprintf(reason, sizeof(attempt->reason), "%s", strerror(-rc));
		record->error = run_redacted_copy(reason);
		run->failed_count++;
		if (run_is_local_write_error(rc)) {
			/* Our disk, not the target: no "is the target up?" hint. */
			run->write_failures++;
			ep_log_error(&run->cli->log, "snapshot %s from %s not saved: %s",
			             run_kind_names[kind], source_name, reason);
			return;
		}
		run->consecutive_failures++;
		ep_log_warn(&run->cli->log, "snapshot %s from %s failed: %s", run_kind_names[kind],
		            source_name, reason);
		if (run->failure_warning > 0 &&
		    run->consecutive_failures == (size_t)run->failure_warning)
			ep_log_error(&run->cli->log,
			             "%zu snapshots in a row failed; is the target up? "
			             "(last: %s)",
			             run->consecutive_failures, reason);
		return;
	}
	record->file = strdup(relative);
	record->bytes = st.st_size;
	record->index = index;
	source->next_index[kind]++;
	run->ok_count++;
	run->consecutive_failures = 0;
	char inuse_text[EP_FORMAT_MAX + 16] = "";
	if (kind == EP_KIND_HEAP) {
		record->inuse_bytes = inuse_bytes;
		if (record->inuse_bytes >= 0) {
			run->latest_inuse = record->inuse_bytes;
			char value[EP_FORMAT_MAX];
			ep_format_value(value, sizeof(value), record->inuse_bytes, "bytes", "auto");
			snprintf(inuse_text, sizeof(inuse_text), ", in-use %s", value);
		}
	}
	ep_log_write(&run->cli->log, run->tty_status ? EP_LOG_DEBUG : EP_LOG_INFO, NULL,
	             "snapshot %s from %s: %lld bytes%s", relative, source_name,
	             (long long)st.st_size, inuse_text);
}

static void run_snapshot_one(struct run_state *run, const char *source_name, int kind)
{
	struct run_attempt attempt = { .source = (char *)source_name,
		                       .kind = kind,
		                       .round = run->rounds };
	run_take(run, &attempt);
	run_record_attempt(run, &attempt);
}

/* ---- CPU profiles on their own thread ---------------------------------- */

/* A CPU profile lasts cpu_duration seconds, longer than a heap snapshot
 * may wait, so it runs beside the schedule: one job at a time, started by
 * a round, recorded by the first round after it finished. While it runs
 * the host calls no sources(), only snapshot() (see plugin.h). */
static void *run_cpu_main(void *context)
{
	struct run_cpu_job *job = context;
	for (size_t i = 0; i < job->count; i++)
		run_take(job->run, &job->attempts[i]);
	atomic_store(&job->done, true);
	return NULL;
}

/* A CPU profile still running when the test ended covers time after it:
 * it is recorded as discarded, never analyzed, and its file removed. */
static void run_cpu_discard_attempt(struct run_state *run, struct run_attempt *attempt)
{
	unlink(attempt->pending);
	struct run_record *record = run_new_record(run);
	if (record == NULL)
		return;
	record->round = attempt->round;
	record->kind = EP_KIND_CPU;
	record->source = strdup(attempt->source);
	record->time_unix_ns = attempt->time_unix_ns;
	record->offset_seconds = attempt->offset_seconds;
	record->duration_ms = attempt->duration_ms;
	record->error = strdup("discarded: the CPU profile was still running when the test ended");
	ep_log_info(&run->cli->log,
	            "CPU profile from %s discarded: it was still running when "
	            "the test ended",
	            attempt->source);
}

static void run_cpu_collect(struct run_state *run, bool wait)
{
	struct run_cpu_job *job = &run->cpu;
	if (!job->active || (!wait && !atomic_load(&job->done)))
		return;
	pthread_join(job->thread, NULL);
	for (size_t i = 0; i < job->count; i++) {
		if (run->cpu_discard)
			run_cpu_discard_attempt(run, &job->attempts[i]);
		else
			run_record_attempt(run, &job->attempts[i]);
		free(job->attempts[i].source);
	}
	free(job->attempts);
	job->attempts = NULL;
	job->count = 0;
	job->active = false;
}

static void run_cpu_start(struct run_state *run, const char *const *names, size_t count)
{
	struct run_cpu_job *job = &run->cpu;
	job->attempts = calloc(count, sizeof(*job->attempts));
	if (job->attempts == NULL)
		return;
	for (size_t i = 0; i < count; i++) {
		job->attempts[i].source = strdup(names[i]);
		job->attempts[i].kind = EP_KIND_CPU;
		job->attempts[i].round = run->rounds;
		if (job->attempts[i].source == NULL) {
			count = i;
			break;
		}
	}
	job->count = count;
	job->run = run;
	atomic_store(&job->done, false);
	if (pthread_create(&job->thread, NULL, run_cpu_main, job) != 0) {
		for (size_t i = 0; i < count; i++)
			free(job->attempts[i].source);
		free(job->attempts);
		job->attempts = NULL;
		ep_log_warn(&run->cli->log, "cannot start the CPU profile thread");
		return;
	}
	job->active = true;
}

static void run_cpu_end_of_test(struct run_state *run)
{
	if (run->cpu.active && !atomic_load(&run->cpu.done)) {
		run->cpu_discard = true;
		run->cpu_at_end = "discarded";
	}
}

/* One round: ask the collector for its sources, then take each wanted
 * kind from each; a CPU profile starts on its own thread (see above). The
 * final round, after the test, takes no CPU profile: it would only make the
 * run cpu_duration longer. */
static void run_remember_sources(struct run_state *run, const char *const *names, size_t count)
{
	for (size_t i = 0; i < run->last_source_count; i++)
		free(run->last_sources[i]);
	free(run->last_sources);
	run->last_source_count = 0;
	run->last_sources = calloc(count ? count : 1, sizeof(char *));
	if (run->last_sources == NULL)
		return;
	for (size_t i = 0; i < count; i++)
		if ((run->last_sources[run->last_source_count] = strdup(names[i])) != NULL)
			run->last_source_count++;
}

static void run_round(struct run_state *run, bool final_round)
{
	const char *const *names = NULL;
	size_t count = 0;
	char reason[512] = "";
	int rc = 0;
	run_cpu_collect(run, false);
	if (run->cpu.active) {
		/* The collector may not rediscover while a CPU profile is being
		 * taken; the last sources serve this round. */
		names = (const char *const *)run->last_sources;
		count = run->last_source_count;
	} else {
		rc = run->ops->sources(run->collector->state, &names, &count, reason,
		                       sizeof(reason));
		if (rc == 0)
			run_remember_sources(run, names, count);
	}
	if (rc < 0 || count == 0) {
		if (reason[0] == '\0')
			snprintf(reason, sizeof(reason), "%s",
			         rc < 0 ? strerror(-rc) : "no source to snapshot");
		for (int kind = 0; kind < EP_KIND_COUNT; kind++) {
			if (!run->kinds[kind] ||
			    (kind == EP_KIND_CPU && (final_round || run->cpu.active)))
				continue;
			struct run_record *record = run_new_record(run);
			if (record == NULL)
				break;
			record->round = run->rounds;
			record->kind = kind;
			record->time_unix_ns = run_now_unix_ns();
			record->offset_seconds = run_elapsed(run) + run->offset_base_seconds;
			record->error = run_redacted_copy(reason);
			run->failed_count++;
			run->consecutive_failures++;
		}
		ep_log_warn(&run->cli->log, "round %u: no snapshot: %s", run->rounds, reason);
		goto done;
	}
	if (!run->layout_decided) {
		run->per_source_layout = count > 1;
		run->layout_decided = true;
		if (run->per_source_layout)
			ep_log_info(&run->cli->log,
			            "%zu sources: each one's snapshots go into its own "
			            "directory",
			            count);
	}
	if (!run->per_source_layout && count > 1) {
		if (!run->warned_extra_sources)
			ep_log_warn(&run->cli->log,
			            "%zu sources now; this run started with one and follows %s",
			            count, names[0]);
		run->warned_extra_sources = true;
		count = 1;
	}
	/* CPU first, so its profile spans the time the others take. */
	if (run->kinds[EP_KIND_CPU] && !final_round && !run->cpu.active && run_signal_count == 0)
		run_cpu_start(run, names, count);
	for (size_t i = 0; i < count; i++)
		for (int kind = 0; kind < EP_KIND_COUNT; kind++)
			if (kind != EP_KIND_CPU && run->kinds[kind] && run_signal_count < 2)
				run_snapshot_one(run, names[i], kind);
done:
	run->rounds++;
	run_write_manifest(run);
}

/* ---- the test command ---------------------------------------------------- */

/* -v: copy the command's output to test.log and the terminal as it comes. */
static void *run_tee(void *context)
{
	struct run_state *run = context;
	char buffer[8192];
	for (;;) {
		ssize_t got = read(run->child.output_pipe, buffer, sizeof(buffer));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		if (write(run->test_log_fd, buffer, (size_t)got) < 0 ||
		    write(STDERR_FILENO, buffer, (size_t)got) < 0) {
			/* Keep draining so the command never blocks on us. */
		}
	}
	return NULL;
}

static int run_start_command(struct run_state *run)
{
	int rc = ep_child_spawn(&run->child, run->argv,
	                        run->options->verbose ? -1 : run->test_log_fd);
	if (rc < 0) {
		ep_log_error(&run->cli->log, "cannot start the test command '%s': %s", run->argv[0],
		             strerror(-rc));
		return rc;
	}
	run->command_started = true;
	run->command_started_ns = run_now_unix_ns();
	/* The whole command, so `make TARGET` shows its target. */
	char command[1024] = "";
	for (size_t i = 0; run->argv[i] != NULL; i++) {
		size_t used = strlen(command);
		if (used + 2 >= sizeof(command))
			break;
		snprintf(command + used, sizeof(command) - used, "%s%s", i > 0 ? " " : "",
		         run->argv[i]);
	}
	ep_log_info(&run->cli->log, "test command started (pid %d): %s", (int)run->child.pid,
	            command);
	if (run->child.output_pipe >= 0) {
		if (pthread_create(&run->tee_thread, NULL, run_tee, run) == 0)
			run->tee_running = true;
	}
	return 0;
}

static void run_finish_command(struct run_state *run, bool stop)
{
	if (!run->command_started || run->command_ended_ns != 0)
		return;
	/* A second signal cuts the grace period short. */
	ep_child_stop(&run->child, stop ? 5000 : 0, &run_signal_count, 2);
	run->command_ended_ns = run_now_unix_ns();
	run->command_exit = ep_child_exit_code(&run->child);
	if (run->tee_running) {
		pthread_join(run->tee_thread, NULL);
		run->tee_running = false;
	}
	if (run->child.output_pipe >= 0)
		close(run->child.output_pipe);
	run->child.output_pipe = -1;
	if (run->command_exit == 0 || stop)
		ep_log_info(&run->cli->log, "test command ended with status %d", run->command_exit);
	else /* a warning, so it shows with -q too: CI must see why */
		ep_log_warn(&run->cli->log, "test failed (status %d); see %s/test.log",
		            run->command_exit, run->directory);
}

/* ---- progress ------------------------------------------------------------ */

static void run_show_status(struct run_state *run)
{
	if (!run->tty_status)
		return;
	int elapsed = (int)run_elapsed(run);
	char inuse[EP_FORMAT_MAX] = "-";
	if (run->latest_inuse >= 0)
		ep_format_value(inuse, sizeof(inuse), run->latest_inuse, "bytes", "auto");
	const char *test = run->options->collect_only ? "collecting"
	                   : !run->command_started    ? "starting"
	                   : run->child.exited        ? "finished"
	                                              : "running";
	fprintf(stderr,
	        "\r\033[K[%02d:%02d] snapshots: %zu ok, %zu failed | in-use heap: %s | "
	        "test: %s",
	        elapsed / 60, elapsed % 60, run->ok_count, run->failed_count, inuse, test);
	fflush(stderr);
	run->cli->log.status_line_active = true;
}

static void run_clear_status(struct run_state *run)
{
	if (run->cli->log.status_line_active) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		run->cli->log.status_line_active = false;
	}
}

/* ---- setup ---------------------------------------------------------------- */

static int run_check_name(const char *name, char *err, size_t errlen);

static int run_read_settings(struct run_state *run, char *err, size_t errlen)
{
	const struct ep_config *config = run->cli->config;
	/* Flags of run and collect arrive after main() checked the rest. */
	if (ep_config_check_limits(config, ep_settings_limits, err, errlen) < 0)
		return -EINVAL;
	if (run_check_name(run->options->name, err, errlen) < 0)
		return -EINVAL;
	run->collector_name = ep_config_get(config, "run", "collector");
	if (ep_config_get_int(config, "run", "interval", &run->interval_seconds) < 0 ||
	    run->interval_seconds < 1) {
		snprintf(err, errlen, "[run] interval must be at least 1 second");
		return -EINVAL;
	}
	ep_config_get_int(config, "run", "cpu_duration", &run->cpu_seconds);
	ep_config_get_int(config, "run", "duration", &run->duration_seconds);
	ep_config_get_int(config, "run", "failure_warning", &run->failure_warning);
	ep_config_get_bool(config, "run", "gc", &run->gc);
	ep_config_get_int(config, "run", "memstats_every", &run->memstats_every);
	if (run->memstats_every < 0) {
		snprintf(err, errlen, "[run] memstats_every must be 0 (off) or more");
		return -EINVAL;
	}
	if (run->duration_seconds < 0) {
		snprintf(err, errlen, "[run] duration must not be negative");
		return -EINVAL;
	}
	int rc = ep_run_parse_profiles(ep_config_get(config, "run", "profiles"), run->kinds, err,
	                               errlen);
	if (rc < 0)
		return rc;
	return 0;
}

/* A run name becomes a directory name and a word of every log line. */
static int run_check_name(const char *name, char *err, size_t errlen)
{
	for (const unsigned char *c = (const unsigned char *)name; *c != '\0'; c++) {
		if (*c < 0x20 || *c == 0x7f) {
			snprintf(err, errlen,
			         "invalid run name: it holds a control character; use a "
			         "plain "
			         "name such as 'baseline'");
			return -EINVAL;
		}
	}
	if (*name == '\0' || strchr(name, '/') != NULL || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0 || strcmp(name, "comparisons") == 0) {
		snprintf(err, errlen, "invalid run name '%s': use a plain name such as 'baseline'",
		         name);
		return -EINVAL;
	}
	return 0;
}

/* Opens name in the run directory for appending, never through a symlink. */
static int run_open_log(struct run_state *run, const char *name)
{
	int fd = openat(run->directory_fd, name,
	                O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (fd < 0)
		ep_log_error(&run->cli->log, "cannot write %s/%s: %s", run->directory, name,
		             errno == ELOOP ? "it is a symlink; refusing to write through it"
		                            : strerror(errno));
	return fd;
}

static int run_prepare_directory(struct run_state *run)
{
	const char *output_dir = ep_config_get(run->cli->config, "core", "output_dir");
	const char *name = run->options->name;
	if (*name == '\0' || strchr(name, '/') != NULL || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0 || strcmp(name, "comparisons") == 0) {
		ep_log_error(&run->cli->log,
		             "invalid run name '%s': use a plain name such as 'baseline'", name);
		return EP_EXIT_USAGE;
	}
	if (run->options->repetition_dir != NULL)
		snprintf(run->directory, sizeof(run->directory), "%s/%s/%s", output_dir, name,
		         run->options->repetition_dir);
	else
		snprintf(run->directory, sizeof(run->directory), "%s/%s", output_dir, name);
	snprintf(run->manifest_path, sizeof(run->manifest_path), "%s/run.json", run->directory);
	struct stat st;
	bool exists = lstat(run->directory, &st) == 0;
	if (exists && !S_ISDIR(st.st_mode)) {
		ep_log_error(&run->cli->log, "run directory %s is %s; refusing to write through it",
		             run->directory, S_ISLNK(st.st_mode) ? "a symlink" : "not a directory");
		return EP_EXIT_USAGE;
	}
	if (exists && !run->options->force) {
		ep_log_error(&run->cli->log,
		             "run directory %s already exists; choose another name, or "
		             "--force to "
		             "add to it (nothing is deleted)",
		             run->directory);
		return EP_EXIT_USAGE;
	}
	/* A repetition's run directory sits in NAME/, which must be a real
	 * directory too: a symlinked NAME would carry every repK/ with it. */
	char parent[sizeof(run->directory)];
	snprintf(parent, sizeof(parent), "%s", run->directory);
	*strrchr(parent, '/') = '\0';
	int rc = ep_mkdir_parents(parent);
	if (rc == 0 && run->options->repetition_dir != NULL &&
	    (lstat(parent, &st) < 0 || !S_ISDIR(st.st_mode))) {
		ep_log_error(&run->cli->log,
		             "%s is not a directory (a symlink?); refusing to write "
		             "through it",
		             parent);
		return EP_EXIT_USAGE;
	}
	if (rc == 0 && mkdir(run->directory, 0777) < 0 && errno != EEXIST)
		rc = -errno;
	if (rc < 0) {
		ep_log_error(&run->cli->log, "cannot create run directory %s: %s", run->directory,
		             strerror(-rc));
		return EP_EXIT_FAILURE;
	}
	run->directory_fd = open(run->directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (run->directory_fd < 0) {
		ep_log_error(&run->cli->log, "cannot open run directory %s: %s", run->directory,
		             errno == ELOOP || errno == ENOTDIR
		                     ? "it is a symlink; refusing to write through it"
		                     : strerror(errno));
		return EP_EXIT_FAILURE;
	}
	int fd = run_open_log(run, "collection.log");
	if (fd < 0)
		return EP_EXIT_FAILURE;
	run->collection_log = fdopen(fd, "a");
	if (run->collection_log == NULL) {
		close(fd);
		return EP_EXIT_FAILURE;
	}
	if (!run->options->collect_only) {
		run->test_log_fd = run_open_log(run, "test.log");
		if (run->test_log_fd < 0)
			return EP_EXIT_FAILURE;
	}
	return EP_EXIT_OK;
}

/* "2026-12-01T20:06:41.123Z" back into nanoseconds; 0 when malformed. */
static int64_t run_parse_time(const char *text)
{
	struct tm utc = { 0 };
	int millis = 0;
	if (text == NULL ||
	    sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &utc.tm_year, &utc.tm_mon, &utc.tm_mday,
	           &utc.tm_hour, &utc.tm_min, &utc.tm_sec, &millis) != 7)
		return 0;
	utc.tm_year -= 1900;
	utc.tm_mon -= 1;
	return (int64_t)timegm(&utc) * 1000000000 + (int64_t)millis * 1000000;
}

static int run_kind_index(const char *name)
{
	for (int kind = 0; kind < EP_KIND_COUNT; kind++)
		if (strcmp(name, run_kind_names[kind]) == 0)
			return kind;
	return -1;
}

static void run_keep_earlier_record(struct run_state *run, const struct ep_json *item)
{
	int kind = run_kind_index(ep_json_get_string(item, "kind", ""));
	struct run_record *record = kind >= 0 ? run_new_record(run) : NULL;
	if (record == NULL)
		return;
	record->round = (uint32_t)ep_json_get_int(item, "round", 0);
	record->kind = kind;
	record->source = strdup(ep_json_get_string(item, "source", ""));
	record->time_unix_ns = ep_json_get_int(item, "time_unix_ns", 0);
	record->offset_seconds = ep_json_get_double(item, "offset_seconds", 0);
	record->duration_ms = ep_json_get_int(item, "duration_ms", 0);
	const char *file = ep_json_get_string(item, "file", NULL);
	if (ep_json_get_bool(item, "ok", false) && file != NULL) {
		record->file = strdup(file);
		record->index = (uint32_t)ep_json_get_int(item, "index", 0);
		record->bytes = ep_json_get_int(item, "bytes", 0);
		record->inuse_bytes = ep_json_get_int(item, "inuse_bytes", -1);
		run->ok_count++;
		/* Numbers continue after the earlier ones, per source in the
		 * per-source layout, so no earlier profile is replaced. */
		struct run_source *source = run_numbering_for(run, record->source);
		if (source != NULL && record->index >= source->next_index[kind])
			source->next_index[kind] = record->index + 1;
	} else {
		record->error = strdup(ep_json_get_string(item, "error", "unknown"));
		run->failed_count++;
	}
	if (record->round >= run->rounds)
		run->rounds = record->round + 1;
}

/* --force into a run with a run.json: keep every earlier snapshot and
 * event, so the manifest grows instead of forgetting them. A manifest that
 * cannot be read is not overwritten. */
static int run_extend_manifest(struct run_state *run)
{
	if (faccessat(run->directory_fd, "run.json", F_OK, AT_SYMLINK_NOFOLLOW) != 0)
		return EP_EXIT_OK;
	struct ep_json_document *document = NULL;
	char err[512];
	if (ep_json_parse_file(run->manifest_path, &document, err, sizeof(err)) < 0) {
		ep_log_error(&run->cli->log,
		             "--force: cannot extend the earlier run: %s; move it away first", err);
		return EP_EXIT_FAILURE;
	}
	const struct ep_json *root = ep_json_root(document);
	if (strcmp(ep_json_get_string(root, "schema", ""), "e2e-profile/run") != 0 ||
	    ep_json_get_int(root, "schema_version", 0) != 1) {
		ep_log_error(&run->cli->log,
		             "--force: %s is not a run manifest of schema version 1; move "
		             "it away "
		             "first",
		             run->manifest_path);
		ep_json_free(document);
		return EP_EXIT_FAILURE;
	}
	run->earlier_started_ns = ep_json_get_int(root, "started_unix_ns", 0);
	const struct ep_json *settings = ep_json_get(root, "settings");
	if (strcmp(ep_json_get_string(settings, "layout", "single"), "per-source") == 0) {
		run->per_source_layout = true;
		run->layout_decided = true;
	}
	const struct ep_json *snapshots = ep_json_get(root, "snapshots");
	for (size_t i = 0;
	     snapshots != NULL && snapshots->type == EP_JSON_ARRAY && i < snapshots->count; i++)
		run_keep_earlier_record(run, &snapshots->items[i]);
	const struct ep_json *events = ep_json_get(root, "events");
	for (size_t i = 0; events != NULL && events->type == EP_JSON_ARRAY && i < events->count;
	     i++) {
		const struct ep_json *event = &events->items[i];
		run_event_add(run, ep_json_get_string(event, "origin", ""),
		              ep_json_get_string(event, "type", ""),
		              ep_json_get_string(event, "message", ""));
		if (run->event_count > 0)
			run->events[run->event_count - 1].time_unix_ns =
			        run_parse_time(ep_json_get_string(event, "time", NULL));
	}
	ep_log_info(&run->cli->log, "--force: %s keeps its %zu earlier snapshot attempts",
	            run->manifest_path, run->record_count);
	ep_json_free(document);
	return EP_EXIT_OK;
}

/* --force into a directory with earlier snapshots: continue their numbers
 * instead of overwriting them. */
static void run_continue_numbering(struct run_state *run)
{
	struct run_source *source = run_numbering_for(run, "");
	if (source == NULL)
		return;
	for (int kind = 0; kind < EP_KIND_COUNT; kind++) {
		char path[PATH_MAX * 2];
		for (;;) {
			snprintf(path, sizeof(path), "%s/%s%u.pprof", run->directory,
			         run_kind_names[kind], source->next_index[kind]);
			if (access(path, F_OK) != 0)
				break;
			source->next_index[kind]++;
		}
	}
}

static int run_start_collector(struct run_state *run)
{
	const struct ep_plugin *plugin = ep_plugin_registry_find(
	        &run->cli->plugins, EP_PLUGIN_KIND_COLLECTOR, run->collector_name);
	if (plugin == NULL) {
		ep_log_error(&run->cli->log,
		             "no collector plugin named '%s' is installed (see e2e-profile "
		             "plugins)",
		             run->collector_name);
		return EP_EXIT_USAGE;
	}
	run->ops = plugin->descriptor->collector;
	int rc = ep_instance_create(plugin, &run->host_context, &run->collector);
	if (rc == -EINVAL)
		return EP_EXIT_USAGE; /* the plugin named the setting */
	if (rc < 0) {
		ep_log_error(&run->cli->log, "collector %s failed to initialize: %s",
		             run->collector_name, strerror(-rc));
		return EP_EXIT_FAILURE;
	}
	run->collector_started = true;
	rc = run->ops->start(run->collector->state);
	if (rc == -EINVAL)
		return EP_EXIT_USAGE; /* a setting: logged by the plugin, e.g. no url */
	if (rc < 0) {
		ep_log_error(&run->cli->log, "collector %s could not start: %s",
		             run->collector_name, strerror(-rc));
		return EP_EXIT_FAILURE;
	}
	return EP_EXIT_OK;
}

static void run_stop_collector(struct run_state *run)
{
	if (run->collector == NULL)
		return;
	if (run->collector_started)
		run->ops->stop(run->collector->state);
	ep_instance_destroy(run->collector);
	run->collector = NULL;
	run->collector_started = false;
}

/* Sleeps until the monotonic deadline, or less when something needs a look
 * (a signal, the command's exit); at most 200 ms at a time. */
static void run_wait(struct run_state *run, double deadline)
{
	double remaining = deadline - run_elapsed(run);
	if (remaining <= 0)
		return;
	int ms = remaining > 0.2 ? 200 : (int)(remaining * 1000) + 1;
	poll(NULL, 0, ms);
}

static void run_install_signals(struct sigaction *saved_int, struct sigaction *saved_term)
{
	struct sigaction action;
	memset(&action, 0, sizeof(action));
	action.sa_handler = run_on_signal;
	sigemptyset(&action.sa_mask);
	/* No SA_RESTART: a signal should cut a wait short. */
	sigaction(SIGINT, &action, saved_int);
	sigaction(SIGTERM, &action, saved_term);
	signal(SIGPIPE, SIG_IGN);
}

static void run_free(struct run_state *run)
{
	for (size_t i = 0; i < run->record_count; i++) {
		free(run->records[i].source);
		free(run->records[i].file);
		free(run->records[i].error);
		free(run->records[i].memstats);
	}
	free(run->records);
	for (size_t i = 0; i < run->event_count; i++) {
		free(run->events[i].origin);
		free(run->events[i].type);
		free(run->events[i].message);
	}
	free(run->events);
	for (size_t i = 0; i < run->source_count; i++)
		free(run->sources[i].name);
	free(run->sources);
	for (size_t i = 0; i < run->last_source_count; i++)
		free(run->last_sources[i]);
	free(run->last_sources);
	if (run->collection_log != NULL)
		fclose(run->collection_log);
	if (run->test_log_fd >= 0)
		close(run->test_log_fd);
	if (run->directory_fd >= 0)
		close(run->directory_fd);
}

/* The summary line, true to what is on disk: when run.json or a snapshot
 * could not be written, it says so, a run.failed marker explains it beside
 * the manifest, and the run fails (the reports would read a stale or
 * incomplete manifest, so they are not written). */
static int run_report_final_state(struct run_state *run)
{
	if (run->manifest_errno == 0 && run->write_failures == 0) {
		ep_log_info(&run->cli->log, "%s: %zu snapshots, %zu failed; run.json written",
		            run->directory, run->ok_count, run->failed_count);
		return EP_EXIT_OK;
	}
	if (run->manifest_errno == 0) {
		ep_log_error(&run->cli->log,
		             "%s: %zu snapshots, %zu failed, %zu of them not saved for a local "
		             "write error; run.json written",
		             run->directory, run->ok_count, run->failed_count, run->write_failures);
		return EP_EXIT_FAILURE;
	}
	int rc = run->marker_errno;
	ep_log_error(&run->cli->log,
	             "%s: %zu snapshots, %zu failed; run.json NOT updated (%s), it lists %zu "
	             "attempts; %s",
	             run->directory, run->ok_count, run->failed_count,
	             strerror(run->manifest_errno), run->manifest_listed,
	             rc == 0 ? "run.failed says so" : "run.failed could not be written either");
	return EP_EXIT_FAILURE;
}

int ep_run_execute(struct ep_cli *cli, const struct ep_run_options *options)
{
	struct run_state run = { .cli = cli,
		                 .options = options,
		                 .test_log_fd = -1,
		                 .directory_fd = -1,
		                 .latest_inuse = -1,
		                 .status = "running",
		                 .cpu_at_end = "none",
		                 .event_lock = PTHREAD_MUTEX_INITIALIZER };
	char err[512];
	int status;
	struct sigaction saved_int, saved_term;
	bool signals_installed = false;

	if (run_read_settings(&run, err, sizeof(err)) < 0) {
		ep_log_error(&cli->log, "%s", err);
		return EP_EXIT_USAGE;
	}
	run.default_argv[0] = "make";
	run.default_argv[1] = (char *)ep_config_get(cli->config, "run", "target");
	run.argv = options->command_argv && options->command_argv[0] ? options->command_argv
	                                                             : run.default_argv;
	run.host_context = (struct ep_host_context){
		.config = cli->config,
		.log = &cli->log,
		.max_profile_bytes = ep_cli_max_profile_bytes(cli),
		.event_sink = run_event_sink,
		.event_context = &run,
		.stop_flag = &run_signal_count,
	};
	/* Everything that can be wrong with the settings shows before the run
	 * directory exists: the analyzers' and reporters' settings, then the
	 * collector's (its start() checks them). */
	status = ep_analysis_check_config(cli);
	if (status == EP_EXIT_OK)
		status = run_start_collector(&run);
	if (status == EP_EXIT_OK)
		status = run_prepare_directory(&run);
	if (status == EP_EXIT_OK && options->force)
		status = run_extend_manifest(&run);
	if (status != EP_EXIT_OK) {
		run_stop_collector(&run);
		goto done;
	}
	cli->log.file = run.collection_log;
	/* The progress line rewrites itself with escape sequences: only on a
	 * terminal that understands them. */
	const char *term = getenv("TERM");
	run.tty_status = isatty(STDERR_FILENO) && term != NULL && term[0] != '\0' &&
	                 strcmp(term, "dumb") != 0 && cli->log.threshold >= EP_LOG_INFO &&
	                 !options->verbose;
	run_signal_count = 0;
	run_install_signals(&saved_int, &saved_term);
	signals_installed = true;
	clock_gettime(CLOCK_MONOTONIC, &run.t0);
	run.started_ns = run_now_unix_ns();
	if (run.earlier_started_ns > 0 && run.earlier_started_ns < run.started_ns) {
		run.offset_base_seconds = (double)(run.started_ns - run.earlier_started_ns) / 1e9;
		run.started_ns = run.earlier_started_ns;
	}
	ep_log_info(&cli->log, "%s %s into %s (collector %s, every %" PRId64 " s)",
	            options->collect_only ? "collecting" : "running", options->name, run.directory,
	            run.collector_name, run.interval_seconds);
	run_reserve_marker_room(&run);
	run_write_manifest(&run);
	if (options->force)
		run_continue_numbering(&run);
	/* Snapshot 0 comes before the test starts: the baseline to grow from. */
	run_round(&run, false);
	if (!options->collect_only && run_signal_count == 0 && run_start_command(&run) < 0) {
		status = EP_EXIT_FAILURE;
		run.status = "failed";
		goto finish;
	}
	uint32_t slot = 1;
	while (run_signal_count == 0) {
		if (!options->collect_only && ep_child_poll(&run.child))
			break;
		if (options->collect_only && run.duration_seconds > 0 &&
		    run_elapsed(&run) >= (double)run.duration_seconds)
			break;
		double deadline = (double)slot * (double)run.interval_seconds;
		if (run_elapsed(&run) >= deadline) {
			run_round(&run, false);
			/* Skip slots that passed while this round ran. */
			double now = run_elapsed(&run);
			uint32_t next = (uint32_t)(now / (double)run.interval_seconds) + 1;
			slot = next > slot + 1 ? next : slot + 1;
			continue;
		}
		run_show_status(&run);
		double wake = deadline;
		if (options->collect_only && run.duration_seconds > 0 &&
		    (double)run.duration_seconds < wake)
			wake = (double)run.duration_seconds;
		run_wait(&run, wake);
	}
	run_clear_status(&run);
	if (run_signal_count > 0) {
		ep_log_warn(&cli->log, "%s received: stopping%s",
		            run_last_signal == SIGTERM ? "SIGTERM" : "SIGINT",
		            run_signal_count > 1 ? " at once" : "; again to stop at once");
		run.status = run_signal_count > 1 ? "aborted" : "interrupted";
	}
	run_finish_command(&run, run_signal_count > 0);
	/* The final snapshot: what the test left behind, taken as it ends.
	 * After a first signal it is still taken; only a second one cuts it
	 * short. A CPU profile in flight would delay it by up to cpu_duration
	 * and cover time after the test: it is discarded (the final round
	 * runs beside it, as every round does). */
	run_cpu_end_of_test(&run);
	run.host_context.stop_threshold = 2;
	if (run_signal_count < 2)
		run_round(&run, true);
	run_cpu_collect(&run, true);
	if (strcmp(run.status, "running") == 0)
		run.status = "completed";
	if (run_signal_count > 1)
		run.status = "aborted";

finish:
	run_clear_status(&run);
	run_finish_command(&run, true);
	run_cpu_collect(&run, true);
	run_stop_collector(&run);
	run.ended_ns = run_now_unix_ns();
	run_write_manifest(&run);
	if (run.manifest_errno != 0) {
		run.marker_errno = run_write_failed_marker(&run);
	} else {
		/* The manifest is true again: an earlier marker would lie. */
		unlinkat(run.directory_fd, run_reserve_name, 0);
		unlinkat(run.directory_fd, "run.failed", 0);
	}
	if (status == EP_EXIT_OK && run_report_final_state(&run) != EP_EXIT_OK) {
		status = EP_EXIT_FAILURE;
	} else if (status == EP_EXIT_OK) {
		/* The reports are a product of the run: when they fail, a
		 * passing run fails too, but a failing test keeps its status. */
		bool reports_failed = run_signal_count < 2 && run.ok_count > 0 &&
		                      ep_analysis_analyze(cli, run.directory) != EP_EXIT_OK;
		if (run_signal_count > 0)
			status = 128 + (run_last_signal ? run_last_signal : SIGINT);
		else if (!options->collect_only && run.command_exit != 0)
			status = run.command_exit;
		else if (run.ok_count == 0) {
			ep_log_error(&cli->log, "no snapshot succeeded");
			status = EP_EXIT_FAILURE;
		} else if (reports_failed)
			status = EP_EXIT_FAILURE;
	}
done:
	cli->log.file = NULL;
	if (signals_installed) {
		sigaction(SIGINT, &saved_int, NULL);
		sigaction(SIGTERM, &saved_term, NULL);
	}
	run_free(&run);
	return status;
}
