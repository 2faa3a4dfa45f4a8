/*
 * kb.c - Markdown passages in an FTS5 index, bm25 ranking and the
 * threshold below which there is no answer (see kb.h).
 */
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "kb.h"
#include "log.h"

#define KB_MAXTERMS	24
#define KB_MAXFILES	512

static const struct va_migration migrations[] = {
	{ 1,
	  "CREATE VIRTUAL TABLE kb_passages USING fts5("
	  " doc UNINDEXED, title UNINDEXED, heading, body,"
	  " tokenize = 'porter unicode61');"
	  "CREATE TABLE kb_meta (id INTEGER PRIMARY KEY CHECK (id = 1),"
	  " dir TEXT NOT NULL, sig TEXT NOT NULL, passages INTEGER NOT NULL,"
	  " at INTEGER NOT NULL);" },
};

int
va_kb_init(struct va_store *st)
{
	return va_store_migrate(st, "kb", migrations,
	    sizeof(migrations) / sizeof(migrations[0]));
}

struct text {
	char	*s;
	size_t	len, cap;
};

static int
text_add(struct text *t, const char *s, size_t n)
{
	char *ns;
	size_t cap;

	if (t->len + n + 1 > t->cap) {
		cap = t->cap ? t->cap * 2 : 256;
		while (cap < t->len + n + 1)
			cap *= 2;
		if ((ns = realloc(t->s, cap)) == NULL)
			return -1;
		t->s = ns;
		t->cap = cap;
	}
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
	return 0;
}

/*
 * Inline Markdown to plain text: emphasis marks and backticks go, a link
 * [text](url) keeps its text.
 */
static int
text_add_inline(struct text *t, const char *s, size_t n)
{
	const char *e = s + n, *close, *paren;

	while (s < e) {
		if (*s == '*' || *s == '`' ||
		    (*s == '_' && (s + 1 == e || s[1] == '_' ||
		    !isalnum((unsigned char)s[1]) || t->len == 0 ||
		    !isalnum((unsigned char)t->s[t->len - 1])))) {
			s++;
			continue;
		}
		if (*s == '[' && (close = memchr(s, ']', (size_t)(e - s))) &&
		    close + 1 < e && close[1] == '(' &&
		    (paren = memchr(close, ')', (size_t)(e - close)))) {
			if (text_add_inline(t, s + 1, (size_t)(close - s - 1)))
				return -1;
			s = paren + 1;
			continue;
		}
		if (text_add(t, s, 1) == -1)
			return -1;
		s++;
	}
	return 0;
}

struct indexer {
	struct va_store *st;
	struct va_stmt *ins;
	const char *doc;
	char	title[256];
	char	section[256];
	struct text para;
	int	in_list;
	int	count;
};

static int
flush(struct indexer *ix)
{
	char title[600];
	int rc = 0;

	if (ix->para.len == 0)
		return 0;
	if (ix->in_list && ix->para.s[ix->para.len - 1] != '.')
		text_add(&ix->para, ".", 1);
	if (ix->section[0] != '\0')
		snprintf(title, sizeof(title), "%s: %s", ix->title,
		    ix->section);
	else
		snprintf(title, sizeof(title), "%s", ix->title);
	va_stmt_bind_text(ix->ins, 1, ix->doc);
	va_stmt_bind_text(ix->ins, 2, title);
	va_stmt_bind_text(ix->ins, 3, ix->section);
	va_stmt_bind_text(ix->ins, 4, ix->para.s);
	if (va_stmt_step(ix->ins) < 0)
		rc = -1;
	va_stmt_reset(ix->ins);
	ix->para.len = 0;
	ix->para.s[0] = '\0';
	ix->in_list = 0;
	ix->count++;
	return rc;
}

/* A list item's text after its marker, or NULL. */
static const char *
list_item(const char *l)
{
	const char *p = l;

	while (*p == ' ')
		p++;
	if ((*p == '-' || *p == '*' || *p == '+') && p[1] == ' ')
		return p + 2;
	while (isdigit((unsigned char)*p))
		p++;
	if (p > l && (*p == '.' || *p == ')') && p[1] == ' ')
		return p + 2;
	return NULL;
}

static void
heading(char *dst, size_t n, const char *l)
{
	while (*l == '#')
		l++;
	while (*l == ' ')
		l++;
	snprintf(dst, n, "%s", l);
}

static int
index_line(struct indexer *ix, char *l)
{
	const char *item;
	size_t n = strlen(l);

	while (n > 0 && (l[n - 1] == ' ' || l[n - 1] == '\r' ||
	    l[n - 1] == '\t'))
		l[--n] = '\0';
	if (l[0] == '#') {
		if (flush(ix) == -1)
			return -1;
		if (l[1] == ' ') {
			heading(ix->title, sizeof(ix->title), l);
			ix->section[0] = '\0';
		} else
			heading(ix->section, sizeof(ix->section), l);
		return 0;
	}
	if (n == 0) {
		/* A paragraph ending in ':' continues with its list. */
		if (ix->para.len > 0 && ix->para.s[ix->para.len - 1] != ':' &&
		    !ix->in_list)
			return flush(ix);
		return 0;
	}
	if ((item = list_item(l)) != NULL) {
		if (ix->para.len > 0)
			text_add(&ix->para, ix->in_list ? "; " : " ", ix->in_list ?
			    2 : 1);
		ix->in_list = 1;
		return text_add_inline(&ix->para, item, strlen(item));
	}
	if (ix->in_list && flush(ix) == -1)
		return -1;
	if (ix->para.len > 0)
		text_add(&ix->para, " ", 1);
	return text_add_inline(&ix->para, l, n);
}

static int
index_file(struct indexer *ix, const char *path, const char *name)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	int rc = 0;

	if ((f = fopen(path, "r")) == NULL) {
		va_log(VA_ERROR, "kb_read", "%s: %s", path, strerror(errno));
		return -1;
	}
	ix->doc = name;
	snprintf(ix->title, sizeof(ix->title), "%s", name);
	ix->section[0] = '\0';
	while (rc == 0 && getline(&line, &cap, f) != -1) {
		line[strcspn(line, "\n")] = '\0';
		rc = index_line(ix, line);
	}
	if (rc == 0)
		rc = flush(ix);
	free(line);
	fclose(f);
	return rc;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.md names in dir, sorted (new array of new strings), or -1. */
static int
list_docs(const char *dir, char ***out)
{
	DIR *d;
	struct dirent *de;
	char **names;
	size_t n;
	int count = 0;

	if ((d = opendir(dir)) == NULL) {
		va_log(VA_ERROR, "kb_read", "%s: %s", dir, strerror(errno));
		return -1;
	}
	if ((names = calloc(KB_MAXFILES, sizeof(*names))) == NULL) {
		closedir(d);
		return -1;
	}
	while ((de = readdir(d)) != NULL && count < KB_MAXFILES) {
		n = strlen(de->d_name);
		if (n > 3 && strcmp(de->d_name + n - 3, ".md") == 0 &&
		    de->d_name[0] != '.')
			names[count++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, (size_t)count, sizeof(*names), cmp_str);
	*out = names;
	return count;
}

static void
free_docs(char **names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* FNV-1a over names, sizes and modification times. */
static void
signature(const char *dir, char **names, int n, char *sig, size_t len)
{
	char path[4096], item[512];
	struct stat sb;
	uint64_t h = 1469598103934665603ULL;
	const char *p;
	int i;

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (stat(path, &sb) == -1)
			memset(&sb, 0, sizeof(sb));
		snprintf(item, sizeof(item), "%s:%lld:%lld;", names[i],
		    (long long)sb.st_size, (long long)sb.st_mtime);
		for (p = item; *p != '\0'; p++) {
			h ^= (unsigned char)*p;
			h *= 1099511628211ULL;
		}
	}
	snprintf(sig, len, "%d-%016" PRIx64, n, h);
}

static int
index_dir(struct va_store *st, const char *dir, char **names, int n,
    const char *sig)
{
	struct indexer ix;
	struct va_stmt *meta = NULL;
	char path[4096];
	int i, rc = -1;

	memset(&ix, 0, sizeof(ix));
	ix.st = st;
	if (text_add(&ix.para, "", 0) == -1)
		return -1;
	if (va_store_begin(st) == -1) {
		free(ix.para.s);
		return -1;
	}
	if (va_store_exec(st, "DELETE FROM kb_passages") == -1 ||
	    (ix.ins = va_store_prepare(st, "INSERT INTO kb_passages"
	    " (doc, title, heading, body) VALUES (?, ?, ?, ?)")) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (index_file(&ix, path, names[i]) == -1)
			goto out;
	}
	meta = va_store_prepare(st, "INSERT OR REPLACE INTO kb_meta"
	    " (id, dir, sig, passages, at) VALUES (1, ?, ?, ?, ?)");
	if (meta == NULL)
		goto out;
	va_stmt_bind_text(meta, 1, dir);
	va_stmt_bind_text(meta, 2, sig);
	va_stmt_bind_int(meta, 3, ix.count);
	va_stmt_bind_int(meta, 4, va_clock_ms());
	if (va_stmt_step(meta) < 0)
		goto out;
	rc = 0;
out:
	va_stmt_finalize(ix.ins);
	va_stmt_finalize(meta);
	free(ix.para.s);
	if (rc == 0 && va_store_commit(st) == -1)
		rc = -1;
	if (rc == -1)
		va_store_rollback(st);
	return rc == 0 ? ix.count : -1;
}

int
va_kb_index(struct va_store *st, const char *dir)
{
	char **names, sig[64];
	int n, rc;

	if ((n = list_docs(dir, &names)) == -1)
		return -1;
	signature(dir, names, n, sig, sizeof(sig));
	rc = index_dir(st, dir, names, n, sig);
	free_docs(names, n);
	return rc;
}

int
va_kb_sync(struct va_store *st, const char *dir)
{
	struct va_stmt *s;
	char **names, sig[64];
	int n, rc, same = 0;

	if ((n = list_docs(dir, &names)) == -1)
		return -1;
	signature(dir, names, n, sig, sizeof(sig));
	if ((s = va_store_prepare(st, "SELECT dir = ? AND sig = ?"
	    " FROM kb_meta WHERE id = 1")) == NULL) {
		free_docs(names, n);
		return -1;
	}
	va_stmt_bind_text(s, 1, dir);
	va_stmt_bind_text(s, 2, sig);
	if ((rc = va_stmt_step(s)) == 1)
		same = va_stmt_int(s, 0) != 0;
	va_stmt_finalize(s);
	if (rc == -1 || same) {
		free_docs(names, n);
		return rc == -1 ? -1 : 0;
	}
	rc = index_dir(st, dir, names, n, sig);
	free_docs(names, n);
	return rc == -1 ? -1 : 1;
}

static int
is_stop(const json_t *stop, const char *w)
{
	size_t i;
	json_t *v;

	json_array_foreach(stop, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), w) == 0)
			return 1;
	return 0;
}

/* The question's distinct content words, lower case; their number. */
static int
terms(const char *text, const json_t *stop, char out[][48], int max)
{
	const unsigned char *p = (const unsigned char *)text;
	char w[48];
	size_t n;
	int k = 0, i, dup;

	while (*p != '\0' && k < max) {
		while (*p != '\0' && !isalnum(*p) && *p < 0x80)
			p++;
		for (n = 0; *p != '\0' && (isalnum(*p) || *p >= 0x80); p++)
			if (n + 1 < sizeof(w))
				w[n++] = (char)tolower(*p);
		w[n] = '\0';
		if (n < 2 || is_stop(stop, w))
			continue;
		for (dup = 0, i = 0; i < k; i++)
			dup |= strcmp(out[i], w) == 0;
		if (!dup)
			snprintf(out[k++], sizeof(out[0]), "%s", w);
	}
	return k;
}

static double
cover(struct va_store *st, int64_t rowid, char t[][48], int nt)
{
	struct va_stmt *s;
	char q[64];
	int i, hit = 0;

	s = va_store_prepare(st, "SELECT 1 FROM kb_passages"
	    " WHERE kb_passages MATCH ? AND rowid = ?");
	if (s == NULL)
		return 0;
	for (i = 0; i < nt; i++) {
		snprintf(q, sizeof(q), "\"%.47s\"", t[i]);
		va_stmt_bind_text(s, 1, q);
		va_stmt_bind_int(s, 2, rowid);
		if (va_stmt_step(s) == 1)
			hit++;
		va_stmt_reset(s);
	}
	va_stmt_finalize(s);
	return nt > 0 ? (double)hit / nt : 0;
}

int
va_kb_query(struct va_store *st, const char *text, const json_t *stop,
    struct va_kb_hit *hits, int max)
{
	char t[KB_MAXTERMS][48], q[KB_MAXTERMS * 56];
	struct va_stmt *s;
	int64_t rowid[64];
	int nt, i, n = 0, rc = 0;

	memset(hits, 0, sizeof(*hits) * (size_t)max);
	if (max > 64)
		max = 64;
	if ((nt = terms(text, stop, t, KB_MAXTERMS)) == 0)
		return 0;
	q[0] = '\0';
	for (i = 0; i < nt; i++) {
		strcat(q, i ? " OR \"" : "\"");
		strcat(q, t[i]);
		strcat(q, "\"");
	}
	s = va_store_prepare(st, "SELECT rowid, doc, title, body,"
	    " -bm25(kb_passages, 0.0, 0.0, 2.0, 1.0) FROM kb_passages"
	    " WHERE kb_passages MATCH ?"
	    " ORDER BY bm25(kb_passages, 0.0, 0.0, 2.0, 1.0), rowid LIMIT ?");
	if (s == NULL)
		return -1;
	va_stmt_bind_text(s, 1, q);
	va_stmt_bind_int(s, 2, max);
	while (n < max && (rc = va_stmt_step(s)) == 1) {
		rowid[n] = va_stmt_int(s, 0);
		hits[n].doc = strdup(va_stmt_text(s, 1));
		hits[n].title = strdup(va_stmt_text(s, 2));
		hits[n].text = strdup(va_stmt_text(s, 3));
		/* sqlite gives a double; only the store may include it. */
		hits[n].score = atof(va_stmt_text(s, 4));
		n++;
	}
	va_stmt_finalize(s);
	if (rc == -1) {
		for (i = 0; i < n; i++)
			va_kb_hit_free(&hits[i]);
		return -1;
	}
	for (i = 0; i < n; i++)
		hits[i].cover = cover(st, rowid[i], t, nt);
	return n;
}

int
va_kb_answers(const struct va_kb_hit *h, double min_score, double min_cover)
{
	return h->text != NULL && h->score >= min_score &&
	    h->cover >= min_cover;
}

void
va_kb_hit_free(struct va_kb_hit *h)
{
	free(h->doc);
	free(h->title);
	free(h->text);
	memset(h, 0, sizeof(*h));
}
