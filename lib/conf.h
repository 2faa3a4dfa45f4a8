/*
 * conf.h - options and configuration, from one table per program.
 *
 * Each option is looked up as: the flag, then VA_<PROG>_<KEY>, then
 * VA_<KEY>, then the default (PROG is the program name without "va-",
 * KEY the long name, both upper-cased with '-' as '_': --silence-ms of
 * va-listen reads VA_LISTEN_SILENCE_MS, then VA_SILENCE_MS). Secrets are
 * never flags: they come from those variables, or from a file named by the
 * same variable with _FILE appended (trailing newline removed).
 *
 * Every program also takes -h/--help, -V/--version, -v/--verbose,
 * -q/--quiet, --strict and --print-config (the effective configuration as
 * one JSON object on stdout, each value with its source; secrets masked).
 * va_conf_parse() handles those itself: help, version and print-config
 * exit 0; a bad flag or value exits 64 with a message.
 */
#ifndef VA_CONF_H
#define VA_CONF_H

#include <stdint.h>

enum va_opt_kind {
	VA_OPT_BOOL,		/* a flag without argument; env "1"/"0" */
	VA_OPT_STR,
	VA_OPT_INT,		/* checked to be an integer in [min, max] */
	VA_OPT_SECRET		/* environment or file only */
};

struct va_opt {
	const char *name;	/* long name, e.g. "silence-ms" */
	int	short_name;	/* e.g. 's', or 0 */
	enum va_opt_kind kind;
	const char *def;	/* default as text; NULL for none */
	const char *arg;	/* argument name for --help, e.g. "MS" */
	const char *help;
	int64_t	min, max;	/* for VA_OPT_INT when min < max */
	/* Filled by va_conf_parse(). */
	const char *value;
	char	source[160];	/* "flag", "env VA_X", "file VA_X_FILE", "default" */
};

struct va_conf {
	const char *prog;	/* "va-listen" */
	const char *usage;	/* "[options] FILE..." */
	const char *about;	/* one paragraph for --help */
	struct va_opt *opts;	/* terminated by an entry with name NULL */
	/* Common options, filled by va_conf_parse(). */
	int	strict;
	int	verbose;	/* -v count minus -q count */
};

/*
 * Parse argv; returns the index of the first operand. Initialises logging
 * (va_log_init) with the program name and applies -v/-q.
 */
int	va_conf_parse(struct va_conf *, int argc, char **argv);

/* Effective values (after va_conf_parse). */
const char *va_conf_str(const struct va_conf *, const char *name);
int64_t	va_conf_int(const struct va_conf *, const char *name);
int	va_conf_bool(const struct va_conf *, const char *name);

/* Print --help to stdout. */
void	va_conf_help(const struct va_conf *);

#endif
