/* LD_PRELOAD shim for the disk-full test where tmpfs cannot be mounted:
 * fsync fails with ENOSPC once $EP_ENOSPC_AFTER calls have succeeded, as on
 * a full disk (every atomic write of the tool fsyncs before its rename). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

static atomic_long enospc_calls;

int fsync(int fd)
{
	const char *after = getenv("EP_ENOSPC_AFTER");
	long limit = after != NULL ? strtol(after, NULL, 10) : -1;
	if (limit >= 0 && atomic_fetch_add(&enospc_calls, 1) >= limit) {
		errno = ENOSPC;
		return -1;
	}
	(void)fd;
	return 0;
}
