/*
 * t_audio.c - unit tests for lib/audio.c: every container this libsndfile
 * reads and writes, raw G.711 and PCM, standard input, damaged files,
 * channel picking, resampling, G.711 itself and NaN in float data.  The
 * audio is made here, in a temporary directory; nothing is read from
 * outside.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio.h"
#include "log.h"
#include "tap.h"

#define PI	3.14159265358979323846

static char dir[64];
static char files[64][128];
static int nfiles;
static const char *errpath;
static int saved_stderr = -1;

/* A path in the test directory, removed at the end. */
static const char *
tpath(const char *name)
{
	char *p = files[nfiles++];

	snprintf(p, sizeof(files[0]), "%s/%s", dir, name);
	return p;
}

static void
cleanup(void)
{
	int i;

	for (i = 0; i < nfiles; i++)
		unlink(files[i]);
	rmdir(dir);
}

/* Diagnostics go to a file while a test expects them. */
static void
capture_begin(void)
{
	int fd;

	fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	saved_stderr = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
}

/* Stop capturing; returns what was logged (static buffer). */
static const char *
capture_end(void)
{
	static char buf[8192];
	ssize_t n;
	int fd;

	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	buf[0] = '\0';
	if ((fd = open(errpath, O_RDONLY)) == -1)
		return buf;
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	return buf;
}

/* a1 sin(f1) + a2 sin(f2), channels interleaved with the same signal. */
static float *
tone(size_t n, int rate, double a1, double f1, double a2, double f2)
{
	float *x = malloc(sizeof(float) * n);
	size_t i;

	for (i = 0; i < n; i++)
		x[i] = (float)(a1 * sin(2 * PI * f1 * i / rate) +
		    a2 * sin(2 * PI * f2 * i / rate));
	return x;
}

/* Amplitude of the component at f (Goertzel over x[0..n)). */
static double
goertzel(const float *x, size_t n, int rate, double f)
{
	double w = 2 * PI * f / rate, c = 2 * cos(w), s0, s1 = 0, s2 = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		s0 = x[i] + c * s1 - s2;
		s2 = s1;
		s1 = s0;
	}
	return 2 * sqrt(s1 * s1 + s2 * s2 - c * s1 * s2) / n;
}

static double
rms(const float *x, size_t n)
{
	double s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += (double)x[i] * x[i];
	return n > 0 ? sqrt(s / n) : 0;
}

static double
maxdiff(const float *a, const float *b, size_t n)
{
	double d, m = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if ((d = fabs((double)a[i] - b[i])) > m)
			m = d;
	return m;
}

static int
near(double got, double want, double tol)
{
	return fabs(got - want) <= tol;
}

static off_t
fsize(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : -1;
}

/* Read all of an open reader; a new array, frames in *n. */
static float *
read_all(struct va_audio_reader *r, size_t *n)
{
	size_t cap = 1024, len = 0;
	float *x = malloc(sizeof(float) * cap * r->channels);
	long got;

	for (;;) {
		if (len + 512 > cap) {
			cap *= 2;
			x = realloc(x, sizeof(float) * cap * r->channels);
		}
		if ((got = va_audio_read(r, x + len * r->channels, 512)) <= 0)
			break;
		len += (size_t)got;
	}
	*n = len;
	return x;
}

static void
test_g711(void)
{
	long bad_u = 0, bad_a = 0, e, tol;
	int x, c;

	is_int(va_ulaw_encode(0), 0xff, "ulaw_encode(0) == 0xFF");
	is_int(va_alaw_encode(0), 0xd5, "alaw_encode(0) == 0xD5");
	is_int(va_ulaw_decode(0xff), 0, "ulaw_decode(0xFF) == 0");
	is_int(va_ulaw_decode(0x80), 32124, "ulaw_decode(0x80) == 32124");
	is_int(va_ulaw_decode(0x00), -32124, "ulaw_decode(0x00) == -32124");
	is_int(va_alaw_decode(0xd5), 8, "alaw_decode(0xD5) == 8");
	is_int(va_alaw_decode(0x55), -8, "alaw_decode(0x55) == -8");
	is_int(va_alaw_decode(0xaa), 32256, "alaw_decode(0xAA) == 32256");
	is_int(va_alaw_decode(0x2a), -32256, "alaw_decode(0x2A) == -32256");
	is_int(va_ulaw_encode(32767), 0x80, "ulaw_encode(32767) clips");
	is_int(va_ulaw_encode(-32768), 0x00, "ulaw_encode(-32768) clips");
	is_int(va_alaw_encode(32767), 0xaa, "alaw_encode(32767) clips");
	is_int(va_alaw_encode(-32768), 0x2a, "alaw_encode(-32768) clips");
	is_int(va_ulaw_encode(1000), 0xce, "ulaw_encode(1000) == 0xCE");
	is_int(va_alaw_encode(1000), 0xfa, "alaw_encode(1000) == 0xFA");

	/* Half a quantisation step (1/32 of the magnitude) plus the bias. */
	for (x = -32768; x <= 32767; x++) {
		tol = labs((long)x) / 32 + 8;
		e = labs((long)va_ulaw_decode(va_ulaw_encode((int16_t)x)) - x);
		if (e > tol && ++bad_u < 4)
			printf("# ulaw %d -> %ld off\n", x, e);
		e = labs((long)va_alaw_decode(va_alaw_encode((int16_t)x)) - x);
		if (e > tol && ++bad_a < 4)
			printf("# alaw %d -> %ld off\n", x, e);
	}
	is_int(bad_u, 0, "ulaw round trip within a half step, all 65536");
	is_int(bad_a, 0, "alaw round trip within a half step, all 65536");

	bad_u = bad_a = 0;
	for (c = 0; c < 256; c++) {
		/* 0x7f is mu-law's negative zero, which encodes as 0xff. */
		if (c != 0x7f &&
		    va_ulaw_encode(va_ulaw_decode((uint8_t)c)) != c)
			bad_u++;
		if (va_alaw_encode(va_alaw_decode((uint8_t)c)) != c)
			bad_a++;
	}
	is_int(bad_u, 0, "every ulaw code decodes to a value that encodes "
	    "back to it");
	is_int(bad_a, 0, "every alaw code decodes to a value that encodes "
	    "back to it");
}

static void
test_pcm(void)
{
	float in[] = { 0.0f, 1.0f, -1.0f, 2.0f, -2.0f, 0.5f, -0.5f,
	    1.4f / 32768, 1.6f / 32768, NAN };
	int16_t want[] = { 0, 32767, -32768, 32767, -32768, 16384, -16384,
	    1, 2, 0 };
	int16_t out[10], s[] = { -32768, 16384, 0, 32767 };
	float f[4];
	int i, bad = 0;

	va_pcm_to_s16(in, out, 10);
	for (i = 0; i < 10; i++)
		if (out[i] != want[i]) {
			printf("# pcm_to_s16 [%d] = %d\n", i, out[i]);
			bad++;
		}
	is_int(bad, 0, "pcm_to_s16 clips and rounds");
	va_pcm_from_s16(s, f, 4);
	ok(f[0] == -1.0f && f[1] == 0.5f && f[2] == 0.0f &&
	    f[3] == 32767 / 32768.0f, "pcm_from_s16 is x / 32768");
}

/*
 * Write x (mono, rate) in format, read it back, check the shape and that
 * the two tones survive.  exact: largest sample error allowed, or < 0 for a
 * lossy codec checked by level and spectrum.
 */
static void
round_trip(const char *name, const char *format, const char *want_format,
    const float *x, size_t n, int rate, double exact)
{
	struct va_audio_reader *r;
	const char *path = tpath(name);
	float *y;
	size_t m;
	double a1, a2;

	if (va_audio_write(path, format, rate, 1, x, n) != 0) {
		ok(0, "%s: write", name);
		return;
	}
	if ((r = va_audio_open(path, NULL)) == NULL) {
		ok(0, "%s: open", name);
		return;
	}
	is_str(r->format, want_format, "%s: format %s", name, want_format);
	ok(r->rate == rate && r->channels == 1, "%s: %d Hz mono (%d, %d)",
	    name, rate, r->rate, r->channels);
	y = read_all(r, &m);
	ok(r->damaged == 0, "%s: not damaged", name);
	if (exact >= 0) {
		ok(m == n && r->frames == (int64_t)n, "%s: %zu frames (%zu, "
		    "header %lld)", name, n, m, (long long)r->frames);
		ok(m == n && maxdiff(x, y, n) <= exact, "%s: samples within "
		    "%g", name, exact);
	} else {
		/* Codecs pad and trim, but only by a few milliseconds. */
		ok(m + rate / 50 >= n && m <= n + rate / 50, "%s: about %zu "
		    "frames (%zu)", name, n, m);
		a1 = goertzel(y, m < n ? m : n, rate, 440);
		a2 = goertzel(y, m < n ? m : n, rate, 1000);
		ok(near(a1, 0.4, 0.06) && near(a2, 0.2, 0.04) &&
		    goertzel(y, m < n ? m : n, rate, 700) < 0.02,
		    "%s: 440 Hz at %.3f, 1 kHz at %.3f", name, a1, a2);
		ok(near(rms(y, m), rms(x, n), 0.1 * rms(x, n)),
		    "%s: level %.3f (was %.3f)", name, rms(y, m), rms(x, n));
	}
	free(y);
	va_audio_close(r);
}

static void
test_containers(void)
{
	float *x = tone(16000, 16000, 0.4, 440, 0.2, 1000);
	float *x44 = tone(44100, 44100, 0.4, 440, 0.2, 1000);
	unsigned char *buf;
	size_t len;
	const char *log;
	int mp3;

	round_trip("a.wav", NULL, "wav", x, 16000, 16000, 1.0 / 32768 + 1e-7);
	round_trip("a.flac", NULL, "flac", x, 16000, 16000,
	    1.0 / 32768 + 1e-7);
	round_trip("a.opus", NULL, "opus", x, 16000, 16000, -1);
	round_trip("a.ogg", NULL, "opus", x, 16000, 16000, -1);
	round_trip("v.ogg", "vorbis", "vorbis", x, 16000, 16000, -1);
	round_trip("w.vorbis", "vorbis", "vorbis", x44, 44100, 44100, -1);

	/* MPEG encoding needs libsndfile built with lame. */
	capture_begin();
	mp3 = va_audio_encode("mp3", 16000, 1, x, 16000, &buf, &len) == 0;
	log = capture_end();
	if (mp3) {
		free(buf);
		round_trip("a.mp3", NULL, "mp3", x, 16000, 16000, -1);
		round_trip("b.mp3", NULL, "mp3", x44, 44100, 44100, -1);
	} else {
		printf("# %s", log);
		ok(1, "# SKIP this libsndfile does not write MPEG");
	}
	free(x);
	free(x44);
}

/* Opus at a rate it lacks goes through the resampler to 48 kHz. */
static void
test_opus_rate(void)
{
	float *x = tone(22050, 22050, 0.4, 440, 0.2, 1000), *y;
	const char *path = tpath("r.opus");
	size_t m;
	int rate;

	ok(va_audio_write(path, "opus", 22050, 1, x, 22050) == 0,
	    "opus at 22050 Hz: write");
	y = va_audio_load_mono(path, NULL, -1, &m, &rate);
	ok(y != NULL && rate == 48000 && m > 47000 && m < 49500,
	    "opus at 22050 Hz: read back at 48 kHz, 1 s (%d Hz, %zu)", rate,
	    y ? m : 0);
	ok(y != NULL && near(goertzel(y, m, 48000, 440), 0.4, 0.06),
	    "opus at 22050 Hz: the tone survives");
	free(x);
	free(y);
}

static void
test_raw(void)
{
	struct va_audio_fmt fmt;
	struct va_audio_reader *r;
	float *x8 = tone(8000, 8000, 0.4, 440, 0.2, 1000);
	float *x16 = tone(16000, 16000, 0.4, 440, 0.2, 1000);
	float *st, *y, want;
	int16_t s;
	const char *path, *log;
	size_t i, m;
	double err;
	int rate;

	/* mu-law at 8 kHz: libsndfile's decoder agrees with ours. */
	path = tpath("a.ul");
	ok(va_audio_write(path, NULL, 8000, 1, x8, 8000) == 0, "mulaw: write");
	is_int(fsize(path), 8000, "mulaw: one byte a sample");
	r = va_audio_open(path, NULL);
	ok(r != NULL, "mulaw: open by extension");
	if (r != NULL) {
		is_str(r->format, "mulaw", "mulaw: format");
		ok(r->rate == 8000 && r->channels == 1 && r->frames == 8000,
		    "mulaw: 8000 Hz mono, 8000 frames");
		y = read_all(r, &m);
		err = 0;
		for (i = 0; i < m && i < 8000; i++) {
			va_pcm_to_s16(x8 + i, &s, 1);
			want = va_ulaw_decode(va_ulaw_encode(s)) / 32768.0f;
			if (fabs(y[i] - want) > err)
				err = fabs(y[i] - want);
		}
		ok(m == 8000 && err < 1e-6, "mulaw: samples are G.711 of the "
		    "input (%g)", err);
		free(y);
		va_audio_close(r);
	}

	/* A-law, by format name on a neutral extension. */
	path = tpath("a.bin");
	ok(va_audio_write(path, "alaw", 8000, 1, x8, 8000) == 0,
	    "alaw: write");
	memset(&fmt, 0, sizeof(fmt));
	fmt.format = "alaw";
	r = va_audio_open(path, &fmt);
	ok(r != NULL, "alaw: open by format name");
	if (r != NULL) {
		ok(r->rate == 8000 && r->frames == 8000 &&
		    strcmp(r->format, "alaw") == 0,
		    "alaw: 8000 Hz, 8000 frames");
		y = read_all(r, &m);
		err = 0;
		for (i = 0; i < m && i < 8000; i++) {
			va_pcm_to_s16(x8 + i, &s, 1);
			want = va_alaw_decode(va_alaw_encode(s)) / 32768.0f;
			if (fabs(y[i] - want) > err)
				err = fabs(y[i] - want);
		}
		ok(m == 8000 && err < 1e-6, "alaw: samples are G.711 of the "
		    "input (%g)", err);
		free(y);
		va_audio_close(r);
	}

	/* mu-law from 16 kHz stereo: downmixed and resampled to 8 kHz. */
	st = malloc(sizeof(float) * 32000);
	for (i = 0; i < 16000; i++)
		st[2 * i] = st[2 * i + 1] = x16[i];
	path = tpath("b.mulaw");
	ok(va_audio_write(path, NULL, 16000, 2, st, 16000) == 0,
	    "mulaw from 16 kHz stereo: write");
	ok(labs((long)fsize(path) - 8000) <= 4, "mulaw from 16 kHz stereo: "
	    "8000 samples (%lld)", (long long)fsize(path));
	y = va_audio_load_mono(path, NULL, -1, &m, &rate);
	ok(y != NULL && rate == 8000 && near(goertzel(y, m, 8000, 440), 0.4,
	    0.02) && near(goertzel(y, m, 8000, 1000), 0.2, 0.02),
	    "mulaw from 16 kHz stereo: both tones survive");
	free(y);
	free(st);

	/* s16le: a rate is required. */
	path = tpath("a.raw");
	ok(va_audio_write(path, NULL, 16000, 1, x16, 16000) == 0,
	    "s16le: write");
	is_int(fsize(path), 32000, "s16le: two bytes a sample");
	capture_begin();
	r = va_audio_open(path, NULL);
	log = capture_end();
	ok(r == NULL && strstr(log, "needs a sample rate") != NULL,
	    "s16le: no rate, no open");
	va_audio_close(r);
	memset(&fmt, 0, sizeof(fmt));
	fmt.rate = 16000;
	r = va_audio_open(path, &fmt);
	ok(r != NULL && r->rate == 16000 && r->channels == 1 &&
	    r->frames == 16000 && strcmp(r->format, "s16le") == 0,
	    "s16le: 16000 Hz mono, 16000 frames");
	if (r != NULL) {
		y = read_all(r, &m);
		ok(m == 16000 && maxdiff(x16, y, m) <= 1.0 / 32768 + 1e-7,
		    "s16le: samples exact to 16 bits");
		free(y);
	}
	va_audio_close(r);

	/* s16le stereo: channels kept, little-endian bytes. */
	st = malloc(sizeof(float) * 4);
	st[0] = 0.5f;
	st[1] = -0.25f;
	st[2] = -1.0f;
	st[3] = 1.0f / 32768;
	path = tpath("b.pcm");
	ok(va_audio_write(path, NULL, 8000, 2, st, 2) == 0, "s16le stereo: "
	    "write");
	fmt.rate = 8000;
	fmt.channels = 2;
	y = va_audio_load_mono(path, &fmt, 1, &m, &rate);
	ok(y != NULL && m == 2 && y[0] == -0.25f && y[1] == 1.0f / 32768,
	    "s16le stereo: channel 1 read back");
	free(y);
	free(st);
	free(x8);
	free(x16);
}

/* Standard input, read whole, for a container and for raw audio. */
static void
test_stdin(void)
{
	struct va_audio_fmt fmt;
	struct va_audio_reader *r;
	float *x = tone(8000, 8000, 0.4, 440, 0.2, 1000), *y;
	const char *wav = tpath("in.wav"), *ul = tpath("in.ul");
	const char *opus = tpath("in.opus");
	int saved, fd, rate;
	size_t m;

	va_audio_write(wav, NULL, 8000, 1, x, 8000);
	va_audio_write(ul, NULL, 8000, 1, x, 8000);
	va_audio_write(opus, NULL, 8000, 1, x, 8000);
	saved = dup(STDIN_FILENO);

	fd = open(wav, O_RDONLY);
	dup2(fd, STDIN_FILENO);
	close(fd);
	r = va_audio_open("-", NULL);
	ok(r != NULL && strcmp(r->format, "wav") == 0 && r->rate == 8000 &&
	    r->frames == 8000, "stdin: wav recognised by content");
	if (r != NULL) {
		y = read_all(r, &m);
		ok(m == 8000 && maxdiff(x, y, m) <= 1.0 / 32768 + 1e-7,
		    "stdin: wav samples");
		free(y);
	}
	va_audio_close(r);

	fd = open(ul, O_RDONLY);
	dup2(fd, STDIN_FILENO);
	close(fd);
	memset(&fmt, 0, sizeof(fmt));
	fmt.format = "mulaw";
	y = va_audio_load_mono("-", &fmt, -1, &m, &rate);
	ok(y != NULL && m == 8000 && rate == 8000 &&
	    near(goertzel(y, m, 8000, 440), 0.4, 0.01),
	    "stdin: raw mulaw by format name");
	free(y);

	/* A pipe, for a codec that seeks while opening. */
	fd = open(opus, O_RDONLY);
	dup2(fd, STDIN_FILENO);
	close(fd);
	y = va_audio_load_mono("-", NULL, 0, &m, &rate);
	ok(y != NULL && rate == 8000 && m > 7800 && m < 8200 &&
	    near(goertzel(y, m, 8000, 440), 0.4, 0.06), "stdin: opus");
	free(y);

	dup2(saved, STDIN_FILENO);
	close(saved);
	free(x);
}

static void
test_damage(void)
{
	struct va_audio_reader *r;
	float *x = tone(16000, 16000, 0.4, 440, 0.2, 1000), *y;
	const char *path, *log;
	size_t m;
	int fd, i;
	unsigned char junk[4096];
	float junk_f[10];

	/* A wav cut short: 12000 of the 16000 frames its header promises. */
	path = tpath("cut.wav");
	va_audio_write(path, NULL, 16000, 1, x, 16000);
	ok(truncate(path, 44 + 24000) == 0, "truncated wav: truncate");
	capture_begin();
	r = va_audio_open(path, NULL);
	ok(r != NULL, "truncated wav: opens");
	if (r != NULL) {
		is_int(r->frames, 16000, "truncated wav: header promises "
		    "16000");
		y = read_all(r, &m);
		is_int(m, 12000, "truncated wav: 12000 frames read");
		is_int(r->damaged, 1, "truncated wav: damaged");
		ok(maxdiff(x, y, m) <= 1.0 / 32768 + 1e-7,
		    "truncated wav: what is there is intact");
		free(y);
		va_audio_close(r);
	}
	log = capture_end();
	ok(strstr(log, "\"audio_truncated\"") != NULL &&
	    strstr(log, "\"warn\"") != NULL &&
	    strstr(log, "cut.wav: audio ends at frame 12000 (0.750 s) of "
	    "16000 promised: file truncated or damaged") != NULL,
	    "truncated wav: logged with file, frame and seconds");
	if (strstr(log, "audio_truncated") == NULL)
		printf("# log: %s", log);

	/* A whole file: no complaint. */
	path = tpath("whole.wav");
	va_audio_write(path, NULL, 16000, 1, x, 16000);
	capture_begin();
	r = va_audio_open(path, NULL);
	y = r != NULL ? read_all(r, &m) : NULL;
	ok(r != NULL && m == 16000 && r->damaged == 0, "whole wav: not "
	    "damaged");
	free(y);
	va_audio_close(r);
	log = capture_end();
	is_str(log, "", "whole wav: nothing logged");

	/* A flac cut short: the decoder loses sync. */
	path = tpath("cut.flac");
	va_audio_write(path, NULL, 16000, 1, x, 16000);
	ok(truncate(path, fsize(path) * 2 / 3) == 0, "truncated flac: "
	    "truncate");
	capture_begin();
	r = va_audio_open(path, NULL);
	y = r != NULL ? read_all(r, &m) : NULL;
	ok(r != NULL && m < 16000 && m > 4000 && r->damaged == 1,
	    "truncated flac: part read, damaged (%zu)", y ? m : 0);
	free(y);
	va_audio_close(r);
	log = capture_end();
	ok(strstr(log, "audio_truncated") != NULL &&
	    strstr(log, "cut.flac: audio ends at frame") != NULL,
	    "truncated flac: logged");

	/* Garbage in the middle of a flac. */
	path = tpath("junk.flac");
	va_audio_write(path, NULL, 16000, 1, x, 16000);
	srand(7);
	for (i = 0; i < (int)sizeof(junk); i++)
		junk[i] = (unsigned char)rand();
	fd = open(path, O_WRONLY);
	ok(pwrite(fd, junk, 1500, fsize(path) / 2) == 1500, "flac with "
	    "garbage inside: damage it");
	close(fd);
	capture_begin();
	r = va_audio_open(path, NULL);
	y = r != NULL ? read_all(r, &m) : NULL;
	ok(r != NULL && m > 0 && r->damaged == 1,
	    "flac with garbage inside: read up to it, damaged (%zu)",
	    y ? m : 0);
	free(y);
	va_audio_close(r);
	capture_end();

	/* Random bytes are no audio file. */
	path = tpath("noise.wav");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ok(write(fd, junk, sizeof(junk)) == (ssize_t)sizeof(junk),
	    "random bytes: write them");
	close(fd);
	capture_begin();
	r = va_audio_open(path, NULL);
	log = capture_end();
	ok(r == NULL, "random bytes: no open");
	ok(strstr(log, "noise.wav: not a recognised audio file (") != NULL &&
	    strstr(log, "\"audio_open\"") != NULL,
	    "random bytes: logged naming the file");
	va_audio_close(r);

	/* Empty: no container, but an empty raw stream is no audio. */
	path = tpath("empty.wav");
	close(open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600));
	capture_begin();
	r = va_audio_open(path, NULL);
	log = capture_end();
	ok(r == NULL && strstr(log, "empty.wav: empty file") != NULL,
	    "empty wav: no open, logged");
	path = tpath("empty.ul");
	close(open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600));
	r = va_audio_open(path, NULL);
	ok(r != NULL && r->frames == 0 && va_audio_read(r, junk_f, 10) == 0 &&
	    r->damaged == 0, "empty mulaw: no frames, not damaged");
	va_audio_close(r);

	capture_begin();
	r = va_audio_open(tpath("missing.wav"), NULL);
	log = capture_end();
	ok(r == NULL && strstr(log, "missing.wav: cannot open: No such file")
	    != NULL, "missing file: no open, logged");

	capture_begin();
	y = va_audio_load_mono(dir, NULL, -1, &m, &i);
	log = capture_end();
	ok(y == NULL && strstr(log, "is a directory") != NULL,
	    "directory: no open");

	free(x);
}

static void
test_channels(void)
{
	float *st, *y;
	const char *path = tpath("stereo.wav");
	size_t i, m;
	int rate;

	st = malloc(sizeof(float) * 2 * 16000);
	for (i = 0; i < 16000; i++) {
		st[2 * i] = (float)(0.5 * sin(2 * PI * 440 * i / 16000));
		st[2 * i + 1] = (float)(0.3 * sin(2 * PI * 1000 * i / 16000));
	}
	ok(va_audio_write(path, NULL, 16000, 2, st, 16000) == 0,
	    "stereo wav: write");
	y = va_audio_load_mono(path, NULL, 1, &m, &rate);
	ok(y != NULL && m == 16000 && rate == 16000 &&
	    near(goertzel(y, m, rate, 1000), 0.3, 0.01) &&
	    goertzel(y, m, rate, 440) < 0.01, "load_mono: channel 1 is the "
	    "1 kHz one");
	free(y);
	y = va_audio_load_mono(path, NULL, 0, &m, &rate);
	ok(y != NULL && near(goertzel(y, m, rate, 440), 0.5, 0.01) &&
	    goertzel(y, m, rate, 1000) < 0.01, "load_mono: channel 0 is the "
	    "440 Hz one");
	free(y);
	y = va_audio_load_mono(path, NULL, -1, &m, &rate);
	ok(y != NULL && near(goertzel(y, m, rate, 440), 0.25, 0.01) &&
	    near(goertzel(y, m, rate, 1000), 0.15, 0.01),
	    "load_mono: -1 averages the channels");
	free(y);
	capture_begin();
	y = va_audio_load_mono(path, NULL, 2, &m, &rate);
	ok(y == NULL && strstr(capture_end(), "no channel 2") != NULL,
	    "load_mono: channel 2 of 2 is an error");
	free(st);
}

static void
check_resample(int from, int to)
{
	struct va_resampler *rs;
	float *x = tone((size_t)from, from, 0.5, 440, 0, 0), *y, *z, *ideal;
	size_t m, n, len, cap;
	long k;
	size_t off;
	double want = to;

	y = va_resample(x, (size_t)from, from, to, &m);
	ok(y != NULL && fabs((double)m - want) <= 4, "resample %d -> %d: "
	    "%zu frames for %d", from, to, y ? m : 0, to);
	if (y == NULL)
		return;
	ok(near(goertzel(y, m, to, 440), 0.5, 0.01) &&
	    goertzel(y, m, to, 600) < 0.01, "resample %d -> %d: 440 Hz "
	    "kept", from, to);
	/* No delay: away from the edges it is the ideal sine. */
	ideal = tone(m, to, 0.5, 440, 0, 0);
	ok(maxdiff(y + to / 10, ideal + to / 10, m - to / 5) < 0.01,
	    "resample %d -> %d: in phase with the ideal sine (%g)", from, to,
	    maxdiff(y + to / 10, ideal + to / 10, m - to / 5));

	/* Streamed in small pieces with little room: the same output. */
	rs = va_resampler_new(from, to, 1);
	cap = m + 256;
	z = malloc(sizeof(float) * cap);
	len = 0;
	for (off = 0; off < (size_t)from; off += n) {
		n = (size_t)from - off < 1000 ? (size_t)from - off : 1000;
		k = va_resampler_run(rs, x + off, n, z + len, 100);
		if (k < 0)
			break;
		len += (size_t)k;
	}
	/* Drain without flushing, then flush. */
	while ((k = va_resampler_run(rs, x, 0, z + len, 100)) > 0)
		len += (size_t)k;
	while (len < cap && (k = va_resampler_run(rs, NULL, 0, z + len,
	    cap - len < 50 ? cap - len : 50)) > 0)
		len += (size_t)k;
	ok(len == m && maxdiff(y, z, m) < 1e-6, "resample %d -> %d: "
	    "streamed with out_cap 100 gives the same %zu frames (%zu)",
	    from, to, m, len);
	va_resampler_free(rs);
	free(z);
	free(ideal);
	free(x);
	free(y);
}

static void
test_resample(void)
{
	struct va_resampler *rs;
	float *y, in[10] = { 0 }, out[64];
	size_t m;

	check_resample(8000, 16000);
	check_resample(44100, 16000);
	check_resample(16000, 8000);
	y = va_resample(NULL, 0, 8000, 16000, &m);
	ok(y != NULL && m == 0, "resample of nothing is nothing");
	free(y);
	capture_begin();
	ok(va_resampler_new(0, 16000, 1) == NULL, "resampler: rate 0 refused");
	capture_end();
	rs = va_resampler_new(8000, 16000, 1);
	while (va_resampler_run(rs, NULL, 0, out, 64) > 0)
		continue;
	capture_begin();
	ok(va_resampler_run(rs, in, 10, out, 64) == -1,
	    "resampler: input after the flush refused");
	capture_end();
	va_resampler_free(rs);
}

static unsigned long
le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | (unsigned long)p[2] << 16 |
	    (unsigned long)p[3] << 24;
}

static void
test_encode(void)
{
	float *x = tone(8000, 8000, 0.4, 440, 0.2, 1000), *y;
	unsigned char *buf;
	const char *path, *log;
	size_t len, m;
	int fd, rate, r, saved;

	ok(va_audio_encode("wav", 8000, 1, x, 8000, &buf, &len) == 0,
	    "encode wav: ok");
	ok(len == 44 + 16000 && memcmp(buf, "RIFF", 4) == 0 &&
	    le32(buf + 4) == len - 8 && memcmp(buf + 8, "WAVE", 4) == 0 &&
	    memcmp(buf + 36, "data", 4) == 0 && le32(buf + 40) == 16000,
	    "encode wav: RIFF header with the right sizes (%zu bytes)", len);
	/* The buffer is a file like any other. */
	path = tpath("mem.wav");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ok(write(fd, buf, len) == (ssize_t)len, "encode wav: save the buffer");
	close(fd);
	y = va_audio_load_mono(path, NULL, -1, &m, &rate);
	ok(y != NULL && m == 8000 && rate == 8000 &&
	    maxdiff(x, y, m) <= 1.0 / 32768 + 1e-7,
	    "encode wav: the buffer reads back");
	free(y);
	free(buf);

	ok(va_audio_encode("wav", 8000, 2, x, 4000, &buf, &len) == 0 &&
	    len == 44 + 16000 && buf[22] == 2, "encode wav: stereo");
	free(buf);

	len = 0;
	r = va_audio_encode("opus", 8000, 1, x, 8000, &buf, &len);
	ok(r == 0 && len > 100 && len < 8000 && memcmp(buf, "OggS", 4) == 0,
	    "encode opus: Ogg pages (%zu bytes)", len);
	free(buf);

	ok(va_audio_encode("mulaw", 8000, 1, x, 8000, &buf, &len) == 0 &&
	    len == 8000 && buf[0] == 0xff, "encode mulaw: a byte a sample");
	free(buf);

	ok(va_audio_encode("s16le", 8000, 1, x, 8000, &buf, &len) == 0 &&
	    len == 16000, "encode s16le: two bytes a sample");
	free(buf);

	ok(va_audio_encode("s16le", 8000, 1, x, 0, &buf, &len) == 0 &&
	    len == 0, "encode s16le: nothing is an empty buffer");
	free(buf);

	capture_begin();
	ok(va_audio_encode("xyz", 8000, 1, x, 8000, &buf, &len) == -1,
	    "encode: unknown format refused");
	log = capture_end();
	ok(strstr(log, "unknown audio format \\\"xyz\\\"") != NULL,
	    "encode: unknown format named in the message");

	capture_begin();
	ok(va_audio_write(tpath("a.xyz"), NULL, 8000, 1, x, 8000) == -1,
	    "write: unknown extension refused");
	ok(strstr(capture_end(), "\"audio_write\"") != NULL,
	    "write: logged as audio_write");
	ok(fsize(files[nfiles - 1]) == -1, "write: no file left behind");

	capture_begin();
	ok(va_audio_write(tpath("nodir/a.wav"), NULL, 8000, 1, x, 8000) == -1,
	    "write: uncreatable file refused");
	capture_end();

	/* "-" is standard output. */
	path = tpath("stdout.wav");
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	r = va_audio_write("-", "wav", 8000, 1, x, 8000);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	ok(r == 0 && fsize(path) == 44 + 16000, "write: \"-\" is standard "
	    "output");
	free(x);
}

/*
 * A float wav may hold NaN and infinities, or 1e38; read as silence or
 * full scale, they cannot poison the noise floor or the resampler.
 */
static void
test_nonfinite(void)
{
	static const unsigned char hdr[44] = {
		'R', 'I', 'F', 'F', 36 + 32, 0, 0, 0, 'W', 'A', 'V', 'E',
		'f', 'm', 't', ' ', 16, 0, 0, 0, 3, 0, 1, 0,	/* float, mono */
		0x40, 0x1f, 0, 0, 0, 0x7d, 0, 0, 4, 0, 32, 0,	/* 8000 Hz */
		'd', 'a', 't', 'a', 32, 0, 0, 0
	};
	float want[8] = { 0.25f, 0, -0.5f, 0, 0, 0.125f, 1, -1 };
	float x[8], got[16];
	struct va_audio_reader *r;
	const char *path = tpath("nan.wav");
	long n;
	int fd, i, same;

	memcpy(x, want, sizeof(x));
	x[1] = NAN;
	x[3] = INFINITY;
	x[4] = -INFINITY;
	x[6] = 1e38f;		/* past full scale: clipped */
	x[7] = -2.5f;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ok(fd != -1 && write(fd, hdr, sizeof(hdr)) == sizeof(hdr) &&
	    write(fd, x, sizeof(x)) == sizeof(x), "non-finite: float wav");
	close(fd);
	r = va_audio_open(path, NULL);
	ok(r != NULL, "non-finite: opens");
	if (r == NULL)
		return;
	n = va_audio_read(r, got, 16);
	is_int(n, 8, "non-finite: 8 frames");
	for (i = 0, same = n == 8; same && i < 8; i++)
		same = got[i] == want[i];
	ok(same, "non-finite: NaN and infinities read as 0, past full scale "
	    "clipped, the rest kept");
	ok(!r->damaged, "non-finite: not damage");
	va_audio_close(r);
}

int
main(void)
{
	va_log_init("t_audio");
	va_log_set_mode(VA_LOG_BRIEF);
	snprintf(dir, sizeof(dir), "/tmp/t_audio.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	errpath = tpath("stderr");
	test_g711();
	test_pcm();
	test_containers();
	test_opus_rate();
	test_raw();
	test_stdin();
	test_damage();
	test_channels();
	test_resample();
	test_encode();
	test_nonfinite();
	cleanup();
	return tap_done();
}
