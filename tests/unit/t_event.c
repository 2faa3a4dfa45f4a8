/*
 * t_event.c - unit tests for lib/event.c: parsing events and reading their
 * members, and the emitter (envelope, carried fields, first-emitted-wins,
 * copies, fixed reals, string escaping, in-band errors) with the output of
 * lib/out.c captured in a temporary file.
 */
#include <sys/types.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "event.h"
#include "jscan.h"
#include "log.h"
#include "out.h"
#include "strbuf.h"
#include "tap.h"

#define FIXED_MS	"1700000000000"
#define STAMP		"\"by\":\"va-test\",\"at\":" FIXED_MS

static int cap_fd = -1;
static char *cap_buf;

/* Everything written since the last call, NUL-terminated (borrowed). */
static const char *
take(void)
{
	off_t size;
	ssize_t n;

	va_out_flush();
	size = lseek(cap_fd, 0, SEEK_END);
	free(cap_buf);
	cap_buf = malloc((size_t)size + 1);
	n = pread(cap_fd, cap_buf, (size_t)size, 0);
	cap_buf[n > 0 ? n : 0] = '\0';
	if (ftruncate(cap_fd, 0) == -1 || lseek(cap_fd, 0, SEEK_SET) == -1)
		printf("# cannot reset the capture file\n");
	return cap_buf;
}

/* 1 when s is one or more lines, each a valid JSON object. */
static int
lines_valid(const char *s)
{
	struct va_jscan js;
	const char *nl;
	int good = *s != '\0';

	memset(&js, 0, sizeof(js));
	while (*s != '\0') {
		if ((nl = strchr(s, '\n')) == NULL) {
			good = 0;
			break;
		}
		if (va_jscan_object(&js, s, (size_t)(nl - s)) < 0) {
			printf("# invalid line: %.*s (%s at %zu)\n",
			    (int)(nl - s), s, js.err, js.errpos);
			good = 0;
		}
		s = nl + 1;
	}
	va_jscan_free(&js);
	return good;
}

/* Parse a NUL-terminated line into ev; the caller frees ev->js. */
static int
parse(struct va_event *ev, const char *line)
{
	const char *why = NULL;

	return va_event_parse(ev, line, strlen(line), &why);
}

static void
test_parse(void)
{
	struct va_event ev;
	const char *why;
	char line[256], t63[64];
	int i;

	memset(&ev, 0, sizeof(ev));
	is_int(parse(&ev, "{\"type\":\"transcript\",\"x\":1}"), 0, "parse");
	is_str(ev.type, "transcript", "type decoded");
	ok(va_event_is(&ev, "transcript") && !va_event_is(&ev, "transcrip"),
	    "va_event_is");
	is_int(parse(&ev, " {\"x\":1, \"type\" : \"intent\"} \r"), 0,
	    "type need not be first; white space and CR around");
	is_str(ev.type, "intent", "type found later");
	is_int(parse(&ev, "{\"t\\u0079pe\":\"tr\\u0061nscript\"}"), 0,
	    "escaped key and value");
	is_str(ev.type, "transcript", "escaped type decoded");
	is_int(parse(&ev, "{\"type\":\"a\\\"b\"}"), 0, "quote in type");
	is_str(ev.type, "a\"b", "quote in type decoded");

	why = NULL;
	is_int(va_event_parse(&ev, "{\"x\":1}", 7, &why), -1, "no type");
	ok(why != NULL && strstr(why, "type") != NULL, "why: %s", why);
	why = NULL;
	is_int(va_event_parse(&ev, "{\"type\":1}", 10, &why), -1,
	    "numeric type");
	ok(why != NULL && strstr(why, "not a string") != NULL, "why: %s", why);
	is_int(parse(&ev, "{\"type\":null}"), -1, "null type");
	is_int(parse(&ev, "{\"type\":[\"x\"]}"), -1, "array type");
	is_int(parse(&ev, "{\"type\":{\"a\":\"b\"}}"), -1, "object type");
	is_int(parse(&ev, "{\"Type\":\"x\"}"), -1, "key is case sensitive");
	is_int(parse(&ev, "{\"a\":{\"type\":\"x\"}}"), -1,
	    "nested type does not count");
	is_int(parse(&ev, "{\"type\":\"a\\u0000b\"}"), -1, "NUL in type");
	why = NULL;
	is_int(va_event_parse(&ev, "[1]", 3, &why), -1, "array line");
	ok(why != NULL, "why: %s", why);
	is_int(parse(&ev, "\"type\""), -1, "string line");
	is_int(parse(&ev, "{\"type\":\"x\"} {}"), -1, "two objects");
	is_int(parse(&ev, "{\"type\":\"x\""), -1, "truncated");
	is_int(parse(&ev, ""), -1, "empty line");
	is_int(parse(&ev, "not json"), -1, "not JSON");
	is_int(parse(&ev, "{\"type\":\"x\",\"type\":\"y\"}"), 0, "dup type");
	is_str(ev.type, "y", "last type wins");

	/* 63 bytes fit, 64 do not. */
	memset(t63, 'a', 63);
	t63[63] = '\0';
	snprintf(line, sizeof(line), "{\"type\":\"%s\"}", t63);
	is_int(parse(&ev, line), 0, "63-byte type");
	is_str(ev.type, t63, "63-byte type kept whole");
	snprintf(line, sizeof(line), "{\"type\":\"%sa\"}", t63);
	why = NULL;
	is_int(va_event_parse(&ev, line, strlen(line), &why), -1,
	    "64-byte type");
	ok(why != NULL && strstr(why, "long") != NULL, "why: %s", why);
	/* The limit is on the decoded type, not its spelling. */
	snprintf(line, sizeof(line), "{\"type\":\"%.62s\\u0062\"}", t63);
	is_int(parse(&ev, line), 0, "63 decoded bytes, escaped spelling");
	ok(strlen(ev.type) == 63 && ev.type[62] == 'b', "escaped long type");
	snprintf(line, sizeof(line), "{\"type\":\"%s\\u0062\"}", t63);
	is_int(parse(&ev, line), -1, "64 decoded bytes, escaped spelling");
	snprintf(line, sizeof(line), "{\"type\":\"%.60s\\u00e9\"}", t63);
	is_int(parse(&ev, line), 0, "60 + 2 bytes of UTF-8");
	line[0] = '\0';
	for (i = 0; i < 20; i++)
		strcat(line, "\\u00e9");
	{
		char l2[300];

		snprintf(l2, sizeof(l2), "{\"type\":\"%s\"}", line);
		is_int(parse(&ev, l2), 0, "20 escaped 2-byte characters");
		is_int(strlen(ev.type), 40, "decoded to 40 bytes");
	}
	va_jscan_free(&ev.js);
}

static void
test_access(void)
{
	static const char line[] = "{\"type\":\"t\","
	    "\"s\":\"a\\\"b\\\\c\\nd\\u00e9\\ud83d\\ude00\","
	    "\"i\":42,\"neg\":-17,\"big\":9007199254740993,"
	    "\"max\":9223372036854775807,\"min\":-9223372036854775808,"
	    "\"r\":1.5,\"e\":1e3,\"E\":2E1,\"z\":-0,\"nr\":-2.5e-1,"
	    "\"b1\":true,\"b0\":false,\"nul\":null,\"o\":{\"k\":[1,2]},"
	    "\"arr\":[1,\"x\"],\"sn\":\"12\",\"empty\":\"\","
	    "\"k\\u0065y\":\"escaped key\"}";
	struct va_event ev;
	const struct va_jmember *m;
	json_t *j, *k;
	char *s;
	int64_t iv;
	double dv;

	memset(&ev, 0, sizeof(ev));
	is_int(parse(&ev, line), 0, "accessor line parses");

	s = va_event_str(&ev, "s");
	is_str(s, "a\"b\\c\nd\xc3\xa9\xf0\x9f\x98\x80", "str with escapes");
	free(s);
	s = va_event_str(&ev, "empty");
	is_str(s, "", "empty string");
	free(s);
	s = va_event_str(&ev, "key");
	is_str(s, "escaped key", "str under an escaped key");
	free(s);
	ok(va_event_str(&ev, "i") == NULL, "str of a number is NULL");
	ok(va_event_str(&ev, "nul") == NULL, "str of null is NULL");
	ok(va_event_str(&ev, "missing") == NULL, "str of missing is NULL");
	s = va_event_str(&ev, "type");
	is_str(s, "t", "str of type");
	free(s);

	iv = 0;
	ok(va_event_int(&ev, "i", &iv) == 0 && iv == 42, "int 42");
	ok(va_event_int(&ev, "neg", &iv) == 0 && iv == -17, "int -17");
	ok(va_event_int(&ev, "big", &iv) == 0 && iv == 9007199254740993LL,
	    "int beyond double precision is exact");
	ok(va_event_int(&ev, "max", &iv) == 0 && iv == INT64_MAX, "INT64_MAX");
	ok(va_event_int(&ev, "min", &iv) == 0 && iv == INT64_MIN, "INT64_MIN");
	iv = 7;
	is_int(va_event_int(&ev, "r", &iv), -1, "int rejects 1.5");
	is_int(va_event_int(&ev, "e", &iv), -1, "int rejects 1e3");
	is_int(va_event_int(&ev, "E", &iv), -1, "int rejects 2E1");
	is_int(va_event_int(&ev, "sn", &iv), -1, "int rejects a string");
	is_int(va_event_int(&ev, "b1", &iv), -1, "int rejects true");
	is_int(va_event_int(&ev, "missing", &iv), -1, "int of missing");
	is_int(iv, 7, "out untouched on failure");
	ok(va_event_int(&ev, "z", &iv) == 0 && iv == 0, "int -0 is 0");

	ok(va_event_num(&ev, "r", &dv) == 0 && dv == 1.5, "num 1.5");
	ok(va_event_num(&ev, "e", &dv) == 0 && dv == 1000, "num 1e3");
	ok(va_event_num(&ev, "i", &dv) == 0 && dv == 42, "num of integer");
	ok(va_event_num(&ev, "nr", &dv) == 0 && dv == -0.25, "num -2.5e-1");
	is_int(va_event_num(&ev, "sn", &dv), -1, "num rejects a string");
	is_int(va_event_num(&ev, "nul", &dv), -1, "num rejects null");
	is_int(va_event_num(&ev, "missing", &dv), -1, "num of missing");

	is_int(va_event_bool(&ev, "b1", 0), 1, "bool true");
	is_int(va_event_bool(&ev, "b0", 1), 0, "bool false");
	is_int(va_event_bool(&ev, "nul", 1), 1, "bool null -> default 1");
	is_int(va_event_bool(&ev, "nul", 0), 0, "bool null -> default 0");
	is_int(va_event_bool(&ev, "i", -1), -1, "bool number -> default");
	is_int(va_event_bool(&ev, "missing", 5), 5, "bool missing -> default");

	j = va_event_json(&ev, "o");
	ok(j != NULL && json_is_object(j), "json object");
	k = json_object_get(j, "k");
	ok(k != NULL && json_array_size(k) == 2 &&
	    json_integer_value(json_array_get(k, 1)) == 2, "json nested");
	json_decref(j);
	j = va_event_json(&ev, "s");
	ok(j != NULL && json_is_string(j) && strcmp(json_string_value(j),
	    "a\"b\\c\nd\xc3\xa9\xf0\x9f\x98\x80") == 0, "json string");
	json_decref(j);
	j = va_event_json(&ev, "nul");
	ok(j != NULL && json_is_null(j), "json null is a value, not NULL");
	json_decref(j);
	j = va_event_json(&ev, "i");
	ok(j != NULL && json_integer_value(j) == 42, "json integer");
	json_decref(j);
	ok(va_event_json(&ev, "missing") == NULL, "json missing is NULL");

	j = va_event_object(&ev);
	ok(j != NULL && json_object_size(j) == 20, "whole event decoded");
	ok(json_is_true(json_object_get(j, "b1")), "whole event: b1");
	json_decref(j);

	m = va_event_get(&ev, "arr");
	ok(m != NULL && m->kind == VA_J_ARRAY && m->vlen == 7, "raw member");
	ok(va_event_get(&ev, "k") == NULL, "nested key is not a member");

	/* Out of the int64 range: not an integer we can give. */
	iv = 7;
	is_int(parse(&ev, "{\"type\":\"t\",\"over\":9223372036854775808,"
	    "\"under\":-99999999999999999999}"), 0, "huge numbers parse");
	is_int(va_event_int(&ev, "over", &iv), -1, "INT64_MAX + 1 rejected");
	is_int(va_event_int(&ev, "under", &iv), -1, "huge negative rejected");
	is_int(iv, 7, "out untouched on overflow");
	ok(va_event_num(&ev, "over", &dv) == 0 && dv == 9223372036854775808.0,
	    "but it is a number");
	va_jscan_free(&ev.js);
}

static void
test_fields(void)
{
	const char *const *f;
	int has_text = 0;

	f = va_event_fields("transcript");
	ok(f != NULL, "transcript is a known type");
	for (; f != NULL && *f != NULL; f++)
		if (strcmp(*f, "text") == 0)
			has_text = 1;
	ok(has_text, "transcript defines text");
	ok(va_event_fields("no_such_type") == NULL, "unknown type: NULL");
	ok(va_event_fields("") == NULL, "empty type: NULL");
}

static void
test_envelope(void)
{
	static const char src_line[] = "{\"type\":\"transcript\","
	    "\"call\":\"c1\",\"turn\":3,\"t_ms\":1500,\"by\":\"va-asr\","
	    "\"at\":1,\"proc_ms\":5,\"text\":\"hi\",\"confidence\":0.9,"
	    "\"lang\":\"en\",\"extra\":{\"a\":[1, 2]},\"words\":[]}";
	struct va_event src;
	const char *out;

	memset(&src, 0, sizeof(src));
	is_int(parse(&src, src_line), 0, "source parses");

	va_emit_begin("intent", &src);
	va_emit_str("intent", "greet");
	va_emit_end(&src);
	out = take();
	is_str(out, "{\"type\":\"intent\",\"call\":\"c1\",\"turn\":3,"
	    "\"t_ms\":1500," STAMP ",\"intent\":\"greet\",\"lang\":\"en\","
	    "\"extra\":{\"a\":[1, 2]}}\n",
	    "envelope copied, own fields dropped, unknown carried raw");
	ok(lines_valid(out), "valid JSON");

	/* No source: type, by, at only. */
	va_emit_begin("call_start", NULL);
	va_emit_end(NULL);
	is_str(take(), "{\"type\":\"call_start\"," STAMP "}\n",
	    "begin without a source");

	/* A source without envelope fields. */
	{
		struct va_event bare;

		memset(&bare, 0, sizeof(bare));
		parse(&bare, "{\"type\":\"x\",\"turn\":2}");
		va_emit_begin("y", &bare);
		va_emit_end(&bare);
		is_str(take(), "{\"type\":\"y\",\"turn\":2," STAMP "}\n",
		    "only the envelope fields present are copied");
		va_jscan_free(&bare.js);
	}

	va_emit_begin_call("utterance", "c\"1", 4, 250);
	va_emit_int("start_ms", -5);
	va_emit_end(NULL);
	out = take();
	is_str(out, "{\"type\":\"utterance\",\"call\":\"c\\\"1\",\"turn\":4,"
	    "\"t_ms\":250," STAMP ",\"start_ms\":-5}\n", "begin_call");
	ok(lines_valid(out), "begin_call valid JSON");

	va_emit_begin_call("utterance", NULL, 0, 0);
	va_emit_end(NULL);
	is_str(take(), "{\"type\":\"utterance\",\"call\":null,\"turn\":0,"
	    "\"t_ms\":0," STAMP "}\n", "begin_call with NULL call");

	/* The type itself is escaped on the way out. */
	va_emit_begin("we\"ird\n", NULL);
	va_emit_end(NULL);
	out = take();
	is_str(out, "{\"type\":\"we\\\"ird\\n\"," STAMP "}\n", "type escaped");
	ok(lines_valid(out), "escaped type valid");
	va_jscan_free(&src.js);
}

/* Events of every known type lose exactly their own fields on answer. */
static void
test_carry_all_types(void)
{
	static const char *const types[] = { "call_start", "call_end", "audio",
	    "utterance", "transcript", "intent", "action", "result", "reply",
	    "speech", "handoff", "error", NULL };
	const char *const *t, *const *f;
	struct va_event src;
	char line[2048];
	const char *out;
	json_t *o;
	size_t n;
	int good;

	memset(&src, 0, sizeof(src));
	for (t = types; *t != NULL; t++) {
		n = (size_t)snprintf(line, sizeof(line), "{\"type\":\"%s\","
		    "\"call\":\"k\",\"turn\":1,\"t_ms\":2,\"by\":\"b\","
		    "\"at\":3,\"proc_ms\":4", *t);
		for (f = va_event_fields(*t); f != NULL && *f != NULL; f++)
			n += (size_t)snprintf(line + n, sizeof(line) - n,
			    ",\"%s\":\"own\"", *f);
		snprintf(line + n, sizeof(line) - n,
		    ",\"mine\":\"kept\",\"z\":[{}]}");
		if (parse(&src, line) != 0) {
			ok(0, "%s: source parses", *t);
			continue;
		}
		va_emit_begin("answer", &src);
		va_emit_end(&src);
		out = take();
		o = json_loads(out, 0, NULL);
		good = o != NULL && lines_valid(out);
		good = good && strcmp(json_string_value(json_object_get(o,
		    "type")), "answer") == 0;
		good = good && strcmp(json_string_value(json_object_get(o,
		    "by")), "va-test") == 0;
		good = good && json_integer_value(json_object_get(o, "at")) ==
		    1700000000000LL;
		good = good && json_integer_value(json_object_get(o, "turn")) ==
		    1 && json_integer_value(json_object_get(o, "t_ms")) == 2;
		good = good && json_object_get(o, "proc_ms") == NULL;
		good = good && strcmp(json_string_value(json_object_get(o,
		    "mine")), "kept") == 0 && json_object_get(o, "z") != NULL;
		for (f = va_event_fields(*t); good && *f != NULL; f++)
			if (json_object_get(o, *f) != NULL)
				good = 0;
		/* type, call, turn, t_ms, by, at, mine, z */
		good = good && json_object_size(o) == 8;
		ok(good, "answering %s: envelope restamped, %s fields dropped, "
		    "unknown fields carried", *t, *t);
		if (!good)
			printf("# %s", out);
		json_decref(o);
	}

	/* An unknown type defines nothing: all but the envelope is carried. */
	parse(&src, "{\"type\":\"custom\",\"text\":\"t\",\"at\":9,\"q\":1}");
	va_emit_begin("reply", &src);
	va_emit_end(&src);
	is_str(take(),
	    "{\"type\":\"reply\"," STAMP ",\"text\":\"t\",\"q\":1}\n",
	    "unknown source type carries everything but the envelope");
	va_jscan_free(&src.js);
}

static void
test_first_wins(void)
{
	struct va_event src;
	const char *out;

	memset(&src, 0, sizeof(src));
	parse(&src, "{\"type\":\"custom\",\"call\":\"c1\",\"lang\":\"en\","
	    "\"n\":1}");
	va_emit_begin("reply", &src);
	va_emit_str("k", "a");
	va_emit_int("k", 2);
	va_emit_str("call", "other");
	va_emit_str("type", "other");
	va_emit_str("by", "other");
	va_emit_str("lang", "fr");
	va_emit_end(&src);
	out = take();
	is_str(out, "{\"type\":\"reply\",\"call\":\"c1\"," STAMP
	    ",\"k\":\"a\",\"lang\":\"fr\",\"n\":1}\n",
	    "first emitted wins over later calls and over the source");
	ok(lines_valid(out), "valid JSON");

	/* A source key spelled with escapes is the same key. */
	parse(&src, "{\"type\":\"custom\",\"l\\u0061ng\":\"en\","
	    "\"n\\u0065w\":1}");
	va_emit_begin("reply", &src);
	va_emit_str("lang", "fr");
	va_emit_end(&src);
	out = take();
	is_str(out, "{\"type\":\"reply\"," STAMP ",\"lang\":\"fr\","
	    "\"n\\u0065w\":1}\n",
	    "escaped source key does not duplicate an emitted one");

	/* Escaped envelope and defined fields of the source are dropped. */
	parse(&src, "{\"t\\u0079pe\":\"transcript\",\"c\\u0061ll\":\"c2\","
	    "\"t\\u0065xt\":\"hi\",\"b\\u0079\":\"x\",\"u\":1}");
	va_emit_begin("intent", &src);
	va_emit_end(&src);
	is_str(take(), "{\"type\":\"intent\",\"call\":\"c2\"," STAMP
	    ",\"u\":1}\n", "escaped envelope and own fields recognised");

	/* Many keys: all written, each once. */
	{
		char key[16];
		json_t *o;
		int i;

		va_emit_begin("many", NULL);
		for (i = 0; i < 100; i++) {
			snprintf(key, sizeof(key), "k%d", i);
			va_emit_int(key, i);
		}
		va_emit_end(NULL);
		out = take();
		o = json_loads(out, 0, NULL);
		ok(o != NULL && json_object_size(o) == 103 &&
		    json_integer_value(json_object_get(o, "k99")) == 99,
		    "100 members");
		json_decref(o);
	}

	/*
	 * A source with duplicate keys: the reader takes the last, so the
	 * last is carried, once, however many members come between (the
	 * set of written keys once stopped growing at 128).
	 */
	{
		struct va_strbuf line = { 0 };
		json_t *o;
		char *v;
		int i;

		va_strbuf_add(&line, "{\"type\":\"custom\",\"d\":\"first\"");
		for (i = 0; i < 300; i++) {
			char m[32];

			snprintf(m, sizeof(m), ",\"k%d\":%d", i, i);
			va_strbuf_add(&line, m);
		}
		va_strbuf_add(&line, ",\"d\":\"last\",\"k7\":-7}");
		parse(&src, line.s);
		v = va_event_str(&src, "d");
		is_str(v, "last", "the reader takes the last of duplicates");
		free(v);
		va_emit_begin("reply", &src);
		va_emit_end(&src);
		out = take();
		o = json_loads(out, JSON_REJECT_DUPLICATES, NULL);
		ok(o != NULL && json_object_size(o) == 304,
		    "300 members and duplicates carried, each key once");
		is_str(o ? json_string_value(json_object_get(o, "d")) : NULL,
		    "last", "the last of a duplicate key is carried");
		ok(o != NULL &&
		    json_integer_value(json_object_get(o, "k7")) == -7 &&
		    json_integer_value(json_object_get(o, "k299")) == 299,
		    "past 128 members too");
		ok(strstr(out, "\"k0\":0,\"k1\":1,") != NULL,
		    "members keep their order");
		json_decref(o);
		free(line.s);
	}

	/* A long key spelled with escapes is still found. */
	{
		struct va_strbuf line = { 0 };
		char key[201];
		int i;

		va_strbuf_add(&line, "{\"type\":\"custom\",\"");
		for (i = 0; i < 200; i++) {
			va_strbuf_add(&line, "\\u0061");
			key[i] = 'a';
		}
		key[200] = '\0';
		va_strbuf_add(&line, "\":1}");
		parse(&src, line.s);
		ok(va_event_get(&src, key) != NULL,
		    "a 1200-byte escaped key is found");
		free(line.s);
	}
	va_jscan_free(&src.js);
}

static void
test_copy(void)
{
	static const char *const except[] = { "audio", "dur_ms", NULL };
	struct va_event src;
	const char *out;

	memset(&src, 0, sizeof(src));
	parse(&src, "{\"type\":\"utterance\",\"call\":\"c1\","
	    "\"audio\":\"AAAA\",\"start_ms\":0, \"x\" : [1, 2],"
	    "\"by\":\"va-listen\",\"dur_ms\":5}");
	va_emit_begin_copy(&src, except);
	va_emit_str("text", "t");
	va_emit_str("x", "ignored");
	va_emit_str("call", "ignored");
	va_emit_end(NULL);
	out = take();
	is_str(out, "{\"type\":\"utterance\",\"call\":\"c1\",\"start_ms\":0,"
	    "\"x\":[1, 2],\"by\":\"va-listen\",\"text\":\"t\"}\n",
	    "copy in order, except listed, added after, copied win");
	ok(lines_valid(out), "copy valid JSON");

	va_emit_begin_copy(&src, NULL);
	va_emit_end(NULL);
	is_str(take(), "{\"type\":\"utterance\",\"call\":\"c1\","
	    "\"audio\":\"AAAA\",\"start_ms\":0,\"x\":[1, 2],"
	    "\"by\":\"va-listen\",\"dur_ms\":5}\n", "copy with except NULL");

	/* Escaped keys: the type once, excepted keys dropped. */
	parse(&src, "{\"t\\u0079pe\":\"utterance\",\"\\u0061udio\":\"AAAA\","
	    "\"k\":1}");
	va_emit_begin_copy(&src, except);
	va_emit_end(NULL);
	out = take();
	is_str(out, "{\"type\":\"utterance\",\"k\":1}\n",
	    "copy recognises escaped type and excepted keys");
	va_jscan_free(&src.js);
}

/* Emit one fixed real and return the member value as text. */
static const char *
fixed(double v, int decimals)
{
	static char val[128];
	const char *out, *p;

	va_emit_begin("f", NULL);
	va_emit_fixed("v", v, decimals);
	va_emit_end(NULL);
	out = take();
	if ((p = strstr(out, "\"v\":")) == NULL)
		return "";
	snprintf(val, sizeof(val), "%.*s", (int)strcspn(p + 4, "}"), p + 4);
	if (!lines_valid(out))
		return "(invalid)";
	return val;
}

static void
test_fixed(void)
{
	is_str(fixed(1.23456, 3), "1.235", "rounds to 3 decimals");
	is_str(fixed(0.1, 1), "0.1", "0.1");
	is_str(fixed(2.0, 0), "2", "no decimals");
	is_str(fixed(-1.5, 1), "-1.5", "negative kept");
	is_str(fixed(-0.0001, 3), "0.000", "-0.000 -> 0.000");
	is_str(fixed(-0.0, 2), "0.00", "-0.0 -> 0.00");
	is_str(fixed(-0.2, 0), "0", "-0 -> 0");
	is_str(fixed(-0.0004999, 3), "0.000", "rounds toward zero -> 0.000");
	is_str(fixed(-0.0005001, 3), "-0.001", "-0.001 stays negative");
	is_str(fixed(1e15, 2), "1000000000000000.00", "large");
	is_str(fixed(NAN, 3), "null", "NaN -> null");
	is_str(fixed(INFINITY, 3), "null", "inf -> null");
	is_str(fixed(-INFINITY, 3), "null", "-inf -> null");
	is_str(fixed(-10.0, 1), "-10.0", "-10.0 keeps its sign");
}

/* Write s through va_out_json_string and return the text. */
static const char *
jstr(const char *s, size_t len)
{
	struct va_jscan js;
	const char *out;

	va_out_json_string(s, len);
	out = take();
	memset(&js, 0, sizeof(js));
	if (va_jscan_value(&js, out, strlen(out)) < 0) {
		printf("# not a JSON string: %s\n", out);
		out = "(invalid)";
	}
	va_jscan_free(&js);
	return out;
}

#define JSTR(s)	jstr((s), sizeof(s) - 1)

static void
test_json_string(void)
{
	static const char ctl[] = "\x01\x02\x1f\x7f";
	struct va_jscan js;
	char *big;
	const char *out, *nl;
	size_t i, n;
	int good;

	is_str(JSTR(""), "\"\"", "empty");
	is_str(JSTR("plain text"), "\"plain text\"", "plain");
	is_str(JSTR("a\"b\\c/d"), "\"a\\\"b\\\\c/d\"", "quote, backslash");
	is_str(JSTR("\n\t\r"), "\"\\n\\t\\r\"", "newline, tab, CR");
	is_str(JSTR(ctl), "\"\\u0001\\u0002\\u001f\x7f\"", "controls");
	is_str(JSTR("\b\f"), "\"\\u0008\\u000c\"", "backspace, form feed");
	is_str(JSTR("a\0b"), "\"a\\u0000b\"", "NUL inside");
	is_str(JSTR("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf"),
	    "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\"",
	    "valid 2, 3, 4-byte UTF-8 kept");
	is_str(JSTR("\xff"), "\"\\ufffd\"", "0xff replaced");
	is_str(JSTR("a\x80z"), "\"a\\ufffdz\"", "lone continuation");
	is_str(JSTR("\xc0\x80"), "\"\\ufffd\"", "overlong NUL");
	is_str(JSTR("\xed\xa0\x80"), "\"\\ufffd\"", "surrogate");
	is_str(JSTR("\xf5\x80\x80\x80"), "\"\\ufffd\"", "beyond U+10FFFF");
	is_str(JSTR("x\xc3"), "\"x\\ufffd\"", "truncated at the end");
	is_str(JSTR("\xc3(x"), "\"\\ufffd(x\"", "bad continuation");
	is_str(JSTR("\xc3\xa9\x80"), "\"\xc3\xa9\\ufffd\"",
	    "valid character then a stray continuation byte");
	is_str(JSTR("\xe2\x82\xac\x80\x80"), "\"\xe2\x82\xac\\ufffd\"",
	    "valid 3-byte then stray continuations");
	is_str(JSTR("\xf0\x9f\x98\x80\xbf"), "\"\xf0\x9f\x98\x80\\ufffd\"",
	    "valid 4-byte then a stray continuation");
	is_str(JSTR("\xe2\x82\xc3\xa9"), "\"\\ufffd\xc3\xa9\"",
	    "truncated 3-byte then a valid character");

	/* Every pair of bytes gives a valid JSON string, one per line. */
	for (i = 0; i < 65536; i++) {
		char two[2] = { (char)(i >> 8), (char)(i & 255) };

		va_out_json_string(two, 2);
		va_out_putc('\n');
	}
	out = take();
	good = 1;
	memset(&js, 0, sizeof(js));
	for (i = 0; i < 65536 && good; i++) {
		nl = strchr(out, '\n');
		if (nl == NULL || va_jscan_value(&js, out, (size_t)(nl - out)) <
		    0) {
			printf("# bytes %02zx %02zx\n", i >> 8, i & 255);
			good = 0;
		} else
			out = nl + 1;
	}
	va_jscan_free(&js);
	ok(good && *out == '\0', "all 65536 byte pairs give valid strings");

	/* Larger than the output buffer. */
	n = 300 * 1024;
	big = malloc(n);
	for (i = 0; i < n; i++)
		big[i] = "ab\"\xc3\xa9\n"[i % 6];
	va_emit_begin("big", NULL);
	va_emit_strn("s", big, n);
	va_emit_end(NULL);
	out = take();
	{
		struct va_event ev;
		char *s;

		memset(&ev, 0, sizeof(ev));
		ok(parse(&ev, out) == 0, "big event parses");
		s = va_event_str(&ev, "s");
		ok(s != NULL && strlen(s) == n && memcmp(s, big, n) == 0,
		    "300 KiB string survives the output buffer");
		free(s);
		va_jscan_free(&ev.js);
	}
	free(big);
}

static void
test_values(void)
{
	json_t *j;
	const char *out;

	j = json_pack("{s:[i,s,b,n]}", "a", 1, "x\"", 1);
	va_emit_begin("v", NULL);
	va_emit_str("s", "x");
	va_emit_str("null", NULL);
	va_emit_strn("sn", "abcdef", 3);
	va_emit_int("i", INT64_MIN);
	va_emit_int("j", INT64_MAX);
	va_emit_bool("t", 1);
	va_emit_bool("f", 0);
	va_emit_bool("t2", 42);
	va_emit_raw("raw", "{\"r\": [1]}", 10);
	va_emit_json("json", j);
	va_emit_json("jnull", NULL);
	va_emit_key("custom");
	va_out_puts("[true]");
	va_emit_end(NULL);
	json_decref(j);
	out = take();
	is_str(out, "{\"type\":\"v\"," STAMP ",\"s\":\"x\",\"null\":null,"
	    "\"sn\":\"abc\",\"i\":-9223372036854775808,"
	    "\"j\":9223372036854775807,\"t\":true,\"f\":false,\"t2\":true,"
	    "\"raw\":{\"r\": [1]},\"json\":{\"a\":[1,\"x\\\"\",true,null]},"
	    "\"jnull\":null,\"custom\":[true]}\n", "every member kind");
	ok(lines_valid(out), "valid JSON");
}

static void
test_error(void)
{
	struct va_event src;
	const char *out;
	json_t *o;

	memset(&src, 0, sizeof(src));
	parse(&src, "{\"type\":\"intent\",\"call\":\"c1\",\"turn\":2,"
	    "\"t_ms\":10,\"foo\":1,\"text\":\"x\"}");
	src.lineno = 7;
	va_emit_error(&src, "backend_down", "cannot reach %s: \"%d\"", "db", 5);
	out = take();
	is_str(out, "{\"type\":\"error\",\"call\":\"c1\",\"turn\":2,"
	    "\"t_ms\":10," STAMP ",\"code\":\"backend_down\","
	    "\"msg\":\"cannot reach db: \\\"5\\\"\","
	    "\"re\":{\"type\":\"intent\",\"line\":7}}\n", "error shape");
	ok(lines_valid(out), "error valid JSON");
	o = json_loads(out, 0, NULL);
	ok(o != NULL && json_integer_value(json_object_get(json_object_get(o,
	    "re"), "line")) == 7, "re.line");
	json_decref(o);

	va_emit_error(NULL, "startup", "no %s", "model");
	out = take();
	is_str(out, "{\"type\":\"error\"," STAMP ",\"code\":\"startup\","
	    "\"msg\":\"no model\"}\n", "error without a source");

	/* A long message is cut, and the line stays valid. */
	{
		char longmsg[3000];

		memset(longmsg, 'm', sizeof(longmsg) - 1);
		longmsg[sizeof(longmsg) - 1] = '\0';
		va_emit_error(&src, "long", "%s", longmsg);
		ok(lines_valid(take()), "long error message valid JSON");
	}
	va_jscan_free(&src.js);
}

/*
 * The reader takes a lone surrogate escape as U+FFFD; the json_t views must
 * agree with it rather than come back NULL, as if the member were absent.
 */
static void
test_surrogates(void)
{
	struct va_event ev;
	json_t *j;
	char *str;

	memset(&ev, 0, sizeof(ev));
	is_int(parse(&ev, "{\"type\":\"t\",\"p\":{\"a\":\"x\\ud800y\","
	    "\"b\":\"\\udc00\",\"c\":\"\\ud83d\\ude00\",\"d\":\"\\\\ud800\","
	    "\"e\":\"\\ud800\\ud800\\udc00\"},\"s\":\"\\uDBFF\"}"), 0,
	    "lone surrogates parse");
	str = va_event_str(&ev, "s");
	is_str(str, "\xef\xbf\xbd", "str: lone high surrogate is U+FFFD");
	free(str);
	j = va_event_json(&ev, "p");
	ok(j != NULL && json_is_object(j), "json of an object holding them");
	is_str(json_string_value(json_object_get(j, "a")), "x\xef\xbf\xbdy",
	    "json: lone high surrogate is U+FFFD");
	is_str(json_string_value(json_object_get(j, "b")), "\xef\xbf\xbd",
	    "json: lone low surrogate is U+FFFD");
	is_str(json_string_value(json_object_get(j, "c")),
	    "\xf0\x9f\x98\x80", "json: a pair is kept");
	is_str(json_string_value(json_object_get(j, "d")), "\\ud800",
	    "json: an escaped backslash is not an escape");
	is_str(json_string_value(json_object_get(j, "e")),
	    "\xef\xbf\xbd\xf0\x90\x80\x80", "json: a high before a pair");
	json_decref(j);
	j = va_event_json(&ev, "s");
	is_str(json_string_value(j), "\xef\xbf\xbd", "json of the string");
	json_decref(j);
	j = va_event_object(&ev);
	ok(j != NULL && json_object_size(j) == 3, "whole event decoded");
	json_decref(j);
	va_jscan_free(&ev.js);
}

int
main(void)
{
	char path[] = "/tmp/t_event.XXXXXX";

	setenv("VA_FIXED_CLOCK", FIXED_MS, 1);
	unsetenv("VA_LOG");
	va_log_init("va-test");
	if ((cap_fd = mkstemp(path)) == -1) {
		perror("mkstemp");
		return 1;
	}
	unlink(path);
	va_out_set_fd(cap_fd);

	test_parse();
	test_access();
	test_fields();
	test_envelope();
	test_carry_all_types();
	test_first_wins();
	test_copy();
	test_fixed();
	test_json_string();
	test_values();
	test_error();
	test_surrogates();

	va_out_set_fd(STDOUT_FILENO);
	close(cap_fd);
	free(cap_buf);
	return tap_done();
}
