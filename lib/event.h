/*
 * event.h - events of the va stream (v1, documented in va-events(5)).
 *
 * An event is one JSON object on one line, "type" first. Reading gives a
 * view over the raw line: nothing is decoded until asked for, so passing an
 * event through costs a scan and a copy. Writing builds the line straight
 * into the output buffer: va_emit_begin() opens an event with the envelope
 * (type, call, turn, t_ms copied from the event it answers, then "by" and
 * "at"), the va_emit_* calls add members, and va_emit_end() copies the
 * members of the answered event that its type does not define (so fields a
 * pipeline added survive every stage) and closes the line. A member emitted
 * twice is written once: the first one wins.
 *
 * Ownership: an event view borrows the line it was read from and is valid
 * during the handler call only. Strings returned by va_event_str() are new
 * (free()); json_t values from va_event_json() are new references.
 */
#ifndef VA_EVENT_H
#define VA_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jscan.h"

#define VA_EVENT_VERSION	1

struct va_event {
	const char *line;	/* the raw line, without its newline */
	size_t	len;
	long	lineno;		/* 1-based input line number */
	char	type[64];	/* decoded type */
	struct va_jscan js;	/* top-level members */
};

/*
 * Scan line as an event; 0, or -1 with *why set to a static reason when it
 * is not a JSON object with a string "type" of at most 63 bytes.
 */
int	va_event_parse(struct va_event *, const char *line, size_t len,
	    const char **why);
int	va_event_is(const struct va_event *, const char *type);

/* Raw member, or NULL. */
const struct va_jmember *va_event_get(const struct va_event *,
	    const char *key);
/* New decoded string, or NULL when absent or not a string. */
char	*va_event_str(const struct va_event *, const char *key);
/* 0 and *out set when the member is an integer, else -1. */
int	va_event_int(const struct va_event *, const char *key, int64_t *out);
/* 0 and *out set when the member is a number (integer or real), else -1. */
int	va_event_num(const struct va_event *, const char *key, double *out);
/* 1 for true, 0 for false, def when absent or not a boolean. */
int	va_event_bool(const struct va_event *, const char *key, int def);
/* New reference to the member decoded, or NULL. */
json_t	*va_event_json(const struct va_event *, const char *key);
/* New reference to the whole event decoded, or NULL. */
json_t	*va_event_object(const struct va_event *);

/* The fields an event type defines (NULL-terminated), or NULL if unknown. */
const char *const *va_event_fields(const char *type);

/*
 * Open an event of the given type answering src (may be NULL): writes
 * type, then call, turn and t_ms from src when present, then by and at.
 */
void	va_emit_begin(const char *type, const struct va_event *src);
/* Open an event with an explicit envelope (for producers like va-listen). */
void	va_emit_begin_call(const char *type, const char *call, int64_t turn,
	    int64_t t_ms);
/*
 * Open an event that copies src's members as they are, in order, except
 * those named in except (NULL-terminated, may be NULL); the caller may add
 * members and closes it with va_emit_end(NULL).
 */
void	va_emit_begin_copy(const struct va_event *src,
	    const char *const *except);
void	va_emit_str(const char *key, const char *val);	/* NULL writes null */
void	va_emit_strn(const char *key, const char *val, size_t len);
void	va_emit_int(const char *key, int64_t);
void	va_emit_bool(const char *key, int);
/* A real written with a fixed number of decimals (stable in goldens). */
void	va_emit_fixed(const char *key, double, int decimals);
/* Raw JSON text written as it is (the caller vouches for it). */
void	va_emit_raw(const char *key, const char *json, size_t len);
/* A jansson value written compactly; the reference stays the caller's. */
void	va_emit_json(const char *key, const json_t *);
/* Begin a member whose value the caller writes itself with va_out_*. */
void	va_emit_key(const char *key);
/* Copy src's members that its type does not define, then close the line. */
void	va_emit_end(const struct va_event *src);

/*
 * An in-band error answering src: {"type":"error",...,"code":code,
 * "msg":msg,"re":{"type":...,"line":N}}. The code is a stable identifier.
 */
void	va_emit_error(const struct va_event *src, const char *code,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Pass the event on unchanged: its raw line and a newline. */
void	va_event_pass(const struct va_event *);

/* Write s as a JSON string (with quotes) to the output. */
void	va_out_json_string(const char *s, size_t len);

#endif
