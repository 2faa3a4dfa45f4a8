/*
 * jscan.c - validating JSON scanner (see jscan.h).
 *
 * A recursive-descent checker over a byte buffer. Strings are the hot path:
 * plain ASCII bytes are skipped in a tight loop, and only escapes and
 * multi-byte sequences take the slow branch.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jscan.h"

struct scan {
	const unsigned char *p;
	const unsigned char *end;
	const unsigned char *start;
	struct va_jscan *js;
	int	depth;
};

/* 1 for bytes that end the fast path of a string: '"', '\\', < 0x20, >= 0x80 */
static unsigned char str_stop[256];
static int tables_ready;

static void
tables_init(void)
{
	int c;

	for (c = 0; c < 256; c++)
		str_stop[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
	tables_ready = 1;
}

static int
fail(struct scan *s, const char *msg)
{
	if (s->js->err == NULL) {
		s->js->err = msg;
		s->js->errpos = (size_t)(s->p - s->start);
	}
	return -1;
}

static void
skip_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' ||
	    *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Length of a valid UTF-8 sequence at p, or 0. */
static size_t
utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	size_t n, i;
	uint32_t cp;

	if (c < 0xc2)
		return 0;
	else if (c < 0xe0) {
		n = 2;
		cp = c & 0x1f;
	} else if (c < 0xf0) {
		n = 3;
		cp = c & 0x0f;
	} else if (c < 0xf5) {
		n = 4;
		cp = c & 0x07;
	} else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

size_t
va_utf8_len(const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;

	return n == 0 ? 0 : utf8_len(u, u + n);
}

/* Scan a string starting at the opening quote; sets *esc if it has '\'. */
static int
scan_string(struct scan *s, int *esc)
{
	const unsigned char *p = s->p + 1, *end = s->end;
	size_t n;
	int i;

	*esc = 0;
	for (;;) {
		while (p < end && !str_stop[*p])
			p++;
		if (p >= end) {
			s->p = p;
			return fail(s, "unterminated string");
		}
		if (*p == '"') {
			s->p = p + 1;
			return 0;
		}
		if (*p == '\\') {
			*esc = 1;
			if (p + 1 >= end) {
				s->p = p;
				return fail(s, "unterminated string");
			}
			switch (p[1]) {
			case '"': case '\\': case '/': case 'b': case 'f':
			case 'n': case 'r': case 't':
				p += 2;
				break;
			case 'u':
				if (end - p < 6) {
					s->p = p;
					return fail(s, "bad \\u escape");
				}
				for (i = 2; i < 6; i++)
					if (hexval(p[i]) < 0) {
						s->p = p;
						return fail(s, "bad \\u escape");
					}
				p += 6;
				break;
			default:
				s->p = p;
				return fail(s, "bad escape in string");
			}
		} else if (*p < 0x20) {
			s->p = p;
			return fail(s, "control character in string");
		} else {
			if ((n = utf8_len(p, end)) == 0) {
				s->p = p;
				return fail(s, "invalid UTF-8 in string");
			}
			p += n;
		}
	}
}

static int
scan_number(struct scan *s)
{
	const unsigned char *p = s->p, *end = s->end;

	if (p < end && *p == '-')
		p++;
	if (p >= end)
		goto bad;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	else
		goto bad;
	if (p < end && *p == '.') {
		p++;
		if (p >= end || *p < '0' || *p > '9')
			goto bad;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || *p < '0' || *p > '9')
			goto bad;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	s->p = p;
	return 0;
bad:
	s->p = p;
	return fail(s, "bad number");
}

static int
scan_lit(struct scan *s, const char *lit, size_t n)
{
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, lit, n) != 0)
		return fail(s, "unexpected character");
	s->p += n;
	return 0;
}

static int scan_value(struct scan *, enum va_jkind *, int top);

static int
add_member(struct va_jscan *js, const unsigned char *k, size_t klen, int kesc)
{
	struct va_jmember *m;
	size_t ncap;

	if (js->n == js->cap) {
		ncap = js->cap ? js->cap * 2 : 32;
		if ((m = realloc(js->m, ncap * sizeof(*m))) == NULL)
			return -1;
		js->m = m;
		js->cap = ncap;
	}
	m = &js->m[js->n++];
	m->key = (const char *)k;
	m->klen = klen;
	m->kesc = kesc;
	return 0;
}

static int
scan_object(struct scan *s, int top)
{
	const unsigned char *k, *v;
	enum va_jkind kind;
	int esc;

	if (++s->depth > VA_JSCAN_DEPTH)
		return fail(s, "nesting too deep");
	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == '}') {
		s->p++;
		s->depth--;
		return 0;
	}
	for (;;) {
		if (s->p >= s->end || *s->p != '"')
			return fail(s, "expected a string key");
		k = s->p;
		if (scan_string(s, &esc) < 0)
			return -1;
		if (top && add_member(s->js, k + 1,
		    (size_t)(s->p - k) - 2, esc) < 0)
			return fail(s, "out of memory");
		skip_ws(s);
		if (s->p >= s->end || *s->p != ':')
			return fail(s, "expected ':'");
		s->p++;
		skip_ws(s);
		v = s->p;
		if (scan_value(s, &kind, 0) < 0)
			return -1;
		if (top) {
			s->js->m[s->js->n - 1].val = (const char *)v;
			s->js->m[s->js->n - 1].vlen = (size_t)(s->p - v);
			s->js->m[s->js->n - 1].kind = kind;
		}
		skip_ws(s);
		if (s->p >= s->end)
			return fail(s, "unterminated object");
		if (*s->p == ',') {
			s->p++;
			skip_ws(s);
			continue;
		}
		if (*s->p == '}') {
			s->p++;
			s->depth--;
			return 0;
		}
		return fail(s, "expected ',' or '}'");
	}
}

static int
scan_array(struct scan *s)
{
	enum va_jkind kind;

	if (++s->depth > VA_JSCAN_DEPTH)
		return fail(s, "nesting too deep");
	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == ']') {
		s->p++;
		s->depth--;
		return 0;
	}
	for (;;) {
		if (scan_value(s, &kind, 0) < 0)
			return -1;
		skip_ws(s);
		if (s->p >= s->end)
			return fail(s, "unterminated array");
		if (*s->p == ',') {
			s->p++;
			skip_ws(s);
			continue;
		}
		if (*s->p == ']') {
			s->p++;
			s->depth--;
			return 0;
		}
		return fail(s, "expected ',' or ']'");
	}
}

static int
scan_value(struct scan *s, enum va_jkind *kind, int top)
{
	int esc;

	if (s->p >= s->end)
		return fail(s, "unexpected end of input");
	switch (*s->p) {
	case '{':
		*kind = VA_J_OBJECT;
		return scan_object(s, top);
	case '[':
		*kind = VA_J_ARRAY;
		return scan_array(s);
	case '"':
		*kind = VA_J_STRING;
		return scan_string(s, &esc);
	case 't':
		*kind = VA_J_TRUE;
		return scan_lit(s, "true", 4);
	case 'f':
		*kind = VA_J_FALSE;
		return scan_lit(s, "false", 5);
	case 'n':
		*kind = VA_J_NULL;
		return scan_lit(s, "null", 4);
	default:
		*kind = VA_J_NUMBER;
		return scan_number(s);
	}
}

static int
scan_top(struct va_jscan *js, const char *buf, size_t len, int object)
{
	struct scan s;
	enum va_jkind kind;

	if (!tables_ready)
		tables_init();
	js->n = 0;
	js->err = NULL;
	js->errpos = 0;
	s.start = s.p = (const unsigned char *)buf;
	s.end = s.p + len;
	s.js = js;
	s.depth = 0;
	skip_ws(&s);
	if (object && (s.p >= s.end || *s.p != '{'))
		return fail(&s, "not a JSON object");
	if (scan_value(&s, &kind, object) < 0)
		return -1;
	skip_ws(&s);
	if (s.p != s.end)
		return fail(&s, "trailing characters after the object");
	return 0;
}

int
va_jscan_object(struct va_jscan *js, const char *s, size_t len)
{
	return scan_top(js, s, len, 1);
}

int
va_jscan_value(struct va_jscan *js, const char *s, size_t len)
{
	return scan_top(js, s, len, 0);
}

void
va_jscan_free(struct va_jscan *js)
{
	free(js->m);
	memset(js, 0, sizeof(*js));
}

static int
key_equals(const struct va_jmember *m, const char *key)
{
	char small[256], *buf = small;
	size_t len;
	long n;
	int eq;

	len = strlen(key);
	if (!m->kesc)
		return m->klen == len && memcmp(m->key, key, m->klen) == 0;
	/* Escapes only ever shorten a key. */
	if (m->klen < len)
		return 0;
	if (m->klen + 2 > sizeof(small) &&
	    (buf = malloc(m->klen + 2)) == NULL)
		return 0;
	/* The raw key lacks its quotes; unescape from one char before. */
	n = va_json_unescape(m->key - 1, m->klen + 2, buf);
	eq = n >= 0 && (size_t)n == len && memcmp(buf, key, len) == 0;
	if (buf != small)
		free(buf);
	return eq;
}

const struct va_jmember *
va_jscan_get(const struct va_jscan *js, const char *key)
{
	size_t i;

	for (i = js->n; i-- > 0;)
		if (key_equals(&js->m[i], key))
			return &js->m[i];
	return NULL;
}

static size_t
put_utf8(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	} else if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	} else if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static long
hex4(const char *p)
{
	long v = 0;
	int i, h;

	for (i = 0; i < 4; i++) {
		if ((h = hexval((unsigned char)p[i])) < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

long
va_json_unescape(const char *raw, size_t vlen, char *out)
{
	const char *p = raw + 1, *end = raw + vlen - 1;
	size_t n = 0;
	long cp, lo;

	if (vlen < 2 || raw[0] != '"' || raw[vlen - 1] != '"')
		return -1;
	while (p < end) {
		if (*p != '\\') {
			out[n++] = *p++;
			continue;
		}
		if (p + 1 >= end)
			return -1;
		switch (p[1]) {
		case '"': out[n++] = '"'; break;
		case '\\': out[n++] = '\\'; break;
		case '/': out[n++] = '/'; break;
		case 'b': out[n++] = '\b'; break;
		case 'f': out[n++] = '\f'; break;
		case 'n': out[n++] = '\n'; break;
		case 'r': out[n++] = '\r'; break;
		case 't': out[n++] = '\t'; break;
		case 'u':
			if (end - p < 6 || (cp = hex4(p + 2)) < 0)
				return -1;
			p += 6;
			if (cp >= 0xd800 && cp <= 0xdbff && end - p >= 6 &&
			    p[0] == '\\' && p[1] == 'u' &&
			    (lo = hex4(p + 2)) >= 0xdc00 && lo <= 0xdfff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (lo - 0xdc00);
				p += 6;
			} else if (cp >= 0xd800 && cp <= 0xdfff)
				cp = 0xfffd;	/* lone surrogate */
			/* \u escapes expand to at most as many bytes as they take */
			n += put_utf8(out + n, (uint32_t)cp);
			continue;
		default:
			return -1;
		}
		p += 2;
	}
	return (long)n;
}
