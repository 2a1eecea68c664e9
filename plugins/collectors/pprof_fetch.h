/* pprof_fetch: the HTTP(S) client shared by the http and kubectl collectors
 * and the prometheus reporter (which POSTs with pprof_fetch_post), and the
 * profile check and atomic write every collector uses. Built once as a
 * static library (pprof_fetch_lib) and linked into each plugin; nothing
 * here is exported from a plugin (hidden visibility). */
#ifndef EP_COLLECTORS_PPROF_FETCH_H
#define EP_COLLECTORS_PPROF_FETCH_H

#include <stdbool.h>
#include <stdint.h>

#include <e2e-profile/plugin.h>

/* The largest answer a snapshot may have; bigger ones fail with -EFBIG so a
 * runaway or hostile server cannot exhaust memory. */
#define PPROF_FETCH_MAX_BODY_BYTES ((uint64_t)1 << 30)

/* The configuration keys both collectors share, with their help text, for a
 * plugin's ep_config_key array. pprof_fetch_settings_load() reads them. */
#define PPROF_FETCH_CONFIG_KEYS                                                                    \
	{ "connect_timeout", EP_CONFIG_INT, "5",                                                   \
	  "seconds to wait for the TCP (and TLS) connection to the pprof endpoint" },              \
	        { "timeout", EP_CONFIG_INT, "30",                                                  \
		  "seconds a snapshot may take in all; cpu snapshots get their profiling time on " \
		  "top" },                                                                         \
	        { "bearer_token_file", EP_CONFIG_STRING, NULL,                                     \
		  "file holding a bearer token sent as 'Authorization: Bearer'; read once at "     \
		  "start, never logged" },                                                         \
	        { "ca_file", EP_CONFIG_STRING, NULL,                                               \
		  "PEM file of CA certificates that verify an https endpoint (default: the "       \
		  "system's)" },                                                                   \
	        { "client_cert", EP_CONFIG_STRING, NULL,                                           \
		  "PEM client certificate for https endpoints that require one" },                 \
	        { "client_key", EP_CONFIG_STRING, NULL,                                            \
		  "PEM private key of client_cert (default: read from client_cert)" },             \
	{                                                                                          \
		"insecure_skip_verify", EP_CONFIG_BOOL, "false",                                   \
		        "do not verify the https endpoint's certificate and name (test clusters "  \
		        "only)"                                                                    \
	}

/* How snapshots are fetched; filled by pprof_fetch_settings_load(), freed by
 * pprof_fetch_settings_clear(). The strings are borrowed from the host's
 * configuration (valid until fini) except bearer_token, which is owned. */
struct pprof_fetch_settings {
	long connect_timeout_seconds;
	long timeout_seconds;
	char *bearer_token; /* owned, NULL for none; wiped when cleared */
	const char *ca_file;
	const char *client_cert;
	const char *client_key;
	bool insecure_skip_verify;
	/* A Prometheus text endpoint fetched beside each memstats round
	 * (process_resident_memory_bytes, go_memstats_*), with the same TLS
	 * and token settings; borrowed, NULL for none. */
	const char *metrics_url;
};

/* True when the host's table has every member (API version 1) the
 * collectors call; plugins refuse to init otherwise. */
bool pprof_fetch_host_usable(const struct ep_host_api *host);

/* Initializes libcurl for this plugin (curl_global_init, reference counted
 * by libcurl). Call from init(), which the host runs before it starts any
 * thread of its own: curl_global_init is only thread-safe in libcurl builds
 * from 7.84 on. Pair every success with pprof_fetch_global_cleanup() in
 * fini(). Returns 0 or -EIO after logging. */
int pprof_fetch_global_init(const struct ep_host_api *host, struct ep_instance *instance);
void pprof_fetch_global_cleanup(void);

/* Reads and checks the shared keys of section (e.g. "[collector.http]",
 * used in messages) into settings, reading the bearer token file now so a
 * missing file fails the run at start. Returns 0, or a negative errno after
 * logging why (the token itself is never logged). */
int pprof_fetch_settings_load(const struct ep_host_api *host, struct ep_instance *instance,
                              const char *section, struct pprof_fetch_settings *settings);

/* Wipes and frees the token; settings may be cleared more than once. */
void pprof_fetch_settings_clear(const struct ep_host_api *host,
                                struct pprof_fetch_settings *settings);

/* Takes the snapshot described by request from base_url (scheme, host,
 * port and an optional path prefix, no trailing '/') and writes it
 * atomically to request->path, only when the answer is a 2xx whose body
 * decodes as a profile. Returns 0, or a negative errno with a one-line
 * reason (never holding the token):
 *   -ECONNREFUSED, -ECONNRESET  the connection failed or broke (a caller
 *                               behind a tunnel may restart it and retry)
 *   -ETIMEDOUT                  connect or total timeout
 *   -EPROTO                     a non-2xx answer ("HTTP 404: 404 page not found")
 *   -EBADMSG                    a 2xx answer that is no profile
 *   -EFBIG                      the answer exceeds PPROF_FETCH_MAX_BODY_BYTES
 *   -ECANCELED                  host->stop_requested() became true
 *   -EINVAL                     an unknown kind or a too old request struct
 *   other                       TLS, name resolution, file system errors */
int pprof_fetch_snapshot(const struct ep_host_api *host, struct ep_instance *instance,
                         const struct pprof_fetch_settings *settings, const char *base_url,
                         const struct ep_snapshot_request *request, char *reason,
                         size_t reason_size);

/* The path and query of request's profile below the pod's root, e.g.
 * "/debug/pprof/heap?gc=1" or "/debug/pprof/profile?seconds=10", and in
 * *extra_seconds how long the profile itself takes (cpu), to add to a
 * timeout. Returns 0, or -EINVAL (an unknown kind, a too old request) or
 * -ENAMETOOLONG with the reason. */
int pprof_fetch_request_path(const struct ep_snapshot_request *request, char *path,
                             size_t path_size, long *extra_seconds, char *reason,
                             size_t reason_size);

/* Checks that data decodes as a profile, as the host does when it reads the
 * run back (host->profile_load_buffer), and only then writes it atomically
 * to path through the host's atomic file. Returns 0, or -EBADMSG (not a
 * profile: empty, HTML, truncated...), -ENOMEM or a file system error, with
 * the reason. */
int pprof_fetch_store(const struct ep_host_api *host, struct ep_instance *instance,
                      const unsigned char *data, size_t size, const char *path, char *reason,
                      size_t reason_size);

/* True for the errors pprof_fetch_snapshot() returns when the connection
 * itself failed, as opposed to an answer the server gave. */
bool pprof_fetch_is_connection_error(int error);

/* POSTs size bytes of body to url with the settings' timeouts, TLS files
 * and bearer token, adding headers (NULL-terminated "Name: value" lines,
 * may be NULL). Redirects are not followed. Sets *status to the HTTP
 * status when the server answered (0 otherwise). Returns 0 for a 2xx
 * answer, or a negative errno with a one-line reason naming url or quoting
 * the server (never holding the token):
 *   -EPROTO                     a non-2xx answer ("HTTP 400: out of bounds")
 *   -ECONNREFUSED, -ECONNRESET  the connection failed or broke
 *   -ETIMEDOUT                  connect or total timeout
 *   -ECANCELED                  host->stop_requested() became true
 *   other                       TLS, name resolution, memory */
int pprof_fetch_post(const struct ep_host_api *host, struct ep_instance *instance,
                     const struct pprof_fetch_settings *settings, const char *url,
                     const char *const *headers, const void *body, size_t size, long *status,
                     char *reason, size_t reason_size);

#endif
