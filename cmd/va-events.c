/*
 * va-events - check, select and annotate a stream of va events.
 *
 * With no options it is the smallest stage there is: every event passes
 * through unchanged and every malformed line is reported with its number
 * (exit 65 at the end), so it lints a captured log or guards a pipeline.
 * --select and --drop keep or remove events by type, --set adds or
 * replaces one member in every event that is kept, and --summary prints
 * counts per type instead of the events.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "event.h"
#include "jscan.h"
#include "log.h"
#include "loop.h"
#include "out.h"

static struct va_opt opts[] = {
	{ "select", 's', VA_OPT_STR, NULL, "TYPES",
	  "keep only events of these types (comma-separated)" },
	{ "drop", 'd', VA_OPT_STR, NULL, "TYPES",
	  "remove events of these types (comma-separated)" },
	{ "set", 0, VA_OPT_STR, NULL, "KEY=VALUE",
	  "add or replace a member in every event kept; VALUE is JSON, or a string" },
	{ "summary", 0, VA_OPT_BOOL, NULL, NULL,
	  "print {\"type\":count,...} at the end instead of the events" },
	{ NULL }
};

static struct va_conf conf = {
	"va-events", "[options] [FILE...]",
	"Check, select and annotate va events (JSON lines) from standard input\n"
	"or the files named. Unknown types pass through byte for byte.",
	opts
};

#define MAXTYPES 64

struct state {
	char	*select[MAXTYPES + 1];
	char	*drop[MAXTYPES + 1];
	char	*set_key;
	char	*set_val;	/* JSON text */
	const char *except[2];
	int	summary;
	char	*seen[MAXTYPES];
	long	counts[MAXTYPES];
	int	nseen;
	long	other;
};

static void
split_types(const char *s, char **out)
{
	char *copy, *tok, *save = NULL;
	int n = 0;

	if (s == NULL)
		return;
	if ((copy = strdup(s)) == NULL)
		va_die(71, "out_of_memory", "out of memory");
	for (tok = strtok_r(copy, ",", &save); tok != NULL && n < MAXTYPES;
	    tok = strtok_r(NULL, ",", &save))
		if ((out[n] = strdup(tok)) != NULL)
			n++;
	out[n] = NULL;
	free(copy);
}

static int
listed(char *const *list, const char *type)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, type) == 0)
			return 1;
	return 0;
}

static void
count(struct state *st, const char *type)
{
	int i;

	for (i = 0; i < st->nseen; i++)
		if (strcmp(st->seen[i], type) == 0) {
			st->counts[i]++;
			return;
		}
	if (st->nseen < MAXTYPES && (st->seen[st->nseen] = strdup(type))) {
		st->counts[st->nseen++] = 1;
		return;
	}
	st->other++;
}

static int
handle(const struct va_event *ev, void *arg)
{
	struct state *st = arg;

	if (st->select[0] != NULL && !listed(st->select, ev->type))
		return 0;
	if (listed(st->drop, ev->type))
		return 0;
	if (st->summary) {
		count(st, ev->type);
		return 0;
	}
	if (st->set_key == NULL) {
		va_out_write(ev->line, ev->len);
		va_out_putc('\n');
		return 0;
	}
	va_emit_begin_copy(ev, st->except);
	va_emit_raw(st->set_key, st->set_val, strlen(st->set_val));
	va_emit_end(NULL);
	return 0;
}

static int
finish(void *arg)
{
	struct state *st = arg;
	int i;

	if (!st->summary)
		return 0;
	va_out_putc('{');
	for (i = 0; i < st->nseen; i++) {
		char num[32];

		if (i > 0)
			va_out_putc(',');
		va_out_json_string(st->seen[i], strlen(st->seen[i]));
		snprintf(num, sizeof(num), ":%ld", st->counts[i]);
		va_out_puts(num);
	}
	va_out_puts("}\n");
	return 0;
}

/* KEY=VALUE: VALUE stays as it is when it is JSON, else becomes a string. */
static void
parse_set(struct state *st, const char *arg)
{
	struct va_jscan js = { 0 };
	const char *eq = strchr(arg, '=');
	const char *v;
	size_t i, n;
	char *out;

	if (eq == NULL || eq == arg)
		va_die(64, "usage", "--set wants KEY=VALUE, not %s", arg);
	st->set_key = strndup(arg, (size_t)(eq - arg));
	v = eq + 1;
	if (*v != '\0' && va_jscan_value(&js, v, strlen(v)) == 0)
		st->set_val = strdup(v);
	else {
		n = strlen(v);
		if ((out = malloc(n * 6 + 3)) == NULL)
			va_die(71, "out_of_memory", "out of memory");
		st->set_val = out;
		*out++ = '"';
		for (i = 0; i < n; i++) {
			unsigned char c = (unsigned char)v[i];

			if (c == '"' || c == '\\') {
				*out++ = '\\';
				*out++ = (char)c;
			} else if (c < 0x20)
				out += sprintf(out, "\\u%04x", c);
			else
				*out++ = (char)c;
		}
		*out++ = '"';
		*out = '\0';
	}
	va_jscan_free(&js);
	if (st->set_key == NULL || st->set_val == NULL)
		va_die(71, "out_of_memory", "out of memory");
	st->except[0] = st->set_key;
	st->except[1] = NULL;
}

static void
state_free(struct state *st)
{
	int i;

	for (i = 0; st->select[i] != NULL; i++)
		free(st->select[i]);
	for (i = 0; st->drop[i] != NULL; i++)
		free(st->drop[i]);
	for (i = 0; i < st->nseen; i++)
		free(st->seen[i]);
	free(st->set_key);
	free(st->set_val);
}

int
main(int argc, char **argv)
{
	struct va_filter f = { 0 };
	struct state st;
	int i, first, fd, rc, status = 0;

	memset(&st, 0, sizeof(st));
	first = va_conf_parse(&conf, argc, argv);
	split_types(va_conf_str(&conf, "select"), st.select);
	split_types(va_conf_str(&conf, "drop"), st.drop);
	if (va_conf_str(&conf, "set") != NULL)
		parse_set(&st, va_conf_str(&conf, "set"));
	st.summary = va_conf_bool(&conf, "summary");

	f.handle = handle;
	f.arg = &st;
	f.strict = conf.strict;
	/* Plain pass-through needs no handler at all: the fast path. */
	if (st.select[0] == NULL && st.drop[0] == NULL && st.set_key == NULL &&
	    !st.summary) {
		static const char *const none[] = { NULL };

		f.types = none;
	}
	if (first >= argc) {
		f.finish = finish;
		status = va_filter_run(&f);
		state_free(&st);
		return status;
	}
	for (i = first; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0)
			fd = 0;
		else if ((fd = open(argv[i], O_RDONLY)) < 0) {
			va_log(VA_ERROR, "open", "%s: %s", argv[i],
			    strerror(errno));
			status = 66;
			continue;
		}
		f.fd = fd;
		f.finish = i + 1 == argc ? finish : NULL;
		rc = va_filter_run(&f);
		if (fd != 0)
			close(fd);
		if (rc > status)
			status = rc;
	}
	state_free(&st);
	return status;
}
