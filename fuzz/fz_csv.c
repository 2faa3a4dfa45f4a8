/*
 * fz_csv.c - fuzz the CSV reader (lib/csv.c) against a reference scanner
 * written here, and by a round trip through an RFC 4180 writer.
 *
 * Properties, for any bytes read by va_csv_open_mem() with sep ',', '\t'
 * and 0 (guessed):
 * - it opens exactly when the reference finds a first record, and with
 *   sep 0 the separator is a tab exactly when the header line (the first
 *   line that is not blank, after a byte order mark) holds one;
 * - the header and every record split as the reference splits them, the
 *   grammar of csv.h: a field opening with a quote runs to the closing
 *   one ("" for a quote, separators and line breaks kept) and the text
 *   after it is kept as it is; records end in LF or CRLF; blank lines
 *   and a leading BOM are skipped;
 * - a field reads up to its first NUL byte (fields are C strings), and
 *   holds the separator only if it was quoted;
 * - va_csv_next() returns -1 exactly when a quote is still open at the
 *   end of the input, and 0 from then on, as at the end;
 * - c->line is the line where the record began, so it never decreases
 *   and never passes the input's last line.
 * The input decoded as a table (decode()) and written as RFC 4180 with
 * ',' or '\t', LF or CRLF, with or without a BOM, blank lines and a final
 * line end, reads back exactly: the header names by va_csv_col() in the
 * other letter case, every field, the number of records, their lines. A
 * record of one empty field is written as "" so as not to be a blank
 * line, or bare and then expected to be skipped as one. When sep 0
 * guesses the other separator (a tab in a CSV header line, none in a
 * one-column TSV one), as csv.h says it does, only the guess is checked.
 *
 * Not checked: va_csv_open() (reading the file), out of memory, what is
 * logged, cells with a NUL in the round trip (they end a cell there).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "fz.h"
#include "log.h"

#define BOM	"\xef\xbb\xbf"

/* The reference: records and fields as csv.h describes them. */
struct rfield {
	size_t	off, len;	/* in text */
	int	quoted;
};

struct ref {
	const unsigned char *s;
	size_t	len, pos;
	int	sep;
	long	line;		/* the line at pos */
	long	recline;	/* the line where the last record began */
	struct rfield *f;	/* the last record's fields */
	size_t	nf;
	unsigned char *text;	/* their bytes, unescaped, back to back */
	size_t	tlen;
};

enum { START, PLAIN, QUOTED, QUOTE, AFTER };

static void *
xmalloc(size_t n)
{
	void *p;

	if ((p = malloc(n ? n : 1)) == NULL)
		abort();
	return p;
}

static int
has_bom(const unsigned char *s, size_t len)
{
	return len >= 3 && memcmp(s, BOM, 3) == 0;
}

/* The end of a blank line at pos ("\n" or "\r\n"), or 0. */
static size_t
blank(const unsigned char *s, size_t len, size_t pos)
{
	if (pos < len && s[pos] == '\n')
		return pos + 1;
	if (pos + 1 < len && s[pos] == '\r' && s[pos + 1] == '\n')
		return pos + 2;
	return 0;
}

/* sep 0: a tab on the header line means TSV. */
static int
guess_sep(const unsigned char *s, size_t len)
{
	size_t pos = has_bom(s, len) ? 3 : 0, end;

	while ((end = blank(s, len, pos)) != 0)
		pos = end;
	for (; pos < len && s[pos] != '\n'; pos++)
		if (s[pos] == '\t')
			return '\t';
	return ',';
}

static void
ref_init(struct ref *r, const unsigned char *s, size_t len, int sep)
{
	memset(r, 0, sizeof(*r));
	r->s = s;
	r->len = len;
	r->pos = has_bom(s, len) ? 3 : 0;
	r->sep = sep ? sep : guess_sep(s, len);
	r->line = 1;
	/* A record has at most one field per byte, plus one. */
	r->f = xmalloc((len + 1) * sizeof(*r->f));
	r->text = xmalloc(len);
}

static void
ref_free(struct ref *r)
{
	free(r->f);
	free(r->text);
}

static void
ref_field(struct ref *r)
{
	r->f[r->nf].off = r->tlen;
	r->f[r->nf].len = 0;
	r->f[r->nf].quoted = 0;
	r->nf++;
}

static void
ref_add(struct ref *r, unsigned char ch)
{
	r->text[r->tlen++] = ch;
	r->f[r->nf - 1].len++;
}

/*
 * Outside quotes, a separator ends the field and a line end the record:
 * the bytes it took, 0 for a byte of the field, -1 for the end of the
 * record.
 */
static int
ref_plain(struct ref *r)
{
	size_t end;

	if (r->s[r->pos] == r->sep) {
		r->pos++;
		ref_field(r);
		return 1;
	}
	if ((end = blank(r->s, r->len, r->pos)) != 0) {
		r->pos = end;
		r->line++;
		return -1;
	}
	ref_add(r, r->s[r->pos++]);
	return 0;
}

/* The next record, byte by byte: 1, 0 at the end, -1 for an open quote. */
static int
ref_next(struct ref *r)
{
	size_t end;
	int state = START;
	unsigned char ch;

	while ((end = blank(r->s, r->len, r->pos)) != 0) {
		r->pos = end;
		r->line++;
	}
	if (r->pos >= r->len)
		return 0;
	r->recline = r->line;
	r->nf = r->tlen = 0;
	ref_field(r);
	while (r->pos < r->len) {
		ch = r->s[r->pos];
		switch (state) {
		case START:
			if (ch == '"') {
				r->f[r->nf - 1].quoted = 1;
				state = QUOTED;
				r->pos++;
				break;
			}
			state = PLAIN;
			/* FALLTHROUGH */
		case PLAIN:
		case AFTER:
			switch (ref_plain(r)) {
			case 1:
				state = START;
				break;
			case -1:
				return 1;
			}
			break;
		case QUOTED:
			r->pos++;
			if (ch == '"') {
				state = QUOTE;
				break;
			}
			if (ch == '\n')
				r->line++;
			ref_add(r, ch);
			break;
		case QUOTE:
			if (ch == '"') {
				ref_add(r, ch);
				r->pos++;
				state = QUOTED;
			} else
				state = AFTER;
			break;
		}
	}
	return state == QUOTED ? -1 : 1;
}

/* A reader's field against the reference's field i. */
static void
same_field(const char *got, const struct ref *r, size_t i)
{
	const unsigned char *want = r->text + r->f[i].off, *nul;
	size_t n = r->f[i].len;

	if ((nul = memchr(want, '\0', n)) != NULL)
		n = (size_t)(nul - want);
	if (strlen(got) != n || memcmp(got, want, n) != 0)
		fprintf(stderr, "field %zu: got \"%s\", want \"%.*s\"\n", i,
		    got, (int)n, (const char *)want);
	FZ_CHECK(strlen(got) == n && memcmp(got, want, n) == 0);
	if (!r->f[i].quoted)
		FZ_CHECK(strchr(got, r->sep) == NULL);
}

static int
lower(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

/* ASCII letters in either case the same, as strcasecmp() in the C locale. */
static int
same_name(const char *a, const char *b)
{
	for (; *a != '\0' && lower(*a) == lower(*b); a++, b++)
		;
	return lower(*a) == lower(*b);
}

/* va_csv_col() finds each name, in the other case, at its first column. */
static void
check_cols(const struct va_csv *c, char *const *names, size_t n)
{
	size_t i, j;
	char *flip, *p;

	for (i = 0; i < n; i++) {
		if ((flip = strdup(names[i])) == NULL)
			abort();
		for (p = flip; *p != '\0'; p++)
			if (lower(*p) != *p)
				*p = (char)lower(*p);
			else if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
		for (j = 0; !same_name(names[j], names[i]); j++)
			;
		FZ_CHECK(va_csv_col(c, flip) == (int)j);
		free(flip);
	}
}

static long
count_lines(const uint8_t *s, size_t len)
{
	long n = 1;
	size_t i;

	for (i = 0; i < len; i++)
		n += s[i] == '\n';
	return n;
}

/* Any bytes, with sep ',', '\t' or 0: the reader splits as the reference. */
static void
check_raw(const uint8_t *data, size_t size, int sep)
{
	struct va_csv c;
	struct ref r;
	long prev, nlines = count_lines(data, size);
	size_t i;
	int rc, want;

	ref_init(&r, data, size, sep);
	want = ref_next(&r);
	if (va_csv_open_mem(&c, (const char *)data, size, sep) == -1) {
		FZ_CHECK(want != 1);
		ref_free(&r);
		return;
	}
	FZ_CHECK(want == 1);
	FZ_CHECK(c.sep == r.sep);
	FZ_CHECK(c.line == r.recline && c.line <= nlines);
	FZ_CHECK(c.nhead == r.nf);
	for (i = 0; i < r.nf; i++)
		same_field(c.head[i], &r, i);
	check_cols(&c, c.head, c.nhead);
	for (prev = c.line;;) {
		rc = va_csv_next(&c);
		want = ref_next(&r);
		FZ_CHECK(rc == want);
		if (rc != 1)
			break;
		FZ_CHECK(c.nf == r.nf);
		for (i = 0; i < r.nf; i++)
			same_field(c.f[i], &r, i);
		FZ_CHECK(c.line == r.recline);
		FZ_CHECK(c.line >= prev && c.line <= nlines);
		prev = c.line;
	}
	FZ_CHECK(va_csv_next(&c) == 0);
	va_csv_close(&c);
	ref_free(&r);
}

/*
 * The round trip. The first byte says how to write the table: the
 * separator, line ends, BOM and so on (F_*); the second how many columns
 * (1 to 8, the low 3 bits) and after which records a blank line goes (the
 * high 5 bits, by record number modulo 5, with F_BLANKS); the rest is the
 * cells in row order, each ended by a NUL, the last row padded with empty
 * cells.
 */
enum {
	F_TAB = 1,		/* separator '\t', not ',' */
	F_CRLF = 2,		/* CRLF line ends, not LF */
	F_BOM = 4,		/* a byte order mark first */
	F_FINAL = 8,		/* a line end after the last record */
	F_GUESS = 16,		/* read with sep 0 */
	F_QUOTEALL = 32,	/* quote every field */
	F_BARE = 64,		/* one empty field written as a blank line */
	F_BLANKS = 128		/* blank lines between records */
};

#define MAXROWS	256

struct table {
	char	**cell;		/* nrows * ncols, into buf */
	size_t	nrows, ncols;
	char	*buf;
};

struct out {
	char	*s;
	size_t	len, cap;
};

/* A record the reader must return: its row and the line it begins on. */
struct want {
	size_t	row;
	long	line;
	size_t	off;		/* where it begins in the output */
};

static void
decode(struct table *t, const uint8_t *data, size_t size)
{
	static char empty[] = "";
	size_t ncells = 1, i, k;
	char *p;

	t->ncols = 1 + (data[1] & 7);
	t->buf = xmalloc(size - 2 + 1);
	memcpy(t->buf, data + 2, size - 2);
	t->buf[size - 2] = '\0';
	for (i = 0; i < size - 2; i++)
		ncells += t->buf[i] == '\0';
	t->nrows = (ncells + t->ncols - 1) / t->ncols;
	if (t->nrows > MAXROWS)
		t->nrows = MAXROWS;
	t->cell = xmalloc(t->nrows * t->ncols * sizeof(*t->cell));
	for (k = 0, p = t->buf; k < t->nrows * t->ncols; k++) {
		t->cell[k] = k < ncells ? p : empty;
		if (k < ncells)
			p += strlen(p) + 1;
	}
}

static void
put(struct out *o, const char *s, size_t n)
{
	if (n == 0)
		return;
	if (o->cap - o->len < n) {
		o->cap = (o->cap + n) * 2;
		if ((o->s = realloc(o->s, o->cap)) == NULL)
			abort();
	}
	memcpy(o->s + o->len, s, n);
	o->len += n;
}

static void
put_field(struct out *o, const char *s, int sep, int quote)
{
	const char *p;

	quote = quote || strchr(s, sep) != NULL || strpbrk(s, "\"\r\n");
	/* A BOM in the first field of the file would be taken for one. */
	quote = quote || (o->len == 0 && strncmp(s, BOM, 3) == 0);
	if (!quote) {
		put(o, s, strlen(s));
		return;
	}
	put(o, "\"", 1);
	for (p = s; *p != '\0'; p++)
		if (*p == '"')
			put(o, "\"\"", 2);
		else
			put(o, p, 1);
	put(o, "\"", 1);
}

static long
lines_in(const struct out *o)
{
	return count_lines((const uint8_t *)o->s, o->len);
}

/* Whether the line from off holds a tab: for sep 0, the header line. */
static int
line_has_tab(const struct out *o, size_t off)
{
	for (; off < o->len && o->s[off] != '\n'; off++)
		if (o->s[off] == '\t')
			return 1;
	return 0;
}

/* Write t as flags say; the records to read back in w, their number. */
static size_t
write_table(const struct table *t, int flags, int blanks, struct out *o,
    struct want *w)
{
	const char *eol = flags & F_CRLF ? "\r\n" : "\n";
	char sep = flags & F_TAB ? '\t' : ',';
	size_t i, j, n = 0;
	char **row;
	int single;

	if (flags & F_BOM)
		put(o, BOM, 3);
	for (i = 0; i < t->nrows; i++) {
		row = t->cell + i * t->ncols;
		single = t->ncols == 1 && row[0][0] == '\0';
		if (!single || !(flags & F_BARE)) {
			w[n].row = i;
			w[n].line = lines_in(o);
			w[n++].off = o->len;
			for (j = 0; j < t->ncols; j++) {
				if (j > 0)
					put(o, &sep, 1);
				put_field(o, row[j], sep,
				    (flags & F_QUOTEALL) || single);
			}
		}
		if (i + 1 < t->nrows || (flags & F_FINAL))
			put(o, eol, strlen(eol));
		if ((flags & F_BLANKS) && (blanks >> (i % 5) & 1))
			put(o, eol, strlen(eol));
	}
	return n;
}

/* The records written read back exactly, each on its line. */
static void
read_back(struct va_csv *c, const struct table *t, const struct want *w,
    size_t n)
{
	size_t k, j;
	char **row;

	FZ_CHECK(c->nhead == t->ncols);
	for (k = 0; k < n; k++) {
		if (k > 0) {
			FZ_CHECK(va_csv_next(c) == 1);
			FZ_CHECK(c->nf == t->ncols);
		}
		row = t->cell + w[k].row * t->ncols;
		for (j = 0; j < t->ncols; j++)
			FZ_CHECK(strcmp(k > 0 ? c->f[j] : c->head[j],
			    row[j]) == 0);
		if (c->line != w[k].line)
			fprintf(stderr, "record %zu: line %ld, want %ld\n", k,
			    c->line, w[k].line);
		FZ_CHECK(c->line == w[k].line);
		if (k == 0)
			check_cols(c, row, t->ncols);
	}
	FZ_CHECK(va_csv_next(c) == 0);
}

static void
check_roundtrip(const uint8_t *data, size_t size)
{
	struct table t;
	struct out o = { NULL, 0, 0 };
	struct want *w;
	struct va_csv c;
	size_t n;
	int flags = data[0], sep = flags & F_TAB ? '\t' : ',', guess;

	decode(&t, data, size);
	w = xmalloc(t.nrows * sizeof(*w));
	n = write_table(&t, flags, data[1] >> 3, &o, w);
	guess = sep;
	if ((flags & F_GUESS) && n > 0)
		guess = line_has_tab(&o, w[0].off) ? '\t' : ',';
	if (va_csv_open_mem(&c, o.s != NULL ? o.s : "", o.len,
	    flags & F_GUESS ? 0 : sep) == -1) {
		/*
		 * Nothing but blank lines, or split by the other separator,
		 * which may leave a quote open in the header.
		 */
		FZ_CHECK(n == 0 || guess != sep);
		goto done;
	}
	FZ_CHECK(n > 0);
	FZ_CHECK(c.sep == guess);
	/* Read with the other separator, the table is not the one written. */
	if (guess == sep)
		read_back(&c, &t, w, n);
	va_csv_close(&c);
done:
	free(w);
	free(o.s);
	free(t.cell);
	free(t.buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int once;

	if (!once) {
		va_log_init("va-fuzz");
		va_log_set_level(VA_ERROR);
		once = 1;
	}
	check_raw(data, size, ',');
	check_raw(data, size, '\t');
	check_raw(data, size, 0);
	if (size >= 2)
		check_roundtrip(data, size);
	return 0;
}
