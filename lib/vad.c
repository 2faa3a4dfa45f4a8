/*
 * vad.c - energy-over-adaptive-floor voice activity detection (see vad.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "vad.h"

/* A second of sound whose level varies less than this is noise, not speech. */
#define STEADY_FRAMES	100
#define STEADY_SD_DB	1.0

struct va_vad {
	struct va_vad_params p;
	int	frame;		/* samples per 10 ms frame */
	float	*fbuf;		/* current partial frame */
	int	flen;
	struct biquad {
		double	b0, b1, b2, a1, a2;
		double	x1, x2, y1, y2;
	} bq[4];		/* band-pass: two high-pass, two low-pass */
	int	nbq;
	double	floor_db;
	double	hist[STEADY_FRAMES];	/* recent frame powers, linear */
	int	nhist, hpos;
	int	have_floor;
	int64_t	pos;		/* samples consumed (frames completed * frame) */
	/* Pre-roll ring of raw samples. */
	float	*ring;
	size_t	ring_cap, ring_len;
	/* The open utterance. */
	int	active;
	float	*utt;
	size_t	utt_len, utt_cap;
	int64_t	utt_start;
	int64_t	speech_end;	/* one past the last speech frame */
	int	speech_frames;
	int	silence_frames;
	double	level_sum;
};

/* RBJ cookbook Butterworth section (Q = 1/sqrt 2), high- or low-pass. */
static void
biquad_init(struct biquad *b, int rate, double fc, int high)
{
	double w = 2.0 * M_PI * fc / rate, c = cos(w);
	double alpha = sin(w) / (2.0 * M_SQRT1_2), a0 = 1.0 + alpha;

	memset(b, 0, sizeof(*b));
	if (high) {
		b->b0 = (1.0 + c) / 2.0 / a0;
		b->b1 = -(1.0 + c) / a0;
	} else {
		b->b0 = (1.0 - c) / 2.0 / a0;
		b->b1 = (1.0 - c) / a0;
	}
	b->b2 = b->b0;
	b->a1 = -2.0 * c / a0;
	b->a2 = (1.0 - alpha) / a0;
}

static double
biquad_run(struct biquad *b, double x)
{
	double y = b->b0 * x + b->b1 * b->x1 + b->b2 * b->x2 -
	    b->a1 * b->y1 - b->a2 * b->y2;

	b->x2 = b->x1;
	b->x1 = x;
	b->y2 = b->y1;
	b->y1 = y;
	return y;
}

static int
ms_to_frames(int ms)
{
	return (ms + 9) / 10;
}

struct va_vad *
va_vad_new(const struct va_vad_params *pp)
{
	struct va_vad *v;

	/* Below 100 Hz a 10 ms frame has no sample; the band filter neither. */
	if (pp->rate < 100) {
		errno = EINVAL;
		return NULL;
	}
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return NULL;
	v->p = *pp;
	if (v->p.silence_ms <= 0)
		v->p.silence_ms = 700;
	if (v->p.min_speech_ms <= 0)
		v->p.min_speech_ms = 200;
	if (v->p.max_utterance_ms <= 0)
		v->p.max_utterance_ms = 15000;
	if (v->p.pre_roll_ms == 0)
		v->p.pre_roll_ms = 200;
	else if (v->p.pre_roll_ms < 0)
		v->p.pre_roll_ms = 0;
	if (v->p.threshold_db <= 0)
		v->p.threshold_db = 10;
	if (v->p.min_level_db == 0)
		v->p.min_level_db = -55;
	v->frame = v->p.rate / 100;
	if (v->frame < 1)
		v->frame = 1;
	/*
	 * The telephone band, 250-3400 Hz, 4th order each side: mains hum
	 * and its low harmonics and rumble fall outside, speech does not.
	 */
	biquad_init(&v->bq[0], v->p.rate, 250, 1);
	biquad_init(&v->bq[1], v->p.rate, 250, 1);
	v->nbq = 2;
	if (v->p.rate > 8000) {
		biquad_init(&v->bq[2], v->p.rate, 3400, 0);
		biquad_init(&v->bq[3], v->p.rate, 3400, 0);
		v->nbq = 4;
	}
	v->fbuf = calloc((size_t)v->frame, sizeof(float));
	v->ring_cap = (size_t)v->p.rate * (size_t)v->p.pre_roll_ms / 1000;
	/* One slot more: without pre-roll calloc(0) may return NULL. */
	v->ring = calloc(v->ring_cap + 1, sizeof(float));
	if (v->fbuf == NULL || v->ring == NULL) {
		va_vad_free(v);
		return NULL;
	}
	return v;
}

void
va_vad_free(struct va_vad *v)
{
	if (v == NULL)
		return;
	free(v->fbuf);
	free(v->ring);
	free(v->utt);
	free(v);
}

int
va_vad_active(const struct va_vad *v)
{
	return v->active;
}

static void
utt_append(struct va_vad *v, const float *x, size_t n)
{
	size_t ncap;
	float *t;

	/* Nothing to add (no pre-roll): utt may still be NULL. */
	if (n == 0)
		return;
	if (v->utt_len + n > v->utt_cap) {
		ncap = v->utt_cap ? v->utt_cap : (size_t)v->p.rate;
		while (ncap < v->utt_len + n)
			ncap *= 2;
		if ((t = realloc(v->utt, ncap * sizeof(float))) == NULL)
			va_die(71, "out_of_memory", "out of memory");
		v->utt = t;
		v->utt_cap = ncap;
	}
	memcpy(v->utt + v->utt_len, x, n * sizeof(float));
	v->utt_len += n;
}

static void
ring_push(struct va_vad *v, const float *x, size_t n)
{
	if (v->ring_cap == 0)
		return;
	if (n >= v->ring_cap) {
		memcpy(v->ring, x + n - v->ring_cap, v->ring_cap * sizeof(float));
		v->ring_len = v->ring_cap;
		return;
	}
	if (v->ring_len + n > v->ring_cap) {
		size_t drop = v->ring_len + n - v->ring_cap;

		memmove(v->ring, v->ring + drop,
		    (v->ring_len - drop) * sizeof(float));
		v->ring_len -= drop;
	}
	memcpy(v->ring + v->ring_len, x, n * sizeof(float));
	v->ring_len += n;
}

/* Close the open utterance; emit it when it holds enough speech. */
static void
close_utt(struct va_vad *v, int cut, va_vad_cb cb, void *arg)
{
	struct va_vad_segment seg;
	int64_t keep_end, tail;

	if (v->speech_frames * 10 >= v->p.min_speech_ms) {
		/* A cut keeps every sample, so the pieces join up. */
		tail = (int64_t)v->p.rate * v->p.pre_roll_ms / 1000;
		keep_end = cut ? v->utt_start + (int64_t)v->utt_len :
		    v->speech_end + tail;
		if (keep_end > v->utt_start + (int64_t)v->utt_len)
			keep_end = v->utt_start + (int64_t)v->utt_len;
		seg.start = v->utt_start;
		seg.end = keep_end;
		seg.speech_end = v->speech_end;
		seg.pcm = v->utt;
		seg.cut = cut;
		seg.level_db = (int)lrint(v->level_sum / v->speech_frames);
		cb(&seg, arg);
	}
	v->active = 0;
	v->utt_len = 0;
	v->speech_frames = 0;
	v->silence_frames = 0;
	v->level_sum = 0;
}

/*
 * Record e; 1 when the last second barely varies. The level is judged in
 * 40 ms blocks: long enough to smooth the random spread of noise, short
 * enough to keep the rise and fall of syllables.
 */
static int
steady(struct va_vad *v, double e)
{
	double blk[STEADY_FRAMES / 4], mean = 0, var = 0, p;
	int i, j, nb = STEADY_FRAMES / 4;

	/* Linear, so the blocks below sum without a pow() per frame each. */
	v->hist[v->hpos] = pow(10.0, e / 10.0);
	v->hpos = (v->hpos + 1) % STEADY_FRAMES;
	if (v->nhist < STEADY_FRAMES) {
		v->nhist++;
		return 0;
	}
	for (i = 0; i < nb; i++) {
		for (p = 0, j = 0; j < 4; j++)
			p += v->hist[(v->hpos + 4 * i + j) % STEADY_FRAMES];
		blk[i] = 10.0 * log10(p / 4);
		mean += blk[i];
	}
	mean /= nb;
	for (i = 0; i < nb; i++)
		var += (blk[i] - mean) * (blk[i] - mean);
	return sqrt(var / nb) < STEADY_SD_DB;
}

static void
frame_done(struct va_vad *v, const float *raw, va_vad_cb cb, void *arg)
{
	double sum = 0, y, e;
	int i, k, speech, st;

	for (i = 0; i < v->frame; i++) {
		y = raw[i];
		for (k = 0; k < v->nbq; k++)
			y = biquad_run(&v->bq[k], y);
		sum += y * y;
	}
	e = 10.0 * log10(sum / v->frame + 1e-12);
	if (!v->have_floor) {
		v->floor_db = e;
		v->have_floor = 1;
	}
	speech = e > v->floor_db + v->p.threshold_db && e > v->p.min_level_db;
	/*
	 * Every frame goes into the history, not only speech frames: the
	 * quiet frames between syllables are what make speech vary, and
	 * loud syllables alone, strung together, can look steady.
	 */
	st = steady(v, e);
	if (speech && st) {
		/*
		 * Speech rises and falls with every syllable; a second of
		 * loud sound that does not (hum or hiss switched on after
		 * digital silence, a tone) is the new noise floor, and what
		 * it made of the open utterance is dropped.
		 */
		v->floor_db = e;
		speech = 0;
		if (v->active) {
			v->speech_frames = 0;
			close_utt(v, 0, cb, arg);
		}
	}
	/* The floor falls fast and rises slowly, and holds during speech. */
	if (e < v->floor_db)
		v->floor_db += 0.3 * (e - v->floor_db);
	else if (!speech)
		v->floor_db += 0.02 * (e - v->floor_db);
	else
		v->floor_db += 0.002 * (e - v->floor_db);

	if (!v->active) {
		if (speech) {
			v->active = 1;
			v->utt_len = 0;
			v->utt_start = v->pos - (int64_t)v->ring_len;
			utt_append(v, v->ring, v->ring_len);
			v->ring_len = 0;
		} else {
			ring_push(v, raw, (size_t)v->frame);
			v->pos += v->frame;
			return;
		}
	}
	utt_append(v, raw, (size_t)v->frame);
	v->pos += v->frame;
	if (speech) {
		v->speech_frames++;
		v->silence_frames = 0;
		v->speech_end = v->pos;
		v->level_sum += e;
	} else
		v->silence_frames++;
	if (v->silence_frames >= ms_to_frames(v->p.silence_ms))
		close_utt(v, 0, cb, arg);
	else if ((int64_t)v->utt_len * 1000 >=
	    (int64_t)v->p.max_utterance_ms * v->p.rate) {
		/*
		 * Too long. In the middle of speech (a pause between words
		 * included) it is a cut and the next frame opens a new
		 * utterance; well into the trailing silence the turn simply
		 * ended a little early.
		 */
		close_utt(v, v->silence_frames * 10 < v->p.silence_ms / 2,
		    cb, arg);
	}
}

void
va_vad_feed(struct va_vad *v, const float *x, size_t n, va_vad_cb cb,
    void *arg)
{
	size_t take;

	while (n > 0) {
		take = (size_t)(v->frame - v->flen);
		if (take > n)
			take = n;
		memcpy(v->fbuf + v->flen, x, take * sizeof(float));
		v->flen += (int)take;
		x += take;
		n -= take;
		if (v->flen == v->frame) {
			frame_done(v, v->fbuf, cb, arg);
			v->flen = 0;
		}
	}
}

void
va_vad_finish(struct va_vad *v, va_vad_cb cb, void *arg)
{
	if (v->active)
		close_utt(v, 0, cb, arg);
}
