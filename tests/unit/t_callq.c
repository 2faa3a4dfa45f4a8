/*
 * t_callq.c - unit tests for lib/callq.c, the per-call hold queues: order
 * within a call, independence across calls, an answer that comes at once
 * (from within a step), drop, free, the call without an id, and many
 * calls at once (chains in one bucket).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callq.h"
#include "tap.h"

struct it {
	char	 name[16];
	int	 wait;		/* waits for an answer */
	int	 answered;
	int	 sync;		/* answered at once, from within step */
	struct va_callq_call *q;
};

static char out[4096];		/* names of the items written, in order */
static int released, steps, written;

static int
step(void *arg, void *ctx)
{
	struct it *it = arg;

	steps++;
	if (it->sync && !it->answered) {
		/* The lookup answers before it returns, as a cache hit does. */
		it->answered = 1;
		va_callq_advance(it->q);
	}
	if (it->wait && !it->answered)
		return 0;
	written++;
	snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s",
	    out[0] ? " " : "", it->name);
	return 1;
}

static void
release(void *arg, void *ctx)
{
	released++;
	free(arg);
}

static struct it *
push(struct va_callq *t, const char *call, const char *name, int wait)
{
	struct it *it = calloc(1, sizeof(*it));

	snprintf(it->name, sizeof(it->name), "%s", name);
	it->wait = wait;
	it->q = va_callq_get(t, call);
	if (it->q == NULL || va_callq_push(it->q, it) == -1)
		printf("# push %s failed\n", name);
	return it;
}

static void
answer(struct it *it)
{
	it->answered = 1;
	va_callq_advance(it->q);
}

static void
reset(void)
{
	out[0] = '\0';
	released = steps = written = 0;
}

static void
order_within_a_call(void)
{
	struct va_callq *t = va_callq_new(step, release, NULL);
	struct it *a1, *a3;

	reset();
	ok(t != NULL, "new table");
	is_int(va_callq_count(t), 0, "empty table: no calls");
	ok(va_callq_find(t, "a") == NULL, "no queue for an unknown call");
	a1 = push(t, "a", "a1", 1);
	is_str(out, "", "a waiting head holds itself");
	is_int(va_callq_count(t), 1, "one call holds events");
	ok(va_callq_find(t, "a") == a1->q, "find gives the call's queue");
	is_str(va_callq_id(a1->q), "a", "the queue knows its call id");
	push(t, "a", "a2", 0);
	a3 = push(t, "a", "a3", 1);
	push(t, "a", "a4", 0);
	is_str(out, "", "later events wait behind the head, even plain ones");
	is_int(released, 0, "nothing released while held");
	answer(a1);
	is_str(out, "a1 a2", "answered head goes out, then up to the next wait");
	ok(va_callq_find(t, "a") == a3->q, "the call still holds a3");
	answer(a3);
	is_str(out, "a1 a2 a3 a4", "all of the call, in input order");
	is_int(released, 4, "each item released once");
	is_int(va_callq_count(t), 0, "an emptied call is dropped");
	ok(va_callq_find(t, "a") == NULL, "find: no queue once drained");
	va_callq_free(t);
}

static void
independent_calls(void)
{
	struct va_callq *t = va_callq_new(step, release, NULL);
	struct it *a1, *b1;

	reset();
	a1 = push(t, "a", "a1", 1);
	b1 = push(t, "b", "b1", 1);
	push(t, "a", "a2", 0);
	push(t, "b", "b2", 0);
	push(t, "c", "c1", 0);
	is_str(out, "c1", "a call holding nothing is not held by others");
	is_int(va_callq_count(t), 2, "two calls hold events");
	answer(b1);
	is_str(out, "c1 b1 b2", "b answered first goes out first");
	ok(va_callq_find(t, "a") != NULL, "a is still held");
	is_int(va_callq_count(t), 1, "one call holds events");
	answer(a1);
	is_str(out, "c1 b1 b2 a1 a2", "then a, in its own order");
	is_int(va_callq_count(t), 0, "no calls left");
	is_int(released, 5, "each item released once");
	va_callq_free(t);
}

static void
answer_at_once(void)
{
	struct va_callq *t = va_callq_new(step, release, NULL);
	struct it *it;
	struct va_callq_call *q;

	reset();
	/* An item answered from within its own step: no recursion. */
	q = va_callq_get(t, "s");
	it = calloc(1, sizeof(*it));
	snprintf(it->name, sizeof(it->name), "s1");
	it->wait = it->sync = 1;
	it->q = q;
	ok(va_callq_push(q, it) == 0, "push");
	is_str(out, "s1", "an answer during the step goes out at once");
	is_int(steps, 1, "stepped once, not re-entered");
	is_int(va_callq_count(t), 0, "and the call is dropped");
	va_callq_free(t);
}

static void
drop_and_free(void)
{
	struct va_callq *t = va_callq_new(step, release, NULL);

	reset();
	push(t, "a", "a1", 1);
	push(t, "a", "a2", 0);
	push(t, "b", "b1", 1);
	va_callq_drop(va_callq_find(t, "a"));
	is_int(released, 2, "drop releases the call's items");
	is_str(out, "", "without writing them");
	ok(va_callq_find(t, "a") == NULL, "the dropped call is gone");
	ok(va_callq_find(t, "b") != NULL, "other calls stay");
	is_int(va_callq_count(t), 1, "count after a drop");
	push(t, "a", "a3", 0);
	is_str(out, "a3", "a dropped call starts afresh");
	va_callq_free(t);
	is_int(released, 4, "free releases what is still held");
}

static void
no_call_id(void)
{
	struct va_callq *t = va_callq_new(step, NULL, NULL);
	struct it *x;

	reset();
	x = push(t, NULL, "x1", 1);
	ok(va_callq_find(t, "") == x->q, "NULL call id is the empty id");
	is_str(va_callq_id(x->q), "", "its id is \"\"");
	answer(x);
	is_str(out, "x1", "answered");
	free(x);	/* no release callback: the caller owns items */
	va_callq_free(t);
}

static void
many_calls(void)
{
	struct va_callq *t = va_callq_new(step, release, NULL);
	static struct it *heads[5000];
	char call[32];
	int i, found = 0, missing = 0;

	reset();
	for (i = 0; i < 5000; i++) {
		snprintf(call, sizeof(call), "call-%d", i);
		heads[i] = push(t, call, "h", 1);
		push(t, call, "t", 0);
	}
	is_int(va_callq_count(t), 5000, "5000 calls held (more than buckets)");
	for (i = 0; i < 5000; i++) {
		snprintf(call, sizeof(call), "call-%d", i);
		found += va_callq_find(t, call) == heads[i]->q;
	}
	is_int(found, 5000, "each call finds its own queue");
	for (i = 4999; i >= 0; i -= 2)
		answer(heads[i]);
	is_int(va_callq_count(t), 2500, "answering half drops half");
	for (i = 0; i < 5000; i++) {
		snprintf(call, sizeof(call), "call-%d", i);
		missing += (va_callq_find(t, call) == NULL) != (i % 2 == 1);
	}
	is_int(missing, 0, "exactly the answered calls are gone");
	is_int(written, 5000, "their 5000 items written");
	va_callq_free(t);
	is_int(released, 10000, "every item released once");
}

int
main(void)
{
	order_within_a_call();
	independent_calls();
	answer_at_once();
	drop_and_free();
	no_call_id();
	many_calls();
	return tap_done();
}
