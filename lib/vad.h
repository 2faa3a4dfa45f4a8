/*
 * vad.h - voice activity detection and endpointing for telephone audio.
 *
 * Mono samples go in at any rate; finished utterances come out through a
 * callback. The detector works on 10 ms frames of the telephone band
 * (250-3400 Hz, which leaves out mains hum and rumble), compares each
 * frame's energy with an adaptive noise floor (falls fast, rises slowly,
 * frozen while someone speaks), and calls a frame speech when it stands
 * threshold_db above the floor and above an absolute minimum. An utterance
 * starts at the first speech frame less pre_roll_ms (less when the stream's
 * start or an earlier utterance, kept or dropped, is nearer: no sample is
 * in two), ends after silence_ms without speech (plus a tail of
 * pre_roll_ms, or what was fed of it), is dropped when it holds less than
 * min_speech_ms of speech, and is cut when it reaches max_utterance_ms,
 * pre-roll included: the cut flag is set, every sample is kept, and the
 * next speech frame opens the next utterance, which starts where the cut
 * one ended when speech goes on within pre_roll_ms. Reaching
 * max_utterance_ms half of silence_ms or more into a pause ends the turn
 * instead, uncut. Durations count whole frames, so an utterance can pass
 * max_utterance_ms by up to a frame (and the first frame, when pre_roll_ms
 * alone is longer); samples short of a whole frame are not judged, and
 * va_vad_finish() ends an open utterance at the last whole frame.
 * Steady line noise raises the floor, not the speech count, so hiss and hum
 * do not make endless utterances; and a second of loud sound whose level
 * in 40 ms blocks varies by less than 1 dB (noise switched on after digital
 * silence, a tone) becomes the floor at once, dropping the utterance it
 * opened: speech rises and falls with every syllable.
 */
#ifndef VA_VAD_H
#define VA_VAD_H

#include <stddef.h>
#include <stdint.h>

struct va_vad_params {
	int	rate;			/* samples per second */
	int	silence_ms;		/* silence that ends a turn; 0: 700 */
	int	min_speech_ms;		/* 0: 200 */
	int	max_utterance_ms;	/* 0: 15000 */
	int	pre_roll_ms;		/* 0: 200; < 0 for none */
	double	threshold_db;		/* above the noise floor; 0: 10 */
	double	min_level_db;		/* absolute floor in dBFS; 0: -55 */
};

struct va_vad_segment {
	int64_t	start;		/* first sample, from the start of the stream */
	int64_t	end;		/* one past the last sample */
	int64_t	speech_end;	/* one past the last speech frame */
	const float *pcm;	/* end - start samples, borrowed */
	int	cut;		/* ended by max_utterance_ms */
	int	level_db;	/* mean level of the speech frames, dBFS */
};

typedef void (*va_vad_cb)(const struct va_vad_segment *, void *arg);

struct va_vad;

/* NULL when out of memory, or with errno EINVAL for a rate below 100 Hz. */
struct va_vad *va_vad_new(const struct va_vad_params *);
void	va_vad_free(struct va_vad *);
/* Feed n samples; calls cb for every utterance that ends within them. */
void	va_vad_feed(struct va_vad *, const float *x, size_t n, va_vad_cb,
	    void *arg);
/* End of stream: an utterance still open ends here. */
void	va_vad_finish(struct va_vad *, va_vad_cb, void *arg);
/* 1 while an utterance is open (for barge-in). */
int	va_vad_active(const struct va_vad *);

#endif
