/*
 * kb.h - the knowledge base: Markdown documents split into passages and
 * searched with sqlite FTS5 (bm25), in the shared store.
 *
 * A folder of *.md files is indexed passage by passage: a document's
 * "# Title" names it, each "## Heading" opens a section, and a section's
 * paragraphs (lists joined to the paragraph before them) become passages
 * of plain text, markup removed. A question is reduced to its words minus
 * the stop words given; a passage answers it when its score (-bm25 over the
 * section heading, weight 2, and the passage, weight 1) reaches min_score
 * AND it holds at least min_cover of the question's words. Below that
 * there is no answer: the caller is told so, never given a guess.
 *
 * Tables (component "kb"): kb_passages (FTS5: doc, title, heading, body),
 * kb_meta(dir, sig, at). Functions return -1 on a store error (logged).
 * Ownership: strings in a va_kb_hit are new; va_kb_hit_free() them.
 */
#ifndef VA_KB_H
#define VA_KB_H

#include <jansson.h>

#include "store.h"

struct va_kb_hit {
	char	*doc;		/* file name, e.g. "returns.md" */
	char	*title;		/* "Returns policy: Refunds" */
	char	*text;		/* the passage, plain text */
	double	score;		/* -bm25: higher is better */
	double	cover;		/* share of the question's words it holds */
};

/* Create or migrate the tables; 0 or -1. */
int	va_kb_init(struct va_store *);
/*
 * Replace the index with the passages of DIR's *.md files (in name
 * order, one transaction); the number of passages, or -1 (logged:
 * "kb_read" for a folder or file that cannot be read).
 */
int	va_kb_index(struct va_store *, const char *dir);
/*
 * Index DIR unless the index already holds it unchanged (same names,
 * sizes and modification times): 1 indexed, 0 up to date, -1.
 */
int	va_kb_sync(struct va_store *, const char *dir);
/*
 * The best passages for text, best first, at most max into hits; stop is
 * an array of stop words (may be NULL). The number found, or -1.
 */
int	va_kb_query(struct va_store *, const char *text, const json_t *stop,
	    struct va_kb_hit *hits, int max);
/*
 * Does hit answer the question? Non-zero when score >= min_score and
 * cover >= min_cover.
 */
int	va_kb_answers(const struct va_kb_hit *, double min_score,
	    double min_cover);
void	va_kb_hit_free(struct va_kb_hit *);

#endif
