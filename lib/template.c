/*
 * template.c - locale files, persona and rendering for speech
 * (see template.h).
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "strbuf.h"
#include "template.h"

struct va_template {
	json_t	*root;		/* the whole file */
	json_t	*persona;	/* object: brand, tone, locale (own copy) */
	const json_t *templates;
	const json_t *words;
};

/* Text that goes between SSML tags: escape the markup characters. */
static void
put_escaped(struct va_strbuf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&':
			va_strbuf_add(b, "&amp;");
			break;
		case '<':
			va_strbuf_add(b, "&lt;");
			break;
		case '>':
			va_strbuf_add(b, "&gt;");
			break;
		default:
			va_strbuf_addn(b, s, 1);
		}
	}
}

struct va_template *
va_template_load(const char *path, const char *brand, const char *tone)
{
	struct va_template *t;
	json_error_t jerr;
	json_t *p;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (t->root == NULL) {
		va_log(VA_ERROR, "template_load", "%s:%d: %s", path, jerr.line,
		    jerr.text);
		goto fail;
	}
	t->templates = json_object_get(t->root, "templates");
	if (!json_is_object(t->templates)) {
		va_log(VA_ERROR, "template_load",
		    "%s: no \"templates\" object", path);
		goto fail;
	}
	t->words = json_object_get(t->root, "words");
	p = json_object_get(t->root, "persona");
	t->persona = json_is_object(p) ? json_deep_copy(p) : json_object();
	if (t->persona == NULL)
		goto fail;
	if (brand != NULL && *brand != '\0')
		json_object_set_new(t->persona, "brand", json_string(brand));
	if (tone != NULL && *tone != '\0')
		json_object_set_new(t->persona, "tone", json_string(tone));
	if (json_is_string(json_object_get(t->root, "locale")))
		json_object_set(t->persona, "locale",
		    json_object_get(t->root, "locale"));
	return t;
fail:
	va_template_free(t);
	return NULL;
}

void
va_template_free(struct va_template *t)
{
	if (t == NULL)
		return;
	json_decref(t->root);
	json_decref(t->persona);
	free(t);
}

const char *
va_template_persona(const struct va_template *t, const char *key)
{
	const char *s;

	s = json_string_value(json_object_get(t->persona, key));
	return s != NULL ? s : "";
}

const json_t *
va_template_words(const struct va_template *t, const char *name)
{
	const json_t *w;

	w = json_object_get(t->words, name);
	return json_is_array(w) ? w : NULL;
}

/* The template's text for the persona's tone, or NULL. */
static const char *
lookup(const struct va_template *t, const char *id)
{
	const json_t *v, *alt;

	v = json_object_get(t->templates, id);
	if (json_is_string(v))
		return json_string_value(v);
	if (!json_is_object(v))
		return NULL;
	alt = json_object_get(v, va_template_persona(t, "tone"));
	if (!json_is_string(alt))
		alt = json_object_get(v, "default");
	return json_string_value(alt);
}

int
va_template_has(const struct va_template *t, const char *id)
{
	return lookup(t, id) != NULL;
}

/* vars.a.b, then the persona; borrowed or NULL. */
static const json_t *
var(const struct va_template *t, const json_t *vars, const char *name,
    const json_t **parent)
{
	char key[160], *dot, *p;
	const json_t *v = vars;

	*parent = NULL;
	snprintf(key, sizeof(key), "%s", name);
	for (p = key; v != NULL; p = dot + 1) {
		if ((dot = strchr(p, '.')) != NULL)
			*dot = '\0';
		*parent = v;
		v = json_object_get(v, p);
		if (dot == NULL)
			break;
	}
	if (v == NULL && strchr(name, '.') == NULL) {
		*parent = NULL;
		v = json_object_get(t->persona, name);
	}
	/* A slot is {"value": ..., ...}: speak its value. */
	if (json_is_object(v) && json_object_get(v, "value") != NULL) {
		*parent = v;
		v = json_object_get(v, "value");
	}
	return v;
}

/*
 * The text of a string, number or boolean: a string's own (a value may be
 * a long answer, so it is not copied), else written in buf, which holds
 * any "%.2f" of a double (at most 309 digits, a sign and ".00").
 */
static const char *
scalar(const json_t *v, char *buf, size_t n)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v))
		snprintf(buf, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, n, "%.2f", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, n, "%s", json_is_true(v) ? "true" : "false");
	else
		buf[0] = '\0';
	return buf;
}

static void
say_as(struct va_strbuf *b, const char *how, const char *text)
{
	va_strbuf_add(b, "<say-as interpret-as=\"");
	va_strbuf_add(b, how);
	va_strbuf_add(b, "\">");
	put_escaped(b, text);
	va_strbuf_add(b, "</say-as>");
}

/* Order numbers: "#1001" or "10 234" are the digits 1001, 10234. */
static void
render_digits(struct va_strbuf *b, const char *s)
{
	const char *p;
	char c;
	int alpha = 0;

	for (p = s; *p != '\0'; p++)
		alpha |= isalpha((unsigned char)*p);
	va_strbuf_add(b, alpha ? "<say-as interpret-as=\"characters\">" :
	    "<say-as interpret-as=\"digits\">");
	for (p = s; *p != '\0'; p++) {
		if (isalnum((unsigned char)*p)) {
			c = (char)toupper((unsigned char)*p);
			va_strbuf_addn(b, &c, 1);
		}
	}
	va_strbuf_add(b, "</say-as>");
}

static void
render_currency(struct va_strbuf *b, const json_t *v, const json_t *parent)
{
	const char *cur;
	char text[400];
	json_int_t minor;
	uint64_t units;

	cur = json_string_value(json_object_get(parent, "currency"));
	if (!json_is_integer(v)) {
		put_escaped(b, scalar(v, text, sizeof(text)));
		return;
	}
	minor = json_integer_value(v);
	va_strbuf_add(b, "<say-as interpret-as=\"currency\">");
	if (cur != NULL) {
		put_escaped(b, cur);
		va_strbuf_add(b, " ");
	}
	/* The sign is the whole amount's: -42 is -0.42, not 0.42. */
	units = minor < 0 ? -(uint64_t)minor : (uint64_t)minor;
	snprintf(text, sizeof(text), "%s%" PRIu64 ".%02u", minor < 0 ? "-" : "",
	    units / 100, (unsigned)(units % 100));
	va_strbuf_add(b, text);
	va_strbuf_add(b, "</say-as>");
}

static void
render_var(const struct va_template *t, struct va_strbuf *b,
    const json_t *vars, const char *spec, const char *id)
{
	char name[160], how[32] = "", buf[400];
	const json_t *v, *parent;
	const char *colon, *text;

	colon = strchr(spec, ':');
	if (colon != NULL) {
		snprintf(name, sizeof(name), "%.*s", (int)(colon - spec), spec);
		snprintf(how, sizeof(how), "%s", colon + 1);
	} else
		snprintf(name, sizeof(name), "%s", spec);
	/* An object or array said as "" would be a silent gap: log it. */
	if ((v = var(t, vars, name, &parent)) == NULL ||
	    !(json_is_string(v) || json_is_number(v) || json_is_boolean(v))) {
		va_log(VA_WARN, "template_var", "template %s: no value for {%s}",
		    id, name);
		return;
	}
	if (strcmp(how, "currency") == 0) {
		render_currency(b, v, parent);
		return;
	}
	text = scalar(v, buf, sizeof(buf));
	if (strcmp(how, "digits") == 0)
		render_digits(b, text);
	else if (strcmp(how, "characters") == 0 ||
	    strcmp(how, "telephone") == 0)
		say_as(b, how, text);
	else if (strcmp(how, "date") == 0) {
		va_strbuf_add(b,
		    "<say-as interpret-as=\"date\" format=\"ymd\">");
		put_escaped(b, text);
		va_strbuf_add(b, "</say-as>");
	} else
		put_escaped(b, text);
}

char *
va_template_render(const struct va_template *t, const char *id,
    const json_t *vars)
{
	struct va_strbuf b = { 0 };
	const char *s, *end;
	char spec[160], *out;

	if ((s = lookup(t, id)) == NULL) {
		va_log(VA_ERROR, "template_missing", "no template \"%s\"", id);
		return NULL;
	}
	while (*s != '\0') {
		if (*s == '{' && (end = strchr(s, '}')) != NULL &&
		    (size_t)(end - s) < sizeof(spec)) {
			snprintf(spec, sizeof(spec), "%.*s", (int)(end - s - 1),
			    s + 1);
			render_var(t, &b, vars, spec, id);
			s = end + 1;
			continue;
		}
		va_strbuf_addn(&b, s, 1);
		s++;
	}
	if ((out = va_strbuf_finish(&b)) == NULL)
		va_log(VA_ERROR, "out_of_memory", "out of memory");
	return out;
}
