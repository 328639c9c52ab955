/*
 * auth_code.c
 *	  RFC 9154 auth codes and their SQL-callable internals.
 *
 * Floor: server C above notice_code.h (each new code is left there for the
 * notice writer) and its own auth_code.h; nothing of ours uses it (SQL
 * calls it).
 *
 * The plain code exists only in the result of domxfer._auth_code_new(); the
 * lifecycle functions store the salt and the hash and hand the code to the
 * caller once.
 */
#include "postgres.h"
#include "pg_compat.h"

#include "common/cryptohash.h"
#include "common/sha2.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "port.h"
#include "utils/builtins.h"

#include "auth_code.h"
#include "notice_code.h"

StaticAssertDecl(AUTH_CODE_HASH_LENGTH == PG_SHA256_DIGEST_LENGTH,
				 "auth code hash is SHA-256");
StaticAssertDecl(AUTH_CODE_LENGTH <= NOTICE_CODE_MAX_LENGTH,
				 "the notice writer's stash holds a whole auth code");

static const char auth_code_alphabet[] =
"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

#define AUTH_CODE_ALPHABET_SIZE	62
/* bytes at or above this would make "byte % 62" favour the first letters */
#define AUTH_CODE_BYTE_LIMIT	(256 - 256 % AUTH_CODE_ALPHABET_SIZE)

/* Draws characters by rejection sampling so each is uniform over the alphabet. */
bool
auth_code_generate(char *out)
{
	uint8_t		pool[64];
	size_t		used = sizeof(pool);
	int			filled = 0;

	while (filled < AUTH_CODE_LENGTH)
	{
		uint8_t		byte;

		if (used == sizeof(pool))
		{
			if (!pg_strong_random(pool, sizeof(pool)))
				return false;
			used = 0;
		}
		byte = pool[used++];
		if (byte >= AUTH_CODE_BYTE_LIMIT)
			continue;
		out[filled++] = auth_code_alphabet[byte % AUTH_CODE_ALPHABET_SIZE];
	}
	out[AUTH_CODE_LENGTH] = '\0';
	explicit_bzero(pool, sizeof(pool));
	return true;
}

/* A fresh per-code salt from the strong random source. */
bool
auth_code_new_salt(uint8_t *salt)
{
	return pg_strong_random(salt, AUTH_CODE_SALT_LENGTH);
}

/* SHA-256 over the salt followed by the code's bytes. */
bool
auth_code_hash(const char *code, size_t code_len,
			   const uint8_t *salt, size_t salt_len, uint8_t *hash)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);
	bool		ok;

	if (ctx == NULL)
		return false;
	ok = pg_cryptohash_init(ctx) == 0
		&& pg_cryptohash_update(ctx, salt, salt_len) == 0
		&& pg_cryptohash_update(ctx, (const uint8_t *) code, code_len) == 0
		&& pg_cryptohash_final(ctx, hash, AUTH_CODE_HASH_LENGTH) == 0;
	pg_cryptohash_free(ctx);
	return ok;
}

/* Raises the error for a failed random source or hash computation. */
static inline void
auth_code_fail(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INTERNAL_ERROR),
			 errmsg("could not %s", what)));
}

/* A salt argument must be long enough to be a per-code random salt. */
static inline void
check_salt(bytea *salt)
{
	if (VARSIZE_ANY_EXHDR(salt) < AUTH_CODE_SALT_LENGTH)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("auth code salt must be at least %d bytes",
						AUTH_CODE_SALT_LENGTH)));
}

/* Hashes a text code with a salt into a palloc'd bytea. */
static bytea *
hash_text_code(text *code, bytea *salt)
{
	bytea	   *result = palloc(VARHDRSZ + AUTH_CODE_HASH_LENGTH);

	SET_VARSIZE(result, VARHDRSZ + AUTH_CODE_HASH_LENGTH);
	if (!auth_code_hash(VARDATA_ANY(code), VARSIZE_ANY_EXHDR(code),
						(const uint8_t *) VARDATA_ANY(salt),
						VARSIZE_ANY_EXHDR(salt),
						(uint8_t *) VARDATA(result)))
		auth_code_fail("compute the auth code hash");
	return result;
}

PG_FUNCTION_INFO_V1(domxfer_auth_code_new);
/* domxfer._auth_code_new() → text: a fresh 22-character code. */
Datum
domxfer_auth_code_new(PG_FUNCTION_ARGS)
{
	char		code[AUTH_CODE_LENGTH + 1];
	text	   *result;

	if (!auth_code_generate(code))
		auth_code_fail("generate random bytes for an auth code");
	result = cstring_to_text_with_len(code, AUTH_CODE_LENGTH);
	notice_code_remember(code, AUTH_CODE_LENGTH);
	explicit_bzero(code, sizeof(code));
	PG_RETURN_TEXT_P(result);
}

PG_FUNCTION_INFO_V1(domxfer_auth_code_salt);
/* domxfer._auth_code_salt() → bytea: 16 fresh random bytes. */
Datum
domxfer_auth_code_salt(PG_FUNCTION_ARGS)
{
	bytea	   *result = palloc(VARHDRSZ + AUTH_CODE_SALT_LENGTH);

	SET_VARSIZE(result, VARHDRSZ + AUTH_CODE_SALT_LENGTH);
	if (!auth_code_new_salt((uint8_t *) VARDATA(result)))
		auth_code_fail("generate random bytes for an auth code salt");
	PG_RETURN_BYTEA_P(result);
}

PG_FUNCTION_INFO_V1(domxfer_auth_code_hash);
/* domxfer._auth_code_hash(code, salt) → bytea: SHA-256(salt || code). */
Datum
domxfer_auth_code_hash(PG_FUNCTION_ARGS)
{
	text	   *code = PG_GETARG_TEXT_PP(0);
	bytea	   *salt = PG_GETARG_BYTEA_PP(1);

	check_salt(salt);
	PG_RETURN_BYTEA_P(hash_text_code(code, salt));
}

PG_FUNCTION_INFO_V1(domxfer_auth_code_matches);
/*
 * domxfer._auth_code_matches(code, salt, hash) → boolean, in constant time,
 * after removing the white space and zero-width characters of code.
 */
Datum
domxfer_auth_code_matches(PG_FUNCTION_ARGS)
{
	text	   *code = PG_GETARG_TEXT_PP(0);
	bytea	   *salt = PG_GETARG_BYTEA_PP(1);
	bytea	   *stored = PG_GETARG_BYTEA_PP(2);
	const char *presented = VARDATA_ANY(code);
	size_t		code_len = VARSIZE_ANY_EXHDR(code);
	char	   *cleaned;
	uint8_t		given[AUTH_CODE_HASH_LENGTH];
	bool		matches;

	/*
	 * Every path that compares a presented code comes here (the caller's own
	 * transaction and the side transaction alike), so this is where pasted
	 * white space and zero-width characters are removed (SPEC §1c). Codes
	 * are ASCII, the same bytes in UTF-8 as in the server's encoding.
	 */
	if (code_len > 0 && GetDatabaseEncoding() != PG_UTF8 && GetDatabaseEncoding() != PG_SQL_ASCII)
	{
		presented = pg_server_to_any(presented, code_len, PG_UTF8);
		if (presented != VARDATA_ANY(code))
			code_len = strlen(presented);
	}
	cleaned = palloc(code_len + 1);
	code_len = auth_code_strip(presented, code_len, cleaned);

	/* an empty code never matches, and a malformed stored value matches nothing */
	if (code_len == 0
		|| VARSIZE_ANY_EXHDR(salt) < AUTH_CODE_SALT_LENGTH
		|| VARSIZE_ANY_EXHDR(stored) != AUTH_CODE_HASH_LENGTH)
	{
		explicit_bzero(cleaned, code_len);
		PG_RETURN_BOOL(false);
	}
	if (!auth_code_hash(cleaned, code_len, (const uint8_t *) VARDATA_ANY(salt),
						VARSIZE_ANY_EXHDR(salt), given))
		auth_code_fail("compute the auth code hash");
	explicit_bzero(cleaned, code_len);
	matches = auth_code_digests_equal(given, (const uint8_t *) VARDATA_ANY(stored),
									  AUTH_CODE_HASH_LENGTH);
	PG_RETURN_BOOL(matches);
}
