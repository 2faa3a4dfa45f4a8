/*
 * filter-bench - the filter loop doing a stage's work, for `make bench`.
 *
 *	filter-bench handle	every event is handled the way a real stage
 *				handles one: two members decoded, a new event
 *				written with the envelope, two members of its
 *				own and every unknown member carried forward
 *	filter-bench jansson	the baseline: each line parsed into a jansson
 *				tree and dumped again
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "event.h"
#include "log.h"
#include "loop.h"
#include "out.h"

static long handled;

static int
handle(const struct va_event *ev, void *arg)
{
	int64_t turn = 0;
	char *text;

	text = va_event_str(ev, "text");
	va_event_int(ev, "turn", &turn);
	va_emit_begin("seen", ev);
	va_emit_int("n", ++handled);
	va_emit_int("chars", text != NULL ? (int64_t)strlen(text) : -1);
	va_emit_end(ev);
	free(text);
	return 0;
}

static int
dump(const char *buf, size_t size, void *data)
{
	va_out_write(buf, size);
	return 0;
}

static int
jansson(const struct va_event *ev, void *arg)
{
	json_t *o;

	if ((o = json_loadb(ev->line, ev->len, 0, NULL)) == NULL)
		return 0;
	json_dump_callback(o, dump, NULL, JSON_COMPACT);
	va_out_putc('\n');
	json_decref(o);
	return 0;
}

int
main(int argc, char **argv)
{
	struct va_filter f = { 0 };

	va_log_init("filter-bench");
	if (argc != 2 || (strcmp(argv[1], "handle") != 0 &&
	    strcmp(argv[1], "jansson") != 0)) {
		fprintf(stderr, "usage: filter-bench handle|jansson\n");
		return 64;
	}
	f.handle = strcmp(argv[1], "handle") == 0 ? handle : jansson;
	return va_filter_run(&f);
}
