/*
 * csv.h - reading labelled data: RFC 4180 CSV and TSV with a header row.
 *
 * The whole file is read into memory and split into records in place:
 * fields may be quoted ("a, b" and "say ""hi""" as in RFC 4180, with
 * separators and line breaks inside quotes), lines end in LF or CRLF, a
 * UTF-8 byte order mark at the start is skipped, and blank lines are
 * skipped. The separator is ',' or '\t'; with sep 0 it is guessed from the
 * header line, the first that is not blank (a tab there means TSV). The
 * first record is the header; va_csv_col() finds a column by name. A NUL
 * byte is data like any other, but a field is a C string, so it reads
 * only up to its first NUL.
 *
 * Ownership: fields point into the reader's buffer and stay valid until
 * the next va_csv_next() or va_csv_close().
 */
#ifndef VA_CSV_H
#define VA_CSV_H

#include <stddef.h>

struct va_csv {
	char	*buf;		/* the file, NUL-terminated, split in place */
	size_t	len;
	size_t	pos;
	int	sep;
	char	**f;		/* fields of the current record */
	size_t	nf;
	size_t	cap;
	char	**head;		/* header fields (copies) */
	size_t	nhead;
	long	line;		/* line number where the current record began */
	long	lnext;		/* line number at pos */
	char	*name;		/* the file, for messages */
};

/*
 * Open path (or "-" for standard input) and read its header. Returns 0, or
 * -1 after logging (diag "csv_open", "csv_empty" or "csv_quote"). Messages
 * about the file begin with its path ("standard input" for "-").
 */
int	va_csv_open(struct va_csv *, const char *path, int sep);
/* The same over a copy of len bytes of data, named "data" in messages. */
int	va_csv_open_mem(struct va_csv *, const char *data, size_t len,
	    int sep);
/*
 * Read the next record into c->f/c->nf: 1, 0 at the end, -1 for an
 * unterminated quote (logged, diag "csv_quote", with the file and the line
 * the quote opened on) or when out of memory (logged).
 */
int	va_csv_next(struct va_csv *);
/* Index of the header column named name (case-insensitive), or -1. */
int	va_csv_col(const struct va_csv *, const char *name);
void	va_csv_close(struct va_csv *);

#endif
