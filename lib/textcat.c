/*
 * textcat.c - TF-IDF linear text classifier: load, save, score (see
 * textcat.h and va-intent-model(5)).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "textcat.h"

#define HEADER_WORDS	16
#define ENDIAN_MARK	0x01020304u

/* The feature flags each version may use. */
static const uint32_t max_flags[VA_TEXTCAT_VERSION + 1] = { 0,
	VA_FEAT_STEM | VA_FEAT_STOP | VA_FEAT_CHARWB,
	VA_FEAT_STEM | VA_FEAT_STOP | VA_FEAT_CHARWB | VA_FEAT_EXPAND };

/*
 * Header after the magic, all uint32 except the two floats: version,
 * endian mark, nclass, nfeat, word_min, word_max, char_min, char_max,
 * pair_window, scale (float), threshold (float), labels_bytes, block
 * weights (4 floats).
 */

void
va_textcat_free(struct va_textcat *m)
{
	int i;

	if (m == NULL)
		return;
	if (m->labels != NULL)
		for (i = 0; i < m->nclass; i++)
			free(m->labels[i]);
	free(m->labels);
	free(m->keys);
	free(m->idf);
	free(m->w);
	free(m->bias);
	va_vocab_free(&m->vocab);
	free(m);
}

int
va_textcat_index(struct va_textcat *m)
{
	uint32_t i;

	va_vocab_free(&m->vocab);
	if (va_vocab_init(&m->vocab, m->nfeat) == -1)
		return -1;
	for (i = 0; i < m->nfeat; i++)
		if (va_vocab_add(&m->vocab, m->keys[i]) != (long)i)
			return -1;
	return 0;
}

static int
read_all(FILE *fp, void *p, size_t size, size_t n)
{
	return n == 0 || fread(p, size, n, fp) == n ? 0 : -1;
}

struct va_textcat *
va_textcat_load(const char *path)
{
	struct va_textcat *m;
	FILE *fp;
	char magic[8], *lab = NULL, *p;
	uint32_t h[HEADER_WORDS];
	float f;
	size_t nw;
	int i;

	if ((fp = fopen(path, "rb")) == NULL) {
		va_log(VA_ERROR, "model_open", "%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL)
		goto nomem;
	if (fread(magic, 1, 8, fp) != 8 ||
	    memcmp(magic, VA_TEXTCAT_MAGIC, 8) != 0 ||
	    fread(h, sizeof(uint32_t), HEADER_WORDS, fp) != HEADER_WORDS)
		goto bad;
	if (h[1] == ENDIAN_MARK && (h[0] < 1 || h[0] > VA_TEXTCAT_VERSION ||
	    ((h[8] >> 16) & ~max_flags[h[0]]) != 0)) {
		va_log(VA_ERROR, "model_format", "%s: model version %u "
		    "(feature flags %u) is not one this va-intent reads "
		    "(versions 1 to %d); retrain it", path, h[0], h[8] >> 16,
		    VA_TEXTCAT_VERSION);
		fclose(fp);
		va_textcat_free(m);
		return NULL;
	}
	if (h[1] != ENDIAN_MARK || h[2] < 1 || h[2] > 4096 ||
	    h[3] > (1u << 28) || h[11] > (1u << 20))
		goto bad;
	m->nclass = (int)h[2];
	m->nfeat = h[3];
	m->fo.word_min = (int)h[4];
	m->fo.word_max = (int)h[5];
	m->fo.char_min = (int)h[6];
	m->fo.char_max = (int)h[7];
	m->fo.pair_window = (int)(h[8] & 0xffff);
	m->fo.flags = (int)(h[8] >> 16);
	memcpy(m->fo.weight, &h[12], sizeof(m->fo.weight));
	memcpy(&f, &h[9], sizeof(f));
	m->scale = f;
	memcpy(&f, &h[10], sizeof(f));
	m->threshold = f;
	if (m->fo.word_max > 8 || m->fo.char_max > 16 ||
	    m->fo.pair_window > 64)
		goto bad;
	nw = (size_t)m->nfeat * (size_t)m->nclass;
	if ((lab = malloc(h[11] + 1)) == NULL ||
	    (m->labels = calloc((size_t)m->nclass, sizeof(char *))) == NULL ||
	    (m->keys = malloc(m->nfeat * sizeof(uint64_t) + 1)) == NULL ||
	    (m->idf = malloc(m->nfeat * sizeof(float) + 1)) == NULL ||
	    (m->w = malloc(nw * sizeof(float) + 1)) == NULL ||
	    (m->bias = malloc((size_t)m->nclass * sizeof(float))) == NULL)
		goto nomem;
	if (read_all(fp, lab, 1, h[11]) == -1)
		goto bad;
	lab[h[11]] = '\0';
	for (i = 0, p = lab; i < m->nclass; i++) {
		if (p >= lab + h[11] || *p == '\0')
			goto bad;
		if ((m->labels[i] = strdup(p)) == NULL)
			goto nomem;
		p += strlen(p) + 1;
	}
	if (read_all(fp, m->keys, sizeof(uint64_t), m->nfeat) == -1 ||
	    read_all(fp, m->idf, sizeof(float), m->nfeat) == -1 ||
	    read_all(fp, m->w, sizeof(float), nw) == -1 ||
	    read_all(fp, m->bias, sizeof(float), (size_t)m->nclass) == -1 ||
	    fgetc(fp) != EOF)
		goto bad;
	free(lab);
	fclose(fp);
	if (va_textcat_index(m) == -1) {
		va_log(VA_ERROR, "model_format", "%s: duplicate feature keys",
		    path);
		va_textcat_free(m);
		return NULL;
	}
	return m;
bad:
	va_log(VA_ERROR, "model_format", "%s: not a va-intent model "
	    "(versions 1 to %d) or truncated", path, VA_TEXTCAT_VERSION);
	free(lab);
	fclose(fp);
	va_textcat_free(m);
	return NULL;
nomem:
	va_log(VA_ERROR, "out_of_memory", "%s: out of memory", path);
	free(lab);
	fclose(fp);
	va_textcat_free(m);
	return NULL;
}

int
va_textcat_save(const struct va_textcat *m, const char *path)
{
	uint32_t h[HEADER_WORDS];
	char *tmp;
	size_t lb = 0, nw;
	FILE *fp;
	int i, err;

	for (i = 0; i < m->nclass; i++)
		lb += strlen(m->labels[i]) + 1;
	/* Version 1 when its readers can score the model right. */
	h[0] = ((uint32_t)m->fo.flags & ~max_flags[1]) == 0 ? 1 :
	    VA_TEXTCAT_VERSION;
	h[1] = ENDIAN_MARK;
	h[2] = (uint32_t)m->nclass;
	h[3] = m->nfeat;
	h[4] = (uint32_t)m->fo.word_min;
	h[5] = (uint32_t)m->fo.word_max;
	h[6] = (uint32_t)m->fo.char_min;
	h[7] = (uint32_t)m->fo.char_max;
	h[8] = (uint32_t)m->fo.pair_window | (uint32_t)m->fo.flags << 16;
	memcpy(&h[9], &m->scale, sizeof(float));
	memcpy(&h[10], &m->threshold, sizeof(float));
	h[11] = (uint32_t)lb;
	memcpy(&h[12], m->fo.weight, sizeof(m->fo.weight));
	nw = (size_t)m->nfeat * (size_t)m->nclass;
	if ((tmp = malloc(strlen(path) + 8)) == NULL)
		return -1;
	sprintf(tmp, "%s.tmp", path);
	if ((fp = fopen(tmp, "wb")) == NULL) {
		va_log(VA_ERROR, "model_write", "%s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	fwrite(VA_TEXTCAT_MAGIC, 1, 8, fp);
	fwrite(h, sizeof(uint32_t), HEADER_WORDS, fp);
	for (i = 0; i < m->nclass; i++)
		fwrite(m->labels[i], 1, strlen(m->labels[i]) + 1, fp);
	fwrite(m->keys, sizeof(uint64_t), m->nfeat, fp);
	fwrite(m->idf, sizeof(float), m->nfeat, fp);
	fwrite(m->w, sizeof(float), nw, fp);
	fwrite(m->bias, sizeof(float), (size_t)m->nclass, fp);
	err = ferror(fp);
	if (fclose(fp) != 0 || err || rename(tmp, path) != 0) {
		va_log(VA_ERROR, "model_write", "%s: %s", path,
		    strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

static int
work_grow(struct va_textcat_work *wk, size_t n)
{
	uint32_t *id;
	float *val;

	if (n <= wk->cap)
		return 0;
	if ((id = realloc(wk->id, n * sizeof(*id))) == NULL)
		return -1;
	wk->id = id;
	if ((val = realloc(wk->val, n * sizeof(*val))) == NULL)
		return -1;
	wk->val = val;
	wk->cap = n;
	return 0;
}

long
va_textcat_scores(const struct va_textcat *m, struct va_textcat_work *wk,
    const char *text, float *scores)
{
	double norm[VA_FEAT_BLOCKS] = { 0 };
	size_t i, n = 0;
	long id;
	float v, *row;
	int k, b;

	for (k = 0; k < m->nclass; k++)
		scores[k] = m->bias[k];
	if (va_feat_extract(&m->fo, text, &wk->fv) == -1 ||
	    work_grow(wk, wk->fv.n) == -1)
		return -1;
	for (i = 0; i < wk->fv.n; i++) {
		if ((id = va_vocab_find(&m->vocab, wk->fv.v[i].key)) < 0)
			continue;
		v = (1.0f + logf((float)wk->fv.v[i].count)) * m->idf[id];
		wk->id[n] = (uint32_t)id;
		wk->val[n++] = v;
		norm[VA_FEAT_BLOCK(wk->fv.v[i].key)] +=
		    (double)v * v;
	}
	for (b = 0; b < VA_FEAT_BLOCKS; b++)
		norm[b] = norm[b] > 0 ? m->fo.weight[b] / sqrt(norm[b]) : 0;
	for (i = 0; i < n; i++) {
		b = VA_FEAT_BLOCK(m->keys[wk->id[i]]);
		v = wk->val[i] * (float)norm[b];
		row = m->w + (size_t)wk->id[i] * (size_t)m->nclass;
		for (k = 0; k < m->nclass; k++)
			scores[k] += v * row[k];
	}
	return (long)n;
}

void
va_textcat_softmax(const struct va_textcat *m, float *s)
{
	float max = s[0], sum = 0;
	int k;

	for (k = 1; k < m->nclass; k++)
		if (s[k] > max)
			max = s[k];
	for (k = 0; k < m->nclass; k++)
		sum += s[k] = expf((s[k] - max) * m->scale);
	for (k = 0; k < m->nclass; k++)
		s[k] /= sum;
}

int
va_textcat_label(const struct va_textcat *m, const char *label)
{
	int k;

	for (k = 0; k < m->nclass; k++)
		if (strcmp(m->labels[k], label) == 0)
			return k;
	return -1;
}

void
va_textcat_work_free(struct va_textcat_work *wk)
{
	va_fvec_free(&wk->fv);
	free(wk->id);
	free(wk->val);
	memset(wk, 0, sizeof(*wk));
}
