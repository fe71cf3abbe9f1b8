/* cmd_merge.c: `schedlab merge OUT.db IN.db...`: the command line of sim_db_merge. */
#include "sim/cli/cli.h"
#include "sim/cli/commands.h"
#include "sim/db/sim_db.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* Each input once, OUT not among them: 0, or the exit status after reporting. */
static int check_names(int argc, char **argv)
{
    struct stat out, a, b;
    bool have_out = stat(argv[1], &out) == 0;
    for (int i = 2; i < argc; i++) {
        if (stat(argv[i], &a) != 0)
            return sim_cli_fail("merge", "%s: %s", argv[i], strerror(errno));
        if (have_out && a.st_dev == out.st_dev && a.st_ino == out.st_ino)
            return sim_cli_usage_error("merge", "input '%s' is the output database '%s' itself",
                                       argv[i], argv[1]);
        for (int j = 2; j < i; j++)
            if (stat(argv[j], &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
                return sim_cli_usage_error("merge", "'%s' and '%s' are the same database "
                                           "(given twice)", argv[j], argv[i]);
    }
    return 0;
}

int sim_cmd_merge(int argc, char **argv)
{
    if (argc < 3)
        return sim_cli_usage_error("merge", "needs OUT.db and at least one IN.db");
    for (int i = 1; i < argc; i++)
        if (argv[i][0] == '-')
            return sim_cli_usage_error("merge", "unknown option '%s'", argv[i]);
    int status = check_names(argc, argv);
    if (status != 0)
        return status;
    int n = argc - 2;
    char err[2048] = "";
    int64_t exp = 0, total = 0;
    if (sim_db_merge(argv[1], n, argv + 2, &exp, &total, err, sizeof err) != 0)
        return sim_cli_fail("merge", "%s", err);
    printf("merged %lld runs from %d databases into experiment %lld of %s\n", (long long)total,
           n, (long long)exp, argv[1]);
    return SIM_EXIT_OK;
}
