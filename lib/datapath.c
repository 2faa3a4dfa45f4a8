/*
 * datapath.c - locate shipped data files (see datapath.h).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datapath.h"
#include "log.h"

#ifndef VA_DATADIR
#define VA_DATADIR "/usr/local/share/va"
#endif

char *
va_data_path(const char *name)
{
	char exe[PATH_MAX], cand[PATH_MAX + 64], tried[2048] = "";
	const char *env, *dirs[7];
	char *slash;
	ssize_t n;
	size_t i, nd = 0;
	static const char *const rel[] = { "../share/va", "../build/data",
	    "../data", "../../../data" };
	char reldirs[4][PATH_MAX + 16];

	if ((env = getenv("VA_DATA_DIR")) != NULL && *env != '\0')
		dirs[nd++] = env;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL)
			*slash = '\0';
		for (i = 0; i < 4; i++) {
			snprintf(reldirs[i], sizeof(reldirs[i]), "%s/%s", exe,
			    rel[i]);
			dirs[nd++] = reldirs[i];
		}
	}
	dirs[nd++] = VA_DATADIR;
	for (i = 0; i < nd; i++) {
		snprintf(cand, sizeof(cand), "%s/%s", dirs[i], name);
		if (access(cand, R_OK) == 0)
			return strdup(cand);
		if (strlen(tried) + strlen(dirs[i]) + 3 < sizeof(tried)) {
			strcat(tried, i ? ", " : "");
			strcat(tried, dirs[i]);
		}
	}
	va_log(VA_ERROR, "data_missing", "%s: not found in %s", name, tried);
	return NULL;
}
