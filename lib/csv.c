/*
 * csv.c - RFC 4180 CSV and TSV reader with a header row (see csv.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csv.h"
#include "log.h"

static int
push_field(struct va_csv *c, char *f)
{
	char **nf;
	size_t ncap;

	if (c->nf == c->cap) {
		ncap = c->cap ? c->cap * 2 : 16;
		if ((nf = realloc(c->f, ncap * sizeof(*nf))) == NULL)
			return -1;
		c->f = nf;
		c->cap = ncap;
	}
	c->f[c->nf++] = f;
	return 0;
}

/* Blank lines, LF or CRLF alone, hold no record. */
static void
skip_blank(struct va_csv *c)
{
	while (c->pos < c->len && (c->buf[c->pos] == '\n' ||
	    (c->buf[c->pos] == '\r' && c->buf[c->pos + 1] == '\n'))) {
		if (c->buf[c->pos] == '\n')
			c->lnext++;
		c->pos++;
	}
}

int
va_csv_next(struct va_csv *c)
{
	char *p, *w, *start, *end;
	int quoted, endrec;
	long qline;

	c->nf = 0;
	skip_blank(c);
	if (c->pos >= c->len)
		return 0;
	c->line = c->lnext;
	p = c->buf + c->pos;
	end = c->buf + c->len;
	for (endrec = 0; !endrec;) {
		start = w = p;
		quoted = *p == '"';
		if (quoted) {
			qline = c->lnext;
			p++;
			for (;;) {
				if (p >= end) {
					va_log(VA_WARN, "csv_quote",
					    "%s: line %ld: unterminated quote",
					    c->name, qline);
					c->pos = c->len;
					return -1;
				}
				if (*p == '"') {
					if (p[1] == '"') {
						*w++ = '"';
						p += 2;
						continue;
					}
					p++;
					break;
				}
				if (*p == '\n')
					c->lnext++;
				*w++ = *p++;
			}
			/* Text after the closing quote is kept as it is. */
			while (p < end && *p != c->sep && *p != '\n' &&
			    !(*p == '\r' && p[1] == '\n'))
				*w++ = *p++;
		} else {
			/* A NUL byte is data: only the end ends the record. */
			while (p < end && *p != c->sep && *p != '\n' &&
			    !(*p == '\r' && p[1] == '\n'))
				p++;
			w = p;
		}
		if (*p == c->sep)
			p++;
		else {
			endrec = 1;
			if (*p == '\r')
				p++;
			if (*p == '\n') {
				p++;
				c->lnext++;
			}
		}
		*w = '\0';
		if (push_field(c, start) == -1) {
			va_log(VA_ERROR, "out_of_memory", "out of memory");
			return -1;
		}
	}
	c->pos = (size_t)(p - c->buf);
	return 1;
}

static int
read_header(struct va_csv *c, int sep)
{
	size_t i;
	char *nl;

	/* Skip a UTF-8 byte order mark. */
	if (c->len >= 3 && memcmp(c->buf, "\xef\xbb\xbf", 3) == 0)
		c->pos = 3;
	c->lnext = 1;
	if (sep == 0) {
		/* The header line is the first that is not blank, all of it. */
		skip_blank(c);
		if ((nl = memchr(c->buf + c->pos, '\n', c->len - c->pos)) ==
		    NULL)
			nl = c->buf + c->len;
		sep = memchr(c->buf + c->pos, '\t',
		    (size_t)(nl - (c->buf + c->pos))) != NULL ? '\t' : ',';
	}
	c->sep = sep;
	switch (va_csv_next(c)) {
	case 1:
		break;
	case 0:
		va_log(VA_ERROR, "csv_empty", "%s: no header row", c->name);
		return -1;
	default:		/* logged */
		return -1;
	}
	/* Counted before they are filled: va_csv_close() frees what was. */
	if ((c->head = calloc(c->nf, sizeof(*c->head))) == NULL)
		goto nomem;
	c->nhead = c->nf;
	for (i = 0; i < c->nf; i++)
		if ((c->head[i] = strdup(c->f[i])) == NULL)
			goto nomem;
	return 0;
nomem:
	va_log(VA_ERROR, "out_of_memory", "out of memory");
	return -1;
}

/*
 * Read the header of buf (len bytes, owned, with room for two more) as
 * the file name.
 */
static int
open_buf(struct va_csv *c, char *buf, size_t len, int sep, const char *name)
{
	memset(c, 0, sizeof(*c));
	buf[len] = buf[len + 1] = '\0';
	c->buf = buf;
	c->len = len;
	if ((c->name = strdup(name)) == NULL) {
		va_log(VA_ERROR, "out_of_memory", "out of memory");
		va_csv_close(c);
		return -1;
	}
	if (read_header(c, sep) == -1) {
		va_csv_close(c);
		return -1;
	}
	return 0;
}

int
va_csv_open_mem(struct va_csv *c, const char *data, size_t len, int sep)
{
	char *buf;

	memset(c, 0, sizeof(*c));
	if ((buf = malloc(len + 2)) == NULL) {
		va_log(VA_ERROR, "out_of_memory", "out of memory");
		return -1;
	}
	if (len > 0)		/* data may be NULL then */
		memcpy(buf, data, len);
	return open_buf(c, buf, len, sep, "data");
}

int
va_csv_open(struct va_csv *c, const char *path, int sep)
{
	FILE *fp;
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0, n;

	memset(c, 0, sizeof(*c));
	if (strcmp(path, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(path, "rb")) == NULL) {
		va_log(VA_ERROR, "csv_open", "%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		/* Room for open_buf()'s two NULs is always left. */
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 1 << 20;
			if ((nb = realloc(buf, cap)) == NULL) {
				free(buf);
				if (fp != stdin)
					fclose(fp);
				va_log(VA_ERROR, "out_of_memory",
				    "out of memory");
				return -1;
			}
			buf = nb;
		}
		if ((n = fread(buf + len, 1, cap - len - 2, fp)) == 0)
			break;
		len += n;
	}
	if (ferror(fp)) {
		va_log(VA_ERROR, "csv_open", "%s: read error", path);
		free(buf);
		if (fp != stdin)
			fclose(fp);
		return -1;
	}
	if (fp != stdin)
		fclose(fp);
	return open_buf(c, buf, len, sep,
	    fp == stdin ? "standard input" : path);
}

int
va_csv_col(const struct va_csv *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nhead; i++)
		if (strcasecmp(c->head[i], name) == 0)
			return (int)i;
	return -1;
}

void
va_csv_close(struct va_csv *c)
{
	size_t i;

	for (i = 0; i < c->nhead; i++)
		free(c->head[i]);
	free(c->head);
	free(c->f);
	free(c->buf);
	free(c->name);
	memset(c, 0, sizeof(*c));
}
