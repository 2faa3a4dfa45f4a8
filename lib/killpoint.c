/*
 * killpoint.c - SIGKILL at a named step for crash tests (see killpoint.h).
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "killpoint.h"

void
va_killpoint(const char *step)
{
	static long passed;
	const char *at = getenv("VA_TEST_KILL_AT");
	size_t n = strlen(step);
	long want = 1;

	if (at == NULL || strncmp(at, step, n) != 0)
		return;
	if (at[n] == ':')
		want = strtol(at + n + 1, NULL, 10);
	else if (at[n] != '\0')
		return;
	if (++passed >= want)
		raise(SIGKILL);
}
