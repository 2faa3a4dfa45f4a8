/*
 * va-asr - speech to text: utterance events become transcript events.
 *
 * Each utterance's audio (inline 16-bit PCM or a file reference) is
 * decoded by the embedded engine, pocketsphinx with Debian's en-us
 * acoustic model and our domain language model and grammars, or sent to
 * a remote engine (an OpenAI-compatible /v1/audio/transcriptions, or
 * Deepgram's /v1/listen). The answer is a transcript event with the text,
 * a confidence, word timings, the engine, the language model or grammar
 * used, and the processing time.
 *
 * The language model is chosen per turn: an utterance's own "expect"
 * member when a pipeline put one there, else what the store says the
 * turn should hold (va-route records it after each turn; see
 * callstate.h), else --lm. Telephone audio (8 kHz) is brought to the
 * model's 16 kHz by upsampling and folding the spectrum into the empty
 * upper band (--narrowband), which the model mismatches far less than
 * an empty band; with --mllr, a second decoder whose model an MLLR
 * transform adapted to that signal (tools/asr-adapt) decodes it.
 * --dump-pcm writes the engine's input instead of decoding, for
 * building such an adaptation. A failure on one utterance is an error
 * event.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asr.h"
#include "asr_remote.h"
#include "audio.h"
#include "b64.h"
#include "callstate.h"
#include "clock.h"
#include "conf.h"
#include "datapath.h"
#include "event.h"
#include "http.h"
#include "log.h"
#include "loop.h"
#include "out.h"
#include "sphinx.h"
#include "store.h"

#define MODEL_DIR	"/usr/share/pocketsphinx/model/en-us"

static struct va_opt opts[] = {
	{ "engine", 'e', VA_OPT_STR, "sphinx", "NAME",
	  "recognizer: sphinx (embedded), openai or deepgram", 0, 0 },
	{ "lm", 'l', VA_OPT_STR, "domain", "NAME",
	  "model when the turn expects nothing: domain, general, digits, "
	  "alnum, yesno or email", 0, 0 },
	{ "model", 'm', VA_OPT_STR, MODEL_DIR "/en-us", "DIR",
	  "pocketsphinx acoustic model folder", 0, 0 },
	{ "dict", 0, VA_OPT_STR, NULL, "FILE",
	  "pronunciation dictionary (default: the domain one; the model's "
	  "full one with --lm general)", 0, 0 },
	{ "narrowband", 0, VA_OPT_STR, "fold", "HOW",
	  "8 kHz audio to the model's 16 kHz: fold (mirror the band above "
	  "4 kHz) or upsample", 0, 0 },
	{ "fold-db", 0, VA_OPT_INT, "12", "DB",
	  "level of the folded band below the speech", 0, 60 },
	{ "grammar-wip", 0, VA_OPT_STR, "1e-3", "P",
	  "word insertion penalty of the digit, letter and email grammars "
	  "(0: pocketsphinx's -wip)", 0, 0 },
	{ "pad-ms", 0, VA_OPT_INT, "0", "MS",
	  "quiet added before and after each utterance for the embedded "
	  "engine", 0, 2000 },
	{ "sphinx-args", 0, VA_OPT_STR, NULL, "ARGS",
	  "more pocketsphinx options, such as \"-beam 1e-48 -lw 7\"", 0, 0 },
	{ "mllr", 0, VA_OPT_STR, "shipped", "FILE",
	  "adapt the acoustic model to narrowband (8 kHz) audio with this "
	  "MLLR transform: a file, \"shipped\" (the one made by "
	  "tools/asr-adapt) or none", 0, 0 },
	{ "dump-pcm", 0, VA_OPT_STR, NULL, "DIR",
	  "write what the embedded engine would decode to DIR/CALL-TURN.raw "
	  "(s16le at the model's rate) instead of decoding it", 0, 0 },
	{ "telephone", 0, VA_OPT_BOOL, NULL, NULL,
	  "downsample all audio to 8 kHz first, as a telephone line would", 0, 0 },
	{ "db", 0, VA_OPT_STR, "va.db", "FILE",
	  "store holding what each turn should hold (used when it exists)", 0, 0 },
	{ "wait-expect", 0, VA_OPT_INT, "0", "MS",
	  "wait this long for the turn's expectation to be recorded", 0, 10000 },
	{ "url", 'u', VA_OPT_STR, NULL, "URL",
	  "remote engine base URL (default https://api.openai.com or "
	  "https://api.deepgram.com)", 0, 0 },
	{ "remote-model", 0, VA_OPT_STR, NULL, "NAME",
	  "remote model (default whisper-1 or nova-2)", 0, 0 },
	{ "language", 0, VA_OPT_STR, "en", "CODE",
	  "language sent to a remote engine", 0, 0 },
	{ "timeout-ms", 0, VA_OPT_INT, "15000", "MS",
	  "time for a remote request, retries included", 100, 600000 },
	{ "tries", 0, VA_OPT_INT, "2", "N",
	  "tries of a remote request", 1, 10 },
	{ "api-key", 0, VA_OPT_SECRET, NULL, NULL,
	  "remote engine key (environment or _FILE only)", 0, 0 },
	{ NULL, 0, 0, NULL, NULL, NULL, 0, 0 }
};

static struct va_conf conf = {
	"va-asr", "[options]",
	"Read va events on standard input and answer each utterance with a\n"
	"transcript event (text, confidence, words, engine, lm). Other events\n"
	"pass through. The embedded engine is pocketsphinx with a domain\n"
	"language model and grammars switched per turn.",
	opts, 0, 0
};

/* What a turn may be expected to hold, and the search that decodes it. */
static const struct {
	const char *expect;
	const char *search;
} expect_map[] = {
	{ "order_number", "digits" },
	{ "phone", "digits" },
	{ "tracking_number", "alnum" },
	{ "yesno", "yesno" },
	{ "email", "email" },
};

/*
 * The grammars (data/asr/<name>.gram), each with whether it gets the word
 * insertion penalty of --grammar-wip. The strings of digits and letters
 * get it: at 8 kHz the decoder otherwise pads a short answer with words
 * ("it is oh" for "zero"). A yes or a no is one word anyway and keeps the
 * decoder's own.
 */
static const struct {
	const char *name;
	int	use_wip;
} grammars[] = {
	{ "digits", 1 },
	{ "alnum", 1 },
	{ "yesno", 0 },
	{ "email", 1 },
	{ NULL, 0 }
};

struct asr {
	int	remote;
	struct va_sphinx *sp;
	struct va_sphinx *sp_nb;	/* with the narrowband transform */
	const char *lm;		/* default search */
	int	fold;
	double	fold_gain;
	double	grammar_wip;	/* 0: the decoder's own */
	int	telephone;
	int	pad_ms;
	const char *dump;	/* --dump-pcm folder, or NULL */
	struct va_store *store;
	int	wait_ms;
	struct va_http *http;
	struct va_asr_remote rc;
	const char *engine;
};

/* Mono float audio of an utterance at its own rate; -1 with *why set. */
static float *
load_audio(const struct va_event *ev, size_t *frames, int *rate,
    const char **why)
{
	json_t *a, *v;
	const char *fmt, *data, *file;
	int16_t *s16 = NULL;
	float *pcm = NULL;
	size_t len, n, i;
	long got;
	int ch, k;

	*why = "utterance has no audio object";
	if ((a = va_event_json(ev, "audio")) == NULL || !json_is_object(a))
		goto out;
	fmt = json_string_value(json_object_get(a, "format"));
	file = json_string_value(json_object_get(a, "file"));
	data = json_string_value(json_object_get(a, "data"));
	v = json_object_get(a, "channels");
	ch = json_is_integer(v) ? (int)json_integer_value(v) : 1;
	v = json_object_get(a, "rate");
	*rate = json_is_integer(v) ? (int)json_integer_value(v) : 0;
	if (file != NULL) {
		/* The file says its own format and rate. */
		pcm = va_audio_load_mono(file, NULL, -1, frames, rate);
		*why = "cannot read the audio file";
		goto out;
	}
	*why = "inline audio must be s16le with a rate of 8000 to 48000 Hz "
	    "and 1 to 8 channels";
	if (data == NULL || fmt == NULL || strcmp(fmt, "s16le") != 0 ||
	    *rate < 8000 || *rate > 48000 || ch < 1 || ch > 8)
		goto out;
	len = strlen(data);
	if ((s16 = malloc(len / 4 * 3 + 4)) == NULL)
		goto out;
	*why = "inline audio is not base64";
	if ((got = va_b64_decode(data, len, s16)) < 0)
		goto out;
	n = (size_t)got / 2 / (size_t)ch;
	*why = "out of memory";
	if ((pcm = malloc((n + 1) * sizeof(float))) == NULL)
		goto out;
	/* s16le on the wire; this code assumes a little-endian host. */
	for (i = 0; i < n; i++) {
		float s = 0;

		for (k = 0; k < ch; k++)
			s += s16[i * (size_t)ch + (size_t)k] / 32768.0f;
		pcm[i] = s / (float)ch;
	}
	*frames = n;
out:
	free(s16);
	json_decref(a);
	return pcm;
}

/*
 * Bring audio to the model's rate. Narrowband audio upsampled leaves the
 * band above 4 kHz empty, and the model's filter bank (up to 6.8 kHz)
 * reads that as a strange voice; mirroring the speech band into it
 * (x * (1 + g (-1)^n) shifts a copy by half the sample rate) gives the
 * upper filters the kind of energy they were trained on.
 */
/*
 * How much of the audio's energy lies above 4 kHz: 0 when its rate says
 * there is none, else what taking it down to 8 kHz and back loses. Audio
 * upsampled on the way (va-listen sends a telephone call at 16 kHz) loses
 * almost nothing (under 0.03 %); wideband speech from a close microphone
 * loses 0.06 % to a few per cent (AN4), flite's voice 0.1 to 1 %.
 */
static double
band_loss(const float *pcm, size_t n, int rate)
{
	float *down, *up;
	size_t nd, nu, i;
	double all = 0, lost = 0, d;

	if (rate <= 8000)
		return 0;
	if ((down = va_resample(pcm, n, rate, 8000, &nd)) == NULL)
		return 1;
	up = va_resample(down, nd, 8000, rate, &nu);
	free(down);
	if (up == NULL)
		return 1;
	for (i = 0; i < n && i < nu; i++) {
		d = (double)pcm[i] - up[i];
		all += (double)pcm[i] * pcm[i];
		lost += d * d;
	}
	free(up);
	return all > 0 ? lost / all : 1;
}

/*
 * Audio losing under 1 % is folded (the upper filters see too little
 * either way); only audio that truly was narrowband (under 0.05 %) is
 * decoded by the adapted model, which wideband speech would mismatch.
 * *narrow says which decoder.
 */
static float *
to_model_rate(struct asr *st, float *pcm, size_t *n, int *rate, int want,
    int *narrow)
{
	float *out;
	double loss = 1;
	size_t i;

	if (st->telephone && *rate > 8000) {
		if ((out = va_resample(pcm, *n, *rate, 8000, n)) == NULL)
			return NULL;
		free(pcm);
		pcm = out;
		*rate = 8000;
	}
	if (st->fold || st->sp_nb != NULL)
		loss = band_loss(pcm, *n, *rate);
	*narrow = loss < 0.0005;
	if (*rate != want) {
		if ((out = va_resample(pcm, *n, *rate, want, n)) == NULL) {
			free(pcm);
			return NULL;
		}
		free(pcm);
		pcm = out;
		*rate = want;
	}
	/* At 8 kHz (a remote engine's telephone audio) no band is empty. */
	if (st->fold && loss < 0.01 && want > 8000)
		for (i = 0; i < *n; i++)
			pcm[i] *= (float)(1.0 + ((i & 1) ? -st->fold_gain :
			    st->fold_gain));
	return pcm;
}

/*
 * 16-bit samples for the engine, with pad_ms of faint noise on both sides:
 * the model expects some silence around speech, and a recording cut
 * close to the voice otherwise loses its first and last sounds. The
 * noise (a couple of steps of a fixed sequence) keeps the log energy of
 * the padding finite.
 */
static int16_t *
pad(const struct asr *st, const float *pcm, size_t n, int rate, size_t *out)
{
	size_t p = (size_t)st->pad_ms * (size_t)rate / 1000, i;
	uint32_t x = 2463534242u;
	int16_t *s;

	if ((s = malloc((n + 2 * p + 1) * sizeof(*s))) == NULL)
		va_die(71, "out_of_memory", "out of memory");
	for (i = 0; i < n + 2 * p; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		s[i] = (int16_t)((int)(x % 5) - 2);
	}
	va_pcm_to_s16(pcm, s + p, n);
	*out = n + 2 * p;
	return s;
}

/*
 * The engine's input of one utterance, for building an adaptation from
 * exactly what the decoder sees (tools/asr-adapt). 0, or -1 with an
 * error event.
 */
static int
dump_pcm(const struct asr *st, const struct va_event *ev, const int16_t *s,
    size_t n)
{
	char path[4096], *call;
	int64_t turn = 0;
	FILE *fp;
	int ok;

	call = va_event_str(ev, "call");
	va_event_int(ev, "turn", &turn);
	snprintf(path, sizeof(path), "%s/%s-%lld.raw", st->dump,
	    call != NULL && strchr(call, '/') == NULL ? call : "utt",
	    (long long)turn);
	free(call);
	if ((fp = fopen(path, "wb")) == NULL) {
		va_log(VA_WARN, "dump_failed", "%s: cannot create", path);
		va_emit_error(ev, "dump_failed", "cannot write the audio");
		return -1;
	}
	ok = fwrite(s, sizeof(*s), n, fp) == n;
	if (fclose(fp) != 0 || !ok) {
		va_log(VA_WARN, "dump_failed", "%s: cannot write", path);
		va_emit_error(ev, "dump_failed", "cannot write the audio");
		return -1;
	}
	return 0;
}

static const char *
search_for(const struct asr *st, const char *expect)
{
	size_t i;

	if (expect != NULL)
		for (i = 0; i < sizeof(expect_map) / sizeof(expect_map[0]); i++)
			if (strcmp(expect, expect_map[i].expect) == 0)
				return expect_map[i].search;
	return st->lm;
}

/* The expectation for this turn: the event's own, else the store's. */
static char *
expect_of(struct asr *st, const struct va_event *ev)
{
	const struct va_jmember *m;
	char *call, *exp = NULL;
	int64_t turn;

	if ((m = va_event_get(ev, "expect")) != NULL)
		return m->kind == VA_J_STRING ? va_event_str(ev, "expect") :
		    NULL;
	if (st->store == NULL || va_event_int(ev, "turn", &turn) < 0 ||
	    (call = va_event_str(ev, "call")) == NULL)
		return NULL;
	if (va_callstate_get_expect(st->store, call, turn, &exp,
	    st->wait_ms) < 0)
		va_log(VA_WARN, "expect_lookup", "%s turn %lld: cannot read "
		    "the expectation; using %s", call, (long long)turn, st->lm);
	free(call);
	return exp;
}

static void
emit_transcript(const struct va_event *ev, const struct va_asr_result *r,
    const char *engine, const char *lm, int64_t proc_ms)
{
	int64_t start = 0, end;
	char buf[96];
	size_t i;

	va_event_int(ev, "start_ms", &start);
	va_emit_begin("transcript", ev);
	va_emit_int("proc_ms", proc_ms);
	va_emit_str("text", r->text != NULL ? r->text : "");
	if (r->confidence >= 0)
		va_emit_fixed("confidence", r->confidence > 1 ? 1 :
		    r->confidence, 3);
	else
		va_emit_raw("confidence", "null", 4);
	va_emit_key("words");
	va_out_putc('[');
	for (i = 0; i < r->nwords; i++) {
		const struct va_asr_word *w = &r->words[i];

		va_out_puts(i > 0 ? ",{\"w\":" : "{\"w\":");
		va_out_json_string(w->w, strlen(w->w));
		snprintf(buf, sizeof(buf), ",\"start_ms\":%lld,\"end_ms\":%lld",
		    (long long)(start + w->start_ms),
		    (long long)(start + w->end_ms));
		va_out_puts(buf);
		if (w->conf >= 0)
			snprintf(buf, sizeof(buf), ",\"conf\":%.3f}",
			    w->conf > 1 ? 1.0 : w->conf);
		else
			snprintf(buf, sizeof(buf), ",\"conf\":null}");
		va_out_puts(buf);
	}
	va_out_putc(']');
	va_emit_str("engine", engine);
	va_emit_str("lm", lm);
	if (va_event_int(ev, "start_ms", &start) == 0)
		va_emit_int("start_ms", start);
	if (va_event_int(ev, "end_ms", &end) == 0)
		va_emit_int("end_ms", end);
	va_emit_end(ev);
}

static int
decode_remote(struct asr *st, const struct va_event *ev, float *pcm,
    size_t n, int rate, struct va_asr_result *res)
{
	unsigned char *wav = NULL;
	const char *code = "engine_protocol";
	char msg[512];
	size_t len;
	int rv;

	if (va_audio_encode("wav", rate, 1, pcm, n, &wav, &len) < 0) {
		va_emit_error(ev, "bad_audio", "cannot encode the audio");
		return -1;
	}
	rv = va_asr_remote_run(st->http, &st->rc, wav, len, res, &code, msg,
	    sizeof(msg));
	free(wav);
	if (rv < 0) {
		va_log(VA_WARN, code, "%s: %s", st->engine, msg);
		va_emit_error(ev, code, "%s: %s", st->engine, msg);
	}
	return rv;
}

static int
handle(const struct va_event *ev, void *arg)
{
	struct asr *st = arg;
	struct va_asr_result res = { 0 };
	const char *why, *search = NULL;
	char *expect = NULL;
	int16_t *s16 = NULL;
	float *pcm;
	size_t n = 0;
	int rate = 0, narrow = 0;
	int64_t t0;

	res.confidence = -1;
	if ((pcm = load_audio(ev, &n, &rate, &why)) == NULL) {
		va_log(VA_WARN, "bad_audio", "line %ld: %s", ev->lineno, why);
		va_emit_error(ev, "bad_audio", "%s", why);
		return 0;
	}
	t0 = va_mono_us();
	if (st->remote) {
		if (st->telephone)
			pcm = to_model_rate(st, pcm, &n, &rate, 8000,
			    &narrow);
		if (pcm == NULL) {
			va_emit_error(ev, "bad_audio", "cannot resample");
			return 0;
		}
		if (decode_remote(st, ev, pcm, n, rate, &res) == 0)
			emit_transcript(ev, &res, st->engine, st->rc.model,
			    (va_mono_us() - t0) / 1000);
		goto out;
	}
	expect = expect_of(st, ev);
	search = search_for(st, expect);
	if (!va_sphinx_has(st->sp, search)) {
		va_log(VA_WARN, "no_grammar", "no model for %s; using %s",
		    search, st->lm);
		search = st->lm;
	}
	if ((pcm = to_model_rate(st, pcm, &n, &rate,
	    va_sphinx_rate(st->sp), &narrow)) == NULL) {
		va_emit_error(ev, "bad_audio", "cannot resample");
		goto out;
	}
	s16 = pad(st, pcm, n, va_sphinx_rate(st->sp), &n);
	if (st->dump != NULL)
		(void)dump_pcm(st, ev, s16, n);
	else if (va_sphinx_decode(narrow && st->sp_nb != NULL ? st->sp_nb :
	    st->sp, search, s16, n, &res) < 0)
		va_emit_error(ev, "engine_failed", "pocketsphinx could not "
		    "decode the utterance");
	else {
		/* Word times count from the audio, not from the padding. */
		for (size_t i = 0; i < res.nwords; i++) {
			res.words[i].start_ms -= st->pad_ms;
			res.words[i].end_ms -= st->pad_ms;
			if (res.words[i].start_ms < 0)
				res.words[i].start_ms = 0;
			if (res.words[i].end_ms < 0)
				res.words[i].end_ms = 0;
		}
		emit_transcript(ev, &res, "pocketsphinx", search,
		    (va_mono_us() - t0) / 1000);
	}
out:
	va_asr_result_free(&res);
	free(expect);
	free(s16);
	free(pcm);
	return 0;
}

/*
 * A decoder with every search: the domain model (or the general one) and
 * the grammars. Exits when it cannot.
 */
static struct va_sphinx *
load_decoder(const struct asr *st, const char *dict,
    const char *const *extra)
{
	struct va_sphinx *sp;
	char *path, name[64];
	int i;

	if ((sp = va_sphinx_new(va_conf_str(&conf, "model"), dict,
	    extra)) == NULL)
		va_die(69, "sphinx_init", "cannot start pocketsphinx");
	if (strcmp(st->lm, "general") == 0) {
		if (va_sphinx_add_lm(sp, "general",
		    MODEL_DIR "/en-us.lm.bin") < 0)
			va_die(69, "sphinx_init", "cannot load the general "
			    "language model");
	} else {
		if ((path = va_data_path("asr/domain.lm.bin")) == NULL)
			va_die(66, "data_missing", "the domain language model "
			    "is missing (run make)");
		if (va_sphinx_add_lm(sp, "domain", path) < 0)
			va_die(69, "sphinx_init", "cannot load %s", path);
		free(path);
	}
	for (i = 0; grammars[i].name != NULL; i++) {
		snprintf(name, sizeof(name), "asr/%s.gram", grammars[i].name);
		if ((path = va_data_path(name)) == NULL)
			va_die(66, "data_missing", "grammar %s is missing",
			    name);
		if (va_sphinx_add_jsgf(sp, grammars[i].name, path,
		    grammars[i].use_wip ? st->grammar_wip : 0) < 0)
			va_die(69, "sphinx_init", "cannot load %s", path);
		free(path);
	}
	return sp;
}

/*
 * The narrowband decoder: the same model adapted by an MLLR transform
 * (tools/asr-adapt makes one from 8 kHz speech through the same front
 * end). A second decoder, so wideband audio keeps the model as trained.
 */
static void
load_mllr(struct asr *st, const char *dict, const char *const *extra)
{
	const char *file = va_conf_str(&conf, "mllr");
	char *path = NULL;

	if (file == NULL || file[0] == '\0' || strcmp(file, "none") == 0)
		return;
	if (strcmp(file, "shipped") == 0) {
		/* Made through the fold: it does not fit plain upsampling. */
		if (!st->fold) {
			va_log(VA_INFO, "mllr_skipped", "the shipped transform "
			    "fits --narrowband fold only; decoding without it");
			return;
		}
		if ((path = va_data_path("asr/narrowband.mllr")) == NULL)
			va_die(66, "data_missing", "the shipped narrowband "
			    "transform asr/narrowband.mllr is missing");
		file = path;
	}
	st->sp_nb = load_decoder(st, dict, extra);
	if (va_sphinx_set_mllr(st->sp_nb, file) < 0)
		va_die(66, "bad_mllr", "cannot use the transform %s", file);
	free(path);
}

/* Load the embedded engine; exits when it cannot. */
static void
init_sphinx(struct asr *st)
{
	const char *dict = va_conf_str(&conf, "dict");
	/*
	 * Narrower beams than pocketsphinx's defaults: the domain model is
	 * small, and this keeps decoding well under a quarter of real time
	 * on one core. The flat second pass (language models only, not the
	 * grammars) costs little with the small model and recovers words
	 * the tree pass lost to short ones ("all thank you" heard as
	 * letters).
	 */
	static const char *const tuned[] = {
		"-beam", "1e-60", "-wbeam", "1e-40", "-pbeam", "1e-60",
		"-fwdflat", "yes", "-bestpath", "yes", "-lw", "6.5", NULL
	};
	const char *extra[64], *more = va_conf_str(&conf, "sphinx-args");
	char *dpath = NULL, *copy = NULL, *tok, *save;
	int i, n = 0;

	for (i = 0; tuned[i] != NULL; i++)
		extra[n++] = tuned[i];
	/* Later pairs win: pocketsphinx keeps the last value given. */
	if (more != NULL && (copy = strdup(more)) != NULL)
		for (tok = strtok_r(copy, " \t", &save); tok != NULL && n < 62;
		    tok = strtok_r(NULL, " \t", &save))
			extra[n++] = tok;
	if (n % 2 != 0)
		va_die(64, "usage", "--sphinx-args takes pairs of an option "
		    "and a value");
	extra[n] = NULL;

	if (dict == NULL) {
		if (strcmp(st->lm, "general") == 0)
			dict = MODEL_DIR "/cmudict-en-us.dict";
		else if ((dpath = va_data_path("asr/domain.dict")) == NULL)
			va_die(66, "data_missing", "the domain dictionary is "
			    "missing (run make)");
		else
			dict = dpath;
	}
	st->sp = load_decoder(st, dict, extra);
	if (!va_sphinx_has(st->sp, st->lm))
		va_die(78, "bad_lm", "no language model or grammar named %s "
		    "(domain, general, digits, alnum, yesno, email)", st->lm);
	load_mllr(st, dict, extra);
	free(dpath);
	free(copy);
}

static void
init_remote(struct asr *st)
{
	const char *url = va_conf_str(&conf, "url");
	const char *model = va_conf_str(&conf, "remote-model");

	st->remote = 1;
	if (strcmp(st->engine, "openai") == 0) {
		st->rc.api = VA_ASR_OPENAI;
		st->rc.url = url != NULL ? url : "https://api.openai.com";
		st->rc.model = model != NULL ? model : "whisper-1";
	} else {
		st->rc.api = VA_ASR_DEEPGRAM;
		st->rc.url = url != NULL ? url : "https://api.deepgram.com";
		st->rc.model = model != NULL ? model : "nova-2";
	}
	st->rc.language = va_conf_str(&conf, "language");
	st->rc.key = va_conf_str(&conf, "api-key");
	st->rc.timeout_ms = (long)va_conf_int(&conf, "timeout-ms");
	st->rc.tries = (int)va_conf_int(&conf, "tries");
	if (st->rc.key == NULL)
		va_log(VA_INFO, "no_api_key", "no VA_ASR_API_KEY: sending no "
		    "credentials");
	if ((st->http = va_http_new()) == NULL)
		va_die(71, "http_init", "cannot start the HTTP client");
}

int
main(int argc, char **argv)
{
	static const char *const types[] = { "utterance", NULL };
	struct va_filter f;
	struct asr st;
	const char *nb, *db, *wip;
	char *end;
	int first, rc;

	first = va_conf_parse(&conf, argc, argv);
	if (first < argc)
		va_die(64, "usage", "va-asr reads events on standard input; "
		    "no operands (see va-asr --help)");
	memset(&st, 0, sizeof(st));
	st.engine = va_conf_str(&conf, "engine");
	st.lm = va_conf_str(&conf, "lm");
	st.telephone = va_conf_bool(&conf, "telephone");
	st.pad_ms = (int)va_conf_int(&conf, "pad-ms");
	st.wait_ms = (int)va_conf_int(&conf, "wait-expect");
	st.dump = va_conf_str(&conf, "dump-pcm");
	nb = va_conf_str(&conf, "narrowband");
	if (strcmp(nb, "fold") != 0 && strcmp(nb, "upsample") != 0)
		va_die(64, "usage", "--narrowband is fold or upsample, not %s",
		    nb);
	st.fold = strcmp(nb, "fold") == 0;
	st.fold_gain = pow(10.0, -(double)va_conf_int(&conf, "fold-db") / 20);
	wip = va_conf_str(&conf, "grammar-wip");
	errno = 0;
	st.grammar_wip = strtod(wip, &end);
	if (errno != 0 || end == wip || *end != '\0' ||
	    !(st.grammar_wip >= 0 && st.grammar_wip <= 1))
		va_die(64, "usage", "--grammar-wip is a number from 0 to 1, "
		    "not %s", wip);

	if (strcmp(st.engine, "sphinx") == 0)
		init_sphinx(&st);
	else if (strcmp(st.engine, "openai") == 0 ||
	    strcmp(st.engine, "deepgram") == 0)
		init_remote(&st);
	else
		va_die(64, "usage", "--engine is sphinx, openai or deepgram, "
		    "not %s", st.engine);

	/* Expectations come from the store only when there is one. */
	db = va_conf_str(&conf, "db");
	if (!st.remote && db != NULL && db[0] != '\0' &&
	    access(db, F_OK) == 0) {
		if ((st.store = va_store_open(db)) == NULL ||
		    va_callstate_init(st.store) < 0)
			va_die(75, "store_error", "%s: cannot use the store",
			    db);
	}

	memset(&f, 0, sizeof(f));
	f.types = types;
	f.handle = handle;
	f.arg = &st;
	f.strict = conf.strict;
	rc = va_filter_run(&f);

	va_sphinx_free(st.sp);
	va_sphinx_free(st.sp_nb);
	va_http_free(st.http);
	if (st.store != NULL)
		va_store_close(st.store);
	return rc;
}
