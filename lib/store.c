/*
 * store.c - the sqlite store: one WAL database file, per-component
 * migrations, IMMEDIATE transactions and prepared statements.
 * This is the only file that includes sqlite3.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "clock.h"
#include "log.h"
#include "store.h"

#define STORE_BUSY_MS	5000
#define STORE_RETRY_MS	10
#define STMT_CACHE	32	/* prepared statements kept per store */

/*
 * The first STMT_CACHE distinct statements a store prepares are kept
 * prepared: va_stmt_finalize() resets one instead of finalizing it, and
 * the next va_store_prepare() of the same text reuses it, so a program
 * that runs the same few statements per event does not parse them again
 * each time. A kept statement in use is handed out once at a time.
 */
struct kept {
	char	*sql;
	sqlite3_stmt *raw;
	struct va_stmt *user;	/* NULL when idle */
};

struct va_store {
	sqlite3	*db;
	char	*path;
	int	 busy_ms;
	struct kept kept[STMT_CACHE];
	int	 nkept;
};

struct va_stmt {
	sqlite3_stmt *st;
	struct va_store *s;
	struct kept *k;		/* kept by the store, or NULL */
};

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS va_schema ("
	" component TEXT PRIMARY KEY,"
	" version INTEGER NOT NULL)";

static int
is_busy(int rc)
{
	rc &= 0xff;
	return rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
}

/*
 * Log a failed call: "store_locked" when sqlite gave up waiting for a lock
 * (t0 is when the wait began, from va_mono_us()), "store_error" otherwise.
 * msg is sqlite's message, or NULL for the connection's last one.
 */
static int
store_fail(const struct va_store *s, int rc, int64_t t0, const char *what,
    const char *msg)
{
	if (is_busy(rc))
		va_log(VA_ERROR, "store_locked",
		    "database %s is locked (waited %lld ms)", s->path,
		    (long long)((va_mono_us() - t0) / 1000));
	else
		va_log(VA_ERROR, "store_error", "%s: %s: %s", s->path, what,
		    msg != NULL ? msg : sqlite3_errmsg(s->db));
	return -1;
}

static int
busy_ms_from_env(int *ms)
{
	const char *v;
	char *end;
	long l;

	*ms = STORE_BUSY_MS;
	if ((v = getenv("VA_DB_BUSY_MS")) == NULL || *v == '\0')
		return 0;
	errno = 0;
	l = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || l < 0 || l > INT_MAX)
		return -1;
	*ms = (int)l;
	return 0;
}

/* Create the file 0600 ourselves so that sqlite never creates it. */
static int
create_file(const char *path)
{
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1) {
		if (errno == EEXIST)
			return 0;
		va_log(VA_ERROR, "store_error", "%s: %s", path,
		    strerror(errno));
		return -1;
	}
	/* The umask may only have taken bits away; be exact anyway. */
	if (fchmod(fd, 0600) == -1) {
		va_log(VA_ERROR, "store_error", "%s: chmod: %s", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * sqlite creates -wal and -shm with the database's mode; make sure that
 * holds whatever the umask, so they are never more open than the database.
 */
static int
tighten_side_files(const char *path)
{
	static const char *const suffix[] = { "-wal", "-shm" };
	struct stat db, sb;
	char side[PATH_MAX];
	mode_t mode;
	size_t i;

	if (stat(path, &db) == -1)
		return 0;
	mode = db.st_mode & 0777;
	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		if (snprintf(side, sizeof(side), "%s%s", path, suffix[i]) >=
		    (int)sizeof(side))
			continue;
		if (stat(side, &sb) == -1 || (sb.st_mode & 0777 & ~mode) == 0)
			continue;
		if (chmod(side, mode) == -1) {
			va_log(VA_ERROR, "store_error", "%s: chmod: %s", side,
			    strerror(errno));
			return -1;
		}
	}
	return 0;
}

/*
 * Switching a fresh file to WAL needs an exclusive lock, and two openers
 * racing for it may be refused without sqlite calling the busy handler
 * (it would deadlock), so retry here for up to the busy timeout.
 * Attempts are counted rather than timed: the clock may be fixed.
 */
static int
set_wal(struct va_store *s)
{
	sqlite3_stmt *st;
	const char *mode;
	int64_t t0;
	int rc, tries;

	t0 = va_mono_us();
	for (tries = 0;; tries++) {
		rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1,
		    &st, NULL);
		if (rc == SQLITE_OK) {
			rc = sqlite3_step(st);
			if (rc == SQLITE_ROW) {
				mode = (const char *)sqlite3_column_text(st, 0);
				if (mode != NULL &&
				    sqlite3_stricmp(mode, "wal") == 0) {
					sqlite3_finalize(st);
					return 0;
				}
				va_log(VA_ERROR, "store_error",
				    "%s: cannot use WAL (journal mode is %s)",
				    s->path, mode != NULL ? mode : "unknown");
				sqlite3_finalize(st);
				return -1;
			}
			sqlite3_finalize(st);
		}
		if (!is_busy(rc) || tries * STORE_RETRY_MS >= s->busy_ms)
			return store_fail(s, rc, t0, "journal_mode", NULL);
		va_sleep_ms(STORE_RETRY_MS);
	}
}

static int
configure(struct va_store *s)
{
	if (sqlite3_busy_timeout(s->db, s->busy_ms) != SQLITE_OK)
		return store_fail(s, SQLITE_ERROR, 0, "busy_timeout", NULL);
	sqlite3_extended_result_codes(s->db, 1);
	if (set_wal(s) == -1)
		return -1;
	if (va_store_exec(s, "PRAGMA synchronous = NORMAL;"
	    " PRAGMA foreign_keys = ON") == -1 ||
	    va_store_exec(s, schema_sql) == -1)
		return -1;
	return tighten_side_files(s->path);
}

struct va_store *
va_store_open(const char *path)
{
	struct va_store *s;
	int rc;

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->path = strdup(path)) == NULL) {
		va_log(VA_ERROR, "store_error", "%s: %s", path,
		    strerror(errno));
		free(s);
		return NULL;
	}
	if (busy_ms_from_env(&s->busy_ms) == -1) {
		va_log(VA_ERROR, "store_error",
		    "%s: VA_DB_BUSY_MS must be a number of milliseconds", path);
		goto fail;
	}
	if (create_file(path) == -1)
		goto fail;
	rc = sqlite3_open_v2(path, &s->db,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		va_log(VA_ERROR, "store_error", "%s: open: %s", path,
		    s->db != NULL ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		goto fail;
	}
	if (configure(s) == -1)
		goto fail;
	return s;
fail:
	va_store_close(s);
	return NULL;
}

void
va_store_close(struct va_store *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nkept; i++) {
		if (s->kept[i].user != NULL)
			s->kept[i].user->k = NULL;	/* finalized by it */
		else
			sqlite3_finalize(s->kept[i].raw);
		free(s->kept[i].sql);
	}
	/* A zombie until the caller finalizes what it still holds. */
	if (s->db != NULL && sqlite3_close_v2(s->db) != SQLITE_OK)
		va_log(VA_ERROR, "store_error", "%s: close: %s", s->path,
		    sqlite3_errmsg(s->db));
	free(s->path);
	free(s);
}

const char *
va_store_path(const struct va_store *s)
{
	return s->path;
}

int
va_store_exec(struct va_store *s, const char *sql)
{
	char *msg = NULL;
	int64_t t0;
	int rc;

	t0 = va_mono_us();
	rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		store_fail(s, rc, t0, "exec", msg);
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int
va_store_begin(struct va_store *s)
{
	return va_store_exec(s, "BEGIN IMMEDIATE");
}

int
va_store_commit(struct va_store *s)
{
	if (va_store_exec(s, "COMMIT") == -1) {
		/* Do not leave the caller holding the write lock. */
		va_store_rollback(s);
		return -1;
	}
	return 0;
}

int
va_store_rollback(struct va_store *s)
{
	/* sqlite may already have rolled back, e.g. after SQLITE_FULL. */
	if (sqlite3_get_autocommit(s->db))
		return 0;
	return va_store_exec(s, "ROLLBACK");
}

/* The component's version within the current transaction, or -1. */
static int
read_version(struct va_store *s, const char *component)
{
	struct va_stmt *st;
	int v;

	st = va_store_prepare(s,
	    "SELECT version FROM va_schema WHERE component = ?");
	if (st == NULL || va_stmt_bind_text(st, 1, component) == -1) {
		va_stmt_finalize(st);
		return -1;
	}
	switch (va_stmt_step(st)) {
	case 1:
		v = (int)va_stmt_int(st, 0);
		break;
	case 0:
		v = 0;
		break;
	default:
		v = -1;
		break;
	}
	va_stmt_finalize(st);
	return v;
}

static int
write_version(struct va_store *s, const char *component, int version)
{
	struct va_stmt *st;
	int rc = -1;

	st = va_store_prepare(s,
	    "INSERT INTO va_schema (component, version) VALUES (?, ?)"
	    " ON CONFLICT (component)"
	    " DO UPDATE SET version = excluded.version");
	if (st != NULL && va_stmt_bind_text(st, 1, component) == 0 &&
	    va_stmt_bind_int(st, 2, version) == 0 && va_stmt_step(st) == 0)
		rc = 0;
	va_stmt_finalize(st);
	return rc;
}

/* Apply one migration unless another process got there first. */
static int
migrate_one(struct va_store *s, const char *component,
    const struct va_migration *m)
{
	int cur;

	if (va_store_begin(s) == -1)
		return -1;
	if ((cur = read_version(s, component)) == -1)
		goto fail;
	if (cur >= m->version)
		return va_store_rollback(s);
	if (va_store_exec(s, m->sql) == -1 ||
	    write_version(s, component, m->version) == -1)
		goto fail;
	if (va_store_commit(s) == -1)
		goto fail;
	return 0;
fail:
	va_log(VA_ERROR, "store_error", "%s: migration %s %d failed",
	    s->path, component, m->version);
	va_store_rollback(s);
	return -1;
}

int
va_store_migrate(struct va_store *s, const char *component,
    const struct va_migration *m, size_t n)
{
	size_t i;
	int cur;

	for (i = 0; i < n; i++)
		if (m[i].version <= (i > 0 ? m[i - 1].version : 0) ||
		    m[i].sql == NULL) {
			va_log(VA_ERROR, "store_error",
			    "%s: migrations of %s out of order at %zu",
			    s->path, component, i);
			return -1;
		}
	if ((cur = va_store_version(s, component)) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (m[i].version > cur &&
		    migrate_one(s, component, &m[i]) == -1)
			return -1;
	return 0;
}

int
va_store_version(struct va_store *s, const char *component)
{
	return read_version(s, component);
}

struct va_stmt *
va_store_prepare(struct va_store *s, const char *sql)
{
	struct va_stmt *st;
	struct kept *k;
	sqlite3_stmt *raw;
	const char *tail;
	int64_t t0;
	int i, rc;

	for (i = 0; i < s->nkept; i++) {
		k = &s->kept[i];
		if (k->user != NULL || strcmp(k->sql, sql) != 0)
			continue;
		if ((st = malloc(sizeof(*st))) == NULL)
			break;
		st->st = k->raw;
		st->s = s;
		st->k = k;
		k->user = st;
		return st;
	}
	t0 = va_mono_us();
	rc = sqlite3_prepare_v2(s->db, sql, -1, &raw, &tail);
	if (rc != SQLITE_OK) {
		store_fail(s, rc, t0, "prepare", NULL);
		return NULL;
	}
	if (raw == NULL) {
		va_log(VA_ERROR, "store_error", "%s: prepare: empty statement",
		    s->path);
		return NULL;
	}
	/* A second statement would be silently ignored: refuse it. */
	tail += strspn(tail, " \t\r\n;");
	if (*tail != '\0') {
		va_log(VA_ERROR, "store_error",
		    "%s: prepare: more than one statement", s->path);
		sqlite3_finalize(raw);
		return NULL;
	}
	if ((st = malloc(sizeof(*st))) == NULL) {
		va_log(VA_ERROR, "store_error", "%s: prepare: %s", s->path,
		    strerror(errno));
		sqlite3_finalize(raw);
		return NULL;
	}
	st->st = raw;
	st->s = s;
	st->k = NULL;
	for (i = 0; i < s->nkept && strcmp(s->kept[i].sql, sql) != 0; i++)
		;
	if (i == s->nkept && s->nkept < STMT_CACHE &&
	    (s->kept[i].sql = strdup(sql)) != NULL) {
		k = &s->kept[s->nkept++];
		k->raw = raw;
		k->user = st;
		st->k = k;
	}
	return st;
}

static int
bind_result(struct va_stmt *st, int idx, int rc)
{
	if (rc == SQLITE_OK)
		return 0;
	va_log(VA_ERROR, "store_error", "%s: bind %d: %s", st->s->path, idx,
	    sqlite3_errmsg(st->s->db));
	return -1;
}

int
va_stmt_bind_text(struct va_stmt *st, int idx, const char *v)
{
	if (v == NULL)
		return va_stmt_bind_null(st, idx);
	return bind_result(st, idx,
	    sqlite3_bind_text(st->st, idx, v, -1, SQLITE_TRANSIENT));
}

int
va_stmt_bind_int(struct va_stmt *st, int idx, int64_t v)
{
	return bind_result(st, idx, sqlite3_bind_int64(st->st, idx, v));
}

int
va_stmt_bind_blob(struct va_stmt *st, int idx, const void *v, size_t len)
{
	/* sqlite binds NULL for a null pointer; an empty blob needs one. */
	static const char empty;

	if (v == NULL && len == 0)
		v = &empty;
	return bind_result(st, idx,
	    sqlite3_bind_blob64(st->st, idx, v, len, SQLITE_TRANSIENT));
}

int
va_stmt_bind_null(struct va_stmt *st, int idx)
{
	return bind_result(st, idx, sqlite3_bind_null(st->st, idx));
}

int
va_stmt_step(struct va_stmt *st)
{
	int64_t t0;
	int rc;

	t0 = va_mono_us();
	rc = sqlite3_step(st->st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return store_fail(st->s, rc, t0, "step", NULL);
}

const char *
va_stmt_text(struct va_stmt *st, int col)
{
	if (sqlite3_column_type(st->st, col) == SQLITE_NULL)
		return NULL;
	return (const char *)sqlite3_column_text(st->st, col);
}

int64_t
va_stmt_int(struct va_stmt *st, int col)
{
	return sqlite3_column_int64(st->st, col);
}

const void *
va_stmt_blob(struct va_stmt *st, int col, size_t *len)
{
	const void *p;

	/* Fetch before measuring: the order sqlite documents. */
	p = sqlite3_column_blob(st->st, col);
	if (len != NULL)
		*len = (size_t)sqlite3_column_bytes(st->st, col);
	return p;
}

int
va_stmt_is_null(struct va_stmt *st, int col)
{
	return sqlite3_column_type(st->st, col) == SQLITE_NULL;
}

int
va_stmt_reset(struct va_stmt *st)
{
	/* reset repeats the last step's error, which step already logged. */
	sqlite3_reset(st->st);
	sqlite3_clear_bindings(st->st);
	return 0;
}

void
va_stmt_finalize(struct va_stmt *st)
{
	if (st == NULL)
		return;
	if (st->k != NULL) {
		sqlite3_reset(st->st);
		sqlite3_clear_bindings(st->st);
		st->k->user = NULL;
	} else
		sqlite3_finalize(st->st);
	free(st);
}

int64_t
va_store_changes(struct va_store *s)
{
	return sqlite3_changes64(s->db);
}

int64_t
va_store_last_rowid(struct va_store *s)
{
	return sqlite3_last_insert_rowid(s->db);
}
