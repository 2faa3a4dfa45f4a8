/*
 * va-report - the numbers the business watches, from the sessions database
 * and the calls' event logs.
 *
 * From the store (the sessions va-route keeps): calls, containment rate,
 * transfers and their reasons, first-contact resolution, intents, turns
 * and duration. From event logs named as operands (va-call and va-batch
 * write them): each stage's latency per turn, p50/p95/p99, against a
 * latency budget. Prints a text table; --html also writes a self-contained
 * page with SVG charts and no outside scripts.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "conf.h"
#include "log.h"
#include "store.h"

static struct va_opt opts[] = {
	{ "db", 'd', VA_OPT_STR, "va.db", "FILE",
	  "the store holding the sessions" },
	{ "html", 'H', VA_OPT_STR, NULL, "FILE",
	  "also write a self-contained HTML page with charts" },
	{ "budget", 'b', VA_OPT_STR,
	  "asr=250,intent=20,route=20,tools=150,say=60,turn=300", "LIST",
	  "p50 latency budget per stage in ms, as stage=ms,..." },
	{ NULL }
};

static struct va_conf conf = {
	"va-report", "[options] [LOG...]",
	"Report calls, containment, transfers and their reasons, first-contact\n"
	"resolution and intents from the sessions in the store, and each\n"
	"stage's latency p50/p95/p99 from the event logs given.",
	opts
};

#define NSTAGES 6
static const char *const stages[NSTAGES] = { "asr", "intent", "route",
	"tools", "say", "turn" };

struct series {
	double	*v;
	size_t	n, cap;
};

struct count {
	char	name[64];
	long	n;
};

struct report {
	long	calls, ended, contained, transferred, resolved;
	double	turns_sum, dur_sum;
	struct count reasons[32];
	int	nreasons;
	struct count intents[64];
	int	nintents;
	struct series lat[NSTAGES];
	long	budget[NSTAGES];
	long	logs, turns_seen;
};

static void
add(struct series *s, double v)
{
	double *t;

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		if ((t = realloc(s->v, s->cap * sizeof(*t))) == NULL)
			va_die(71, "out_of_memory", "out of memory");
		s->v = t;
	}
	s->v[s->n++] = v;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted series; NAN when empty. */
static double
pct(const struct series *s, double p)
{
	size_t k;

	if (s->n == 0)
		return NAN;
	k = (size_t)ceil(p / 100.0 * (double)s->n);
	if (k < 1)
		k = 1;
	return s->v[k - 1];
}

static void
bump(struct count *c, int *n, int max, const char *name, long by)
{
	int i;

	for (i = 0; i < *n; i++)
		if (strcmp(c[i].name, name) == 0) {
			c[i].n += by;
			return;
		}
	if (*n < max) {
		snprintf(c[*n].name, sizeof(c[*n].name), "%s", name);
		c[(*n)++].n = by;
	}
}

static int
cmp_count(const void *a, const void *b)
{
	const struct count *x = a, *y = b;

	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return strcmp(x->name, y->name);
}

static int
has_table(struct va_store *st, const char *name)
{
	struct va_stmt *s;
	int found;

	s = va_store_prepare(st, "SELECT 1 FROM sqlite_master WHERE type = "
	    "'table' AND name = ?");
	if (s == NULL)
		return 0;
	va_stmt_bind_text(s, 1, name);
	found = va_stmt_step(s) == 1;
	va_stmt_finalize(s);
	return found;
}

static void
read_sessions(struct va_store *st, struct report *r)
{
	struct va_stmt *s;
	const char *outcome, *reason;

	if (!has_table(st, "session_calls")) {
		va_log(VA_WARN, "no_sessions", "%s: no sessions (va-route has "
		    "not run on this store)", va_store_path(st));
		return;
	}
	s = va_store_prepare(st, "SELECT outcome, reason, resolved, turns, "
	    "duration_ms FROM session_calls");
	if (s == NULL)
		return;
	while (va_stmt_step(s) == 1) {
		r->calls++;
		outcome = va_stmt_text(s, 0);
		reason = va_stmt_text(s, 1);
		if (outcome == NULL || *outcome == '\0')
			continue;
		r->ended++;
		r->turns_sum += (double)va_stmt_int(s, 3);
		r->dur_sum += (double)va_stmt_int(s, 4);
		if (strcmp(outcome, "transferred") == 0) {
			r->transferred++;
			bump(r->reasons, &r->nreasons, 32,
			    reason != NULL && *reason ? reason : "unknown", 1);
		} else {
			r->contained++;
			if (va_stmt_int(s, 2))
				r->resolved++;
		}
	}
	va_stmt_finalize(s);
	if (!has_table(st, "session_turns"))
		return;
	s = va_store_prepare(st, "SELECT intent, count(*) FROM session_turns "
	    "WHERE who = 'caller' AND intent IS NOT NULL GROUP BY intent");
	if (s == NULL)
		return;
	while (va_stmt_step(s) == 1)
		bump(r->intents, &r->nintents, 64, va_stmt_text(s, 0),
		    (long)va_stmt_int(s, 1));
	va_stmt_finalize(s);
}

static int64_t
iget(json_t *o, const char *k, int64_t def)
{
	json_t *v = json_object_get(o, k);

	return json_is_integer(v) ? json_integer_value(v) : def;
}

/* Per turn, what the stages wrote and when. */
struct turn {
	int64_t	utt_at, tr_at, tr_proc, in_at, rep_at, sp_at;
	int	have;
};

static void
read_log(const char *path, struct report *r)
{
	struct turn turns[512];
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *fp;
	json_t *o;
	const char *type;
	int64_t turn, at, i;
	struct {
		char	key[128];
		int64_t	at;
	} acts[64];
	int nacts = 0, k;

	if ((fp = fopen(path, "r")) == NULL) {
		va_log(VA_ERROR, "log_open", "%s: cannot open", path);
		return;
	}
	memset(turns, 0, sizeof(turns));
	r->logs++;
	while ((len = getline(&line, &cap, fp)) > 0) {
		if ((o = json_loadb(line, (size_t)len, 0, NULL)) == NULL)
			continue;
		type = json_string_value(json_object_get(o, "type"));
		turn = iget(o, "turn", 0);
		at = iget(o, "at", -1);
		if (type == NULL || turn <= 0 || turn >= 512 || at < 0) {
			json_decref(o);
			continue;
		}
		struct turn *t = &turns[turn];

		if (strcmp(type, "utterance") == 0 && !t->utt_at)
			t->utt_at = at;
		else if (strcmp(type, "transcript") == 0 && !t->tr_at) {
			t->tr_at = at;
			t->tr_proc = iget(o, "proc_ms", 0);
			add(&r->lat[0], (double)t->tr_proc);
		} else if (strcmp(type, "intent") == 0 && !t->in_at)
			t->in_at = at;
		else if (strcmp(type, "reply") == 0 && !t->rep_at)
			t->rep_at = at;
		else if (strcmp(type, "speech") == 0 && !t->sp_at)
			t->sp_at = at;
		else if (strcmp(type, "action") == 0 && nacts < 64) {
			snprintf(acts[nacts].key, sizeof(acts[nacts].key), "%s",
			    json_string_value(json_object_get(o, "key")) ?
			    json_string_value(json_object_get(o, "key")) : "");
			acts[nacts++].at = at;
		} else if (strcmp(type, "result") == 0) {
			const char *key = json_string_value(json_object_get(o,
			    "key"));

			for (k = 0; key != NULL && k < nacts; k++)
				if (strcmp(acts[k].key, key) == 0)
					break;
			/*
			 * The tools consume their actions, so a log taken at
			 * the end has none: then the tool's own proc_ms.
			 */
			if (key != NULL && k < nacts)
				add(&r->lat[3], (double)(at - acts[k].at));
			else if (iget(o, "proc_ms", -1) >= 0)
				add(&r->lat[3], (double)iget(o, "proc_ms", 0));
		}
		t->have = 1;
		json_decref(o);
	}
	free(line);
	fclose(fp);
	for (i = 1; i < 512; i++) {
		struct turn *t = &turns[i];
		int64_t start;

		if (!t->have)
			continue;
		r->turns_seen++;
		if (t->tr_at && t->in_at)
			add(&r->lat[1], (double)(t->in_at - t->tr_at));
		if (t->in_at && t->rep_at)
			add(&r->lat[2], (double)(t->rep_at - t->in_at));
		if (t->rep_at && t->sp_at)
			add(&r->lat[4], (double)(t->sp_at - t->rep_at));
		/* From the utterance, or from when recognition began. */
		start = t->utt_at ? t->utt_at : t->tr_at ? t->tr_at - t->tr_proc : 0;
		if (start && t->sp_at)
			add(&r->lat[5], (double)(t->sp_at - start));
	}
}

static void
parse_budget(struct report *r, const char *spec)
{
	char *copy = strdup(spec), *tok, *save = NULL, *eq;
	int i;

	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if ((eq = strchr(tok, '=')) == NULL)
			va_die(64, "usage", "--budget: %s is not stage=ms", tok);
		*eq = '\0';
		for (i = 0; i < NSTAGES; i++)
			if (strcmp(stages[i], tok) == 0)
				break;
		if (i == NSTAGES)
			va_die(64, "usage", "--budget: no stage %s", tok);
		r->budget[i] = strtol(eq + 1, NULL, 10);
	}
	free(copy);
}

static double
rate(long a, long b)
{
	return b > 0 ? 100.0 * (double)a / (double)b : 0;
}

static void
print_text(const struct report *r)
{
	int i;

	printf("calls               %ld (%ld ended)\n", r->calls, r->ended);
	printf("contained           %ld (%.1f%%)\n", r->contained,
	    rate(r->contained, r->ended));
	printf("transferred         %ld (%.1f%%)\n", r->transferred,
	    rate(r->transferred, r->ended));
	for (i = 0; i < r->nreasons; i++)
		printf("  %-17s %ld\n", r->reasons[i].name, r->reasons[i].n);
	printf("first-contact res.  %ld (%.1f%% of ended calls)\n",
	    r->resolved, rate(r->resolved, r->ended));
	if (r->ended > 0)
		printf("per call            %.1f turns, %.1f s\n",
		    r->turns_sum / (double)r->ended,
		    r->dur_sum / (double)r->ended / 1000.0);
	printf("intents\n");
	for (i = 0; i < r->nintents; i++)
		printf("  %-17s %ld\n", r->intents[i].name, r->intents[i].n);
	printf("latency (ms) from %ld log(s), %ld turn(s)\n", r->logs,
	    r->turns_seen);
	printf("  %-8s %6s %8s %8s %8s %8s  %s\n", "stage", "n", "p50", "p95",
	    "p99", "budget", "p50 within");
	for (i = 0; i < NSTAGES; i++) {
		const struct series *s = &r->lat[i];

		if (s->n == 0) {
			printf("  %-8s %6d %8s %8s %8s %8ld  -\n", stages[i], 0,
			    "-", "-", "-", r->budget[i]);
			continue;
		}
		printf("  %-8s %6zu %8.0f %8.0f %8.0f %8ld  %s\n", stages[i],
		    s->n, pct(s, 50), pct(s, 95), pct(s, 99), r->budget[i],
		    pct(s, 50) <= (double)r->budget[i] ? "yes" : "NO");
	}
}

static void
html_escape(FILE *fp, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '&': fputs("&amp;", fp); break;
		case '"': fputs("&quot;", fp); break;
		default: fputc(*s, fp);
		}
}

/* A horizontal bar chart of counts. */
static void
svg_bars(FILE *fp, const char *title, const struct count *c, int n)
{
	long max = 1;
	int i, h = 24 * (n > 0 ? n : 1) + 30;

	for (i = 0; i < n; i++)
		if (c[i].n > max)
			max = c[i].n;
	fprintf(fp, "<h2>");
	html_escape(fp, title);
	fprintf(fp, "</h2>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "width=\"620\" height=\"%d\" role=\"img\">\n", h);
	if (n == 0)
		fprintf(fp, "<text x=\"0\" y=\"20\">none</text>\n");
	for (i = 0; i < n; i++) {
		int w = (int)(380.0 * (double)c[i].n / (double)max);

		fprintf(fp, "<text x=\"0\" y=\"%d\" font-size=\"13\">", 24 * i + 16);
		html_escape(fp, c[i].name);
		fprintf(fp, "</text><rect x=\"170\" y=\"%d\" width=\"%d\" "
		    "height=\"18\" fill=\"#4a7ab5\"/><text x=\"%d\" y=\"%d\" "
		    "font-size=\"13\">%ld</text>\n", 24 * i + 3, w > 0 ? w : 1,
		    176 + w, 24 * i + 16, c[i].n);
	}
	fprintf(fp, "</svg>\n");
}

/* p50/p95/p99 per stage as grouped bars, with the budget marked. */
static void
svg_latency(FILE *fp, const struct report *r)
{
	static const char *const col[3] = { "#4a7ab5", "#e0a030", "#c04040" };
	static const double ps[3] = { 50, 95, 99 };
	double max = 1, v;
	int i, j;

	for (i = 0; i < NSTAGES; i++) {
		if (r->lat[i].n > 0 && pct(&r->lat[i], 99) > max)
			max = pct(&r->lat[i], 99);
		if ((double)r->budget[i] > max)
			max = (double)r->budget[i];
	}
	fprintf(fp, "<h2>Latency per stage (ms): p50, p95, p99; budget |</h2>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"620\" "
	    "height=\"%d\" role=\"img\">\n", NSTAGES * 64 + 10);
	for (i = 0; i < NSTAGES; i++) {
		int y = i * 64;

		fprintf(fp, "<text x=\"0\" y=\"%d\" font-size=\"13\">%s</text>\n",
		    y + 30, stages[i]);
		for (j = 0; j < 3; j++) {
			v = r->lat[i].n ? pct(&r->lat[i], ps[j]) : 0;
			fprintf(fp, "<rect x=\"80\" y=\"%d\" width=\"%d\" "
			    "height=\"16\" fill=\"%s\"/><text x=\"%d\" y=\"%d\" "
			    "font-size=\"12\">p%.0f %.0f</text>\n", y + j * 18,
			    (int)(420.0 * v / max) + 1, col[j],
			    86 + (int)(420.0 * v / max), y + j * 18 + 13, ps[j], v);
		}
		fprintf(fp, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" "
		    "stroke=\"#000\" stroke-width=\"2\"/>\n",
		    80 + (int)(420.0 * (double)r->budget[i] / max),
		    80 + (int)(420.0 * (double)r->budget[i] / max), y - 2, y + 54);
	}
	fprintf(fp, "</svg>\n");
}

static int
write_html(const char *path, const struct report *r)
{
	FILE *fp;
	int i;

	if ((fp = fopen(path, "w")) == NULL) {
		va_log(VA_ERROR, "html", "%s: cannot write", path);
		return -1;
	}
	fprintf(fp, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset="
	    "\"utf-8\"><title>va report</title>\n<style>body{font-family:"
	    "sans-serif;max-width:680px;margin:2em auto;color:#222}"
	    "table{border-collapse:collapse}td,th{padding:2px 10px;"
	    "text-align:right;border-bottom:1px solid #ddd}"
	    "td:first-child,th:first-child{text-align:left}</style>"
	    "</head><body>\n<h1>va report</h1>\n<table>\n");
	fprintf(fp, "<tr><td>calls</td><td>%ld</td></tr>\n", r->calls);
	fprintf(fp, "<tr><td>ended</td><td>%ld</td></tr>\n", r->ended);
	fprintf(fp, "<tr><td>containment rate</td><td>%.1f%%</td></tr>\n",
	    rate(r->contained, r->ended));
	fprintf(fp, "<tr><td>transferred</td><td>%ld</td></tr>\n",
	    r->transferred);
	fprintf(fp, "<tr><td>first-contact resolution</td><td>%.1f%%</td>"
	    "</tr>\n</table>\n", rate(r->resolved, r->ended));
	svg_bars(fp, "Transfers by reason", r->reasons, r->nreasons);
	svg_bars(fp, "Intents", r->intents, r->nintents);
	svg_latency(fp, r);
	fprintf(fp, "<table><tr><th>stage</th><th>n</th><th>p50</th><th>p95"
	    "</th><th>p99</th><th>budget</th></tr>\n");
	for (i = 0; i < NSTAGES; i++)
		fprintf(fp, "<tr><td>%s</td><td>%zu</td><td>%.0f</td><td>%.0f"
		    "</td><td>%.0f</td><td>%ld</td></tr>\n", stages[i],
		    r->lat[i].n, r->lat[i].n ? pct(&r->lat[i], 50) : 0,
		    r->lat[i].n ? pct(&r->lat[i], 95) : 0,
		    r->lat[i].n ? pct(&r->lat[i], 99) : 0, r->budget[i]);
	fprintf(fp, "</table>\n</body></html>\n");
	return fclose(fp) == 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct report r;
	struct va_store *st;
	const char *html;
	int i, first;

	memset(&r, 0, sizeof(r));
	first = va_conf_parse(&conf, argc, argv);
	parse_budget(&r, va_conf_str(&conf, "budget"));
	/* A report reads; it never creates an empty store. */
	if (access(va_conf_str(&conf, "db"), R_OK) != 0)
		va_die(66, "db_missing", "%s: no such store",
		    va_conf_str(&conf, "db"));
	if ((st = va_store_open(va_conf_str(&conf, "db"))) == NULL)
		return 66;
	read_sessions(st, &r);
	va_store_close(st);
	for (i = first; i < argc; i++)
		read_log(argv[i], &r);
	for (i = 0; i < NSTAGES; i++)
		qsort(r.lat[i].v, r.lat[i].n, sizeof(double), cmp_double);
	qsort(r.reasons, (size_t)r.nreasons, sizeof(r.reasons[0]), cmp_count);
	qsort(r.intents, (size_t)r.nintents, sizeof(r.intents[0]), cmp_count);
	print_text(&r);
	html = va_conf_str(&conf, "html");
	if (html != NULL && write_html(html, &r) < 0)
		return 73;
	for (i = 0; i < NSTAGES; i++)
		free(r.lat[i].v);
	return 0;
}
