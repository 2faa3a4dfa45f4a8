/*
 * va-route - the dialogue manager: remembers each call, decides what to
 * say and do next, asks for what is missing, and knows when a person must
 * take over.
 *
 * Consumes call_start (greeting with the recording and AI disclosure),
 * intent (one caller turn), result (recorded in the store when a tool's
 * answer comes through the stream) and call_end (the call's outcome), and
 * passes each on. Emits reply events and action events for the backend
 * tools, and on a handoff a ticket action and a handoff event. The
 * dialogue follows a flow file (lib/flow.c, va-flow(5)); replies come from
 * a locale's templates (lib/template.c); policy questions are answered
 * from a knowledge base in the store (lib/kb.c); each call's session lives
 * in the store (lib/session.c) and is reloaded at every event, so a
 * restarted pipeline resumes in the middle of a call. Tools' results are
 * read back at the next turn through lib/callstate.c, and after each turn
 * the expectation for the next one is recorded there for va-asr.
 *
 * Subcommands for people: "kb index DIR", "kb query TEXT", "sessions" and
 * "show CALL".
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "callstate.h"
#include "clock.h"
#include "conf.h"
#include "datapath.h"
#include "event.h"
#include "flow.h"
#include "kb.h"
#include "log.h"
#include "loop.h"
#include "out.h"
#include "session.h"
#include "store.h"
#include "template.h"

static struct va_opt opts[] = {
	{ "db", 'd', VA_OPT_STR, "va.db", "FILE",
	  "the shared store: sessions, results, knowledge base", 0, 0 },
	{ "flow", 'f', VA_OPT_STR, NULL, "FILE",
	  "dialogue flow (default: the shipped route/flow.json)", 0, 0 },
	{ "locale", 'l', VA_OPT_STR, "en", "LANG",
	  "language of the replies: route/locale/LANG.json", 0, 0 },
	{ "templates", 0, VA_OPT_STR, NULL, "FILE",
	  "locale file to use instead of the one --locale names", 0, 0 },
	{ "kb", 'k', VA_OPT_STR, NULL, "DIR",
	  "knowledge base: a folder of Markdown files (default: route/kb)",
	  0, 0 },
	{ "brand", 'b', VA_OPT_STR, NULL, "NAME",
	  "brand the assistant speaks for (default: the locale's persona)",
	  0, 0 },
	{ "tone", 0, VA_OPT_STR, NULL, "TONE",
	  "tone of the templates, e.g. friendly or formal", 0, 0 },
	{ "min-confidence", 0, VA_OPT_STR, "0.50", "X",
	  "intent confidence below which a turn is not understood", 0, 0 },
	{ "min-asr-confidence", 0, VA_OPT_STR, "0.50", "X",
	  "recognizer confidence below which a turn is not understood", 0, 0 },
	{ "low-turns", 0, VA_OPT_INT, "2", "N",
	  "hand off after N low-confidence turns in a row", 1, 100 },
	{ "reprompts", 0, VA_OPT_INT, "2", "N",
	  "times a question is asked again before offering a person", 0, 10 },
	{ "request-person", 0, VA_OPT_INT, "1", "N",
	  "hand off the Nth time the caller asks for a person", 1, 10 },
	{ "refund-limit", 0, VA_OPT_INT, "10000", "MINOR",
	  "refunds above this amount (minor units) always go to a person",
	  0, 1000000000000LL },
	{ "auto-refund", 0, VA_OPT_BOOL, NULL, NULL,
	  "refund within the limit through va-pay after confirmation", 0, 0 },
	{ "restricted-intents", 0, VA_OPT_STR, "dispute,legal", "LIST",
	  "intents that always go to a person (comma-separated)", 0, 0 },
	{ "restricted-words", 0, VA_OPT_STR, NULL, "LIST",
	  "words that always go to a person (default: the locale's)", 0, 0 },
	{ "negative-words", 0, VA_OPT_STR, NULL, "LIST",
	  "words that show frustration (default: the locale's)", 0, 0 },
	{ "negative-turns", 0, VA_OPT_INT, "2", "N",
	  "hand off after N turns with negative wording (0: never)", 0, 100 },
	{ "repeat-turns", 0, VA_OPT_INT, "3", "N",
	  "hand off when one request comes N turns in a row (0: never)",
	  0, 100 },
	{ "max-call-ms", 0, VA_OPT_INT, "300000", "MS",
	  "hand off a call this long with nothing resolved (0: never)",
	  0, 86400000 },
	{ "backend-down", 0, VA_OPT_INT, "1", "N",
	  "hand off after N results came back unavailable (0: never)", 0, 100 },
	{ "kb-min-score", 0, VA_OPT_STR, "1.0", "X",
	  "least bm25 score of a knowledge-base answer", 0, 0 },
	{ "kb-min-cover", 0, VA_OPT_STR, "0.6", "X",
	  "least share of the question's words an answer must hold", 0, 0 },
	{ "wait-result", 0, VA_OPT_INT, "0", "MS",
	  "wait this long for the answer to a lookup a slot needs", 0, 60000 },
	{ NULL, 0, 0, NULL, NULL, NULL, 0, 0 }
};

static struct va_conf conf = {
	"va-route", "[options] | kb index DIR | kb query TEXT | sessions |"
	" show CALL",
	"Manage the dialogue: read call_start, intent, result and call_end\n"
	"events and write reply, action and handoff events, with each call's\n"
	"session kept in the store. \"kb index DIR\" builds the knowledge base,\n"
	"\"kb query TEXT\" searches it, \"sessions\" and \"show CALL\" print\n"
	"sessions as JSON.",
	opts, 0, 0
};

/* Templates the code itself says, beyond those the flow names. */
static const char *const needed[] = { "sorry", "not_understood",
	"yesno_reprompt",
	"dead_end", "offer_help_first", "handoff", "anything_else",
	"kb_answer", "kb_unknown", "declined", NULL };

struct cfg {
	struct va_store *st;
	struct va_flow *flow;
	struct va_template *tmpl;
	const char *kb_dir;
	double	min_conf;
	double	min_asr_conf;
	double	kb_score, kb_cover;
	int64_t	low_turns, reprompts, request_person, refund_limit;
	int	auto_refund;
	int64_t	negative_turns, repeat_turns, max_call_ms, backend_down;
	int64_t	wait_result;
	json_t	*restricted_intents;	/* arrays of strings */
	json_t	*restricted_words;
	json_t	*negative_words;
	const json_t *stop_words;
};

/* One caller turn (or call event) being handled. */
struct turn {
	struct cfg *cfg;
	const struct va_event *ev;
	struct va_session *s;
	char	*text;		/* redacted caller text */
	char	*intent;
	double	conf;
	double	asr_conf;	/* the recognizer's, 1 when not given */
	json_t	*entities;
	int64_t	t_ms;
	const char *expect;	/* expectation of the last reply */
	int	handed_off;
};

static int handoff(struct turn *, const char *reason);
static int check_pending(struct turn *);
static void run_state(struct turn *, const char *name, int confirmed);

/* ---- small helpers ---- */

static int
streq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static int
has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static double
parse_real(const char *name)
{
	const char *v = va_conf_str(&conf, name);
	char *end;
	double d;

	d = strtod(v, &end);
	if (*v == '\0' || *end != '\0' || d < 0)
		va_die(64, "usage", "--%s wants a number >= 0, not %s", name, v);
	return d;
}

/* "a,b,c" as a JSON array, or the locale's list when s is NULL. */
static json_t *
word_list(const char *s, const json_t *def)
{
	json_t *a;
	char *copy, *tok, *save = NULL;

	if (s == NULL)
		return def != NULL ? json_deep_copy(def) : json_array();
	a = json_array();
	if ((copy = strdup(s)) == NULL)
		va_die(71, "out_of_memory", "out of memory");
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save))
		if (*tok != '\0')
			json_array_append_new(a, json_string(tok));
	free(copy);
	return a;
}

static int
in_list(const json_t *list, const char *s)
{
	size_t i;
	json_t *v;

	if (s == NULL)
		return 0;
	json_array_foreach(list, i, v)
		if (streq(json_string_value(v), s))
			return 1;
	return 0;
}

/* Does text hold one of the words or phrases, as whole words? */
static const char *
find_word(const char *text, const json_t *words)
{
	char low[2048];
	const char *w, *p;
	size_t i, n;
	json_t *v;

	if (text == NULL)
		return NULL;
	for (n = 0; text[n] != '\0' && n + 1 < sizeof(low); n++)
		low[n] = (char)tolower((unsigned char)text[n]);
	low[n] = '\0';
	json_array_foreach(words, i, v) {
		if ((w = json_string_value(v)) == NULL || *w == '\0')
			continue;
		for (p = low; (p = strstr(p, w)) != NULL; p++) {
			size_t wl = strlen(w);

			if ((p == low || !isalnum((unsigned char)p[-1])) &&
			    !isalnum((unsigned char)p[wl]))
				return w;
		}
	}
	return NULL;
}

/* Replies carry SSML; the transcript for people keeps the words. */
static char *
plain_text(const char *s)
{
	static const struct { const char *ent, *ch; } ents[] = {
		{ "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" },
		{ "&quot;", "\"" }, { "&apos;", "'" } };
	char *out, *o;
	size_t i;

	if ((out = malloc(strlen(s) + 1)) == NULL)
		return NULL;
	for (o = out; *s != '\0';) {
		if (*s == '<' && strchr(s, '>') != NULL) {
			s = strchr(s, '>') + 1;
			continue;
		}
		for (i = 0; i < sizeof(ents) / sizeof(ents[0]); i++)
			if (has_prefix(s, ents[i].ent))
				break;
		if (i < sizeof(ents) / sizeof(ents[0])) {
			*o++ = *ents[i].ch;
			s += strlen(ents[i].ent);
		} else
			*o++ = *s++;
	}
	*o = '\0';
	return out;
}

/* Intents that answer a question rather than ask for something. */
static int
is_reply_word(const char *intent)
{
	return streq(intent, "yes") || streq(intent, "no") ||
	    streq(intent, "repeat") || streq(intent, "oos");
}

/* ---- slots ---- */

static json_t *
slot_value(const struct va_session *s, const char *name)
{
	return json_object_get(json_object_get(s->slots, name), "value");
}

static int
slot_confirmed(const struct va_session *s, const char *name)
{
	return json_is_true(json_object_get(json_object_get(s->slots, name),
	    "confirmed"));
}

/* Set a slot from an entity (value plus carrier, currency, valid). */
static void
slot_set(struct va_session *s, const char *name, const json_t *ent,
    const json_t *value)
{
	static const char *const attrs[] = { "carrier", "currency", "valid",
		NULL };
	const json_t *old = slot_value(s, name);
	json_t *slot;
	int i;

	if (old != NULL && json_equal(old, value))
		return;
	slot = json_pack("{s:O, s:b}", "value", value, "confirmed", 0);
	for (i = 0; ent != NULL && attrs[i] != NULL; i++)
		if (json_object_get(ent, attrs[i]) != NULL)
			json_object_set(slot, attrs[i],
			    json_object_get(ent, attrs[i]));
	json_object_set_new(s->slots, name, slot);
}

static void
slot_confirm(struct va_session *s, const char *name)
{
	json_t *slot = json_object_get(s->slots, name);

	if (slot != NULL)
		json_object_set_new(slot, "confirmed", json_true());
}

/* The entity of the given type this turn, or NULL. */
static const json_t *
turn_entity(const struct turn *t, const char *type)
{
	size_t i;
	json_t *e;

	json_array_foreach(t->entities, i, e)
		if (streq(json_string_value(json_object_get(e, "type")), type) &&
		    json_object_get(e, "value") != NULL)
			return e;
	return NULL;
}

/* Slots as {"name": value}, for tickets. */
static json_t *
flat_slots(const struct va_session *s)
{
	json_t *o = json_object(), *v;
	const char *k;

	json_object_foreach(s->slots, k, v)
		json_object_set(o, k, json_object_get(v, "value"));
	return o;
}

/* The newest key used for a purpose in this call, or "" (buf). */
static const char *
key_for(const struct va_session *s, const char *purpose, char *buf,
    size_t n)
{
	size_t used = json_array_size(json_object_get(s->keys, purpose));

	if (used == 0)
		snprintf(buf, n, "%s:%s", s->call, purpose);
	else if (used == 1)
		snprintf(buf, n, "%s:%s", s->call, purpose);
	else
		snprintf(buf, n, "%s:%s-%zu", s->call, purpose, used);
	return buf;
}

/* data.a.0.b of a JSON text, or NULL; new reference. */
static json_t *
path_get(const json_t *root, const char *path)
{
	char part[64];
	const json_t *v = root;
	const char *p = path, *dot;
	char *end;
	long idx;

	while (v != NULL && *p != '\0') {
		dot = strchr(p, '.');
		snprintf(part, sizeof(part), "%.*s",
		    (int)(dot ? dot - p : (long)strlen(p)), p);
		idx = strtol(part, &end, 10);
		if (*end == '\0' && json_is_array(v))
			v = json_array_get(v, (size_t)idx);
		else
			v = json_object_get(v, part);
		p = dot ? dot + 1 : p + strlen(p);
	}
	return v != NULL && !json_is_null(v) ? json_incref((json_t *)(uintptr_t)v) :
	    NULL;
}

/*
 * Fill a slot from a tool's result already in the store: the result under
 * key, or (key NULL) the newest one for the from_result purpose.
 */
static void
slot_from_result(struct turn *t, const json_t *slot, const char *key_arg)
{
	const json_t *fr = json_object_get(slot, "from_result");
	struct va_result_rec r;
	char key[512];
	json_t *data, *v, *p, *ent, *paths;
	const char *k, *name;
	size_t i;

	if (fr == NULL)
		return;
	if (key_arg != NULL)
		snprintf(key, sizeof(key), "%s", key_arg);
	else
		key_for(t->s, json_string_value(json_object_get(fr, "purpose")),
		    key, sizeof(key));
	if (va_callstate_get_result(t->cfg->st, t->s->call, key, &r) != 1)
		return;
	data = r.data != NULL ? json_loads(r.data, 0, NULL) : NULL;
	ent = json_object();
	/* Members such as the carrier come along, as from an entity. */
	json_object_foreach(json_object_get(fr, "attrs"), k, paths)
		json_array_foreach(paths, i, p)
			if ((v = path_get(data, json_string_value(p))) != NULL) {
				json_object_set_new(ent, k, v);
				break;
			}
	name = json_string_value(json_object_get(slot, "name"));
	json_array_foreach(json_object_get(fr, "paths"), i, p) {
		if ((v = path_get(data, json_string_value(p))) != NULL) {
			slot_set(t->s, name, ent, v);
			slot_confirm(t->s, name);
			json_decref(v);
			break;
		}
	}
	json_decref(ent);
	json_decref(data);
	va_result_rec_free(&r);
}

/* ---- output ---- */

static json_t *
template_vars(const struct turn *t)
{
	return json_deep_copy(t->s->slots);
}

/* Emit a reply with the given text (SSML) and note it in the session. */
static void
reply_text(struct turn *t, const char *text, const char *expect, int final)
{
	char *plain;

	va_emit_begin("reply", t->ev);
	va_emit_str("text", text);
	va_emit_str("expect", expect);
	va_emit_bool("final", final);
	va_emit_str("intent", t->intent);
	va_emit_str("state", t->s->state);
	va_emit_end(t->ev);
	if ((plain = plain_text(text)) != NULL) {
		va_session_add_turn(t->cfg->st, t->s->call, "assistant", plain,
		    NULL, -1, t->t_ms);
		free(plain);
	}
	free(t->s->last_reply);
	t->s->last_reply = strdup(text);
	snprintf(t->s->last_expect, sizeof(t->s->last_expect), "%s",
	    expect != NULL ? expect : "");
	t->expect = expect;
}

/* Render one or two templates into one reply. */
static void
reply(struct turn *t, const char *id, const char *id2, const json_t *extra,
    const char *expect, int final)
{
	char *a, *b = NULL, *both;
	json_t *vars;

	vars = template_vars(t);
	if (extra != NULL)
		json_object_update(vars, (json_t *)(uintptr_t)extra);
	a = va_template_render(t->cfg->tmpl, id, vars);
	if (id2 != NULL)
		b = va_template_render(t->cfg->tmpl, id2, vars);
	json_decref(vars);
	if (a == NULL || (id2 != NULL && b == NULL)) {
		va_emit_error(t->ev, "template_missing", "no template %s",
		    a == NULL ? id : id2);
		free(a);
		free(b);
		return;
	}
	if (b != NULL && (both = malloc(strlen(a) + strlen(b) + 2)) != NULL) {
		sprintf(both, "%s %s", a, b);
		reply_text(t, both, expect, final);
		free(both);
	} else
		reply_text(t, a, expect, final);
	free(a);
	free(b);
}

/* Names of the slots a parameter template refers to. */
static void
note_slots(const char *s, json_t *names)
{
	char name[64];
	const char *end;
	size_t n;

	for (; (s = strchr(s, '{')) != NULL; s = end) {
		if ((end = strchr(s, '}')) == NULL)
			return;
		n = strcspn(s + 1, ".}");
		if (s[1] != '$' && n < sizeof(name)) {
			snprintf(name, sizeof(name), "%.*s", (int)n, s + 1);
			json_array_append_new(names, json_string(name));
		}
	}
}

/* A parameter value with {slot}, {slot.attr}, {$slots} ... filled in. */
static json_t *
param(struct turn *t, const json_t *v, json_t *names)
{
	const char *s, *dot, *end;
	char name[128];
	json_t *out, *x, *x2;
	const json_t *slot;
	size_t i, n;
	const char *k;

	if (json_is_array(v)) {
		out = json_array();
		json_array_foreach(v, i, x)
			json_array_append_new(out, param(t, x, names));
		return out;
	}
	if (json_is_object(v)) {
		/* A parameter without a value is left out, not sent as null. */
		out = json_object();
		json_object_foreach((json_t *)(uintptr_t)v, k, x) {
			x2 = param(t, x, names);
			if (!json_is_null(x2))
				json_object_set_new(out, k, x2);
			else
				json_decref(x2);
		}
		return out;
	}
	if (!json_is_string(v))
		return json_deep_copy(v);
	s = json_string_value(v);
	n = strlen(s);
	note_slots(s, names);
	/* A whole "{x}" keeps the slot's JSON type. */
	if (n > 2 && s[0] == '{' && s[n - 1] == '}' &&
	    strchr(s + 1, '{') == NULL && n - 2 < sizeof(name)) {
		snprintf(name, sizeof(name), "%.*s", (int)(n - 2), s + 1);
		if (streq(name, "$slots"))
			return flat_slots(t->s);
		if (streq(name, "$transcript"))
			return va_session_transcript(t->cfg->st, t->s->call);
		if (streq(name, "$customer")) {
			x = json_object();
			if (slot_value(t->s, "phone") != NULL)
				json_object_set(x, "phone",
				    slot_value(t->s, "phone"));
			return x;
		}
		if ((dot = strchr(name, '.')) != NULL) {
			name[dot - name] = '\0';
			slot = json_object_get(json_object_get(t->s->slots,
			    name), dot + 1);
		} else
			slot = slot_value(t->s, name);
		return slot != NULL ? json_deep_copy(slot) : json_null();
	}
	/* Otherwise text with the values written in. */
	{
		char buf[1024];
		size_t o = 0;
		const json_t *val;

		while (*s != '\0' && o + 1 < sizeof(buf)) {
			if (*s == '{' && (end = strchr(s, '}')) != NULL &&
			    (size_t)(end - s) < sizeof(name)) {
				snprintf(name, sizeof(name), "%.*s",
				    (int)(end - s - 1), s + 1);
				val = slot_value(t->s, name);
				if (json_is_string(val))
					o += (size_t)snprintf(buf + o,
					    sizeof(buf) - o, "%s",
					    json_string_value(val));
				else if (json_is_integer(val))
					o += (size_t)snprintf(buf + o,
					    sizeof(buf) - o, "%lld",
					    (long long)json_integer_value(val));
				if (o >= sizeof(buf))
					o = sizeof(buf) - 1;
				s = end + 1;
			} else
				buf[o++] = *s++;
		}
		buf[o] = '\0';
		return json_string(buf);
	}
}

/* The parameters of a flow action object, slots filled in (an object). */
static json_t *
action_params(struct turn *t, const json_t *act, json_t *names)
{
	json_t *params;

	params = param(t, json_object_get(act, "params"), names);
	if (!json_is_object(params)) {
		json_decref(params);
		params = json_object();
	}
	return params;
}

/*
 * The key of an action for purpose with these parameters. The key is one
 * per call and purpose; a second request for the same purpose with other
 * parameters gets <call>:<purpose>-2 and so on, the same parameters the
 * same key. With note set a new one is remembered. Returns whether the
 * same parameters were sent before.
 */
static int
action_key(struct turn *t, const char *purpose, json_t *params, int note,
    char *key, size_t keysz)
{
	json_t *used, *p;
	size_t i, n;
	int reuse = 0;

	if ((used = json_object_get(t->s->keys, purpose)) == NULL) {
		used = json_array();
		json_object_set_new(t->s->keys, purpose, used);
	}
	n = json_array_size(used);
	json_array_foreach(used, i, p)
		if (!streq(purpose, "ticket") && json_equal(p, params)) {
			n = i;
			reuse = 1;
			break;
		}
	if (!reuse && note)
		json_array_append(used, params);
	if (n == 0)
		snprintf(key, keysz, "%s:%s", t->s->call, purpose);
	else
		snprintf(key, keysz, "%s:%s-%zu", t->s->call, purpose, n + 1);
	return reuse;
}

/*
 * Emit an action for a flow action object and note it as waiting for its
 * result; its key goes to key.
 */
static void
emit_action(struct turn *t, const json_t *act, char *key, size_t keysz)
{
	const char *purpose = json_string_value(json_object_get(act,
	    "purpose"));
	json_t *params, *names;

	names = json_array();
	params = action_params(t, act, names);
	action_key(t, purpose, params, 1, key, keysz);
	va_emit_begin("action", t->ev);
	va_emit_str("tool", json_string_value(json_object_get(act, "tool")));
	va_emit_str("op", json_string_value(json_object_get(act, "op")));
	va_emit_str("key", key);
	va_emit_json("params", params);
	va_emit_bool("reply", !json_is_false(json_object_get(act, "reply")));
	va_emit_end(t->ev);
	json_array_append_new(t->s->pending, json_pack("{s:s, s:s, s:o}",
	    "key", key, "purpose", purpose, "slots", names));
	json_decref(params);
}

/*
 * Wait up to --wait-result for the result of key. The tool runs after
 * this stage in the pipeline: the action must be out, and the store free
 * for the tool to write, before anything can come back; so the session is
 * saved and the transaction ended while waiting. 1 when the result came.
 */
static int
wait_result(struct turn *t, const char *key)
{
	struct cfg *c = t->cfg;
	struct va_result_rec r;
	int64_t waited = 0;
	int rc;

	if (c->wait_result <= 0)
		return 0;
	if (va_session_save(c->st, t->s) == -1 ||
	    va_store_commit(c->st) == -1)
		return 0;
	va_out_flush();
	for (;;) {
		rc = va_callstate_get_result(c->st, t->s->call, key, &r);
		if (rc == 1)
			va_result_rec_free(&r);
		if (rc != 0 || waited >= c->wait_result)
			break;
		va_sleep_ms(5);
		waited += 5;
	}
	if (va_store_begin(c->st) == -1)
		va_emit_error(t->ev, "store", "the store is not available");
	va_log(VA_DEBUG, "wait_result", "call %s: %s %s after %lld ms",
	    t->s->call, key, rc == 1 ? "came" : "did not come",
	    (long long)waited);
	return rc == 1;
}

/*
 * A slot's from_result lookup, when every slot its parameters name is
 * filled: the action object (new, with the from_result purpose), or NULL.
 */
static json_t *
lookup_action(struct turn *t, const json_t *slot)
{
	const json_t *fr = json_object_get(slot, "from_result");
	const json_t *lk = json_object_get(fr, "lookup");
	json_t *names, *params, *n, *act;
	size_t i;
	int ready = 1;

	if (lk == NULL)
		return NULL;
	names = json_array();
	params = action_params(t, lk, names);
	json_array_foreach(names, i, n)
		if (slot_value(t->s, json_string_value(n)) == NULL)
			ready = 0;
	json_decref(params);
	json_decref(names);
	if (!ready)
		return NULL;
	act = json_deep_copy(lk);
	json_object_set(act, "purpose", json_object_get(fr, "purpose"));
	return act;
}

/*
 * Fill a slot through its from_result lookup: send the lookup, wait for
 * the answer and take the slot from it. 0 when the slot is filled, 1 when
 * it is not (no answer in time, or one without the value: the lookup's
 * own reply tells the caller why), 2 when a tool handed the call off. The
 * same lookup answered before without the value is sent again, not waited
 * for, so that the caller hears its answer again.
 */
static int
lookup(struct turn *t, const json_t *slot, const json_t *act)
{
	const char *purpose = json_string_value(json_object_get(act,
	    "purpose"));
	const char *name = json_string_value(json_object_get(slot, "name"));
	struct va_result_rec r;
	json_t *params, *names;
	char key[512];
	int have = 0;

	names = json_array();
	params = action_params(t, act, names);
	if (action_key(t, purpose, params, 0, key, sizeof(key)) &&
	    va_callstate_get_result(t->cfg->st, t->s->call, key, &r) == 1) {
		va_result_rec_free(&r);
		have = 1;
	}
	json_decref(params);
	json_decref(names);
	if (have) {
		slot_from_result(t, slot, key);
		if (slot_value(t->s, name) != NULL)
			return 0;
		emit_action(t, act, key, sizeof(key));
		return 1;
	}
	emit_action(t, act, key, sizeof(key));
	if ((have = wait_result(t, key)) && check_pending(t)) {
		handoff(t, "tool_handoff");
		return 2;
	}
	if (have)
		slot_from_result(t, slot, key);
	return slot_value(t->s, name) != NULL ? 0 : 1;
}

/* ---- the rules ---- */

static void
end_call(struct turn *t, const char *outcome, const char *reason)
{
	struct va_session *s = t->s;

	snprintf(s->outcome, sizeof(s->outcome), "%s", outcome);
	snprintf(s->reason, sizeof(s->reason), "%s", reason);
	s->duration_ms = t->t_ms - s->t_start_ms;
	s->ended_at = va_clock_ms();
	s->await[0] = '\0';
}

static char *
summary(struct turn *t, const char *reason)
{
	char buf[1024];
	size_t o, i;
	json_t *intents, *v, *seen;
	const json_t *order;

	o = (size_t)snprintf(buf, sizeof(buf), "%s after %lld turn%s", reason,
	    (long long)t->s->turns, t->s->turns == 1 ? "" : "s");
	intents = va_session_intents(t->cfg->st, t->s->call, t->cfg->min_conf);
	seen = json_array();
	json_array_foreach(intents, i, v) {
		if (is_reply_word(json_string_value(v)) ||
		    in_list(seen, json_string_value(v)) || o >= sizeof(buf))
			continue;
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s",
		    json_array_size(seen) == 0 ? "; asked about: " : ", ",
		    json_string_value(v));
		json_array_append(seen, v);
	}
	json_decref(seen);
	json_decref(intents);
	order = slot_value(t->s, "order_number");
	if (json_is_string(order) && o < sizeof(buf))
		snprintf(buf + o, sizeof(buf) - o, "; order %s",
		    json_string_value(order));
	return strdup(buf);
}

/*
 * Hand the call to a person: a ticket action carrying the summary, the
 * slots, the reason and the whole redacted transcript, a handoff event,
 * and a last reply telling the caller what happens next.
 */
static int
handoff(struct turn *t, const char *reason)
{
	char id[96], key[512], *sum, *text, *plain;
	json_t *vars, *params, *tags, *intents, *v;
	size_t i;

	snprintf(id, sizeof(id), "handoff_%s", reason);
	if (!va_template_has(t->cfg->tmpl, id))
		snprintf(id, sizeof(id), "handoff");
	vars = template_vars(t);
	text = va_template_render(t->cfg->tmpl, id, vars);
	json_decref(vars);
	if (text == NULL)
		text = strdup("");
	snprintf(t->s->state, sizeof(t->s->state), "handoff");
	/* The ticket's transcript ends with what the caller is told. */
	if ((plain = plain_text(text)) != NULL)
		va_session_add_turn(t->cfg->st, t->s->call, "assistant", plain,
		    NULL, -1, t->t_ms);
	free(plain);
	sum = summary(t, reason);
	tags = json_pack("[s]", reason);
	intents = va_session_intents(t->cfg->st, t->s->call, t->cfg->min_conf);
	json_array_foreach(intents, i, v)
		if (!in_list(tags, json_string_value(v)) &&
		    !is_reply_word(json_string_value(v)))
			json_array_append(tags, v);
	json_decref(intents);
	params = json_pack("{s:s, s:s, s:s, s:o, s:o}",
	    "reason", reason, "summary", sum,
	    "priority", streq(reason, "restricted") ||
	    streq(reason, "frustration") ? "high" : "normal",
	    "tags", tags, "slots", flat_slots(t->s));
	json_object_set(params, "order", slot_value(t->s, "order_number") ?
	    slot_value(t->s, "order_number") : json_null());
	v = json_object();
	if (slot_value(t->s, "phone") != NULL)
		json_object_set(v, "phone", slot_value(t->s, "phone"));
	json_object_set_new(params, "customer", v);
	json_object_set_new(params, "transcript",
	    va_session_transcript(t->cfg->st, t->s->call));
	snprintf(key, sizeof(key), "%s:ticket", t->s->call);
	va_emit_begin("action", t->ev);
	va_emit_str("tool", "ticket");
	va_emit_str("op", "create");
	va_emit_str("key", key);
	va_emit_json("params", params);
	va_emit_bool("reply", 1);
	va_emit_end(t->ev);
	va_emit_begin("handoff", t->ev);
	va_emit_str("reason", reason);
	va_emit_str("summary", sum);
	va_emit_str("key", key);
	va_emit_end(t->ev);
	va_emit_begin("reply", t->ev);
	va_emit_str("text", text);
	va_emit_str("expect", NULL);
	va_emit_bool("final", 1);
	va_emit_str("intent", t->intent);
	va_emit_str("state", "handoff");
	va_emit_end(t->ev);
	va_log(VA_INFO, "handoff", "call %s: handoff (%s)", t->s->call,
	    reason);
	json_decref(params);
	free(sum);
	free(text);
	t->expect = NULL;
	t->handed_off = 1;
	end_call(t, "transferred", reason);
	return 1;
}

/* Results of earlier actions, from the store; 1 when a tool handed off. */
static int
check_pending(struct turn *t)
{
	struct va_result_rec r;
	json_t *p, *keep, *names, *n;
	const char *status;
	size_t i, j;
	int rc, tool_handoff = 0;

	keep = json_array();
	json_array_foreach(t->s->pending, i, p) {
		rc = va_callstate_get_result(t->cfg->st, t->s->call,
		    json_string_value(json_object_get(p, "key")), &r);
		if (rc != 1) {
			json_array_append(keep, p);
			continue;
		}
		status = r.status != NULL ? r.status : "";
		va_log(VA_DEBUG, "result", "call %s: %s: %s", t->s->call,
		    json_string_value(json_object_get(p, "key")), status);
		if (r.ok || streq(status, "ok") || streq(status, "queued"))
			t->s->resolved = 1;
		else if (streq(status, "unavailable"))
			t->s->down++;
		else if (streq(status, "handoff"))
			tool_handoff = 1;
		else if (streq(status, "not_found") ||
		    streq(status, "invalid")) {
			/* Ask again rather than trust a wrong number. */
			names = json_object_get(p, "slots");
			json_array_foreach(names, j, n)
				json_object_del(t->s->slots,
				    json_string_value(n));
		}
		va_result_rec_free(&r);
	}
	json_decref(t->s->pending);
	t->s->pending = keep;
	return tool_handoff;
}

/* Above the refund limit: the largest money entity this turn or slot. */
static int
over_refund_limit(struct turn *t)
{
	const json_t *e = turn_entity(t, "money"), *v;
	int refund;

	refund = streq(t->intent, "return_refund") ||
	    streq(va_flow_str(va_flow_state(t->cfg->flow, t->s->state), "do"),
	    "refund");
	if (!refund)
		return 0;
	v = e != NULL ? json_object_get(e, "value") :
	    slot_value(t->s, "amount");
	return json_is_integer(v) && json_integer_value(v) >
	    t->cfg->refund_limit;
}

static const json_t *
find_slot(const json_t *st, const char *name)
{
	const json_t *slot;
	size_t i;

	json_array_foreach(json_object_get(st, "slots"), i, slot)
		if (streq(json_string_value(json_object_get(slot, "name")),
		    name))
			return slot;
	return NULL;
}

/* Does the turn hold an entity that fills one of the state's slots? */
static int
fills_slot(const struct turn *t, const json_t *st)
{
	const json_t *slot;
	size_t i;

	json_array_foreach(json_object_get(st, "slots"), i, slot)
		if (turn_entity(t, json_string_value(json_object_get(slot,
		    "entity"))) != NULL)
			return 1;
	return 0;
}

/*
 * Is the turn an answer to the question awaited (so not "low")? A slot
 * question is answered by an entity for any slot of the state (asked for
 * a tracking number, the caller may give the order's number), a read-back
 * by the slot's own entity (a correction).
 */
static int
answers_await(struct turn *t)
{
	const json_t *st, *slot;

	st = va_flow_state(t->cfg->flow, t->s->state);
	if (has_prefix(t->s->await, "slot:"))
		return fills_slot(t, st);
	if (!has_prefix(t->s->await, "confirm_slot:"))
		return 0;
	slot = find_slot(st, t->s->await + strlen("confirm_slot:"));
	return slot != NULL && turn_entity(t, json_string_value(
	    json_object_get(slot, "entity"))) != NULL;
}

/*
 * What makes a request the same as the last one: the intent and the
 * values of its entities ("order_status 10234" twice is the same request,
 * order 10234 and then order 55555 are two).
 */
static void
request_sig(const struct turn *t, char *sig, size_t n)
{
	uint32_t h = 2166136261u;
	const char *v;
	char *text;
	size_t i;
	json_t *e;

	json_array_foreach(t->entities, i, e) {
		text = json_dumps(json_object_get(e, "value"), JSON_ENCODE_ANY);
		for (v = text; v != NULL && *v != '\0'; v++) {
			h ^= (unsigned char)*v;
			h *= 16777619u;
		}
		free(text);
	}
	snprintf(sig, n, "%.48s %08x", t->intent, (unsigned)h);
}

/*
 * The escalation rules, in order; returns 1 when the turn is dealt with
 * (a handoff, an offer or a reprompt).
 */
static int
escalate(struct turn *t)
{
	struct cfg *c = t->cfg;
	struct va_session *s = t->s;
	const char *w;
	char sig[64];

	if ((w = find_word(t->text, c->restricted_words)) != NULL ||
	    over_refund_limit(t)) {
		va_log(VA_INFO, "restricted", "call %s: restricted (%s)",
		    s->call, w != NULL ? w : "refund over the limit");
		return handoff(t, "restricted");
	}
	if (c->backend_down > 0 && s->down >= c->backend_down)
		return handoff(t, "backend_down");
	if (c->max_call_ms > 0 && !s->resolved &&
	    t->t_ms - s->t_start_ms > c->max_call_ms)
		return handoff(t, "too_long");
	if (find_word(t->text, c->negative_words) != NULL)
		s->negative++;
	if (c->negative_turns > 0 && s->negative >= c->negative_turns)
		return handoff(t, "frustration");
	if ((t->intent == NULL || t->conf < c->min_conf ||
	    t->asr_conf < c->min_asr_conf) && !answers_await(t)) {
		s->low_run++;
		if (s->low_run >= c->low_turns)
			return handoff(t, "low_confidence");
		reply(t, "not_understood", NULL, NULL,
		    s->last_expect[0] ? s->last_expect : NULL, 0);
		t->expect = s->last_expect[0] ? s->last_expect : NULL;
		return 1;
	}
	s->low_run = 0;
	if (in_list(c->restricted_intents, t->intent))
		return handoff(t, "restricted");
	if (streq(t->intent, "human_agent")) {
		s->person_asks++;
		if (s->person_asks >= c->request_person)
			return handoff(t, "caller_request");
		snprintf(s->await, sizeof(s->await), "offer:caller_request");
		reply(t, "offer_help_first", NULL, NULL, "yesno", 0);
		return 1;
	}
	/* The same request again and again, not as an answer. */
	if (s->await[0] == '\0' && !streq(t->intent, "yes") &&
	    !streq(t->intent, "no") && !streq(t->intent, "repeat")) {
		request_sig(t, sig, sizeof(sig));
		if (streq(sig, s->last_intent))
			s->repeat_run++;
		else
			s->repeat_run = 1;
		snprintf(s->last_intent, sizeof(s->last_intent), "%s", sig);
		if (c->repeat_turns > 0 && s->repeat_run >= c->repeat_turns)
			return handoff(t, "frustration");
	}
	return 0;
}

/* ---- the flow ---- */

/* Ask again, or after too many tries offer a person (no dead end). */
static void
reprompt(struct turn *t, const char *id, const char *expect)
{
	struct va_session *s = t->s;

	if (++s->reprompts > t->cfg->reprompts) {
		snprintf(s->await, sizeof(s->await), "offer:reprompts");
		reply(t, "dead_end", NULL, NULL, "yesno", 0);
		return;
	}
	reply(t, id, NULL, NULL, expect, 0);
}

static void
knowledge(struct turn *t, const json_t *st)
{
	struct va_kb_hit hits[3];
	json_t *vars;
	int n, i;

	n = va_kb_query(t->cfg->st, t->text != NULL ? t->text : "",
	    t->cfg->stop_words, hits, 3);
	if (n > 0)
		va_log(VA_DEBUG, "kb_hit", "call %s: %s (score %.2f, cover"
		    " %.2f)", t->s->call, hits[0].title, hits[0].score,
		    hits[0].cover);
	if (n > 0 && va_kb_answers(&hits[0], t->cfg->kb_score,
	    t->cfg->kb_cover)) {
		vars = json_pack("{s:s, s:s}", "answer", hits[0].text,
		    "title", hits[0].title);
		t->s->resolved = 1;
		snprintf(t->s->state, sizeof(t->s->state), "%s",
		    va_flow_str(st, "next") ? va_flow_str(st, "next") :
		    va_flow_start(t->cfg->flow));
		reply(t, "kb_answer", va_flow_str(st, "say"), vars,
		    va_flow_str(st, "expect"), 0);
		json_decref(vars);
	} else {
		snprintf(t->s->await, sizeof(t->s->await), "offer:no_answer");
		reply(t, "kb_unknown", NULL, NULL, "yesno", 0);
	}
	for (i = 0; i < n; i++)
		va_kb_hit_free(&hits[i]);
}

/*
 * Fill the state's slots: 0 when all are there, 1 when a question went
 * out, 2 when a lookup left a slot empty (the state ends without its
 * action), 3 when the call was handed off.
 */
static int
collect(struct turn *t, const json_t *st)
{
	const json_t *slot, *e;
	const char *name;
	json_t *act;
	size_t i;
	int rc;

	json_array_foreach(json_object_get(st, "slots"), i, slot) {
		name = json_string_value(json_object_get(slot, "name"));
		e = turn_entity(t, json_string_value(json_object_get(slot,
		    "entity")));
		if (e != NULL)
			slot_set(t->s, name, e, json_object_get(e, "value"));
		if (slot_value(t->s, name) == NULL)
			slot_from_result(t, slot, NULL);
		if (slot_value(t->s, name) == NULL &&
		    (act = lookup_action(t, slot)) != NULL) {
			rc = lookup(t, slot, act);
			json_decref(act);
			if (rc != 0)
				return rc + 1;
		}
		if (slot_value(t->s, name) == NULL) {
			if (json_is_true(json_object_get(slot, "optional")))
				continue;
			snprintf(t->s->await, sizeof(t->s->await), "slot:%s",
			    name);
			reply(t, va_flow_str(slot, "ask"), NULL, NULL,
			    va_flow_str(slot, "expect"), 0);
			return 1;
		}
		if (va_flow_str(slot, "confirm") != NULL &&
		    !slot_confirmed(t->s, name)) {
			snprintf(t->s->await, sizeof(t->s->await),
			    "confirm_slot:%s", name);
			reply(t, va_flow_str(slot, "confirm"), NULL, NULL,
			    "yesno", 0);
			return 1;
		}
	}
	return 0;
}

/* A state is done (with its action, or without): say and move on. */
static void
finish(struct turn *t, const json_t *st, const char *name, int act)
{
	struct va_session *s = t->s;
	const char *next;
	char key[512];
	int final;

	if (act && json_object_get(st, "action") != NULL)
		emit_action(t, json_object_get(st, "action"), key,
		    sizeof(key));
	next = va_flow_str(st, "next");
	final = json_is_true(json_object_get(st, "final"));
	snprintf(s->state, sizeof(s->state), "%s", final ? name :
	    next != NULL ? next : va_flow_start(t->cfg->flow));
	s->reprompts = 0;
	if (va_flow_str(st, "say") != NULL)
		reply(t, va_flow_str(st, "say"), NULL, NULL,
		    va_flow_str(st, "expect"), final);
	if (final)
		end_call(t, "contained", name);
}

/*
 * Do what state name says, as far as it can go this turn: collect the
 * slots, ask for confirmation (unless confirmed), then the built-in or
 * the action, then say and move on.
 */
static void
run_state(struct turn *t, const char *state, int confirmed)
{
	const json_t *st = va_flow_state(t->cfg->flow, state);
	struct va_session *s = t->s;
	const char *d;
	char name[64];
	int rc;

	if (st == NULL) {
		va_emit_error(t->ev, "flow_state", "no state %s", state);
		return;
	}
	snprintf(name, sizeof(name), "%s", state);
	snprintf(s->state, sizeof(s->state), "%s", name);
	s->await[0] = '\0';
	if ((rc = collect(t, st)) == 2)
		finish(t, st, name, 0);
	if (rc != 0)
		return;
	d = va_flow_str(st, "do");
	if (streq(d, "kb")) {
		knowledge(t, st);
		return;
	}
	if (streq(d, "handoff")) {
		handoff(t, va_flow_str(st, "reason") ? va_flow_str(st,
		    "reason") : "flow");
		return;
	}
	if (streq(d, "refund") && !(t->cfg->auto_refund &&
	    json_is_integer(slot_value(s, "amount")) &&
	    slot_value(s, "payment") != NULL)) {
		handoff(t, va_flow_str(st, "reason") ? va_flow_str(st,
		    "reason") : "refund_request");
		return;
	}
	if (va_flow_str(st, "confirm") != NULL && !confirmed) {
		snprintf(s->await, sizeof(s->await), "confirm");
		reply(t, va_flow_str(st, "confirm"), NULL, NULL, "yesno", 0);
		return;
	}
	finish(t, st, name, 1);
}

static void
enter(struct turn *t, const char *name)
{
	t->s->reprompts = 0;
	run_state(t, name, 0);
}

/* The caller moved on to another request while a question was open. */
static const char *
new_topic(struct turn *t)
{
	const char *to;

	if (t->intent == NULL || streq(t->intent, "yes") ||
	    streq(t->intent, "no") || streq(t->intent, "oos") ||
	    streq(t->intent, "repeat"))
		return NULL;
	to = va_flow_route(t->cfg->flow, t->s->state, t->intent);
	if (to == NULL || streq(to, t->s->state) ||
	    json_object_get(json_object_get(va_flow_state(t->cfg->flow,
	    t->s->state), "on"), t->intent) != NULL)
		return NULL;
	if (streq(to, va_flow_route(t->cfg->flow, t->s->state, NULL)))
		return NULL;	/* the fallback is no topic */
	return to;
}

static void
dispatch(struct turn *t)
{
	struct va_session *s = t->s;
	const json_t *st = va_flow_state(t->cfg->flow, s->state), *slot;
	const char *to, *name;
	const json_t *e;
	char nbuf[64];

	if (streq(t->intent, "repeat") && s->last_reply != NULL) {
		char *again = strdup(s->last_reply);
		char ex[32];

		snprintf(ex, sizeof(ex), "%s", s->last_expect);
		reply_text(t, again, ex[0] ? ex : NULL, 0);
		t->expect = s->last_expect[0] ? s->last_expect : NULL;
		free(again);
		return;
	}
	if (has_prefix(s->await, "slot:")) {
		snprintf(nbuf, sizeof(nbuf), "%s", s->await + 5);
		name = nbuf;
		slot = find_slot(st, name);
		e = slot != NULL ? turn_entity(t, json_string_value(
		    json_object_get(slot, "entity"))) : NULL;
		if (e != NULL || fills_slot(t, st)) {
			/* An answer stays, whatever intent it was taken for. */
			s->reprompts = 0;
			run_state(t, s->state, 0);
		} else if ((to = new_topic(t)) != NULL)
			enter(t, to);
		else if (slot != NULL)
			reprompt(t, va_flow_str(slot, "reask") ?
			    va_flow_str(slot, "reask") :
			    va_flow_str(slot, "ask"),
			    va_flow_str(slot, "expect"));
		else
			enter(t, s->state);
		return;
	}
	if (has_prefix(s->await, "confirm_slot:")) {
		snprintf(nbuf, sizeof(nbuf), "%s", s->await + 13);
		name = nbuf;
		slot = find_slot(st, name);
		e = slot != NULL ? turn_entity(t, json_string_value(
		    json_object_get(slot, "entity"))) : NULL;
		if (slot == NULL)
			enter(t, s->state);
		else if (streq(t->intent, "yes")) {
			slot_confirm(s, name);
			s->reprompts = 0;
			run_state(t, s->state, 0);
		} else if (e != NULL)
			run_state(t, s->state, 0);	/* a correction */
		else if (streq(t->intent, "no")) {
			json_object_del(s->slots, name);
			snprintf(s->await, sizeof(s->await), "slot:%s", name);
			reply(t, "sorry", va_flow_str(slot, "ask"), NULL,
			    va_flow_str(slot, "expect"), 0);
		} else if ((to = new_topic(t)) != NULL)
			enter(t, to);
		else
			reprompt(t, "yesno_reprompt", "yesno");
		return;
	}
	if (streq(s->await, "confirm")) {
		if (streq(t->intent, "yes")) {
			s->reprompts = 0;
			run_state(t, s->state, 1);
		} else if (streq(t->intent, "no")) {
			s->await[0] = '\0';
			snprintf(s->state, sizeof(s->state), "%s",
			    va_flow_start(t->cfg->flow));
			reply(t, va_flow_str(st, "declined") ?
			    va_flow_str(st, "declined") : "declined", NULL,
			    NULL, NULL, 0);
		} else if ((to = new_topic(t)) != NULL)
			enter(t, to);
		else
			reprompt(t, "yesno_reprompt", "yesno");
		return;
	}
	if (has_prefix(s->await, "offer:")) {
		if (streq(t->intent, "yes")) {
			char reason[64];

			snprintf(reason, sizeof(reason), "%s", s->await + 6);
			handoff(t, reason);
		} else if (streq(t->intent, "no")) {
			s->await[0] = '\0';
			snprintf(s->state, sizeof(s->state), "%s",
			    va_flow_start(t->cfg->flow));
			reply(t, "anything_else", NULL, NULL, NULL, 0);
		} else if ((to = new_topic(t)) != NULL)
			enter(t, to);
		else if (s->reprompts >= t->cfg->reprompts) {
			char reason[64];

			snprintf(reason, sizeof(reason), "%s", s->await + 6);
			handoff(t, reason);
		} else {
			s->reprompts++;
			reply(t, "yesno_reprompt", NULL, NULL, "yesno", 0);
		}
		return;
	}
	to = va_flow_route(t->cfg->flow, s->state, t->intent);
	if (to == NULL) {
		reprompt(t, "not_understood", NULL);
		return;
	}
	enter(t, to);
}

/* ---- event handlers ---- */

static void
pass(const struct va_event *ev)
{
	va_out_write(ev->line, ev->len);
	va_out_putc('\n');
}

/* Load the call's session inside a write transaction; 0 or -1. */
static int
open_session(struct cfg *c, const struct va_event *ev, char **call,
    struct va_session *s)
{
	if ((*call = va_event_str(ev, "call")) == NULL || **call == '\0') {
		va_emit_error(ev, "no_call", "%s event without a call id",
		    ev->type);
		free(*call);
		*call = NULL;
		return -1;
	}
	if (va_store_begin(c->st) == -1) {
		va_emit_error(ev, "store", "the store is not available");
		return -1;
	}
	if (va_session_load(c->st, *call, s) == -1) {
		va_store_rollback(c->st);
		va_session_free(s);
		va_emit_error(ev, "store", "cannot read the session");
		return -1;
	}
	return 0;
}

static void
close_session(struct cfg *c, const struct va_event *ev, struct va_session *s)
{
	if (va_session_save(c->st, s) == -1 || va_store_commit(c->st) == -1) {
		va_store_rollback(c->st);
		va_emit_error(ev, "store", "cannot save the session of %s",
		    s->call);
	}
	va_session_free(s);
}

static int64_t
ev_int(const struct va_event *ev, const char *key)
{
	int64_t v = 0;

	va_event_int(ev, key, &v);
	return v;
}

static void
on_call_start(struct cfg *c, const struct va_event *ev)
{
	struct va_session s;
	struct turn t = { 0 };
	char *call, *caller;

	pass(ev);
	if (open_session(c, ev, &call, &s) == -1)
		return;
	t.cfg = c;
	t.ev = ev;
	t.s = &s;
	t.t_ms = ev_int(ev, "t_ms");
	if (s.found && s.outcome[0] != '\0') {
		/* A finished call's id again: a new call. */
		va_log(VA_INFO, "call_reused", "call %s: already %s; starting"
		    " a new session", call, s.outcome);
		va_session_free(&s);
		if (va_session_reset(c->st, call) == -1 ||
		    va_session_load(c->st, call, &s) == -1) {
			va_store_rollback(c->st);
			va_session_free(&s);
			va_emit_error(ev, "store", "cannot reset the session");
			free(call);
			return;
		}
	}
	if (s.found) {
		/* The same call again: a restarted pipeline resumes. */
		va_log(VA_INFO, "resume", "call %s: resuming in state %s",
		    call, s.state);
	} else {
		s.t_start_ms = t.t_ms;
		s.t_last_ms = t.t_ms;
		snprintf(s.state, sizeof(s.state), "%s", va_flow_start(c->flow));
		snprintf(s.consent, sizeof(s.consent), "disclosed");
		if ((caller = va_event_str(ev, "caller")) != NULL) {
			json_t *v = json_string(caller);

			slot_set(&s, "phone", NULL, v);
			slot_confirm(&s, "phone");
			json_decref(v);
			free(caller);
		}
		reply(&t, va_flow_greeting(c->flow), NULL, NULL, NULL, 0);
	}
	close_session(c, ev, &s);
	free(call);
}

static void
on_call_end(struct cfg *c, const struct va_event *ev)
{
	struct va_session s;
	struct turn t = { 0 };
	char *call;

	pass(ev);
	if (open_session(c, ev, &call, &s) == -1)
		return;
	t.cfg = c;
	t.ev = ev;
	t.s = &s;
	t.t_ms = ev_int(ev, "t_ms");
	if (!s.found)
		s.t_start_ms = t.t_ms;
	if (s.outcome[0] == '\0')
		end_call(&t, s.resolved ? "contained" : "abandoned", "hangup");
	else
		s.duration_ms = t.t_ms - s.t_start_ms;
	s.ended_at = va_clock_ms();
	close_session(c, ev, &s);
	free(call);
}

/* A tool's result that came through the stream: keep it for the turn. */
static void
on_result(struct cfg *c, const struct va_event *ev)
{
	struct va_result_rec r = { 0 };
	char *call, *key;
	json_t *data;

	pass(ev);
	call = va_event_str(ev, "call");
	key = va_event_str(ev, "key");
	if (call != NULL && key != NULL) {
		r.tool = va_event_str(ev, "tool");
		r.op = va_event_str(ev, "op");
		r.ok = va_event_bool(ev, "ok", 0);
		r.status = va_event_str(ev, "status");
		r.say = va_event_str(ev, "say");
		if ((data = va_event_json(ev, "data")) != NULL) {
			r.data = json_dumps(data, JSON_COMPACT |
			    JSON_ENCODE_ANY);
			json_decref(data);
		}
		if (va_callstate_put_result(c->st, call, key, &r) == -1)
			va_emit_error(ev, "store", "cannot record the result");
		va_result_rec_free(&r);
	}
	free(call);
	free(key);
}

static void
on_intent(struct cfg *c, const struct va_event *ev)
{
	struct va_session s;
	struct turn t = { 0 };
	char *call;
	int64_t turn;
	int tool_handoff;

	pass(ev);
	if (open_session(c, ev, &call, &s) == -1)
		return;
	t.cfg = c;
	t.ev = ev;
	t.s = &s;
	t.t_ms = ev_int(ev, "t_ms");
	turn = ev_int(ev, "turn");
	if (s.outcome[0] != '\0') {
		va_log(VA_DEBUG, "after_end", "call %s: turn %lld after the"
		    " call was %s", call, (long long)turn, s.outcome);
		/* Nothing is expected any more; say so, or va-asr waits. */
		va_callstate_set_expect(c->st, call, turn, NULL);
		close_session(c, ev, &s);
		free(call);
		return;
	}
	if (!s.found) {
		s.t_start_ms = t.t_ms;
		snprintf(s.state, sizeof(s.state), "%s", va_flow_start(c->flow));
	}
	t.text = va_event_str(ev, "text");
	t.intent = va_event_str(ev, "intent");
	if (va_event_num(ev, "confidence", &t.conf) == -1)
		t.conf = t.intent != NULL ? 1 : 0;
	if (va_event_num(ev, "asr_confidence", &t.asr_conf) == -1)
		t.asr_conf = 1;
	if (va_event_bool(ev, "oos", 0)) {
		free(t.intent);
		t.intent = strdup("oos");
	}
	t.entities = va_event_json(ev, "entities");
	if (!json_is_array(t.entities)) {
		json_decref(t.entities);
		t.entities = json_array();
	}
	s.turns++;
	s.t_last_ms = t.t_ms;
	if (streq(s.consent, "disclosed"))
		snprintf(s.consent, sizeof(s.consent), "continued");
	va_session_add_turn(c->st, call, "caller", t.text, t.intent, t.conf,
	    t.t_ms);
	tool_handoff = check_pending(&t);
	if (tool_handoff)
		handoff(&t, "tool_handoff");
	else if (!escalate(&t))
		dispatch(&t);
	if (va_callstate_set_expect(c->st, call, turn, t.expect) == -1)
		va_emit_error(ev, "store", "cannot record the expectation");
	close_session(c, ev, &s);
	free(t.text);
	free(t.intent);
	json_decref(t.entities);
	free(call);
}

static int
handle(const struct va_event *ev, void *arg)
{
	struct cfg *c = arg;

	if (va_event_is(ev, "intent"))
		on_intent(c, ev);
	else if (va_event_is(ev, "call_start"))
		on_call_start(c, ev);
	else if (va_event_is(ev, "call_end"))
		on_call_end(c, ev);
	else if (va_event_is(ev, "result"))
		on_result(c, ev);
	return 0;
}

/* ---- subcommands and main ---- */

static void
print_json(const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

	if (s != NULL) {
		va_out_puts(s);
		va_out_putc('\n');
		free(s);
	}
}

static int
cmd_kb(struct cfg *c, int argc, char **argv)
{
	struct va_kb_hit hits[5];
	json_t *o;
	int n, i;

	if (argc == 2 && streq(argv[0], "index")) {
		if ((n = va_kb_index(c->st, argv[1])) == -1)
			return 66;
		va_log(VA_INFO, "kb_indexed", "%d passages from %s", n,
		    argv[1]);
		return 0;
	}
	if (argc == 2 && streq(argv[0], "query")) {
		if ((n = va_kb_query(c->st, argv[1], c->stop_words, hits,
		    5)) == -1)
			return 75;
		for (i = 0; i < n; i++) {
			o = json_pack("{s:s, s:s, s:s, s:s, s:b}",
			    "doc", hits[i].doc, "title", hits[i].title,
			    "text", hits[i].text, "score", "",
			    "answers", va_kb_answers(&hits[i], c->kb_score,
			    c->kb_cover));
			{
				char sc[32], cv[32];

				snprintf(sc, sizeof(sc), "%.2f", hits[i].score);
				snprintf(cv, sizeof(cv), "%.2f", hits[i].cover);
				json_object_set_new(o, "score",
				    json_string(sc));
				json_object_set_new(o, "cover",
				    json_string(cv));
			}
			print_json(o);
			json_decref(o);
			va_kb_hit_free(&hits[i]);
		}
		return n > 0 ? 0 : 1;
	}
	va_log(VA_ERROR, "usage", "usage: va-route kb index DIR | kb query"
	    " TEXT");
	return 64;
}

static int
cmd_sessions(struct cfg *c, const char *call)
{
	json_t *list, *v, *tr;
	size_t i;

	if ((list = va_session_list(c->st, call, 0)) == NULL)
		return 75;
	if (call != NULL && json_array_size(list) == 0) {
		va_log(VA_ERROR, "no_session", "no session for call %s", call);
		json_decref(list);
		return 66;
	}
	json_array_foreach(list, i, v) {
		if (call != NULL) {
			tr = va_session_transcript(c->st, call);
			json_object_set_new(v, "transcript", tr);
		}
		print_json(v);
	}
	json_decref(list);
	return 0;
}

static int
has_template(const char *id, void *arg)
{
	return va_template_has(arg, id);
}

/* The file named by option opt, or the shipped one. */
static char *
data_file(const char *opt, const char *shipped)
{
	const char *v = va_conf_str(&conf, opt);

	return v != NULL ? strdup(v) : va_data_path(shipped);
}

static void
setup(struct cfg *c, int need_tmpl, int need_flow)
{
	char *path, name[128];
	const char **n;

	memset(c, 0, sizeof(*c));
	c->min_conf = parse_real("min-confidence");
	c->min_asr_conf = parse_real("min-asr-confidence");
	c->kb_score = parse_real("kb-min-score");
	c->kb_cover = parse_real("kb-min-cover");
	c->low_turns = va_conf_int(&conf, "low-turns");
	c->reprompts = va_conf_int(&conf, "reprompts");
	c->request_person = va_conf_int(&conf, "request-person");
	c->refund_limit = va_conf_int(&conf, "refund-limit");
	c->auto_refund = va_conf_bool(&conf, "auto-refund");
	c->negative_turns = va_conf_int(&conf, "negative-turns");
	c->repeat_turns = va_conf_int(&conf, "repeat-turns");
	c->max_call_ms = va_conf_int(&conf, "max-call-ms");
	c->backend_down = va_conf_int(&conf, "backend-down");
	c->wait_result = va_conf_int(&conf, "wait-result");

	if (!need_tmpl)
		goto store;
	snprintf(name, sizeof(name), "route/locale/%s.json",
	    va_conf_str(&conf, "locale"));
	if ((path = data_file("templates", name)) == NULL)
		exit(78);
	c->tmpl = va_template_load(path, va_conf_str(&conf, "brand"),
	    va_conf_str(&conf, "tone"));
	free(path);
	if (c->tmpl == NULL)
		exit(78);
	c->stop_words = va_template_words(c->tmpl, "stop");
	c->restricted_intents = word_list(va_conf_str(&conf,
	    "restricted-intents"), NULL);
	c->restricted_words = word_list(va_conf_str(&conf,
	    "restricted-words"), va_template_words(c->tmpl, "restricted"));
	c->negative_words = word_list(va_conf_str(&conf, "negative-words"),
	    va_template_words(c->tmpl, "negative"));
	if (need_flow) {
		for (n = (const char **)(uintptr_t)needed; *n != NULL; n++)
			if (!va_template_has(c->tmpl, *n)) {
				va_log(VA_ERROR, "template_missing",
				    "the locale lacks template \"%s\"", *n);
				exit(78);
			}
		if ((path = data_file("flow", "route/flow.json")) == NULL)
			exit(78);
		c->flow = va_flow_load(path, has_template, c->tmpl);
		free(path);
		if (c->flow == NULL)
			exit(78);
	}
store:
	if ((c->st = va_store_open(va_conf_str(&conf, "db"))) == NULL)
		exit(73);
	if (va_session_init(c->st) == -1 || va_callstate_init(c->st) == -1 ||
	    va_kb_init(c->st) == -1)
		exit(75);
}

static void
cleanup(struct cfg *c)
{
	va_flow_free(c->flow);
	va_template_free(c->tmpl);
	json_decref(c->restricted_intents);
	json_decref(c->restricted_words);
	json_decref(c->negative_words);
	va_store_close(c->st);
	free((char *)(uintptr_t)c->kb_dir);
}

int
main(int argc, char **argv)
{
	static const char *const types[] = { "intent", "call_start",
		"call_end", "result", NULL };
	struct va_filter f = { 0 };
	struct cfg c;
	char *dir;
	int first, status;

	first = va_conf_parse(&conf, argc, argv);
	argc -= first;
	argv += first;
	if (argc > 0 && !streq(argv[0], "kb") && !streq(argv[0], "sessions") &&
	    !streq(argv[0], "show"))
		va_die(64, "usage", "unknown command %s (see va-route --help)",
		    argv[0]);
	if ((argc > 0 && streq(argv[0], "sessions") && argc != 1) ||
	    (argc > 0 && streq(argv[0], "show") && argc != 2))
		va_die(64, "usage", "usage: va-route sessions | show CALL");
	/* People's subcommands need no flow; only a query needs stop words. */
	setup(&c, argc == 0 || (argc > 1 && streq(argv[1], "query")),
	    argc == 0);
	if (argc > 0 && streq(argv[0], "kb"))
		status = cmd_kb(&c, argc - 1, argv + 1);
	else if (argc > 0)
		status = cmd_sessions(&c, argc == 2 ? argv[1] : NULL);
	else {
		/* The knowledge base follows its folder: reindex if changed. */
		if ((dir = data_file("kb", "route/kb")) == NULL ||
		    va_kb_sync(c.st, dir) == -1) {
			free(dir);
			cleanup(&c);
			return 78;
		}
		c.kb_dir = dir;
		f.types = types;
		f.handle = handle;
		f.arg = &c;
		f.strict = conf.strict;
		status = va_filter_run(&f);
	}
	va_out_flush();
	cleanup(&c);
	return status;
}
