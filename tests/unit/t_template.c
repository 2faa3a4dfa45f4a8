/*
 * t_template.c - locale files: tone, persona, placeholders rendered for
 * speech, escaping, missing templates and variables.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "tap.h"
#include "template.h"

static const char locale[] =
	"{\"locale\":\"xx\",\"persona\":{\"brand\":\"Acme\",\"tone\":\"friendly\"},"
	"\"templates\":{"
	"\"hi\":{\"friendly\":\"Hi from {brand}!\",\"formal\":\"Good day.\","
	"\"default\":\"Hello.\"},"
	"\"order\":\"Order {order_number:digits}.\","
	"\"store\":\"Order {n:digits}.\","
	"\"parcel\":\"Parcel {t:characters} by {t.carrier}.\","
	"\"money\":\"That is {amount:currency}.\","
	"\"bare\":\"{amount:currency}\","
	"\"text\":\"You said: {said}\","
	"\"missing\":\"[{nothing}]\"},"
	"\"words\":{\"stop\":[\"the\",\"a\"]}}";

static char *
render(struct va_template *t, const char *id, const char *vars)
{
	json_t *v = vars != NULL ? json_loads(vars, 0, NULL) : NULL;
	char *s = va_template_render(t, id, v);

	json_decref(v);
	return s;
}

static void
check(struct va_template *t, const char *id, const char *vars,
    const char *want, const char *name)
{
	char *got = render(t, id, vars);

	is_str(got, want, "%s", name);
	free(got);
}

/* Does rendering id with vars log diag? stderr is caught meanwhile. */
static int
logs(struct va_template *t, const char *id, const char *vars,
    const char *diag)
{
	FILE *f;
	char buf[1024];
	size_t n;
	int saved;

	if ((f = tmpfile()) == NULL || (saved = dup(2)) == -1)
		return -1;
	va_log_set_level(VA_WARN);
	dup2(fileno(f), 2);
	free(render(t, id, vars));
	dup2(saved, 2);
	close(saved);
	va_log_set_level(VA_ERROR);
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return strstr(buf, diag) != NULL;
}

/* A value is said whole, however long: a kb answer is a paragraph. */
static void
long_values(struct va_template *t)
{
	char val[700], cur[120], vars[1024], want[1024];
	size_t i;

	for (i = 0; i + 5 < 600; i += 5)
		memcpy(val + i, "word ", 5);
	snprintf(val + i, sizeof(val) - i, "caf\xc3\xa9");
	snprintf(vars, sizeof(vars), "{\"said\":\"%s\"}", val);
	snprintf(want, sizeof(want), "You said: %s", val);
	check(t, "text", vars, want, "a long value is said whole");

	memset(val, '7', 300);
	val[300] = '\0';
	snprintf(vars, sizeof(vars), "{\"n\":\"%s\"}", val);
	snprintf(want, sizeof(want),
	    "Order <say-as interpret-as=\"digits\">%s</say-as>.", val);
	check(t, "store", vars, want, "a long number keeps every digit");

	memset(cur, 'X', 100);
	cur[100] = '\0';
	snprintf(vars, sizeof(vars),
	    "{\"amount\":{\"value\":2599,\"currency\":\"%s\"}}", cur);
	snprintf(want, sizeof(want), "That is <say-as interpret-as="
	    "\"currency\">%s 25.99</say-as>.", cur);
	check(t, "money", vars, want, "a long currency keeps the amount");
}

int
main(void)
{
	char path[] = "/tmp/t_template.XXXXXX";
	struct va_template *t;
	int fd;

	va_log_init("t_template");
	va_log_set_level(VA_ERROR);
	if ((fd = mkstemp(path)) == -1 ||
	    write(fd, locale, sizeof(locale) - 1) != (ssize_t)sizeof(locale) - 1)
		return 1;
	close(fd);

	t = va_template_load(path, NULL, NULL);
	ok(t != NULL, "locale loads");
	is_str(va_template_persona(t, "brand"), "Acme", "persona brand");
	is_str(va_template_persona(t, "locale"), "xx", "locale name");
	ok(va_template_has(t, "hi") && !va_template_has(t, "nope"), "has");
	ok(json_array_size(va_template_words(t, "stop")) == 2, "word list");
	ok(va_template_words(t, "nope") == NULL, "no such word list");
	check(t, "hi", NULL, "Hi from Acme!", "tone and persona");
	check(t, "order", "{\"order_number\":{\"value\":\"10234\","
	    "\"confirmed\":true}}",
	    "Order <say-as interpret-as=\"digits\">10234</say-as>.",
	    "a slot's value read as digits");
	check(t, "store", "{\"n\":\"#10 01\"}",
	    "Order <say-as interpret-as=\"digits\">1001</say-as>.",
	    "store form: # and spaces dropped");
	check(t, "store", "{\"n\":\"ab-12\"}",
	    "Order <say-as interpret-as=\"characters\">AB12</say-as>.",
	    "letters are spelled");
	check(t, "parcel", "{\"t\":{\"value\":\"1Z99\",\"carrier\":\"ups\"}}",
	    "Parcel <say-as interpret-as=\"characters\">1Z99</say-as> by ups.",
	    "characters and a member of a slot");
	check(t, "money", "{\"amount\":{\"value\":2599,\"currency\":\"USD\"}}",
	    "That is <say-as interpret-as=\"currency\">USD 25.99</say-as>.",
	    "minor units as currency");
	check(t, "money", "{\"amount\":{\"value\":-42,\"currency\":\"USD\"}}",
	    "That is <say-as interpret-as=\"currency\">USD -0.42</say-as>.",
	    "less than a unit owed keeps its sign");
	check(t, "money", "{\"amount\":{\"value\":-250,\"currency\":\"USD\"}}",
	    "That is <say-as interpret-as=\"currency\">USD -2.50</say-as>.",
	    "a negative amount");
	check(t, "bare", "{\"amount\":5}",
	    "<say-as interpret-as=\"currency\">0.05</say-as>",
	    "currency without a code");
	check(t, "text", "{\"said\":\"<b> & co\"}",
	    "You said: &lt;b&gt; &amp; co", "values are escaped for SSML");
	check(t, "missing", NULL, "[]", "a missing variable renders empty");
	ok(logs(t, "missing", NULL, "template_var") == 1,
	    "a missing variable is logged");
	check(t, "text", "{\"said\":[\"a\"]}", "You said: ",
	    "an array is no value");
	ok(logs(t, "text", "{\"said\":{\"name\":\"Anna\"}}",
	    "template_var") == 1, "an object where a value belongs is logged");
	ok(logs(t, "text", "{\"said\":\"\"}", "template_var") == 0,
	    "an empty string is a value");
	ok(render(t, "nope", NULL) == NULL, "a missing template is NULL");
	long_values(t);
	va_template_free(t);

	t = va_template_load(path, "Blue & Co", "formal");
	check(t, "hi", NULL, "Good day.", "tone from the caller");
	is_str(va_template_persona(t, "brand"), "Blue & Co", "brand override");
	va_template_free(t);
	t = va_template_load(path, NULL, "grumpy");
	check(t, "hi", NULL, "Hello.", "unknown tone falls back to default");
	va_template_free(t);

	ok(va_template_load("/nonexistent/xx.json", NULL, NULL) == NULL,
	    "a missing file fails");
	unlink(path);
	return tap_done();
}
