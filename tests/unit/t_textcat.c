/*
 * t_textcat.c - the intent model: scoring, saving and loading, versions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "tap.h"
#include "textcat.h"

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Two classes: "card" knows the features of one text, "refund" another. */
static struct va_textcat *
toy(int flags)
{
	static char *labels[] = { "card", "refund" };
	static const char *texts[] = { "my card hasn't arrived",
		"I want my money back" };
	struct va_textcat *m = calloc(1, sizeof(*m));
	struct va_fvec fv = { 0 };
	size_t i, n = 0, k;
	int t;

	m->fo = (struct va_feat_opts){ 1, 2, 2, 4, 4, flags, { 1, 1, 1, 0 } };
	m->nclass = 2;
	m->labels = calloc(2, sizeof(char *));
	m->labels[0] = strdup(labels[0]);
	m->labels[1] = strdup(labels[1]);
	m->keys = malloc(1024 * sizeof(uint64_t));
	for (t = 0; t < 2; t++) {
		va_feat_extract(&m->fo, texts[t], &fv);
		for (i = 0; i < fv.n; i++)
			m->keys[n++] = fv.v[i].key;
	}
	qsort(m->keys, n, sizeof(uint64_t), cmp_u64);
	for (i = 0, k = 0; i < n; i++)
		if (k == 0 || m->keys[k - 1] != m->keys[i])
			m->keys[k++] = m->keys[i];
	m->nfeat = (uint32_t)k;
	m->idf = malloc(k * sizeof(float));
	m->w = calloc(k * 2, sizeof(float));
	m->bias = calloc(2, sizeof(float));
	for (i = 0; i < k; i++)
		m->idf[i] = 1;
	va_textcat_index(m);
	for (t = 0; t < 2; t++) {
		va_feat_extract(&m->fo, texts[t], &fv);
		for (i = 0; i < fv.n; i++)
			m->w[(size_t)va_vocab_find(&m->vocab, fv.v[i].key) * 2 +
			    (size_t)t] += 1;
	}
	m->scale = 8;
	m->threshold = 0.25f;
	va_fvec_free(&fv);
	return m;
}

static uint32_t
word_at(const char *path, long off)
{
	FILE *fp = fopen(path, "rb");
	uint32_t w = 0;

	if (fp != NULL) {
		fseek(fp, off, SEEK_SET);
		if (fread(&w, 4, 1, fp) != 1)
			w = 0;
		fclose(fp);
	}
	return w;
}

static void
set_word(const char *path, long off, uint32_t w)
{
	FILE *fp = fopen(path, "r+b");

	if (fp == NULL)
		return;
	fseek(fp, off, SEEK_SET);
	fwrite(&w, 4, 1, fp);
	fclose(fp);
}

int
main(void)
{
	/* A scratch folder under $TMPDIR: the model is saved and loaded by path. */
	const char *td = getenv("TMPDIR");
	char dir[4096], path[4200], tmp[4200];
	struct va_textcat *m, *l;
	struct va_textcat_work wk = { 0 };
	float s[2], p[2];
	FILE *fp;
	long n;

	/* The refusals below log model_format errors, as they should. */
	va_log_init("t_textcat");
	snprintf(dir, sizeof(dir), "%s/t_textcat.XXXXXX",
	    td != NULL && *td != '\0' ? td : "/tmp");
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! cannot make %s\n", dir);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/m", dir);

	m = toy(VA_FEAT_STEM | VA_FEAT_STOP | VA_FEAT_EXPAND);
	n = va_textcat_scores(m, &wk, "my card has not arrived", s);
	ok(n > 0, "known features used");
	ok(s[0] > s[1], "the card text scores card");
	va_textcat_scores(m, &wk, "money back please", p);
	ok(p[1] > p[0], "the refund text scores refund");
	va_textcat_softmax(m, p);
	ok(p[1] > 0.5f && p[0] + p[1] > 0.999f && p[0] + p[1] < 1.001f,
	    "softmax sums to 1");
	is_int(va_textcat_label(m, "refund"), 1, "label index");
	is_int(va_textcat_label(m, "oos"), -1, "unknown label");

	is_int(va_textcat_save(m, path), 0, "save");
	is_int(word_at(path, 8), 2, "flag 8 is written as version 2");
	ok((l = va_textcat_load(path)) != NULL, "load version 2");
	if (l != NULL) {
		is_int(l->fo.flags, m->fo.flags, "flags kept");
		is_int(l->nfeat, m->nfeat, "features kept");
		is_str(l->labels[1], "refund", "labels kept");
		va_textcat_scores(l, &wk, "my card has not arrived", p);
		ok(p[0] == s[0] && p[1] == s[1], "same scores after loading");
		va_textcat_free(l);
	}
	/* A reader of version 1 must not meet flag 8. */
	set_word(path, 8, 1);
	ok(va_textcat_load(path) == NULL, "version 1 with flag 8 refused");
	set_word(path, 8, 3);
	ok(va_textcat_load(path) == NULL, "a later version refused");
	va_textcat_free(m);

	m = toy(VA_FEAT_STEM | VA_FEAT_STOP);
	is_int(va_textcat_save(m, path), 0, "save without flag 8");
	is_int(word_at(path, 8), 1, "older flags are written as version 1");
	ok((l = va_textcat_load(path)) != NULL, "load version 1");
	va_textcat_free(l);
	set_word(path, 8, 2);
	ok((l = va_textcat_load(path)) != NULL, "version 2 without flag 8");
	va_textcat_free(l);

	/* Truncated: header only. */
	snprintf(tmp, sizeof(tmp), "%s/t", dir);
	if ((fp = fopen(tmp, "wb")) != NULL) {
		fwrite("VAINTENT", 1, 8, fp);
		fclose(fp);
	}
	ok(va_textcat_load(tmp) == NULL, "truncated model refused");
	ok(va_textcat_load("/nonexistent/m") == NULL, "missing model");
	va_textcat_free(m);
	va_textcat_work_free(&wk);
	unlink(path);
	unlink(tmp);
	rmdir(dir);
	return tap_done();
}
