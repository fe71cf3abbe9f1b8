/* sql_one.h: for tests that read a run back from SQLite, the one integer a query returns (-1
 * when it returns no row; a query that does not prepare fails the test). */
#ifndef TESTS_UNIT_SQL_ONE_H
#define TESTS_UNIT_SQL_ONE_H

#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdint.h>

static inline int64_t q1(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql,
                 sqlite3_errmsg(db));
    int64_t v = -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

#endif
