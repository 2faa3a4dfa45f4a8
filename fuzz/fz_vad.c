/*
 * fz_vad.c - fuzz voice activity detection and endpointing (lib/vad.c)
 * against what vad.h promises, and against itself fed in other chunks.
 *
 * The input: a header of nine bytes choosing the parameters (rate 8000,
 * 16000, 44100 or 48000; silence_ms, min_speech_ms, max_utterance_ms,
 * pre_roll_ms, negative included, threshold_db, min_level_db, each 0 for
 * the default), whether the stream is finished, and how it is chunked;
 * then records that make the samples: a repeat count, a shape (level in
 * 6 dB steps, an on/off modulation of the repeats, so that repeats can be
 * syllables rather than a steady tone, and a long-repeat flag) and a
 * pattern of s16le samples (none: digital silence). A few bytes so make
 * seconds of audio, and max_utterance_ms and long turns are reached.
 *
 * Properties, for the samples fed whole and again in fuzzed chunks (sizes
 * 0 upwards), each segment against the samples and the parameters in
 * force (the defaults of vad.h where 0):
 * - 0 <= start < speech_end <= end <= the samples fed so far (the whole
 *   stream at va_vad_finish()), and each starts at or after the last
 *   one's end;
 * - pcm is exactly the samples fed over [start, end);
 * - the segment holds min_speech_ms of speech frames before speech_end;
 * - speech_end is on a 10 ms frame; start is the first speech frame less
 *   the pre-roll (rate * pre_roll_ms / 1000 samples, to the sample) or
 *   less (back to the stream's start or an earlier utterance, both on a
 *   frame), so on a frame or a pre-roll before one; with no pre-roll, on
 *   a frame;
 * - cut is set only when the utterance reached max_utterance_ms, and it
 *   then ended inside a pause shorter than silence_ms; no utterance
 *   passes max_utterance_ms by a whole frame (or, when the pre-roll alone
 *   is longer, is longer than the pre-roll and its first frame);
 * - an uncut segment ends at most a tail of pre_roll_ms after its speech,
 *   and, unless the stream was finished, only once silence_ms of silence
 *   or max_utterance_ms of utterance had been fed;
 * - level_db is no lower than min_level_db (each speech frame is above
 *   it) and not above what full-scale samples can give;
 * - the segments and va_vad_active() are the same however the samples are
 *   chunked, and va_vad_active() is 0 after va_vad_finish().
 *
 * Not checked: whether a segment is speech, and so whether one that
 * should be there is missing (the detector's judgement, the adaptive
 * floor and the steady-noise rule, is what t_vad checks on synthesized
 * speech); where the piece after a cut starts; out of memory (vad.c dies
 * on it). Samples are capped at MAXN, so the default max_utterance_ms is
 * reached at 8 kHz only.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fz.h"
#include "vad.h"

/* 20 s at 8 kHz, past the default max_utterance_ms; 3.3 s at 48 kHz. */
#define MAXN	160000

struct in {
	const uint8_t *p;
	size_t	n, i;
};

struct seg {
	int64_t	start, end, speech_end;
	int	cut, level_db;
};

struct run {
	/* What the segments are checked against. */
	const float *x;
	size_t	n;
	int	rate, frame, silence_ms, min_speech_ms, max_ms;
	int64_t	tail;		/* pre-roll (and tail) in samples */
	double	min_level_db;
	int	no_preroll;
	/* The run. */
	size_t	fed;		/* samples handed over, the current call's too */
	int	finishing;
	struct seg *s;
	size_t	ns, cap;
};

static int
byte(struct in *in)
{
	return in->i < in->n ? in->p[in->i++] : 0;
}

static void
check(const struct va_vad_segment *vs, void *arg)
{
	struct run *r = arg;
	int64_t len = vs->end - vs->start, m1000 = (int64_t)r->max_ms * r->rate;
	int64_t frame = r->frame;
	struct seg *s;

	FZ_CHECK(vs->start >= 0 && vs->start < vs->speech_end);
	FZ_CHECK(vs->speech_end <= vs->end && vs->end <= (int64_t)r->fed);
	if (r->ns > 0)
		FZ_CHECK(vs->start >= r->s[r->ns - 1].end);
	FZ_CHECK(vs->pcm != NULL);
	FZ_CHECK(memcmp(vs->pcm, r->x + vs->start,
	    (size_t)len * sizeof(float)) == 0);

	FZ_CHECK(vs->speech_end - vs->start >=
	    (int64_t)(r->min_speech_ms + 9) / 10 * frame);
	FZ_CHECK(vs->speech_end % frame == 0);
	FZ_CHECK(vs->start % frame == 0 || (vs->start + r->tail) % frame == 0);
	if (r->no_preroll)
		FZ_CHECK(vs->start % frame == 0);

	FZ_CHECK(vs->cut == 0 || vs->cut == 1);
	if (vs->cut) {
		FZ_CHECK(len * 1000 >= m1000);
		FZ_CHECK((vs->end - vs->speech_end) * 1000 <
		    (int64_t)r->silence_ms * r->rate);
	} else {
		FZ_CHECK(vs->end - vs->speech_end <= r->tail);
		if (!r->finishing)
			FZ_CHECK(((int64_t)r->fed - vs->start) * 1000 >= m1000 ||
			    ((int64_t)r->fed - vs->speech_end) * 1000 >=
			    (int64_t)r->silence_ms * r->rate);
	}
	FZ_CHECK(len * 1000 < m1000 + frame * 1000 || len <= r->tail + frame);

	FZ_CHECK(vs->level_db >= lrint(r->min_level_db));
	FZ_CHECK(vs->level_db >= -120 && vs->level_db <= 20);

	if (r->ns == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 16;
		if ((r->s = realloc(r->s, r->cap * sizeof(*r->s))) == NULL)
			abort();
	}
	s = &r->s[r->ns++];
	s->start = vs->start;
	s->end = vs->end;
	s->speech_end = vs->speech_end;
	s->cut = vs->cut;
	s->level_db = vs->level_db;
}

/*
 * The samples the records after the header describe (new, *n set). A
 * record is a repeat count, a shape and a pattern length, then the
 * pattern's s16le samples; the shape's low four bits attenuate by 6 dB a
 * step, bits 4-6 (k) switch every 2^(k-1) repeats between full and 18 dB
 * down, and bit 7 makes the count sixteen times longer.
 */
static float *
samples(struct in *in, size_t max, size_t *n)
{
	float *x, pat[255], g;
	size_t len, nx = 0, reps, i, j;
	int shape, k, half;

	if ((x = malloc(max * sizeof(float) + 1)) == NULL)
		abort();
	while (in->i < in->n && nx < max) {
		reps = (size_t)byte(in) + 1;
		shape = byte(in);
		len = (size_t)byte(in);
		if (shape & 0x80)
			reps *= 16;
		for (j = 0; j < len; j++) {
			k = byte(in);
			k |= byte(in) << 8;
			pat[j] = (float)(int16_t)k / 32768.0f;
		}
		if (len == 0) {
			len = 64;
			memset(pat, 0, sizeof(pat));
		}
		half = (shape >> 4) & 7;
		for (i = 0; i < reps && nx < max; i++) {
			g = 1.0f / (float)(1 << (shape & 15));
			if (half > 0 && (i >> (half - 1)) % 2 == 1)
				g /= 8;
			for (j = 0; j < len && nx < max; j++)
				x[nx++] = pat[j] * g;
		}
	}
	*n = nx;
	return x;
}

/* Feed x in chunks: all at once when max is 0, else of 0 to max samples. */
static void
feed(const struct va_vad_params *p, struct run *r, size_t max,
    uint32_t seed, int finish, int *active)
{
	struct va_vad *v;
	size_t off = 0, k;

	if ((v = va_vad_new(p)) == NULL)
		abort();
	FZ_CHECK(va_vad_active(v) == 0);
	r->ns = 0;
	r->fed = 0;
	r->finishing = 0;
	while (off < r->n) {
		k = r->n - off;
		if (max > 0) {
			seed = seed * 1103515245 + 12345;
			if (k > (seed >> 8) % (max + 1))
				k = (seed >> 8) % (max + 1);
		}
		r->fed = off + k;
		va_vad_feed(v, r->x + off, k, check, r);
		off += k;
	}
	*active = va_vad_active(v);
	if (finish) {
		r->finishing = 1;
		va_vad_finish(v, check, r);
		FZ_CHECK(va_vad_active(v) == 0);
	}
	va_vad_free(v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int rates[] = { 8000, 16000, 44100, 48000 };
	static const size_t chunks[] = { 1, 3, 79, 160, 441, 1000, 4801,
	    65536 };
	struct in in = { data, size, 0 };
	struct va_vad_params p;
	struct run r;
	struct seg *whole;
	float *x;
	size_t nwhole, maxchunk;
	uint32_t seed;
	int b, finish, act1, act2;

	memset(&p, 0, sizeof(p));
	memset(&r, 0, sizeof(r));
	b = byte(&in);
	p.rate = rates[b & 3];
	finish = !(b & 4);
	p.silence_ms = byte(&in) * 10;
	p.min_speech_ms = byte(&in) * 10;
	p.max_utterance_ms = byte(&in) * 40;
	b = byte(&in);
	p.pre_roll_ms = b & 0x80 ? -(b & 0x7f) - 1 : b * 10;
	p.threshold_db = byte(&in) / 8.0;
	b = byte(&in);
	p.min_level_db = b ? -10 - b * 0.3 : 0;
	maxchunk = chunks[byte(&in) & 7];
	seed = (uint32_t)byte(&in);

	/* The parameters in force, as vad.h gives the defaults. */
	r.rate = p.rate;
	r.frame = p.rate / 100;
	r.silence_ms = p.silence_ms ? p.silence_ms : 700;
	r.min_speech_ms = p.min_speech_ms ? p.min_speech_ms : 200;
	r.max_ms = p.max_utterance_ms ? p.max_utterance_ms : 15000;
	r.no_preroll = p.pre_roll_ms < 0;
	r.tail = r.no_preroll ? 0 : (int64_t)p.rate *
	    (p.pre_roll_ms ? p.pre_roll_ms : 200) / 1000;
	r.min_level_db = p.min_level_db ? p.min_level_db : -55;

	x = samples(&in, MAXN, &r.n);
	r.x = x;
	feed(&p, &r, 0, seed, finish, &act1);
	whole = r.s;
	nwhole = r.ns;
	r.s = NULL;
	r.ns = r.cap = 0;
	feed(&p, &r, maxchunk, seed, finish, &act2);
	FZ_CHECK(act1 == act2);
	FZ_CHECK(r.ns == nwhole);
	FZ_CHECK(nwhole == 0 || memcmp(r.s, whole,
	    nwhole * sizeof(*whole)) == 0);
	free(whole);
	free(r.s);
	free(x);
	return 0;
}
