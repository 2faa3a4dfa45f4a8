/*
 * outbox.h - work that must not be lost: an sqlite outbox.
 *
 * When a backend cannot be reached (a ticket for a CRM that is down, a
 * tracking refresh after a 429), the work goes into table outbox(id, kind,
 * key, payload, state, attempts, next_at, lease_until, last_error,
 * created_at, done_at) and a later run (cron: va-ticket flush, va-track
 * --drain, va-pay --drain) delivers it. Guarantees:
 *  - one job per (kind, key): enqueueing the same key again is a no-op and
 *    returns the existing job, so a replayed pipeline adds nothing twice;
 *  - a job is claimed with a lease (lease_ms); a process killed with -9
 *    after claiming leaves the lease to run out, and the job is claimed
 *    again later: nothing is lost;
 *  - delivery that must not happen twice is the caller's part: it uses the
 *    job's key as the vendor's idempotency key or looks the key up first;
 *  - a failed attempt is retried after an exponential backoff (the n-th
 *    failure waits base_ms * 2^(n-1), at most max_ms); after max_attempts
 *    failures the job is dead (state "dead") and stays for a person to see,
 *    as it does at once when the vendor refused it for good (give_up);
 *  - done and fail only change a pending job, so a late report from a
 *    worker whose lease ran out cannot undo another worker's outcome.
 * States: "pending", "done", "dead". Clock: va_clock_ms().
 * Transactions: claim, fail, give_up and drain run their own IMMEDIATE
 * transactions and must not be called inside one; put, done, get and
 * count are single statements and may join the caller's transaction
 * (e.g. to record a delivery in the same commit as done).
 */
#ifndef VA_OUTBOX_H
#define VA_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct va_outbox_job {
	int64_t	id;
	char	*kind;
	char	*key;
	char	*payload;	/* JSON text */
	char	*state;
	int	attempts;
	int64_t	next_at;
	char	*last_error;
	int64_t	lease_until;	/* the lease a claim took (claim only, else 0) */
};

struct va_outbox_conf {
	int	max_attempts;	/* 0: 8 */
	int64_t	base_ms;	/* 0: 30000 */
	int64_t	max_ms;		/* 0: 3600000 */
	int64_t	lease_ms;	/* 0: 60000 */
};

/* Create the table; 0 or -1. */
int	va_outbox_init(struct va_store *);
/*
 * Add a job unless (kind, key) exists. Returns 1 when added, 0 when it
 * existed already, -1 on error; *id (may be NULL) gets the job's id.
 */
int	va_outbox_put(struct va_store *, const char *kind, const char *key,
	    const char *payload, int64_t *id);
/*
 * Claim the next pending job of kind (NULL: any) that is due and not
 * leased (the one due longest, then the oldest), leasing it for lease_ms.
 * Returns 1 and fills *job (free with va_outbox_job_free()), 0 when none
 * is due, -1 on error. conf may be NULL for the defaults.
 */
int	va_outbox_claim(struct va_store *, const char *kind,
	    const struct va_outbox_conf *, struct va_outbox_job *job);
/* The claimed job was delivered. 0 (also when not pending) or -1. */
int	va_outbox_done(struct va_store *, int64_t id);
/* The attempt failed: back off, or dead after max_attempts. 0 or -1. */
int	va_outbox_fail(struct va_store *, int64_t id, const char *error,
	    const struct va_outbox_conf *);
/*
 * The delivery failed for good (the vendor refused the request itself):
 * the job is dead at once, attempts counted, error kept. Only a pending
 * job changes. 0 or -1. Runs its own transaction, like fail.
 */
int	va_outbox_give_up(struct va_store *, int64_t id, const char *error);
/* Look a job up by kind and key; 1 found (fills *job), 0 not, -1 error. */
int	va_outbox_get(struct va_store *, const char *kind, const char *key,
	    struct va_outbox_job *job);
/* Count jobs of kind (NULL: any) in state (NULL: any); -1 on error. */
long	va_outbox_count(struct va_store *, const char *kind, const char *state);
void	va_outbox_job_free(struct va_outbox_job *);

/*
 * Working an outbox off (a cron run: va-pay --drain). The deliver
 * callback sends one claimed job, using its key as the vendor's
 * idempotency key, records whatever the delivery should leave behind,
 * and says what came of it; on failure it writes why into err (at most
 * errlen bytes, kept as last_error; never a secret).
 */
enum va_outbox_verdict {
	VA_OUTBOX_DELIVERED,	/* marked done */
	VA_OUTBOX_RETRY,	/* transient: back off, dead after max tries */
	VA_OUTBOX_GIVE_UP,	/* permanent: dead now */
	VA_OUTBOX_SKIP		/* another worker's: untouched, lease given back */
};

typedef enum va_outbox_verdict (*va_outbox_deliver_fn)(void *arg,
	    const struct va_outbox_job *job, char *err, size_t errlen);

struct va_outbox_tally {
	long	done;		/* delivered */
	long	failed;		/* not delivered: retried later, or dead */
	long	dead;		/* of those, dead now */
	long	skipped;	/* left to another worker */
};

/*
 * Claim due jobs of kind one by one and hand each to deliver, up to max
 * jobs (0: until none is due); the outcome goes to the outbox and *tally
 * (zeroed first). A job that fails is due again only after its backoff,
 * and dead after max_attempts, so the run ends. A job the callback skips
 * (another worker's) is handed over once per run: it stays leased until
 * the run ends, and then its lease is given back. Returns 0, or -1 on a
 * store error (the run stops; a job left leased is claimed again when its
 * lease runs out).
 */
int	va_outbox_drain(struct va_store *, const char *kind,
	    const struct va_outbox_conf *, long max, va_outbox_deliver_fn,
	    void *arg, struct va_outbox_tally *tally);

/*
 * Told once a job's outcome is in the outbox: the verdict, the error kept
 * (NULL when delivered or skipped) and whether the job is dead now. Not
 * called for a job whose outcome could not be recorded.
 */
typedef void (*va_outbox_report_fn)(void *arg,
	    const struct va_outbox_job *job, enum va_outbox_verdict,
	    const char *error, int dead);

/*
 * As va_outbox_drain(), and report (may be NULL) is called with arg after
 * each job's outcome is recorded, so what a caller says about a job comes
 * after what the outbox says about it (outbox_dead).
 */
int	va_outbox_drain_report(struct va_store *, const char *kind,
	    const struct va_outbox_conf *, long max, va_outbox_deliver_fn,
	    va_outbox_report_fn report, void *arg,
	    struct va_outbox_tally *tally);

#endif
