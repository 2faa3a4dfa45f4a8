/*
 * va-listen - audio in: recorded calls or a live stream become call and
 * utterance events.
 *
 * Each FILE is one call (the path "-" reads standard input). The caller's
 * channel is picked from a stereo recording, resampled to the rate the
 * recognizer wants, and split into utterances by voice activity detection
 * (lib/vad.c). Emits call_start, optional 20 ms audio frames, utterance
 * events with their media times and audio, and call_end. Headerless audio
 * on standard input (mulaw, alaw, s16le) is read as it arrives, so a
 * telephony bridge can feed a live call. A file that cannot be read is an
 * error event and the next file goes on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audio.h"
#include "b64.h"
#include "clock.h"
#include "conf.h"
#include "event.h"
#include "log.h"
#include "loop.h"
#include "out.h"
#include "vad.h"

static struct va_opt opts[] = {
	{ "rate", 'r', VA_OPT_INT, "16000", "HZ",
	  "sample rate of the audio sent on (the recognizer's)", 8000, 48000 },
	{ "channel", 'c', VA_OPT_INT, "0", "N",
	  "caller's channel of a multi-channel recording; -1 mixes all", -1, 64 },
	{ "format", 'f', VA_OPT_STR, NULL, "FMT",
	  "input format for headerless audio: mulaw, alaw or s16le", 0, 0 },
	{ "input-rate", 0, VA_OPT_INT, NULL, "HZ",
	  "sample rate of headerless input (mulaw/alaw default 8000)", 1000, 192000 },
	{ "input-channels", 0, VA_OPT_INT, "1", "N",
	  "channels of headerless input", 1, 64 },
	{ "call-id", 'i', VA_OPT_STR, NULL, "ID",
	  "call id (default: the file name without directory and extension)", 0, 0 },
	{ "silence-ms", 's', VA_OPT_INT, "700", "MS",
	  "silence that ends the caller's turn", 100, 10000 },
	{ "min-speech-ms", 0, VA_OPT_INT, "200", "MS",
	  "shortest speech kept as an utterance", 10, 10000 },
	{ "max-utterance-ms", 0, VA_OPT_INT, "15000", "MS",
	  "longest utterance; longer speech is cut", 500, 60000 },
	{ "pre-roll-ms", 0, VA_OPT_INT, "200", "MS",
	  "audio kept before speech starts and after it ends", 0, 2000 },
	{ "threshold-db", 't', VA_OPT_INT, "10", "DB",
	  "how far speech stands above the noise floor", 1, 60 },
	{ "frames", 0, VA_OPT_BOOL, NULL, NULL,
	  "also emit 20 ms audio events for streaming engines", 0, 0 },
	{ "realtime", 0, VA_OPT_BOOL, NULL, NULL,
	  "pace output at wall-clock speed, as a live call would arrive", 0, 0 },
	{ "audio-dir", 'd', VA_OPT_STR, NULL, "DIR",
	  "write utterance audio as wav files there instead of inline", 0, 0 },
	{ NULL, 0, 0, NULL, NULL, NULL, 0, 0 }
};

static struct va_conf conf = {
	"va-listen", "[options] FILE...",
	"Read recorded or live calls and emit call_start, utterance and\n"
	"call_end events (and 20 ms audio frames with --frames) as JSON lines.\n"
	"FILE may be wav, flac, ogg/vorbis, ogg/opus, mp3, or headerless\n"
	"mu-law/A-law/16-bit PCM; \"-\" reads standard input.",
	opts, 0, 0
};

struct call {
	char	id[256];
	int	rate;		/* output rate */
	int64_t	turns;
	int64_t	frame_seq;
	float	*frame;		/* partial 20 ms frame */
	size_t	frame_len;
	const char *audio_dir;
	int	realtime;
	int	emit_frames;
	int64_t	t0_us;		/* wall clock at media time 0 */
	int64_t	media;		/* output samples so far */
};

/* Headerless standard input, read as it arrives. */
struct live {
	int	fmt;		/* 'u', 'a', 's' */
	int	channels;
	unsigned char buf[8192];
	size_t	have;
};

static int64_t
ms_of(const struct call *c, int64_t samples)
{
	return samples * 1000 / c->rate;
}

/* The audio member of an event: inline base64 s16le, or a wav file. */
static void
emit_audio(struct call *c, const float *pcm, size_t n, const char *file_tag)
{
	char path[4096], hdr[128];
	int16_t *s16;
	char *b64;

	va_emit_key("audio");
	if (c->audio_dir != NULL && file_tag != NULL) {
		snprintf(path, sizeof(path), "%s/%s-%s.wav", c->audio_dir,
		    c->id, file_tag);
		if (va_audio_write(path, "wav", c->rate, 1, pcm, n) == 0) {
			snprintf(hdr, sizeof(hdr),
			    "{\"format\":\"wav\",\"rate\":%d,\"channels\":1,"
			    "\"file\":", c->rate);
			va_out_puts(hdr);
			va_out_json_string(path, strlen(path));
			va_out_putc('}');
			return;
		}
		va_log(VA_WARN, "audio_dir", "%s: sending audio inline", path);
	}
	if ((s16 = malloc(n * sizeof(*s16) + 1)) == NULL ||
	    (b64 = malloc(va_b64_len(n * 2) + 1)) == NULL)
		va_die(71, "out_of_memory", "out of memory");
	va_pcm_to_s16(pcm, s16, n);
	/* s16le on the wire; this code assumes a little-endian host. */
	va_b64_encode(s16, n * 2, b64);
	snprintf(hdr, sizeof(hdr),
	    "{\"format\":\"s16le\",\"rate\":%d,\"channels\":1,\"data\":\"",
	    c->rate);
	va_out_puts(hdr);
	va_out_puts(b64);
	va_out_puts("\"}");
	free(s16);
	free(b64);
}

static void
on_segment(const struct va_vad_segment *seg, void *arg)
{
	struct call *c = arg;
	char tag[32];

	c->turns++;
	snprintf(tag, sizeof(tag), "%03lld", (long long)c->turns);
	va_emit_begin_call("utterance", c->id, c->turns,
	    ms_of(c, seg->speech_end));
	va_emit_int("start_ms", ms_of(c, seg->start));
	va_emit_int("end_ms", ms_of(c, seg->end));
	va_emit_int("level_db", seg->level_db);
	if (seg->cut)
		va_emit_bool("cut", 1);
	emit_audio(c, seg->pcm, (size_t)(seg->end - seg->start), tag);
	va_emit_end(NULL);
	if (c->realtime)
		va_out_flush();
}

static void
emit_frame(struct call *c)
{
	va_emit_begin_call("audio", c->id, c->turns,
	    ms_of(c, c->media - (int64_t)c->frame_len));
	va_emit_int("seq", c->frame_seq++);
	va_emit_int("dur_ms", ms_of(c, (int64_t)c->frame_len));
	emit_audio(c, c->frame, c->frame_len, NULL);
	va_emit_end(NULL);
}

/* Wait until the wall clock reaches media time. */
static void
pace(struct call *c)
{
	int64_t due = c->t0_us + c->media * 1000000 / c->rate;
	int64_t now = va_mono_us();

	if (due > now) {
		va_out_flush();
		va_sleep_ms((due - now + 999) / 1000);
	}
}

/* Feed output-rate samples to the detector, frames and pacing. */
static void
feed(struct call *c, struct va_vad *vad, const float *x, size_t n)
{
	size_t step = (size_t)c->rate / 50, take;

	while (n > 0) {
		take = step - c->frame_len;
		if (take > n)
			take = n;
		memcpy(c->frame + c->frame_len, x, take * sizeof(float));
		c->frame_len += take;
		c->media += (int64_t)take;
		if (c->realtime)
			pace(c);
		va_vad_feed(vad, x, take, on_segment, c);
		if (c->frame_len == step) {
			if (c->emit_frames)
				emit_frame(c);
			c->frame_len = 0;
		}
		x += take;
		n -= take;
	}
}

static long
live_read(struct live *lv, float *out, size_t nframes)
{
	size_t bpf = (size_t)lv->channels * (lv->fmt == 's' ? 2 : 1);
	size_t want = nframes * bpf, i, n;
	ssize_t r;

	if (want > sizeof(lv->buf))
		want = sizeof(lv->buf) / bpf * bpf;
	while (lv->have < bpf) {
		struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };

		va_out_flush();		/* about to wait for the caller */
		/* Not read(2) straight away: a stop just before it is kept. */
		if (va_signals_poll(&p, 1, -1) == -1 && errno == EINTR) {
			if (va_stop_requested())
				return 0;
			continue;
		}
		r = read(STDIN_FILENO, lv->buf + lv->have,
		    want - lv->have);
		if (r < 0 && errno == EINTR) {
			if (va_stop_requested())
				return 0;
			continue;
		}
		if (r < 0)
			return -1;
		if (r == 0)
			return 0;
		lv->have += (size_t)r;
	}
	n = lv->have / bpf * bpf;
	for (i = 0; i < n / (lv->fmt == 's' ? 2 : 1); i++) {
		int16_t s;

		if (lv->fmt == 'u')
			s = va_ulaw_decode(lv->buf[i]);
		else if (lv->fmt == 'a')
			s = va_alaw_decode(lv->buf[i]);
		else
			s = (int16_t)(lv->buf[2 * i] | lv->buf[2 * i + 1] << 8);
		out[i] = s / 32768.0f;
	}
	memmove(lv->buf, lv->buf + n, lv->have - n);
	lv->have -= n;
	return (long)(n / bpf);
}

static void
call_id_of(const char *path, char *out, size_t cap)
{
	const char *b = strrchr(path, '/'), *dot;
	size_t n;

	b = b != NULL ? b + 1 : path;
	if (strcmp(path, "-") == 0)
		b = "stdin";
	dot = strrchr(b, '.');
	n = dot != NULL && dot != b ? (size_t)(dot - b) : strlen(b);
	if (n >= cap)
		n = cap - 1;
	memcpy(out, b, n);
	out[n] = '\0';
}

/* One call; returns 0, 65 (damaged) or 66 (unreadable). */
static int
listen_one(const char *path, int nfiles)
{
	struct va_audio_fmt fmt = { 0 };
	struct va_audio_reader *rd = NULL;
	struct va_resampler *rs = NULL;
	struct va_vad_params vp;
	struct va_vad *vad;
	struct live lv;
	struct call c;
	const char *fmtname = va_conf_str(&conf, "format");
	float *in, *mono, *out;
	size_t block = 4096, out_cap, i;
	int in_rate, channels, ch, status = 0, live;
	long n, m;
	int64_t total;

	memset(&c, 0, sizeof(c));
	if (va_conf_str(&conf, "call-id") != NULL) {
		snprintf(c.id, sizeof(c.id), "%s", va_conf_str(&conf, "call-id"));
		if (nfiles > 1) {
			char base[200];

			call_id_of(path, base, sizeof(base));
			snprintf(c.id, sizeof(c.id), "%s-%s",
			    va_conf_str(&conf, "call-id"), base);
		}
	} else
		call_id_of(path, c.id, sizeof(c.id));
	c.rate = (int)va_conf_int(&conf, "rate");
	c.audio_dir = va_conf_str(&conf, "audio-dir");
	c.realtime = va_conf_bool(&conf, "realtime");
	c.emit_frames = va_conf_bool(&conf, "frames");
	ch = (int)va_conf_int(&conf, "channel");

	live = strcmp(path, "-") == 0 && fmtname != NULL &&
	    (strcmp(fmtname, "mulaw") == 0 || strcmp(fmtname, "alaw") == 0 ||
	    strcmp(fmtname, "s16le") == 0);
	if (live) {
		memset(&lv, 0, sizeof(lv));
		lv.fmt = fmtname[0] == 'm' ? 'u' : fmtname[0];
		lv.channels = (int)va_conf_int(&conf, "input-channels");
		in_rate = (int)va_conf_int(&conf, "input-rate");
		if (in_rate == 0) {
			if (lv.fmt == 's')
				va_die(64, "usage", "-: s16le input needs "
				    "--input-rate");
			in_rate = 8000;
		}
		channels = lv.channels;
		total = -1;
	} else {
		fmt.format = fmtname;
		fmt.rate = (int)va_conf_int(&conf, "input-rate");
		fmt.channels = (int)va_conf_int(&conf, "input-channels");
		if ((rd = va_audio_open(path, &fmt)) == NULL) {
			va_emit_begin_call("error", c.id, 0, 0);
			va_emit_str("code", "audio_open");
			va_emit_str("msg", "cannot read audio");
			va_emit_str("source", path);
			va_emit_end(NULL);
			return 66;
		}
		in_rate = rd->rate;
		channels = rd->channels;
		total = rd->frames;
	}
	if (ch >= channels) {
		va_log(VA_WARN, "channel", "%s: has %d channel(s), no channel "
		    "%d; using channel 0", path, channels, ch);
		ch = 0;
	}

	va_emit_begin_call("call_start", c.id, 0, 0);
	va_emit_int("v", VA_EVENT_VERSION);
	va_emit_str("source", path);
	va_emit_str("format", live ? fmtname : rd->format);
	va_emit_int("rate", in_rate);
	va_emit_int("channels", channels);
	va_emit_int("channel", ch);
	if (total >= 0)
		va_emit_int("duration_ms", total * 1000 / in_rate);
	va_emit_end(NULL);

	memset(&vp, 0, sizeof(vp));
	vp.rate = c.rate;
	vp.silence_ms = (int)va_conf_int(&conf, "silence-ms");
	vp.min_speech_ms = (int)va_conf_int(&conf, "min-speech-ms");
	vp.max_utterance_ms = (int)va_conf_int(&conf, "max-utterance-ms");
	vp.pre_roll_ms = (int)va_conf_int(&conf, "pre-roll-ms");
	if (vp.pre_roll_ms == 0)
		vp.pre_roll_ms = -1;
	vp.threshold_db = (double)va_conf_int(&conf, "threshold-db");
	if ((vad = va_vad_new(&vp)) == NULL)
		va_die(71, "out_of_memory", "out of memory");
	if (in_rate != c.rate &&
	    (rs = va_resampler_new(in_rate, c.rate, 1)) == NULL)
		va_die(70, "resampler", "cannot resample %d to %d Hz",
		    in_rate, c.rate);
	out_cap = block * (size_t)c.rate / (size_t)in_rate + 256;
	in = malloc(block * (size_t)channels * sizeof(float));
	mono = malloc(block * sizeof(float));
	out = malloc(out_cap * sizeof(float));
	c.frame = malloc(((size_t)c.rate / 50 + 1) * sizeof(float));
	if (in == NULL || mono == NULL || out == NULL || c.frame == NULL)
		va_die(71, "out_of_memory", "out of memory");
	c.t0_us = va_mono_us();

	for (;;) {
		if (va_stop_requested())
			break;
		n = live ? live_read(&lv, in, block) :
		    va_audio_read(rd, in, block);
		if (n < 0) {
			va_log(VA_ERROR, "read_error", "%s: read error", path);
			status = 65;
			break;
		}
		if (n == 0)
			break;
		for (i = 0; i < (size_t)n; i++) {
			if (ch >= 0)
				mono[i] = in[i * (size_t)channels + (size_t)ch];
			else {
				float s = 0;
				int k;

				for (k = 0; k < channels; k++)
					s += in[i * (size_t)channels + (size_t)k];
				mono[i] = s / (float)channels;
			}
		}
		if (rs != NULL) {
			if ((m = va_resampler_run(rs, mono, (size_t)n, out,
			    out_cap)) < 0)
				va_die(70, "resampler", "resampling failed");
			feed(&c, vad, out, (size_t)m);
		} else
			feed(&c, vad, mono, (size_t)n);
	}
	while (rs != NULL && (m = va_resampler_run(rs, NULL, 0, out,
	    out_cap)) > 0)
		feed(&c, vad, out, (size_t)m);
	va_vad_finish(vad, on_segment, &c);
	if (rd != NULL && rd->damaged)
		status = 65;

	va_emit_begin_call("call_end", c.id, c.turns, ms_of(&c, c.media));
	va_emit_str("reason", va_stop_requested() ? "stopped" :
	    status != 0 ? "damaged" : "eof");
	va_emit_int("utterances", c.turns);
	if (status != 0)
		va_emit_bool("damaged", 1);
	va_emit_end(NULL);
	va_out_flush();

	free(in);
	free(mono);
	free(out);
	free(c.frame);
	va_vad_free(vad);
	va_resampler_free(rs);
	if (rd != NULL)
		va_audio_close(rd);
	return status;
}

int
main(int argc, char **argv)
{
	const char *dir;
	struct stat st;
	int i, first, rc, status = 0;

	first = va_conf_parse(&conf, argc, argv);
	if (first >= argc)
		va_die(64, "usage", "no input file (see va-listen --help)");
	dir = va_conf_str(&conf, "audio-dir");
	if (dir != NULL && (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)))
		va_die(73, "audio_dir", "%s: not a directory", dir);
	va_signals_init();
	for (i = first; i < argc && !va_stop_requested(); i++) {
		rc = listen_one(argv[i], argc - first);
		if (rc > status)
			status = rc;
	}
	va_out_flush();
	return status;
}
