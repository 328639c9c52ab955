/*
 * fuzz_check.h
 *	  The one assertion the fuzz harnesses share: a broken invariant prints
 *	  what broke and aborts, which libFuzzer records as a crash with the
 *	  input that caused it.
 */
#ifndef FUZZ_CHECK_H
#define FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

/* Aborts with a message when cond is false (also in builds with NDEBUG). */
#define FUZZ_CHECK(cond, ...) \
	do { \
		if (!(cond)) \
		{ \
			fprintf(stderr, "invariant broken at %s:%d: %s: ", \
					__FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__); \
			fputc('\n', stderr); \
			abort(); \
		} \
	} while (0)

#endif							/* FUZZ_CHECK_H */
