/*
 * va-say - text to speech: reply events become speech events.
 *
 * Each reply passes on unchanged and is followed by its speech, sentence
 * by sentence (long sentences phrase by phrase, the first phrase as short
 * as two words), each flushed as soon as it is synthesized so the caller
 * hears the first words while the rest is still being made. The reply
 * text is normalised for speech and may hold a small SSML subset
 * (lib/speechtext.c). The embedded engine is flite
 * (lib/tts_flite.c, voices slt and kal); --engine openai posts to an
 * OpenAI-compatible /v1/audio/speech (lib/tts_remote.c). Audio is trimmed
 * of the engine's leading and trailing silence, followed by a pause fit
 * for its place (end of sentence, phrase, <break>), encoded as s16le, wav,
 * ogg/opus or 8 kHz mu-law, and sent inline (base64) or as a file. Every
 * synthesized chunk is kept in the sqlite prompt cache, keyed by engine,
 * voice, format, rate and words, so a repeated prompt costs a lookup; the
 * writes wait until the next reply's first audio is out. At debug level
 * each chunk logs where its time went (diag say_timing).
 * A failure (a remote engine down, a key rejected) becomes an error event
 * answering the reply, and the stream goes on.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audio.h"
#include "b64.h"
#include "cache.h"
#include "clock.h"
#include "conf.h"
#include "event.h"
#include "http.h"
#include "log.h"
#include "loop.h"
#include "out.h"
#include "speechtext.h"
#include "store.h"
#include "tts_flite.h"
#include "tts_remote.h"

static struct va_opt opts[] = {
	{ "engine", 'e', VA_OPT_STR, "flite", "NAME",
	  "synthesizer: flite (embedded) or openai (remote, see --url)", 0, 0 },
	{ "voice", 'x', VA_OPT_STR, NULL, "NAME",
	  "voice: flite slt (default) or kal; openai default alloy", 0, 0 },
	{ "format", 'f', VA_OPT_STR, "s16le", "FMT",
	  "audio out: s16le, wav, opus (ogg/opus) or mulaw (8 kHz)", 0, 0 },
	{ "rate", 'r', VA_OPT_INT, "16000", "HZ",
	  "sample rate out (mulaw is always 8000; opus 8000, 12000, 16000, "
	  "24000 or 48000)", 8000, 48000 },
	{ "audio-dir", 'd', VA_OPT_STR, NULL, "DIR",
	  "write audio files there instead of sending it inline", 0, 0 },
	{ "db", 0, VA_OPT_STR, "va.db", "PATH",
	  "the sqlite store holding the prompt cache", 0, 0 },
	{ "no-cache", 0, VA_OPT_BOOL, NULL, NULL,
	  "neither read nor write the prompt cache (no store is opened)", 0, 0 },
	{ "max-words", 'w', VA_OPT_INT, "10", "N",
	  "split sentences longer than this at phrase boundaries; 0 never",
	  0, 1000 },
	{ "first-words", 0, VA_OPT_INT, "4", "N",
	  "the first phrase of a reply has at most N words (two are enough "
	  "at a comma or before a number), so it is heard sooner; 0: "
	  "--max-words", 0, 1000 },
	{ "pause-ms", 'p', VA_OPT_INT, "250", "MS",
	  "silence after each sentence (a phrase gets a fifth)", 0, 5000 },
	{ "url", 'u', VA_OPT_STR, "https://api.openai.com/v1", "URL",
	  "base URL of the OpenAI-compatible speech server", 0, 0 },
	{ "model", 'm', VA_OPT_STR, "tts-1", "NAME",
	  "model asked of the remote engine", 0, 0 },
	{ "api-key", 0, VA_OPT_SECRET, NULL, NULL,
	  "bearer key of the remote engine", 0, 0 },
	{ "timeout-ms", 't', VA_OPT_INT, "8000", "MS",
	  "remote engine: time allowed per sentence, retries included",
	  100, 600000 },
	{ "tries", 0, VA_OPT_INT, "3", "N",
	  "remote engine: attempts per sentence (timeouts, 429, 5xx)", 1, 10 },
	{ NULL, 0, 0, NULL, NULL, NULL, 0, 0 }
};

static struct va_conf conf = {
	"va-say", "[options]",
	"Read va events on standard input; pass each reply on and follow it\n"
	"with speech events, sentence by sentence, carrying the synthesized\n"
	"audio inline or as files. Other events pass through unchanged.",
	opts, 0, 0
};

#define CACHE_NS	"tts"

struct say {
	const char *engine;	/* "flite" or "openai" */
	const char *voice;
	const char *format;	/* "s16le", "wav", "opus", "mulaw" */
	const char *ext;	/* file extension for --audio-dir */
	int	rate;		/* output rate */
	int	max_words;
	int	first_words;
	int	pause_ms;
	const char *audio_dir;
	struct va_tts_flite *flite;
	struct va_http *http;
	struct va_tts_remote remote;
	struct va_store *db;	/* NULL: no cache */
	struct pending *pend;	/* synthesized, not yet in the cache */
	size_t	npend, cappend;
	long	replies;	/* replies answered, for file names */
};

/* Audio of one chunk, encoded. */
struct clip {
	unsigned char *buf;
	size_t	len;
	int64_t	dur_ms;
	int	cached;
	int64_t	synth_us;	/* in the engine */
	int64_t	encode_us;	/* resampling and encoding */
};

/* A prompt waiting for its cache write. */
struct pending {
	char	*key;
	struct clip clip;
};

/* Samples, growing. */
struct pcm {
	float	*v;
	size_t	n, cap;
};

static int
pcm_grow(struct pcm *p, size_t more)
{
	float *v;
	size_t cap;

	if (p->n + more <= p->cap)
		return 0;
	cap = p->cap ? p->cap : 16384;
	while (cap < p->n + more)
		cap *= 2;
	if ((v = realloc(p->v, cap * sizeof(*v))) == NULL)
		return -1;
	p->v = v;
	p->cap = cap;
	return 0;
}

static int
pcm_silence(struct pcm *p, int rate, int ms)
{
	size_t n = (size_t)rate * (size_t)ms / 1000;

	if (pcm_grow(p, n) < 0)
		return -1;
	memset(p->v + p->n, 0, n * sizeof(float));
	p->n += n;
	return 0;
}

/*
 * Append x without the engine's leading and trailing silence: what stays
 * is the speech from 10 ms before its first sample above -40 dBFS to 30 ms
 * after its last.
 */
static int
pcm_append_trimmed(struct pcm *p, const float *x, size_t n, int rate)
{
	const float thr = 0.01f;
	size_t a = 0, b = n, lead = (size_t)rate / 100, tail = (size_t)rate * 3
	    / 100;

	while (a < n && fabsf(x[a]) < thr)
		a++;
	if (a == n)
		return 0;
	while (b > a && fabsf(x[b - 1]) < thr)
		b--;
	a = a > lead ? a - lead : 0;
	b = b + tail < n ? b + tail : n;
	if (pcm_grow(p, b - a) < 0)
		return -1;
	memcpy(p->v + p->n, x + a, (b - a) * sizeof(float));
	p->n += b - a;
	return 0;
}

static const char *
ext_of(const char *format)
{
	if (strcmp(format, "wav") == 0)
		return "wav";
	if (strcmp(format, "opus") == 0)
		return "opus";
	if (strcmp(format, "mulaw") == 0)
		return "ul";
	if (strcmp(format, "s16le") == 0)
		return "s16";
	return NULL;
}

/* The cache key: everything that changes the audio. */
static char *
cache_key(const struct say *s, const struct va_speech_chunk *c)
{
	size_t n = strlen(c->key) + strlen(s->engine) + strlen(s->voice) +
	    strlen(s->format) + 64 + (s->http ? strlen(s->remote.url) +
	    strlen(s->remote.model) : 0);
	char *k;

	if ((k = malloc(n)) == NULL)
		return NULL;
	if (s->http != NULL)
		snprintf(k, n, "%s|%s|%s|%s|%s|%d|%d|%s", s->engine,
		    s->remote.url, s->remote.model, s->voice, s->format,
		    s->rate, s->pause_ms, c->key);
	else
		snprintf(k, n, "%s|%s|%s|%d|%d|%s", s->engine, s->voice,
		    s->format, s->rate, s->pause_ms, c->key);
	return k;
}

/* A cache value: "VA-SAY1 <dur_ms>\n" then the encoded audio. */
static int
cache_get(struct say *s, const char *key, struct clip *out)
{
	void *v;
	size_t len, hl;
	int64_t age;
	long long dur;
	char *nl;

	if (s->db == NULL || va_cache_get(s->db, CACHE_NS, key, &v, &len,
	    &age) != 1)
		return 0;
	if ((nl = memchr(v, '\n', len < 64 ? len : 64)) == NULL ||
	    sscanf(v, "VA-SAY1 %lld\n", &dur) != 1) {
		va_log(VA_WARN, "cache_bad", "a prompt cache entry is not "
		    "va-say's; synthesizing again");
		free(v);
		return 0;
	}
	hl = (size_t)(nl - (char *)v) + 1;
	memmove(v, (char *)v + hl, len - hl);
	out->buf = v;
	out->len = len - hl;
	out->dur_ms = dur;
	out->cached = 1;
	return 1;
}

static void
cache_put(struct say *s, const char *key, const struct clip *c)
{
	char hdr[64];
	unsigned char *v;
	int hl;

	if (s->db == NULL)
		return;
	hl = snprintf(hdr, sizeof(hdr), "VA-SAY1 %lld\n", (long long)c->dur_ms);
	if ((v = malloc((size_t)hl + c->len)) == NULL)
		return;
	memcpy(v, hdr, (size_t)hl);
	memcpy(v + hl, c->buf, c->len);
	if (va_cache_put(s->db, CACHE_NS, key, v, (size_t)hl + c->len) < 0)
		va_log(VA_WARN, "cache_put", "could not keep a prompt in the "
		    "cache; going on");
	free(v);
}

/*
 * Cache writes wait: a commit (and now and then a WAL checkpoint, tens of
 * milliseconds) must not stand between a reply and its first audio, nor
 * between the last audio of one reply and the first of the next. Prompts
 * are kept here and written in one transaction once the next reply's
 * first chunk is out, or at the end; a lookup sees them meanwhile.
 */
static int
pending_get(struct say *s, const char *key, struct clip *out)
{
	size_t i;

	for (i = 0; i < s->npend; i++) {
		if (strcmp(s->pend[i].key, key) != 0)
			continue;
		if ((out->buf = malloc(s->pend[i].clip.len + 1)) == NULL)
			return 0;
		memcpy(out->buf, s->pend[i].clip.buf, s->pend[i].clip.len);
		out->len = s->pend[i].clip.len;
		out->dur_ms = s->pend[i].clip.dur_ms;
		out->cached = 1;
		return 1;
	}
	return 0;
}

/* Keep key and the clip's audio (both taken over) for a later write. */
static void
pending_add(struct say *s, char *key, struct clip *c)
{
	struct pending *p;
	size_t cap;

	if (s->npend == s->cappend) {
		cap = s->cappend ? s->cappend * 2 : 16;
		if ((p = realloc(s->pend, cap * sizeof(*p))) == NULL) {
			free(key);
			free(c->buf);
			c->buf = NULL;
			return;
		}
		s->pend = p;
		s->cappend = cap;
	}
	s->pend[s->npend].key = key;
	s->pend[s->npend++].clip = *c;
	c->buf = NULL;
}

static void
pending_write(struct say *s)
{
	size_t i;
	int tx;

	if (s->npend == 0)
		return;
	tx = va_store_begin(s->db) == 0;
	for (i = 0; i < s->npend; i++)
		cache_put(s, s->pend[i].key, &s->pend[i].clip);
	if (tx && va_store_commit(s->db) < 0)
		va_log(VA_WARN, "cache_put", "could not keep %zu prompts in "
		    "the cache; going on", s->npend);
	for (i = 0; i < s->npend; i++) {
		free(s->pend[i].key);
		free(s->pend[i].clip.buf);
	}
	s->npend = 0;
}

/* Synthesize words at the engine's rate; NULL with *code set on failure. */
static float *
engine_synth(struct say *s, const char *words, size_t *n, int *rate,
    const char **code, char *msg, size_t msglen)
{
	struct va_tts_remote_err err;
	float *x;

	if (s->flite != NULL) {
		x = va_tts_flite_synth(s->flite, words, n);
		*rate = va_tts_flite_rate(s->flite);
		if (x == NULL) {
			*code = "tts_synth";
			snprintf(msg, msglen, "flite could not synthesize");
		}
		return x;
	}
	x = va_tts_remote_synth(s->http, &s->remote, words, n, rate, &err);
	if (x == NULL) {
		*code = err.code;
		snprintf(msg, msglen, "%s", err.msg);
	}
	return x;
}

/*
 * Synthesize one chunk into an encoded clip: each part trimmed and
 * followed by its pause, the chunk by the pause its place asks for.
 */
static int
synth_chunk(struct say *s, const struct va_speech_chunk *c,
    struct clip *out, const char **code, char *msg, size_t msglen)
{
	struct pcm p = { 0 };
	float *x, *y;
	size_t i, n, m, tl;
	int rate = 0, r, gap;
	int64_t t0;
	char last;

	out->synth_us = out->encode_us = 0;
	for (i = 0; i < c->nparts; i++) {
		if (c->parts[i].words[0] != '\0') {
			t0 = va_mono_us();
			x = engine_synth(s, c->parts[i].words, &n, &r, code,
			    msg, msglen);
			out->synth_us += va_mono_us() - t0;
			if (x == NULL)
				goto fail;
			if (rate == 0)
				rate = r;
			/* A remote engine could change its rate midway. */
			if (r != rate) {
				y = va_resample(x, n, r, rate, &m);
				free(x);
				if ((x = y) == NULL)
					goto oom;
				n = m;
			}
			if (pcm_append_trimmed(&p, x, n, rate) < 0) {
				free(x);
				goto oom;
			}
			free(x);
		}
		if (rate == 0)
			rate = s->rate;
		if (pcm_silence(&p, rate, c->parts[i].pause_ms) < 0)
			goto oom;
	}
	if (c->parts[c->nparts - 1].pause_ms == 0 && c->words > 0) {
		tl = strlen(c->text);
		last = tl > 0 ? c->text[tl - 1] : '.';
		gap = strchr(".!?", last) != NULL ? s->pause_ms :
		    s->pause_ms / 5;
		if (pcm_silence(&p, rate, gap) < 0)
			goto oom;
	}
	t0 = va_mono_us();
	if (rate != s->rate && p.n > 0) {
		if ((y = va_resample(p.v, p.n, rate, s->rate, &m)) == NULL)
			goto oom;
		free(p.v);
		p.v = y;
		p.n = p.cap = m;
	}
	if (pcm_grow(&p, 1) < 0)
		goto oom;
	if (va_audio_encode(s->format, s->rate, 1, p.v, p.n, &out->buf,
	    &out->len) < 0) {
		*code = "audio_encode";
		snprintf(msg, msglen, "cannot encode %s audio", s->format);
		goto fail;
	}
	out->dur_ms = (int64_t)p.n * 1000 / s->rate;
	out->cached = 0;
	out->encode_us = va_mono_us() - t0;
	free(p.v);
	return 0;
oom:
	*code = "out_of_memory";
	snprintf(msg, msglen, "out of memory");
fail:
	free(p.v);
	return -1;
}

/* Write the clip to a file; 0, or -1 (logged) to send it inline. */
static int
write_file(struct say *s, const char *path, const struct clip *c)
{
	FILE *fp;

	if ((fp = fopen(path, "wb")) == NULL) {
		va_log(VA_WARN, "audio_dir", "%s: %s; sending audio inline",
		    path, strerror(errno));
		return -1;
	}
	if (fwrite(c->buf, 1, c->len, fp) != c->len || fclose(fp) != 0) {
		va_log(VA_WARN, "audio_dir", "%s: %s; sending audio inline",
		    path, strerror(errno));
		if (fp != NULL)
			remove(path);
		return -1;
	}
	return 0;
}

static void
emit_audio(struct say *s, const struct va_event *ev, size_t seq,
    const struct clip *c)
{
	char hdr[160], path[4096], *call, *b64;

	va_emit_key("audio");
	snprintf(hdr, sizeof(hdr), "{\"format\":\"%s\",\"rate\":%d,"
	    "\"channels\":1,", s->format, s->rate);
	va_out_puts(hdr);
	if (s->audio_dir != NULL) {
		call = va_event_str(ev, "call");
		/* Call ids are ours, but keep path separators out. */
		for (b64 = call; b64 != NULL && *b64 != '\0'; b64++)
			if (*b64 == '/')
				*b64 = '_';
		snprintf(path, sizeof(path), "%s/%s-r%ld-%zu.%s", s->audio_dir,
		    call != NULL ? call : "say", s->replies, seq, s->ext);
		free(call);
		if (write_file(s, path, c) == 0) {
			va_out_puts("\"file\":");
			va_out_json_string(path, strlen(path));
			va_out_putc('}');
			return;
		}
	}
	if ((b64 = malloc(va_b64_len(c->len) + 1)) == NULL)
		va_die(71, "out_of_memory", "out of memory");
	va_b64_encode(c->buf, c->len, b64);
	va_out_puts("\"data\":\"");
	va_out_puts(b64);
	va_out_puts("\"}");
	free(b64);
}

static int
handle_reply(const struct va_event *ev, void *arg)
{
	struct say *s = arg;
	struct va_speech_plan plan;
	struct clip clip;
	const char *code = NULL;
	char msg[300], *text, *key;
	int64_t t0, t_text, t_look, t_out, t_put;
	size_t i;
	int hit;

	/* The reply itself goes on first, as it came. */
	va_out_write(ev->line, ev->len);
	va_out_putc('\n');
	s->replies++;
	if ((text = va_event_str(ev, "text")) == NULL) {
		va_emit_error(ev, "bad_reply", "reply without a text string");
		return 0;
	}
	t_text = va_mono_us();
	if (va_speechtext_plan(text, s->max_words, s->first_words, &plan) < 0)
		va_die(71, "out_of_memory", "out of memory");
	t_text = va_mono_us() - t_text;
	free(text);
	for (i = 0; i < plan.n; i++) {
		t0 = va_mono_us();
		memset(&clip, 0, sizeof(clip));
		if ((key = cache_key(s, &plan.chunks[i])) == NULL)
			va_die(71, "out_of_memory", "out of memory");
		hit = pending_get(s, key, &clip) || cache_get(s, key, &clip);
		t_look = va_mono_us() - t0;
		if (!hit && synth_chunk(s, &plan.chunks[i], &clip, &code, msg,
		    sizeof(msg)) < 0) {
			free(key);
			va_emit_error(ev, code, "sentence %zu: %s", i, msg);
			break;
		}
		va_emit_begin("speech", ev);
		va_emit_int("proc_ms", (va_mono_us() - t0) / 1000);
		va_emit_str("text", plan.chunks[i].text);
		va_emit_int("seq", (int64_t)i);
		va_emit_bool("last", i + 1 == plan.n);
		emit_audio(s, ev, i, &clip);
		va_emit_int("dur_ms", clip.dur_ms);
		va_emit_str("engine", s->engine);
		va_emit_str("voice", s->voice);
		va_emit_bool("cached", clip.cached);
		va_emit_end(ev);
		/*
		 * The sentence leaves before the next is made, and before
		 * the cache's commit can hold it back.
		 */
		va_out_flush();
		t_out = va_mono_us();
		/* The replies before this one, now that it is being heard. */
		if (i == 0 || s->npend >= 32)
			pending_write(s);
		if (!clip.cached && s->db != NULL) {
			pending_add(s, key, &clip);
			key = NULL;
		}
		t_put = va_mono_us() - t_out;
		t_out -= t0 + t_look + clip.synth_us + clip.encode_us;
		/* Where the time went, after the audio is out. */
		va_log(VA_DEBUG, "say_timing", "reply %ld chunk %zu: %d words, "
		    "%lld ms of audio%s: text %.2f ms, lookup %.2f ms, synth "
		    "%.2f ms, encode %.2f ms, out %.2f ms; then cache writes "
		    "%.2f ms", s->replies, i, plan.chunks[i].words,
		    (long long)clip.dur_ms, clip.cached ? " (cached)" : "",
		    i == 0 ? t_text / 1e3 : 0.0, t_look / 1e3,
		    clip.synth_us / 1e3, clip.encode_us / 1e3, t_out / 1e3,
		    t_put / 1e3);
		free(key);
		free(clip.buf);
	}
	va_speechtext_free(&plan);
	return 0;
}

static void
configure(struct say *s)
{
	const char *const *v;
	const char *dir;
	struct stat st;

	memset(s, 0, sizeof(*s));
	s->engine = va_conf_str(&conf, "engine");
	s->format = va_conf_str(&conf, "format");
	s->rate = (int)va_conf_int(&conf, "rate");
	s->max_words = (int)va_conf_int(&conf, "max-words");
	s->first_words = (int)va_conf_int(&conf, "first-words");
	s->pause_ms = (int)va_conf_int(&conf, "pause-ms");
	s->voice = va_conf_str(&conf, "voice");
	if (strcmp(s->engine, "flite") != 0 && strcmp(s->engine, "openai") != 0)
		va_die(64, "usage", "--engine: \"%s\" is neither flite nor "
		    "openai", s->engine);
	if ((s->ext = ext_of(s->format)) == NULL)
		va_die(64, "usage", "--format: \"%s\" is not s16le, wav, opus "
		    "or mulaw", s->format);
	if (strcmp(s->format, "mulaw") == 0)
		s->rate = 8000;
	if (strcmp(s->format, "opus") == 0 && s->rate != 8000 &&
	    s->rate != 12000 && s->rate != 16000 && s->rate != 24000 &&
	    s->rate != 48000)
		va_die(64, "usage", "--rate: opus takes 8000, 12000, 16000, "
		    "24000 or 48000, not %d", s->rate);
	if (s->voice == NULL)
		s->voice = strcmp(s->engine, "flite") == 0 ? "slt" : "alloy";
	if (strcmp(s->engine, "flite") == 0) {
		for (v = va_tts_flite_voices; *v != NULL; v++)
			if (strcmp(*v, s->voice) == 0)
				break;
		if (*v == NULL)
			va_die(64, "usage", "--voice: \"%s\" is not a flite "
			    "voice (slt, kal)", s->voice);
	}
	dir = va_conf_str(&conf, "audio-dir");
	if (dir != NULL && (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)))
		va_die(73, "audio_dir", "%s: not a directory", dir);
	s->audio_dir = dir;
}

int
main(int argc, char **argv)
{
	static const char *const types[] = { "reply", NULL };
	struct va_filter f = { 0 };
	struct say s;
	int first, status;
	long budget;

	first = va_conf_parse(&conf, argc, argv);
	if (first < argc)
		va_die(64, "usage", "unexpected operand \"%s\" (see va-say "
		    "--help)", argv[first]);
	configure(&s);

	if (strcmp(s.engine, "flite") == 0) {
		if ((s.flite = va_tts_flite_new(s.voice)) == NULL)
			va_die(69, "tts_init", "cannot load the flite voice "
			    "%s", s.voice);
	} else {
		budget = (long)va_conf_int(&conf, "timeout-ms");
		s.remote.url = va_conf_str(&conf, "url");
		s.remote.key = va_conf_str(&conf, "api-key");
		s.remote.model = va_conf_str(&conf, "model");
		s.remote.voice = s.voice;
		s.remote.max_tries = (int)va_conf_int(&conf, "tries");
		s.remote.budget_ms = budget;
		s.remote.timeout_ms = budget / s.remote.max_tries;
		if (s.remote.timeout_ms < 100)
			s.remote.timeout_ms = 100;
		if ((s.http = va_http_new()) == NULL)
			va_die(71, "http_init", "cannot set up the HTTP client");
	}
	if (!va_conf_bool(&conf, "no-cache") &&
	    ((s.db = va_store_open(va_conf_str(&conf, "db"))) == NULL ||
	    va_cache_init(s.db) < 0))
		va_die(73, "store_open", "cannot open the store %s",
		    va_conf_str(&conf, "db"));

	f.types = types;
	f.handle = handle_reply;
	f.arg = &s;
	f.strict = conf.strict;
	status = va_filter_run(&f);
	pending_write(&s);

	va_tts_flite_free(s.flite);
	va_http_free(s.http);
	va_store_close(s.db);
	free(s.pend);
	return status;
}
