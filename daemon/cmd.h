/*
 * cmd: the subcommands of the dominoban binary. main.c parses the global
 * options and calls one of these with the remaining arguments (argv[0] is
 * the subcommand name). Each returns a sysexits(3) code.
 */
#ifndef DB_CMD_H
#define DB_CMD_H

#include <stdbool.h>
#include <stdio.h>

/* Options that come before the subcommand. */
struct cmd_global {
	const char *config; /* --config FILE, or the default path */
	int config_given;   /* 1 when --config was given explicitly */
};

/* The getopt_long() table entries every command shares: --help, and the
 * table's end. */
#define CMD_OPT_HELP {"help", no_argument, NULL, 'h'}
#define CMD_OPT_END {NULL, 0, NULL, 0}

/* Default configuration file. */
#define CMD_DEFAULT_CONFIG DB_SYSCONFDIR "/dominoban/dominoban.conf"

/*
 * How a subcommand's option parsing ends when it does not go on: for
 * --help (help true) its usage goes to stdout and EX_OK is returned, for an
 * unknown option or a wrong number of operands to stderr with EX_USAGE.
 * (main.c)
 */
int cmd_usage(void (*print)(FILE *), bool help);

int cmd_test(const struct cmd_global *g, int argc, char **argv);
int cmd_report(const struct cmd_global *g, int argc, char **argv);
int cmd_replay(const struct cmd_global *g, int argc, char **argv);
int cmd_run(const struct cmd_global *g, int argc, char **argv);
int cmd_list(const struct cmd_global *g, int argc, char **argv);
int cmd_ban(const struct cmd_global *g, int argc, char **argv);
int cmd_unban(const struct cmd_global *g, int argc, char **argv);
int cmd_status(const struct cmd_global *g, int argc, char **argv);
int cmd_metrics(const struct cmd_global *g, int argc, char **argv);
int cmd_check(const struct cmd_global *g, int argc, char **argv);
int cmd_history(const struct cmd_global *g, int argc, char **argv);
int cmd_config(const struct cmd_global *g, int argc, char **argv);
int cmd_reload(const struct cmd_global *g, int argc, char **argv);

#endif
