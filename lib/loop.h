/*
 * loop.h - the one filter loop every program streams with.
 *
 * va_filter_run() reads events from standard input and:
 *  - passes events whose type the program does not handle through byte for
 *    byte (the raw line, never re-encoded), in order;
 *  - calls the handler for the types it handles; the handler writes its
 *    output with va_emit_*() and reports per-event failures in band with
 *    va_emit_error();
 *  - drops a line that is not a JSON object with a string "type", logging
 *    diag "bad_line" with the line number, and remembers exit status 65 for
 *    the end of input (with strict set, it stops at once with 65); a line
 *    longer than max_line is such a bad line ("line_too_long"); blank lines
 *    are skipped silently;
 *  - flushes output whenever it is about to wait for input;
 *  - stops quietly with 0 when the reader closes the pipe, and on SIGINT or
 *    SIGTERM finishes the current event, flushes and returns 0.
 */
#ifndef VA_LOOP_H
#define VA_LOOP_H

#include <poll.h>
#include <stddef.h>

#include "event.h"

struct va_filter {
	/* Types handled (NULL-terminated); NULL handles every type. */
	const char *const *types;
	/*
	 * Called per handled event. Returns 0 to go on, or a sysexits
	 * status (> 0) to stop the program with it after flushing.
	 */
	int	(*handle)(const struct va_event *, void *arg);
	/* Called once at end of input (may be NULL); same return rule. */
	int	(*finish)(void *arg);
	void	*arg;
	size_t	max_line;	/* 0: VA_MAX_LINE or 1 MiB */
	int	strict;
	int	fd;		/* input descriptor; 0 for stdin */
};

/* Run the loop; returns the exit status for main. */
int	va_filter_run(const struct va_filter *);

/* Non-zero once SIGINT or SIGTERM arrived (handlers may poll it). */
int	va_stop_requested(void);
/* Install the SIGINT/SIGTERM handlers (va_filter_run does it too). */
void	va_signals_init(void);
/*
 * poll(2) that cannot sleep through a stop. Checking va_stop_requested()
 * and then blocking leaves a window where the signal is missed until
 * something else wakes the wait; this closes it: SIGINT and SIGTERM are
 * blocked while the flag is checked and let in only during the wait
 * (ppoll(2)), even when the caller keeps them blocked otherwise. Returns
 * as poll(2) does; -1 with errno EINTR when a stop is requested, at once
 * when one already was. Use it where a loop waits for its input; a wait
 * that must go on after a stop (draining transfers) is a plain poll(2).
 */
int	va_signals_poll(struct pollfd *, nfds_t, int timeout_ms);

/*
 * Lines read and bad lines seen so far by the current (or last)
 * va_filter_run(), for diagnostics and tests.
 */
long	va_filter_lines(void);
long	va_filter_bad_lines(void);

#endif
