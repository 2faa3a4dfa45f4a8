/*
 * event.c - reading and writing events of the va stream (see event.h).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "event.h"
#include "log.h"
#include "out.h"

/*
 * The fields each type defines, beyond the envelope. Mirrored in
 * va-events(5); a field not listed for its type is a pipeline's own and is
 * carried forward by every stage that answers the event.
 */
static const char *const f_call_start[] = { "v", "source", "format", "rate",
	"channels", "channel", "duration_ms", "caller", NULL };
static const char *const f_call_end[] = { "reason", "utterances",
	"damaged", NULL };
static const char *const f_audio[] = { "seq", "audio", "dur_ms", NULL };
static const char *const f_utterance[] = { "start_ms", "end_ms", "audio",
	"level_db", "cut", "barge_in", NULL };
static const char *const f_transcript[] = { "text", "confidence", "words",
	"engine", "lm", "start_ms", "end_ms", NULL };
static const char *const f_intent[] = { "text", "intent", "confidence",
	"asr_confidence", "alternatives", "entities", "redactions", "engine", "oos", NULL };
static const char *const f_action[] = { "tool", "op", "key", "params",
	"reply", NULL };
static const char *const f_result[] = { "tool", "op", "key", "ok", "status",
	"data", "say", "cached", "backend", NULL };
static const char *const f_reply[] = { "text", "expect", "final", "intent",
	"state", NULL };
static const char *const f_speech[] = { "text", "seq", "last", "audio",
	"dur_ms", "engine", "voice", "cached", NULL };
static const char *const f_handoff[] = { "reason", "summary", "key",
	"ticket", NULL };
static const char *const f_error[] = { "code", "msg", "re", NULL };

static const struct {
	const char *type;
	const char *const *fields;
} event_types[] = {
	{ "call_start", f_call_start },
	{ "call_end", f_call_end },
	{ "audio", f_audio },
	{ "utterance", f_utterance },
	{ "transcript", f_transcript },
	{ "intent", f_intent },
	{ "action", f_action },
	{ "result", f_result },
	{ "reply", f_reply },
	{ "speech", f_speech },
	{ "handoff", f_handoff },
	{ "error", f_error },
};

static const char *const envelope[] = { "type", "call", "turn", "t_ms", "by",
	"at", "proc_ms", NULL };

const char *const *
va_event_fields(const char *type)
{
	size_t i;

	for (i = 0; i < sizeof(event_types) / sizeof(event_types[0]); i++)
		if (strcmp(event_types[i].type, type) == 0)
			return event_types[i].fields;
	return NULL;
}

int
va_event_parse(struct va_event *ev, const char *line, size_t len,
    const char **why)
{
	const struct va_jmember *m;
	char buf[6 * sizeof(ev->type) + 2];	/* \u escapes: 6 bytes each */
	long n;

	ev->line = line;
	ev->len = len;
	ev->type[0] = '\0';
	if (va_jscan_object(&ev->js, line, len) < 0) {
		*why = ev->js.err;
		return -1;
	}
	if ((m = va_jscan_get(&ev->js, "type")) == NULL) {
		*why = "no \"type\" member";
		return -1;
	}
	if (m->kind != VA_J_STRING) {
		*why = "\"type\" is not a string";
		return -1;
	}
	/* The limit is on the decoded type, however it is spelled. */
	if (m->vlen > sizeof(buf)) {
		*why = "\"type\" is too long";
		return -1;
	}
	if ((n = va_json_unescape(m->val, m->vlen, buf)) < 0 ||
	    memchr(buf, '\0', (size_t)n) != NULL) {
		*why = "bad \"type\"";
		return -1;
	}
	if ((size_t)n >= sizeof(ev->type)) {
		*why = "\"type\" is too long";
		return -1;
	}
	memcpy(ev->type, buf, (size_t)n);
	ev->type[n] = '\0';
	return 0;
}

int
va_event_is(const struct va_event *ev, const char *type)
{
	return strcmp(ev->type, type) == 0;
}

const struct va_jmember *
va_event_get(const struct va_event *ev, const char *key)
{
	return va_jscan_get(&ev->js, key);
}

char *
va_event_str(const struct va_event *ev, const char *key)
{
	const struct va_jmember *m;
	char *s;
	long n;

	if ((m = va_jscan_get(&ev->js, key)) == NULL || m->kind != VA_J_STRING)
		return NULL;
	if ((s = malloc(m->vlen + 1)) == NULL)
		return NULL;
	if ((n = va_json_unescape(m->val, m->vlen, s)) < 0) {
		free(s);
		return NULL;
	}
	s[n] = '\0';
	return s;
}

int
va_event_int(const struct va_event *ev, const char *key, int64_t *out)
{
	const struct va_jmember *m;
	char buf[32], *end;
	long long v;

	m = va_jscan_get(&ev->js, key);
	if (m == NULL || m->kind != VA_J_NUMBER || m->vlen >= sizeof(buf) ||
	    memchr(m->val, '.', m->vlen) != NULL ||
	    memchr(m->val, 'e', m->vlen) != NULL ||
	    memchr(m->val, 'E', m->vlen) != NULL)
		return -1;
	memcpy(buf, m->val, m->vlen);
	buf[m->vlen] = '\0';
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (*end != '\0' || errno == ERANGE)
		return -1;
	*out = v;
	return 0;
}

int
va_event_num(const struct va_event *ev, const char *key, double *out)
{
	const struct va_jmember *m;
	char buf[64];

	m = va_jscan_get(&ev->js, key);
	if (m == NULL || m->kind != VA_J_NUMBER || m->vlen >= sizeof(buf))
		return -1;
	memcpy(buf, m->val, m->vlen);
	buf[m->vlen] = '\0';
	*out = strtod(buf, NULL);
	return 0;
}

int
va_event_bool(const struct va_event *ev, const char *key, int def)
{
	const struct va_jmember *m;

	if ((m = va_jscan_get(&ev->js, key)) == NULL)
		return def;
	if (m->kind == VA_J_TRUE)
		return 1;
	if (m->kind == VA_J_FALSE)
		return 0;
	return def;
}

static int
hexval(const char *p)
{
	int i, v = 0;

	for (i = 0; i < 4; i++) {
		v <<= 4;
		if (p[i] >= '0' && p[i] <= '9')
			v |= p[i] - '0';
		else if ((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'f')
			v |= (p[i] | 0x20) - 'a' + 10;
		else
			return -1;
	}
	return v;
}

/*
 * Decode len bytes of JSON the reader accepted with jansson. Jansson
 * refuses a lone surrogate escape, which the reader takes as U+FFFD
 * (va-events(5)); so that both see the same value, a text jansson refuses
 * is decoded again with each lone surrogate spelled \ufffd, an escape of
 * the same length.
 */
static json_t *
decode(const char *s, size_t len, size_t flags)
{
	json_t *v;
	char *t;
	size_t i;
	int cp, lo, mended = 0;

	if ((v = json_loadb(s, len, flags, NULL)) != NULL)
		return v;
	if ((t = malloc(len)) == NULL)
		return NULL;
	memcpy(t, s, len);
	/* Outside strings a valid text has no backslash. */
	for (i = 0; i + 1 < len; i++) {
		if (t[i] != '\\')
			continue;
		if (t[i + 1] != 'u' || len - i < 6 ||
		    (cp = hexval(t + i + 2)) < 0) {
			i++;		/* \" \\ \n ...: skip the pair */
			continue;
		}
		if (cp >= 0xd800 && cp <= 0xdbff && len - i >= 12 &&
		    t[i + 6] == '\\' && t[i + 7] == 'u' &&
		    (lo = hexval(t + i + 8)) >= 0xdc00 && lo <= 0xdfff) {
			i += 11;	/* a pair */
			continue;
		}
		if (cp >= 0xd800 && cp <= 0xdfff) {
			memcpy(t + i + 2, "fffd", 4);
			mended = 1;
		}
		i += 5;
	}
	v = mended ? json_loadb(t, len, flags, NULL) : NULL;
	free(t);
	return v;
}

json_t *
va_event_json(const struct va_event *ev, const char *key)
{
	const struct va_jmember *m;

	if ((m = va_jscan_get(&ev->js, key)) == NULL)
		return NULL;
	return decode(m->val, m->vlen, JSON_DECODE_ANY | JSON_ALLOW_NUL);
}

json_t *
va_event_object(const struct va_event *ev)
{
	return decode(ev->line, ev->len, JSON_ALLOW_NUL);
}

/* Writing. */

/*
 * A set of keys, copied (a caller may build keys in one reused buffer)
 * and decoded (a source may spell a key with escapes: either way it is the
 * same member). Open addressing on a hash of the key; no limit on how many.
 */
struct keyset {
	struct kslot {
		size_t	off;	/* in bytes */
		size_t	len;
		unsigned hash;
		unsigned gen;	/* in the set when it is the set's gen */
	} *slot;
	size_t	cap;		/* slots, a power of two */
	size_t	n;
	unsigned gen;		/* a new one empties the set at once */
	char	*bytes;
	size_t	nbytes;
	size_t	capbytes;
};

static unsigned
key_hash(const char *key, size_t len)
{
	unsigned h = 2166136261u;	/* FNV-1a */

	while (len-- > 0)
		h = (h ^ (unsigned char)*key++) * 16777619u;
	return h;
}

/* Empty the set; one that grew for a huge event goes back to small. */
static void
ks_clear(struct keyset *ks)
{
	if (ks->cap > 1024) {
		free(ks->slot);
		free(ks->bytes);
		memset(ks, 0, sizeof(*ks));
		return;
	}
	if (ks->n > 0 && ++ks->gen == 0) {
		memset(ks->slot, 0, ks->cap * sizeof(*ks->slot));
		ks->gen = 1;
	}
	ks->n = 0;
	ks->nbytes = 0;
}

/* The slot holding key, or the empty one where it would go. */
static struct kslot *
ks_find(const struct keyset *ks, const char *key, size_t len, unsigned h)
{
	size_t i = h & (ks->cap - 1);
	struct kslot *sl;

	for (;; i = (i + 1) & (ks->cap - 1)) {
		sl = &ks->slot[i];
		if (sl->gen != ks->gen || (sl->hash == h && sl->len == len &&
		    memcmp(ks->bytes + sl->off, key, len) == 0))
			return sl;
	}
}

static int
ks_has(const struct keyset *ks, const char *key, size_t len)
{
	return ks->n > 0 &&
	    ks_find(ks, key, len, key_hash(key, len))->gen == ks->gen;
}

/* Add key; 1 when it is new, 0 when it was there already. */
static int
ks_add(struct keyset *ks, const char *key, size_t len)
{
	unsigned h = key_hash(key, len);
	struct kslot *sl, *old;
	size_t i, oldcap;

	if (ks->gen == 0)
		ks->gen = 1;
	if (2 * (ks->n + 1) > ks->cap) {
		old = ks->slot;
		oldcap = ks->cap;
		ks->cap = oldcap ? oldcap * 2 : 64;
		if ((ks->slot = calloc(ks->cap, sizeof(*ks->slot))) == NULL)
			va_die(71, "out_of_memory", "out of memory");
		for (i = 0; i < oldcap; i++)
			if (old[i].gen == ks->gen)
				*ks_find(ks, ks->bytes + old[i].off,
				    old[i].len, old[i].hash) = old[i];
		free(old);
	}
	if ((sl = ks_find(ks, key, len, h))->gen == ks->gen)
		return 0;
	if (len > ks->capbytes - ks->nbytes) {
		while (len > ks->capbytes - ks->nbytes)
			ks->capbytes = ks->capbytes ? ks->capbytes * 2 : 1024;
		if ((ks->bytes = realloc(ks->bytes, ks->capbytes)) == NULL)
			va_die(71, "out_of_memory", "out of memory");
	}
	if (len > 0)
		memcpy(ks->bytes + ks->nbytes, key, len);
	sl->off = ks->nbytes;
	sl->len = len;
	sl->hash = h;
	sl->gen = ks->gen;
	ks->nbytes += len;
	ks->n++;
	return 1;
}

/* The keys written so far in the open event. */
static struct keyset emitted;

static int
was_emitted(const char *key, size_t len)
{
	return ks_has(&emitted, key, len);
}

static void
remember(const char *key, size_t len)
{
	ks_add(&emitted, key, len);
}

/* Start a member; returns 0 when it was already written (skip it). */
static int
member(const char *key, size_t len)
{
	if (was_emitted(key, len))
		return 0;
	remember(key, len);
	va_out_putc(',');
	va_out_putc('"');
	va_out_write(key, len);
	va_out_write("\":", 2);
	return 1;
}

void
va_out_json_string(const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	const unsigned char *run;
	char esc[6];

	va_out_putc('"');
	while (p < end) {
		run = p;
		while (p < end && *p >= 0x20 && *p != '"' && *p != '\\' &&
		    *p < 0x80)
			p++;
		if (p > run)
			va_out_write(run, (size_t)(p - run));
		if (p >= end)
			break;
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			va_out_write(esc, 2);
			p++;
		} else if (*p < 0x20) {
			switch (*p) {
			case '\n': va_out_write("\\n", 2); break;
			case '\t': va_out_write("\\t", 2); break;
			case '\r': va_out_write("\\r", 2); break;
			default:
				memcpy(esc, "\\u00", 4);
				esc[4] = hex[*p >> 4];
				esc[5] = hex[*p & 15];
				va_out_write(esc, 6);
			}
			p++;
		} else {
			/* Keep valid UTF-8; replace anything else. */
			struct va_jscan js = { 0 };
			size_t n = 1, want;
			char tmp[6];

			/* The lead byte says how long the sequence is. */
			want = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 :
			    *p >= 0xc0 ? 2 : 1;
			while (n < want && p + n < end && (p[n] & 0xc0) == 0x80)
				n++;
			tmp[0] = '"';
			memcpy(tmp + 1, p, n);
			tmp[n + 1] = '"';
			if (n == want && va_jscan_value(&js, tmp, n + 2) == 0)
				va_out_write(p, n);
			else {
				/* One U+FFFD for the bad byte and its tail. */
				while (n < 4 && p + n < end &&
				    (p[n] & 0xc0) == 0x80)
					n++;
				va_out_write("\\ufffd", 6);
			}
			va_jscan_free(&js);
			p += n;
		}
	}
	va_out_putc('"');
}

static int
in_list(const char *const *list, const char *key, size_t len)
{
	for (; list != NULL && *list != NULL; list++)
		if (strlen(*list) == len && memcmp(*list, key, len) == 0)
			return 1;
	return 0;
}

/*
 * The decoded key of a source member: the raw bytes, or when it has
 * escapes a static buffer valid until the next call.
 */
static void
member_key(const struct va_jmember *m, const char **key, size_t *len)
{
	static char *buf;
	static size_t cap;
	long n;

	*key = m->key;
	*len = m->klen;
	if (!m->kesc)
		return;
	if (m->klen + 2 > cap) {
		free(buf);
		cap = m->klen + 2 > 256 ? m->klen + 2 : 256;
		if ((buf = malloc(cap)) == NULL)
			va_die(71, "out_of_memory", "out of memory");
	}
	if ((n = va_json_unescape(m->key - 1, m->klen + 2, buf)) >= 0) {
		*key = buf;
		*len = (size_t)n;
	}
}

/* Write a source member as it came: raw key bytes, raw value. */
static void
copy_member(const struct va_jmember *m, const char *key, size_t len)
{
	remember(key, len);
	va_out_write(",\"", 2);
	va_out_write(m->key, m->klen);
	va_out_write("\":", 2);
	va_out_write(m->val, m->vlen);
}

/*
 * Mark in skip[] the members of src that a later member of the same key
 * overrides: a reader takes the last of duplicate keys (va_jscan_get()),
 * so the last is the one carried on. skip holds src->js.n bytes.
 */
static void
mark_overridden(const struct va_event *src, unsigned char *skip)
{
	static struct keyset seen;
	const struct va_jmember *m = src->js.m;
	const char *key;
	size_t i, j, klen, n = src->js.n;

	/*
	 * Most events have a dozen members, none escaped in its key: there
	 * comparing the raw keys pairwise costs less than hashing them.
	 */
	for (i = 0; i < n && n <= 32 && !m[i].kesc; i++)
		;
	if (i == n) {
		for (i = 0; i < n; i++) {
			skip[i] = 0;
			for (j = i + 1; j < n && !skip[i]; j++)
				skip[i] = m[j].klen == m[i].klen &&
				    memcmp(m[j].key, m[i].key, m[i].klen) == 0;
		}
		return;
	}
	ks_clear(&seen);
	for (i = src->js.n; i-- > 0;) {
		member_key(&src->js.m[i], &key, &klen);
		skip[i] = !ks_add(&seen, key, klen);
	}
}

/* Copy the members of src that pass keep(), in their order, the last of
 * duplicate keys only. */
static void
copy_members(const struct va_event *src,
    int (*keep)(const char *key, size_t len, const void *arg),
    const void *arg)
{
	unsigned char small[64], *skip = small;
	const struct va_jmember *m;
	const char *key;
	size_t i, klen;

	if (src->js.n > sizeof(small) &&
	    (skip = malloc(src->js.n)) == NULL)
		va_die(71, "out_of_memory", "out of memory");
	mark_overridden(src, skip);
	for (i = 0; i < src->js.n; i++) {
		m = &src->js.m[i];
		member_key(m, &key, &klen);
		if (skip[i] || was_emitted(key, klen) ||
		    !keep(key, klen, arg))
			continue;
		/* Raw key bytes: escapes survive as they came. */
		copy_member(m, key, klen);
	}
	if (skip != small)
		free(skip);
}

static void
copy_envelope(const struct va_event *src, const char *key)
{
	const struct va_jmember *m;

	if (src != NULL && (m = va_event_get(src, key)) != NULL)
		va_emit_raw(key, m->val, m->vlen);
}

static void
open_event(const char *type)
{
	ks_clear(&emitted);
	va_out_write("{\"type\":", 8);
	va_out_json_string(type, strlen(type));
	remember("type", 4);
}

static void
stamp(void)
{
	va_emit_str("by", va_log_prog());
	va_emit_int("at", va_clock_ms());
}

void
va_emit_begin(const char *type, const struct va_event *src)
{
	open_event(type);
	copy_envelope(src, "call");
	copy_envelope(src, "turn");
	copy_envelope(src, "t_ms");
	stamp();
}

void
va_emit_begin_call(const char *type, const char *call, int64_t turn,
    int64_t t_ms)
{
	open_event(type);
	va_emit_str("call", call);
	va_emit_int("turn", turn);
	va_emit_int("t_ms", t_ms);
	stamp();
}

static int
keep_except(const char *key, size_t len, const void *except)
{
	return !in_list(except, key, len);
}

void
va_emit_begin_copy(const struct va_event *src, const char *const *except)
{
	open_event(src->type);
	/* "type" was written by open_event(). */
	copy_members(src, keep_except, except);
}

void
va_emit_str(const char *key, const char *val)
{
	if (!member(key, strlen(key)))
		return;
	if (val == NULL)
		va_out_write("null", 4);
	else
		va_out_json_string(val, strlen(val));
}

void
va_emit_strn(const char *key, const char *val, size_t len)
{
	if (member(key, strlen(key)))
		va_out_json_string(val, len);
}

void
va_emit_int(const char *key, int64_t v)
{
	char buf[32];
	int n;

	if (!member(key, strlen(key)))
		return;
	n = snprintf(buf, sizeof(buf), "%lld", (long long)v);
	va_out_write(buf, (size_t)n);
}

void
va_emit_bool(const char *key, int v)
{
	if (member(key, strlen(key)))
		va_out_puts(v ? "true" : "false");
}

void
va_emit_fixed(const char *key, double v, int decimals)
{
	char buf[64];
	int n;

	if (!member(key, strlen(key)))
		return;
	if (!isfinite(v)) {
		va_out_write("null", 4);
		return;
	}
	n = snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	/* "-0.000" and "0.000" must compare equal in goldens. */
	if (buf[0] == '-' && strspn(buf + 1, "0.") == (size_t)n - 1)
		va_out_write(buf + 1, (size_t)n - 1);
	else
		va_out_write(buf, (size_t)n);
}

void
va_emit_raw(const char *key, const char *json, size_t len)
{
	if (member(key, strlen(key)))
		va_out_write(json, len);
}

static int
dump_cb(const char *buf, size_t size, void *data)
{
	va_out_write(buf, size);
	return 0;
}

void
va_emit_json(const char *key, const json_t *v)
{
	if (!member(key, strlen(key)))
		return;
	if (v == NULL)
		va_out_write("null", 4);
	else
		json_dump_callback(v, dump_cb, NULL, JSON_COMPACT |
		    JSON_ENCODE_ANY | JSON_REAL_PRECISION(6));
}

void
va_emit_key(const char *key)
{
	member(key, strlen(key));
}

/* Carried on: what is neither envelope nor a field of the source's type. */
static int
keep_carried(const char *key, size_t len, const void *fields)
{
	return !in_list(envelope, key, len) && !in_list(fields, key, len);
}

void
va_emit_end(const struct va_event *src)
{
	if (src != NULL)
		copy_members(src, keep_carried, va_event_fields(src->type));
	va_out_write("}\n", 2);
	ks_clear(&emitted);
}

void
va_emit_error(const struct va_event *src, const char *code,
    const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	va_emit_begin("error", src);
	va_emit_str("code", code);
	va_emit_str("msg", msg);
	if (src != NULL) {
		va_emit_key("re");
		va_out_write("{\"type\":", 8);
		va_out_json_string(src->type, strlen(src->type));
		{
			char buf[48];
			int n = snprintf(buf, sizeof(buf), ",\"line\":%ld}",
			    src->lineno);

			va_out_write(buf, (size_t)n);
		}
	}
	va_emit_end(NULL);
}

void
va_event_pass(const struct va_event *ev)
{
	va_out_write(ev->line, ev->len);
	va_out_putc('\n');
}
