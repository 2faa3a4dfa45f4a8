/*
 * va-mix - a stereo recording of a call: the caller on the left, the
 * assistant's spoken replies on the right.
 *
 * A filter at the end of a pipeline: every event passes through, and the
 * speech events' audio is laid on the right channel at the moment the
 * assistant would have started speaking: the end of the caller's turn
 * (t_ms), plus the silence the endpointer waits for, plus the processing
 * time the stages reported for that turn (proc_ms), never overlapping the
 * previous reply. At end of input the mix is written to --output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio.h"
#include "b64.h"
#include "conf.h"
#include "event.h"
#include "log.h"
#include "loop.h"

static struct va_opt opts[] = {
	{ "output", 'o', VA_OPT_STR, NULL, "FILE",
	  "the stereo recording to write (wav, opus, ...; by extension)" },
	{ "rate", 'r', VA_OPT_INT, "8000", "HZ",
	  "sample rate of the recording", 8000, 48000 },
	{ "channel", 'c', VA_OPT_INT, "0", "N",
	  "caller's channel of the call recording; -1 mixes all", -1, 64 },
	{ "endpoint-ms", 0, VA_OPT_INT, "700", "MS",
	  "silence the endpointer waits for before a turn ends", 0, 10000 },
	{ NULL }
};

static struct va_conf conf = {
	"va-mix", "[options] -o OUT CALL",
	"Pass va events through and write a stereo recording of the call:\n"
	"the caller (from the recording CALL) on the left, the assistant's\n"
	"speech events on the right, each placed where it would have been heard.",
	opts
};

struct mix {
	float	*right;		/* the assistant, at rate */
	size_t	len, cap;
	int	rate;
	int64_t	turn;		/* turn whose processing time is summed */
	int64_t	proc_ms;	/* processing reported for that turn */
	size_t	busy_until;	/* end of the last reply, in samples */
	long	placed;
};

static void
ensure(struct mix *m, size_t need)
{
	size_t ncap;
	float *t;

	if (need <= m->cap)
		return;
	ncap = m->cap ? m->cap : (size_t)m->rate * 60;
	while (ncap < need)
		ncap *= 2;
	if ((t = realloc(m->right, ncap * sizeof(float))) == NULL)
		va_die(71, "out_of_memory", "out of memory");
	memset(t + m->cap, 0, (ncap - m->cap) * sizeof(float));
	m->right = t;
	m->cap = ncap;
}

/* Decode a speech event's audio member into mono samples at m->rate. */
static float *
speech_audio(const struct va_event *ev, struct mix *m, size_t *n)
{
	json_t *a = va_event_json(ev, "audio");
	const char *fmt, *data, *file;
	char tmp[] = "/tmp/va-mix.XXXXXX";
	unsigned char *bytes = NULL;
	float *pcm = NULL, *out;
	size_t frames = 0;
	long blen;
	int rate = 0, fd;

	if (a == NULL)
		return NULL;
	fmt = json_string_value(json_object_get(a, "format"));
	data = json_string_value(json_object_get(a, "data"));
	file = json_string_value(json_object_get(a, "file"));
	rate = (int)json_integer_value(json_object_get(a, "rate"));
	if (file != NULL) {
		struct va_audio_fmt f = { 0 };

		/* Headerless files need their format and rate from the event. */
		if (fmt != NULL && (strcmp(fmt, "s16le") == 0 ||
		    strcmp(fmt, "mulaw") == 0 || strcmp(fmt, "alaw") == 0)) {
			f.format = fmt;
			f.rate = rate;
		}
		pcm = va_audio_load_mono(file, &f, -1, &frames, &rate);
	}
	else if (data != NULL && fmt != NULL) {
		if ((bytes = malloc(strlen(data) / 4 * 3 + 3)) == NULL ||
		    (blen = va_b64_decode(data, strlen(data), bytes)) < 0) {
			free(bytes);
			json_decref(a);
			return NULL;
		}
		if (strcmp(fmt, "s16le") == 0 && rate > 0) {
			frames = (size_t)blen / 2;
			if ((pcm = malloc(frames * sizeof(float) + 1)) != NULL)
				va_pcm_from_s16((const int16_t *)(void *)bytes,
				    pcm, frames);
		} else if ((fd = mkstemp(tmp)) >= 0) {
			struct va_audio_fmt f = { 0 };

			f.format = strcmp(fmt, "wav") == 0 ||
			    strcmp(fmt, "opus") == 0 ? NULL : fmt;
			f.rate = rate;
			if (write(fd, bytes, (size_t)blen) == blen)
				pcm = va_audio_load_mono(tmp, &f, -1, &frames,
				    &rate);
			close(fd);
			unlink(tmp);
		}
		free(bytes);
	}
	json_decref(a);
	if (pcm == NULL || rate <= 0)
		return NULL;
	if (rate != m->rate) {
		out = va_resample(pcm, frames, rate, m->rate, n);
		free(pcm);
		return out;
	}
	*n = frames;
	return pcm;
}

static int
handle(const struct va_event *ev, void *arg)
{
	struct mix *m = arg;
	int64_t turn = 0, t_ms = 0, proc = 0, seq = 0;
	size_t start, n = 0, i;
	float *pcm;

	/* Everything passes on; the mix only looks. */
	va_event_pass(ev);
	va_event_int(ev, "turn", &turn);
	if (turn != m->turn) {
		m->turn = turn;
		m->proc_ms = 0;
	}
	if (va_event_int(ev, "proc_ms", &proc) == 0 && proc > 0)
		m->proc_ms += proc;
	if (!va_event_is(ev, "speech"))
		return 0;
	if ((pcm = speech_audio(ev, m, &n)) == NULL) {
		va_log(VA_WARN, "speech_audio", "line %ld: speech without "
		    "audio I can read", ev->lineno);
		return 0;
	}
	va_event_int(ev, "t_ms", &t_ms);
	va_event_int(ev, "seq", &seq);
	start = (size_t)((t_ms + va_conf_int(&conf, "endpoint-ms") +
	    m->proc_ms) * m->rate / 1000);
	/* Sentences of one reply follow each other; replies never overlap. */
	if (start < m->busy_until || seq > 0)
		start = m->busy_until;
	ensure(m, start + n);
	for (i = 0; i < n; i++)
		m->right[start + i] += pcm[i];
	if (start + n > m->len)
		m->len = start + n;
	m->busy_until = start + n;
	m->placed++;
	free(pcm);
	return 0;
}

int
main(int argc, char **argv)
{
	struct va_filter f = { 0 };
	struct mix m;
	const char *out;
	float *left, *stereo;
	size_t nleft, len, i;
	int first, rate, status;

	memset(&m, 0, sizeof(m));
	first = va_conf_parse(&conf, argc, argv);
	if (first != argc - 1)
		va_die(64, "usage", "one call recording expected (see va-mix "
		    "--help)");
	if ((out = va_conf_str(&conf, "output")) == NULL)
		va_die(64, "usage", "no --output file");
	m.rate = (int)va_conf_int(&conf, "rate");
	left = va_audio_load_mono(argv[first], NULL,
	    (int)va_conf_int(&conf, "channel"), &nleft, &rate);
	if (left == NULL)
		va_die(66, "audio_open", "%s: cannot read the call", argv[first]);
	if (rate != m.rate) {
		float *r = va_resample(left, nleft, rate, m.rate, &nleft);

		free(left);
		left = r;
	}
	f.handle = handle;
	f.arg = &m;
	f.strict = conf.strict;
	status = va_filter_run(&f);

	len = nleft > m.len ? nleft : m.len;
	if ((stereo = calloc(len * 2 + 1, sizeof(float))) == NULL)
		va_die(71, "out_of_memory", "out of memory");
	for (i = 0; i < len; i++) {
		stereo[2 * i] = i < nleft ? left[i] : 0;
		stereo[2 * i + 1] = i < m.len ? m.right[i] : 0;
	}
	if (va_audio_write(out, NULL, m.rate, 2, stereo, len) < 0)
		status = 73;
	else
		va_log(VA_INFO, "mixed", "%s: %.1f s, %ld reply chunk(s)", out,
		    (double)len / m.rate, m.placed);
	free(stereo);
	free(left);
	free(m.right);
	return status;
}
