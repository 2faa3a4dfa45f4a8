/*
 * t_route_store.c - va-route's modules over a real store: sessions
 * (round trip, transcript, reset, list), the knowledge base (passages,
 * ranking, the answer threshold, reindexing) and flows (checks, routing).
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flow.h"
#include "kb.h"
#include "log.h"
#include "session.h"
#include "store.h"
#include "tap.h"

static void
put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
}

static void
sessions(struct va_store *st)
{
	struct va_session s;
	json_t *tr, *in, *list;

	is_int(va_session_load(st, "c1", &s), 0, "a new call has no session");
	ok(json_object_size(s.slots) == 0 && json_array_size(s.pending) == 0,
	    "blank session");
	snprintf(s.state, sizeof(s.state), "order_status");
	snprintf(s.await, sizeof(s.await), "confirm_slot:order_number");
	s.turns = 2;
	s.low_run = 1;
	s.t_start_ms = 100;
	json_object_set_new(s.slots, "order_number",
	    json_pack("{s:s, s:b}", "value", "10234", "confirmed", 0));
	json_array_append_new(s.pending, json_pack("{s:s}", "key", "c1:order"));
	s.last_reply = strdup("Is that right?");
	is_int(va_session_save(st, &s), 0, "save");
	va_session_free(&s);

	is_int(va_session_load(st, "c1", &s), 1, "found again");
	is_str(s.state, "order_status", "state kept");
	is_str(s.await, "confirm_slot:order_number", "await kept");
	is_int(s.turns, 2, "turns kept");
	is_int(s.low_run, 1, "low-confidence run kept");
	is_str(json_string_value(json_object_get(json_object_get(s.slots,
	    "order_number"), "value")), "10234", "slots kept");
	is_int(json_array_size(s.pending), 1, "pending actions kept");
	is_str(s.last_reply, "Is that right?", "last reply kept");
	ok(s.outcome[0] == '\0', "no outcome yet");
	snprintf(s.outcome, sizeof(s.outcome), "transferred");
	snprintf(s.reason, sizeof(s.reason), "frustration");
	s.duration_ms = 9000;
	is_int(va_session_save(st, &s), 0, "save the outcome");
	va_session_free(&s);

	is_int(va_session_add_turn(st, "c1", "assistant", "Hello", NULL, -1,
	    0), 0, "assistant turn");
	is_int(va_session_add_turn(st, "c1", "caller", "order 10234",
	    "order_status", 0.91, 4000), 0, "caller turn");
	va_session_add_turn(st, "c1", "caller", "mmh", "tracking", 0.2, 8000);
	va_session_add_turn(st, "c2", "caller", "other call", "yes", 1, 1);
	tr = va_session_transcript(st, "c1");
	is_int(json_array_size(tr), 3, "transcript of one call");
	is_str(json_string_value(json_object_get(json_array_get(tr, 1),
	    "text")), "order 10234", "in order");
	json_decref(tr);
	in = va_session_intents(st, "c1", 0.5);
	is_int(json_array_size(in), 1, "intents above the confidence");
	json_decref(in);
	in = va_session_intents(st, "c1", 0);
	is_int(json_array_size(in), 2, "every intent");
	json_decref(in);

	list = va_session_list(st, "c1", 0);
	is_str(json_string_value(json_object_get(json_array_get(list, 0),
	    "outcome")), "transferred", "listed outcome");
	is_int(json_integer_value(json_object_get(json_array_get(list, 0),
	    "duration_ms")), 9000, "listed duration");
	json_decref(list);

	is_int(va_session_reset(st, "c1"), 0, "reset");
	is_int(va_session_load(st, "c1", &s), 0, "gone after reset");
	va_session_free(&s);
	tr = va_session_transcript(st, "c1");
	is_int(json_array_size(tr), 0, "transcript gone");
	json_decref(tr);
}

static void
knowledge(struct va_store *st, const char *dir)
{
	struct va_kb_hit h[4];
	char kb[512], file[600];
	json_t *stop;
	int n, i;

	snprintf(kb, sizeof(kb), "%s/kb", dir);
	mkdir(kb, 0700);
	snprintf(file, sizeof(file), "%s/ship.md", kb);
	put(file, "# Shipping\n\n## Countries\n\nWe ship to **Canada** and"
	    " the [United States](https://example.com).\n\n## Costs\n\n"
	    "Delivery costs:\n\n- 5 dollars standard\n- 12 dollars express\n");
	snprintf(file, sizeof(file), "%s/pay.md", kb);
	put(file, "# Payment\n\nWe take cards and PayPal.\n");
	snprintf(file, sizeof(file), "%s/notes.txt", kb);
	put(file, "# Not markdown\n\nIgnored bicycles.\n");
	stop = json_pack("[sss]", "do", "you", "to");

	is_int(va_kb_index(st, kb), 3, "three passages from two files");
	is_int(va_kb_sync(st, kb), 0, "up to date");
	n = va_kb_query(st, "do you ship to Canada", stop, h, 4);
	ok(n >= 1, "a hit");
	is_str(h[0].title, "Shipping: Countries", "title and section");
	is_str(h[0].text, "We ship to Canada and the United States.",
	    "markup removed");
	is_str(h[0].doc, "ship.md", "document");
	ok(h[0].cover == 1, "every word found");
	ok(va_kb_answers(&h[0], 0.5, 0.6), "answers");
	ok(!va_kb_answers(&h[0], 1000, 0.6), "not above a high score");
	for (i = 0; i < n; i++)
		va_kb_hit_free(&h[i]);
	n = va_kb_query(st, "express delivery costs", stop, h, 4);
	is_str(h[0].text, "Delivery costs: 5 dollars standard; 12 dollars"
	    " express.", "a list joins its paragraph");
	for (i = 0; i < n; i++)
		va_kb_hit_free(&h[i]);
	n = va_kb_query(st, "do you ship bicycles to Mars", stop, h, 4);
	ok(n >= 1 && h[0].cover < 0.5 && !va_kb_answers(&h[0], 0.5, 0.6),
	    "a partial match does not answer");
	for (i = 0; i < n; i++)
		va_kb_hit_free(&h[i]);
	is_int(va_kb_query(st, "bicycles", stop, h, 4), 0,
	    "only .md files are read");
	is_int(va_kb_query(st, "do you to", stop, h, 4), 0,
	    "only stop words: no query");
	/* A changed folder is indexed again. */
	snprintf(file, sizeof(file), "%s/bikes.md", kb);
	put(file, "# Bikes\n\nWe sell bicycles.\n");
	is_int(va_kb_sync(st, kb), 1, "reindexed after a change");
	n = va_kb_query(st, "bicycles", stop, h, 4);
	is_int(n, 1, "the new document is found");
	for (i = 0; i < n; i++)
		va_kb_hit_free(&h[i]);
	is_int(va_kb_index(st, "/nonexistent"), -1, "missing folder");
	json_decref(stop);
}

static int
has(const char *id, void *arg)
{
	return strcmp(id, "missing") != 0;
}

static void
flows(const char *dir)
{
	char path[512];
	struct va_flow *f;

	snprintf(path, sizeof(path), "%s/flow.json", dir);
	put(path, "{\"flow\":1,\"start\":\"main\",\"greeting\":\"hi\","
	    "\"fallback\":\"faq\",\"intents\":{\"order_status\":\"order\"},"
	    "\"states\":{\"main\":{\"say\":\"else\",\"on\":{\"no\":\"bye\"}},"
	    "\"order\":{\"slots\":[{\"name\":\"n\",\"entity\":\"order_number\","
	    "\"ask\":\"ask\",\"expect\":\"order_number\"}],"
	    "\"action\":{\"tool\":\"order\",\"op\":\"lookup\","
	    "\"purpose\":\"order\",\"params\":{\"number\":\"{n}\"}}},"
	    "\"faq\":{\"do\":\"kb\"},\"bye\":{\"say\":\"bye\",\"final\":true}}}");
	f = va_flow_load(path, has, NULL);
	ok(f != NULL, "a good flow loads");
	is_str(va_flow_start(f), "main", "start");
	is_str(va_flow_greeting(f), "hi", "greeting");
	is_str(va_flow_route(f, "main", "no"), "bye", "the state's own map");
	is_str(va_flow_route(f, "order", "no"), "faq", "fallback elsewhere");
	is_str(va_flow_route(f, "main", "order_status"), "order",
	    "the flow's map");
	is_str(va_flow_str(va_flow_state(f, "bye"), "say"), "bye", "a member");
	ok(va_flow_state(f, "nope") == NULL, "no such state");
	va_flow_free(f);

	put(path, "{\"flow\":1,\"start\":\"main\",\"greeting\":\"missing\","
	    "\"intents\":{},\"states\":{\"main\":{\"say\":1}}}");
	ok(va_flow_load(path, has, NULL) == NULL, "bad types and templates");
	put(path, "{\"flow\":1,\"start\":\"main\",\"greeting\":\"hi\","
	    "\"intents\":{},\"states\":{\"main\":{\"next\":\"gone\","
	    "\"expect\":\"shoe_size\"}}}");
	ok(va_flow_load(path, has, NULL) == NULL,
	    "unknown state and expectation");
	put(path, "{\"flow\":2}");
	ok(va_flow_load(path, has, NULL) == NULL, "unknown version");
	put(path, "{\"flow\":1,");
	ok(va_flow_load(path, has, NULL) == NULL, "not JSON");
	unlink(path);
}

int
main(void)
{
	char dir[] = "/tmp/t_route_store.XXXXXX", path[256], cmd[300];
	struct va_store *st;

	va_log_init("t_route_store");
	va_log_set_level(VA_ERROR + 0);
	va_log_set_mode(VA_LOG_BRIEF);
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/va.db", dir);
	st = va_store_open(path);
	ok(st != NULL, "store opens");
	is_int(va_session_init(st), 0, "session tables");
	is_int(va_kb_init(st), 0, "kb tables");
	is_int(va_session_init(st), 0, "init again is fine");
	sessions(st);
	knowledge(st, dir);
	flows(dir);
	va_store_close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return tap_done();
}
