/*
 * verdict: the hand-off from the decision stage (policy) to enforcement
 * (nft/, the log, replay output and the control socket).
 */
#ifndef DB_VERDICT_H
#define DB_VERDICT_H

#include <stdint.h>

#include "addr.h"

/* Longest reason text, with the NUL, e.g. "smtp-auth-old=4,smtp-auth-inet=1". */
#define VERDICT_REASON_MAX 160

enum verdict_action {
	VERDICT_BAN = 1,
	VERDICT_UNBAN = 2,
};

struct verdict {
	enum verdict_action action;
	struct addr target;   /* a host or a prefix, normalised */
	uint32_t seconds;     /* ban duration; 0 for an unban */
	uint32_t offences;    /* how many times this target has been banned, this one included */
	int64_t at;           /* when the verdict was made, seconds since the epoch */
	char reason[VERDICT_REASON_MAX]; /* pattern ids with counts, or "manual" */
};

#endif
