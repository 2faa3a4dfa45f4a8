/*
 * audio.h - audio in and out over libsndfile (and through it libopus and
 * libmpg123), and resampling over libsoxr. The only file that includes
 * sndfile.h and soxr.h.
 *
 * Samples in memory are float, interleaved, in [-1, 1]: a NaN or an
 * infinity in float data is read as 0, a value past full scale as 1 or -1.
 *
 * Reading: every container libsndfile reads (wav, flac, ogg/vorbis,
 * ogg/opus, mp3, aiff, au, ...), recognised by content; raw headerless
 * audio by format name: "mulaw" and "alaw" (8 kHz mono unless told
 * otherwise) and "s16le" (16-bit little-endian PCM; rate required), chosen
 * with va_audio_fmt or by file extension (.ul .ulaw .mulaw .mu, .al .alaw,
 * .raw .pcm .s16). The path "-" reads standard input (read whole into memory,
 * so pipes work for every format).
 *
 * Damaged input: a file that cannot be opened or recognised is an error
 * naming the file; a file whose data ends before its header says (a
 * truncated wav, a broken mp3 frame) is read up to the damage and reported
 * with the file and the position (frame and seconds) through va_log diag
 * "audio_truncated", and va_audio_reader.damaged is set.
 *
 * Writing: "wav" (16-bit PCM), "opus" (ogg/opus; libopus supports 8, 12,
 * 16, 24 and 48 kHz, other rates are resampled to 48 kHz; "ogg" is a
 * synonym), "mulaw" (raw G.711 mu-law, 8 kHz mono, downmixed and resampled
 * when needed), "alaw" (the same in A-law), "s16le" (raw PCM, rate and
 * channels kept), and, for tests and archives, "flac" (16-bit), "vorbis"
 * (ogg/vorbis) and "mp3" (when libsndfile was built with lame; rates MPEG
 * lacks are resampled to 48 kHz).  16-bit output is rounded and clipped as
 * va_pcm_to_s16 does.
 */
#ifndef VA_AUDIO_H
#define VA_AUDIO_H

#include <stddef.h>
#include <stdint.h>

struct va_audio_fmt {
	const char *format;	/* NULL: by content, then by extension */
	int	rate;		/* for raw formats; 0: 8000 for mulaw/alaw */
	int	channels;	/* for raw formats; 0: 1 */
};

struct va_audio_reader {
	char	*path;		/* as given, for messages */
	int	rate;
	int	channels;
	int64_t	frames;		/* frames the header promises; -1 unknown */
	int64_t	pos;		/* frames read so far */
	int	damaged;	/* set when reading stopped at damaged data */
	const char *format;	/* "wav", "flac", "opus", "vorbis", "mp3",
				   "mulaw", "alaw", "s16le", ... (static) */
	void	*priv;
};

/* Open for reading; NULL on failure (logged, diag "audio_open"). */
struct va_audio_reader *va_audio_open(const char *path,
	    const struct va_audio_fmt *fmt);
/*
 * Read up to n frames (n * channels floats) into buf. Returns the number
 * of frames read, 0 at end of data, -1 on an I/O error (logged). After
 * a 0 every read gives 0, even where a decoder would find frames again
 * past damage.
 */
long	va_audio_read(struct va_audio_reader *, float *buf, size_t n);
void	va_audio_close(struct va_audio_reader *);

/*
 * Read a whole file, downmixed or channel-picked to mono, at its own rate.
 * channel: -1 mixes all channels, 0.. picks one. Returns a new array
 * (free()) and sets *frames and *rate; NULL on failure (logged).
 */
float	*va_audio_load_mono(const char *path, const struct va_audio_fmt *,
	    int channel, size_t *frames, int *rate);

/* Resampler for a stream (libsoxr, high quality). */
struct va_resampler;
struct va_resampler *va_resampler_new(int in_rate, int out_rate, int channels);
/*
 * Feed in_frames frames; writes at most out_cap frames to out and returns
 * the number written, -1 on error (logged, diag "resample").  Nothing is
 * lost when out_cap is small: output that does not fit is kept and comes
 * first from the next call (in non-NULL with in_frames 0 only drains it).
 * out_cap of in_frames * out_rate / in_rate + 64 is normally enough.
 * At end of stream, flush with in NULL and in_frames 0, calling again
 * until it returns 0; after that the resampler only returns 0.
 */
long	va_resampler_run(struct va_resampler *, const float *in,
	    size_t in_frames, float *out, size_t out_cap);
void	va_resampler_free(struct va_resampler *);
/* One-shot mono resampling; new array (free()), *out_frames set. */
float	*va_resample(const float *in, size_t frames, int in_rate, int out_rate,
	    size_t *out_frames);

/* Encode mono or interleaved audio in a format named above to a new
 * buffer (free()); 0 or -1 (logged). */
int	va_audio_encode(const char *format, int rate, int channels,
	    const float *pcm, size_t frames, unsigned char **buf, size_t *len);
/* Write to a file ("-": standard output); the format may be NULL to choose
 * by extension (.wav .opus .ogg .ul .ulaw .mulaw .mu .al .alaw .raw .pcm
 * .s16 .flac .mp3).  The audio is encoded whole before the file is
 * created, so a failed encoding leaves no file.  0 or -1 (logged, diag
 * "audio_write"). */
int	va_audio_write(const char *path, const char *format, int rate,
	    int channels, const float *pcm, size_t frames);

/* G.711 one sample at a time (16-bit linear). */
uint8_t	va_ulaw_encode(int16_t);
int16_t	va_ulaw_decode(uint8_t);
uint8_t	va_alaw_encode(int16_t);
int16_t	va_alaw_decode(uint8_t);

/* Float to int16 with clipping, and back. */
void	va_pcm_to_s16(const float *in, int16_t *out, size_t n);
void	va_pcm_from_s16(const int16_t *in, float *out, size_t n);

#endif
