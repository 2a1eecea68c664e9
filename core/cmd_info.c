/* Commands that describe the tool itself: help, version, plugins, and the
 * configuration reference generated from the key lists. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ep-build-config.h"
#include "settings.h"

int ep_cmd_version(struct ep_cli *cli, int argc, char **argv)
{
	(void)cli;
	(void)argc;
	(void)argv;
	printf("e2e-profile %s (plugin ABI %d.%d, host API %d)\n", EP_VERSION, EP_PLUGIN_ABI_MAJOR,
	       EP_PLUGIN_ABI_MINOR, EP_HOST_API_VERSION);
	return EP_EXIT_OK;
}

static void info_print_keys(FILE *out, const struct ep_config_key *keys)
{
	for (const struct ep_config_key *key = keys; key != NULL && key->name != NULL; key++) {
		fprintf(out, "  %s = %s  (%s)\n      %s\n", key->name,
		        key->default_value ? key->default_value : "",
		        ep_config_type_name(key->type), key->help);
	}
}

void ep_cli_print_config_help(struct ep_cli *cli, FILE *out)
{
	fputs("Configuration keys, by section. Precedence, lowest first: defaults,\n"
	      "the INI file (--config, or ./e2e-profile.ini), environment, flags.\n",
	      out);
	for (const struct ep_config_section_schema *s = ep_settings_schema; s->name != NULL; s++) {
		fprintf(out, "\n[%s%s]  %s\n", s->name, s->is_prefix ? ".NAME" : "", s->help);
		info_print_keys(out, s->keys);
	}
	for (size_t i = 0; i < cli->plugins.count; i++) {
		const struct ep_plugin *plugin = &cli->plugins.plugins[i];
		fprintf(out, "\n[%s]  %s\n", plugin->section, plugin->descriptor->description);
		if (plugin->descriptor->config_keys == NULL ||
		    plugin->descriptor->config_keys[0].name == NULL)
			fputs("  (no keys)\n", out);
		info_print_keys(out, plugin->descriptor->config_keys);
	}
}

int ep_cmd_help(struct ep_cli *cli, int argc, char **argv)
{
	if (argc < 2) {
		ep_cli_print_usage(stdout);
		return EP_EXIT_OK;
	}
	if (strcmp(argv[1], "config") == 0) {
		ep_cli_print_config_help(cli, stdout);
		return EP_EXIT_OK;
	}
	const struct ep_command *command = ep_command_find(argv[1]);
	if (command == NULL) {
		ep_log_error(&cli->log, "help: unknown command '%s'", argv[1]);
		return EP_EXIT_USAGE;
	}
	ep_cli_print_command_usage(stdout, command);
	return EP_EXIT_OK;
}

static int info_compare_plugins(const void *a, const void *b)
{
	const struct ep_plugin *pa = *(const struct ep_plugin *const *)a;
	const struct ep_plugin *pb = *(const struct ep_plugin *const *)b;
	if (pa->descriptor->kind != pb->descriptor->kind)
		return (int)pa->descriptor->kind - (int)pb->descriptor->kind;
	return strcmp(pa->descriptor->name, pb->descriptor->name);
}

int ep_cmd_plugins(struct ep_cli *cli, int argc, char **argv)
{
	if (argc > 1) {
		ep_log_error(&cli->log, "plugins: unexpected argument '%s'", argv[1]);
		return EP_EXIT_USAGE;
	}
	size_t count = cli->plugins.count;
	if (count == 0) {
		fputs("no plugins found; searched:\n", stderr);
		for (size_t i = 0; i < cli->plugin_directory_count; i++)
			fprintf(stderr, "  %s\n", cli->plugin_directories[i]);
		return EP_EXIT_OK;
	}
	const struct ep_plugin **sorted = malloc(count * sizeof(*sorted));
	if (sorted == NULL) {
		ep_log_error(&cli->log, "out of memory");
		return EP_EXIT_FAILURE;
	}
	for (size_t i = 0; i < count; i++)
		sorted[i] = &cli->plugins.plugins[i];
	qsort(sorted, count, sizeof(*sorted), info_compare_plugins);
	/* Columns as wide as their widest cell; the description, of any
	 * length, goes last so nothing after it is pushed out of line. */
	int widths[4] = { 4, 4, 7, 4 }; /* KIND NAME VERSION PATH */
	for (size_t i = 0; i < count; i++) {
		const struct ep_plugin_descriptor *d = sorted[i]->descriptor;
		const char *cells[4] = { ep_plugin_kind_name(d->kind), d->name, d->version,
			                 sorted[i]->path };
		for (int c = 0; c < 4; c++)
			if ((int)strlen(cells[c]) > widths[c])
				widths[c] = (int)strlen(cells[c]);
	}
	printf("%-*s  %-*s  %-*s  %-*s  %s\n", widths[0], "KIND", widths[1], "NAME", widths[2],
	       "VERSION", widths[3], "PATH", "DESCRIPTION");
	for (size_t i = 0; i < count; i++) {
		const struct ep_plugin_descriptor *d = sorted[i]->descriptor;
		printf("%-*s  %-*s  %-*s  %-*s  %s\n", widths[0], ep_plugin_kind_name(d->kind),
		       widths[1], d->name, widths[2], d->version, widths[3], sorted[i]->path,
		       d->description);
	}
	free(sorted);
	return EP_EXIT_OK;
}
