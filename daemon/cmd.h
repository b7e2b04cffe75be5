/*
 * cmd: the subcommands of the dominoban binary. main.c parses the global
 * options and calls one of these with the remaining arguments (argv[0] is
 * the subcommand name). Each returns a sysexits(3) code.
 */
#ifndef DB_CMD_H
#define DB_CMD_H

/* Options that come before the subcommand. */
struct cmd_global {
	const char *config; /* --config FILE, or the default path */
	int config_given;   /* 1 when --config was given explicitly */
};

/* Default configuration file. */
#define CMD_DEFAULT_CONFIG DB_SYSCONFDIR "/dominoban/dominoban.conf"

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
