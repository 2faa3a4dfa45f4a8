/*
 * va-intent - what the caller wants: intents, entities and redaction.
 *
 * As a filter it reads transcript events and, for each, writes the
 * transcript again with card numbers, security codes, social security and
 * bank account numbers redacted (the original never goes further down the
 * pipe), then an intent event answering it: the intent, a confidence,
 * ranked alternatives, the entities found (order and tracking numbers,
 * emails, phone numbers, money, dates) and what was redacted. Below the
 * threshold the intent is "oos". The classifier is a linear model over
 * TF-IDF word and character n-grams (lib/textcat.c); when it is unsure
 * and an LLM is configured, an OpenAI-compatible chat completions
 * endpoint is asked instead (lib/llm.c), and its answer, when it comes in
 * time, is used; when it does not, the local answer stands.
 *
 *	va-intent train -m MODEL DATA...	train a model from CSV/TSV
 *	va-intent eval -m MODEL TEST...		accuracy, macro-F1, OOS recall
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "conf.h"
#include "csv.h"
#include "datapath.h"
#include "entities.h"
#include "event.h"
#include "http.h"
#include "learn.h"
#include "llm.h"
#include "log.h"
#include "loop.h"
#include "out.h"
#include "redact.h"
#include "spoken.h"
#include "textcat.h"

#define MAXENT	32

static struct va_opt opts[] = {
	{ "model", 'm', VA_OPT_STR, NULL, "FILE",
	  "model file (default: the shipped intent/default.model)", 0, 0 },
	{ "threshold", 't', VA_OPT_STR, NULL, "P",
	  "confidence below which the intent is oos (default: the model's)",
	  0, 0 },
	{ "alternatives", 'a', VA_OPT_INT, "3", "N",
	  "alternatives listed after the best intent", 0, 20 },
	{ "text-column", 0, VA_OPT_STR, NULL, "NAME",
	  "train/eval: text column (default: text, else utterance)", 0, 0 },
	{ "label-column", 0, VA_OPT_STR, NULL, "NAME",
	  "train/eval: label column (default: label, intent, else category)",
	  0, 0 },
	{ "word-ngrams", 0, VA_OPT_STR, "1-2", "MIN-MAX",
	  "train: word n-gram sizes (0-0: none)", 0, 0 },
	{ "char-ngrams", 0, VA_OPT_STR, "2-5", "MIN-MAX",
	  "train: character n-gram sizes (0-0: none)", 0, 0 },
	{ "pair-window", 0, VA_OPT_INT, "16", "N",
	  "train: also unordered word pairs up to N words apart", 0, 64 },
	{ "block-weights", 0, VA_OPT_STR, "1,1,1", "W,C,P",
	  "train: weights of the word, character and word-pair blocks", 0, 0 },
	{ "balanced", 0, VA_OPT_BOOL, "1", NULL,
	  "train: weight each intent by the inverse of its frequency", 0, 0 },
	{ "stem", 0, VA_OPT_INT, "11", "FLAGS",
	  "train: 1 strips suffixes of words, 2 leaves function words out of pairs, 4 character n-grams within words, 8 expands contractions", 0, 15 },
	{ "min-df", 0, VA_OPT_INT, "1", "N",
	  "train: keep features seen in at least N texts", 1, 1000 },
	{ "solver", 0, VA_OPT_INT, "1", "N",
	  "train: liblinear solver (1 SVM one-vs-rest, 4 Crammer-Singer, "
	  "0 logistic)", 0, 7 },
	{ "cost", 'C', VA_OPT_STR, "0.3", "C",
	  "train: liblinear cost parameter C", 0, 0 },
	{ "scale", 0, VA_OPT_STR, "8", "S",
	  "train: softmax scale turning scores into confidences", 0, 0 },
	{ "default-threshold", 0, VA_OPT_STR, "0.2", "P",
	  "train: the OOS threshold stored in the model", 0, 0 },
	{ "llm-url", 0, VA_OPT_STR, NULL, "URL",
	  "OpenAI-compatible server asked when unsure, e.g. "
	  "http://127.0.0.1:8080 (default: none)", 0, 0 },
	{ "llm-model", 0, VA_OPT_STR, "default", "NAME",
	  "model name sent to the LLM server", 0, 0 },
	{ "llm-key", 0, VA_OPT_SECRET, NULL, NULL,
	  "LLM bearer key (environment or _FILE only)", 0, 0 },
	{ "llm-threshold", 0, VA_OPT_STR, "0.5", "P",
	  "ask the LLM when the local confidence is below P", 0, 0 },
	{ "llm-timeout-ms", 0, VA_OPT_INT, "2000", "MS",
	  "whole LLM exchange, retries included", 1, 60000 },
	{ "llm-tries", 0, VA_OPT_INT, "2", "N",
	  "LLM tries (429, 5xx and timeouts are retried)", 1, 5 },
	{ "sweep", 0, VA_OPT_BOOL, NULL, NULL,
	  "eval: also print in-scope accuracy and OOS recall per threshold",
	  0, 0 },
	{ NULL, 0, 0, NULL, NULL, NULL, 0, 0 }
};

static struct va_conf conf = {
	"va-intent", "[options] | train -m MODEL DATA... | eval TEST...",
	"Read transcript events; write each transcript redacted (card numbers,\n"
	"security codes, SSNs, bank accounts) followed by an intent event with\n"
	"the intent, confidence, alternatives and entities. \"train\" builds a\n"
	"model from labelled CSV or TSV files (header row); \"eval\" measures\n"
	"one on labelled test files.",
	opts, 0, 0
};

/* Labelled texts read from CSV/TSV files. */
struct rows {
	char	**text;
	char	**label;
	size_t	n;
	size_t	cap;
};

static double
num_opt(const char *name, double lo, double hi)
{
	const char *s = va_conf_str(&conf, name);
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= lo && v <= hi))
		va_die(64, "usage", "--%s: want a number in [%g, %g], not %s",
		    name, lo, hi, s);
	return v;
}

static void
range_opt(const char *name, int *lo, int *hi)
{
	const char *s = va_conf_str(&conf, name);

	if (sscanf(s, "%d-%d", lo, hi) != 2 || *lo < 0 || *hi < *lo ||
	    *hi > 8 || (*lo == 0 && *hi != 0))
		va_die(64, "usage", "--%s: want MIN-MAX (1..8), not %s",
		    name, s);
}

static int
pick_col(const struct va_csv *c, const char *opt, const char *const *names,
    const char *path)
{
	const char *want = va_conf_str(&conf, opt);
	int i, col;

	if (want != NULL) {
		if ((col = va_csv_col(c, want)) < 0)
			va_die(65, "no_column", "%s: no column %s", path, want);
		return col;
	}
	for (i = 0; names[i] != NULL; i++)
		if ((col = va_csv_col(c, names[i])) >= 0)
			return col;
	va_die(65, "no_column", "%s: no %s column (see --%s)", path, names[0],
	    opt);
}

static void
read_rows(struct rows *r, const char *path)
{
	static const char *const tnames[] = { "text", "utterance", NULL };
	static const char *const lnames[] = { "label", "intent", "category",
		NULL };
	struct va_csv c;
	int tc, lc, rc;
	void *p;

	if (va_csv_open(&c, path, 0) == -1)
		exit(66);
	tc = pick_col(&c, "text-column", tnames, path);
	lc = pick_col(&c, "label-column", lnames, path);
	while ((rc = va_csv_next(&c)) == 1) {
		if ((size_t)tc >= c.nf || (size_t)lc >= c.nf) {
			va_log(VA_WARN, "short_row", "%s: line %ld: too few "
			    "fields", path, c.line);
			continue;
		}
		if (r->n == r->cap) {
			r->cap = r->cap ? r->cap * 2 : 1024;
			if ((p = realloc(r->text, r->cap * sizeof(char *))) ==
			    NULL)
				va_die(71, "out_of_memory", "out of memory");
			r->text = p;
			if ((p = realloc(r->label, r->cap * sizeof(char *))) ==
			    NULL)
				va_die(71, "out_of_memory", "out of memory");
			r->label = p;
		}
		r->text[r->n] = strdup(c.f[tc]);
		r->label[r->n] = strdup(c.f[lc]);
		if (r->text[r->n] == NULL || r->label[r->n] == NULL)
			va_die(71, "out_of_memory", "out of memory");
		r->n++;
	}
	va_csv_close(&c);
	if (rc == -1)
		exit(65);
}

static void
rows_free(struct rows *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->text[i]);
		free(r->label[i]);
	}
	free(r->text);
	free(r->label);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
train_main(int argc, char **argv)
{
	struct va_train_opts o;
	struct va_textcat *m;
	struct rows r = { 0 };
	const char *out = va_conf_str(&conf, "model");
	char **labels;
	int *y, nclass = 0, i;
	size_t j;
	int64_t t0;

	if (out == NULL)
		va_die(64, "usage", "train: -m MODEL names the file to write");
	if (argc < 1)
		va_die(64, "usage", "train: no data file");
	memset(&o, 0, sizeof(o));
	range_opt("word-ngrams", &o.fo.word_min, &o.fo.word_max);
	range_opt("char-ngrams", &o.fo.char_min, &o.fo.char_max);
	o.fo.pair_window = (int)va_conf_int(&conf, "pair-window");
	if (sscanf(va_conf_str(&conf, "block-weights"), "%f,%f,%f",
	    &o.fo.weight[0], &o.fo.weight[1], &o.fo.weight[2]) != 3 ||
	    !(o.fo.weight[0] >= 0 && o.fo.weight[1] >= 0 &&
	    o.fo.weight[2] >= 0))
		va_die(64, "usage", "--block-weights: want W,C,P");
	o.fo.flags = (int)va_conf_int(&conf, "stem");
	o.balanced = va_conf_bool(&conf, "balanced");
	o.min_df = (int)va_conf_int(&conf, "min-df");
	o.solver = (int)va_conf_int(&conf, "solver");
	o.C = num_opt("cost", 1e-6, 1e6);
	o.scale = (float)num_opt("scale", 0.01, 1000);
	o.threshold = (float)num_opt("default-threshold", 0, 1);
	for (i = 0; i < argc; i++)
		read_rows(&r, argv[i]);
	if (r.n == 0)
		va_die(65, "no_data", "train: no labelled rows");
	/* Classes in name order, so a model does not depend on row order. */
	if ((labels = malloc(r.n * sizeof(char *))) == NULL ||
	    (y = malloc(r.n * sizeof(int))) == NULL)
		va_die(71, "out_of_memory", "out of memory");
	memcpy(labels, r.label, r.n * sizeof(char *));
	qsort(labels, r.n, sizeof(char *), cmp_str);
	for (j = 0; j < r.n; j++)
		if (nclass == 0 || strcmp(labels[nclass - 1], labels[j]) != 0)
			labels[nclass++] = labels[j];
	for (j = 0; j < r.n; j++) {
		char **hit = bsearch(&r.label[j], labels, (size_t)nclass,
		    sizeof(char *), cmp_str);

		y[j] = (int)(hit - labels);
	}
	t0 = va_mono_us();
	m = va_learn_train(&o, r.text, y, r.n, labels, nclass);
	if (m == NULL)
		exit(70);
	va_log(VA_INFO, "trained", "%zu texts, %d intents, %u features, "
	    "%.2f s", r.n, nclass, m->nfeat,
	    (double)(va_mono_us() - t0) / 1e6);
	if (va_textcat_save(m, out) == -1)
		exit(73);
	va_textcat_free(m);
	free(labels);
	free(y);
	rows_free(&r);
	return 0;
}

static struct va_textcat *
load_model(void)
{
	const char *path = va_conf_str(&conf, "model");
	struct va_textcat *m;
	char *found = NULL;

	if (path == NULL && (path = found =
	    va_data_path("intent/default.model")) == NULL)
		exit(66);
	m = va_textcat_load(path);
	free(found);
	if (m == NULL)
		exit(errno == ENOENT ? 66 : 65);
	return m;
}

static float
threshold(const struct va_textcat *m)
{
	if (va_conf_str(&conf, "threshold") == NULL)
		return m->threshold;
	return (float)num_opt("threshold", 0, 1);
}

/* Best class and its confidence. */
static int
classify(const struct va_textcat *m, struct va_textcat_work *wk,
    const char *text, float *p, float *conf_out)
{
	int k, best = 0;

	if (va_textcat_scores(m, wk, text, p) == -1)
		va_die(71, "out_of_memory", "out of memory");
	va_textcat_softmax(m, p);
	for (k = 1; k < m->nclass; k++)
		if (p[k] > p[best])
			best = k;
	*conf_out = p[best];
	return best;
}

struct confusion {
	int	t, p;
	long	n;
};

static int
cmp_conf(const void *a, const void *b)
{
	const struct confusion *x = a, *y = b;

	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	if (x->t != y->t)
		return x->t - y->t;
	return x->p - y->p;
}

static int
eval_main(int argc, char **argv)
{
	struct va_textcat *m;
	struct va_textcat_work wk = { 0 };
	struct rows r = { 0 };
	struct confusion *cf;
	char **names;
	float *p, *confs, th;
	int *truth, *pred, *best, k, nn, oos, i, ncf = 0, has_oos;
	long *tp, *fp_, *fn, correct = 0, ins = 0, ins_ok = 0, noos = 0,
	    oos_hit = 0, oos_pred = 0;
	double f1sum = 0, pr, rc;
	int nlab, nf1;
	size_t j;

	if (argc < 1)
		va_die(64, "usage", "eval: no test file");
	m = load_model();
	th = threshold(m);
	for (i = 0; i < argc; i++)
		read_rows(&r, argv[i]);
	if (r.n == 0)
		va_die(65, "no_data", "eval: no labelled rows");
	/* Label names: the model's, then oos, then unknown test labels. */
	nn = m->nclass + 1;
	names = malloc((size_t)(nn + (long)r.n) * sizeof(char *));
	truth = malloc(r.n * sizeof(int));
	pred = malloc(r.n * sizeof(int));
	best = malloc(r.n * sizeof(int));
	confs = malloc(r.n * sizeof(float));
	p = malloc((size_t)m->nclass * sizeof(float));
	if (!names || !truth || !pred || !best || !confs || !p)
		va_die(71, "out_of_memory", "out of memory");
	for (k = 0; k < m->nclass; k++)
		names[k] = m->labels[k];
	oos = va_textcat_label(m, "oos");
	if (oos < 0) {
		oos = m->nclass;
		names[oos] = "oos";
	} else
		nn--;
	has_oos = 0;
	for (j = 0; j < r.n; j++) {
		for (k = 0; k < nn; k++)
			if (strcmp(names[k], r.label[j]) == 0)
				break;
		if (k == nn)
			names[nn++] = r.label[j];
		truth[j] = k;
		if (k == oos)
			has_oos = 1;
		best[j] = classify(m, &wk, r.text[j], p, &confs[j]);
		pred[j] = confs[j] < th ? oos : best[j];
	}
	nlab = nn;
	tp = calloc((size_t)nlab, sizeof(long));
	fp_ = calloc((size_t)nlab, sizeof(long));
	fn = calloc((size_t)nlab, sizeof(long));
	cf = calloc(r.n, sizeof(*cf));
	if (!tp || !fp_ || !fn || !cf)
		va_die(71, "out_of_memory", "out of memory");
	for (j = 0; j < r.n; j++) {
		if (pred[j] == truth[j]) {
			correct++;
			tp[truth[j]]++;
		} else {
			fp_[pred[j]]++;
			fn[truth[j]]++;
			for (i = 0; i < ncf; i++)
				if (cf[i].t == truth[j] && cf[i].p == pred[j])
					break;
			if (i == ncf) {
				cf[ncf].t = truth[j];
				cf[ncf++].p = pred[j];
			}
			cf[i].n++;
		}
		if (truth[j] == oos) {
			noos++;
			oos_hit += pred[j] == oos;
		} else {
			ins++;
			ins_ok += pred[j] == truth[j];
		}
		oos_pred += pred[j] == oos;
	}
	/* Macro-F1 over every label that occurs in truth or predictions. */
	for (k = 0, i = 0; k < nlab; k++) {
		if (tp[k] + fp_[k] + fn[k] == 0)
			continue;
		pr = tp[k] + fp_[k] ? (double)tp[k] / (tp[k] + fp_[k]) : 0;
		rc = tp[k] + fn[k] ? (double)tp[k] / (tp[k] + fn[k]) : 0;
		f1sum += pr + rc > 0 ? 2 * pr * rc / (pr + rc) : 0;
		i++;
	}
	nf1 = i;
	qsort(cf, (size_t)ncf, sizeof(*cf), cmp_conf);
	printf("threshold %.3f\n", th);
	printf("accuracy %.4f (%ld/%zu)\n", (double)correct / r.n, correct,
	    r.n);
	printf("macro_f1 %.4f (%d labels)\n", f1sum / nf1, nf1);
	if (has_oos) {
		printf("in_scope_accuracy %.4f (%ld/%ld)\n",
		    ins ? (double)ins_ok / ins : 0, ins_ok, ins);
		printf("oos_precision %.4f\n", oos_pred ? (double)oos_hit /
		    oos_pred : 0);
		printf("oos_recall %.4f (%ld/%ld)\n", (double)oos_hit / noos,
		    oos_hit, noos);
	}
	for (i = 0; i < ncf && i < 10; i++)
		printf("confusion %s -> %s %ld\n", names[cf[i].t],
		    names[cf[i].p], cf[i].n);
	if (va_conf_bool(&conf, "sweep"))
		for (th = 0; th < 1.0005f; th += 0.01f) {
			long a = 0, o = 0;

			for (j = 0; j < r.n; j++) {
				int pd = confs[j] < th ? oos : best[j];

				if (truth[j] == oos)
					o += pd == oos;
				else
					a += pd == truth[j];
			}
			printf("sweep threshold=%.2f in_scope_accuracy=%.4f "
			    "oos_recall=%s%.4f\n", th,
			    ins ? (double)a / ins : 0, "",
			    noos ? (double)o / noos : 0);
		}
	printf("n=%zu accuracy=%.4f macro_f1=%.4f oos_recall=", r.n,
	    (double)correct / r.n, f1sum / nf1);
	if (has_oos)
		printf("%.4f\n", (double)oos_hit / noos);
	else
		printf("na\n");
	free(tp);
	free(fp_);
	free(fn);
	free(cf);
	free(names);
	free(truth);
	free(pred);
	free(best);
	free(confs);
	free(p);
	va_textcat_work_free(&wk);
	va_textcat_free(m);
	rows_free(&r);
	return 0;
}

/* The filter: state shared by every event. */
struct filter {
	struct va_textcat *m;
	struct va_textcat_work wk;
	float	*p;
	int	*rank;
	float	threshold;
	int	nalt;
	int	oos;		/* the model's oos class, or -1 */
	/* The LLM, when --llm-url is set. */
	struct va_http *http;
	struct va_llm llm;
	float	llm_below;	/* ask when the local confidence is below */
	char	**llm_labels;	/* the model's labels, and oos */
	int	nllm_labels;
};

/* Split s into words at white space; the words are new strings. */
static int
split_words(const char *s, char ***out)
{
	char **w = NULL, **nw;
	int n = 0;
	size_t k;

	while (*s != '\0') {
		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		if (*s == '\0')
			break;
		k = strcspn(s, " \t\r\n");
		if ((nw = realloc(w, ((size_t)n + 1) * sizeof(*w))) == NULL)
			va_die(71, "out_of_memory", "out of memory");
		w = nw;
		if ((w[n++] = strndup(s, k)) == NULL)
			va_die(71, "out_of_memory", "out of memory");
		s += k;
	}
	*out = w;
	return n;
}

static void
free_words(char **w, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(w[i]);
	free(w);
}

/*
 * Redaction spans of n words, in a new array *r (free()); *tk is filled
 * for later use. Room for a span per token: none is left in the text for
 * want of room, however many cards one transcript holds.
 */
static int
redact_words(char **w, int n, struct va_toks *tk, struct va_redaction **r)
{
	if (va_spoken_parse(tk, w, n) == -1 ||
	    (*r = calloc((size_t)tk->n + 1, sizeof(**r))) == NULL)
		va_die(71, "out_of_memory", "out of memory");
	return va_redact_find(tk, w, n, *r, tk->n);
}

/* The words array with each redacted span merged into one word. */
static json_t *
redact_word_array(json_t *words, const struct va_redaction *r, int nr,
    const int *map)
{
	json_t *out = json_array(), *o, *first, *last;
	size_t i;
	int k = 0, fi, li;
	double minconf, c;
	char lab[32];

	for (i = 0; i < json_array_size(words); i++) {
		fi = map[i];
		if (k < nr && fi == r[k].first) {
			/* Source index of the last word in the span. */
			li = (int)i;
			while ((size_t)li + 1 < json_array_size(words) &&
			    map[li + 1] <= r[k].last)
				li++;
			first = json_array_get(words, i);
			last = json_array_get(words, (size_t)li);
			o = json_object();
			snprintf(lab, sizeof(lab), "[%s]",
			    va_redact_kind_name(r[k].kind));
			json_object_set_new(o, "w", json_string(lab));
			if (json_object_get(first, "start_ms"))
				json_object_set(o, "start_ms",
				    json_object_get(first, "start_ms"));
			if (json_object_get(last, "end_ms"))
				json_object_set(o, "end_ms",
				    json_object_get(last, "end_ms"));
			minconf = 1;
			for (fi = (int)i; fi <= li; fi++) {
				c = json_number_value(json_object_get(
				    json_array_get(words, (size_t)fi), "conf"));
				if (json_object_get(json_array_get(words,
				    (size_t)fi), "conf") && c < minconf)
					minconf = c;
			}
			if (json_object_get(first, "conf"))
				json_object_set_new(o, "conf", json_real(
				    (double)(long)(minconf * 1000 + 0.5) / 1000));
			json_array_append_new(out, o);
			i = (size_t)li;
			k++;
			continue;
		}
		json_array_append(out, json_array_get(words, i));
	}
	return out;
}

/* The transcript again, text and words replaced, members in order. */
static void
emit_transcript(const struct va_event *ev, const char *text, json_t *words)
{
	const struct va_jmember *m;
	char *js;
	size_t i;

	va_out_putc('{');
	for (i = 0; i < ev->js.n; i++) {
		m = &ev->js.m[i];
		if (i > 0)
			va_out_putc(',');
		va_out_putc('"');
		va_out_write(m->key, m->klen);
		va_out_puts("\":");
		if (text != NULL && m->klen == 4 && !m->kesc &&
		    memcmp(m->key, "text", 4) == 0)
			va_out_json_string(text, strlen(text));
		else if (words != NULL && m->klen == 5 && !m->kesc &&
		    memcmp(m->key, "words", 5) == 0) {
			if ((js = json_dumps(words, JSON_COMPACT |
			    JSON_REAL_PRECISION(6))) == NULL)
				va_die(71, "out_of_memory", "out of memory");
			va_out_puts(js);
			free(js);
		} else
			va_out_write(m->val, m->vlen);
	}
	va_out_puts("}\n");
}

static void
emit_entities(char **w, const struct va_entity *e, int ne)
{
	char *text;
	int i, j;
	size_t len;

	va_emit_key("entities");
	va_out_putc('[');
	for (i = 0; i < ne; i++) {
		if (i > 0)
			va_out_putc(',');
		va_out_puts("{\"type\":");
		va_out_json_string(e[i].type, strlen(e[i].type));
		va_out_puts(",\"value\":");
		if (strcmp(e[i].type, "money") == 0)
			va_out_puts(e[i].value);
		else
			va_out_json_string(e[i].value, strlen(e[i].value));
		if (strcmp(e[i].type, "money") == 0) {
			va_out_puts(",\"currency\":");
			va_out_json_string(e[i].currency,
			    strlen(e[i].currency));
		}
		if (strcmp(e[i].type, "tracking_number") == 0) {
			va_out_puts(",\"carrier\":");
			va_out_json_string(e[i].carrier, strlen(e[i].carrier));
			va_out_puts(e[i].valid ? ",\"valid\":true" :
			    ",\"valid\":false");
		}
		for (len = 0, j = e[i].first; j <= e[i].last; j++)
			len += strlen(w[j]) + 1;
		if ((text = malloc(len + 1)) == NULL)
			va_die(71, "out_of_memory", "out of memory");
		text[0] = '\0';
		for (j = e[i].first; j <= e[i].last; j++) {
			if (j > e[i].first)
				strcat(text, " ");
			strcat(text, w[j]);
		}
		va_out_puts(",\"text\":");
		va_out_json_string(text, strlen(text));
		free(text);
		va_out_putc('}');
	}
	va_out_putc(']');
}

static void
emit_redactions(const struct va_redaction *r, int nr)
{
	int count[VA_RED_NKINDS] = { 0 }, k, i, n = 0;
	char num[24];

	for (i = 0; i < nr; i++)
		count[r[i].kind]++;
	va_emit_key("redactions");
	va_out_putc('[');
	for (k = 0; k < VA_RED_NKINDS; k++) {
		if (count[k] == 0)
			continue;
		if (n++ > 0)
			va_out_putc(',');
		va_out_puts("{\"kind\":\"");
		va_out_puts(va_redact_kind_name((enum va_redact_kind)k));
		snprintf(num, sizeof(num), "\",\"count\":%d}", count[k]);
		va_out_puts(num);
	}
	va_out_putc(']');
}

static const float *rank_p;

static int
cmp_rank_p(const void *a, const void *b)
{
	float x = rank_p[*(const int *)a], y = rank_p[*(const int *)b];

	if (x != y)
		return x < y ? 1 : -1;
	return *(const int *)a - *(const int *)b;
}

/*
 * Ask the LLM about text (already redacted: nothing the caller must not
 * store leaves the machine). The answer is replaced when the LLM gives
 * one; when it does not, it stands and *err is the error code.
 */
static void
ask_llm(struct filter *f, const char *text, const char **label,
    float *confidence, int *oos, long *ms, const char **err)
{
	char msg[512];
	double c;
	int k;

	if (va_llm_classify(f->http, &f->llm, text, f->llm_labels,
	    f->nllm_labels, &k, &c, ms, err, msg, sizeof(msg)) == -1) {
		va_log(VA_WARN, *err, "LLM: %s; the local answer stands", msg);
		return;
	}
	*err = NULL;
	*label = f->llm_labels[k];
	*confidence = (float)c;
	*oos = strcmp(*label, "oos") == 0;
}

static int
handle(const struct va_event *ev, void *arg)
{
	struct filter *f = arg;
	struct va_redaction *rt = NULL, *rw = NULL;
	struct va_entity ent[MAXENT];
	struct va_toks tt, tw;
	char *text, **tws = NULL, **wws = NULL, *rtext = NULL, num[32];
	json_t *words, *rwords = NULL;
	int ntw, nww = 0, nrt, nrw = 0, ne, k, n, best, oos, *map = NULL;
	int asked = 0, llm_won;
	size_t i;
	int64_t t0 = va_mono_us(), at;
	long llm_ms = 0;
	float confidence;
	double asr_conf;
	const char *label, *alt, *llm_err = NULL;

	if ((text = va_event_str(ev, "text")) == NULL) {
		va_emit_error(ev, "no_text", "transcript without text");
		return 0;
	}
	words = va_event_json(ev, "words");
	ntw = split_words(text, &tws);
	nrt = redact_words(tws, ntw, &tt, &rt);
	if (json_is_array(words) && json_array_size(words) > 0) {
		if ((wws = calloc(json_array_size(words), sizeof(char *))) ==
		    NULL || (map = calloc(json_array_size(words),
		    sizeof(int))) == NULL)
			va_die(71, "out_of_memory", "out of memory");
		for (i = 0; i < json_array_size(words); i++) {
			const char *w = json_string_value(json_object_get(
			    json_array_get(words, i), "w"));

			map[i] = nww;
			if ((wws[nww++] = strdup(w ? w : "")) == NULL)
				va_die(71, "out_of_memory", "out of memory");
		}
		nrw = redact_words(wws, nww, &tw, &rw);
		va_spoken_free(&tw);
		if (nrw > 0)
			rwords = redact_word_array(words, rw, nrw, map);
	}
	if (nrt > 0 && (rtext = va_redact_join(tws, ntw, rt, nrt)) == NULL)
		va_die(71, "out_of_memory", "out of memory");
	/* The unredacted transcript goes no further. */
	if (nrt == 0 && nrw == 0) {
		va_out_write(ev->line, ev->len);
		va_out_putc('\n');
	} else
		emit_transcript(ev, nrt > 0 ? rtext : NULL, rwords);

	if (va_textcat_scores(f->m, &f->wk, rtext ? rtext : text, f->p) == -1)
		va_die(71, "out_of_memory", "out of memory");
	va_textcat_softmax(f->m, f->p);
	for (k = 0; k < f->m->nclass; k++)
		f->rank[k] = k;
	rank_p = f->p;
	qsort(f->rank, (size_t)f->m->nclass, sizeof(int), cmp_rank_p);
	best = f->rank[0];
	oos = best == f->oos || f->p[best] < f->threshold;
	label = oos ? "oos" : f->m->labels[best];
	confidence = f->p[best];
	if (f->http != NULL && f->p[best] < f->llm_below) {
		asked = 1;
		ask_llm(f, rtext ? rtext : text, &label, &confidence, &oos,
		    &llm_ms, &llm_err);
	}
	if (va_event_int(ev, "at", &at) == -1)
		at = va_clock_ms();
	ne = va_entities_find(&tt, tws, ntw, rt, nrt, at, ent, MAXENT);

	va_emit_begin("intent", ev);
	va_emit_str("text", rtext ? rtext : text);
	va_emit_str("intent", label);
	va_emit_fixed("confidence", confidence, 3);
	/* The recognizer's own, for va-route to weigh. */
	if (va_event_num(ev, "confidence", &asr_conf) == 0)
		va_emit_fixed("asr_confidence", asr_conf, 3);
	va_emit_key("alternatives");
	va_out_putc('[');
	/*
	 * The local ranking after the answer; when the LLM gave it, the
	 * local best comes first unless it is the same.
	 */
	llm_won = asked && llm_err == NULL;
	for (k = llm_won ? 0 : 1, n = 0; k < f->m->nclass && n < f->nalt;
	    k++) {
		if (llm_won && strcmp(f->m->labels[f->rank[k]], label) == 0)
			continue;
		if (n++ > 0)
			va_out_putc(',');
		va_out_puts("{\"intent\":");
		alt = f->m->labels[f->rank[k]];
		va_out_json_string(alt, strlen(alt));
		snprintf(num, sizeof(num), ",\"confidence\":%.3f}",
		    f->p[f->rank[k]]);
		va_out_puts(num);
	}
	va_out_putc(']');
	emit_entities(tws, ent, ne);
	if (nrt > 0)
		emit_redactions(rt, nrt);
	else
		emit_redactions(rw, nrw);
	va_emit_bool("oos", oos);
	va_emit_str("engine", llm_won ? "llm" : "linear");
	if (asked) {
		va_emit_int("llm_ms", llm_ms);
		if (llm_err != NULL)
			va_emit_str("llm_error", llm_err);
	}
	va_emit_int("proc_ms", (va_mono_us() - t0) / 1000);
	va_emit_end(ev);

	va_spoken_free(&tt);
	free_words(tws, ntw);
	free_words(wws, nww);
	free(map);
	free(rt);
	free(rw);
	free(rtext);
	free(text);
	json_decref(words);
	json_decref(rwords);
	return 0;
}

/* The LLM engine: checked and connected before the first event. */
static void
llm_setup(struct filter *f)
{
	static char oos_label[] = "oos";
	const char *url = va_conf_str(&conf, "llm-url");
	int k;

	if (strncmp(url, "http://", 7) != 0 &&
	    strncmp(url, "https://", 8) != 0)
		va_die(64, "usage", "--llm-url: want http:// or https://, "
		    "not %s", url);
	f->llm.url = url;
	f->llm.model = va_conf_str(&conf, "llm-model");
	f->llm.key = va_conf_str(&conf, "llm-key");
	f->llm.timeout_ms = (long)va_conf_int(&conf, "llm-timeout-ms");
	f->llm.tries = (int)va_conf_int(&conf, "llm-tries");
	f->llm_below = (float)num_opt("llm-threshold", 0, 1);
	/* The LLM may always say out of scope. */
	if ((f->llm_labels = malloc(((size_t)f->m->nclass + 1) *
	    sizeof(char *))) == NULL)
		va_die(71, "out_of_memory", "out of memory");
	for (k = 0; k < f->m->nclass; k++)
		f->llm_labels[k] = f->m->labels[k];
	f->nllm_labels = f->m->nclass;
	if (f->oos < 0)
		f->llm_labels[f->nllm_labels++] = oos_label;
	if ((f->http = va_http_new()) == NULL)
		va_die(71, "http_init", "cannot set up the HTTP client");
}

static int
filter_main(void)
{
	static const char *const types[] = { "transcript", NULL };
	struct va_filter vf = { 0 };
	struct filter f;
	int rc;

	memset(&f, 0, sizeof(f));
	f.m = load_model();
	f.threshold = threshold(f.m);
	f.nalt = (int)va_conf_int(&conf, "alternatives");
	f.oos = va_textcat_label(f.m, "oos");
	f.p = malloc((size_t)f.m->nclass * sizeof(float));
	f.rank = malloc((size_t)f.m->nclass * sizeof(int));
	if (f.p == NULL || f.rank == NULL)
		va_die(71, "out_of_memory", "out of memory");
	if (va_conf_str(&conf, "llm-url") != NULL)
		llm_setup(&f);
	vf.types = types;
	vf.handle = handle;
	vf.arg = &f;
	vf.strict = conf.strict;
	rc = va_filter_run(&vf);
	va_textcat_work_free(&f.wk);
	va_textcat_free(f.m);
	va_http_free(f.http);
	free(f.llm_labels);
	free(f.p);
	free(f.rank);
	return rc;
}

int
main(int argc, char **argv)
{
	int first;

	first = va_conf_parse(&conf, argc, argv);
	if (first < argc && strcmp(argv[first], "train") == 0)
		return train_main(argc - first - 1, argv + first + 1);
	if (first < argc && strcmp(argv[first], "eval") == 0)
		return eval_main(argc - first - 1, argv + first + 1);
	if (first < argc)
		va_die(64, "usage", "unknown command %s (see va-intent --help)",
		    argv[first]);
	return filter_main();
}
