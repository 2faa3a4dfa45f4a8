/*
 * callq.c - per-call queues of held events (see callq.h).
 *
 * A fixed table of buckets, chained, by a hash of the call id; each call's
 * queue is a singly linked list with a tail pointer. Only calls that hold
 * something are in the table, so it stays as small as the calls waiting.
 */
#include <stdlib.h>
#include <string.h>

#include "callq.h"
#include "hash.h"

#define QBUCKETS	1024

struct node {
	void	*item;
	struct node *next;
};

struct va_callq_call {
	char	*call;
	struct node *head, *tail;
	int	 busy;		/* being stepped */
	struct va_callq *t;
	struct va_callq_call *next;
};

struct va_callq {
	int	(*step)(void *, void *);
	void	(*release)(void *, void *);
	void	*arg;
	int	 n;
	struct va_callq_call *b[QBUCKETS];
};

static const char *
id(const char *call)
{
	return call != NULL ? call : "";
}

struct va_callq *
va_callq_new(int (*step)(void *, void *), void (*release)(void *, void *),
    void *arg)
{
	struct va_callq *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->step = step;
	t->release = release;
	t->arg = arg;
	return t;
}

void
va_callq_free(struct va_callq *t)
{
	int i;

	if (t == NULL)
		return;
	for (i = 0; i < QBUCKETS; i++)
		while (t->b[i] != NULL)
			va_callq_drop(t->b[i]);
	free(t);
}

struct va_callq_call *
va_callq_find(struct va_callq *t, const char *call)
{
	struct va_callq_call *q;

	call = id(call);
	for (q = t->b[va_hash_str(call) % QBUCKETS]; q != NULL; q = q->next)
		if (strcmp(q->call, call) == 0)
			return q;
	return NULL;
}

struct va_callq_call *
va_callq_get(struct va_callq *t, const char *call)
{
	struct va_callq_call *q;
	unsigned h;

	if ((q = va_callq_find(t, call)) != NULL)
		return q;
	call = id(call);
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	if ((q->call = strdup(call)) == NULL) {
		free(q);
		return NULL;
	}
	h = va_hash_str(call) % QBUCKETS;
	q->t = t;
	q->next = t->b[h];
	t->b[h] = q;
	t->n++;
	return q;
}

/* Take q out of its table and free it (its items are gone already). */
static void
unlink_call(struct va_callq_call *q)
{
	struct va_callq_call **p;
	struct va_callq *t = q->t;

	for (p = &t->b[va_hash_str(q->call) % QBUCKETS]; *p != NULL;
	    p = &(*p)->next)
		if (*p == q) {
			*p = q->next;
			break;
		}
	t->n--;
	free(q->call);
	free(q);
}

int
va_callq_push(struct va_callq_call *q, void *item)
{
	struct node *nd;

	if ((nd = calloc(1, sizeof(*nd))) == NULL)
		return -1;
	nd->item = item;
	if (q->head != NULL)
		q->tail->next = nd;
	else
		q->head = nd;
	q->tail = nd;
	if (q->head == nd)
		va_callq_advance(q);
	return 0;
}

void
va_callq_advance(struct va_callq_call *q)
{
	struct va_callq *t = q->t;
	struct node *nd;

	if (q->busy)
		return;
	q->busy = 1;
	while ((nd = q->head) != NULL) {
		if (!t->step(nd->item, t->arg))
			break;
		q->head = nd->next;
		if (t->release != NULL)
			t->release(nd->item, t->arg);
		free(nd);
	}
	q->busy = 0;
	if (q->head == NULL)
		unlink_call(q);
}

void
va_callq_drop(struct va_callq_call *q)
{
	struct va_callq *t = q->t;
	struct node *nd;

	while ((nd = q->head) != NULL) {
		q->head = nd->next;
		if (t->release != NULL)
			t->release(nd->item, t->arg);
		free(nd);
	}
	unlink_call(q);
}

int
va_callq_count(const struct va_callq *t)
{
	return t->n;
}

const char *
va_callq_id(const struct va_callq_call *q)
{
	return q->call;
}
