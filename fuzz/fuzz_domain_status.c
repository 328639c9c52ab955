/*
 * fuzz_domain_status.c
 *	  libFuzzer target for the domain_status text parser (src/domain_status_parse.c).
 *
 * Besides crashes and sanitizer findings it checks the parser's contract:
 *  - whatever parses is canonical, free of forbidden combinations, and
 *    formats (EPP and RDAP) to text that parses back to the same value;
 *  - the EPP output is itself canonical: formatting its parse gives it back;
 *  - names are case-insensitive: upper-casing the input changes nothing;
 *  - an error's offsets stay inside the input (the server quotes from them);
 *  - the text[] element parser yields exactly one known bit;
 *  - binary input (the first four bytes as a mask) that passes the receive
 *    checks formats and parses back to itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain_status_parse.h"
#include "fuzz_check.h"

/* Bytes ds_format needs for every value of mask (without the NUL). */
static size_t
formatted_length(DomainStatus mask, const char *const *names)
{
	size_t		len = 0;

	for (int bit = 0; bit < DS_NVALUES; bit++)
		if (mask & (UINT32_C(1) << bit))
			len += strlen(names[bit]) + (len > 0);
	return len;
}

/* Formats mask with names and checks that the text parses back to mask. */
static void
check_format_round_trip(DomainStatus mask, const char *const *names)
{
	char		text[DS_TEXT_BUFSIZE];
	char		braced[DS_TEXT_BUFSIZE + 2];
	size_t		len = ds_format(mask, names, text, sizeof(text));
	DomainStatus again = 0;
	DomainStatusParseError error;

	FUZZ_CHECK(len == strlen(text), "length %zu of \"%s\"", len, text);
	FUZZ_CHECK(len == formatted_length(mask, names),
			   "output of 0x%08X cut short: \"%s\"", (unsigned) mask, text);
	FUZZ_CHECK(ds_parse(text, len, &again, &error) && again == mask,
			   "\"%s\" (0x%08X) parses to 0x%08X (error kind %d)",
			   text, (unsigned) mask, (unsigned) again, (int) error.kind);

	/* the array-literal spelling of the same list means the same */
	braced[0] = '{';
	memcpy(braced + 1, text, len);
	braced[len + 1] = '}';
	FUZZ_CHECK(ds_parse(braced, len + 2, &again, &error) && again == mask,
			   "\"{%s}\" parses to 0x%08X", text, (unsigned) again);
}

/* The checks every value the type can hold must pass. */
static void
check_stored_value(DomainStatus mask)
{
	int			bit_a;
	int			bit_b;
	char		first[DS_TEXT_BUFSIZE];
	char		second[DS_TEXT_BUFSIZE];
	DomainStatus again = 0;
	DomainStatusParseError error;

	FUZZ_CHECK(ds_is_canonical(mask), "0x%08X is not canonical", (unsigned) mask);
	FUZZ_CHECK(ds_find_conflict(mask, &bit_a, &bit_b) == DS_CONFLICT_NONE,
			   "0x%08X holds a forbidden combination", (unsigned) mask);
	check_format_round_trip(mask, ds_epp_names);
	check_format_round_trip(mask, ds_rdap_names);

	/* canonical output: format(parse(format(x))) == format(x) */
	ds_format(mask, ds_epp_names, first, sizeof(first));
	FUZZ_CHECK(ds_parse(first, strlen(first), &again, &error), "\"%s\"", first);
	ds_format(again, ds_epp_names, second, sizeof(second));
	FUZZ_CHECK(strcmp(first, second) == 0, "\"%s\" re-formats as \"%s\"",
			   first, second);
}

/* An error must describe a place inside the input the server can quote. */
static void
check_error(const DomainStatusParseError *error, size_t len)
{
	FUZZ_CHECK(error->kind > DS_PARSE_OK &&
			   error->kind <= DS_PARSE_FORBIDDEN_COMBINATION,
			   "error kind %d", (int) error->kind);
	switch (error->kind)
	{
		case DS_PARSE_UNEXPECTED_CHAR:
			FUZZ_CHECK(error->offset < len, "offset %zu of %zu", error->offset, len);
			break;
		case DS_PARSE_UNKNOWN_VALUE:
			FUZZ_CHECK(error->offset <= len && error->length <= len - error->offset,
					   "token %zu+%zu of %zu", error->offset, error->length, len);
			break;
		case DS_PARSE_FORBIDDEN_COMBINATION:
			FUZZ_CHECK(error->bit_a >= 0 && error->bit_a < DS_NVALUES &&
					   error->bit_b >= 0 && error->bit_b < DS_NVALUES &&
					   error->bit_a != error->bit_b &&
					   error->conflict != DS_CONFLICT_NONE,
					   "bits %d, %d", error->bit_a, error->bit_b);
			break;
		case DS_PARSE_TOO_LONG:
			FUZZ_CHECK(len > DS_INPUT_MAX_BYTES, "%zu bytes refused", len);
			break;
		default:
			FUZZ_CHECK(error->offset <= len, "offset %zu of %zu", error->offset, len);
			break;
	}
}

/* ASCII upper-casing: the parser must not care. */
static void
check_case_insensitive(const uint8_t *data, size_t size, bool ok,
					   DomainStatus mask, const DomainStatusParseError *error)
{
	char	   *upper = malloc(size + 1);
	DomainStatus upper_mask = 0;
	DomainStatusParseError upper_error;
	bool		upper_ok;

	if (upper == NULL)
		return;
	for (size_t i = 0; i < size; i++)
		upper[i] = (data[i] >= 'a' && data[i] <= 'z') ? (char) (data[i] - 32)
			: (char) data[i];
	upper_ok = ds_parse(upper, size, &upper_mask, &upper_error);
	FUZZ_CHECK(upper_ok == ok, "upper-casing turns %s into %s",
			   ok ? "success" : "failure", upper_ok ? "success" : "failure");
	if (ok)
		FUZZ_CHECK(upper_mask == mask, "0x%08X vs 0x%08X",
				   (unsigned) mask, (unsigned) upper_mask);
	else
		FUZZ_CHECK(upper_error.kind == error->kind && upper_error.offset == error->offset,
				   "error %d@%zu vs %d@%zu", (int) error->kind, error->offset,
				   (int) upper_error.kind, upper_error.offset);
	free(upper);
}

/* The text[] element parser: one known bit, or an unknown-value error. */
static void
check_single_value(const char *input, size_t size)
{
	DomainStatus bit = 0;
	DomainStatusParseError error;

	if (ds_parse_value(input, size, &bit, &error))
		FUZZ_CHECK(bit != 0 && (bit & (bit - 1)) == 0 && (bit & ~DS_ALL_BITS) == 0,
				   "element gives 0x%08X", (unsigned) bit);
	else
		FUZZ_CHECK(error.kind == DS_PARSE_UNKNOWN_VALUE ||
				   (error.kind == DS_PARSE_TOO_LONG && size > DS_INPUT_MAX_BYTES),
				   "element error kind %d", (int) error.kind);
}

/* Binary receive: masks that pass its checks must be stored values. */
static void
check_binary(const uint8_t *data, size_t size)
{
	DomainStatus mask;
	DomainStatus result = 0;
	DomainStatusParseError error;
	int			bit_a;
	int			bit_b;

	if (size < sizeof(mask))
		return;
	memcpy(&mask, data, sizeof(mask));
	if (ds_from_bits(mask & DS_ALL_BITS, &result, &error))
		check_stored_value(result);
	else
		FUZZ_CHECK(error.kind == DS_PARSE_FORBIDDEN_COMBINATION, "kind %d",
				   (int) error.kind);
	if ((mask & ~DS_ALL_BITS) == 0 &&
		ds_find_conflict(mask, &bit_a, &bit_b) == DS_CONFLICT_NONE &&
		ds_is_canonical(mask))
		check_stored_value(mask);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *input = (const char *) data;
	DomainStatus mask = 0;
	DomainStatus again = 0;
	DomainStatusParseError error;
	DomainStatusParseError error_again;
	bool		ok = ds_parse(input, size, &mask, &error);

	/* deterministic */
	FUZZ_CHECK(ds_parse(input, size, &again, &error_again) == ok &&
			   (ok ? again == mask : error_again.kind == error.kind),
			   "second parse differs");
	if (ok)
		check_stored_value(mask);
	else
		check_error(&error, size);
	check_case_insensitive(data, size, ok, mask, &error);
	check_single_value(input, size);
	check_binary(data, size);
	return 0;
}
