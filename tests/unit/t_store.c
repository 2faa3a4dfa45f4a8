/*
 * t_store.c - unit tests for lib/store.c: file modes, WAL, migrations,
 * statements, several processes on one file, and lock timeouts.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "store.h"
#include "tap.h"

#define NCHILD	4
#define NROWS	500	/* per child */
#define PERTX	10	/* rows per transaction */

static char dir[] = "/tmp/t_store.XXXXXX";
static char errbuf[8192];
static int saved_stderr = -1;

static const char *
dbpath(const char *name)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	return buf;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Send stderr to a file until capture_end(), which reads it into errbuf. */
static void
capture_begin(void)
{
	int fd;

	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	fd = open(dbpath("stderr"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	dup2(fd, STDERR_FILENO);
	close(fd);
}

static const char *
capture_end(void)
{
	ssize_t n;
	int fd;

	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	errbuf[0] = '\0';
	if ((fd = open(dbpath("stderr"), O_RDONLY)) != -1) {
		n = read(fd, errbuf, sizeof(errbuf) - 1);
		errbuf[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	return errbuf;
}

static int
file_mode(const char *path)
{
	struct stat sb;

	if (stat(path, &sb) == -1)
		return -1;
	return (int)(sb.st_mode & 0777);
}

/* The first column of the first row of sql, as an integer (-1 if none). */
static int64_t
query_int(struct va_store *s, const char *sql)
{
	struct va_stmt *st;
	int64_t v = -1;

	if ((st = va_store_prepare(s, sql)) == NULL)
		return -1;
	if (va_stmt_step(st) == 1)
		v = va_stmt_int(st, 0);
	va_stmt_finalize(st);
	return v;
}

static void
test_modes(void)
{
	char side[600];
	struct va_store *s;
	mode_t old;

	old = umask(0);
	s = va_store_open(dbpath("modes.db"));
	ok(s != NULL, "open creates a new file");
	is_int(file_mode(dbpath("modes.db")), 0600,
	    "database is 0600 under umask 0");
	is_int(va_store_exec(s, "CREATE TABLE t (a); INSERT INTO t VALUES (1)"),
	    0, "write to it");
	snprintf(side, sizeof(side), "%s-wal", dbpath("modes.db"));
	is_int(file_mode(side), 0600, "-wal is 0600 under umask 0");
	snprintf(side, sizeof(side), "%s-shm", dbpath("modes.db"));
	is_int(file_mode(side), 0600, "-shm is 0600 under umask 0");
	is_str(va_store_path(s), dbpath("modes.db"), "va_store_path");
	va_store_close(s);
	umask(old);

	capture_begin();
	s = va_store_open("/nonexistent/dir/x.db");
	capture_end();
	ok(s == NULL, "open in a missing directory fails");
	ok(strstr(errbuf, "store_error") != NULL &&
	    strstr(errbuf, "/nonexistent/dir/x.db") != NULL,
	    "failure logged with the path");
}

static void
test_pragmas(void)
{
	struct va_store *s;
	struct va_stmt *st;

	unsetenv("VA_DB_BUSY_MS");
	s = va_store_open(dbpath("modes.db"));
	ok(s != NULL, "reopen an existing file");
	st = va_store_prepare(s, "PRAGMA journal_mode");
	is_int(va_stmt_step(st), 1, "journal_mode has a row");
	is_str(va_stmt_text(st, 0), "wal", "journal mode is WAL");
	va_stmt_finalize(st);
	is_int(query_int(s, "PRAGMA foreign_keys"), 1, "foreign keys on");
	is_int(query_int(s, "PRAGMA synchronous"), 1, "synchronous NORMAL");
	is_int(query_int(s, "PRAGMA busy_timeout"), 5000,
	    "busy timeout defaults to 5000");
	va_store_close(s);

	setenv("VA_DB_BUSY_MS", "1234", 1);
	s = va_store_open(dbpath("modes.db"));
	is_int(query_int(s, "PRAGMA busy_timeout"), 1234,
	    "busy timeout from VA_DB_BUSY_MS");
	va_store_close(s);

	setenv("VA_DB_BUSY_MS", "soon", 1);
	capture_begin();
	s = va_store_open(dbpath("modes.db"));
	capture_end();
	ok(s == NULL && strstr(errbuf, "VA_DB_BUSY_MS") != NULL,
	    "bad VA_DB_BUSY_MS refused");
	va_store_close(s);
	unsetenv("VA_DB_BUSY_MS");
}

static const struct va_migration mig_a[] = {
	{ 1, "CREATE TABLE a1 (x INTEGER)" },
	{ 2, "CREATE TABLE a2 (y TEXT); INSERT INTO a2 VALUES ('once')" },
	{ 3, "ALTER TABLE a1 ADD COLUMN z TEXT" },
};

static const struct va_migration mig_b[] = {
	{ 1, "CREATE TABLE b1 (x INTEGER)" },
};

static const struct va_migration mig_bad[] = {
	{ 1, "CREATE TABLE ok1 (x INTEGER)" },
	{ 2, "CREATE TABLE bad2 (x INTEGER); SELEC oops" },
};

static const struct va_migration mig_order[] = {
	{ 2, "CREATE TABLE o2 (x)" },
	{ 1, "CREATE TABLE o1 (x)" },
};

static void
test_migrate(void)
{
	struct va_store *s;

	s = va_store_open(dbpath("mig.db"));
	is_int(va_store_version(s, "a"), 0, "no version before migrating");
	is_int(va_store_migrate(s, "a", mig_a, 2), 0, "migrate a to 2");
	is_int(va_store_version(s, "a"), 2, "a at version 2");
	is_int(va_store_migrate(s, "a", mig_a, 2), 0, "migrate a again");
	is_int(query_int(s, "SELECT count(*) FROM a2"), 1,
	    "second run applied nothing");
	va_store_close(s);

	s = va_store_open(dbpath("mig.db"));
	is_int(va_store_version(s, "a"), 2, "version survives reopen");
	is_int(va_store_migrate(s, "a", mig_a, 2), 0, "migrate after reopen");
	is_int(query_int(s, "SELECT count(*) FROM a2"), 1,
	    "still applied once");
	is_int(va_store_migrate(s, "a", mig_a, 3), 0, "add migration 3");
	is_int(va_store_version(s, "a"), 3, "a at version 3");
	is_int(query_int(s, "SELECT count(*) FROM pragma_table_info('a1')"
	    " WHERE name = 'z'"), 1, "migration 3 ran");

	is_int(va_store_version(s, "b"), 0, "b independent of a");
	is_int(va_store_migrate(s, "b", mig_b, 1), 0, "migrate b");
	is_int(va_store_version(s, "b"), 1, "b at version 1");
	is_int(va_store_version(s, "a"), 3, "a untouched by b");
	is_int(query_int(s, "SELECT count(*) FROM va_schema"), 2,
	    "one va_schema row per component");

	capture_begin();
	is_int(va_store_migrate(s, "bad", mig_bad, 2), -1,
	    "bad migration fails");
	capture_end();
	ok(strstr(errbuf, "store_error") != NULL &&
	    strstr(errbuf, "migration bad 2") != NULL,
	    "failure names component and version");
	is_int(va_store_version(s, "bad"), 1, "version stays at last good");
	is_int(query_int(s, "SELECT count(*) FROM sqlite_master"
	    " WHERE name = 'bad2'"), 0, "failed migration rolled back");
	is_int(va_store_begin(s), 0, "no transaction left open");
	is_int(va_store_rollback(s), 0, "rollback");
	is_int(va_store_rollback(s), 0, "rollback without transaction is 0");

	capture_begin();
	is_int(va_store_migrate(s, "order", mig_order, 2), -1,
	    "out of order migrations refused");
	capture_end();
	is_int(va_store_version(s, "order"), 0, "nothing applied");
	va_store_close(s);
}

static void
test_roundtrip(void)
{
	static const char text[] = "it's \"quoted\" 'twice'; -- h\xc3\xa9llo "
	    "\xe2\x9c\x93 \xe6\x97\xa5\xe6\x9c\xac";
	static const char blob[] = { 'a', 0, 'b', 0, 0, 'c' };
	struct va_store *s;
	struct va_stmt *st;
	const void *p;
	size_t len;
	int i;

	s = va_store_open(dbpath("rt.db"));
	va_store_exec(s, "CREATE TABLE r (k INTEGER PRIMARY KEY, t, i, b, n)");
	st = va_store_prepare(s,
	    "INSERT INTO r (t, i, b, n) VALUES (?, ?, ?, ?)");
	ok(st != NULL, "prepare insert");
	is_int(va_stmt_bind_text(st, 1, text), 0, "bind text");
	is_int(va_stmt_bind_int(st, 2, INT64_MIN), 0, "bind int64 min");
	is_int(va_stmt_bind_blob(st, 3, blob, sizeof(blob)), 0, "bind blob");
	is_int(va_stmt_bind_null(st, 4), 0, "bind null");
	is_int(va_stmt_step(st), 0, "insert done");
	is_int(va_store_last_rowid(s), 1, "last rowid 1");
	is_int(va_stmt_reset(st), 0, "reset");
	va_stmt_bind_text(st, 1, NULL);
	va_stmt_bind_int(st, 2, INT64_MAX);
	va_stmt_bind_blob(st, 3, NULL, 0);
	is_int(va_stmt_step(st), 0, "insert second row");
	is_int(va_store_last_rowid(s), 2, "last rowid 2");
	is_int(va_stmt_reset(st), 0, "reset clears bindings");
	is_int(va_stmt_step(st), 0, "insert third row, all NULL");
	va_stmt_finalize(st);

	capture_begin();
	st = va_store_prepare(s, "INSERT INTO r (t) VALUES (?)");
	is_int(va_stmt_bind_text(st, 2, "x"), -1, "bind out of range fails");
	va_stmt_finalize(st);
	capture_end();

	st = va_store_prepare(s, "SELECT t, i, b, n FROM r ORDER BY k");
	is_int(va_stmt_step(st), 1, "row 1");
	is_str(va_stmt_text(st, 0), text, "text with quotes and UTF-8");
	ok(va_stmt_int(st, 1) == INT64_MIN, "int64 min");
	p = va_stmt_blob(st, 2, &len);
	ok(len == sizeof(blob) && p != NULL && memcmp(p, blob, len) == 0,
	    "blob with NULs");
	ok(va_stmt_is_null(st, 3), "NULL column is null");
	ok(va_stmt_text(st, 3) == NULL, "NULL column text is NULL");
	ok(!va_stmt_is_null(st, 0), "text column not null");
	is_int(va_stmt_step(st), 1, "row 2");
	ok(va_stmt_text(st, 0) == NULL && va_stmt_is_null(st, 0),
	    "bind_text NULL stored NULL");
	ok(va_stmt_int(st, 1) == INT64_MAX, "int64 max");
	p = va_stmt_blob(st, 2, &len);
	ok(len == 0 && !va_stmt_is_null(st, 2), "empty blob, not NULL");
	is_int(va_stmt_step(st), 1, "row 3");
	for (i = 0; i < 4; i++)
		ok(va_stmt_is_null(st, i), "row 3 column %d null after reset",
		    i);
	is_int(va_stmt_step(st), 0, "done");
	va_stmt_finalize(st);
	va_stmt_finalize(NULL);

	/* changes and last rowid */
	va_store_exec(s, "CREATE TABLE c (x INTEGER)");
	va_store_exec(s, "INSERT INTO c VALUES (1), (2), (3), (4)");
	is_int(va_store_changes(s), 4, "changes after insert");
	is_int(va_store_last_rowid(s), 4, "last rowid after insert");
	va_store_exec(s, "UPDATE c SET x = x + 1 WHERE x > 1");
	is_int(va_store_changes(s), 3, "changes after update");

	capture_begin();
	ok(va_store_prepare(s, "SELECT nonsense FROM nowhere") == NULL,
	    "bad statement gives NULL");
	ok(strstr(capture_end(), "no such table") != NULL,
	    "sqlite message logged");
	capture_begin();
	ok(va_store_prepare(s, "SELECT 1; SELECT 2") == NULL,
	    "two statements refused");
	ok(va_store_prepare(s, "  ") == NULL, "empty statement refused");
	is_int(va_store_exec(s, "INSERT INTO nowhere VALUES (1)"), -1,
	    "exec error");
	capture_end();
	st = va_store_prepare(s, "SELECT 1;  \n");
	ok(st != NULL, "trailing semicolon accepted");
	va_stmt_finalize(st);

	/* A statement may outlive the store; finalizing it still frees all. */
	st = va_store_prepare(s, "SELECT x FROM c");
	va_stmt_step(st);
	va_store_close(s);
	va_stmt_finalize(st);
	ok(1, "finalize after close");
}

static int
child(const char *path, int startfd)
{
	static const struct va_migration m[] = {
		{ 1, "CREATE TABLE rows (id INTEGER PRIMARY KEY,"
		    " child INTEGER NOT NULL, n INTEGER NOT NULL)" },
		{ 2, "CREATE TABLE applied (m TEXT);"
		    " INSERT INTO applied VALUES ('2')" },
	};
	struct va_store *s;
	struct va_stmt *st = NULL;
	char c;
	int i, j, id, rc = 1;

	id = (int)getpid();
	/* Wait for the parent to close the pipe, so all start together. */
	while (read(startfd, &c, 1) > 0)
		;
	if ((s = va_store_open(path)) == NULL)
		return 1;
	if (va_store_migrate(s, "conc", m, 2) == -1)
		goto out;
	if ((st = va_store_prepare(s,
	    "INSERT INTO rows (child, n) VALUES (?, ?)")) == NULL)
		goto out;
	for (i = 0; i < NROWS / PERTX; i++) {
		if (va_store_begin(s) == -1)
			goto out;
		for (j = 0; j < PERTX; j++) {
			if (va_stmt_bind_int(st, 1, id) == -1 ||
			    va_stmt_bind_int(st, 2, i * PERTX + j) == -1 ||
			    va_stmt_step(st) != 0)
				goto out;
			va_stmt_reset(st);
		}
		if (va_store_commit(s) == -1)
			goto out;
	}
	rc = 0;
out:
	va_stmt_finalize(st);
	va_store_close(s);
	return rc;
}

static void
test_concurrency(void)
{
	struct va_store *s;
	char sql[128];
	pid_t pid[NCHILD];
	int fds[2], i, status, good = 0;
	int64_t t0;

	t0 = now_ms();
	if (pipe(fds) == -1) {
		ok(0, "pipe");
		return;
	}
	fflush(stdout);
	fflush(stderr);
	for (i = 0; i < NCHILD; i++) {
		if ((pid[i] = fork()) == 0) {
			close(fds[1]);
			_exit(child(dbpath("conc.db"), fds[0]));
		}
	}
	close(fds[0]);
	close(fds[1]);
	for (i = 0; i < NCHILD; i++)
		if (pid[i] > 0 && waitpid(pid[i], &status, 0) == pid[i] &&
		    WIFEXITED(status) && WEXITSTATUS(status) == 0)
			good++;
	is_int(good, NCHILD, "%d children succeeded", NCHILD);
	printf("# %d processes took %lld ms\n", NCHILD,
	    (long long)(now_ms() - t0));

	s = va_store_open(dbpath("conc.db"));
	is_int(query_int(s, "SELECT count(*) FROM rows"), NCHILD * NROWS,
	    "exactly %d rows", NCHILD * NROWS);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM (SELECT child"
	    " FROM rows GROUP BY child HAVING count(*) = %d)", NROWS);
	is_int(query_int(s, sql), NCHILD, "%d rows from each child", NROWS);
	is_int(va_store_version(s, "conc"), 2, "version 2 recorded");
	is_int(query_int(s, "SELECT count(*) FROM applied"), 1,
	    "migration applied exactly once");
	va_store_close(s);
}

static void
test_locked(void)
{
	struct va_store *a, *b;
	int64_t t0, waited;
	int rc;

	unsetenv("VA_DB_BUSY_MS");
	a = va_store_open(dbpath("lock.db"));
	va_store_exec(a, "CREATE TABLE l (x)");
	is_int(va_store_begin(a), 0, "first connection begins");
	va_store_exec(a, "INSERT INTO l VALUES (1)");

	setenv("VA_DB_BUSY_MS", "200", 1);
	b = va_store_open(dbpath("lock.db"));
	ok(b != NULL, "second connection opens while the first writes");
	capture_begin();
	t0 = now_ms();
	rc = va_store_begin(b);
	waited = now_ms() - t0;
	capture_end();
	is_int(rc, -1, "second begin fails while locked");
	ok(waited >= 150 && waited < 3000, "gave up after ~200 ms (%lld)",
	    (long long)waited);
	ok(strstr(errbuf, "\"store_locked\"") != NULL &&
	    strstr(errbuf, "is locked (waited") != NULL &&
	    strstr(errbuf, "lock.db") != NULL, "store_locked logged");
	is_int(query_int(b, "SELECT count(*) FROM l"), 0,
	    "readers still read while locked");

	is_int(va_store_commit(a), 0, "first commits");
	is_int(va_store_begin(b), 0, "second begins after commit");
	is_int(va_store_exec(b, "INSERT INTO l VALUES (2)"), 0,
	    "second writes");
	is_int(va_store_commit(b), 0, "second commits");
	is_int(query_int(a, "SELECT count(*) FROM l"), 2, "both rows there");
	va_store_close(b);
	va_store_close(a);
	unsetenv("VA_DB_BUSY_MS");
}

static void
cleanup(void)
{
	struct dirent *d;
	DIR *dp;

	if ((dp = opendir(dir)) == NULL)
		return;
	while ((d = readdir(dp)) != NULL)
		if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0)
			unlink(dbpath(d->d_name));
	closedir(dp);
	rmdir(dir);
}

int
main(void)
{
	setenv("VA_LOG", "brief", 1);
	va_log_init("t_store");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_modes();
	test_pragmas();
	test_migrate();
	test_roundtrip();
	test_concurrency();
	test_locked();
	cleanup();
	return tap_done();
}
