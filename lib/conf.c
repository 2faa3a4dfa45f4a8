/*
 * conf.c - option tables, environment and secrets (see conf.h).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "jscan.h"
#include "log.h"

#define MAXOPTS 128
#define SECRET_MAX 8192

enum { OPT_HELP = 1000, OPT_VERSION, OPT_STRICT, OPT_PRINT_CONFIG,
	OPT_BASE = 2000 };

static char *secret_bufs[MAXOPTS];

/* "va-listen" + "silence-ms" -> "VA_LISTEN_SILENCE_MS" */
static void
env_name(char *out, size_t cap, const char *prog, const char *name)
{
	size_t n = 0;
	const char *s;

	n = (size_t)snprintf(out, cap, "VA_");
	if (prog != NULL) {
		s = strncmp(prog, "va-", 3) == 0 ? prog + 3 : prog;
		for (; *s != '\0' && n + 2 < cap; s++)
			out[n++] = *s == '-' ? '_' : (char)toupper((unsigned char)*s);
		out[n++] = '_';
	}
	for (s = name; *s != '\0' && n + 1 < cap; s++)
		out[n++] = *s == '-' ? '_' : (char)toupper((unsigned char)*s);
	out[n] = '\0';
}

static char *
read_secret_file(const char *path, const char *var)
{
	char *buf;
	size_t n;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL)
		va_die(78, "secret_file", "%s names %s: %s", var, path,
		    strerror(errno));
	if ((buf = malloc(SECRET_MAX)) == NULL)
		va_die(71, "out_of_memory", "out of memory");
	n = fread(buf, 1, SECRET_MAX - 1, fp);
	fclose(fp);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	return buf;
}

/* Fill o->value from the environment, a secret file, or the default. */
static void
from_env(const struct va_conf *c, struct va_opt *o, int idx)
{
	char var[128], fvar[140];
	const char *v;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		env_name(var, sizeof(var), pass == 0 ? c->prog : NULL, o->name);
		if ((v = getenv(var)) != NULL && *v != '\0') {
			o->value = v;
			snprintf(o->source, sizeof(o->source), "env %s", var);
			return;
		}
		if (o->kind != VA_OPT_SECRET)
			continue;
		snprintf(fvar, sizeof(fvar), "%s_FILE", var);
		if ((v = getenv(fvar)) != NULL && *v != '\0') {
			/* A second parse replaces what the first one read. */
			free(secret_bufs[idx]);
			secret_bufs[idx] = read_secret_file(v, fvar);
			o->value = secret_bufs[idx];
			snprintf(o->source, sizeof(o->source), "file %s", fvar);
			return;
		}
	}
	o->value = o->def;
	snprintf(o->source, sizeof(o->source), "%s",
	    o->def != NULL ? "default" : "unset");
}

static int
check_value(const struct va_conf *c, const struct va_opt *o)
{
	char *end;
	long long v;

	if (o->value == NULL)
		return 0;
	if (o->kind == VA_OPT_INT) {
		errno = 0;
		v = strtoll(o->value, &end, 10);
		if (errno != 0 || end == o->value || *end != '\0') {
			va_log(VA_ERROR, "usage", "--%s: not an integer: %s (%s)",
			    o->name, o->value, o->source);
			return -1;
		}
		if (o->min < o->max && (v < o->min || v > o->max)) {
			va_log(VA_ERROR, "usage",
			    "--%s: %lld is out of range %lld..%lld (%s)",
			    o->name, v, (long long)o->min, (long long)o->max,
			    o->source);
			return -1;
		}
	} else if (o->kind == VA_OPT_BOOL) {
		if (strcmp(o->value, "0") != 0 && strcmp(o->value, "1") != 0 &&
		    strcmp(o->value, "true") != 0 &&
		    strcmp(o->value, "false") != 0) {
			va_log(VA_ERROR, "usage", "--%s: expected 0 or 1: %s (%s)",
			    o->name, o->value, o->source);
			return -1;
		}
	}
	return 0;
}

void
va_conf_help(const struct va_conf *c)
{
	const struct va_opt *o;
	char left[64], var[128];

	printf("usage: %s %s\n\n%s\n\nOptions:\n", c->prog, c->usage, c->about);
	for (o = c->opts; o != NULL && o->name != NULL; o++) {
		env_name(var, sizeof(var), c->prog, o->name);
		if (o->kind == VA_OPT_SECRET) {
			printf("  %-26s %s\n", var, o->help);
			printf("  %-26s (secret: environment or %s_FILE only)\n",
			    "", var);
			continue;
		}
		if (o->short_name)
			snprintf(left, sizeof(left), "-%c, --%s%s%s",
			    o->short_name, o->name, o->arg ? " " : "",
			    o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name,
			    o->arg ? " " : "", o->arg ? o->arg : "");
		printf("  %-26s %s\n", left, o->help);
		printf("  %-26s (%s%s%senv %s)\n", "",
		    o->def ? "default " : "", o->def ? o->def : "",
		    o->def ? "; " : "", var);
	}
	printf("  %-26s %s\n", "    --strict",
	    "stop at the first malformed input line (exit 65)");
	printf("  %-26s %s\n", "    --print-config",
	    "print the effective configuration as JSON and exit");
	printf("  %-26s %s\n", "-v, --verbose", "more diagnostics (VA_LOG_LEVEL)");
	printf("  %-26s %s\n", "-q, --quiet", "only errors");
	printf("  %-26s %s\n", "-V, --version", "print the version and exit");
	printf("  %-26s %s\n", "-h, --help", "print this help and exit");
	printf("\nDiagnostics go to stderr as JSON lines (VA_LOG=json|brief|text)."
	    "\nSee %s(1).\n", c->prog);
}

/*
 * Values come from argv and the environment, which may hold any bytes:
 * valid UTF-8 is copied, and each byte that does not start a valid
 * sequence becomes U+FFFD, so the output is always JSON.
 */
static void
print_json_string(const char *s)
{
	size_t left = strlen(s), n;

	putchar('"');
	for (; left > 0; s += n, left -= n) {
		n = 1;
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else if ((unsigned char)*s < 0x80)
			putchar(*s);
		else if ((n = va_utf8_len(s, left)) > 0)
			fwrite(s, 1, n, stdout);
		else {
			n = 1;
			fputs("\\ufffd", stdout);
		}
	}
	putchar('"');
}

static void
print_config(const struct va_conf *c)
{
	const struct va_opt *o;
	int first = 1;

	printf("{\"prog\":");
	print_json_string(c->prog);
	printf(",\"options\":{");
	for (o = c->opts; o != NULL && o->name != NULL; o++) {
		printf("%s", first ? "" : ",");
		first = 0;
		print_json_string(o->name);
		printf(":{\"value\":");
		if (o->value == NULL)
			printf("null");
		else if (o->kind == VA_OPT_SECRET)
			print_json_string("********");
		else if (o->kind == VA_OPT_INT)
			printf("%lld", strtoll(o->value, NULL, 10));
		else if (o->kind == VA_OPT_BOOL)
			printf("%s", va_conf_bool(c, o->name) ? "true" : "false");
		else
			print_json_string(o->value);
		printf(",\"source\":");
		print_json_string(o->source);
		printf("}");
	}
	printf("}}\n");
}

int
va_conf_parse(struct va_conf *c, int argc, char **argv)
{
	struct option lopts[MAXOPTS + 8];
	char shorts[2 * MAXOPTS + 16];
	struct va_opt *o;
	size_t nl = 0, ns = 0, i, nopts = 0;
	int ch, idx, want_config = 0;

	va_log_init(c->prog);
	for (o = c->opts; o != NULL && o->name != NULL; o++)
		nopts++;
	if (nopts > MAXOPTS)
		va_die(70, "internal", "too many options");
	shorts[ns++] = ':';
	shorts[ns++] = 'h';
	shorts[ns++] = 'V';
	shorts[ns++] = 'v';
	shorts[ns++] = 'q';
	for (i = 0; i < nopts; i++) {
		o = &c->opts[i];
		o->value = NULL;
		o->source[0] = '\0';
		if (o->kind == VA_OPT_SECRET)
			continue;
		lopts[nl].name = o->name;
		lopts[nl].has_arg = o->kind == VA_OPT_BOOL ? no_argument :
		    required_argument;
		lopts[nl].flag = NULL;
		lopts[nl].val = OPT_BASE + (int)i;
		nl++;
		if (o->short_name) {
			shorts[ns++] = (char)o->short_name;
			if (o->kind != VA_OPT_BOOL)
				shorts[ns++] = ':';
		}
	}
	shorts[ns] = '\0';
	lopts[nl++] = (struct option){ "help", no_argument, NULL, 'h' };
	lopts[nl++] = (struct option){ "version", no_argument, NULL, 'V' };
	lopts[nl++] = (struct option){ "verbose", no_argument, NULL, 'v' };
	lopts[nl++] = (struct option){ "quiet", no_argument, NULL, 'q' };
	lopts[nl++] = (struct option){ "strict", no_argument, NULL, OPT_STRICT };
	lopts[nl++] = (struct option){ "print-config", no_argument, NULL,
	    OPT_PRINT_CONFIG };
	lopts[nl] = (struct option){ NULL, 0, NULL, 0 };

	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, shorts, lopts, &idx)) != -1) {
		switch (ch) {
		case 'h':
			va_conf_help(c);
			exit(0);
		case 'V':
			printf("%s %s\n", c->prog, VA_VERSION);
			exit(0);
		case 'v':
			c->verbose++;
			break;
		case 'q':
			c->verbose--;
			break;
		case OPT_STRICT:
			c->strict = 1;
			break;
		case OPT_PRINT_CONFIG:
			want_config = 1;
			break;
		case ':':
			va_die(64, "usage", "option %s needs an argument "
			    "(see %s --help)", argv[optind - 1], c->prog);
		case '?':
			va_die(64, "usage", "unknown option %s (see %s --help)",
			    argv[optind - 1], c->prog);
		default:
			if (ch >= OPT_BASE && ch < OPT_BASE + (int)nopts)
				o = &c->opts[ch - OPT_BASE];
			else {
				for (o = c->opts; o->name != NULL; o++)
					if (o->short_name == ch)
						break;
				if (o->name == NULL)
					va_die(70, "internal", "option %d", ch);
			}
			o->value = o->kind == VA_OPT_BOOL ? "1" : optarg;
			snprintf(o->source, sizeof(o->source), "flag");
		}
	}
	for (i = 0; i < nopts; i++) {
		o = &c->opts[i];
		if (o->value == NULL)
			from_env(c, o, (int)i);
		if (check_value(c, o) < 0)
			exit(64);
	}
	if (c->verbose > 0)
		va_log_set_level(VA_DEBUG);
	else if (c->verbose < 0)
		va_log_set_level(VA_ERROR);
	if (want_config) {
		print_config(c);
		exit(0);
	}
	return optind;
}

static const struct va_opt *
find(const struct va_conf *c, const char *name)
{
	const struct va_opt *o;

	for (o = c->opts; o != NULL && o->name != NULL; o++)
		if (strcmp(o->name, name) == 0)
			return o;
	va_die(70, "internal", "no option named %s", name);
}

const char *
va_conf_str(const struct va_conf *c, const char *name)
{
	return find(c, name)->value;
}

int64_t
va_conf_int(const struct va_conf *c, const char *name)
{
	const char *v = find(c, name)->value;

	return v != NULL ? strtoll(v, NULL, 10) : 0;
}

int
va_conf_bool(const struct va_conf *c, const char *name)
{
	const char *v = find(c, name)->value;

	return v != NULL && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
}
