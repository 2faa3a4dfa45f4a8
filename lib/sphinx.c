/*
 * sphinx.c - the embedded recognizer over pocketsphinx (see sphinx.h).
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pocketsphinx.h>
#include <sphinxbase/err.h>
#include <sphinxbase/feat.h>

#include "asr.h"
#include "log.h"
#include "sphinx.h"

#define MAXSEARCH	16

struct va_sphinx {
	ps_decoder_t *ps;
	cmd_ln_t *config;
	int	rate;
	char	*names[MAXSEARCH];
	int	nnames;
	char	*active;
};

static void	on_log(void *, err_lvl_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* Pocketsphinx logs in pieces; each piece becomes one diagnostic. */
static void
on_log(void *arg, err_lvl_t lvl, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = strlen(msg);
	while (n > 0 && isspace((unsigned char)msg[n - 1]))
		msg[--n] = '\0';
	if (n == 0)
		return;
	if (lvl >= ERR_ERROR)
		va_log(VA_WARN, "sphinx", "pocketsphinx: %s", msg);
	else
		va_log(VA_DEBUG, "sphinx", "pocketsphinx: %s", msg);
}

struct va_sphinx *
va_sphinx_new(const char *hmm, const char *dict, const char *const *extra)
{
	struct va_sphinx *sp;
	const char *args[64];
	char *argv[64];
	int argc = 0, i;

	/* No log file: ps_init() would print its whole configuration. */
	err_set_logfp(NULL);
	err_set_callback(on_log, NULL);
	if ((sp = calloc(1, sizeof(*sp))) == NULL)
		return NULL;
	args[argc++] = "-hmm";
	args[argc++] = hmm;
	args[argc++] = "-dict";
	args[argc++] = dict;
	for (i = 0; extra != NULL && extra[i] != NULL && extra[i + 1] != NULL &&
	    argc < 62; i += 2) {
		args[argc++] = extra[i];
		args[argc++] = extra[i + 1];
	}
	/* cmd_ln_parse_r wants writable strings. */
	for (i = 0; i < argc; i++)
		if ((argv[i] = strdup(args[i])) == NULL)
			break;
	sp->config = i == argc ? cmd_ln_parse_r(NULL, ps_args(), argc, argv,
	    FALSE) : NULL;
	while (i-- > 0)
		free(argv[i]);
	if (sp->config == NULL) {
		va_log(VA_ERROR, "sphinx_init", "bad pocketsphinx options");
		free(sp);
		return NULL;
	}
	if ((sp->ps = ps_init(sp->config)) == NULL) {
		va_log(VA_ERROR, "sphinx_init", "cannot load the model %s "
		    "with the dictionary %s", hmm, dict);
		cmd_ln_free_r(sp->config);
		free(sp);
		return NULL;
	}
	sp->rate = (int)cmd_ln_float32_r(sp->config, "-samprate");
	return sp;
}

void
va_sphinx_free(struct va_sphinx *sp)
{
	int i;

	if (sp == NULL)
		return;
	ps_free(sp->ps);
	cmd_ln_free_r(sp->config);
	for (i = 0; i < sp->nnames; i++)
		free(sp->names[i]);
	free(sp);
}

/*
 * Whether the file is a whole transform for the model's feature streams:
 * classes, streams, then per stream its length n and, per class, an n x n
 * matrix and two vectors of n. pocketsphinx itself reads what it can of a
 * file and trusts the sizes it finds.
 */
static int
mllr_fits(struct va_sphinx *sp, FILE *fp)
{
	feat_t *feat = ps_get_feat(sp->ps);
	long nclass, nfeat, len, f, need;
	double x;
	char c;

	if (fscanf(fp, "%ld %ld", &nclass, &nfeat) != 2 || nclass < 1 ||
	    nclass > 256 || nfeat != feat_dimension1(feat))
		return 0;
	for (f = 0; f < nfeat; f++) {
		if (fscanf(fp, "%ld", &len) != 1 ||
		    len != feat_dimension2(feat, f))
			return 0;
		for (need = nclass * len * (len + 2); need > 0; need--)
			if (fscanf(fp, "%lf", &x) != 1 || !isfinite(x))
				return 0;
	}
	return fscanf(fp, " %c", &c) == EOF;
}

int
va_sphinx_set_mllr(struct va_sphinx *sp, const char *path)
{
	ps_mllr_t *mllr;
	FILE *fp;
	int fits;

	if ((fp = fopen(path, "r")) == NULL) {
		va_log(VA_ERROR, "sphinx_init", "%s: cannot open the "
		    "transform", path);
		return -1;
	}
	fits = mllr_fits(sp, fp);
	fclose(fp);
	if (!fits) {
		va_log(VA_ERROR, "sphinx_init", "%s: not an MLLR transform "
		    "for this acoustic model", path);
		return -1;
	}
	if ((mllr = ps_mllr_read(path)) == NULL ||
	    ps_update_mllr(sp->ps, mllr) == NULL) {
		va_log(VA_ERROR, "sphinx_init", "%s: cannot apply the "
		    "transform", path);
		return -1;
	}
	return 0;
}

static int
remember(struct va_sphinx *sp, const char *name)
{
	if (va_sphinx_has(sp, name))
		return 0;
	if (sp->nnames == MAXSEARCH ||
	    (sp->names[sp->nnames] = strdup(name)) == NULL) {
		va_log(VA_ERROR, "sphinx_init", "too many searches");
		return -1;
	}
	sp->nnames++;
	return 0;
}

int
va_sphinx_add_lm(struct va_sphinx *sp, const char *name, const char *path)
{
	if (ps_set_lm_file(sp->ps, name, path) < 0) {
		va_log(VA_ERROR, "sphinx_init", "%s: cannot load the language "
		    "model", path);
		return -1;
	}
	return remember(sp, name);
}

int
va_sphinx_add_jsgf(struct va_sphinx *sp, const char *name, const char *path,
    double wip)
{
	double was = cmd_ln_float32_r(sp->config, "-wip");
	int rc;

	/* The search reads -wip from the decoder's configuration once. */
	if (wip > 0)
		cmd_ln_set_float32_r(sp->config, "-wip", wip);
	rc = ps_set_jsgf_file(sp->ps, name, path);
	cmd_ln_set_float32_r(sp->config, "-wip", was);
	if (rc < 0) {
		va_log(VA_ERROR, "sphinx_init", "%s: cannot load the grammar "
		    "(every word must be in the dictionary)", path);
		return -1;
	}
	return remember(sp, name);
}

int
va_sphinx_has(struct va_sphinx *sp, const char *name)
{
	int i;

	for (i = 0; i < sp->nnames; i++)
		if (strcmp(sp->names[i], name) == 0)
			return 1;
	return 0;
}

int
va_sphinx_rate(const struct va_sphinx *sp)
{
	return sp->rate;
}

/*
 * Silences, fillers and sentence marks are not words of the caller, and
 * neither are hesitations: the grammars and the language model have "uh",
 * "um" and "er" to take a caller's hesitation (or a breath, or a click
 * before the first word) that would otherwise be forced into a word, and
 * they are dropped from the text.
 */
static int
is_filler(const char *w, size_t len)
{
	static const char *const hesitations[] = { "uh", "um", "er", "ah",
		"hmm", NULL };
	int i;

	if (w[0] == '<' || w[0] == '[' || w[0] == '+' || w[0] == '(' ||
	    w[0] == '\0')
		return 1;
	for (i = 0; hesitations[i] != NULL; i++)
		if (strlen(hesitations[i]) == len &&
		    strncmp(w, hesitations[i], len) == 0)
			return 1;
	return 0;
}

int
va_sphinx_decode(struct va_sphinx *sp, const char *search,
    const int16_t *pcm, size_t n, struct va_asr_result *res)
{
	logmath_t *lm;
	ps_seg_t *seg;
	const char *hyp, *w, *paren;
	int32 score, sf, ef;
	double conf, sum = 0;
	size_t len, i;

	va_asr_result_free(res);
	if (!va_sphinx_has(sp, search)) {
		va_log(VA_ERROR, "sphinx_decode", "no search named %s", search);
		return -1;
	}
	if (sp->active == NULL || strcmp(sp->active, search) != 0) {
		if (ps_set_search(sp->ps, search) < 0) {
			va_log(VA_ERROR, "sphinx_decode", "cannot switch to "
			    "%s", search);
			return -1;
		}
		for (i = 0; i < (size_t)sp->nnames; i++)
			if (strcmp(sp->names[i], search) == 0)
				sp->active = sp->names[i];
	}
	if (ps_start_utt(sp->ps) < 0 ||
	    ps_process_raw(sp->ps, pcm, n, FALSE, TRUE) < 0 ||
	    ps_end_utt(sp->ps) < 0) {
		va_log(VA_ERROR, "sphinx_decode", "decoding failed");
		return -1;
	}
	lm = ps_get_logmath(sp->ps);
	hyp = ps_get_hyp(sp->ps, &score);
	res->confidence = 0;
	if (hyp != NULL && hyp[0] != '\0') {
		/* Computes the word posteriors ps_seg_prob() reads. */
		(void)ps_get_prob(sp->ps);
		for (seg = ps_seg_iter(sp->ps); seg != NULL;
		    seg = ps_seg_next(seg)) {
			w = ps_seg_word(seg);
			/* "word(2)" is the second pronunciation of word. */
			len = (paren = strchr(w, '(')) != NULL && paren > w ?
			    (size_t)(paren - w) : strlen(w);
			if (is_filler(w, len))
				continue;
			ps_seg_frames(seg, &sf, &ef);
			conf = logmath_exp(lm, ps_seg_prob(seg, NULL, NULL,
			    NULL));
			if (va_asr_result_add(res, w, len, (int64_t)sf * 10,
			    ((int64_t)ef + 1) * 10, conf) < 0) {
				ps_seg_free(seg);
				va_log(VA_ERROR, "out_of_memory",
				    "out of memory");
				return -1;
			}
		}
	}
	/* The utterance is as sure as its words are on average. */
	for (i = 0; i < res->nwords; i++)
		sum += res->words[i].conf;
	if (res->nwords > 0)
		res->confidence = sum / (double)res->nwords;
	if (va_asr_result_join(res) < 0)
		return -1;
	return 0;
}
