/*
 * fz_event.c - fuzz the event reader (lib/jscan.c, lib/event.c) and the
 * emitter's carrying of members, against jansson as the reference.
 *
 * Properties, for any bytes as a line (up to a newline, as lib/linein.c
 * hands lines over):
 * - a line va_event_parse() takes is a JSON object jansson takes too
 *   (jansson alone refuses numbers beyond a double or an int64, lone
 *   surrogate escapes and "\u0000" in keys, and a line with one is left
 *   out of the comparison);
 * - every key jansson sees is found, and string and integer members read
 *   back as jansson decodes them (the last of duplicate keys wins in both);
 * - an event answered by va_emit_begin()/va_emit_end() is one line of a
 *   JSON object that carries every member of the source other than the
 *   stamp ("by", "at", "proc_ms") and the fields its type defines
 *   (va-events(5)),
 *   with the value the reader sees;
 * - an in-band error about it is one valid line too;
 * - va_event_json() reads a string member as va_event_str() does, and a
 *   line jansson refuses for a lone surrogate alone is compared with
 *   va_event_object() of it, which reads the surrogate as U+FFFD.
 */
#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "event.h"
#include "fz.h"
#include "jscan.h"
#include "log.h"
#include "out.h"

static int cap_fd = -1;

static void
setup(void)
{
	FILE *f;

	setenv("VA_FIXED_CLOCK", "1700000000000", 1);
	setenv("VA_LOG_LEVEL", "error", 1);
	va_log_init("va-fuzz");
	if ((f = tmpfile()) == NULL)
		abort();
	cap_fd = fileno(f);
	va_out_set_fd(cap_fd);
}

/* What the emitter wrote since the last call (new, NUL-terminated). */
static char *
take(size_t *len)
{
	off_t size;
	ssize_t n;
	char *buf;

	va_out_flush();
	size = lseek(cap_fd, 0, SEEK_END);
	if ((buf = malloc((size_t)size + 1)) == NULL)
		abort();
	n = pread(cap_fd, buf, (size_t)size, 0);
	FZ_CHECK(n == size);
	buf[n] = '\0';
	*len = (size_t)n;
	if (ftruncate(cap_fd, 0) == -1 || lseek(cap_fd, 0, SEEK_SET) == -1)
		abort();
	return buf;
}

/*
 * jansson refused only what RFC 8259's grammar allows and the scanner
 * takes on purpose: a number beyond a double or an int64, or a lone
 * surrogate escape (which va_json_unescape() reads as U+FFFD), or a NUL
 * in a key.
 */
static int
jansson_only(const json_error_t *e)
{
	return strstr(e->text, "too big") != NULL ||
	    strstr(e->text, "overflow") != NULL ||
	    strstr(e->text, "invalid Unicode '\\u") != NULL ||
	    strstr(e->text, "NUL byte in object key") != NULL;
}

/* The output is exactly one line holding a JSON object: its value. */
static json_t *
one_object_line(const char *out, size_t len)
{
	struct va_event ev;
	json_error_t e;
	const char *why;
	json_t *o;

	FZ_CHECK(len > 0 && out[len - 1] == '\n');
	FZ_CHECK(memchr(out, '\n', len - 1) == NULL);
	o = json_loadb(out, len - 1, JSON_ALLOW_NUL, &e);
	/* A lone surrogate carried on byte for byte: read it as we do. */
	if (o == NULL && strstr(e.text, "invalid Unicode '\\u") != NULL) {
		memset(&ev, 0, sizeof(ev));
		if (va_event_parse(&ev, out, len - 1, &why) == 0)
			o = va_event_object(&ev);
		va_jscan_free(&ev.js);
	}
	if (o == NULL)
		fprintf(stderr, "emitted: %s\njansson: %s\n", out, e.text);
	FZ_CHECK(o != NULL && json_is_object(o));
	return o;
}

static void
check_members(const struct va_event *ev, json_t *j)
{
	const char *key;
	json_t *v, *jv;
	char *s;
	int64_t i;

	json_object_foreach(j, key, v) {
		FZ_CHECK(va_event_get(ev, key) != NULL);
		if (json_is_string(v)) {
			s = va_event_str(ev, key);
			FZ_CHECK(s != NULL);
			/* Whole, or up to a "\u0000" (a C string ends there). */
			FZ_CHECK(strlen(s) <= json_string_length(v));
			FZ_CHECK(memcmp(s, json_string_value(v),
			    strlen(s)) == 0);
			FZ_CHECK(strlen(s) == json_string_length(v) ||
			    json_string_value(v)[strlen(s)] == '\0');
			/* The json_t view reads what the string view reads. */
			jv = va_event_json(ev, key);
			FZ_CHECK(jv != NULL && json_is_string(jv) &&
			    json_equal(jv, v));
			json_decref(jv);
			free(s);
		} else if (json_is_integer(v)) {
			FZ_CHECK(va_event_int(ev, key, &i) == 0);
			FZ_CHECK(i == json_integer_value(v));
		}
		(void)va_event_bool(ev, key, 0);
		json_decref(va_event_json(ev, key));
	}
}

static int
defined(const char *type, const char *key)
{
	const char *const *f;

	for (f = va_event_fields(type); f != NULL && *f != NULL; f++)
		if (strcmp(*f, key) == 0)
			return 1;
	return 0;
}

static void
check_carried(const struct va_event *ev, json_t *j)
{
	const char *key;
	json_t *v, *o;
	char *out;
	size_t len;

	va_emit_begin("fz", ev);
	va_emit_end(ev);
	out = take(&len);
	o = one_object_line(out, len);
	json_object_foreach(j, key, v) {
		if (strcmp(key, "type") == 0 || strcmp(key, "by") == 0 ||
		    strcmp(key, "at") == 0 || strcmp(key, "proc_ms") == 0 ||
		    defined(ev->type, key))
			continue;
		if (!json_equal(json_object_get(o, key), v))
			fprintf(stderr, "in: %.*s\nout: %s\nkey: %s\n",
			    (int)ev->len, ev->line, out, key);
		FZ_CHECK(json_equal(json_object_get(o, key), v));
	}
	json_decref(o);
	free(out);

	va_emit_error(ev, "fz", "an error about %s", ev->type);
	out = take(&len);
	json_decref(one_object_line(out, len));
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct va_event ev;
	json_error_t e;
	const uint8_t *nl;
	const char *why;
	json_t *j;
	int r;

	if (cap_fd == -1)
		setup();
	/* The line reader hands over lines without their newline. */
	if ((nl = memchr(data, '\n', size)) != NULL)
		size = (size_t)(nl - data);
	memset(&ev, 0, sizeof(ev));
	r = va_event_parse(&ev, (const char *)data, size, &why);
	j = json_loadb((const char *)data, size, JSON_ALLOW_NUL, &e);
	if (r == 0 && j == NULL) {
		if (!jansson_only(&e))
			fprintf(stderr, "jansson: %s at %d\n", e.text,
			    e.position);
		FZ_CHECK(jansson_only(&e));
	}
	/*
	 * jansson refused a lone surrogate: the reader's own json_t view
	 * mends it to U+FFFD and stands in as the reference (the line may
	 * still hold something else jansson refuses).
	 */
	if (r == 0 && j == NULL &&
	    strstr(e.text, "invalid Unicode '\\u") != NULL)
		j = va_event_object(&ev);
	if (r == 0 && j != NULL) {
		FZ_CHECK(json_is_object(j));
		FZ_CHECK(json_is_string(json_object_get(j, "type")));
		check_members(&ev, j);
		check_carried(&ev, j);
	}
	json_decref(j);
	va_jscan_free(&ev.js);
	return 0;
}
