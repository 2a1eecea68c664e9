/* libFuzzer target for the JSON reader and the run manifest reader: any
 * bytes as a document, walked through every typed getter; and the same
 * bytes as DIR/run.json read by ep_run_load, as analyze and compare do.
 * Build: CC=clang meson setup build-fuzz -Dfuzz=true; run:
 * build-fuzz/tests/core/fuzz_manifest CORPUS (seeds: tests/analysis/data).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis.h"
#include "cli.h"
#include "json_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* analysis.c's one need outside the core library; the CLI's is in cmd_top.c. */
uint64_t ep_cli_max_profile_bytes(const struct ep_cli *cli)
{
	(void)cli;
	return 64 << 20;
}

static size_t fuzz_walk(const struct ep_json *value, unsigned depth)
{
	size_t touched = 1;
	if (value->type == EP_JSON_STRING)
		touched += strlen(value->string);
	if (value->type == EP_JSON_OBJECT)
		for (size_t i = 0; i < value->count; i++) {
			touched += strlen(value->keys[i]);
			(void)ep_json_get(value, value->keys[i]);
		}
	if (value->type == EP_JSON_ARRAY || value->type == EP_JSON_OBJECT)
		for (size_t i = 0; i < value->count && depth < 1000; i++)
			touched += fuzz_walk(&value->items[i], depth + 1);
	(void)ep_json_get_string(value, "schema", NULL);
	(void)ep_json_get_int(value, "schema_version", 0);
	(void)ep_json_get_double(value, "offset_seconds", 0);
	(void)ep_json_get_bool(value, "ok", false);
	return touched;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	struct ep_json_document *document = NULL;
	if (ep_json_parse((const char *)data, size, &document, err, sizeof(err)) < 0)
		return 0; /* the manifest reader would stop at the same parse */
	volatile size_t touched = fuzz_walk(ep_json_root(document), 0);
	(void)touched;
	ep_json_free(document);
	/* The manifest reader reads a file: one directory for the process. */
	static char directory[] = "/tmp/fuzz-manifest-XXXXXX";
	static char path[sizeof(directory) + 16];
	if (path[0] == '\0') {
		if (mkdtemp(directory) == NULL)
			return 0;
		snprintf(path, sizeof(path), "%s/run.json", directory);
	}
	FILE *file = fopen(path, "wb");
	if (file == NULL)
		return 0;
	fwrite(data, 1, size, file);
	fclose(file);
	struct ep_loaded_run *run = NULL;
	if (ep_run_load(directory, UINT64_C(64) << 20, &run, err, sizeof(err)) == 0) {
		const struct ep_run_info *info = ep_loaded_run_info(run);
		volatile size_t length = strlen(info->name) + strlen(info->status);
		for (size_t i = 0; i < info->snapshot_count; i++)
			length += strlen(info->snapshots[i].path) + strlen(info->snapshots[i].kind);
		(void)length;
		ep_loaded_run_free(run);
	}
	return 0;
}
