/*
 * sqlite.c -- the SQLite storage back end ("sqlite:path" or a plain path).
 *
 * One file holds any number of studies; any number of processes may open it.
 * Each handle owns one connection guarded by a pthread mutex (handles are
 * shared by worker threads). The file runs in WAL mode with synchronous=NORMAL,
 * so readers never wait for writers; every write is one BEGIN IMMEDIATE
 * transaction, so writers queue on the database lock (busy timeout 10 s, or
 * HPO_SQLITE_BUSY_TIMEOUT_MS read at open) instead of failing half-way.
 *
 * Schema version 3 (PRAGMA user_version and hpo_meta.schema_version):
 *   studies(id, name UNIQUE, direction, seed, sampler, ..., n_trials, created,
 *           scheduler, scheduler_options_json)
 *   trials(id, study_id, number, seq, state, value, params_json, message,
 *          attrs_json, worker, start_time, end_time, heartbeat, retry_of,
 *          requeue_pending, lost, parent, bracket, rung, budget, budget_start)
 *          UNIQUE (study_id, number), INDEX (study_id, seq)
 *   reports(trial_id, step, value)  PRIMARY KEY (trial_id, step)
 *   artifacts(study_id, key, value BLOB, created)  PRIMARY KEY (study_id, key)
 * Older versions are migrated in place at open, in one BEGIN IMMEDIATE
 * transaction: 1 -> 2 adds the artifacts table, 2 -> 3 the scheduler columns
 * (existing trials get parent/bracket/rung -1, budget NULL, budget_start 0).
 * NaN values are NULL; times are REAL Unix seconds; a trial not yet finished
 * has a NULL end_time (NaN in rows). The SQL sticks to what PostgreSQL also
 * accepts (ON CONFLICT, RETURNING, COALESCE) so a postgres back end can keep the
 * same transactions.
 *
 * Opening never writes to a file that turns out not to be an hpo database (or
 * has another schema version): the header and version are read first.
 *
 * Costs: claim is a few indexed queries plus one per running trial of the
 * study (reaping); trials() reads the study's trials and reports in two
 * ordered scans.
 */
#include "storage/storage.h"

#include "util/util.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SCHEMA_VERSION 3
#define DEFAULT_BUSY_TIMEOUT_MS 10000

enum {
    S_BEGIN,
    S_BEGIN_READ,
    S_COMMIT,
    S_STUDY_INSERT,
    S_STUDY_GET,
    S_STUDY_NAME,
    S_STUDY_SET_N,
    S_STUDY_LIST,
    S_DELETE_REPORTS,
    S_DELETE_TRIALS,
    S_DELETE_STUDY,
    S_RUNNING,
    S_MARK_LOST,
    S_REQUEUED,
    S_CLEAR_REQUEUE,
    S_MAX,
    S_TRIAL_INSERT,
    S_TRIAL_STATE,
    S_FINISH,
    S_REPORT,
    S_TOUCH,
    S_TRIALS,
    S_REPORTS,
    S_COUNTS,
    S_DELETE_ARTIFACTS,
    S_ARTIFACT_PUT,
    S_ARTIFACT_GET,
    S_JOBS,
    S_HISTORY,
    S_TRIAL_BY_NUMBER,
    S_ARTIFACT_DEL,
    S_ARTIFACT_DEL_PREFIX,
    S_COUNT
};

#define STUDY_COLS                                                                                 \
    "id, name, direction, seed, sampler, sampler_options_json, space_json, objective_json, "       \
    "spec_text, n_trials, created, scheduler, scheduler_options_json"

static const char *const sql_text[S_COUNT] = {
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_BEGIN_READ] = "BEGIN",
    [S_COMMIT] = "COMMIT",
    [S_STUDY_INSERT] = "INSERT INTO studies (name, direction, seed, sampler, sampler_options_json, "
                       "space_json, objective_json, spec_text, n_trials, created, scheduler, "
                       "scheduler_options_json) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING",
    [S_STUDY_GET] = "SELECT " STUDY_COLS " FROM studies WHERE name = ?",
    [S_STUDY_NAME] = "SELECT name FROM studies WHERE id = ?",
    [S_STUDY_SET_N] = "UPDATE studies SET n_trials = ? WHERE id = ?",
    [S_STUDY_LIST] = "SELECT name FROM studies ORDER BY id",
    [S_DELETE_REPORTS] =
        "DELETE FROM reports WHERE trial_id IN (SELECT id FROM trials WHERE study_id = ?)",
    [S_DELETE_TRIALS] = "DELETE FROM trials WHERE study_id = ?",
    [S_DELETE_ARTIFACTS] = "DELETE FROM artifacts WHERE study_id = ?",
    [S_ARTIFACT_PUT] = "INSERT INTO artifacts (study_id, key, value, created) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT (study_id, key) DO UPDATE SET value = excluded.value, "
                       "created = excluded.created",
    [S_ARTIFACT_GET] = "SELECT value FROM artifacts WHERE study_id = ? AND key = ?",
    [S_ARTIFACT_DEL] = "DELETE FROM artifacts WHERE study_id = ? AND key = ?",
    /* substr, not LIKE: keys may hold % and _ */
    [S_ARTIFACT_DEL_PREFIX] = "DELETE FROM artifacts WHERE study_id = ?1 AND "
                              "substr(key, 1, length(?2)) = ?2",
    [S_DELETE_STUDY] = "DELETE FROM studies WHERE id = ?",
    [S_RUNNING] = "SELECT id, worker, heartbeat FROM trials WHERE study_id = ? AND state = 0 "
                  "ORDER BY number",
    [S_MARK_LOST] = "UPDATE trials SET state = 3, message = ?, end_time = ?, requeue_pending = 1, "
                    "lost = 1 WHERE id = ? AND state = 0",
    [S_REQUEUED] = "SELECT id, number, seq, params_json, parent, bracket, rung, budget, "
                   "budget_start FROM trials "
                   "WHERE study_id = ? AND requeue_pending = 1 ORDER BY number LIMIT 1",
    [S_CLEAR_REQUEUE] = "UPDATE trials SET requeue_pending = 0 WHERE id = ?",
    /* Two scalar subqueries, so each MAX is one index probe (a combined MAX scans). */
    [S_MAX] = "SELECT COALESCE((SELECT MAX(number) FROM trials WHERE study_id = ?1), -1), "
              "COALESCE((SELECT MAX(seq) FROM trials WHERE study_id = ?1), -1)",
    [S_TRIAL_INSERT] = "INSERT INTO trials (study_id, number, seq, state, value, params_json, "
                       "worker, start_time, heartbeat, retry_of, requeue_pending, lost, parent, "
                       "bracket, rung, budget, budget_start) "
                       "VALUES (?, ?, ?, 0, NULL, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?, ?, ?) RETURNING id",
    [S_TRIAL_STATE] = "SELECT t.state, t.number, s.name FROM trials t "
                      "JOIN studies s ON s.id = t.study_id WHERE t.id = ?",
    [S_FINISH] = "UPDATE trials SET state = ?, value = ?, message = ?, attrs_json = ?, "
                 "end_time = ? WHERE id = ? AND state = 0",
    [S_REPORT] = "INSERT INTO reports (trial_id, step, value) VALUES (?, ?, ?) "
                 "ON CONFLICT (trial_id, step) DO UPDATE SET value = excluded.value",
    [S_TOUCH] = "UPDATE trials SET heartbeat = ? WHERE id = ? AND state = 0",
    [S_TRIALS] = "SELECT id, study_id, number, seq, state, value, params_json, message, "
                 "attrs_json, worker, start_time, end_time, heartbeat, retry_of, "
                 "requeue_pending, lost, parent, bracket, rung, budget, budget_start "
                 "FROM trials WHERE study_id = ? ORDER BY number",
    [S_REPORTS] = "SELECT r.trial_id, r.step, r.value FROM reports r "
                  "JOIN trials t ON t.id = r.trial_id WHERE t.study_id = ? "
                  "ORDER BY t.number, r.step",
    [S_COUNTS] = "SELECT state, COUNT(*), COALESCE(SUM(lost), 0) FROM trials "
                 "WHERE study_id = ? GROUP BY state",
    [S_JOBS] = "SELECT number, seq, state, value, lost, parent, bracket, rung, budget, "
               "budget_start FROM trials WHERE study_id = ? ORDER BY number",
    [S_HISTORY] = "SELECT number, seq, state, value, lost, parent, bracket, rung, budget, "
                  "budget_start, id, start_time, end_time, params_json FROM trials "
                  "WHERE study_id = ? ORDER BY number",
    [S_TRIAL_BY_NUMBER] = "SELECT seq, params_json FROM trials WHERE study_id = ? AND number = ?",
};

#define ARTIFACTS_SQL                                                                              \
    "CREATE TABLE artifacts ("                                                                     \
    " study_id INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,"                        \
    " key TEXT NOT NULL,"                                                                          \
    " value BLOB NOT NULL,"                                                                        \
    " created REAL NOT NULL,"                                                                      \
    " PRIMARY KEY (study_id, key));"

static const char schema_sql[] =
    "CREATE TABLE hpo_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "INSERT INTO hpo_meta (key, value) VALUES ('schema_version', '3');"
    "CREATE TABLE studies ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE,"
    " direction INTEGER NOT NULL,"
    " seed INTEGER NOT NULL,"
    " sampler TEXT NOT NULL,"
    " sampler_options_json TEXT,"
    " space_json TEXT,"
    " objective_json TEXT,"
    " spec_text TEXT,"
    " n_trials INTEGER NOT NULL,"
    " created REAL NOT NULL,"
    " scheduler TEXT,"
    " scheduler_options_json TEXT);"
    "CREATE TABLE trials ("
    " id INTEGER PRIMARY KEY,"
    " study_id INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,"
    " number INTEGER NOT NULL,"
    " seq INTEGER NOT NULL,"
    " state INTEGER NOT NULL,"
    " value REAL,"
    " params_json TEXT NOT NULL,"
    " message TEXT,"
    " attrs_json TEXT,"
    " worker TEXT NOT NULL,"
    " start_time REAL NOT NULL,"
    " end_time REAL,"
    " heartbeat REAL NOT NULL,"
    " retry_of INTEGER NOT NULL DEFAULT -1,"
    " requeue_pending INTEGER NOT NULL DEFAULT 0,"
    " lost INTEGER NOT NULL DEFAULT 0,"
    " parent INTEGER NOT NULL DEFAULT -1,"
    " bracket INTEGER NOT NULL DEFAULT -1,"
    " rung INTEGER NOT NULL DEFAULT -1,"
    " budget REAL,"
    " budget_start REAL NOT NULL DEFAULT 0);"
    "CREATE UNIQUE INDEX trials_study_number ON trials (study_id, number);"
    "CREATE INDEX trials_study_seq ON trials (study_id, seq);"
    /* (Every table and index name here is also listed in check_foreign.)
     * Partial indexes: a claim looks only at running and re-queued trials, so
     * its cost does not grow with the number of finished trials. */
    "CREATE INDEX trials_running ON trials (study_id, number) WHERE state = 0;"
    "CREATE INDEX trials_requeue ON trials (study_id, number) WHERE requeue_pending = 1;"
    "CREATE INDEX trials_state ON trials (study_id, state, lost);"
    "CREATE TABLE reports ("
    " trial_id INTEGER NOT NULL REFERENCES trials (id) ON DELETE CASCADE,"
    " step INTEGER NOT NULL,"
    " value REAL,"
    " PRIMARY KEY (trial_id, step));" ARTIFACTS_SQL "PRAGMA user_version = 3;";

/* Version 1 -> 2: the artifacts table. */
static const char migrate_1_2_sql[] =
    ARTIFACTS_SQL "UPDATE hpo_meta SET value = '2' WHERE key = 'schema_version';"
                  "PRAGMA user_version = 2;";

/* Version 2 -> 3: the scheduler's study and trial columns. */
static const char migrate_2_3_sql[] =
    "ALTER TABLE studies ADD COLUMN scheduler TEXT;"
    "ALTER TABLE studies ADD COLUMN scheduler_options_json TEXT;"
    "ALTER TABLE trials ADD COLUMN parent INTEGER NOT NULL DEFAULT -1;"
    "ALTER TABLE trials ADD COLUMN bracket INTEGER NOT NULL DEFAULT -1;"
    "ALTER TABLE trials ADD COLUMN rung INTEGER NOT NULL DEFAULT -1;"
    "ALTER TABLE trials ADD COLUMN budget REAL;"
    "ALTER TABLE trials ADD COLUMN budget_start REAL NOT NULL DEFAULT 0;"
    "UPDATE hpo_meta SET value = '3' WHERE key = 'schema_version';"
    "PRAGMA user_version = 3;";

typedef struct sql_storage {
    hpo__storage base;
    pthread_mutex_t lock;
    int lock_ready;
    sqlite3 *db;
    char *path; /* names the storage in messages */
    int busy_ms;
    sqlite3_stmt *stmt[S_COUNT];
} sql_storage;

static const char *state_name(int state)
{
    static const char *const names[] = {"running", "complete", "pruned", "failed"};
    return state >= 0 && state < 4 ? names[state] : "unknown";
}

/* Turn an SQLite result code into an hpo error naming the storage. */
static int sql_err(sql_storage *q, int src, const char *what)
{
    int prim = src & 0xff;
    const char *detail = q->db ? sqlite3_errmsg(q->db) : sqlite3_errstr(src);
    if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
        return hpo__err(HPO_ELOCKED, "storage %s is locked by another process (%s)", q->path, what);
    if (prim == SQLITE_NOMEM)
        return hpo__enomem();
    if (prim == SQLITE_NOTADB)
        return hpo__err(HPO_ESTORAGE, "storage %s is not an SQLite database (%s: %s)", q->path,
                        what, detail);
    return hpo__err(HPO_ESTORAGE, "storage %s: %s: %s", q->path, what, detail);
}

/* Reset and unbind a prepared statement and hand it out. */
static sqlite3_stmt *stmt(sql_storage *q, int id)
{
    sqlite3_stmt *s = q->stmt[id];
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return s;
}

/* 1 with a row, 0 when done, or a negative hpo error. */
static int step(sql_storage *q, sqlite3_stmt *s, const char *what)
{
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    return sql_err(q, rc, what);
}

/* Run a statement that returns no rows (or whose rows are ignored). */
static int run(sql_storage *q, int id, const char *what)
{
    int rc = step(q, q->stmt[id], what);
    return rc < 0 ? rc : 0;
}

static int bind_text(sql_storage *q, sqlite3_stmt *s, int i, const char *v)
{
    int rc = v ? sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(s, i);
    return rc == SQLITE_OK ? 0 : sql_err(q, rc, "bind");
}

static int bind_real(sql_storage *q, sqlite3_stmt *s, int i, double v)
{
    int rc = isnan(v) ? sqlite3_bind_null(s, i) : sqlite3_bind_double(s, i, v);
    return rc == SQLITE_OK ? 0 : sql_err(q, rc, "bind");
}

static int bind_int(sql_storage *q, sqlite3_stmt *s, int i, long long v)
{
    int rc = sqlite3_bind_int64(s, i, (sqlite3_int64)v);
    return rc == SQLITE_OK ? 0 : sql_err(q, rc, "bind");
}

static double col_real(sqlite3_stmt *s, int i)
{
    return sqlite3_column_type(s, i) == SQLITE_NULL ? (double)NAN : sqlite3_column_double(s, i);
}

/* Copy a nullable text column; 0, or -1 when out of memory. */
static int col_text(sqlite3_stmt *s, int i, char **out)
{
    *out = NULL;
    const unsigned char *t = sqlite3_column_text(s, i);
    if (!t)
        return sqlite3_column_type(s, i) == SQLITE_NULL ? 0 : -1;
    return (*out = hpo__strdup((const char *)t)) ? 0 : -1;
}

static void lock_db(sql_storage *q)
{
    pthread_mutex_lock(&q->lock);
}

/* End an operation: roll back an open transaction, reset every statement so
 * none holds a read snapshot or a pointer to the caller's strings, unlock. */
static void unlock_db(sql_storage *q)
{
    for (int i = 0; i < S_COUNT; i++) {
        if (q->stmt[i]) {
            sqlite3_reset(q->stmt[i]);
            sqlite3_clear_bindings(q->stmt[i]);
        }
    }
    if (q->db && !sqlite3_get_autocommit(q->db))
        sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
    pthread_mutex_unlock(&q->lock);
}

static int begin(sql_storage *q, const char *what)
{
    return run(q, S_BEGIN, what);
}

static int commit(sql_storage *q, const char *what)
{
    return run(q, S_COMMIT, what);
}

/* ------------------------------------------------------------ open and close */

static int busy_timeout_ms(void)
{
    const char *env = getenv("HPO_SQLITE_BUSY_TIMEOUT_MS");
    long long ms = 0;
    if (env && hpo__parse_ll(env, &ms) == 0 && ms >= 0 && ms <= 3600000)
        return (int)ms;
    return DEFAULT_BUSY_TIMEOUT_MS;
}

/* Check the place before SQLite creates anything there, for clear messages. */
static int check_location(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) == 0) {
        if (S_ISDIR(sb.st_mode))
            return hpo__err(HPO_ESTORAGE, "storage %s: is a directory, not a database file", path);
        if (access(path, R_OK | W_OK) != 0)
            return hpo__err(HPO_ESTORAGE, "storage %s: file is not readable and writable (%s)",
                            path, strerror(errno));
        return 0;
    }
    if (errno != ENOENT)
        return hpo__err(HPO_ESTORAGE, "storage %s: cannot access the file (%s)", path,
                        strerror(errno));
    const char *slash = strrchr(path, '/');
    char *dir =
        slash ? hpo__strndup(path, slash == path ? 1 : (size_t)(slash - path)) : hpo__strdup(".");
    if (!dir)
        return hpo__enomem();
    int rc = 0;
    if (stat(dir, &sb) != 0)
        rc = hpo__err(HPO_ESTORAGE, "storage %s: directory %s does not exist", path, dir);
    else if (!S_ISDIR(sb.st_mode))
        rc = hpo__err(HPO_ESTORAGE, "storage %s: %s is not a directory", path, dir);
    else if (access(dir, W_OK | X_OK) != 0)
        rc = hpo__err(HPO_ESTORAGE, "storage %s: directory %s is not writable (%s)", path, dir,
                      strerror(errno));
    hpo__free(dir);
    return rc;
}

/* PRAGMA user_version: the first read of the file, so a file that is not a
 * database is refused before anything is written. */
static int read_version(sql_storage *q, long long *out)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(q->db, "PRAGMA user_version", -1, &s, NULL);
    if (rc != SQLITE_OK) {
        rc = sql_err(q, rc, "read the schema version");
        goto done;
    }
    if ((rc = step(q, s, "read the schema version")) < 0)
        goto done;
    *out = rc == 1 ? sqlite3_column_int64(s, 0) : 0;
    rc = 0;
done:
    sqlite3_finalize(s);
    return rc;
}

static int schema_error(sql_storage *q, long long version)
{
    return hpo__err(HPO_ESCHEMA, "storage %s has schema version %lld; this hpo reads version %d",
                    q->path, version, SCHEMA_VERSION);
}

/* A version-0 file with tables that are not ours belongs to another program.
 * Our own names are allowed: another process may have just created them. */
static int check_foreign(sql_storage *q)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(
        q->db,
        "SELECT COUNT(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND "
        "name NOT IN ('hpo_meta', 'studies', 'trials', 'reports', 'trials_study_number', "
        "'trials_study_seq', 'trials_running', 'trials_requeue', 'trials_state', 'artifacts')",
        -1, &s, NULL);
    if (rc != SQLITE_OK) {
        rc = sql_err(q, rc, "read the schema");
        goto done;
    }
    if ((rc = step(q, s, "read the schema")) < 0)
        goto done;
    rc = 0;
    if (sqlite3_column_int64(s, 0) > 0)
        rc = hpo__err(HPO_ESTORAGE,
                      "storage %s is an SQLite database without an hpo schema "
                      "(another program's file?)",
                      q->path);
done:
    sqlite3_finalize(s);
    return rc;
}

/* Switch to WAL (persistent in the file). Changing the journal mode needs the
 * file to itself, so retry while other processes hold it, up to the timeout. */
static int set_wal(sql_storage *q)
{
    double deadline = hpo__monotonic() + q->busy_ms / 1000.0;
    for (;;) {
        sqlite3_stmt *s = NULL;
        int rc = sqlite3_prepare_v2(q->db, "PRAGMA journal_mode = WAL", -1, &s, NULL);
        if (rc == SQLITE_OK)
            rc = sqlite3_step(s);
        int wal = rc == SQLITE_ROW &&
                  sqlite3_strnicmp((const char *)sqlite3_column_text(s, 0), "wal", 3) == 0;
        sqlite3_finalize(s);
        if (wal)
            return 0;
        int prim = rc & 0xff;
        if ((prim == SQLITE_BUSY || prim == SQLITE_LOCKED || rc == SQLITE_ROW) &&
            hpo__monotonic() < deadline) {
            hpo__sleep(0.01);
            continue;
        }
        if (rc == SQLITE_ROW)
            return hpo__err(HPO_ESTORAGE, "storage %s: cannot switch to WAL journal mode", q->path);
        return sql_err(q, rc, "switch to WAL journal mode");
    }
}

static int create_schema(sql_storage *q)
{
    int rc = sqlite3_exec(q->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return sql_err(q, rc, "create the schema");
    long long version = 0;
    if ((rc = read_version(q, &version)) != 0)
        goto done;
    if (version == 0) { /* nobody else made it meanwhile */
        if ((rc = check_foreign(q)) != 0)
            goto done;
        rc = sqlite3_exec(q->db, schema_sql, NULL, NULL, NULL);
        if (rc != SQLITE_OK) {
            rc = sql_err(q, rc, "create the schema");
            goto done;
        }
    } else if (version == 1 || version == 2) { /* migrate, unless another process just did */
        if (version == 1 && (rc = sqlite3_exec(q->db, migrate_1_2_sql, NULL, NULL, NULL)) != 0) {
            rc = sql_err(q, rc, "migrate the schema from version 1");
            goto done;
        }
        rc = sqlite3_exec(q->db, migrate_2_3_sql, NULL, NULL, NULL);
        if (rc != SQLITE_OK) {
            rc = sql_err(q, rc, "migrate the schema from version 2");
            goto done;
        }
    } else if (version != SCHEMA_VERSION) {
        rc = schema_error(q, version);
        goto done;
    }
    rc = sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        rc = sql_err(q, rc, "create the schema");
done:
    if (!sqlite3_get_autocommit(q->db))
        sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static void sql_close(hpo__storage *st)
{
    sql_storage *q = (sql_storage *)st;
    if (!q)
        return;
    for (int i = 0; i < S_COUNT; i++)
        sqlite3_finalize(q->stmt[i]);
    sqlite3_close(q->db);
    if (q->lock_ready)
        pthread_mutex_destroy(&q->lock);
    hpo__free(q->path);
    hpo__free(q);
}

static int sql_open(hpo__storage **out, const char *location)
{
    int rc;
    long long version = 0;
    sql_storage *q = hpo__calloc(1, sizeof *q);
    if (!q)
        return hpo__enomem();
    if (!(q->path = hpo__strdup(location))) {
        rc = hpo__enomem();
        goto done;
    }
    if (pthread_mutex_init(&q->lock, NULL) != 0) {
        rc = hpo__err(HPO_ESTORAGE, "storage %s: cannot create a mutex", location);
        goto done;
    }
    q->lock_ready = 1;
    q->busy_ms = busy_timeout_ms();
    if ((rc = check_location(location)) != 0)
        goto done;
    rc = sqlite3_open_v2(location, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        rc = hpo__err(HPO_ESTORAGE, "storage %s: cannot open: %s", location,
                      q->db ? sqlite3_errmsg(q->db) : sqlite3_errstr(rc));
        goto done;
    }
    if (sqlite3_db_readonly(q->db, "main") == 1) {
        rc = hpo__err(HPO_ESTORAGE, "storage %s: the file is read-only", location);
        goto done;
    }
    sqlite3_busy_timeout(q->db, q->busy_ms);
    if ((rc = read_version(q, &version)) != 0)
        goto done;
    if (version != 0 && version != 1 && version != 2 && version != SCHEMA_VERSION) {
        rc = schema_error(q, version);
        goto done;
    }
    if (version == 0 && (rc = check_foreign(q)) != 0)
        goto done;
    if ((rc = set_wal(q)) != 0)
        goto done;
    rc = sqlite3_exec(q->db, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON", NULL, NULL,
                      NULL);
    if (rc != SQLITE_OK) {
        rc = sql_err(q, rc, "set pragmas");
        goto done;
    }
    if (version != SCHEMA_VERSION && (rc = create_schema(q)) != 0)
        goto done;
    for (int i = 0; i < S_COUNT; i++) {
        rc = sqlite3_prepare_v3(q->db, sql_text[i], -1, SQLITE_PREPARE_PERSISTENT, &q->stmt[i],
                                NULL);
        if (rc != SQLITE_OK) {
            rc = sql_err(q, rc, "prepare a statement (damaged schema?)");
            goto done;
        }
    }
    rc = 0;
    *out = &q->base;
    q = NULL;
done:
    sql_close(q ? &q->base : NULL);
    return rc;
}

/* ------------------------------------------------------------ studies */

/* Read a studies row (STUDY_COLS) from the current row of s. */
static int read_study(sqlite3_stmt *s, hpo__study_row *out)
{
    hpo__study_row r = {0};
    r.id = sqlite3_column_int64(s, 0);
    r.direction = sqlite3_column_int(s, 2);
    r.seed = (uint64_t)sqlite3_column_int64(s, 3);
    r.n_trials = sqlite3_column_int64(s, 9);
    r.created = col_real(s, 10);
    if (col_text(s, 1, &r.name) || col_text(s, 4, &r.sampler) ||
        col_text(s, 5, &r.sampler_options_json) || col_text(s, 6, &r.space_json) ||
        col_text(s, 7, &r.objective_json) || col_text(s, 8, &r.spec_text) ||
        col_text(s, 11, &r.scheduler) || col_text(s, 12, &r.scheduler_options_json)) {
        hpo__study_row_free(&r);
        return hpo__enomem();
    }
    *out = r;
    return 0;
}

/* Read the study named `name` (ENOTFOUND when absent). */
static int get_study(sql_storage *q, const char *name, hpo__study_row *out)
{
    sqlite3_stmt *s = stmt(q, S_STUDY_GET);
    int rc = bind_text(q, s, 1, name);
    if (rc)
        return rc;
    if ((rc = step(q, s, "read a study")) < 0)
        return rc;
    if (rc == 0)
        return hpo__err(HPO_ENOTFOUND, "storage %s: no study named '%s'", q->path, name);
    rc = read_study(s, out);
    sqlite3_reset(s);
    return rc;
}

/* The name of study `id` into buf (ENOTFOUND when absent). */
static int study_name(sql_storage *q, int64_t id, char *buf, size_t size)
{
    sqlite3_stmt *s = stmt(q, S_STUDY_NAME);
    int rc = bind_int(q, s, 1, id);
    if (rc)
        return rc;
    if ((rc = step(q, s, "read a study")) < 0)
        return rc;
    if (rc == 0)
        return hpo__err(HPO_ENOTFOUND, "storage %s: no study with id %lld", q->path, (long long)id);
    const unsigned char *t = sqlite3_column_text(s, 0);
    snprintf(buf, size, "%s", t ? (const char *)t : "?");
    sqlite3_reset(s);
    return 0;
}

static int sql_study_create(hpo__storage *st, const hpo__study_row *row, hpo__study_row *out,
                            int *created)
{
    sql_storage *q = (sql_storage *)st;
    if (!row || !row->name || !out || !created)
        return hpo__err(HPO_EINVAL, "storage %s: study_create needs a named row", q->path);
    hpo__study_row got = {0};
    int made = 0;
    lock_db(q);
    int rc = begin(q, "create a study");
    if (rc)
        goto done;
    sqlite3_stmt *s = stmt(q, S_STUDY_INSERT);
    if ((rc = bind_text(q, s, 1, row->name)) || (rc = bind_int(q, s, 2, row->direction)) ||
        (rc = bind_int(q, s, 3, (long long)row->seed)) ||
        (rc = bind_text(q, s, 4, row->sampler ? row->sampler : "")) ||
        (rc = bind_text(q, s, 5, row->sampler_options_json)) ||
        (rc = bind_text(q, s, 6, row->space_json)) ||
        (rc = bind_text(q, s, 7, row->objective_json)) ||
        (rc = bind_text(q, s, 8, row->spec_text)) || (rc = bind_int(q, s, 9, row->n_trials)) ||
        (rc = bind_real(q, s, 10, row->created)) ||
        (rc = bind_text(q, s, 11, row->scheduler && *row->scheduler ? row->scheduler : NULL)) ||
        (rc = bind_text(q, s, 12, row->scheduler_options_json)))
        goto done;
    if ((rc = run(q, S_STUDY_INSERT, "create a study")) != 0)
        goto done;
    made = sqlite3_changes(q->db) > 0;
    if ((rc = get_study(q, row->name, &got)) != 0)
        goto done;
    if ((rc = commit(q, "create a study")) != 0)
        goto done;
    *out = got;
    memset(&got, 0, sizeof got);
    *created = made;
done:
    unlock_db(q);
    hpo__study_row_free(&got);
    return rc;
}

static int sql_study_get(hpo__storage *st, const char *name, hpo__study_row *out)
{
    sql_storage *q = (sql_storage *)st;
    if (!name || !out)
        return hpo__err(HPO_EINVAL, "storage %s: study_get needs a name", q->path);
    lock_db(q);
    int rc = get_study(q, name, out);
    unlock_db(q);
    return rc;
}

static int sql_study_set_n_trials(hpo__storage *st, int64_t study_id, long long n_trials)
{
    sql_storage *q = (sql_storage *)st;
    lock_db(q);
    int rc = begin(q, "update a study");
    if (rc)
        goto done;
    sqlite3_stmt *s = stmt(q, S_STUDY_SET_N);
    if ((rc = bind_int(q, s, 1, n_trials)) || (rc = bind_int(q, s, 2, study_id)))
        goto done;
    if ((rc = run(q, S_STUDY_SET_N, "update a study")) != 0)
        goto done;
    if (sqlite3_changes(q->db) == 0) {
        rc = hpo__err(HPO_ENOTFOUND, "storage %s: no study with id %lld", q->path,
                      (long long)study_id);
        goto done;
    }
    rc = commit(q, "update a study");
done:
    unlock_db(q);
    return rc;
}

static int sql_study_delete(hpo__storage *st, const char *name)
{
    sql_storage *q = (sql_storage *)st;
    if (!name)
        return hpo__err(HPO_EINVAL, "storage %s: study_delete needs a name", q->path);
    static const int steps[] = {S_DELETE_REPORTS, S_DELETE_TRIALS, S_DELETE_ARTIFACTS,
                                S_DELETE_STUDY};
    hpo__study_row row = {0};
    lock_db(q);
    int rc = begin(q, "delete a study");
    if (rc)
        goto done;
    if ((rc = get_study(q, name, &row)) != 0)
        goto done;
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        sqlite3_stmt *s = stmt(q, steps[i]);
        if ((rc = bind_int(q, s, 1, row.id)) || (rc = run(q, steps[i], "delete a study")))
            goto done;
    }
    rc = commit(q, "delete a study");
done:
    unlock_db(q);
    hpo__study_row_free(&row);
    return rc;
}

static int sql_study_list(hpo__storage *st, char ***names, size_t *n)
{
    sql_storage *q = (sql_storage *)st;
    if (!names || !n)
        return hpo__err(HPO_EINVAL, "storage %s: study_list needs out-params", q->path);
    char **list = NULL;
    size_t count = 0, cap = 0;
    int rc;
    lock_db(q);
    sqlite3_stmt *s = stmt(q, S_STUDY_LIST);
    while ((rc = step(q, s, "list studies")) == 1) {
        if (count + 1 >= cap) {
            size_t ncap = cap ? cap * 2 : 8;
            char **grown = hpo__realloc(list, ncap * sizeof *grown);
            if (!grown) {
                rc = hpo__enomem();
                goto done;
            }
            list = grown;
            cap = ncap;
        }
        if (col_text(s, 0, &list[count]) || !list[count]) {
            rc = hpo__enomem();
            goto done;
        }
        count++;
    }
    if (rc < 0)
        goto done;
    if (!list && !(list = hpo__calloc(1, sizeof *list))) {
        rc = hpo__enomem();
        goto done;
    }
    list[count] = NULL;
    *names = list;
    *n = count;
    list = NULL;
    rc = 0;
done:
    unlock_db(q);
    if (list) {
        for (size_t i = 0; i < count; i++)
            hpo__free(list[i]);
        hpo__free(list);
    }
    return rc;
}

/* ------------------------------------------------------------ trials */

typedef struct running_trial {
    int64_t id;
    char *worker;
    double heartbeat;
} running_trial;

/* Step (1) of claim: fail the running trials whose worker is dead. */
static int reap(sql_storage *q, int64_t study_id, const hpo__claim_req *req)
{
    running_trial *list = NULL;
    size_t n = 0, cap = 0;
    char *msg = NULL;
    sqlite3_stmt *s = stmt(q, S_RUNNING);
    int rc = bind_int(q, s, 1, study_id);
    if (rc)
        goto done;
    /* Collect first: no writes while the SELECT is open. */
    while ((rc = step(q, s, "find running trials")) == 1) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            running_trial *grown = hpo__realloc(list, ncap * sizeof *grown);
            if (!grown) {
                rc = hpo__enomem();
                goto done;
            }
            list = grown;
            cap = ncap;
        }
        list[n].id = sqlite3_column_int64(s, 0);
        list[n].heartbeat = col_real(s, 2);
        if (col_text(s, 1, &list[n].worker)) {
            rc = hpo__enomem();
            goto done;
        }
        n++;
    }
    if (rc < 0)
        goto done;
    sqlite3_reset(s);
    rc = 0;
    for (size_t i = 0; i < n; i++) {
        const char *worker = list[i].worker ? list[i].worker : "";
        if (!req->worker_dead(worker, list[i].heartbeat, req->now, req->worker_dead_payload))
            continue;
        hpo__buf b = HPO__BUF_INIT;
        hpo__buf_printf(&b, "lost: worker %s stopped (trial will be re-run)", worker);
        hpo__free(msg);
        msg = NULL;
        if ((rc = hpo__buf_take(&b, &msg)) != 0)
            goto done;
        sqlite3_stmt *u = stmt(q, S_MARK_LOST);
        if ((rc = bind_text(q, u, 1, msg)) || (rc = bind_real(q, u, 2, req->now)) ||
            (rc = bind_int(q, u, 3, list[i].id)) || (rc = run(q, S_MARK_LOST, "reap a trial")))
            goto done;
    }
done:
    for (size_t i = 0; i < n; i++)
        hpo__free(list[i].worker);
    hpo__free(list);
    hpo__free(msg);
    return rc;
}

/* The scheduler's view: every trial's scheduler fields, state and value; with
 * `history` also id, times and params (a model-based sampler's view). */
static int read_jobs(sql_storage *q, int64_t study_id, int history, hpo__trial_row **rows,
                     size_t *n)
{
    hpo__trial_row *list = NULL;
    size_t count = 0, cap = 0;
    sqlite3_stmt *s = stmt(q, history ? S_HISTORY : S_JOBS);
    int rc = bind_int(q, s, 1, study_id);
    if (rc)
        return rc;
    while ((rc = step(q, s, "read the trials")) == 1) {
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            hpo__trial_row *grown = hpo__realloc(list, ncap * sizeof *grown);
            if (!grown) {
                rc = hpo__enomem();
                break;
            }
            list = grown;
            cap = ncap;
        }
        hpo__trial_row *r = &list[count++];
        memset(r, 0, sizeof *r);
        r->study_id = study_id;
        r->number = sqlite3_column_int64(s, 0);
        r->seq = sqlite3_column_int64(s, 1);
        r->state = sqlite3_column_int(s, 2);
        r->value = col_real(s, 3);
        r->lost = sqlite3_column_int(s, 4);
        r->parent = sqlite3_column_int64(s, 5);
        r->bracket = sqlite3_column_int(s, 6);
        r->rung = sqlite3_column_int(s, 7);
        r->budget = col_real(s, 8);
        r->budget_start = col_real(s, 9);
        r->retry_of = -1;
        r->end_time = NAN;
        if (history) {
            r->id = sqlite3_column_int64(s, 10);
            r->start_time = col_real(s, 11);
            r->end_time = col_real(s, 12);
            if (col_text(s, 13, &r->params_json)) {
                rc = hpo__enomem();
                break;
            }
        }
    }
    sqlite3_reset(s);
    if (rc < 0) {
        hpo__trial_rows_free(list, count);
        return rc;
    }
    *rows = list;
    *n = count;
    return 0;
}

/* Step (3) of claim: a new proposal (checked against n_trials and capacity),
 * or with a scheduler its job: a new proposal, a promotion of a finished
 * trial's configuration, or HPO_EWAIT / HPO_EDONE. Fills row's seq, params and
 * scheduler fields. */
static int next_job(sql_storage *q, int64_t study_id, const char *name, const hpo__claim_req *req,
                    hpo__propose_fn propose, void *payload, long long next_seq, hpo__trial_row *row)
{
    int rc;
    hpo__job job = {.kind = HPO__JOB_NEW, .parent = -1, .bracket = -1, .rung = -1};
    job.budget = NAN;
    hpo__trial_row *rows = NULL;
    size_t n = 0;
    if ((req->schedule || req->history) &&
        (rc = read_jobs(q, study_id, req->history, &rows, &n)) != 0)
        return rc;
    if (req->schedule) {
        rc = req->schedule(req->schedule_payload, rows, n, next_seq, &job);
        if (rc == 0 && job.kind == HPO__JOB_WAIT)
            rc = hpo__err(HPO_EWAIT, "study %s: waiting for running trials", name);
        if (rc == 0 && job.kind == HPO__JOB_DONE)
            rc = hpo__err(HPO_EDONE, "study %s: the schedule is complete", name);
    } else if (req->n_trials > 0 && next_seq >= req->n_trials) {
        rc = hpo__err(HPO_EDONE, "study %s: all %lld trials claimed", name, req->n_trials);
    } else if (req->capacity >= 0 && next_seq >= req->capacity) {
        rc = hpo__err(HPO_EDONE, "study %s: all %lld trials claimed", name, req->capacity);
    } else {
        rc = 0;
    }
    if (rc == 0 && job.kind == HPO__JOB_NEW) {
        char *params = NULL;
        rc = propose(payload, next_seq, rows, n, &params);
        if (rc == 0 && !params)
            rc = hpo__err(HPO_ESTORAGE, "storage %s: the proposer returned no params", q->path);
        if (rc)
            hpo__free(params);
        else
            row->params_json = params;
    }
    hpo__trial_rows_free(rows, n);
    if (rc)
        return rc;
    row->parent = job.parent;
    row->bracket = job.bracket;
    row->rung = job.rung;
    row->budget = job.budget;
    row->budget_start = job.budget_start;
    if (job.kind == HPO__JOB_PROMOTE) {
        sqlite3_stmt *s = stmt(q, S_TRIAL_BY_NUMBER);
        if ((rc = bind_int(q, s, 1, study_id)) || (rc = bind_int(q, s, 2, job.parent)) ||
            (rc = step(q, s, "promote a trial")) < 0)
            return rc;
        if (rc == 0) {
            sqlite3_reset(s);
            return hpo__err(HPO_ESTORAGE,
                            "study %s: the scheduler promoted trial %lld, which "
                            "does not exist",
                            name, job.parent);
        }
        row->seq = sqlite3_column_int64(s, 0);
        rc = col_text(s, 1, &row->params_json) || !row->params_json ? hpo__enomem() : 0;
        sqlite3_reset(s);
        return rc;
    }
    if (job.kind != HPO__JOB_NEW)
        return hpo__err(HPO_ESTORAGE, "study %s: the scheduler returned job kind %d", name,
                        (int)job.kind);
    row->seq = next_seq;
    return 0;
}

static int sql_claim(hpo__storage *st, int64_t study_id, const hpo__claim_req *req,
                     hpo__propose_fn propose, void *payload, hpo__trial_row *out)
{
    sql_storage *q = (sql_storage *)st;
    if (!req || !propose || !out || !req->worker)
        return hpo__err(HPO_EINVAL, "storage %s: claim needs a request, a proposer and out",
                        q->path);
    hpo__trial_row row = {0};
    char name[256];
    lock_db(q);
    int rc = begin(q, "claim a trial");
    if (rc)
        goto done;
    if ((rc = study_name(q, study_id, name, sizeof name)) != 0)
        goto done;
    if (req->worker_dead && (rc = reap(q, study_id, req)) != 0)
        goto done;

    row.study_id = study_id;
    row.state = HPO_TRIAL_RUNNING;
    row.value = NAN;
    row.end_time = NAN;
    row.start_time = row.heartbeat = req->now;
    row.retry_of = -1;
    row.parent = -1;
    row.bracket = row.rung = -1;
    row.budget = NAN;
    row.budget_start = 0;

    sqlite3_stmt *s = stmt(q, S_MAX);
    if ((rc = bind_int(q, s, 1, study_id)) || (rc = step(q, s, "claim a trial")) < 0)
        goto done;
    row.number = sqlite3_column_int64(s, 0) + 1;
    long long next_seq = sqlite3_column_int64(s, 1) + 1;
    sqlite3_reset(s);

    s = stmt(q, S_REQUEUED);
    if ((rc = bind_int(q, s, 1, study_id)) || (rc = step(q, s, "claim a trial")) < 0)
        goto done;
    if (rc == 1) { /* (2) re-run a lost configuration */
        int64_t lost_id = sqlite3_column_int64(s, 0);
        row.retry_of = sqlite3_column_int64(s, 1);
        row.seq = sqlite3_column_int64(s, 2);
        row.parent = sqlite3_column_int64(s, 4);
        row.bracket = sqlite3_column_int(s, 5);
        row.rung = sqlite3_column_int(s, 6);
        row.budget = col_real(s, 7);
        row.budget_start = col_real(s, 8);
        if (col_text(s, 3, &row.params_json) || !row.params_json) {
            rc = hpo__enomem();
            goto done;
        }
        sqlite3_reset(s);
        sqlite3_stmt *u = stmt(q, S_CLEAR_REQUEUE);
        if ((rc = bind_int(q, u, 1, lost_id)) || (rc = run(q, S_CLEAR_REQUEUE, "claim a trial")))
            goto done;
    } else { /* (3) the scheduler's job, or a new proposal */
        sqlite3_reset(s);
        if ((rc = next_job(q, study_id, name, req, propose, payload, next_seq, &row)) != 0)
            goto done;
    }
    if (!(row.worker = hpo__strdup(req->worker))) {
        rc = hpo__enomem();
        goto done;
    }
    s = stmt(q, S_TRIAL_INSERT);
    if ((rc = bind_int(q, s, 1, study_id)) || (rc = bind_int(q, s, 2, row.number)) ||
        (rc = bind_int(q, s, 3, row.seq)) || (rc = bind_text(q, s, 4, row.params_json)) ||
        (rc = bind_text(q, s, 5, row.worker)) || (rc = bind_real(q, s, 6, req->now)) ||
        (rc = bind_real(q, s, 7, req->now)) || (rc = bind_int(q, s, 8, row.retry_of)) ||
        (rc = bind_int(q, s, 9, row.parent)) || (rc = bind_int(q, s, 10, row.bracket)) ||
        (rc = bind_int(q, s, 11, row.rung)) || (rc = bind_real(q, s, 12, row.budget)) ||
        (rc = bind_real(q, s, 13, row.budget_start)))
        goto done;
    if ((rc = step(q, s, "insert a trial")) < 0)
        goto done;
    if (rc == 0) {
        rc = hpo__err(HPO_ESTORAGE, "storage %s: insert a trial: no id returned", q->path);
        goto done;
    }
    row.id = sqlite3_column_int64(s, 0);
    if ((rc = step(q, s, "insert a trial")) < 0) /* finish the statement */
        goto done;
    if ((rc = commit(q, "claim a trial")) != 0)
        goto done;
    *out = row;
    memset(&row, 0, sizeof row);
done:
    unlock_db(q);
    hpo__trial_row_free(&row);
    return rc;
}

/* Inside a transaction: ENOTFOUND / ESTATE unless trial `id` is running. */
static int check_running(sql_storage *q, int64_t id)
{
    sqlite3_stmt *s = stmt(q, S_TRIAL_STATE);
    int rc = bind_int(q, s, 1, id);
    if (rc || (rc = step(q, s, "read a trial")) < 0)
        return rc;
    if (rc == 0)
        return hpo__err(HPO_ENOTFOUND, "storage %s: no trial with id %lld", q->path, (long long)id);
    int state = sqlite3_column_int(s, 0);
    if (state != HPO_TRIAL_RUNNING) {
        const unsigned char *study = sqlite3_column_text(s, 2);
        rc = hpo__err(HPO_ESTATE, "storage %s: trial %lld of study %s is %s, not running", q->path,
                      (long long)sqlite3_column_int64(s, 1), study ? (const char *)study : "?",
                      state_name(state));
        sqlite3_reset(s);
        return rc;
    }
    sqlite3_reset(s);
    return 0;
}

static int sql_finish(hpo__storage *st, int64_t trial_id, int state, double value,
                      const char *message, const char *attrs_json, double end_time)
{
    sql_storage *q = (sql_storage *)st;
    if ((state < HPO_TRIAL_COMPLETE || state > HPO_TRIAL_FAILED) && state != HPO__TRIAL_REQUEUE)
        return hpo__err(HPO_EINVAL, "storage %s: cannot finish a trial as %s", q->path,
                        state_name(state));
    lock_db(q);
    int rc = begin(q, "finish a trial");
    if (rc || (rc = check_running(q, trial_id)) != 0)
        goto done;
    sqlite3_stmt *s;
    if (state == HPO__TRIAL_REQUEUE) {
        s = stmt(q, S_MARK_LOST);
        if ((rc = bind_text(q, s, 1, message)) || (rc = bind_real(q, s, 2, end_time)) ||
            (rc = bind_int(q, s, 3, trial_id)) || (rc = run(q, S_MARK_LOST, "finish a trial")))
            goto done;
        rc = commit(q, "finish a trial");
        goto done;
    }
    s = stmt(q, S_FINISH);
    if ((rc = bind_int(q, s, 1, state)) || (rc = bind_real(q, s, 2, value)) ||
        (rc = bind_text(q, s, 3, message)) || (rc = bind_text(q, s, 4, attrs_json)) ||
        (rc = bind_real(q, s, 5, end_time)) || (rc = bind_int(q, s, 6, trial_id)) ||
        (rc = run(q, S_FINISH, "finish a trial")))
        goto done;
    rc = commit(q, "finish a trial");
done:
    unlock_db(q);
    return rc;
}

static int sql_report(hpo__storage *st, int64_t trial_id, long long step_no, double value,
                      double now)
{
    sql_storage *q = (sql_storage *)st;
    lock_db(q);
    int rc = begin(q, "report a value");
    if (rc || (rc = check_running(q, trial_id)) != 0)
        goto done;
    sqlite3_stmt *s = stmt(q, S_REPORT);
    if ((rc = bind_int(q, s, 1, trial_id)) || (rc = bind_int(q, s, 2, step_no)) ||
        (rc = bind_real(q, s, 3, value)) || (rc = run(q, S_REPORT, "report a value")))
        goto done;
    s = stmt(q, S_TOUCH);
    if ((rc = bind_real(q, s, 1, now)) || (rc = bind_int(q, s, 2, trial_id)) ||
        (rc = run(q, S_TOUCH, "report a value")))
        goto done;
    rc = commit(q, "report a value");
done:
    unlock_db(q);
    return rc;
}

static int sql_heartbeat(hpo__storage *st, const int64_t *trial_ids, size_t n, double now)
{
    sql_storage *q = (sql_storage *)st;
    if (n == 0)
        return 0;
    if (!trial_ids)
        return hpo__err(HPO_EINVAL, "storage %s: heartbeat needs trial ids", q->path);
    lock_db(q);
    int rc = begin(q, "refresh heartbeats");
    if (rc)
        goto done;
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *s = stmt(q, S_TOUCH);
        if ((rc = bind_real(q, s, 1, now)) || (rc = bind_int(q, s, 2, trial_ids[i])) ||
            (rc = run(q, S_TOUCH, "refresh heartbeats")))
            goto done;
    }
    rc = commit(q, "refresh heartbeats");
done:
    unlock_db(q);
    return rc;
}

static int read_trial(sqlite3_stmt *s, hpo__trial_row *out)
{
    hpo__trial_row r = {0};
    r.id = sqlite3_column_int64(s, 0);
    r.study_id = sqlite3_column_int64(s, 1);
    r.number = sqlite3_column_int64(s, 2);
    r.seq = sqlite3_column_int64(s, 3);
    r.state = sqlite3_column_int(s, 4);
    r.value = col_real(s, 5);
    r.start_time = col_real(s, 10);
    r.end_time = col_real(s, 11);
    r.heartbeat = col_real(s, 12);
    r.retry_of = sqlite3_column_int64(s, 13);
    r.requeue_pending = sqlite3_column_int(s, 14);
    r.lost = sqlite3_column_int(s, 15);
    r.parent = sqlite3_column_int64(s, 16);
    r.bracket = sqlite3_column_int(s, 17);
    r.rung = sqlite3_column_int(s, 18);
    r.budget = col_real(s, 19);
    r.budget_start = col_real(s, 20);
    if (col_text(s, 6, &r.params_json) || col_text(s, 7, &r.message) ||
        col_text(s, 8, &r.attrs_json) || col_text(s, 9, &r.worker)) {
        hpo__trial_row_free(&r);
        return hpo__enomem();
    }
    *out = r;
    return 0;
}

static int sql_trials(hpo__storage *st, int64_t study_id, hpo__trial_row **rows, size_t *n)
{
    sql_storage *q = (sql_storage *)st;
    if (!rows || !n)
        return hpo__err(HPO_EINVAL, "storage %s: trials needs out-params", q->path);
    hpo__trial_row *list = NULL;
    size_t count = 0, cap = 0;
    size_t *rcap = NULL; /* report capacity per trial */
    char name[256];
    lock_db(q);
    int rc = run(q, S_BEGIN_READ, "read trials"); /* one snapshot for both scans */
    if (rc || (rc = study_name(q, study_id, name, sizeof name)) != 0)
        goto done;
    sqlite3_stmt *s = stmt(q, S_TRIALS);
    if ((rc = bind_int(q, s, 1, study_id)))
        goto done;
    while ((rc = step(q, s, "read trials")) == 1) {
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            hpo__trial_row *grown = hpo__realloc(list, ncap * sizeof *grown);
            if (!grown) {
                rc = hpo__enomem();
                goto done;
            }
            list = grown;
            cap = ncap;
        }
        if ((rc = read_trial(s, &list[count])) != 0)
            goto done;
        count++;
    }
    if (rc < 0)
        goto done;
    if (count > 0 && !(rcap = hpo__calloc(count, sizeof *rcap))) {
        rc = hpo__enomem();
        goto done;
    }
    s = stmt(q, S_REPORTS);
    if ((rc = bind_int(q, s, 1, study_id)))
        goto done;
    size_t k = 0; /* both scans run in trial-number order */
    while ((rc = step(q, s, "read reports")) == 1) {
        int64_t tid = sqlite3_column_int64(s, 0);
        while (k < count && list[k].id != tid)
            k++;
        if (k == count)
            break; /* cannot happen within one snapshot */
        hpo__trial_row *t = &list[k];
        if (t->n_reports == rcap[k]) {
            size_t ncap = rcap[k] ? rcap[k] * 2 : 8;
            hpo__report_row *grown = hpo__realloc(t->reports, ncap * sizeof *grown);
            if (!grown) {
                rc = hpo__enomem();
                goto done;
            }
            t->reports = grown;
            rcap[k] = ncap;
        }
        t->reports[t->n_reports].step = sqlite3_column_int64(s, 1);
        t->reports[t->n_reports].value = col_real(s, 2);
        t->n_reports++;
    }
    if (rc < 0)
        goto done;
    if (!list && !(list = hpo__calloc(1, sizeof *list))) {
        rc = hpo__enomem();
        goto done;
    }
    if ((rc = commit(q, "read trials")) != 0)
        goto done;
    *rows = list;
    *n = count;
    list = NULL;
done:
    unlock_db(q);
    hpo__trial_rows_free(list, count);
    hpo__free(rcap);
    return rc;
}

static int sql_counts(hpo__storage *st, int64_t study_id, long long counts[4], long long *n_lost,
                      long long *n_claimed)
{
    sql_storage *q = (sql_storage *)st;
    long long c[4] = {0, 0, 0, 0}, lost = 0, claimed = 0;
    char name[256];
    lock_db(q);
    int rc = run(q, S_BEGIN_READ, "count trials");
    if (rc || (rc = study_name(q, study_id, name, sizeof name)) != 0)
        goto done;
    sqlite3_stmt *s = stmt(q, S_COUNTS);
    if ((rc = bind_int(q, s, 1, study_id)))
        goto done;
    while ((rc = step(q, s, "count trials")) == 1) {
        int state = sqlite3_column_int(s, 0);
        if (state >= 0 && state < 4)
            c[state] = sqlite3_column_int64(s, 1);
        if (state == HPO_TRIAL_FAILED)
            lost = sqlite3_column_int64(s, 2);
    }
    if (rc < 0)
        goto done;
    s = stmt(q, S_MAX);
    if ((rc = bind_int(q, s, 1, study_id)) || (rc = step(q, s, "count trials")) < 0)
        goto done;
    claimed = sqlite3_column_int64(s, 1) + 1;
    if ((rc = commit(q, "count trials")) != 0)
        goto done;
    if (counts)
        memcpy(counts, c, sizeof c);
    if (n_lost)
        *n_lost = lost;
    if (n_claimed)
        *n_claimed = claimed;
done:
    unlock_db(q);
    return rc;
}

/* ------------------------------------------------------------ artifacts */

static int sql_artifact_put(hpo__storage *st, int64_t study_id, const char *key, const void *data,
                            size_t len)
{
    sql_storage *q = (sql_storage *)st;
    if (!key || (!data && len))
        return hpo__err(HPO_EINVAL, "storage %s: artifact_put needs a key and data", q->path);
    if (len > 1000000000)
        return hpo__err(HPO_EINVAL, "storage %s: artifact '%s' is too large (%zu bytes)", q->path,
                        key, len);
    lock_db(q);
    int rc = begin(q, "store an artifact");
    if (rc)
        goto done;
    sqlite3_stmt *s = stmt(q, S_ARTIFACT_PUT);
    if ((rc = bind_int(q, s, 1, study_id)) || (rc = bind_text(q, s, 2, key)))
        goto done;
    int brc = sqlite3_bind_blob64(s, 3, len ? data : "", (sqlite3_uint64)len, SQLITE_STATIC);
    if (brc != SQLITE_OK) {
        rc = sql_err(q, brc, "bind");
        goto done;
    }
    if ((rc = bind_real(q, s, 4, hpo__now())) || (rc = run(q, S_ARTIFACT_PUT, "store an artifact")))
        goto done;
    rc = commit(q, "store an artifact");
done:
    unlock_db(q);
    return rc;
}

static int sql_artifact_get(hpo__storage *st, int64_t study_id, const char *key, void **data,
                            size_t *len)
{
    sql_storage *q = (sql_storage *)st;
    if (!key || !data || !len)
        return hpo__err(HPO_EINVAL, "storage %s: artifact_get needs a key", q->path);
    lock_db(q);
    sqlite3_stmt *s = stmt(q, S_ARTIFACT_GET);
    int rc;
    if ((rc = bind_int(q, s, 1, study_id)) || (rc = bind_text(q, s, 2, key)))
        goto done;
    if ((rc = step(q, s, "read an artifact")) < 0)
        goto done;
    if (rc == 0) {
        rc = hpo__err(HPO_ENOTFOUND, "storage %s: the study has no artifact '%s'", q->path, key);
        goto done;
    }
    const void *blob = sqlite3_column_blob(s, 0);
    size_t n = (size_t)sqlite3_column_bytes(s, 0);
    void *copy = hpo__malloc(n ? n : 1);
    if (!copy) {
        rc = hpo__enomem();
        goto done;
    }
    if (n)
        memcpy(copy, blob, n);
    *data = copy;
    *len = n;
    rc = 0;
done:
    sqlite3_reset(s);
    unlock_db(q);
    return rc;
}

static int sql_artifact_delete(hpo__storage *st, int64_t study_id, const char *key, int prefix)
{
    sql_storage *q = (sql_storage *)st;
    if (!key)
        return hpo__err(HPO_EINVAL, "storage %s: artifact_delete needs a key", q->path);
    int which = prefix ? S_ARTIFACT_DEL_PREFIX : S_ARTIFACT_DEL;
    lock_db(q);
    int rc = begin(q, "delete artifacts");
    if (rc)
        goto done;
    sqlite3_stmt *s = stmt(q, which);
    if ((rc = bind_int(q, s, 1, study_id)) || (rc = bind_text(q, s, 2, key)) ||
        (rc = run(q, which, "delete artifacts")))
        goto done;
    rc = commit(q, "delete artifacts");
done:
    unlock_db(q);
    return rc;
}

const hpo__storage_ops hpo__storage_sqlite_ops = {
    .version = HPO__STORAGE_OPS_VERSION,
    .scheme = "sqlite",
    .open = sql_open,
    .close = sql_close,
    .study_create = sql_study_create,
    .study_get = sql_study_get,
    .study_set_n_trials = sql_study_set_n_trials,
    .study_delete = sql_study_delete,
    .artifact_put = sql_artifact_put,
    .artifact_get = sql_artifact_get,
    .artifact_delete = sql_artifact_delete,
    .study_list = sql_study_list,
    .claim = sql_claim,
    .finish = sql_finish,
    .report = sql_report,
    .heartbeat = sql_heartbeat,
    .trials = sql_trials,
    .counts = sql_counts,
};
