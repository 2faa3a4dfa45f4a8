/*
 * store.h - the sqlite store, the only file that includes sqlite3.h.
 *
 * One database file holds sessions, caches and outboxes of every program.
 * va_store_open() creates it with mode 0600 (whatever the umask), turns on
 * WAL and a busy timeout (VA_DB_BUSY_MS, default 5000), and foreign keys.
 * Each component migrates its own tables with va_store_migrate(): versions
 * are kept per component in table va_schema, and each migration runs in one
 * IMMEDIATE transaction, so several pipelines opening the same file at once
 * apply it exactly once. Writers use va_store_begin() (BEGIN IMMEDIATE) so
 * that a busy database waits instead of failing in the middle.
 *
 * Errors: functions return -1 (or NULL) and log diag "store_error", or
 * "store_locked" when the database stayed busy past the timeout; the
 * caller decides (an error event, or an exit 75 from cmd/).
 * Ownership: text and blobs returned by va_stmt_text()/va_stmt_blob() are
 * borrowed and valid until the next step, reset or finalize.
 */
#ifndef VA_STORE_H
#define VA_STORE_H

#include <stddef.h>
#include <stdint.h>

struct va_store;
struct va_stmt;

struct va_migration {
	int	version;	/* 1, 2, ... in order */
	const char *sql;	/* one or more statements */
};

/* Open or create the database at path; NULL on failure (logged). */
struct va_store *va_store_open(const char *path);
void	va_store_close(struct va_store *);
const char *va_store_path(const struct va_store *);

/* Apply the component's migrations above its recorded version; 0 or -1. */
int	va_store_migrate(struct va_store *, const char *component,
	    const struct va_migration *, size_t n);
/* The component's schema version (0 if none), -1 on error (logged). */
int	va_store_version(struct va_store *, const char *component);

/* Run one or more statements without results; 0 or -1. */
int	va_store_exec(struct va_store *, const char *sql);

/*
 * Transactions; begin is IMMEDIATE (takes the write lock). 0 or -1.
 * A failed commit rolls back; rollback without a transaction returns 0.
 */
int	va_store_begin(struct va_store *);
int	va_store_commit(struct va_store *);
int	va_store_rollback(struct va_store *);

/* Prepared statements; NULL on a bad statement or more than one (logged). */
struct va_stmt *va_store_prepare(struct va_store *, const char *sql);
/* Bind by 1-based index; text and blobs are copied. 0 or -1. */
int	va_stmt_bind_text(struct va_stmt *, int idx, const char *);	/* NULL binds NULL */
int	va_stmt_bind_int(struct va_stmt *, int idx, int64_t);
int	va_stmt_bind_blob(struct va_stmt *, int idx, const void *, size_t);
int	va_stmt_bind_null(struct va_stmt *, int idx);
/* 1 when a row is ready, 0 when done, -1 on error (logged). */
int	va_stmt_step(struct va_stmt *);
/* Columns of the current row, 0-based. */
const char *va_stmt_text(struct va_stmt *, int col);	/* NULL for NULL */
int64_t	va_stmt_int(struct va_stmt *, int col);
/* A blob and its length; NULL for NULL or an empty blob (*len 0). */
const void *va_stmt_blob(struct va_stmt *, int col, size_t *len);
int	va_stmt_is_null(struct va_stmt *, int col);
int	va_stmt_reset(struct va_stmt *);	/* also clears bindings */
/* NULL-safe, and allowed after va_store_close() (the only call that is). */
void	va_stmt_finalize(struct va_stmt *);

/* Rows changed by the last statement, and the last inserted rowid. */
int64_t	va_store_changes(struct va_store *);
int64_t	va_store_last_rowid(struct va_store *);

#endif
