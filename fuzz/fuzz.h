/*
 * fuzz: what every harness in fuzz/ defines, as libFuzzer calls it. Each
 * harness is built twice: with clang and -fsanitize=fuzzer by fuzz/run.sh
 * (make fuzz), and with the project's compiler and fuzz/replay.c, which
 * feeds every file of the checked-in seed corpus to the same function
 * under make check, so the harnesses and their invariants never rot.
 */
#ifndef DB_FUZZ_H
#define DB_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Once, before the first input (load patterns, build a configuration).
 * Returns 0; exits on a setup error. */
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The initializer of a harness that needs no setup, in place of its
 * definition. */
#define FUZZ_NO_INIT                                                        \
	int                                                                 \
	LLVMFuzzerInitialize(int *argc, char ***argv)                       \
	{                                                                   \
		(void)argc;                                                 \
		(void)argv;                                                 \
		return 0;                                                   \
	}

/* One input of size bytes (exactly: no NUL after it). Returns 0; an
 * invariant that does not hold aborts through FUZZ_CHECK. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort with a message when an invariant does not hold, so that libFuzzer
 * (or the replay driver) reports the input. */
#define FUZZ_CHECK(cond, ...)                                               \
	do {                                                                \
		if (!(cond)) {                                              \
			fprintf(stderr, "%s:%d: invariant failed: %s: ",    \
			    __FILE__, __LINE__, #cond);                     \
			fprintf(stderr, __VA_ARGS__);                       \
			fputc('\n', stderr);                                \
			abort();                                            \
		}                                                           \
	} while (0)

#endif
