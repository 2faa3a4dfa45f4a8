/*
 * t_vad.c - unit tests for lib/vad.c on synthesized telephone audio at
 * 8000 and 16000 Hz: speech-like bursts in low noise, short bursts, short
 * gaps, long bursts cut at max_utterance_ms, hum and hiss, pure noise, the
 * end of the stream, feeding in odd chunk sizes, and syllables at one level.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vad.h"
#include "tap.h"

#define MAXSEG	32

struct seg {
	int64_t	start, end, speech_end;
	int	cut, level_db;
	int	pcm_ok;		/* pcm matched the input at [start, end) */
};

struct got {
	const float *x;		/* the whole input, to check seg->pcm */
	size_t	n;
	int	nseg;
	struct seg s[MAXSEG];
};

static uint64_t rng;

static uint64_t
xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Uniform in [-1, 1). */
static double
urand(void)
{
	return (double)(xorshift() >> 11) / 4503599627370496.0 - 1.0;
}

static double
rms_of(double db)
{
	return pow(10.0, db / 20.0);
}

static float *
signal(size_t n)
{
	return calloc(n, sizeof(float));
}

/* White noise at a given RMS level (dBFS) over [from, to). */
static void
add_noise(float *x, size_t from, size_t to, double db)
{
	double a = rms_of(db) * sqrt(3.0);
	size_t i;

	for (i = from; i < to; i++)
		x[i] += (float)(a * urand());
}

/* A mains hum: sine of f Hz at a given RMS level over the whole signal. */
static void
add_hum(float *x, size_t n, int rate, double f, double db)
{
	double a = rms_of(db) * sqrt(2.0), c = 1, s = 0, w;
	double dc = cos(2 * M_PI * f / rate), ds = sin(2 * M_PI * f / rate);
	size_t i;

	for (i = 0; i < n; i++) {
		x[i] += (float)(a * s);
		w = c * dc - s * ds;
		s = s * dc + c * ds;
		c = w;
	}
}

/*
 * A speech-like burst from t0 for dur seconds: ten harmonics of 300 Hz
 * falling as 1/k, amplitude-modulated at 4 Hz (syllables), with 10 ms
 * ramps, scaled to the given RMS level.
 */
static void
add_burst(float *x, int rate, double t0, double dur, double db)
{
	size_t i, n = (size_t)(dur * rate), at = (size_t)(t0 * rate);
	double *b, t, v, env, ramp, sum = 0, g, c[10], s[10], dc[10], ds[10];
	double w;
	int k;

	/* Each harmonic is a phasor turned by a fixed step per sample. */
	for (k = 0; k < 10; k++) {
		c[k] = cos((k + 1) * 0.7);
		s[k] = sin((k + 1) * 0.7);
		dc[k] = cos(2 * M_PI * 300.0 * (k + 1) / rate);
		ds[k] = sin(2 * M_PI * 300.0 * (k + 1) / rate);
	}
	b = malloc(n * sizeof(double));
	for (i = 0; i < n; i++) {
		t = (double)i / rate;
		v = 0;
		for (k = 0; k < 10; k++) {
			v += s[k] / (k + 1);
			w = c[k] * dc[k] - s[k] * ds[k];
			s[k] = s[k] * dc[k] + c[k] * ds[k];
			c[k] = w;
		}
		env = 0.6 + 0.4 * sin(2 * M_PI * 4.0 * t);
		ramp = fmin(1.0, fmin(t, dur - t) / 0.010);
		b[i] = v * env * ramp;
		sum += b[i] * b[i];
	}
	g = rms_of(db) / sqrt(sum / n);
	for (i = 0; i < n; i++)
		x[at + i] += (float)(g * b[i]);
	free(b);
}

static void
collect(const struct va_vad_segment *vs, void *arg)
{
	struct got *g = arg;
	struct seg *s;

	if (g->nseg >= MAXSEG)
		return;
	s = &g->s[g->nseg++];
	s->start = vs->start;
	s->end = vs->end;
	s->speech_end = vs->speech_end;
	s->cut = vs->cut;
	s->level_db = vs->level_db;
	s->pcm_ok = vs->start >= 0 && vs->end > vs->start &&
	    vs->speech_end <= vs->end && (size_t)vs->end <= g->n &&
	    memcmp(vs->pcm, g->x + vs->start,
	    (size_t)(vs->end - vs->start) * sizeof(float)) == 0;
}

/* Run the detector over x in chunks of chunk samples (0: all at once). */
static void
run(const struct va_vad_params *p, const float *x, size_t n, size_t chunk,
    struct got *g)
{
	struct va_vad *v;
	size_t i, k;

	memset(g, 0, sizeof(*g));
	g->x = x;
	g->n = n;
	v = va_vad_new(p);
	if (v == NULL) {
		ok(0, "va_vad_new");
		return;
	}
	if (chunk == 0)
		va_vad_feed(v, x, n, collect, g);
	else
		for (i = 0; i < n; i += k) {
			k = n - i < chunk ? n - i : chunk;
			va_vad_feed(v, x + i, k, collect, g);
		}
	va_vad_finish(v, collect, g);
	va_vad_free(v);
}

static void
print_segs(const struct got *g, int rate)
{
	int i;

	for (i = 0; i < g->nseg; i++)
		printf("#   segment %d: %.3f-%.3f s (speech to %.3f) cut %d, "
		    "%d dB\n", i, (double)g->s[i].start / rate,
		    (double)g->s[i].end / rate,
		    (double)g->s[i].speech_end / rate, g->s[i].cut,
		    g->s[i].level_db);
}

/* |a - b| within ms milliseconds at rate. */
static int
near(int64_t a, double b_sec, int rate, int ms)
{
	double d = (double)a / rate - b_sec;

	return fabs(d) <= ms / 1000.0;
}

static void
test_two_bursts(int rate)
{
	struct va_vad_params p = { .rate = rate };
	size_t n = (size_t)(6.0 * rate);
	float *x = signal(n);
	struct got g;
	double pre = 0.200;
	int64_t start0 = -1;
	int i, pcm = 1;

	rng = 0x9e3779b97f4a7c15ULL;
	add_noise(x, 0, n, -50);
	add_burst(x, rate, 0.5, 1.2, -20);
	add_burst(x, rate, 3.2, 1.2, -20);	/* 1.5 s after the first */
	run(&p, x, n, 0, &g);
	is_int(g.nseg, 2, "%d Hz: two bursts, two segments", rate);
	if (g.nseg != 2)
		print_segs(&g, rate);
	if (g.nseg == 2) {
		ok(near(g.s[0].start, 0.5 - pre, rate, 60), "%d Hz: first "
		    "starts at 0.3 s (%.3f)", rate,
		    (double)g.s[0].start / rate);
		ok(near(g.s[0].end, 1.7 + pre, rate, 60), "%d Hz: first "
		    "ends at 1.9 s (%.3f)", rate, (double)g.s[0].end / rate);
		ok(near(g.s[0].speech_end, 1.7, rate, 60), "%d Hz: first "
		    "speech ends at 1.7 s", rate);
		ok(near(g.s[1].start, 3.2 - pre, rate, 60), "%d Hz: second "
		    "starts at 3.0 s (%.3f)", rate,
		    (double)g.s[1].start / rate);
		ok(near(g.s[1].end, 4.4 + pre, rate, 60), "%d Hz: second "
		    "ends at 4.6 s (%.3f)", rate, (double)g.s[1].end / rate);
		ok(!g.s[0].cut && !g.s[1].cut, "%d Hz: not cut", rate);
		ok(g.s[0].level_db >= -30 && g.s[0].level_db <= -14,
		    "%d Hz: level about -20 dBFS (%d)", rate,
		    g.s[0].level_db);
	}
	for (i = 0; i < g.nseg; i++)
		pcm = pcm && g.s[i].pcm_ok;
	ok(pcm, "%d Hz: pcm is the input from start to end", rate);
	if (g.nseg > 0)
		start0 = g.s[0].start;

	/* Without pre-roll the segments start at the speech. */
	p.pre_roll_ms = -1;
	run(&p, x, n, 0, &g);
	is_int(g.nseg, 2, "%d Hz, no pre-roll: two segments", rate);
	if (g.nseg == 2) {
		ok(near(g.s[0].start, 0.5, rate, 30) &&
		    near(g.s[1].start, 3.2, rate, 30),
		    "%d Hz, no pre-roll: starts at the bursts", rate);
		ok(near(g.s[0].end, 1.7, rate, 60) &&
		    g.s[0].end == g.s[0].speech_end,
		    "%d Hz, no pre-roll: ends with the speech", rate);
		ok(g.s[0].pcm_ok && g.s[1].pcm_ok, "%d Hz, no pre-roll: pcm",
		    rate);
		/* The same first speech frame, less exactly 200 ms. */
		ok(start0 == g.s[0].start - rate / 5, "%d Hz: the pre-roll "
		    "is 200 ms to the sample (%lld, %lld)", rate,
		    (long long)start0, (long long)g.s[0].start);
	}

	/* The same audio (the first 3 s) in odd chunks, the same segments. */
	{
		static const size_t chunks[] = { 1, 7, 333 };
		struct got g1, g2;
		size_t c;
		int same;

		p.pre_roll_ms = 0;
		run(&p, x, n / 2, 0, &g1);
		for (c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
			run(&p, x, n / 2, chunks[c], &g2);
			same = g1.nseg == g2.nseg && g1.nseg > 0;
			for (i = 0; same && i < g1.nseg; i++)
				same = g1.s[i].start == g2.s[i].start &&
				    g1.s[i].end == g2.s[i].end &&
				    g1.s[i].speech_end == g2.s[i].speech_end &&
				    g1.s[i].cut == g2.s[i].cut &&
				    g1.s[i].level_db == g2.s[i].level_db &&
				    g2.s[i].pcm_ok;
			ok(same, "%d Hz: chunks of %zu give the same segments",
			    rate, chunks[c]);
		}
	}
	free(x);
}

static void
test_short_and_gaps(int rate)
{
	struct va_vad_params p = { .rate = rate };
	size_t n = (size_t)(4.0 * rate);
	float *x;
	struct got g;

	/* 120 ms of speech is less than min_speech_ms (200). */
	x = signal(n);
	rng = 12345;
	add_noise(x, 0, n, -50);
	add_burst(x, rate, 1.0, 0.12, -20);
	run(&p, x, n, 0, &g);
	is_int(g.nseg, 0, "%d Hz: 120 ms burst dropped", rate);
	if (g.nseg != 0)
		print_segs(&g, rate);
	/* With min_speech_ms 100 it is kept. */
	p.min_speech_ms = 100;
	run(&p, x, n, 0, &g);
	is_int(g.nseg, 1, "%d Hz: 120 ms burst kept with min_speech 100",
	    rate);
	p.min_speech_ms = 0;
	free(x);

	/* 400 ms is enough. */
	x = signal(n);
	add_noise(x, 0, n, -50);
	add_burst(x, rate, 1.0, 0.4, -20);
	run(&p, x, n, 0, &g);
	is_int(g.nseg, 1, "%d Hz: 400 ms burst kept", rate);
	free(x);

	/* A 400 ms gap is shorter than silence_ms (700): one segment. */
	x = signal(n);
	add_noise(x, 0, n, -50);
	add_burst(x, rate, 0.5, 0.6, -20);
	add_burst(x, rate, 1.5, 0.6, -20);
	run(&p, x, n, 0, &g);
	is_int(g.nseg, 1, "%d Hz: 400 ms gap merges two bursts", rate);
	if (g.nseg == 1)
		ok(near(g.s[0].start, 0.3, rate, 60) &&
		    near(g.s[0].speech_end, 2.1, rate, 60),
		    "%d Hz: merged segment spans both", rate);
	else
		print_segs(&g, rate);
	/* With silence_ms 300 they are two. */
	p.silence_ms = 300;
	run(&p, x, n, 0, &g);
	is_int(g.nseg, 2, "%d Hz: silence_ms 300 splits them", rate);
	free(x);
}

static void
test_max_utterance(int rate)
{
	struct va_vad_params p = { .rate = rate, .max_utterance_ms = 2000 };
	size_t n = (size_t)(7.0 * rate);
	float *x = signal(n);
	struct got g;
	int i, good;

	rng = 777;
	add_noise(x, 0, n, -50);
	add_burst(x, rate, 1.0, 5.0, -20);
	run(&p, x, n, 0, &g);
	ok(g.nseg >= 3, "%d Hz: a 5 s burst is cut into pieces (%d)", rate,
	    g.nseg);
	good = g.nseg >= 3;
	for (i = 0; good && i < g.nseg; i++) {
		if (g.s[i].end - g.s[i].start > (int64_t)rate * 2010 / 1000)
			good = 0;
		if (i < g.nseg - 1 && !g.s[i].cut)
			good = 0;
		if (i > 0 && g.s[i].start < g.s[i - 1].end)
			good = 0;
		if (!g.s[i].pcm_ok)
			good = 0;
	}
	ok(good, "%d Hz: pieces of at most 2 s, cut set, in order", rate);
	if (g.nseg >= 1) {
		ok(g.s[g.nseg - 1].cut == 0, "%d Hz: the last piece ends in "
		    "silence", rate);
		/* The burst ends in a 4 Hz trough: allow for it. */
		ok(near(g.s[0].start, 0.8, rate, 60) &&
		    near(g.s[g.nseg - 1].speech_end, 6.0, rate, 200),
		    "%d Hz: pieces cover the burst", rate);
		for (i = 1, good = 1; i < g.nseg; i++)
			if (g.s[i - 1].cut && g.s[i].start != g.s[i - 1].end)
				good = 0;
		ok(good, "%d Hz: the pieces of a cut join up", rate);
	}
	if (!good)
		print_segs(&g, rate);
	free(x);
}

static void
test_noise(int rate)
{
	struct va_vad_params p = { .rate = rate };
	size_t n = (size_t)(7.0 * rate);
	float *x;
	struct got g;
	int i, good;

	/* Hum and hiss, with bursts on top. */
	x = signal(n);
	rng = 4242;
	add_hum(x, n, rate, 50, -26);
	add_noise(x, 0, n, -40);
	add_burst(x, rate, 2.0, 1.2, -20);
	add_burst(x, rate, 5.0, 1.2, -20);
	run(&p, x, n, 0, &g);
	is_int(g.nseg, 2, "%d Hz: hum and hiss, two bursts found", rate);
	good = g.nseg == 2;
	for (i = 0; good && i < g.nseg; i++)
		if (g.s[i].end - g.s[i].start > (int64_t)rate * 2)
			good = 0;
	ok(good, "%d Hz: hum and hiss make no endless segment", rate);
	if (g.nseg == 2)
		ok(near(g.s[0].start, 1.8, rate, 60) &&
		    near(g.s[1].start, 4.8, rate, 60) &&
		    near(g.s[0].speech_end, 3.2, rate, 100) &&
		    near(g.s[1].speech_end, 6.2, rate, 100),
		    "%d Hz: hum and hiss: bursts in place", rate);
	else
		print_segs(&g, rate);
	free(x);

	/* Hum and hiss alone. */
	n = (size_t)(4.0 * rate);
	x = signal(n);
	add_hum(x, n, rate, 50, -26);
	add_hum(x, n, rate, 150, -40);
	add_noise(x, 0, n, -40);
	run(&p, x, n, 0, &g);
	is_int(g.nseg, 0, "%d Hz: hum and hiss alone: nothing", rate);
	if (g.nseg != 0)
		print_segs(&g, rate);
	free(x);

	/* Pure noise at two levels, and digital silence. */
	x = signal(n);
	add_noise(x, 0, n, -50);
	run(&p, x, n, 0, &g);
	is_int(g.nseg, 0, "%d Hz: noise at -50 dBFS: nothing", rate);
	free(x);
	x = signal(n);
	add_noise(x, 0, n, -30);
	run(&p, x, n, 0, &g);
	is_int(g.nseg, 0, "%d Hz: noise at -30 dBFS: nothing", rate);
	free(x);
	x = signal(n);
	run(&p, x, n, 0, &g);
	is_int(g.nseg, 0, "%d Hz: digital silence: nothing", rate);
	free(x);
}

static void
test_finish(int rate)
{
	struct va_vad_params p = { .rate = rate };
	size_t n = (size_t)(2.0 * rate);
	float *x = signal(n);
	struct va_vad *v;
	struct got g;

	rng = 99;
	add_noise(x, 0, n, -50);
	add_burst(x, rate, 1.0, 1.0, -20);	/* to the very end */
	memset(&g, 0, sizeof(g));
	g.x = x;
	g.n = n;
	v = va_vad_new(&p);
	is_int(va_vad_active(v), 0, "%d Hz: idle at first", rate);
	va_vad_feed(v, x, (size_t)(1.5 * rate), collect, &g);
	is_int(va_vad_active(v), 1, "%d Hz: active inside a burst", rate);
	va_vad_feed(v, x + (size_t)(1.5 * rate), n - (size_t)(1.5 * rate),
	    collect, &g);
	is_int(g.nseg, 0, "%d Hz: nothing before the end", rate);
	va_vad_finish(v, collect, &g);
	is_int(g.nseg, 1, "%d Hz: finish closes the open utterance", rate);
	if (g.nseg == 1) {
		ok(g.s[0].cut == 0, "%d Hz: finished, not cut", rate);
		ok(near(g.s[0].start, 0.8, rate, 60), "%d Hz: start", rate);
		ok(g.s[0].end <= (int64_t)n && near(g.s[0].end, 2.0, rate,
		    20), "%d Hz: ends at the end of the stream", rate);
		ok(g.s[0].pcm_ok, "%d Hz: pcm", rate);
	}
	is_int(va_vad_active(v), 0, "%d Hz: idle after finish", rate);
	va_vad_finish(v, collect, &g);
	is_int(g.nseg, 1, "%d Hz: finish twice is harmless", rate);
	va_vad_free(v);

	/* Finish with nothing open emits nothing. */
	v = va_vad_new(&p);
	memset(&g, 0, sizeof(g));
	va_vad_finish(v, collect, &g);
	is_int(g.nseg, 0, "%d Hz: finish on an idle detector", rate);
	va_vad_free(v);
	va_vad_free(NULL);
	free(x);
}

/* Noise switched on after digital silence is noise, not a caller. */
static void
test_noise_onset(int rate)
{
	struct va_vad_params p = { .rate = rate };
	size_t n = (size_t)(12.0 * rate);
	float *x = signal(n);
	struct got g;

	rng = 4242;
	add_noise(x, (size_t)rate, n, -40);
	run(&p, x, n, 0, &g);
	is_int(g.nseg, 0, "%d Hz: noise after digital silence: nothing", rate);
	add_burst(x, rate, 6.0, 1.2, -20);
	run(&p, x, n, 0, &g);
	is_int(g.nseg, 1, "%d Hz: a burst over that noise is found", rate);
	if (g.nseg == 1)
		ok(near(g.s[0].speech_end, 7.2, rate, 100),
		    "%d Hz: and ends in place", rate);
	free(x);
}

/*
 * Syllables at one level with pauses between them: the pauses are part of
 * the last second, so the sound varies and is speech, however steady the
 * syllables alone would be.
 */
static void
test_even_syllables(int rate)
{
	struct va_vad_params p = { .rate = rate };
	size_t n = (size_t)(8.0 * rate);
	float *x = signal(n);
	struct got g;
	double t;

	rng = 31337;
	add_noise(x, 0, n, -50);
	for (t = 1.0; t < 7.0; t += 0.16)
		add_burst(x, rate, t, 0.08, -20);
	run(&p, x, n, 0, &g);
	is_int(g.nseg, 1, "%d Hz: even syllables are one utterance", rate);
	if (g.nseg == 1)
		ok(near(g.s[0].start, 0.8, rate, 60) &&
		    near(g.s[0].speech_end, 7.0, rate, 100),
		    "%d Hz: even syllables: from first to last", rate);
	else
		print_segs(&g, rate);
	free(x);
}

int
main(void)
{
	static const int rates[] = { 8000, 16000 };
	size_t i;

	for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		test_two_bursts(rates[i]);
		test_short_and_gaps(rates[i]);
		test_max_utterance(rates[i]);
		test_noise(rates[i]);
		test_finish(rates[i]);
		test_noise_onset(rates[i]);
		test_even_syllables(rates[i]);
	}
	{
		struct va_vad_params bad = { 0 };

		errno = 0;
		ok(va_vad_new(&bad) == NULL && errno == EINVAL,
		    "a rate of 0 is refused, not divided by");
	}
	return tap_done();
}
