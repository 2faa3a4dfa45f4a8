/*
 * fz_template.c - fuzz reply templates (lib/template.c) and the SSML they
 * make, as va-say reads it (lib/speechtext.c), against references written
 * here.
 *
 * Values come from outside (a customer's name, an address from a shop's
 * API, an order number a caller said), so the property that matters is
 * that none of them becomes markup and no word of one is lost or made up.
 * An input is two bytes, then the text of x (up to a NUL), then the text of
 * a currency code. The first byte picks what x is: that text as a string,
 * as an integer or a real (when it reads as one), true, null, missing, or
 * an object or array; the second whether x is a slot {"value": x} and
 * whether there is a currency member. A locale file written once holds a
 * template per form ("Hello {x}.", "Order {x:digits}.", "{x:characters}",
 * "{x:telephone}", "{x:currency}", "{x:date}", "{a.b}", ...). For each:
 * - va_template_render() returns a string, valid UTF-8, with no control
 *   character that x or the currency did not hold (it keeps theirs; the
 *   reader takes them for spaces);
 * - it is the SSML subset of va-events(5) and no more: text with &amp;
 *   &lt; &gt; (&quot; &apos;), and the one <say-as interpret-as="..."> the
 *   placeholder asks for (with format="ymd" for a date), attributes
 *   quoted, closed, not nested; no other tag, whatever x is;
 * - planned by va_speechtext_plan(), it has no pause (the templates write
 *   no <break>; a value "<break time=\"10s\"/>" is words or nothing);
 * - it says what a reference says: the plan of the template with x
 *   written in by this file (escaped here, quotes too; numbers formatted
 *   here; digits filtered here; minor units made major here, sign kept),
 *   so "&", "<", ">" and quotes are read as text and no word is lost;
 * - a missing or null x, or an object or array where a value belongs,
 *   renders empty and logs template_var; a value logs nothing.
 * Not checked: what the speech engine makes of the words (fz_speechtext
 * does that); a real's two decimals (the header's rule, taken as given);
 * that :digits keeps letters beyond ASCII (an order number has none; they
 * are dropped with the punctuation); the persona and tone lookup (the unit
 * test).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "fz.h"
#include "log.h"
#include "speechtext.h"
#include "template.h"

static const char locale[] =
	"{\"locale\":\"xx\",\"persona\":{\"brand\":\"Acme\",\"tone\":\"warm\"},"
	"\"templates\":{"
	"\"hello\":\"Hello {x}.\","
	"\"digits\":\"Order {x:digits}.\","
	"\"characters\":\"{x:characters}\","
	"\"telephone\":\"{x:telephone}\","
	"\"currency\":\"{x:currency}\","
	"\"date\":\"{x:date}\","
	"\"member\":\"{a.b}\","
	"\"bogus\":\"{x:bogus}!\","
	"\"twice\":\"{x}, {brand} and {x}\"}}";

enum kind { K_STRING, K_INTEGER, K_REAL, K_TRUE, K_NULL, K_MISSING,
	K_OBJECT, K_ARRAY, K_N };

static struct va_template *tmpl;
static char path[64];
static FILE *logfile;

static void
cleanup(void)
{
	va_template_free(tmpl);
	if (path[0] != '\0')
		unlink(path);
}

static void
setup(void)
{
	int fd;

	setenv("VA_LOG", "brief", 1);
	setenv("VA_LOG_LEVEL", "warn", 1);
	va_log_init("fz_template");
	snprintf(path, sizeof(path), "/tmp/fz_template.XXXXXX");
	if ((fd = mkstemp(path)) == -1 ||
	    write(fd, locale, sizeof(locale) - 1) !=
	    (ssize_t)sizeof(locale) - 1 || close(fd) == -1)
		abort();
	if ((tmpl = va_template_load(path, NULL, NULL)) == NULL ||
	    (logfile = tmpfile()) == NULL)
		abort();
	atexit(cleanup);
}

/* A growing string. */
struct sb {
	char	*s;
	size_t	len, cap;
};

static void
sb_addn(struct sb *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		if ((b->s = realloc(b->s, b->cap)) == NULL)
			abort();
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
sb_add(struct sb *b, const char *s)
{
	sb_addn(b, s, strlen(s));
}

/* Text escaped for SSML, quotes too, as a careful writer would. */
static void
sb_esc(struct sb *b, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&':  sb_add(b, "&amp;"); break;
		case '<':  sb_add(b, "&lt;"); break;
		case '>':  sb_add(b, "&gt;"); break;
		case '"':  sb_add(b, "&quot;"); break;
		case '\'': sb_add(b, "&apos;"); break;
		default:   sb_addn(b, s, 1);
		}
	}
}

/* Every control character of out is one of allowed. */
static int
ctrl_within(const char *out, const char *allowed)
{
	for (; *out != '\0'; out++)
		if (((unsigned char)*out < 0x20 || *out == 0x7f) &&
		    strchr(allowed, *out) == NULL)
			return 0;
	return 1;
}

/* An integer in decimal, without printf: the reference for {x}. */
static void
sb_int(struct sb *b, int64_t v, int sign)
{
	char d[24], *p = d + sizeof(d);
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	*--p = '\0';
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (sign && v < 0)
		*--p = '-';
	sb_add(b, p);
}

/* What x is, for the references. */
struct val {
	enum kind kind;
	const char *text;	/* K_STRING */
	int64_t	i;		/* K_INTEGER */
	double	r;		/* K_REAL */
	const char *cur;	/* the currency member, or NULL */
	int	said;		/* renders as a value (not missing/null) */
};

/* x as {x} says it: the string, the number, "true"; else nothing. */
static void
sb_plain(struct sb *b, const struct val *v)
{
	char r[400];

	switch (v->kind) {
	case K_STRING:
		sb_add(b, v->text);
		break;
	case K_INTEGER:
		sb_int(b, v->i, 1);
		break;
	case K_REAL:
		snprintf(r, sizeof(r), "%.2f", v->r);
		sb_add(b, r);
		break;
	case K_TRUE:
		sb_add(b, "true");
		break;
	default:
		break;
	}
}

/* The reference rendering of template id, SSML. */
static char *
reference(const char *id, const struct val *v)
{
	struct sb b = { 0 }, p = { 0 };
	const char *s;
	int alpha = 0;
	int64_t cents;

	sb_add(&b, "");
	sb_plain(&p, v);
	sb_add(&p, "");
	if (strcmp(id, "hello") == 0) {
		sb_add(&b, "Hello ");
		sb_esc(&b, p.s);
		sb_add(&b, ".");
	} else if (strcmp(id, "member") == 0)
		sb_esc(&b, p.s);
	else if (strcmp(id, "bogus") == 0) {
		sb_esc(&b, p.s);
		sb_add(&b, "!");
	} else if (strcmp(id, "twice") == 0) {
		sb_esc(&b, p.s);
		sb_add(&b, ", Acme and ");
		sb_esc(&b, p.s);
	} else if (!v->said) {
		if (strcmp(id, "digits") == 0)
			sb_add(&b, "Order .");
	} else if (strcmp(id, "digits") == 0) {
		sb_add(&b, "Order ");
		for (s = p.s; *s != '\0'; s++)
			alpha |= isalpha((unsigned char)*s) != 0;
		sb_add(&b, alpha ? "<say-as interpret-as=\"characters\">" :
		    "<say-as interpret-as=\"digits\">");
		for (s = p.s; *s != '\0'; s++)
			if (isalnum((unsigned char)*s))
				sb_addn(&b, &(char){ (char)toupper(
				    (unsigned char)*s) }, 1);
		sb_add(&b, "</say-as>.");
	} else if (strcmp(id, "currency") == 0 && v->kind == K_INTEGER) {
		sb_add(&b, "<say-as interpret-as=\"currency\">");
		if (v->cur != NULL) {
			sb_esc(&b, v->cur);
			sb_add(&b, " ");
		}
		/* Minor units to major: the sign on the whole amount. */
		if (v->i < 0)
			sb_add(&b, "-");
		sb_int(&b, v->i / 100, 0);
		cents = v->i % 100;
		if (cents < 0)
			cents = -cents;
		sb_add(&b, cents < 10 ? ".0" : ".");
		sb_int(&b, cents, 0);
		sb_add(&b, "</say-as>");
	} else if (strcmp(id, "currency") == 0)
		sb_esc(&b, p.s);
	else {
		sb_add(&b, "<say-as interpret-as=\"");
		sb_add(&b, id);
		sb_add(&b, strcmp(id, "date") == 0 ? "\" format=\"ymd\">" :
		    "\">");
		sb_esc(&b, p.s);
		sb_add(&b, "</say-as>");
	}
	free(p.s);
	return b.s;
}

/* A quoted attribute name="value" at *s, skipping the space before. */
static int
attribute(const char **s, const char *name, char *value, size_t n)
{
	const char *p = *s, *q;
	size_t l = strlen(name);

	if (*p != ' ' || strncmp(p + 1, name, l) != 0 || p[l + 1] != '=' ||
	    p[l + 2] != '"')
		return 0;
	p += l + 3;
	if ((q = strchr(p, '"')) == NULL || (size_t)(q - p) >= n ||
	    memchr(p, '<', (size_t)(q - p)) != NULL ||
	    memchr(p, '>', (size_t)(q - p)) != NULL)
		return 0;
	memcpy(value, p, (size_t)(q - p));
	value[q - p] = '\0';
	*s = q + 1;
	return 1;
}

/*
 * out is text and entities, and say-as elements of kind how (a date's
 * with format="ymd"), closed and not nested; their number.
 */
static int
check_markup(const char *out, const char *how)
{
	static const char *const ents[] = { "&amp;", "&lt;", "&gt;",
		"&quot;", "&apos;" };
	char kind[32], fmt[32];
	const char *p = out;
	int open = 0, n = 0;
	size_t i;

	while (*p != '\0') {
		if (*p == '&') {
			for (i = 0; i < 5; i++)
				if (strncmp(p, ents[i], strlen(ents[i])) == 0)
					break;
			FZ_CHECK(i < 5);
			p += strlen(ents[i]);
		} else if (strncmp(p, "</say-as>", 9) == 0) {
			FZ_CHECK(open);
			open = 0;
			p += 9;
		} else if (strncmp(p, "<say-as", 7) == 0) {
			FZ_CHECK(!open && how != NULL);
			p += 7;
			FZ_CHECK(attribute(&p, "interpret-as", kind,
			    sizeof(kind)));
			FZ_CHECK(strcmp(kind, how) == 0 ||
			    (strcmp(how, "digits") == 0 &&
			    strcmp(kind, "characters") == 0));
			if (strcmp(how, "date") == 0) {
				FZ_CHECK(attribute(&p, "format", fmt,
				    sizeof(fmt)));
				FZ_CHECK(strcmp(fmt, "ymd") == 0);
			}
			FZ_CHECK(*p == '>');
			p++;
			open = 1;
			n++;
		} else {
			/* No other tag, and no bare '>' either. */
			FZ_CHECK(*p != '<' && *p != '>');
			p++;
		}
	}
	FZ_CHECK(!open);
	return n;
}

/* The plan's keys read in a row; no pause anywhere. New string. */
static char *
planned(const char *text)
{
	struct va_speech_plan plan;
	struct sb b = { 0 };
	size_t i, j;

	sb_add(&b, "");
	FZ_CHECK(va_speechtext_plan(text, 0, 0, &plan) == 0);
	for (i = 0; i < plan.n; i++) {
		for (j = 0; j < plan.chunks[i].nparts; j++)
			FZ_CHECK(plan.chunks[i].parts[j].pause_ms == 0);
		if (b.len > 0)
			sb_add(&b, " ");
		sb_add(&b, plan.chunks[i].key);
	}
	va_speechtext_free(&plan);
	return b.s;
}

/*
 * Render id, and did it log template_var? The log is read from a second
 * rendering with fd 2 caught, so that a crash in the first is reported
 * where the fuzzer can see it.
 */
static char *
render(const char *id, const json_t *vars, int *logged)
{
	char buf[4096], *out, *again;
	size_t n;
	int saved;

	va_log_set_level(VA_ERROR);
	out = va_template_render(tmpl, id, vars);
	va_log_set_level(VA_WARN);
	fflush(stderr);
	if ((saved = dup(2)) == -1 || dup2(fileno(logfile), 2) == -1)
		abort();
	again = va_template_render(tmpl, id, vars);
	if (dup2(saved, 2) == -1 || close(saved) == -1)
		abort();
	rewind(logfile);
	n = fread(buf, 1, sizeof(buf) - 1, logfile);
	buf[n] = '\0';
	*logged = strstr(buf, "\"diag\":\"template_var\"") != NULL;
	if (ftruncate(fileno(logfile), 0) == -1)
		abort();
	rewind(logfile);
	FZ_CHECK(out != NULL && again != NULL && strcmp(out, again) == 0);
	free(again);
	return out;
}

static void
check_one(const char *id, const char *how, const json_t *vars,
    const struct val *v, const char *ctrl)
{
	char *out, *ref, *got, *want;
	int logged, n;

	out = render(id, vars, &logged);
	FZ_CHECK(out != NULL);
	FZ_CHECK(fz_utf8_valid(out));
	FZ_CHECK(ctrl_within(out, ctrl));
	n = check_markup(out, how);
	/* One say-as for a value said as how asks. */
	if (how != NULL && v->said && (strcmp(how, "currency") != 0 ||
	    v->kind == K_INTEGER))
		FZ_CHECK(n == 1);
	else
		FZ_CHECK(n == 0);
	FZ_CHECK(logged == !v->said);
	ref = reference(id, v);
	got = planned(out);
	want = planned(ref);
	if (strcmp(got, want) != 0)
		fprintf(stderr, "%s: rendered  %s\n%s: reference %s\n"
		    "%s: said      %s\n%s: wanted    %s\n",
		    id, out, id, ref, id, got, id, want);
	FZ_CHECK(strcmp(got, want) == 0);
	free(got);
	free(want);
	free(ref);
	free(out);
}

/* x from its text as kind says; NULL for missing (or no such value). */
static json_t *
make_x(struct val *v, const char *text)
{
	char *end;

	v->said = 1;
	switch (v->kind) {
	case K_STRING:
		v->text = text;
		return json_string(text);
	case K_INTEGER:
		errno = 0;
		v->i = strtoimax(text, &end, 10);
		if (errno != 0 || end == text || *end != '\0')
			return NULL;
		return json_integer(v->i);
	case K_REAL:
		errno = 0;
		v->r = strtod(text, &end);
		if (errno != 0 || end == text || *end != '\0' ||
		    !isfinite(v->r))
			return NULL;
		return json_real(v->r);
	case K_TRUE:
		return json_true();
	case K_NULL:
		v->said = 0;
		return json_null();
	case K_OBJECT:
		v->said = 0;
		return json_pack("{s:s}", "name", text);
	case K_ARRAY:
		v->said = 0;
		return json_pack("[s]", text);
	default:
		v->said = 0;
		return NULL;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const forms[][2] = { { "hello", NULL },
		{ "digits", "digits" }, { "characters", "characters" },
		{ "telephone", "telephone" }, { "currency", "currency" },
		{ "date", "date" }, { "member", NULL }, { "bogus", NULL },
		{ "twice", NULL } };
	struct val v = { 0 };
	json_t *vars, *x, *cur = NULL;
	char *text, *code, ctrl[40];
	size_t i, k = 0;
	int slot;

	if (tmpl == NULL)
		setup();
	if (size < 2)
		return 0;
	v.kind = (enum kind)(data[0] % K_N);
	slot = data[1] & 1;
	/* Two strings: x's text, then a currency code after a NUL. */
	if ((text = malloc(size + 1)) == NULL)
		abort();
	memcpy(text, data + 2, size - 2);
	text[size - 2] = '\0';
	code = text + strlen(text);
	if (code < text + size - 2)
		code++;
	if ((x = make_x(&v, text)) == NULL && v.kind != K_MISSING)
		goto out;
	/* jansson takes UTF-8 only; a value from an event is too. */
	if (data[1] & 2 && (cur = json_string(code)) == NULL)
		goto out;
	v.cur = cur != NULL ? code : NULL;
	for (i = 1; i < 0x20 && k + 1 < sizeof(ctrl); i++)
		if ((v.kind == K_STRING && strchr(text, (int)i) != NULL) ||
		    (cur != NULL && strchr(code, (int)i) != NULL))
			ctrl[k++] = (char)i;
	ctrl[k] = strchr(text, 0x7f) != NULL || strchr(code, 0x7f) != NULL ?
	    0x7f : '\0';
	ctrl[k + (ctrl[k] != '\0')] = '\0';
	/* A slot {"value": x} carries its own currency member. */
	if (slot && x != NULL)
		x = json_pack("{s:o}", "value", x);
	vars = json_object();
	if (x != NULL) {
		json_object_set(vars, "x", x);
		json_object_set_new(vars, "a", json_pack("{s:O}", "b", x));
		if (cur != NULL)
			json_object_set(slot ? x : vars, "currency", cur);
	} else if (cur != NULL)
		json_object_set(vars, "currency", cur);
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
		check_one(forms[i][0], forms[i][1], vars, &v, ctrl);
	/* No vars at all is the same as missing ones. */
	if (v.kind == K_MISSING)
		for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
			check_one(forms[i][0], forms[i][1], NULL, &v, "");
	json_decref(vars);
out:
	json_decref(x);
	json_decref(cur);
	free(text);
	return 0;
}
