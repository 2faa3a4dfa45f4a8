/*
 * t_jscan.c - unit tests for lib/jscan.c (the validating JSON scanner,
 * member offsets, key look-up, string decoding) and lib/b64.c (RFC 4648
 * vectors, round trips, rejection of bad input).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "jscan.h"
#include "tap.h"

struct jcase {
	const char *text;
	size_t	len;		/* 0: strlen(text) */
	int	valid;
};

/* Texts checked with va_jscan_value(). */
static const struct jcase values[] = {
	/* Numbers. */
	{ "0", 0, 1 },
	{ "-0", 0, 1 },
	{ "1e5", 0, 1 },
	{ "1E+5", 0, 1 },
	{ "1.5E-3", 0, 1 },
	{ "-12.25e10", 0, 1 },
	{ "123456789012345678901234567890", 0, 1 },
	{ "0.0", 0, 1 },
	{ "01", 0, 0 },
	{ "-01", 0, 0 },
	{ "00", 0, 0 },
	{ "1.", 0, 0 },
	{ ".5", 0, 0 },
	{ "-", 0, 0 },
	{ "+1", 0, 0 },
	{ "1e", 0, 0 },
	{ "1e+", 0, 0 },
	{ "1.e3", 0, 0 },
	{ "0x10", 0, 0 },
	{ "NaN", 0, 0 },
	{ "Infinity", 0, 0 },
	{ "-Infinity", 0, 0 },
	/* Literals. */
	{ "true", 0, 1 },
	{ "false", 0, 1 },
	{ "null", 0, 1 },
	{ "tru", 0, 0 },
	{ "nul", 0, 0 },
	{ "True", 0, 0 },
	{ "truex", 0, 0 },
	/* Strings. */
	{ "\"\"", 0, 1 },
	{ "\"abc\"", 0, 1 },
	{ "\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"", 0, 1 },
	{ "\"\\u0041\\u00e9\\u20AC\"", 0, 1 },
	{ "\"\\ud83d\\ude00\"", 0, 1 },
	{ "\"\\ud800\"", 0, 1 },	/* lone surrogate escape: valid JSON */
	{ "\"\\u12\"", 0, 0 },
	{ "\"\\u12g4\"", 0, 0 },
	{ "\"\\x41\"", 0, 0 },
	{ "\"\\a\"", 0, 0 },
	{ "\"\\\"", 0, 0 },
	{ "\"abc", 0, 0 },
	{ "\"a\tb\"", 0, 0 },
	{ "\"a\nb\"", 0, 0 },
	{ "\"a\x01" "b\"", 0, 0 },
	{ "\"a\x1f" "b\"", 0, 0 },
	{ "\"a\0b\"", 5, 0 },
	{ "\"a\x7f" "b\"", 0, 1 },
	{ "\"\xc3\xa9\"", 0, 1 },		/* U+00E9 */
	{ "\"\xc2\x80\"", 0, 1 },		/* U+0080, smallest 2-byte */
	{ "\"\xdf\xbf\"", 0, 1 },		/* U+07FF */
	{ "\"\xe2\x82\xac\"", 0, 1 },		/* U+20AC */
	{ "\"\xe0\xa0\x80\"", 0, 1 },		/* U+0800 */
	{ "\"\xef\xbf\xbf\"", 0, 1 },		/* U+FFFF */
	{ "\"\xed\x9f\xbf\"", 0, 1 },		/* U+D7FF */
	{ "\"\xee\x80\x80\"", 0, 1 },		/* U+E000 */
	{ "\"\xf0\x9f\x98\x80\"", 0, 1 },	/* U+1F600 */
	{ "\"\xf4\x8f\xbf\xbf\"", 0, 1 },	/* U+10FFFF */
	{ "\"\xc0\x80\"", 0, 0 },		/* overlong NUL */
	{ "\"\xc1\xbf\"", 0, 0 },		/* overlong */
	{ "\"\xe0\x80\xaf\"", 0, 0 },		/* overlong '/' */
	{ "\"\xf0\x80\x80\xaf\"", 0, 0 },	/* overlong '/' */
	{ "\"\xed\xa0\x80\"", 0, 0 },		/* surrogate D800 */
	{ "\"\xed\xbf\xbf\"", 0, 0 },		/* surrogate DFFF */
	{ "\"\xf4\x90\x80\x80\"", 0, 0 },	/* U+110000 */
	{ "\"\xf5\x80\x80\x80\"", 0, 0 },
	{ "\"\xf8\x88\x80\x80\x80\"", 0, 0 },
	{ "\"\xff\"", 0, 0 },
	{ "\"\xfe\"", 0, 0 },
	{ "\"\x80\"", 0, 0 },		/* lone continuation */
	{ "\"\xbf\"", 0, 0 },
	{ "\"\xc3\"", 0, 0 },		/* truncated 2-byte before quote */
	{ "\"\xe2\x82\"", 0, 0 },	/* truncated 3-byte */
	{ "\"\xf0\x9f\x98\"", 0, 0 },	/* truncated 4-byte */
	{ "\"\xc3\x28\"", 0, 0 },	/* bad continuation */
	{ "\"\xc3", 0, 0 },		/* truncated at end of buffer */
	{ "\"\xf0\x9f", 0, 0 },
	/* Arrays and objects. */
	{ "[]", 0, 1 },
	{ "[ ]", 0, 1 },
	{ "[1,2,3]", 0, 1 },
	{ "[1,[2,[3,{}]]]", 0, 1 },
	{ "[1,]", 0, 0 },
	{ "[,1]", 0, 0 },
	{ "[1 2]", 0, 0 },
	{ "[", 0, 0 },
	{ "]", 0, 0 },
	{ "{}", 0, 1 },
	{ "{\"a\":{\"b\":[null,true]}}", 0, 1 },
	{ "{\"a\"}", 0, 0 },
	{ "{\"a\":}", 0, 0 },
	{ "{\"a\":1,}", 0, 0 },
	{ "{a:1}", 0, 0 },
	{ "{'a':1}", 0, 0 },
	{ "{\"a\" 1}", 0, 0 },
	{ "{\"a\":1 \"b\":2}", 0, 0 },
	{ "{1:2}", 0, 0 },
	/* White space and framing. */
	{ " \t\r\n1 \t\r\n", 0, 1 },
	{ "", 0, 0 },
	{ "   ", 0, 0 },
	{ "1 2", 0, 0 },
	{ "{} x", 0, 0 },
	{ "\"a\"\"b\"", 0, 0 },
	{ "\f1", 0, 0 },		/* form feed is not JSON white space */
	{ "\xc2\xa0" "1", 0, 0 },	/* nor is NBSP */
	{ "// c\n1", 0, 0 },
};

/* Texts checked with va_jscan_object(). */
static const struct jcase objects[] = {
	{ "{}", 0, 1 },
	{ "  {}  ", 0, 1 },
	{ "\r\n\t {\"type\":\"x\"}\r\n", 0, 1 },
	{ "{ \"a\" : 1 , \"b\" : [ ] }", 0, 1 },
	{ "{\"type\":\"x\"}", 0, 1 },
	{ "{\"type\":\"x\"} ", 0, 1 },
	{ "{\"type\":\"x\"}x", 0, 0 },
	{ "{\"type\":\"x\"}{}", 0, 0 },
	{ "{\"type\":\"x\"},", 0, 0 },
	{ "{\"type\":\"x\"}\0", 13, 0 },
	{ "{\"type\":\"x\"", 0, 0 },
	{ "{\"type\":\"x\",", 0, 0 },
	{ "{", 0, 0 },
	{ "", 0, 0 },
	{ " ", 0, 0 },
	{ "[]", 0, 0 },
	{ "[{}]", 0, 0 },
	{ "\"{}\"", 0, 0 },
	{ "1", 0, 0 },
	{ "null", 0, 0 },
	{ "true", 0, 0 },
	{ "{\"a\":\"\xed\xa0\x80\"}", 0, 0 },
	{ "{\"\xc0\x80\":1}", 0, 0 },
	{ "{\"a\":01}", 0, 0 },
	{ "{\"a\":1.}", 0, 0 },
	{ "{\"a\":-0}", 0, 1 },
};

static size_t
clen(const struct jcase *c)
{
	return c->len != 0 ? c->len : strlen(c->text);
}

static void
test_corpus(void)
{
	struct va_jscan js;
	size_t i;
	int rc;

	memset(&js, 0, sizeof(js));
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		rc = va_jscan_value(&js, values[i].text, clen(&values[i]));
		is_int(rc, values[i].valid ? 0 : -1, "value #%zu %s", i,
		    values[i].valid ? "valid" : "invalid");
		if (rc < 0)
			ok(js.err != NULL && js.errpos <= clen(&values[i]),
			    "value #%zu: error message and position", i);
	}
	for (i = 0; i < sizeof(objects) / sizeof(objects[0]); i++) {
		rc = va_jscan_object(&js, objects[i].text, clen(&objects[i]));
		is_int(rc, objects[i].valid ? 0 : -1, "object #%zu %s", i,
		    objects[i].valid ? "valid" : "invalid");
	}
	/* An object is also a value; a value need not be an object. */
	is_int(va_jscan_value(&js, "{\"a\":1}", 7), 0, "object as a value");
	is_int(va_jscan_value(&js, "[1]", 3), 0, "array accepted as value");
	is_int(va_jscan_object(&js, "[1]", 3), -1, "array rejected as object");
	is_str(js.err, "not a JSON object", "array: message");
	/* A valid object is scanned only up to len. */
	is_int(va_jscan_object(&js, "{}garbage", 2), 0, "len bounds the scan");
	va_jscan_free(&js);
}

/* "[[[...]]]" or "{"a":{"a":...}}" n levels deep, in a new buffer. */
static char *
nested(int n, int obj)
{
	size_t cap = (size_t)n * 6 + 8, len = 0;
	char *s = malloc(cap);
	int i;

	for (i = 0; i < n; i++) {
		if (obj) {
			memcpy(s + len, "{\"a\":", 5);
			len += 5;
		} else
			s[len++] = '[';
	}
	if (obj) {
		memcpy(s + len, "1", 1);
		len++;
	}
	for (i = 0; i < n; i++)
		s[len++] = obj ? '}' : ']';
	s[len] = '\0';
	return s;
}

static void
test_depth(void)
{
	struct va_jscan js;
	char *s;

	memset(&js, 0, sizeof(js));
	s = nested(VA_JSCAN_DEPTH, 0);
	is_int(va_jscan_value(&js, s, strlen(s)), 0, "arrays %d deep",
	    VA_JSCAN_DEPTH);
	free(s);
	s = nested(VA_JSCAN_DEPTH + 1, 0);
	is_int(va_jscan_value(&js, s, strlen(s)), -1, "arrays %d deep",
	    VA_JSCAN_DEPTH + 1);
	is_str(js.err, "nesting too deep", "too deep: message");
	free(s);
	s = nested(VA_JSCAN_DEPTH, 1);
	is_int(va_jscan_object(&js, s, strlen(s)), 0, "objects %d deep",
	    VA_JSCAN_DEPTH);
	is_int(js.n, 1, "deep object: one top-level member");
	free(s);
	s = nested(VA_JSCAN_DEPTH + 1, 1);
	is_int(va_jscan_object(&js, s, strlen(s)), -1, "objects %d deep",
	    VA_JSCAN_DEPTH + 1);
	free(s);
	/* Far deeper than the limit must fail cleanly, not blow the stack. */
	s = nested(100000, 0);
	is_int(va_jscan_value(&js, s, strlen(s)), -1, "arrays 100000 deep");
	free(s);
	s = nested(100000, 0);
	s[99999] = '\0';	/* unterminated too */
	is_int(va_jscan_value(&js, s, strlen(s)), -1, "unterminated, deep");
	free(s);
	va_jscan_free(&js);
}

static int
mem_is(const char *p, size_t n, const char *want)
{
	return n == strlen(want) && memcmp(p, want, n) == 0;
}

static void
test_members(void)
{
	static const char text[] =
	    " {\"type\" : \"x\\\"y\", \"n\":-1.5e3,\"o\":{\"k\":[1,{}]},"
	    "\"a\":[ 1 , 2 ],\"t\":true,\"f\":false,\"z\":null,"
	    "\"e\\u0073c\":\"\",\"\":0} ";
	struct va_jscan js;
	const struct va_jmember *m;
	size_t i;

	memset(&js, 0, sizeof(js));
	is_int(va_jscan_object(&js, text, strlen(text)), 0, "members: valid");
	is_int(js.n, 9, "nine top-level members (nested ones not listed)");
	if (js.n != 9) {
		va_jscan_free(&js);
		return;
	}
	ok(js.m[0].key == text + 3 && js.m[0].klen == 4, "key 0 offset");
	ok(mem_is(js.m[0].val, js.m[0].vlen, "\"x\\\"y\""),
	    "string value raw with quotes");
	is_int(js.m[0].kind, VA_J_STRING, "kind string");
	ok(js.m[0].val == text + 11, "value 0 offset");
	ok(mem_is(js.m[1].val, js.m[1].vlen, "-1.5e3"), "number raw");
	is_int(js.m[1].kind, VA_J_NUMBER, "kind number");
	ok(mem_is(js.m[2].val, js.m[2].vlen, "{\"k\":[1,{}]}"), "object raw");
	is_int(js.m[2].kind, VA_J_OBJECT, "kind object");
	ok(mem_is(js.m[3].val, js.m[3].vlen, "[ 1 , 2 ]"), "array raw");
	is_int(js.m[3].kind, VA_J_ARRAY, "kind array");
	is_int(js.m[4].kind, VA_J_TRUE, "kind true");
	ok(mem_is(js.m[4].val, js.m[4].vlen, "true"), "true raw");
	is_int(js.m[5].kind, VA_J_FALSE, "kind false");
	is_int(js.m[6].kind, VA_J_NULL, "kind null");
	ok(mem_is(js.m[6].val, js.m[6].vlen, "null"), "null raw");
	ok(mem_is(js.m[7].key, js.m[7].klen, "e\\u0073c") && js.m[7].kesc,
	    "escaped key kept raw, kesc set");
	ok(mem_is(js.m[8].key, js.m[8].klen, "") && !js.m[8].kesc,
	    "empty key");
	for (i = 0; i < 7; i++)
		ok(!js.m[i].kesc, "member %zu: kesc clear", i);
	/* Every value lies inside the buffer. */
	for (i = 0; i < js.n; i++)
		ok(js.m[i].val >= text && js.m[i].val + js.m[i].vlen <=
		    text + sizeof(text) - 1, "member %zu inside buffer", i);

	m = va_jscan_get(&js, "esc");
	ok(m == &js.m[7], "get by decoded escaped key");
	m = va_jscan_get(&js, "");
	ok(m == &js.m[8], "get empty key");
	ok(va_jscan_get(&js, "k") == NULL, "nested key not top-level");
	ok(va_jscan_get(&js, "typ") == NULL, "prefix does not match");
	ok(va_jscan_get(&js, "types") == NULL, "longer does not match");

	/* Reuse: a second scan replaces the members. */
	is_int(va_jscan_object(&js, "{}", 2), 0, "reuse: empty object");
	is_int(js.n, 0, "empty object: no members");
	ok(va_jscan_get(&js, "type") == NULL, "empty object: get NULL");
	/* A failed scan leaves err set; a later good one clears it. */
	is_int(va_jscan_object(&js, "{\"a\":x}", 7), -1, "bad value");
	is_int(js.errpos, 5, "error position at the bad byte");
	is_int(va_jscan_object(&js, "{\"a\":1}", 7), 0, "good after bad");
	ok(js.err == NULL, "err cleared");

	/* Many members grow the array. */
	{
		char big[8192];
		size_t len = 0;
		int k;

		big[len++] = '{';
		for (k = 0; k < 500; k++)
			len += (size_t)snprintf(big + len, sizeof(big) - len,
			    "%s\"k%d\":%d", k ? "," : "", k, k);
		big[len++] = '}';
		is_int(va_jscan_object(&js, big, len), 0, "500 members");
		is_int(js.n, 500, "500 members listed");
		m = va_jscan_get(&js, "k499");
		ok(m != NULL && mem_is(m->val, m->vlen, "499"), "last found");
		m = va_jscan_get(&js, "k0");
		ok(m != NULL && mem_is(m->val, m->vlen, "0"), "first found");
	}
	va_jscan_free(&js);
	ok(js.m == NULL && js.n == 0 && js.cap == 0, "free zeroes");
}

static void
test_get(void)
{
	static const char dup[] =
	    "{\"type\":\"a\",\"x\":1,\"type\":\"b\",\"t\\u0079pe\":\"c\"}";
	static const char esc[] =
	    "{\"t\\u0079pe\":\"c\",\"\\u0074\\u0079\\u0070\\u0065x\":1,"
	    "\"\\\"q\\\\\":2,\"\\ud83d\\ude00\":3}";
	struct va_jscan js;
	const struct va_jmember *m;

	memset(&js, 0, sizeof(js));
	is_int(va_jscan_object(&js, dup, strlen(dup)), 0, "duplicates valid");
	m = va_jscan_get(&js, "type");
	ok(m != NULL && mem_is(m->val, m->vlen, "\"c\""),
	    "last one wins, escaped key counts");
	is_int(va_jscan_object(&js, dup, strlen(dup) - 18), -1,
	    "truncated invalid");
	is_int(va_jscan_object(&js, "{\"type\":\"a\",\"type\":\"b\"}", 23), 0,
	    "two plain");
	m = va_jscan_get(&js, "type");
	ok(m != NULL && mem_is(m->val, m->vlen, "\"b\""), "last plain wins");

	is_int(va_jscan_object(&js, esc, strlen(esc)), 0, "escaped keys");
	m = va_jscan_get(&js, "type");
	ok(m != NULL && mem_is(m->val, m->vlen, "\"c\""),
	    "t\\u0079pe matches type");
	m = va_jscan_get(&js, "typex");
	ok(m != NULL && mem_is(m->val, m->vlen, "1"), "all-escaped key");
	m = va_jscan_get(&js, "\"q\\");
	ok(m != NULL && mem_is(m->val, m->vlen, "2"), "quote and backslash");
	m = va_jscan_get(&js, "\xf0\x9f\x98\x80");
	ok(m != NULL && mem_is(m->val, m->vlen, "3"), "surrogate pair key");
	ok(va_jscan_get(&js, "t\\u0079pe") == NULL, "raw spelling is no key");
	va_jscan_free(&js);
}

/* Unescape a C string holding a raw JSON string; NUL-terminate for is_str. */
static long
unesc(const char *raw, char *out)
{
	long n = va_json_unescape(raw, strlen(raw), out);

	if (n >= 0)
		out[n] = '\0';
	return n;
}

static void
test_unescape(void)
{
	char out[256];
	long n;

	is_int(unesc("\"\"", out), 0, "empty");
	is_int(unesc("\"plain\"", out), 5, "plain length");
	is_str(out, "plain", "plain");
	unesc("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", out);
	is_str(out, "\"\\/\b\f\n\r\t", "all simple escapes");
	unesc("\"\\u0041\\u00e9\\u20ac\\u20AC\"", out);
	is_str(out, "A\xc3\xa9\xe2\x82\xac\xe2\x82\xac", "1, 2, 3 byte \\u");
	unesc("\"\\ud83d\\ude00\"", out);
	is_str(out, "\xf0\x9f\x98\x80", "surrogate pair");
	unesc("\"\\uDBFF\\uDFFF\"", out);
	is_str(out, "\xf4\x8f\xbf\xbf", "highest pair");
	unesc("\"\\ud800\"", out);
	is_str(out, "\xef\xbf\xbd", "lone high surrogate -> U+FFFD");
	unesc("\"\\udc00\"", out);
	is_str(out, "\xef\xbf\xbd", "lone low surrogate -> U+FFFD");
	unesc("\"a\\ud800b\"", out);
	is_str(out, "a\xef\xbf\xbd" "b", "lone high then a letter");
	unesc("\"\\ud800\\u0041\"", out);
	is_str(out, "\xef\xbf\xbd" "A", "high then non-surrogate");
	unesc("\"\\ud800\\ud800\\udc00\"", out);
	is_str(out, "\xef\xbf\xbd\xf0\x90\x80\x80", "high, then a pair");
	unesc("\"\\ude00\\ud83d\"", out);
	is_str(out, "\xef\xbf\xbd\xef\xbf\xbd", "pair in the wrong order");
	unesc("\"\xc3\xa9x\"", out);
	is_str(out, "\xc3\xa9x", "raw UTF-8 copied");
	n = va_json_unescape("\"a\\u0000b\"", 10, out);
	ok(n == 3 && memcmp(out, "a\0b", 3) == 0, "\\u0000 gives a NUL");
	is_int(unesc("\"\\x\"", out), -1, "bad escape");
	is_int(unesc("\"\\u12\"", out), -1, "short \\u");
	is_int(unesc("\"\\uzzzz\"", out), -1, "bad hex");
	is_int(unesc("\"abc", out), -1, "no closing quote");
	is_int(unesc("abc\"", out), -1, "no opening quote");
	is_int(unesc("\"", out), -1, "one quote");
	is_int(va_json_unescape("", 0, out), -1, "empty input");
	is_int(unesc("\"\\\"", out), -1, "escaped closing quote");
	/* The output never exceeds the raw length (the documented bound). */
	{
		static const char *const raws[] = { "\"\\ud800\"",
		    "\"\\ud83d\\ude00\"", "\"\\u0800\"", "\"\\u0080\"",
		    "\"\\ud800\\ud800\"", NULL };
		const char *const *r;

		for (r = raws; *r != NULL; r++)
			ok(unesc(*r, out) <= (long)strlen(*r) - 2,
			    "%s: decoded fits", *r);
	}
}

/* b64 */

static uint64_t rng = 0x853c49e6748fea9bULL;

static uint64_t
xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void
test_b64(void)
{
	static const char *const vec[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" },
		{ "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" },
		{ "foobar", "Zm9vYmFy" },
	};
	static const char *const bad[] = { "Zg=", "Zg", "Z", "Zm9vY",
	    "Zm9v Zg==", "Zm9v\tZg==", "Zm-v", "Zm_v", "Zm9v====", "====",
	    "Z===", "=Zg=", "Zg==Zm9v", "Zm=v", "Zg=A", "Zm9\x80", "Zm9v*A==",
	    NULL };
	static const char alpha[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
	unsigned char in[64], dec[80], all[192], back[192];
	char enc[100], big[260];
	size_t i, n;
	long d;
	int good;

	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		n = strlen(vec[i][0]);
		is_int(va_b64_len(n), strlen(vec[i][1]), "len(%s)", vec[i][0]);
		memset(enc, 'X', sizeof(enc));
		va_b64_encode(vec[i][0], n, enc);
		is_str(enc, vec[i][1], "encode \"%s\"", vec[i][0]);
		d = va_b64_decode(vec[i][1], strlen(vec[i][1]), dec);
		ok(d == (long)n && memcmp(dec, vec[i][0], n) == 0,
		    "decode %s", vec[i][1]);
	}
	/* All lengths 0..64 of random bytes survive a round trip. */
	good = 1;
	for (n = 0; n <= 64 && good; n++) {
		for (i = 0; i < n; i++)
			in[i] = (unsigned char)xorshift();
		memset(enc, 'X', sizeof(enc));
		va_b64_encode(in, n, enc);
		memset(dec, 0xee, sizeof(dec));
		d = va_b64_decode(enc, strlen(enc), dec);
		if (strlen(enc) != va_b64_len(n) || strspn(enc, alpha) !=
		    strlen(enc) || d != (long)n || memcmp(dec, in, n) != 0 ||
		    dec[n] != 0xee) {
			printf("# length %zu: %s\n", n, enc);
			good = 0;
		}
	}
	ok(good, "round trip of random bytes, lengths 0..64");
	/* High bytes and runs of 0xff: no sign extension. */
	for (i = 0; i < sizeof(all); i++)
		all[i] = (unsigned char)(255 - i % 7);
	va_b64_encode(all, sizeof(all), big);
	d = va_b64_decode(big, strlen(big), back);
	ok(d == (long)sizeof(all) && memcmp(back, all, sizeof(all)) == 0,
	    "high bytes round trip");
	va_b64_encode("\xff\xff\xff", 3, enc);
	is_str(enc, "////", "0xffffff");
	va_b64_encode("\xfb\xff", 2, enc);
	is_str(enc, "+/8=", "0xfbff");
	for (i = 0; bad[i] != NULL; i++)
		is_int(va_b64_decode(bad[i], strlen(bad[i]), dec), -1,
		    "reject \"%s\"", bad[i]);
	is_int(va_b64_decode("Zm9v", 4, dec), 3, "decode stops at len");
	is_int(va_b64_decode("Zm9vYmFy", 4, dec), 3, "len bounds the input");
}

int
main(void)
{
	test_corpus();
	test_depth();
	test_members();
	test_get();
	test_unescape();
	test_b64();
	return tap_done();
}
