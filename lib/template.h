/*
 * template.h - the assistant's sentences, from a locale file with a persona.
 *
 * A locale file (data/route/locale/<lang>.json) holds everything va-route
 * says in one language, so a second language needs a file, not code:
 *
 *   {"locale": "en",
 *    "persona": {"brand": "Northwind Goods", "tone": "friendly"},
 *    "templates": {"greeting": "This call is recorded. ...",
 *                  "goodbye": {"friendly": "Bye!", "formal": "Goodbye."}},
 *    "words": {"negative": ["useless", ...], "stop": ["the", ...]}}
 *
 * A template is a string, or an object of strings by tone (with "default"
 * used for a tone it does not name). Placeholders are {name} or
 * {name:how}; name may be a.b for a member of an object. Values are
 * escaped for the SSML subset of va-events(5); how renders for speech:
 *   digits      <say-as interpret-as="digits">10234</say-as> (all but
 *               letters and digits dropped: a leading "#", spaces,
 *               dashes; letters make it "characters")
 *   characters  spelled out, as for tracking numbers
 *   telephone   <say-as interpret-as="telephone">
 *   currency    minor units in value, currency in the sibling member
 *               "currency" (or from the object {"value":N,"currency":C}):
 *               <say-as interpret-as="currency">USD 12.50</say-as>
 *   date        <say-as interpret-as="date" format="ymd">
 * A number is written out, a real with two decimals ("12.50"); a string
 * is kept whole and as it is but for the escaping, control characters too
 * (va-say reads them as spaces). The persona's members ({brand}, {tone})
 * are always available.
 *
 * Ownership: strings returned by va_template_render() are new (free());
 * json_t values returned are borrowed from the loaded file.
 */
#ifndef VA_TEMPLATE_H
#define VA_TEMPLATE_H

#include <jansson.h>

struct va_template;

/*
 * Load a locale file; brand and tone (may be NULL) override the file's
 * persona. NULL on error (logged: "template_load").
 */
struct va_template *va_template_load(const char *path, const char *brand,
	    const char *tone);
void	va_template_free(struct va_template *);

/* Non-zero when the locale defines template id. */
int	va_template_has(const struct va_template *, const char *id);
/*
 * Render template id with vars (a JSON object, borrowed; may be NULL).
 * A missing template returns NULL (logged: "template_missing"); a missing
 * variable, or one that is null, an object (a slot without "value") or an
 * array, renders empty (logged: "template_var").
 */
char	*va_template_render(const struct va_template *, const char *id,
	    const json_t *vars);
/* A persona member ("brand", "tone", "locale"), borrowed, or "". */
const char *va_template_persona(const struct va_template *, const char *key);
/* The word list words.<name> (array of strings, borrowed), or NULL. */
const json_t *va_template_words(const struct va_template *, const char *name);

#endif
