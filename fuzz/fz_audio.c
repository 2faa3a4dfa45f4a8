/*
 * fz_audio.c - fuzz reading audio (lib/audio.c): va_audio_open(),
 * va_audio_read(), va_audio_load_mono() and va_resample() on any bytes,
 * with our own G.711 and s16le as the reference for raw audio.
 *
 * The input: a byte choosing the file's extension (.wav .ul .al .raw
 * .flac .ogg .mp3 or none) and how it is opened (no va_audio_fmt, one
 * giving only a rate and channels, or one naming a format), a byte for
 * the rate and channels, one for the sizes of the reads, one for the
 * channel and rate of va_audio_load_mono() and va_resample(); the rest is
 * the file, written to the same temporary path for each extension.
 *
 * Properties:
 * - an open reader has a rate, 1 to 256 channels, a format name, frames
 *   -1 or more, pos 0; raw audio named by format always opens when it
 *   has a rate, and a raw extension is read raw unless the data starts
 *   with a container's magic;
 * - each read returns 0 to n frames, pos counts them, and after 0 (the
 *   end) reads go on returning 0; the samples are finite;
 * - damaged is set exactly when audio_truncated was logged, once; and
 *   when the header promised more frames than were read (beyond the
 *   slack of an mp3's estimate) the reader says so;
 * - raw mu-law and A-law read as va_ulaw_decode() and va_alaw_decode() of
 *   each byte / 32768, raw s16le as each sample / 32768, every whole frame
 *   and nothing more;
 * - va_audio_load_mono() fails exactly when opening or reading does or
 *   the channel is not there, and returns what the reader read, at its
 *   rate, the channel picked or the mean of all;
 * - va_resample() of that, at a sane rate, is finite and about as long
 *   as the rates say.
 *
 * Not checked: that a container's samples are right (libsndfile's own
 * work), writing (t_audio round-trips it), va_resampler_run() beyond
 * va_resample(), standard input, out of memory, samples past the first
 * MAXF (compared no further). libsndfile and the codecs under it are not
 * built with the sanitizers: ASan sees only our side of the calls, and a
 * bad read or write inside them goes unseen unless it crashes.
 */
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio.h"
#include "fz.h"
#include "log.h"

#ifdef VA_ASAN
const char *__lsan_default_suppressions(void);

/*
 * libsndfile leaks what libvorbis set up when an Ogg Vorbis file fails to
 * open (libsndfile issue 922 reports leaks of the kind): nothing we
 * allocate, and nothing we could free. Only libvorbis's blocks are let
 * go: a reader we failed to close leaks libsndfile's own, still reported.
 */
const char *
__lsan_default_suppressions(void)
{
	return "leak:libvorbis.so\n";
}
#endif

/* FZ_CHECK while the log is captured: the failure is told on stderr. */
#define CHECK(cond) do {						\
	if (!(cond))							\
		capture(0);						\
	FZ_CHECK(cond);							\
} while (0)

#define MAXF	(1 << 18)	/* samples kept for the checks */

static const char *const exts[] = {
	".wav", ".ul", ".al", ".raw", ".flac", ".ogg", ".mp3", ""
};
static const int rates[] = { 0, 8000, 16000, 11025, 44100, 48000, 1,
	22050 };
static const char *const names[] = {
	"mulaw", "alaw", "s16le", "wav", "auto", "mp3", "ulaw", "flac"
};

static char dir[64], path[8][96], logpath[96];
static int logfd = -1, errfd = -1;

static void
cleanup(void)
{
	size_t i;

	for (i = 0; i < 8; i++)
		unlink(path[i]);
	unlink(logpath);
	rmdir(dir);
}

static void
setup(void)
{
	size_t i;

	setenv("VA_LOG", "brief", 1);
	setenv("VA_LOG_LEVEL", "warn", 1);
	va_log_init("va-fuzz");
	snprintf(dir, sizeof(dir), "/tmp/fz_audio.XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	for (i = 0; i < 8; i++)
		snprintf(path[i], sizeof(path[i]), "%s/in%s", dir, exts[i]);
	snprintf(logpath, sizeof(logpath), "%s/log", dir);
	if ((logfd = open(logpath, O_RDWR | O_CREAT | O_TRUNC, 0600)) == -1 ||
	    (errfd = dup(STDERR_FILENO)) == -1)
		abort();
#ifdef VA_ASAN
	/* Reports go where they would, not into the captured log. */
	__sanitizer_set_report_fd((void *)(intptr_t)errfd);
#endif
	atexit(cleanup);
}

/* Diagnostics into the log file while the library runs. */
static void
capture(int on)
{
	if (on) {
		if (ftruncate(logfd, 0) == -1 ||
		    lseek(logfd, 0, SEEK_SET) == -1)
			abort();
		dup2(logfd, STDERR_FILENO);
	} else
		dup2(errfd, STDERR_FILENO);
}

/* How often diag was logged since capture(1). */
static int
logged(const char *diag)
{
	char buf[65536], key[64];
	const char *s;
	ssize_t n;
	int k = 0;

	n = pread(logfd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	snprintf(key, sizeof(key), "\"diag\":\"%s\"", diag);
	for (s = buf; (s = strstr(s, key)) != NULL; s++)
		k++;
	return k;
}

static void
write_file(const char *p, const uint8_t *data, size_t n)
{
	int fd;

	if ((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		abort();
	if (n > 0 && write(fd, data, n) != (ssize_t)n)
		abort();
	close(fd);
}

static int
starts_with_magic(const uint8_t *b, size_t n)
{
	/* The containers libsndfile tells by their first bytes. */
	static const char *const magic[] = {
		"RIFF", "RIFX", "RF64", "FORM", ".snd", "fLaC", "OggS",
		"caff", "riff", "ID3"
	};
	size_t i, k;

	for (i = 0; i < sizeof(magic) / sizeof(magic[0]); i++) {
		k = strlen(magic[i]);
		if (n >= k && memcmp(b, magic[i], k) == 0)
			return 1;
	}
	return 0;
}

struct got {
	float	*x;		/* the first MAXF samples read */
	size_t	frames;		/* frames read */
	int	rate, channels, damaged, failed;
	int64_t	promised;
	const char *format;
};

/* Open and read p whole in reads of fuzzed sizes, under capture. */
static void
read_whole(const char *p, const struct va_audio_fmt *fmt, uint32_t seed,
    struct got *g)
{
	struct va_audio_reader *r;
	float buf[4096 * 4];
	size_t n, i, ns, max;
	long k;
	int ends = 0;

	memset(g, 0, sizeof(*g));
	if ((r = va_audio_open(p, fmt)) == NULL) {
		g->failed = 1;
		return;
	}
	CHECK(r->rate > 0 && r->channels >= 1 && r->channels <= 256);
	CHECK(r->format != NULL && r->frames >= -1 && r->pos == 0);
	CHECK(r->damaged == 0);
	g->rate = r->rate;
	g->channels = r->channels;
	g->format = r->format;
	if ((g->x = malloc(MAXF * sizeof(float))) == NULL)
		abort();
	max = sizeof(buf) / sizeof(buf[0]) / (size_t)r->channels;
	for (;;) {
		seed = seed * 1103515245 + 12345;
		n = 1 + (seed >> 8) % max;
		k = va_audio_read(r, buf, n);
		CHECK(k >= -1 && k <= (long)n);
		if (k == -1) {
			g->failed = 1;
			break;
		}
		g->frames += (size_t)k;
		CHECK(r->pos == (int64_t)g->frames);
		ns = (size_t)k * (size_t)r->channels;
		for (i = 0; i < ns; i++)
			CHECK(isfinite(buf[i]));
		for (i = 0; i < ns && g->frames * r->channels - ns + i < MAXF;
		    i++)
			g->x[g->frames * r->channels - ns + i] = buf[i];
		/* The end stays the end. */
		if (k == 0 && ++ends == 2)
			break;
		CHECK(ends == 0 || k == 0);
	}
	g->damaged = r->damaged;
	g->promised = r->frames;
	va_audio_close(r);
}

static void
check_raw(const struct got *g, const uint8_t *b, size_t n)
{
	size_t i, ns, bytes;
	int16_t s;
	float want;

	bytes = strcmp(g->format, "s16le") == 0 ? 2 : 1;
	FZ_CHECK(!g->damaged);
	FZ_CHECK(g->frames == n / bytes / (size_t)g->channels);
	ns = g->frames * (size_t)g->channels;
	for (i = 0; i < ns && i < MAXF; i++) {
		if (bytes == 2)
			s = (int16_t)(b[2 * i] | b[2 * i + 1] << 8);
		else if (strcmp(g->format, "mulaw") == 0)
			s = va_ulaw_decode(b[i]);
		else
			s = va_alaw_decode(b[i]);
		want = s / 32768.0f;
		if (g->x[i] != want)
			fprintf(stderr, "%s sample %zu (byte 0x%02x): %g, "
			    "want %g\n", g->format, i, b[i * bytes],
			    g->x[i], want);
		FZ_CHECK(g->x[i] == want);
	}
}

static void
check_mono(const struct got *g, const char *p, const struct va_audio_fmt *fmt,
    int channel, int to)
{
	float *m, *y, sum;
	size_t n, i, ny;
	int rate, c, ch = g->channels;

	capture(1);
	m = va_audio_load_mono(p, fmt, channel, &n, &rate);
	capture(0);
	if (g->failed || channel >= ch) {
		FZ_CHECK(m == NULL);
		return;
	}
	FZ_CHECK(m != NULL);
	FZ_CHECK(n == g->frames && rate == g->rate);
	for (i = 0; i < n && (i + 1) * (size_t)ch <= MAXF; i++) {
		if (channel >= 0) {
			FZ_CHECK(m[i] == g->x[i * ch + channel]);
			continue;
		}
		for (sum = 0, c = 0; c < ch; c++)
			sum += g->x[i * ch + c];
		FZ_CHECK(m[i] == sum / ch);
	}
	/* A sane rate only: a 1 Hz file would make a second a sample. */
	if (rate >= 4000 && rate <= 192000 && n > 0 && n <= 1 << 18) {
		y = va_resample(m, n, rate, to, &ny);
		FZ_CHECK(y != NULL);
		FZ_CHECK(fabs((double)ny - (double)n * to / rate) <=
		    2 + (double)n * to / rate / 100);
		for (i = 0; i < ny; i++)
			FZ_CHECK(isfinite(y[i]));
		free(y);
	}
	free(m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct va_audio_fmt fmt, *fp = NULL;
	struct got g;
	const uint8_t *b;
	const char *p;
	size_t n;
	uint32_t seed;
	int how, ext, channel, to, truncs;

	if (!ready) {
		setup();
		ready = 1;
	}
	if (size < 4)
		return 0;
	ext = data[0] & 7;
	how = (data[0] >> 3) & 3;
	memset(&fmt, 0, sizeof(fmt));
	fmt.rate = rates[data[1] & 7];
	fmt.channels = (data[1] >> 3) & 3;
	if (how == 1)
		fp = &fmt;
	else if (how == 2) {
		fmt.format = names[(data[1] >> 5) & 7];
		fp = &fmt;
	}
	seed = data[2];
	channel = (data[3] & 3) - 1;
	to = data[3] & 4 ? 16000 : 8000;
	b = data + 4;
	n = size - 4;
	p = path[ext];
	write_file(p, b, n);

	capture(1);
	read_whole(p, fp, seed, &g);
	truncs = logged("audio_truncated");
	capture(0);
	FZ_CHECK(truncs == g.damaged);
	if (!g.failed && !g.damaged && g.promised >= 0)
		FZ_CHECK((int64_t)g.frames + (strcmp(g.format, "mp3") == 0 ?
		    2304 : 0) >= g.promised);

	/* Raw by name, or by extension when no container's magic says. */
	if (fp != NULL && fp->format != NULL &&
	    (strcmp(fp->format, "mulaw") == 0 ||
	    strcmp(fp->format, "ulaw") == 0 ||
	    strcmp(fp->format, "alaw") == 0 ||
	    (strcmp(fp->format, "s16le") == 0 && fp->rate > 0)))
		FZ_CHECK(!g.failed);
	if (!g.failed && (fp == NULL || fp->format == NULL) &&
	    ext >= 1 && ext <= 3 && !starts_with_magic(b, n))
		FZ_CHECK(strcmp(g.format, ext == 1 ? "mulaw" : ext == 2 ?
		    "alaw" : "s16le") == 0);
	if (!g.failed && (strcmp(g.format, "mulaw") == 0 ||
	    strcmp(g.format, "alaw") == 0 || strcmp(g.format, "s16le") == 0))
		check_raw(&g, b, n);

	check_mono(&g, p, fp, channel, to);
	free(g.x);
	return 0;
}
