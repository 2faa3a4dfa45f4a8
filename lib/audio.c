/*
 * audio.c - audio in and out over libsndfile, resampling over libsoxr, and
 * G.711 written out by hand.  The contract is in audio.h; this is the only
 * file that includes sndfile.h and soxr.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sndfile.h>
#include <soxr.h>

#include "audio.h"
#include "log.h"

#define CHUNK		4096	/* frames per internal read, write or step */
#define MAX_CHANNELS	256
#define MPEG_SLACK	2304	/* two MPEG frames: mp3 lengths are estimates */

enum raw {
	RAW_NONE,	/* a container, recognised by content */
	RAW_ULAW,
	RAW_ALAW,
	RAW_S16LE
};

enum out {
	OUT_WAV,
	OUT_FLAC,
	OUT_OPUS,
	OUT_VORBIS,
	OUT_MP3,
	OUT_ULAW,
	OUT_ALAW,
	OUT_S16LE
};

/* Format names a reader accepts; anything not raw is found by content. */
static const struct {
	const char	*name;
	enum raw	 raw;
} in_names[] = {
	{ "mulaw", RAW_ULAW }, { "ulaw", RAW_ULAW }, { "alaw", RAW_ALAW },
	{ "s16le", RAW_S16LE },
	{ "auto", RAW_NONE }, { "wav", RAW_NONE }, { "flac", RAW_NONE },
	{ "ogg", RAW_NONE }, { "opus", RAW_NONE }, { "vorbis", RAW_NONE },
	{ "mp3", RAW_NONE }, { "aiff", RAW_NONE }, { "au", RAW_NONE },
	{ "caf", RAW_NONE }, { "w64", RAW_NONE }, { "rf64", RAW_NONE },
};

static const struct {
	const char	*ext;
	enum raw	 raw;
} in_exts[] = {
	{ "ul", RAW_ULAW }, { "ulaw", RAW_ULAW }, { "mulaw", RAW_ULAW },
	{ "mu", RAW_ULAW }, { "al", RAW_ALAW }, { "alaw", RAW_ALAW },
	{ "raw", RAW_S16LE }, { "pcm", RAW_S16LE }, { "s16", RAW_S16LE },
};

static const struct {
	const char	*name;
	enum out	 out;
} out_names[] = {
	{ "wav", OUT_WAV }, { "flac", OUT_FLAC }, { "opus", OUT_OPUS },
	{ "ogg", OUT_OPUS }, { "vorbis", OUT_VORBIS }, { "mp3", OUT_MP3 },
	{ "mulaw", OUT_ULAW }, { "ulaw", OUT_ULAW }, { "alaw", OUT_ALAW },
	{ "s16le", OUT_S16LE },
};

static const struct {
	const char	*ext;
	enum out	 out;
} out_exts[] = {
	{ "wav", OUT_WAV }, { "flac", OUT_FLAC }, { "opus", OUT_OPUS },
	{ "ogg", OUT_OPUS }, { "mp3", OUT_MP3 },
	{ "ul", OUT_ULAW }, { "ulaw", OUT_ULAW }, { "mulaw", OUT_ULAW },
	{ "mu", OUT_ULAW }, { "al", OUT_ALAW }, { "alaw", OUT_ALAW },
	{ "raw", OUT_S16LE }, { "pcm", OUT_S16LE }, { "s16", OUT_S16LE },
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* A growable byte buffer that libsndfile reads or writes as a file. */
struct membuf {
	unsigned char	*data;
	size_t		 len;
	size_t		 cap;
	size_t		 pos;
};

struct reader {
	SNDFILE		*sf;
	int		 fd;		/* -1 for standard input */
	struct membuf	 mem;		/* standard input, whole */
	int64_t		 slack;		/* shortfall that is not damage */
	int		 ended;		/* a read gave nothing: the end */
};

struct va_resampler {
	soxr_t		 soxr;
	int		 channels;
	int		 flushing;	/* input is over */
	int		 flushed;	/* and soxr has given all it had */
	float		*q;		/* output the caller had no room for */
	size_t		 qhead;		/* frames */
	size_t		 qlen;
	size_t		 qcap;
};

/* Who a message is about. */
static const char *
label(const char *path)
{
	return strcmp(path, "-") == 0 ? "(stdin)" : path;
}

/* The extension of the last path component, or "". */
static const char *
extension(const char *path)
{
	const char *dot, *slash;

	dot = strrchr(path, '.');
	slash = strrchr(path, '/');
	if (dot == NULL || (slash != NULL && dot < slash) || dot == path ||
	    dot[-1] == '/')
		return "";
	return dot + 1;
}

/* Membuf and the libsndfile virtual I/O over it. */

static int
membuf_reserve(struct membuf *m, size_t need)
{
	unsigned char *p;
	size_t cap;

	if (need <= m->cap)
		return 0;
	cap = m->cap > 0 ? m->cap : 65536;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if ((p = realloc(m->data, cap)) == NULL)
		return -1;
	m->data = p;
	m->cap = cap;
	return 0;
}

static int
membuf_append(struct membuf *m, const void *p, size_t n)
{
	if (n > SIZE_MAX - m->len || membuf_reserve(m, m->len + n) == -1)
		return -1;
	memcpy(m->data + m->len, p, n);
	m->len += n;
	return 0;
}

static sf_count_t
vio_filelen(void *user)
{
	return (sf_count_t)((struct membuf *)user)->len;
}

static sf_count_t
vio_seek(sf_count_t off, int whence, void *user)
{
	struct membuf *m = user;
	sf_count_t base;

	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = (sf_count_t)m->pos;
		break;
	case SEEK_END:
		base = (sf_count_t)m->len;
		break;
	default:
		return -1;
	}
	if (off < -base || (off > 0 && off > INT64_MAX - base) ||
	    (uint64_t)(base + off) > SIZE_MAX / 2)
		return -1;
	m->pos = (size_t)(base + off);
	return (sf_count_t)m->pos;
}

static sf_count_t
vio_read(void *ptr, sf_count_t count, void *user)
{
	struct membuf *m = user;
	size_t n;

	if (count <= 0 || m->pos >= m->len)
		return 0;
	n = m->len - m->pos;
	if ((uint64_t)count < n)
		n = (size_t)count;
	memcpy(ptr, m->data + m->pos, n);
	m->pos += n;
	return (sf_count_t)n;
}

static sf_count_t
vio_write(const void *ptr, sf_count_t count, void *user)
{
	struct membuf *m = user;
	size_t n, end;

	if (count <= 0)
		return 0;
	if ((uint64_t)count > SIZE_MAX / 2 - m->pos)
		return 0;
	n = (size_t)count;
	end = m->pos + n;
	if (membuf_reserve(m, end) == -1)
		return 0;
	/* A seek past the end leaves a hole, as in a file. */
	if (m->pos > m->len)
		memset(m->data + m->len, 0, m->pos - m->len);
	memcpy(m->data + m->pos, ptr, n);
	m->pos = end;
	if (end > m->len)
		m->len = end;
	return count;
}

static sf_count_t
vio_tell(void *user)
{
	return (sf_count_t)((struct membuf *)user)->pos;
}

static SF_VIRTUAL_IO vio = {
	vio_filelen, vio_seek, vio_read, vio_write, vio_tell
};

/* Reading. */

/* Read all of fd into m. */
static int
slurp(int fd, struct membuf *m)
{
	ssize_t n;

	for (;;) {
		if (membuf_reserve(m, m->len + 65536) == -1) {
			errno = ENOMEM;
			return -1;
		}
		n = read(fd, m->data + m->len, m->cap - m->len);
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		m->len += (size_t)n;
	}
}

/*
 * A raw extension names headerless audio unless the data starts with the
 * magic of a container: libsndfile alone might take raw bytes that look
 * like an MPEG frame sync for mp3.
 */
static int
has_magic(const unsigned char *b, size_t n)
{
	static const char *const magic[] = {
		"RIFF", "RIFX", "RF64", "FORM", ".snd", "fLaC", "OggS",
		"caff", "riff", "ID3"
	};
	size_t i, k;

	for (i = 0; i < NELEM(magic); i++) {
		k = strlen(magic[i]);
		if (n >= k && memcmp(b, magic[i], k) == 0)
			return 1;
	}
	return 0;
}

static const char *
format_name(const SF_INFO *info, enum raw raw)
{
	SF_FORMAT_INFO fi;

	switch (raw) {
	case RAW_ULAW:
		return "mulaw";
	case RAW_ALAW:
		return "alaw";
	case RAW_S16LE:
		return "s16le";
	case RAW_NONE:
		break;
	}
	switch (info->format & SF_FORMAT_TYPEMASK) {
	case SF_FORMAT_WAV:
	case SF_FORMAT_WAVEX:
		return "wav";
	case SF_FORMAT_FLAC:
		return "flac";
	case SF_FORMAT_OGG:
		if ((info->format & SF_FORMAT_SUBMASK) == SF_FORMAT_OPUS)
			return "opus";
		if ((info->format & SF_FORMAT_SUBMASK) == SF_FORMAT_VORBIS)
			return "vorbis";
		return "ogg";
	case SF_FORMAT_MPEG:
		return "mp3";
	case SF_FORMAT_AIFF:
		return "aiff";
	case SF_FORMAT_AU:
		return "au";
	default:
		break;
	}
	memset(&fi, 0, sizeof(fi));
	fi.format = info->format & SF_FORMAT_TYPEMASK;
	if (sf_command(NULL, SFC_GET_FORMAT_INFO, &fi, sizeof(fi)) == 0 &&
	    fi.extension != NULL)
		return fi.extension;
	return "audio";
}

/* Bytes per sample of a PCM-like subformat, 0 for coded ones. */
static int
sample_bytes(int format)
{
	switch (format & SF_FORMAT_SUBMASK) {
	case SF_FORMAT_PCM_S8:
	case SF_FORMAT_PCM_U8:
	case SF_FORMAT_ULAW:
	case SF_FORMAT_ALAW:
		return 1;
	case SF_FORMAT_PCM_16:
		return 2;
	case SF_FORMAT_PCM_24:
		return 3;
	case SF_FORMAT_PCM_32:
	case SF_FORMAT_FLOAT:
		return 4;
	case SF_FORMAT_DOUBLE:
		return 8;
	default:
		return 0;
	}
}

/*
 * The frames a wav header promises.  libsndfile trims its frame count to
 * the data actually present, so the data chunk's own size is what tells a
 * truncated file.  -1 when unknown (coded data, or the size left open by a
 * writer that streamed).
 */
static int64_t
wav_promised(SNDFILE *sf, const SF_INFO *info)
{
	SF_CHUNK_INFO ci;
	SF_CHUNK_ITERATOR *it;
	int bytes;

	bytes = sample_bytes(info->format);
	if (bytes == 0 || info->channels <= 0)
		return -1;
	memset(&ci, 0, sizeof(ci));
	memcpy(ci.id, "data", 4);
	ci.id_size = 4;
	if ((it = sf_get_chunk_iterator(sf, &ci)) == NULL)
		return -1;
	memset(&ci, 0, sizeof(ci));
	if (sf_get_chunk_size(it, &ci) != SF_ERR_NO_ERROR || ci.datalen == 0 ||
	    ci.datalen >= 0xfffffff0U)
		return -1;
	return (int64_t)ci.datalen / bytes / info->channels;
}

static int
lookup_raw(const char *path, const struct va_audio_fmt *fmt, enum raw *raw)
{
	const char *ext;
	size_t i;

	*raw = RAW_NONE;
	if (fmt != NULL && fmt->format != NULL) {
		for (i = 0; i < NELEM(in_names); i++)
			if (strcmp(fmt->format, in_names[i].name) == 0) {
				*raw = in_names[i].raw;
				return 0;
			}
		va_log(VA_ERROR, "audio_open", "%s: unknown audio format "
		    "\"%s\" (wav, flac, ogg, opus, mp3, mulaw, alaw, s16le)",
		    label(path), fmt->format);
		return -1;
	}
	ext = extension(path);
	for (i = 0; i < NELEM(in_exts); i++)
		if (strcasecmp(ext, in_exts[i].ext) == 0)
			*raw = in_exts[i].raw;
	return 0;
}

static int
raw_info(const char *path, const struct va_audio_fmt *fmt, enum raw raw,
    SF_INFO *info)
{
	int rate, channels;

	rate = fmt != NULL ? fmt->rate : 0;
	channels = fmt != NULL && fmt->channels > 0 ? fmt->channels : 1;
	if (rate == 0 && raw != RAW_S16LE)
		rate = 8000;
	if (rate <= 0) {
		va_log(VA_ERROR, "audio_open", "%s: raw s16le audio needs a "
		    "sample rate", label(path));
		return -1;
	}
	if (channels > MAX_CHANNELS) {
		va_log(VA_ERROR, "audio_open", "%s: %d channels is too many",
		    label(path), channels);
		return -1;
	}
	memset(info, 0, sizeof(*info));
	info->samplerate = rate;
	info->channels = channels;
	if (raw == RAW_ULAW)
		info->format = SF_FORMAT_RAW | SF_FORMAT_ULAW;
	else if (raw == RAW_ALAW)
		info->format = SF_FORMAT_RAW | SF_FORMAT_ALAW;
	else
		info->format = SF_FORMAT_RAW | SF_FORMAT_PCM_16 |
		    SF_ENDIAN_LITTLE;
	return 0;
}

static void
reader_free(struct va_audio_reader *r)
{
	struct reader *p;

	if (r == NULL)
		return;
	if ((p = r->priv) != NULL) {
		if (p->sf != NULL)
			sf_close(p->sf);
		if (p->fd != -1)
			close(p->fd);
		free(p->mem.data);
		free(p);
	}
	free(r->path);
	free(r);
}

/* Open the file or read standard input; p->fd or p->mem is set. */
static int
open_source(const char *path, struct reader *p)
{
	struct stat st;

	if (strcmp(path, "-") == 0) {
		if (slurp(STDIN_FILENO, &p->mem) == -1) {
			va_log(VA_ERROR, "audio_open", "(stdin): cannot read: "
			    "%s", strerror(errno));
			return -1;
		}
		return 0;
	}
	if ((p->fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		va_log(VA_ERROR, "audio_open", "%s: cannot open: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(p->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		va_log(VA_ERROR, "audio_open", "%s: is a directory", path);
		return -1;
	}
	return 0;
}

/* Nothing at all: no container, though an empty raw stream is fine. */
static int
is_empty(struct reader *p)
{
	struct stat st;

	if (p->fd == -1)
		return p->mem.len == 0;
	return fstat(p->fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size == 0;
}

/* The first bytes of the source, for has_magic(). */
static size_t
peek(struct reader *p, unsigned char *b, size_t n)
{
	ssize_t k;

	if (p->fd == -1) {
		if (n > p->mem.len)
			n = p->mem.len;
		memcpy(b, p->mem.data, n);
		return n;
	}
	k = pread(p->fd, b, n, 0);
	return k < 0 ? 0 : (size_t)k;
}

struct va_audio_reader *
va_audio_open(const char *path, const struct va_audio_fmt *fmt)
{
	struct va_audio_reader *r;
	struct reader *p;
	unsigned char head[16];
	SF_INFO info;
	int64_t promised;
	enum raw raw;

	if (path == NULL || *path == '\0') {
		va_log(VA_ERROR, "audio_open", "no audio file named");
		return NULL;
	}
	if (lookup_raw(path, fmt, &raw) == -1)
		return NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->path = strdup(path)) == NULL ||
	    (p = calloc(1, sizeof(*p))) == NULL) {
		va_log(VA_ERROR, "audio_open", "%s: out of memory",
		    label(path));
		reader_free(r);
		return NULL;
	}
	r->priv = p;
	p->fd = -1;
	if (open_source(path, p) == -1)
		goto fail;
	/* By content first: a raw extension yields to a container's magic. */
	if (raw != RAW_NONE && (fmt == NULL || fmt->format == NULL) &&
	    has_magic(head, peek(p, head, sizeof(head))))
		raw = RAW_NONE;
	if (raw == RAW_NONE && is_empty(p)) {
		va_log(VA_ERROR, "audio_open", "%s: empty file, no audio",
		    label(path));
		goto fail;
	}
	memset(&info, 0, sizeof(info));
	if (raw != RAW_NONE && raw_info(path, fmt, raw, &info) == -1)
		goto fail;
	if (p->fd != -1)
		p->sf = sf_open_fd(p->fd, SFM_READ, &info, 0);
	else
		p->sf = sf_open_virtual(&vio, SFM_READ, &info, &p->mem);
	if (p->sf == NULL) {
		va_log(VA_ERROR, "audio_open", "%s: not a recognised audio "
		    "file (%s)", label(path), sf_strerror(NULL));
		goto fail;
	}
	if (info.channels <= 0 || info.channels > MAX_CHANNELS ||
	    info.samplerate <= 0) {
		va_log(VA_ERROR, "audio_open", "%s: unusable audio: %d "
		    "channels at %d Hz", label(path), info.channels,
		    info.samplerate);
		goto fail;
	}
	r->rate = info.samplerate;
	r->channels = info.channels;
	r->format = format_name(&info, raw);
	r->frames = info.frames < 0 || info.frames == SF_COUNT_MAX ? -1 :
	    (int64_t)info.frames;
	switch (info.format & SF_FORMAT_TYPEMASK) {
	case SF_FORMAT_WAV:
	case SF_FORMAT_WAVEX:
		if ((promised = wav_promised(p->sf, &info)) > r->frames)
			r->frames = promised;
		break;
	case SF_FORMAT_MPEG:
		p->slack = MPEG_SLACK;
		break;
	default:
		break;
	}
	return r;
fail:
	reader_free(r);
	return NULL;
}

static void
report_damage(struct va_audio_reader *r, int err)
{
	struct reader *p = r->priv;
	char promised[64], why[256];

	r->damaged = 1;
	promised[0] = why[0] = '\0';
	if (r->frames >= 0)
		snprintf(promised, sizeof(promised), " of %lld promised",
		    (long long)r->frames);
	if (err != 0)
		snprintf(why, sizeof(why), " (%s)", sf_strerror(p->sf));
	va_log(VA_WARN, "audio_truncated", "%s: audio ends at frame %lld "
	    "(%.3f s)%s: file truncated or damaged%s", label(r->path),
	    (long long)r->pos, (double)r->pos / r->rate, promised, why);
}

long
va_audio_read(struct va_audio_reader *r, float *buf, size_t n)
{
	struct reader *p;
	sf_count_t got;
	size_t i;
	int err;

	if (r == NULL || (p = r->priv) == NULL || p->sf == NULL)
		return -1;
	/*
	 * The end stays the end: a decoder that finds frames again past a
	 * damaged stretch (libmpg123 resyncing) would give audio after it.
	 */
	if (n == 0 || p->ended)
		return 0;
	if (n > (size_t)(LONG_MAX / r->channels))
		n = (size_t)(LONG_MAX / r->channels);
	got = sf_readf_float(p->sf, buf, (sf_count_t)n);
	if (got < 0)
		got = 0;
	r->pos += got;
	/*
	 * Float data may hold NaN or infinities; one would turn every
	 * filter and noise floor downstream into NaN for the rest of the
	 * call, so they are silence. Values past full scale are clipped,
	 * as 16-bit output would: 1e38 overflows the resampler's filter.
	 */
	for (i = 0; i < (size_t)got * (size_t)r->channels; i++)
		if (!isfinite(buf[i]))
			buf[i] = 0;
		else if (buf[i] > 1)
			buf[i] = 1;
		else if (buf[i] < -1)
			buf[i] = -1;
	if (got == 0)
		p->ended = 1;
	/* A short read is the end of the data, or of what is readable. */
	if ((size_t)got < n && !r->damaged) {
		err = sf_error(p->sf);
		if (err == SF_ERR_SYSTEM) {
			va_log(VA_ERROR, "audio_read", "%s: read error at "
			    "frame %lld: %s", label(r->path),
			    (long long)r->pos, sf_strerror(p->sf));
			return got > 0 ? (long)got : -1;
		}
		if (err != SF_ERR_NO_ERROR ||
		    (r->frames >= 0 && r->pos + p->slack < r->frames))
			report_damage(r, err);
	}
	return (long)got;
}

void
va_audio_close(struct va_audio_reader *r)
{
	reader_free(r);
}

float *
va_audio_load_mono(const char *path, const struct va_audio_fmt *fmt,
    int channel, size_t *frames, int *rate)
{
	struct va_audio_reader *r;
	float *buf, *out, *p;
	size_t len, cap;
	long got, i;
	int c, ch;
	float sum;

	if ((r = va_audio_open(path, fmt)) == NULL)
		return NULL;
	ch = r->channels;
	if (channel < -1 || channel >= ch) {
		va_log(VA_ERROR, "audio_open", "%s: no channel %d (the file "
		    "has %d)", label(path), channel, ch);
		va_audio_close(r);
		return NULL;
	}
	/* Trust the header for a first guess only: it may lie. */
	cap = r->frames > 0 && r->frames < (1 << 22) ? (size_t)r->frames :
	    CHUNK;
	len = 0;
	buf = malloc(sizeof(float) * CHUNK * (size_t)ch);
	out = malloc(sizeof(float) * cap);
	if (buf == NULL || out == NULL)
		goto nomem;
	while ((got = va_audio_read(r, buf, CHUNK)) > 0) {
		if (len + (size_t)got > cap) {
			while (len + (size_t)got > cap)
				cap *= 2;
			if (cap > SIZE_MAX / sizeof(float) ||
			    (p = realloc(out, sizeof(float) * cap)) == NULL)
				goto nomem;
			out = p;
		}
		for (i = 0; i < got; i++) {
			if (channel >= 0) {
				out[len + i] = buf[i * ch + channel];
				continue;
			}
			sum = 0;
			for (c = 0; c < ch; c++)
				sum += buf[i * ch + c];
			out[len + i] = sum / ch;
		}
		len += (size_t)got;
	}
	if (got < 0) {
		free(buf);
		free(out);
		va_audio_close(r);
		return NULL;
	}
	free(buf);
	*frames = len;
	*rate = r->rate;
	va_audio_close(r);
	return out;
nomem:
	va_log(VA_ERROR, "audio_open", "%s: out of memory", label(path));
	free(buf);
	free(out);
	va_audio_close(r);
	return NULL;
}

/* Resampling. */

struct va_resampler *
va_resampler_new(int in_rate, int out_rate, int channels)
{
	struct va_resampler *rs;
	soxr_io_spec_t io;
	soxr_quality_spec_t q;
	soxr_runtime_spec_t rt;
	soxr_error_t err;

	if (in_rate <= 0 || out_rate <= 0 || channels <= 0 ||
	    channels > MAX_CHANNELS) {
		va_log(VA_ERROR, "resample", "cannot resample %d channels "
		    "from %d Hz to %d Hz", channels, in_rate, out_rate);
		return NULL;
	}
	if ((rs = calloc(1, sizeof(*rs))) == NULL) {
		va_log(VA_ERROR, "resample", "out of memory");
		return NULL;
	}
	io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
	q = soxr_quality_spec(SOXR_HQ, 0);
	rt = soxr_runtime_spec(1);
	rs->soxr = soxr_create(in_rate, out_rate, (unsigned)channels, &err,
	    &io, &q, &rt);
	if (rs->soxr == NULL || err != NULL) {
		va_log(VA_ERROR, "resample", "soxr: %s", err ? err : "failed");
		soxr_delete(rs->soxr);
		free(rs);
		return NULL;
	}
	rs->channels = channels;
	return rs;
}

/* Move queued output to out; returns frames moved. */
static size_t
drain(struct va_resampler *rs, float *out, size_t cap)
{
	size_t n, ch = (size_t)rs->channels;

	n = rs->qlen - rs->qhead;
	if (n > cap)
		n = cap;
	if (n == 0)
		return 0;
	memcpy(out, rs->q + rs->qhead * ch, sizeof(float) * n * ch);
	rs->qhead += n;
	if (rs->qhead == rs->qlen)
		rs->qhead = rs->qlen = 0;
	return n;
}

static int
queue_reserve(struct va_resampler *rs, size_t frames)
{
	size_t cap, ch = (size_t)rs->channels;
	float *p;

	if (rs->qlen + frames <= rs->qcap)
		return 0;
	cap = rs->qcap > 0 ? rs->qcap : CHUNK;
	while (cap < rs->qlen + frames)
		cap *= 2;
	if (cap > SIZE_MAX / sizeof(float) / ch ||
	    (p = realloc(rs->q, sizeof(float) * cap * ch)) == NULL)
		return -1;
	rs->q = p;
	rs->qcap = cap;
	return 0;
}

long
va_resampler_run(struct va_resampler *rs, const float *in, size_t in_frames,
    float *out, size_t out_cap)
{
	size_t ch, done, idone, odone, stuck;
	soxr_error_t err;

	if (rs == NULL || (out == NULL && out_cap > 0))
		return -1;
	if (out_cap > LONG_MAX)
		out_cap = LONG_MAX;
	ch = (size_t)rs->channels;
	done = drain(rs, out, out_cap);
	if (in == NULL) {
		rs->flushing = 1;
		/* Flush: soxr keeps what does not fit for the next call. */
		while (done < out_cap && !rs->flushed && rs->qlen == 0) {
			err = soxr_process(rs->soxr, NULL, 0, NULL,
			    out + done * ch, out_cap - done, &odone);
			if (err != NULL)
				goto fail;
			if (odone == 0)
				rs->flushed = 1;
			done += odone;
		}
		return (long)done;
	}
	if (rs->flushing && in_frames > 0) {
		va_log(VA_ERROR, "resample", "input after the end of the "
		    "stream");
		return -1;
	}
	stuck = 0;
	while (in_frames > 0) {
		/*
		 * soxr takes only the input it has room to answer, so what
		 * the caller has no room for waits in the queue.
		 */
		if (done < out_cap)
			err = soxr_process(rs->soxr, in, in_frames, &idone,
			    out + done * ch, out_cap - done, &odone);
		else if (queue_reserve(rs, CHUNK) == -1) {
			va_log(VA_ERROR, "resample", "out of memory");
			return -1;
		} else
			err = soxr_process(rs->soxr, in, in_frames, &idone,
			    rs->q + rs->qlen * ch, CHUNK, &odone);
		if (err != NULL)
			goto fail;
		if (done < out_cap)
			done += odone;
		else
			rs->qlen += odone;
		if (idone > in_frames)
			idone = in_frames;
		in += idone * ch;
		in_frames -= idone;
		if (idone == 0 && odone == 0 && ++stuck > 4) {
			err = "no progress";
			goto fail;
		}
	}
	return (long)done;
fail:
	va_log(VA_ERROR, "resample", "soxr: %s", err);
	return -1;
}

void
va_resampler_free(struct va_resampler *rs)
{
	if (rs == NULL)
		return;
	soxr_delete(rs->soxr);
	free(rs->q);
	free(rs);
}

/* Resample interleaved frames whole; a new array, *out_frames set. */
static float *
resample_frames(const float *in, size_t frames, int channels, int in_rate,
    int out_rate, size_t *out_frames)
{
	struct va_resampler *rs;
	float *out, *p;
	size_t cap, len, ch;
	double want;
	long n;

	if (in_rate <= 0 || out_rate <= 0 || channels <= 0) {
		va_log(VA_ERROR, "resample", "cannot resample from %d Hz to "
		    "%d Hz", in_rate, out_rate);
		return NULL;
	}
	ch = (size_t)channels;
	want = (double)frames * out_rate / in_rate + 64;
	if (want * ch * sizeof(float) > (double)(SIZE_MAX / 2)) {
		va_log(VA_ERROR, "resample", "too much audio");
		return NULL;
	}
	cap = (size_t)want;
	if ((out = malloc(sizeof(float) * cap * ch)) == NULL) {
		va_log(VA_ERROR, "resample", "out of memory");
		return NULL;
	}
	if (in_rate == out_rate) {
		if (frames > 0)
			memcpy(out, in, sizeof(float) * frames * ch);
		*out_frames = frames;
		return out;
	}
	if ((rs = va_resampler_new(in_rate, out_rate, channels)) == NULL) {
		free(out);
		return NULL;
	}
	len = 0;
	if (frames > 0 && (n = va_resampler_run(rs, in, frames, out, cap)) < 0)
		goto fail;
	len = frames > 0 ? (size_t)n : 0;
	for (;;) {
		if (len == cap) {
			cap *= 2;
			if ((p = realloc(out, sizeof(float) * cap * ch)) ==
			    NULL) {
				va_log(VA_ERROR, "resample", "out of memory");
				goto fail;
			}
			out = p;
		}
		if ((n = va_resampler_run(rs, NULL, 0, out + len * ch,
		    cap - len)) < 0)
			goto fail;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	va_resampler_free(rs);
	*out_frames = len;
	return out;
fail:
	va_resampler_free(rs);
	free(out);
	return NULL;
}

float *
va_resample(const float *in, size_t frames, int in_rate, int out_rate,
    size_t *out_frames)
{
	return resample_frames(in, frames, 1, in_rate, out_rate, out_frames);
}

/* Writing. */

static int
lookup_out(const char *who, const char *format, const char *path,
    enum out *out)
{
	const char *ext;
	size_t i;

	if (format != NULL) {
		for (i = 0; i < NELEM(out_names); i++)
			if (strcmp(format, out_names[i].name) == 0) {
				*out = out_names[i].out;
				return 0;
			}
		va_log(VA_ERROR, "audio_write", "%s: unknown audio format "
		    "\"%s\" (wav, opus, mulaw, alaw, s16le, flac, vorbis, "
		    "mp3)", who, format);
		return -1;
	}
	ext = path != NULL ? extension(path) : "";
	for (i = 0; i < NELEM(out_exts); i++)
		if (strcasecmp(ext, out_exts[i].ext) == 0) {
			*out = out_exts[i].out;
			return 0;
		}
	va_log(VA_ERROR, "audio_write", "%s: cannot tell the audio format "
	    "from the name (.wav .opus .ogg .ul .al .raw .flac .mp3)", who);
	return -1;
}

static int
rate_in(int rate, const int *rates, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (rates[i] == rate)
			return 1;
	return 0;
}

/*
 * Bring pcm to what the format can hold: G.711 is 8 kHz mono, opus and
 * mp3 have fixed rates.  *tmp is set when a new array was made.
 */
static const float *
conform(enum out kind, const float *pcm, size_t *frames, int *rate,
    int *channels, float **tmp)
{
	static const int opus_rates[] = { 8000, 12000, 16000, 24000, 48000 };
	static const int mp3_rates[] = { 8000, 11025, 12000, 16000, 22050,
	    24000, 32000, 44100, 48000 };
	const float *src = pcm;
	float *mono, *res;
	size_t i, n = *frames, ch = (size_t)*channels;
	int c, to = 0;
	float sum;

	*tmp = NULL;
	if ((kind == OUT_ULAW || kind == OUT_ALAW) && ch > 1) {
		if ((mono = malloc(sizeof(float) * (n > 0 ? n : 1))) == NULL)
			return NULL;
		for (i = 0; i < n; i++) {
			sum = 0;
			for (c = 0; c < (int)ch; c++)
				sum += pcm[i * ch + (size_t)c];
			mono[i] = sum / (float)ch;
		}
		src = *tmp = mono;
		*channels = 1;
	}
	if ((kind == OUT_ULAW || kind == OUT_ALAW) && *rate != 8000)
		to = 8000;
	else if (kind == OUT_OPUS && !rate_in(*rate, opus_rates,
	    NELEM(opus_rates)))
		to = 48000;
	else if (kind == OUT_MP3 && !rate_in(*rate, mp3_rates,
	    NELEM(mp3_rates)))
		to = 48000;
	if (to != 0) {
		res = resample_frames(src, n, *channels, *rate, to, frames);
		free(*tmp);
		*tmp = res;
		if (res == NULL)
			return NULL;
		src = res;
		*rate = to;
	}
	return src;
}

/* Raw G.711 or s16le bytes, appended to m. */
static int
encode_raw(enum out kind, const float *pcm, size_t n, struct membuf *m)
{
	int16_t s[CHUNK];
	unsigned char b[CHUNK * 2];
	size_t i, k, off, bytes;

	for (off = 0; off < n; off += k) {
		k = n - off < CHUNK ? n - off : CHUNK;
		va_pcm_to_s16(pcm + off, s, k);
		for (i = 0; i < k; i++) {
			if (kind == OUT_ULAW)
				b[i] = va_ulaw_encode(s[i]);
			else if (kind == OUT_ALAW)
				b[i] = va_alaw_encode(s[i]);
			else {
				b[2 * i] = (unsigned char)((uint16_t)s[i] &
				    0xff);
				b[2 * i + 1] = (unsigned char)((uint16_t)s[i]
				    >> 8);
			}
		}
		bytes = kind == OUT_S16LE ? 2 * k : k;
		if (membuf_append(m, b, bytes) == -1)
			return -1;
	}
	return 0;
}

static int
sf_format_of(enum out kind)
{
	switch (kind) {
	case OUT_WAV:
		return SF_FORMAT_WAV | SF_FORMAT_PCM_16;
	case OUT_FLAC:
		return SF_FORMAT_FLAC | SF_FORMAT_PCM_16;
	case OUT_OPUS:
		return SF_FORMAT_OGG | SF_FORMAT_OPUS;
	case OUT_VORBIS:
		return SF_FORMAT_OGG | SF_FORMAT_VORBIS;
	case OUT_MP3:
		return SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III;
	default:
		return 0;
	}
}

/* A container through libsndfile into m. */
static int
encode_sf(const char *who, enum out kind, int rate, int channels,
    const float *pcm, size_t n, struct membuf *m)
{
	SF_INFO info;
	SNDFILE *sf;
	int16_t s[CHUNK];
	size_t off, k, ch = (size_t)channels;
	sf_count_t w;
	int err;

	memset(&info, 0, sizeof(info));
	info.samplerate = rate;
	info.channels = channels;
	info.format = sf_format_of(kind);
	if (!sf_format_check(&info)) {
		va_log(VA_ERROR, "audio_write", "%s: this libsndfile cannot "
		    "write that format with %d channels at %d Hz", who,
		    channels, rate);
		return -1;
	}
	if ((sf = sf_open_virtual(&vio, SFM_WRITE, &info, m)) == NULL) {
		va_log(VA_ERROR, "audio_write", "%s: cannot encode: %s", who,
		    sf_strerror(NULL));
		return -1;
	}
	/* 16-bit PCM is converted here so clipping and rounding match
	 * va_pcm_to_s16 and the raw formats. */
	for (off = 0; off < n; off += k) {
		if (kind == OUT_WAV || kind == OUT_FLAC) {
			k = n - off < CHUNK / ch ? n - off : CHUNK / ch;
			va_pcm_to_s16(pcm + off * ch, s, k * ch);
			w = sf_writef_short(sf, s, (sf_count_t)k);
		} else {
			k = n - off < CHUNK ? n - off : CHUNK;
			w = sf_writef_float(sf, pcm + off * ch,
			    (sf_count_t)k);
		}
		if (w != (sf_count_t)k) {
			va_log(VA_ERROR, "audio_write", "%s: cannot encode: "
			    "%s", who, sf_strerror(sf));
			sf_close(sf);
			return -1;
		}
	}
	if ((err = sf_close(sf)) != 0) {
		va_log(VA_ERROR, "audio_write", "%s: cannot encode: %s", who,
		    sf_error_number(err));
		return -1;
	}
	return 0;
}

static int
encode(const char *who, enum out kind, int rate, int channels,
    const float *pcm, size_t frames, struct membuf *m)
{
	const float *src;
	float *tmp;
	int r;

	if (rate <= 0 || channels <= 0 || channels > MAX_CHANNELS ||
	    (pcm == NULL && frames > 0) ||
	    frames > SIZE_MAX / sizeof(float) / (size_t)channels) {
		va_log(VA_ERROR, "audio_write", "%s: cannot encode %d channels "
		    "at %d Hz", who, channels, rate);
		return -1;
	}
	if ((src = conform(kind, pcm, &frames, &rate, &channels, &tmp)) ==
	    NULL && frames > 0) {
		va_log(VA_ERROR, "audio_write", "%s: cannot convert the audio",
		    who);
		free(tmp);
		return -1;
	}
	if (kind == OUT_ULAW || kind == OUT_ALAW || kind == OUT_S16LE) {
		r = encode_raw(kind, src, frames * (size_t)channels, m);
		if (r == -1)
			va_log(VA_ERROR, "audio_write", "%s: out of memory",
			    who);
	} else
		r = encode_sf(who, kind, rate, channels, src, frames, m);
	free(tmp);
	return r;
}

int
va_audio_encode(const char *format, int rate, int channels,
    const float *pcm, size_t frames, unsigned char **buf, size_t *len)
{
	struct membuf m;
	enum out kind;

	if (format == NULL) {
		va_log(VA_ERROR, "audio_write", "no audio format named");
		return -1;
	}
	if (lookup_out("encode", format, NULL, &kind) == -1)
		return -1;
	memset(&m, 0, sizeof(m));
	if (encode(format, kind, rate, channels, pcm, frames, &m) == -1) {
		free(m.data);
		return -1;
	}
	/* An empty raw encoding is still a buffer the caller frees. */
	if (m.data == NULL && (m.data = malloc(1)) == NULL) {
		va_log(VA_ERROR, "audio_write", "out of memory");
		return -1;
	}
	*buf = m.data;
	*len = m.len;
	return 0;
}

static int
write_all(int fd, const unsigned char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
va_audio_write(const char *path, const char *format, int rate, int channels,
    const float *pcm, size_t frames)
{
	struct membuf m;
	enum out kind;
	const char *who;
	int fd, r;

	if (path == NULL || *path == '\0') {
		va_log(VA_ERROR, "audio_write", "no audio file named");
		return -1;
	}
	who = strcmp(path, "-") == 0 ? "(stdout)" : path;
	if (lookup_out(who, format, path, &kind) == -1)
		return -1;
	/*
	 * Encode whole, then write: the samples are in memory already, a
	 * pipe gets a wav header with its sizes right, and a failed encoding
	 * leaves no half file.
	 */
	memset(&m, 0, sizeof(m));
	if (encode(who, kind, rate, channels, pcm, frames, &m) == -1) {
		free(m.data);
		return -1;
	}
	if (strcmp(path, "-") == 0) {
		r = write_all(STDOUT_FILENO, m.data, m.len);
		if (r == -1)
			va_log(VA_ERROR, "audio_write", "(stdout): %s",
			    strerror(errno));
		free(m.data);
		return r;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0666)) == -1) {
		va_log(VA_ERROR, "audio_write", "%s: cannot create: %s", path,
		    strerror(errno));
		free(m.data);
		return -1;
	}
	r = write_all(fd, m.data, m.len);
	if (close(fd) == -1)
		r = -1;
	free(m.data);
	if (r == -1) {
		va_log(VA_ERROR, "audio_write", "%s: cannot write: %s", path,
		    strerror(errno));
		unlink(path);
		return -1;
	}
	return 0;
}

/*
 * G.711, after the Sun Microsystems reference code (g711.c): mu-law on
 * 14-bit and A-law on 13-bit magnitudes, segments found by comparison.
 */

#define G711_SIGN	0x80
#define G711_QUANT	0x0f
#define G711_SEG_SHIFT	4
#define G711_SEG	0x70
#define ULAW_BIAS	0x84
#define ULAW_CLIP	8159

static const int16_t ulaw_seg_end[8] = {
	0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff
};
static const int16_t alaw_seg_end[8] = {
	0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff
};

static int
segment(int v, const int16_t *end)
{
	int i;

	for (i = 0; i < 8; i++)
		if (v <= end[i])
			return i;
	return 8;
}

uint8_t
va_ulaw_encode(int16_t pcm)
{
	int v, mask, seg;

	v = pcm >> 2;		/* 14 bits */
	if (v < 0) {
		v = -v;
		mask = 0x7f;
	} else
		mask = 0xff;
	if (v > ULAW_CLIP)
		v = ULAW_CLIP;
	v += ULAW_BIAS >> 2;
	seg = segment(v, ulaw_seg_end);
	if (seg >= 8)
		return (uint8_t)(0x7f ^ mask);
	return (uint8_t)(((seg << 4) | ((v >> (seg + 1)) & G711_QUANT)) ^
	    mask);
}

int16_t
va_ulaw_decode(uint8_t u)
{
	int t;

	u = (uint8_t)~u;
	t = ((u & G711_QUANT) << 3) + ULAW_BIAS;
	t <<= (u & G711_SEG) >> G711_SEG_SHIFT;
	return (int16_t)((u & G711_SIGN) ? ULAW_BIAS - t : t - ULAW_BIAS);
}

uint8_t
va_alaw_encode(int16_t pcm)
{
	int v, mask, seg, a;

	v = pcm >> 3;		/* 13 bits */
	if (v >= 0)
		mask = 0xd5;	/* sign bit set: positive */
	else {
		mask = 0x55;
		v = -v - 1;
	}
	seg = segment(v, alaw_seg_end);
	if (seg >= 8)
		return (uint8_t)(0x7f ^ mask);
	a = seg << G711_SEG_SHIFT;
	if (seg < 2)
		a |= (v >> 1) & G711_QUANT;
	else
		a |= (v >> seg) & G711_QUANT;
	return (uint8_t)(a ^ mask);
}

int16_t
va_alaw_decode(uint8_t a)
{
	int t, seg;

	a ^= 0x55;
	t = (a & G711_QUANT) << 4;
	seg = (a & G711_SEG) >> G711_SEG_SHIFT;
	switch (seg) {
	case 0:
		t += 8;
		break;
	case 1:
		t += 0x108;
		break;
	default:
		t += 0x108;
		t <<= seg - 1;
	}
	return (int16_t)((a & G711_SIGN) ? t : -t);
}

void
va_pcm_to_s16(const float *in, int16_t *out, size_t n)
{
	size_t i;
	float v;

	for (i = 0; i < n; i++) {
		v = in[i] * 32768.0f;
		if (v >= 32767.0f)
			out[i] = 32767;
		else if (v <= -32768.0f)
			out[i] = -32768;
		else if (isnan(v))
			out[i] = 0;
		else
			out[i] = (int16_t)lrintf(v);
	}
}

void
va_pcm_from_s16(const int16_t *in, float *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = in[i] / 32768.0f;
}
