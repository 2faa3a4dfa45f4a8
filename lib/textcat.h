/*
 * textcat.h - a linear text classifier over TF-IDF n-gram features: the
 * model the intent classifier loads, scores with and saves.
 *
 * A text's features (ngram.h) that are in the model's vocabulary are
 * weighted by (1 + ln count) * idf and L2-normalised per block (words,
 * characters); each class scores bias + w . x, and the scores become
 * confidences by a softmax with the model's scale. Training lives in
 * learn.h; this module needs no outside library, so loading and scoring
 * are cheap to link anywhere.
 *
 * The file format is documented in va-intent-model(5): a fixed header,
 * the labels, then the feature keys, idf values and weights as arrays of
 * little-endian numbers, read with one fread each.
 *
 * Ownership: a model owns all its arrays; va_textcat_free() frees them.
 */
#ifndef VA_TEXTCAT_H
#define VA_TEXTCAT_H

#include <stddef.h>
#include <stdint.h>

#include "ngram.h"

#define VA_TEXTCAT_MAGIC	"VAINTENT"
/*
 * The version written. Version 1 files (feature flags 1, 2 and 4 only)
 * still load; version 2 adds flag 8 (VA_FEAT_EXPAND), so a reader that
 * knows only version 1 refuses a model it would score wrongly.
 */
#define VA_TEXTCAT_VERSION	2

struct va_textcat {
	struct va_feat_opts fo;
	int	nclass;
	char	**labels;	/* nclass names */
	uint32_t nfeat;
	uint64_t *keys;		/* nfeat, ascending */
	float	*idf;		/* nfeat */
	float	*w;		/* nfeat * nclass, row per feature */
	float	*bias;		/* nclass */
	float	scale;		/* softmax scale for confidences */
	float	threshold;	/* suggested out-of-scope threshold */
	struct va_vocab vocab;	/* key -> feature id */
};

/* A scratch area for scoring; reuse it across texts, free when done. */
struct va_textcat_work {
	struct va_fvec fv;
	uint32_t *id;
	float	*val;
	size_t	cap;
};

/*
 * Load a model; NULL after logging diag "model_open", "model_format" or
 * "out_of_memory".
 */
struct va_textcat *va_textcat_load(const char *path);
/* Write a model (atomically, via a temporary file); 0 or -1 (logged). */
int	va_textcat_save(const struct va_textcat *, const char *path);
/* Build the key -> id index of a model whose keys are set; 0 or -1. */
int	va_textcat_index(struct va_textcat *);
void	va_textcat_free(struct va_textcat *);

/*
 * Raw scores of text for every class into scores (nclass); returns the
 * number of known features used, or -1 when out of memory.
 */
long	va_textcat_scores(const struct va_textcat *, struct va_textcat_work *,
	    const char *text, float *scores);
/* Softmax of scores (in place) with the model's scale. */
void	va_textcat_softmax(const struct va_textcat *, float *scores);
/* Index of the class named label, or -1. */
int	va_textcat_label(const struct va_textcat *, const char *label);
void	va_textcat_work_free(struct va_textcat_work *);

#endif
