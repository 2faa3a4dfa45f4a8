/*
 * jscan.h - a validating JSON scanner that builds nothing.
 *
 * The filter loop must tell a well-formed event from a malformed line at
 * the speed of a copy, without allocating a tree for events it only passes
 * through. va_jscan_object() checks that a buffer holds exactly one JSON
 * object (RFC 8259: strings with valid escapes and UTF-8, numbers, nesting
 * up to VA_JSCAN_DEPTH) and records where each top-level member's key and
 * value lie in the buffer. Nothing is copied; the members point into it.
 */
#ifndef VA_JSCAN_H
#define VA_JSCAN_H

#include <stddef.h>

#define VA_JSCAN_DEPTH	256

enum va_jkind { VA_J_STRING, VA_J_NUMBER, VA_J_OBJECT, VA_J_ARRAY,
	VA_J_TRUE, VA_J_FALSE, VA_J_NULL };

struct va_jmember {
	const char *key;	/* key body between the quotes, still escaped */
	size_t	klen;
	const char *val;	/* the raw value; strings include the quotes */
	size_t	vlen;
	enum va_jkind kind;
	int	kesc;		/* the key holds a backslash escape */
};

struct va_jscan {
	struct va_jmember *m;	/* grown with realloc, free() when done */
	size_t	n;
	size_t	cap;
	size_t	errpos;		/* byte offset of the first error */
	const char *err;	/* static message for the first error */
};

/*
 * Scan s[0..len) as one JSON object, surrounding white space allowed.
 * Returns 0 and fills js->m/js->n, or -1 and sets js->err and js->errpos.
 * js must be zeroed before first use; it is reused across calls.
 */
int	va_jscan_object(struct va_jscan *js, const char *s, size_t len);
/* Validate any JSON value; 0 or -1 as above. */
int	va_jscan_value(struct va_jscan *js, const char *s, size_t len);
void	va_jscan_free(struct va_jscan *);

/* The member whose decoded key equals key, or NULL (last one wins). */
const struct va_jmember *va_jscan_get(const struct va_jscan *,
	    const char *key);

/*
 * Decode a raw JSON string (with its quotes) into out, which must hold
 * vlen bytes; returns the decoded length (no NUL added), -1 if invalid.
 */
long	va_json_unescape(const char *raw, size_t vlen, char *out);

/*
 * The length (2 to 4) of the valid UTF-8 sequence that starts at p, with
 * n bytes available; 0 when none does: an ASCII byte, a stray
 * continuation byte, an overlong form, a surrogate, a code point above
 * U+10FFFF or a sequence cut short. The check strings get in a scan.
 */
size_t	va_utf8_len(const char *p, size_t n);

#endif
