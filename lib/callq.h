/*
 * callq.h - hold a call's events behind its pending lookup.
 *
 * A program that answers lookups concurrently (va-order -j, va-track -j)
 * must keep the order of each call's events while other calls go on: once
 * a call has an event waiting (a lookup in flight), its later events are
 * held in a queue of that call, and the queue is worked off from its head
 * as answers come in. The table knows calls by their id (a string; NULL
 * is the call without an id, ""), and nothing of what the held items are:
 * the program's step callback moves one item on.
 *
 *	t = va_callq_new(step, release, arg);
 *	if ((q = va_callq_find(t, call)) == NULL && !must_wait(ev))
 *		write(ev);			(nothing held: straight out)
 *	else {
 *		q = va_callq_get(t, call);	(the call's queue, made if new)
 *		item->q = q;
 *		va_callq_push(q, item);		(stepped at once if at the head)
 *	}
 *	...
 *	on_answer(item) { item->done = 1; va_callq_advance(item->q); }
 *
 * step(item, arg) is called for the item at the head of a queue. It
 * returns 1 when the item is finished (written out or answered): it is
 * then taken off and release(item, arg) is called (release may be NULL),
 * and the next item is stepped. It returns 0 when the item must wait
 * (its lookup is in flight): the queue stops there until
 * va_callq_advance() is called for it. A queue that runs empty is
 * dropped at once, so a va_callq_call pointer is valid only while the
 * call holds an item (an item that waits may keep one).
 */
#ifndef VA_CALLQ_H
#define VA_CALLQ_H

struct va_callq;
struct va_callq_call;

/* A new, empty table; NULL when out of memory. */
struct va_callq	*va_callq_new(int (*step)(void *item, void *arg),
		    void (*release)(void *item, void *arg), void *arg);
/* Free the table, releasing the items still held (without stepping). */
void		 va_callq_free(struct va_callq *);

/* The queue of call; NULL when the call holds nothing. */
struct va_callq_call *va_callq_find(struct va_callq *, const char *call);
/* The queue of call, made empty when it holds nothing; NULL: no memory. */
struct va_callq_call *va_callq_get(struct va_callq *, const char *call);

/*
 * Append item to the queue and, when it is the head, step it (and what
 * follows it). Returns 0, or -1 when out of memory (nothing appended;
 * an empty queue stays, to be filled or dropped).
 */
int		 va_callq_push(struct va_callq_call *, void *item);

/*
 * The lookup the head item waits for is answered: step the queue from
 * its head. Does nothing when the queue is being stepped already (an
 * answer that came at once, from within step). The queue may be dropped.
 */
void		 va_callq_advance(struct va_callq_call *);

/* Drop the call's queue, releasing its items unstepped. */
void		 va_callq_drop(struct va_callq_call *);

/* Calls holding items (or with a queue made by va_callq_get). */
int		 va_callq_count(const struct va_callq *);

/* The call id of a queue ("" for the call without an id). */
const char	*va_callq_id(const struct va_callq_call *);

#endif
