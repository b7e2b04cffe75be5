/*
 * fuzz-state: the state-file parser, state_parse(), and what the daemon
 * does with what it accepts (the offence history and the bans restored
 * into the decision engine).
 *
 * A random file almost never carries a valid checksum, which would leave
 * the record grammar unexplored. So each input is parsed twice: as it is,
 * and "sealed": cut before its first "end " line (or taken whole, with a
 * final newline) and closed with a correct "end RECORDS FNV1A64" line, the
 * format state.h documents.
 *
 * Invariants: a refusal sets errno EINVAL, leaves the state empty and says
 * why; an accepted state has only normalised targets, bounded reasons and
 * non-empty paths, and round-trips: state_format() of it parses again to
 * the same records, and formats to the same bytes.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "allow.h"
#include "conf.h"
#include "decide.h"
#include "fuzz.h"
#include "hash.h"
#include "state.h"

#define FUZZ_NOW 1700000000 /* seconds: the injected clock */

static struct conf conf;
static struct allow allow;
static const uint8_t seed[16] = "dominoban-fuzzer";

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (conf_defaults(&conf) == -1)
		exit(1);
	conf.max_records = 1024;
	conf.history_max = 16;
	allow_init(&allow);
	return 0;
}

static void
check_equal(const struct state *a, const struct state *b)
{
	size_t i;

	FUZZ_CHECK(a->ntails == b->ntails && a->nbans == b->nbans &&
		a->noffences == b->noffences, "record counts changed");
	for (i = 0; i < a->ntails; i++)
		FUZZ_CHECK(strcmp(a->tails[i].path, b->tails[i].path) == 0 &&
			a->tails[i].dev == b->tails[i].dev &&
			a->tails[i].ino == b->tails[i].ino &&
			a->tails[i].offset == b->tails[i].offset &&
			a->tails[i].fingerprint == b->tails[i].fingerprint,
		    "tail %zu changed", i);
	for (i = 0; i < a->nbans; i++)
		FUZZ_CHECK(memcmp(&a->bans[i].target, &b->bans[i].target,
			       sizeof(struct addr)) == 0 &&
			a->bans[i].expires == b->bans[i].expires &&
			a->bans[i].offences == b->bans[i].offences &&
			strcmp(a->bans[i].reason, b->bans[i].reason) == 0,
		    "ban %zu changed", i);
	for (i = 0; i < a->noffences; i++)
		FUZZ_CHECK(memcmp(&a->offences[i].target, &b->offences[i].target,
			       sizeof(struct addr)) == 0 &&
			a->offences[i].count == b->offences[i].count &&
			a->offences[i].last == b->offences[i].last,
		    "offence %zu changed", i);
}

static void
check_target(const struct addr *t)
{
	struct addr m;

	addr_mask(&m, t, t->len);
	FUZZ_CHECK(memcmp(&m, t, sizeof(m)) == 0, "target not normalised");
}

/* What daemon.c does with a loaded state: history, then live bans; then
 * each restored address offends again (a ban by hand), as it will. */
static void
restore(const struct state *s)
{
	struct decide *d = decide_new(&conf, seed, &allow);
	struct verdict v;
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < s->noffences; i++)
		decide_restore(d, &s->offences[i].target, s->offences[i].count,
		    s->offences[i].last, 0);
	for (i = 0; i < s->nbans; i++)
		if (s->bans[i].expires > FUZZ_NOW &&
		    !allow_overlaps(&allow, &s->bans[i].target))
			decide_restore(d, &s->bans[i].target,
			    s->bans[i].offences > 0 ? s->bans[i].offences : 1,
			    FUZZ_NOW, s->bans[i].expires);
	for (i = 0; i < s->noffences; i++)
		if (decide_manual(d, VERDICT_BAN, &s->offences[i].target, 0,
			FUZZ_NOW, &v) == 0)
			FUZZ_CHECK(v.seconds >= 1 && v.offences >= 1,
			    "a ban of %u s, offence %u", v.seconds, v.offences);
	decide_free(d);
}

static void
check_accepted(const struct state *s)
{
	char *text, *again, err[256];
	size_t len, len2, i;
	struct state r;

	for (i = 0; i < s->ntails; i++)
		FUZZ_CHECK(s->tails[i].path[0] != '\0' &&
			strlen(s->tails[i].path) < STATE_PATH_MAX,
		    "tail path");
	for (i = 0; i < s->nbans; i++) {
		check_target(&s->bans[i].target);
		FUZZ_CHECK(memchr(s->bans[i].reason, '\0', VERDICT_REASON_MAX) !=
			NULL, "reason not terminated");
	}
	for (i = 0; i < s->noffences; i++)
		check_target(&s->offences[i].target);
	if (state_format(s, &text, &len) == -1)
		return;
	FUZZ_CHECK(state_parse(&r, text, len, err, sizeof(err)) == 0,
	    "own output refused: %s", err);
	check_equal(s, &r);
	if (state_format(&r, &again, &len2) == 0) {
		FUZZ_CHECK(len == len2 && memcmp(text, again, len) == 0,
		    "formatting is not stable");
		free(again);
	}
	state_clear(&r);
	free(text);
	restore(s);
}

static void
parse_one(const uint8_t *data, size_t size)
{
	struct state s;
	char err[256];
	int rc;

	memset(&s, 0, sizeof(s));
	err[0] = '\0';
	errno = 0;
	rc = state_parse(&s, (const char *)data, size, err, sizeof(err));
	if (rc == -1) {
		FUZZ_CHECK(errno == EINVAL || errno == ENOMEM, "errno %d", errno);
		FUZZ_CHECK(s.ntails == 0 && s.nbans == 0 && s.noffences == 0 &&
			s.tails == NULL && s.bans == NULL && s.offences == NULL,
		    "refused state not cleared");
		FUZZ_CHECK(err[0] != '\0', "refused without a reason");
		return;
	}
	FUZZ_CHECK(rc == 0, "rc %d", rc);
	check_accepted(&s);
	state_clear(&s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *cut = NULL, *p;
	size_t body, records = 0, n;
	char end[64];
	uint8_t *sealed;

	parse_one(data, size);

	/* Sealed: the body up to the first "end " line, a final newline, and
	 * a correct end record. */
	for (p = data; p + 4 < data + size && cut == NULL; p++)
		if (*p == '\n' && memcmp(p + 1, "end ", 4) == 0)
			cut = p + 1;
	body = cut != NULL ? (size_t)(cut - data) : size;
	if ((sealed = malloc(body + 1 + sizeof(end))) == NULL)
		return 0;
	memcpy(sealed, data, body);
	if (body > 0 && sealed[body - 1] != '\n')
		sealed[body++] = '\n';
	for (p = sealed; p < sealed + body; p++)
		records += *p == '\n';
	records -= records > 0; /* the first line is the magic */
	n = (size_t)snprintf(end, sizeof(end), "end %zu %016llx\n", records,
	    (unsigned long long)hash_fnv1a(HASH_FNV_BASIS, sealed, body));
	memcpy(sealed + body, end, n);
	parse_one(sealed, body + n);
	free(sealed);
	return 0;
}
