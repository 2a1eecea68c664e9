/* Runs a cmocka group, or only the cases argv[1] names (a cmocka filter,
 * with '*' and '?'). A filter that names no case fails: a typo in a meson
 * test's argument must not pass with nothing run. */
#ifndef EP_TESTS_CMOCKA_FILTER_H
#define EP_TESTS_CMOCKA_FILTER_H

#include <fnmatch.h>
#include <stdbool.h>
#include <stdio.h>

static inline bool ep_test_filter(const struct CMUnitTest *tests, size_t count, int argc,
                                  char **argv)
{
	if (argc < 2)
		return true;
	size_t matched = 0;
	for (size_t i = 0; i < count; i++)
		if (fnmatch(argv[1], tests[i].name, 0) == 0)
			matched++;
	if (matched == 0) {
		fprintf(stderr, "no test case matches '%s'\n", argv[1]);
		return false;
	}
	cmocka_set_test_filter(argv[1]);
	return true;
}

/* cmocka_run_group_tests over tests (an array), filtered by argv[1]. */
#define EP_TEST_RUN_FILTERED(tests, argc, argv)                                      \
	(ep_test_filter((tests), sizeof(tests) / sizeof((tests)[0]), (argc), (argv)) \
	         ? cmocka_run_group_tests((tests), NULL, NULL)                       \
	         : 1)

#endif
