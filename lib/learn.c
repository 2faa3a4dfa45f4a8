/*
 * learn.c - training the TF-IDF text classifier with liblinear (see
 * learn.h).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linear.h>

#include "learn.h"
#include "log.h"

struct doc {
	struct va_fkey *f;
	size_t	n;
};

struct dfent {
	uint64_t key;
	uint32_t df;
};

static void
quiet(const char *s)
{
	va_log(VA_DEBUG, "liblinear", "%s", s);
}

static int
cmp_dfent(const void *a, const void *b)
{
	uint64_t x = ((const struct dfent *)a)->key;
	uint64_t y = ((const struct dfent *)b)->key;

	return x < y ? -1 : x > y;
}

/* Features of every text, and the document frequency of each key. */
static int
collect(const struct va_train_opts *o, char *const *texts, size_t n,
    struct doc *docs, struct va_vocab *voc, struct dfent **dfp)
{
	struct va_fvec fv = { 0 };
	struct dfent *df = NULL, *ndf;
	size_t i, j, cap = 0, before;
	long id;

	for (i = 0; i < n; i++) {
		if (va_feat_extract(&o->fo, texts[i], &fv) == -1)
			goto fail;
		docs[i].n = fv.n;
		if ((docs[i].f = malloc((fv.n + 1) * sizeof(*fv.v))) == NULL)
			goto fail;
		if (fv.n > 0)
			memcpy(docs[i].f, fv.v, fv.n * sizeof(*fv.v));
		for (j = 0; j < fv.n; j++) {
			before = voc->n;
			if ((id = va_vocab_add(voc, fv.v[j].key)) < 0)
				goto fail;
			if (voc->n > before) {
				if (voc->n > cap) {
					cap = cap ? cap * 2 : 65536;
					if ((ndf = realloc(df, cap *
					    sizeof(*ndf))) == NULL)
						goto fail;
					df = ndf;
				}
				df[id].key = fv.v[j].key;
				df[id].df = 0;
			}
			df[id].df++;
		}
	}
	va_fvec_free(&fv);
	*dfp = df;
	return 0;
fail:
	va_fvec_free(&fv);
	free(df);
	return -1;
}

/* The weighted, normalised row of one document, as liblinear wants it. */
static struct feature_node *
doc_row(const struct va_textcat *m, const struct doc *d, int bias_index)
{
	struct feature_node *x;
	double norm[VA_FEAT_BLOCKS] = { 0 };
	size_t i, k = 0;
	long id;
	double v;
	int b;

	if ((x = malloc((d->n + 2) * sizeof(*x))) == NULL)
		return NULL;
	for (i = 0; i < d->n; i++) {
		if ((id = va_vocab_find(&m->vocab, d->f[i].key)) < 0)
			continue;
		v = (1.0 + log((double)d->f[i].count)) * m->idf[id];
		x[k].index = (int)id + 1;
		x[k++].value = v;
		norm[VA_FEAT_BLOCK(d->f[i].key)] += v * v;
	}
	for (b = 0; b < VA_FEAT_BLOCKS; b++)
		norm[b] = norm[b] > 0 ? m->fo.weight[b] / sqrt(norm[b]) : 0;
	for (i = 0; i < k; i++) {
		b = VA_FEAT_BLOCK(m->keys[x[i].index - 1]);
		x[i].value *= norm[b];
	}
	x[k].index = bias_index;
	x[k++].value = 1;
	x[k].index = -1;
	x[k].value = 0;
	return x;
}

static struct va_textcat *
new_model(const struct va_train_opts *o, char *const *labels, int nclass)
{
	struct va_textcat *m;
	int i;

	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->labels = calloc((size_t)nclass, sizeof(char *))) == NULL) {
		free(m);
		return NULL;
	}
	m->nclass = nclass;
	for (i = 0; i < nclass; i++)
		if ((m->labels[i] = strdup(labels[i])) == NULL) {
			va_textcat_free(m);
			return NULL;
		}
	m->fo = o->fo;
	m->scale = o->scale;
	m->threshold = o->threshold;
	return m;
}

/* Keep keys seen in min_df documents, sorted; set idf. */
static int
vocabulary(struct va_textcat *m, const struct va_train_opts *o,
    struct dfent *df, size_t nkeys, size_t ndocs)
{
	size_t i, k = 0;

	qsort(df, nkeys, sizeof(*df), cmp_dfent);
	if ((m->keys = malloc((nkeys + 1) * sizeof(*m->keys))) == NULL ||
	    (m->idf = malloc((nkeys + 1) * sizeof(*m->idf))) == NULL)
		return -1;
	for (i = 0; i < nkeys; i++) {
		if (df[i].df < (uint32_t)o->min_df)
			continue;
		m->keys[k] = df[i].key;
		m->idf[k++] = (float)(log((1.0 + (double)ndocs) /
		    (1.0 + df[i].df)) + 1.0);
	}
	m->nfeat = (uint32_t)k;
	return va_textcat_index(m);
}

/* Copy liblinear's weights into the model, class by class. */
static int
copy_weights(struct va_textcat *m, const struct model *lm)
{
	int *lab, i, k, nc = get_nr_class(lm);
	uint32_t j;

	if ((lab = malloc((size_t)nc * sizeof(*lab))) == NULL ||
	    (m->w = calloc((size_t)m->nfeat * (size_t)m->nclass + 1,
	    sizeof(float))) == NULL ||
	    (m->bias = malloc((size_t)m->nclass * sizeof(float))) == NULL) {
		free(lab);
		return -1;
	}
	/* A class without training texts never wins. */
	for (k = 0; k < m->nclass; k++)
		m->bias[k] = -10;
	get_labels(lm, lab);
	for (i = 0; i < nc; i++) {
		k = lab[i];
		if (k < 0 || k >= m->nclass)
			continue;
		for (j = 0; j < m->nfeat; j++)
			m->w[(size_t)j * (size_t)m->nclass + (size_t)k] =
			    (float)get_decfun_coef(lm, (int)j + 1, i);
		m->bias[k] = (float)get_decfun_coef(lm, (int)m->nfeat + 1, i);
	}
	free(lab);
	return 0;
}

/* Each class weighs n / (nclass * count), as scikit-learn's "balanced". */
static int
set_class_weights(struct parameter *par, const int *y, size_t n, int nclass)
{
	size_t i;
	int k, nw = 0;
	long *count;

	if ((count = calloc((size_t)nclass, sizeof(*count))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		count[y[i]]++;
	par->weight_label = malloc((size_t)nclass * sizeof(int));
	par->weight = malloc((size_t)nclass * sizeof(double));
	if (par->weight_label == NULL || par->weight == NULL) {
		free(count);
		return -1;
	}
	for (k = 0; k < nclass; k++) {
		if (count[k] == 0)
			continue;
		par->weight_label[nw] = k;
		par->weight[nw++] = (double)n / ((double)nclass *
		    (double)count[k]);
	}
	par->nr_weight = nw;
	free(count);
	return 0;
}

struct va_textcat *
va_learn_train(const struct va_train_opts *o, char *const *texts,
    const int *y, size_t n, char *const *labels, int nclass)
{
	struct va_textcat *m = NULL;
	struct va_vocab voc = { 0 };
	struct dfent *df = NULL;
	struct doc *docs;
	struct problem prob;
	struct parameter par;
	struct model *lm = NULL;
	const char *why;
	size_t i;

	memset(&prob, 0, sizeof(prob));
	memset(&par, 0, sizeof(par));
	if (n == 0 || nclass < 1) {
		va_log(VA_ERROR, "train_error", "nothing to train on");
		return NULL;
	}
	if ((docs = calloc(n, sizeof(*docs))) == NULL)
		goto nomem;
	if (collect(o, texts, n, docs, &voc, &df) == -1)
		goto nomem;
	if ((m = new_model(o, labels, nclass)) == NULL ||
	    vocabulary(m, o, df, voc.n, n) == -1)
		goto nomem;
	va_vocab_free(&voc);
	free(df);
	df = NULL;

	prob.l = (int)n;
	prob.n = (int)m->nfeat + 1;
	prob.bias = 1;
	if ((prob.y = malloc(n * sizeof(double))) == NULL ||
	    (prob.x = calloc(n, sizeof(*prob.x))) == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		prob.y[i] = y[i];
		if ((prob.x[i] = doc_row(m, &docs[i], prob.n)) == NULL)
			goto nomem;
		free(docs[i].f);
		docs[i].f = NULL;
	}
	if (o->balanced && set_class_weights(&par, y, n, nclass) == -1)
		goto nomem;
	par.solver_type = o->solver;
	par.C = o->C > 0 ? o->C : 1;
	par.p = 0.1;
	par.eps = o->eps > 0 ? o->eps : (o->solver == 0 || o->solver == 2 ||
	    o->solver == 5 || o->solver == 6) ? 0.01 : 0.1;
	if ((why = check_parameter(&prob, &par)) != NULL) {
		va_log(VA_ERROR, "train_error", "liblinear: %s", why);
		goto fail;
	}
	set_print_string_function(quiet);
	if ((lm = train(&prob, &par)) == NULL) {
		va_log(VA_ERROR, "train_error", "liblinear failed");
		goto fail;
	}
	if (copy_weights(m, lm) == -1)
		goto nomem;
	free_and_destroy_model(&lm);
	goto done;
nomem:
	va_log(VA_ERROR, "out_of_memory", "out of memory while training");
fail:
	if (lm != NULL)
		free_and_destroy_model(&lm);
	va_textcat_free(m);
	m = NULL;
done:
	va_vocab_free(&voc);
	free(df);
	if (docs != NULL)
		for (i = 0; i < n; i++)
			free(docs[i].f);
	free(docs);
	if (prob.x != NULL)
		for (i = 0; i < n; i++)
			free(prob.x[i]);
	free(prob.x);
	free(prob.y);
	free(par.weight_label);
	free(par.weight);
	return m;
}
