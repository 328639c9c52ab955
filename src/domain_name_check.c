/*
 * domain_name_check.c
 *	  Domain-name validation and conversion: UTS #46 processing by ICU
 *	  (non-transitional, STD3 rules, bidi, CONTEXTJ, CONTEXTO), DNS length
 *	  checks, and the IDNA2008 derived property of RFC 5892 computed from
 *	  ICU's character properties.
 *
 * Floor: plain C with ICU, the lowest (no PostgreSQL header; fuzzed outside
 * the server); used by domain_name.c, email_address.c and
 * registry_message.c.
 *
 * Pure C on purpose (see domain_name_check.h): the server wraps these
 * functions in src/domain_name.c, a fuzzer can call them directly.
 */
#include "domain_name_check.h"

#include <stdio.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/uidna.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

#define DOMAIN_NAME_IDNA_OPTIONS \
	(UIDNA_NONTRANSITIONAL_TO_ASCII | UIDNA_NONTRANSITIONAL_TO_UNICODE | \
	 UIDNA_USE_STD3_RULES | UIDNA_CHECK_BIDI | UIDNA_CHECK_CONTEXTJ | \
	 UIDNA_CHECK_CONTEXTO)

/* ICU's length bits are re-checked on our own output, with measured sizes. */
#define ICU_LENGTH_ERRORS \
	(UIDNA_ERROR_LABEL_TOO_LONG | UIDNA_ERROR_DOMAIN_NAME_TOO_LONG)

/* Scratch buffers for attributing an error to one label (up to 1 KiB in). */
#define SCRATCH_SIZE	(4 * DOMAIN_NAME_BUFSIZE)

/* Labels shown in a DETAIL are cut after this many code points. */
#define DETAIL_LABEL_MAX_CHARS	128

/*
 * The UTS #46 processor, opened on first use and kept for the life of the
 * process: normalize_domain runs in a CHECK constraint on every insert, and
 * opening it costs far more than using it.  Only read after creation, and a
 * backend is single-threaded.
 */
static UIDNA *shared_idna = NULL;

/*
 * ICU error bits in the order they are reported when several are set: the
 * structural faults first, because they make the later checks meaningless,
 * and the specific context rules before the bidi rule they usually break
 * too (mixed Arabic-Indic digits are also a bidi fault).
 */
static const struct
{
	uint32_t	bit;
	DomainNameErrorKind kind;
}			icu_error_order[] =
{
	{UIDNA_ERROR_EMPTY_LABEL, DOMAIN_NAME_EMPTY_LABEL},
	{UIDNA_ERROR_PUNYCODE, DOMAIN_NAME_PUNYCODE},
	{UIDNA_ERROR_INVALID_ACE_LABEL, DOMAIN_NAME_INVALID_ACE_LABEL},
	{UIDNA_ERROR_LABEL_HAS_DOT, DOMAIN_NAME_LABEL_HAS_DOT},
	{UIDNA_ERROR_DISALLOWED, DOMAIN_NAME_DISALLOWED},
	{UIDNA_ERROR_LEADING_HYPHEN, DOMAIN_NAME_LEADING_HYPHEN},
	{UIDNA_ERROR_TRAILING_HYPHEN, DOMAIN_NAME_TRAILING_HYPHEN},
	{UIDNA_ERROR_HYPHEN_3_4, DOMAIN_NAME_HYPHEN_3_4},
	{UIDNA_ERROR_LEADING_COMBINING_MARK, DOMAIN_NAME_LEADING_COMBINING_MARK},
	{UIDNA_ERROR_CONTEXTJ, DOMAIN_NAME_CONTEXTJ},
	{UIDNA_ERROR_CONTEXTO_PUNCTUATION, DOMAIN_NAME_CONTEXTO_PUNCTUATION},
	{UIDNA_ERROR_CONTEXTO_DIGITS, DOMAIN_NAME_CONTEXTO_DIGITS},
	{UIDNA_ERROR_BIDI, DOMAIN_NAME_BIDI},
};

/* Walks the labels of a name; separators are given by separator_length. */
typedef struct LabelIterator
{
	const char *text;
	size_t		len;
	size_t		pos;
	bool		done;
	bool		ascii_dots_only;	/* our own output: only '.' separates */
} LabelIterator;

/* Returns the process-wide UTS #46 processor, opening it on first use. */
static const UIDNA *
get_idna(UErrorCode *status)
{
	if (shared_idna == NULL)
	{
		UIDNA	   *idna;

		*status = U_ZERO_ERROR;
		idna = uidna_openUTS46(DOMAIN_NAME_IDNA_OPTIONS, status);
		if (U_FAILURE(*status))
			return NULL;
		shared_idna = idna;
	}
	return shared_idna;
}

/* Resets an error descriptor to "no error". */
static inline void
error_reset(DomainNameError *err)
{
	err->kind = DOMAIN_NAME_OK;
	err->label[0] = '\0';
	err->code_point = -1;
	err->length = 0;
	err->icu_status = 0;
}

/* Records a failure of the given kind; returns -1 for the caller to return. */
static inline int
error_set(DomainNameError *err, DomainNameErrorKind kind)
{
	err->kind = kind;
	return -1;
}

/* Records the label at fault (copied, cut to fit). */
static inline void
error_set_label(DomainNameError *err, const char *label, size_t len)
{
	if (len > DOMAIN_NAME_MAX_INPUT)
		len = DOMAIN_NAME_MAX_INPUT;
	memcpy(err->label, label, len);
	err->label[len] = '\0';
}

/* Records an ICU failure status. */
static inline int
error_set_icu(DomainNameError *err, UErrorCode status)
{
	err->icu_status = (int32_t) status;
	return error_set(err, DOMAIN_NAME_ICU_FAILURE);
}

/*
 * Byte length of a UTS #46 label separator at text[i], or 0.  UTS #46 maps
 * exactly these four to U+002E: FULL STOP, IDEOGRAPHIC FULL STOP U+3002,
 * FULLWIDTH FULL STOP U+FF0E and HALFWIDTH IDEOGRAPHIC FULL STOP U+FF61.
 */
static inline size_t
separator_length(const char *text, size_t len, size_t i, bool ascii_dots_only)
{
	const unsigned char *s = (const unsigned char *) text + i;

	if (s[0] == '.')
		return 1;
	if (ascii_dots_only || len - i < 3)
		return 0;
	if ((s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x82) ||
		(s[0] == 0xEF && s[1] == 0xBC && s[2] == 0x8E) ||
		(s[0] == 0xEF && s[1] == 0xBD && s[2] == 0xA1))
		return 3;
	return 0;
}

/* Starts walking the labels of text. */
static inline void
label_iterator_init(LabelIterator *it, const char *text, size_t len,
					bool ascii_dots_only)
{
	it->text = text;
	it->len = len;
	it->pos = 0;
	it->done = false;
	it->ascii_dots_only = ascii_dots_only;
}

/* Yields the next label (possibly empty); false after the last one. */
static bool
label_iterator_next(LabelIterator *it, const char **label, size_t *label_len)
{
	size_t		start = it->pos;
	size_t		i;

	if (it->done)
		return false;
	for (i = start; i < it->len; i++)
	{
		size_t		sep = separator_length(it->text, it->len, i,
										   it->ascii_dots_only);

		if (sep > 0)
		{
			*label = it->text + start;
			*label_len = i - start;
			it->pos = i + sep;
			return true;
		}
	}
	*label = it->text + start;
	*label_len = it->len - start;
	it->done = true;
	return true;
}

/* Finds label number index (0-based) of text; false when there is none. */
static bool
nth_label(const char *text, size_t len, bool ascii_dots_only, int index,
		  const char **label, size_t *label_len)
{
	LabelIterator it;
	int			n = 0;

	label_iterator_init(&it, text, len, ascii_dots_only);
	while (label_iterator_next(&it, label, label_len))
	{
		if (n++ == index)
			return true;
	}
	return false;
}

/* True when text is well-formed UTF-8 (ICU would silently use U+FFFD). */
static bool
is_valid_utf8(const char *text, size_t len)
{
	const uint8_t *s = (const uint8_t *) text;
	int32_t		i = 0;
	int32_t		n = (int32_t) len;

	while (i < n)
	{
		UChar32		c;

		U8_NEXT(s, i, n, c);
		if (c < 0)
			return false;
	}
	return true;
}

/* The UTS #46 error bits ICU reports for text processed as one label. */
static uint32_t
label_errors(const UIDNA *idna, const char *label, size_t len)
{
	char		scratch[SCRATCH_SIZE];
	UIDNAInfo	info = UIDNA_INFO_INITIALIZER;
	UErrorCode	status = U_ZERO_ERROR;

	uidna_labelToASCII_UTF8(idna, label, (int32_t) len, scratch,
							sizeof(scratch), &info, &status);
	/* the error bits are set even when only the output overflowed */
	if (U_FAILURE(status) && status != U_BUFFER_OVERFLOW_ERROR)
		return 0;
	return info.errors;
}

/*
 * The UTS #46 error bits for a label inside a bidi domain name: the label
 * followed by a Hebrew label, so the cross-label rules of RFC 5893 apply.
 */
static uint32_t
label_errors_in_bidi_name(const UIDNA *idna, const char *label, size_t len)
{
	static const char hebrew_label[] = ".\xD7\x90";	/* ".\u05D0" */
	char		name[DOMAIN_NAME_MAX_INPUT + sizeof(hebrew_label)];
	char		scratch[SCRATCH_SIZE];
	UIDNAInfo	info = UIDNA_INFO_INITIALIZER;
	UErrorCode	status = U_ZERO_ERROR;

	if (len > DOMAIN_NAME_MAX_INPUT)
		return 0;
	memcpy(name, label, len);
	memcpy(name + len, hebrew_label, sizeof(hebrew_label) - 1);
	uidna_nameToASCII_UTF8(idna, name, (int32_t) (len + sizeof(hebrew_label) - 1),
						   scratch, sizeof(scratch), &info, &status);
	if (U_FAILURE(status) && status != U_BUFFER_OVERFLOW_ERROR)
		return 0;
	return info.errors;
}

/* The first code point of label that UTS #46 disallows on its own, or -1. */
static int32_t
find_disallowed_code_point(const UIDNA *idna, const char *label, size_t len)
{
	const uint8_t *s = (const uint8_t *) label;
	int32_t		i = 0;
	int32_t		n = (int32_t) len;

	while (i < n)
	{
		int32_t		start = i;
		UChar32		c;

		U8_NEXT(s, i, n, c);
		if (c >= 0 && (label_errors(idna, label + start, i - start) &
					   UIDNA_ERROR_DISALLOWED) != 0)
			return c;
	}
	return -1;
}

/* The CONTEXTO punctuation in label when there is only one kind, else -1. */
static int32_t
find_contexto_punctuation(const char *label, size_t len)
{
	const uint8_t *s = (const uint8_t *) label;
	int32_t		i = 0;
	int32_t		n = (int32_t) len;
	int32_t		found = -1;

	while (i < n)
	{
		UChar32		c;

		U8_NEXT(s, i, n, c);
		if (c == 0x00B7 || c == 0x0375 || c == 0x05F3 || c == 0x05F4 ||
			c == 0x30FB)
		{
			if (found >= 0 && found != c)
				return -1;
			found = c;
		}
	}
	return found;
}

/*
 * Fills in the label (and code point) behind an ICU error bit by processing
 * each label of the input on its own.  Leaves them empty when no single
 * label shows the error.
 */
static void
attribute_icu_error(const UIDNA *idna, const char *in, size_t len,
					uint32_t bit, DomainNameError *err)
{
	LabelIterator it;
	const char *label;
	size_t		label_len;

	label_iterator_init(&it, in, len, false);
	while (label_iterator_next(&it, &label, &label_len))
	{
		uint32_t	errors;

		if (label_len == 0)
			continue;
		errors = (bit == UIDNA_ERROR_BIDI)
			? label_errors_in_bidi_name(idna, label, label_len)
			: label_errors(idna, label, label_len);
		if ((errors & bit) == 0)
			continue;

		error_set_label(err, label, label_len);
		if (bit == UIDNA_ERROR_DISALLOWED)
			err->code_point = find_disallowed_code_point(idna, label,
														 label_len);
		else if (bit == UIDNA_ERROR_CONTEXTO_PUNCTUATION)
			err->code_point = find_contexto_punctuation(label, label_len);
		return;
	}
}

/* RFC 5892 §2.6 Exceptions (F): true with *prop set when cp is listed. */
static inline bool
idna2008_exception(UChar32 cp, Idna2008Property *prop)
{
	switch (cp)
	{
		case 0x00DF:			/* LATIN SMALL LETTER SHARP S */
		case 0x03C2:			/* GREEK SMALL LETTER FINAL SIGMA */
		case 0x06FD:			/* ARABIC SIGN SINDHI AMPERSAND */
		case 0x06FE:			/* ARABIC SIGN SINDHI POSTPOSITION MEN */
		case 0x0F0B:			/* TIBETAN MARK INTERSYLLABIC TSHEG */
		case 0x3007:			/* IDEOGRAPHIC NUMBER ZERO */
			*prop = IDNA2008_PVALID;
			return true;
		case 0x00B7:			/* MIDDLE DOT */
		case 0x0375:			/* GREEK LOWER NUMERAL SIGN (KERAIA) */
		case 0x05F3:			/* HEBREW PUNCTUATION GERESH */
		case 0x05F4:			/* HEBREW PUNCTUATION GERSHAYIM */
		case 0x30FB:			/* KATAKANA MIDDLE DOT */
			*prop = IDNA2008_CONTEXTO;
			return true;
		case 0x0640:			/* ARABIC TATWEEL */
		case 0x07FA:			/* NKO LAJANYALAN */
		case 0x302E:			/* HANGUL SINGLE DOT TONE MARK */
		case 0x302F:			/* HANGUL DOUBLE DOT TONE MARK */
		case 0x303B:			/* VERTICAL IDEOGRAPHIC ITERATION MARK */
			*prop = IDNA2008_DISALLOWED;
			return true;
		default:
			break;
	}
	if ((cp >= 0x0660 && cp <= 0x0669) ||	/* ARABIC-INDIC DIGITS */
		(cp >= 0x06F0 && cp <= 0x06F9))		/* EXTENDED ARABIC-INDIC DIGITS */
	{
		*prop = IDNA2008_CONTEXTO;
		return true;
	}
	if (cp >= 0x3031 && cp <= 0x3035)	/* VERTICAL KANA REPEAT MARKS */
	{
		*prop = IDNA2008_DISALLOWED;
		return true;
	}
	return false;
}

/* RFC 5892 §2.10 Unassigned (J): Cn and not a noncharacter. */
static inline bool
idna2008_unassigned(UChar32 cp)
{
	return u_charType(cp) == U_UNASSIGNED &&
		!u_hasBinaryProperty(cp, UCHAR_NONCHARACTER_CODE_POINT);
}

/* RFC 5892 §2.5 LDH (E): a-z, 0-9 and the hyphen. */
static inline bool
idna2008_ldh(UChar32 cp)
{
	return (cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9') || cp == '-';
}

/*
 * RFC 5892 §2.2 Unstable (B): toNFKC(toCaseFold(toNFKC(cp))) != cp, with
 * full (not simple) case folding.  A failure to compute counts as unstable.
 */
static bool
idna2008_unstable(UChar32 cp)
{
	UErrorCode	status = U_ZERO_ERROR;
	const UNormalizer2 *nfkc = unorm2_getNFKCInstance(&status);
	UChar		original[2];
	UChar		step1[128];
	UChar		step2[128];
	UChar		step3[128];
	int32_t		original_len = 0;
	int32_t		len1;
	int32_t		len2;
	int32_t		len3;

	if (U_FAILURE(status))
		return true;
	U16_APPEND_UNSAFE(original, original_len, cp);
	len1 = unorm2_normalize(nfkc, original, original_len, step1,
							sizeof(step1) / sizeof(UChar), &status);
	len2 = u_strFoldCase(step2, sizeof(step2) / sizeof(UChar), step1, len1,
						 U_FOLD_CASE_DEFAULT, &status);
	len3 = unorm2_normalize(nfkc, step2, len2, step3,
							sizeof(step3) / sizeof(UChar), &status);
	if (U_FAILURE(status))
		return true;
	return len3 != original_len ||
		memcmp(step3, original, original_len * sizeof(UChar)) != 0;
}

/* RFC 5892 §2.3 IgnorableProperties (C). */
static inline bool
idna2008_ignorable_property(UChar32 cp)
{
	return u_hasBinaryProperty(cp, UCHAR_DEFAULT_IGNORABLE_CODE_POINT) ||
		u_hasBinaryProperty(cp, UCHAR_WHITE_SPACE) ||
		u_hasBinaryProperty(cp, UCHAR_NONCHARACTER_CODE_POINT);
}

/* RFC 5892 §2.4 IgnorableBlocks (D). */
static inline bool
idna2008_ignorable_block(UChar32 cp)
{
	UBlockCode	block = ublock_getCode(cp);

	return block == UBLOCK_COMBINING_MARKS_FOR_SYMBOLS ||
		block == UBLOCK_MUSICAL_SYMBOLS ||
		block == UBLOCK_ANCIENT_GREEK_MUSICAL_NOTATION;
}

/* RFC 5892 §2.9 OldHangulJamo (I): Hangul_Syllable_Type L, V or T. */
static inline bool
idna2008_old_hangul_jamo(UChar32 cp)
{
	int32_t		hst = u_getIntPropertyValue(cp, UCHAR_HANGUL_SYLLABLE_TYPE);

	return hst == U_HST_LEADING_JAMO || hst == U_HST_VOWEL_JAMO ||
		hst == U_HST_TRAILING_JAMO;
}

/* RFC 5892 §2.1 LetterDigits (A): Ll, Lu, Lo, Nd, Lm, Mn, Mc. */
static inline bool
idna2008_letter_digit(UChar32 cp)
{
	switch (u_charType(cp))
	{
		case U_LOWERCASE_LETTER:
		case U_UPPERCASE_LETTER:
		case U_OTHER_LETTER:
		case U_DECIMAL_DIGIT_NUMBER:
		case U_MODIFIER_LETTER:
		case U_NON_SPACING_MARK:
		case U_COMBINING_SPACING_MARK:
			return true;
		default:
			return false;
	}
}

/*
 * RFC 5892 §3: the rules in the RFC's order; the first that matches decides.
 * BackwardCompatible (G) is empty, so it has no test.
 */
Idna2008Property
idna2008_derived_property(int32_t cp)
{
	Idna2008Property prop;

	if (cp < 0 || cp > 0x10FFFF || U_IS_SURROGATE(cp))
		return IDNA2008_DISALLOWED;
	if (idna2008_exception(cp, &prop))
		return prop;
	if (idna2008_unassigned(cp))
		return IDNA2008_UNASSIGNED;
	if (idna2008_ldh(cp))
		return IDNA2008_PVALID;
	if (u_hasBinaryProperty(cp, UCHAR_JOIN_CONTROL))
		return IDNA2008_CONTEXTJ;
	if (idna2008_unstable(cp))
		return IDNA2008_DISALLOWED;
	if (idna2008_ignorable_property(cp))
		return IDNA2008_DISALLOWED;
	if (idna2008_ignorable_block(cp))
		return IDNA2008_DISALLOWED;
	if (idna2008_old_hangul_jamo(cp))
		return IDNA2008_DISALLOWED;
	if (idna2008_letter_digit(cp))
		return IDNA2008_PVALID;
	return IDNA2008_DISALLOWED;
}

/*
 * Checks every code point of the U-label form against the IDNA2008 derived
 * property.  CONTEXTJ and CONTEXTO code points pass here: ICU has already
 * checked their context.  Labels are numbered like the input's, so the error
 * names the label as the user typed it.
 */
static bool
check_idna2008(const char *in, size_t in_len,
			   const char *unicode, size_t unicode_len,
			   DomainNameError *err)
{
	LabelIterator it;
	const char *label;
	size_t		label_len;
	int			index = 0;

	label_iterator_init(&it, unicode, unicode_len, true);
	while (label_iterator_next(&it, &label, &label_len))
	{
		const uint8_t *s = (const uint8_t *) label;
		int32_t		i = 0;
		int32_t		n = (int32_t) label_len;

		while (i < n)
		{
			UChar32		c;
			Idna2008Property prop;
			const char *raw;
			size_t		raw_len;

			U8_NEXT(s, i, n, c);
			prop = idna2008_derived_property(c);
			if (prop != IDNA2008_DISALLOWED && prop != IDNA2008_UNASSIGNED)
				continue;

			err->code_point = c;
			if (nth_label(in, in_len, false, index, &raw, &raw_len))
				error_set_label(err, raw, raw_len);
			error_set(err, prop == IDNA2008_UNASSIGNED
					  ? DOMAIN_NAME_UNASSIGNED : DOMAIN_NAME_NOT_IDNA2008);
			return false;
		}
		index++;
	}
	return true;
}

/* Checks the DNS lengths of the ASCII form (no trailing dot) and counts labels. */
static bool
check_ascii_lengths(const char *in, size_t in_len,
					const char *ascii, size_t ascii_len,
					DomainNameError *err)
{
	LabelIterator it;
	const char *label;
	size_t		label_len;
	int			index = 0;

	label_iterator_init(&it, ascii, ascii_len, true);
	while (label_iterator_next(&it, &label, &label_len))
	{
		const char *raw;
		size_t		raw_len;

		if (label_len == 0)
		{
			error_set(err, DOMAIN_NAME_EMPTY_LABEL);
			return false;
		}
		if (label_len > DOMAIN_NAME_MAX_LABEL)
		{
			err->length = (int32_t) label_len;
			if (nth_label(in, in_len, false, index, &raw, &raw_len))
				error_set_label(err, raw, raw_len);
			error_set(err, DOMAIN_NAME_LABEL_TOO_LONG);
			return false;
		}
		index++;
	}
	if (ascii_len > DOMAIN_NAME_MAX_NAME)
	{
		err->length = (int32_t) ascii_len;
		error_set(err, DOMAIN_NAME_NAME_TOO_LONG);
		return false;
	}
	if (index < 2)
	{
		error_set(err, DOMAIN_NAME_TOO_FEW_LABELS);
		return false;
	}
	return true;
}

/* True when some label of the ASCII form is an A-label ("xn--"). */
static bool
has_a_label(const char *ascii, size_t len)
{
	LabelIterator it;
	const char *label;
	size_t		label_len;

	label_iterator_init(&it, ascii, len, true);
	while (label_iterator_next(&it, &label, &label_len))
	{
		if (label_len >= 4 && memcmp(label, "xn--", 4) == 0)
			return true;
	}
	return false;
}

/* True when text is exactly one label separator (the root alone). */
static inline bool
is_root_only(const char *text, size_t len)
{
	return len > 0 && separator_length(text, len, 0, false) == len;
}

/*
 * The whole pipeline: UTS #46 ToASCII, our length checks, and (for names
 * with A-labels, or when the caller wants it) ToUnicode plus the IDNA2008
 * check.  ascii gets the A-label form; unicode, when not NULL, the U-label
 * form.  Both are NUL-terminated, without the trailing dot.
 */
static int
domain_name_process(const char *in, size_t len,
					char *ascii, size_t ascii_cap, int *ascii_len,
					char *unicode, size_t unicode_cap, int *unicode_len,
					DomainNameError *err)
{
	const UIDNA *idna;
	UIDNAInfo	info = UIDNA_INFO_INITIALIZER;
	UErrorCode	status = U_ZERO_ERROR;
	int32_t		n;
	uint32_t	errors;
	size_t		i;

	error_reset(err);
	if (len > DOMAIN_NAME_MAX_INPUT)
	{
		err->length = len > INT32_MAX ? INT32_MAX : (int32_t) len;
		return error_set(err, DOMAIN_NAME_INPUT_TOO_LONG);
	}
	if (len == 0 || is_root_only(in, len))
		return error_set(err, DOMAIN_NAME_EMPTY);
	if (!is_valid_utf8(in, len))
		return error_set(err, DOMAIN_NAME_INVALID_UTF8);
	if (ascii_cap < DOMAIN_NAME_BUFSIZE ||
		(unicode != NULL && unicode_cap < DOMAIN_NAME_BUFSIZE))
		return error_set(err, DOMAIN_NAME_OUTPUT_TOO_SMALL);

	idna = get_idna(&status);
	if (idna == NULL)
		return error_set_icu(err, status);

	n = uidna_nameToASCII_UTF8(idna, in, (int32_t) len, ascii,
							   (int32_t) ascii_cap - 1, &info, &status);
	if (status == U_BUFFER_OVERFLOW_ERROR)
	{
		/* far beyond 253 octets whatever else is wrong */
		err->length = n;
		return error_set(err, DOMAIN_NAME_NAME_TOO_LONG);
	}
	if (U_FAILURE(status))
		return error_set_icu(err, status);

	errors = info.errors & ~ICU_LENGTH_ERRORS;
	for (i = 0; i < sizeof(icu_error_order) / sizeof(icu_error_order[0]); i++)
	{
		if ((errors & icu_error_order[i].bit) == 0)
			continue;
		attribute_icu_error(idna, in, len, icu_error_order[i].bit, err);
		return error_set(err, icu_error_order[i].kind);
	}

	/* ICU keeps a single trailing dot (the root); a stored name has none */
	if (n > 0 && ascii[n - 1] == '.')
		n--;
	ascii[n] = '\0';
	*ascii_len = n;
	if (!check_ascii_lengths(in, len, ascii, n, err))
		return -1;

	if (unicode == NULL && !has_a_label(ascii, n))
		return n;				/* LDH only: every code point is PVALID */

	{
		char		local[DOMAIN_NAME_BUFSIZE];
		char	   *u = unicode != NULL ? unicode : local;
		size_t		ucap = unicode != NULL ? unicode_cap : sizeof(local);
		UIDNAInfo	uinfo = UIDNA_INFO_INITIALIZER;
		int32_t		un;

		status = U_ZERO_ERROR;
		un = uidna_nameToUnicodeUTF8(idna, ascii, n, u, (int32_t) ucap - 1,
									 &uinfo, &status);
		if (U_FAILURE(status))
			return error_set_icu(err, status);
		u[un] = '\0';
		if (unicode_len != NULL)
			*unicode_len = un;
		/* ToASCII accepted it, so ToUnicode of its output cannot fail */
		if (uinfo.errors != 0)
			return error_set_icu(err, U_INTERNAL_PROGRAM_ERROR);
		if (!check_idna2008(in, len, u, un, err))
			return -1;
	}
	return n;
}

/* See domain_name_check.h. */
int
domain_name_to_ascii(const char *in, size_t len, char *out, size_t outcap,
					 DomainNameError *err)
{
	int			ascii_len;

	return domain_name_process(in, len, out, outcap, &ascii_len,
							   NULL, 0, NULL, err);
}

/* See domain_name_check.h. */
int
domain_name_to_unicode(const char *in, size_t len, char *out, size_t outcap,
					   DomainNameError *err)
{
	char		ascii[DOMAIN_NAME_BUFSIZE];
	int			ascii_len;
	int			unicode_len = 0;

	if (domain_name_process(in, len, ascii, sizeof(ascii), &ascii_len,
							out, outcap, &unicode_len, err) < 0)
		return -1;
	return unicode_len;
}

/* See domain_name_check.h. */
int
domain_name_tld(const char *in, size_t len, char *out, size_t outcap,
				DomainNameError *err)
{
	char		ascii[DOMAIN_NAME_BUFSIZE];
	int			ascii_len;
	const char *last_dot;

	if (domain_name_process(in, len, ascii, sizeof(ascii), &ascii_len,
							NULL, 0, NULL, err) < 0)
		return -1;
	/* the name has at least two labels, so there is a dot */
	last_dot = strrchr(ascii, '.');
	if (last_dot == NULL || (size_t) (ascii + ascii_len - last_dot) > outcap)
		return error_set(err, DOMAIN_NAME_OUTPUT_TOO_SMALL);
	memcpy(out, last_dot + 1, ascii + ascii_len - last_dot);
	return (int) (ascii + ascii_len - last_dot - 1);
}

/*
 * Writes label as a quoted string for a DETAIL: control characters (and,
 * with ascii_only, everything outside ASCII) as U+XXXX, cut after
 * DETAIL_LABEL_MAX_CHARS code points.
 */
static void
format_label(const char *label, bool ascii_only, char *buf, size_t bufsize)
{
	const uint8_t *s = (const uint8_t *) label;
	int32_t		n = (int32_t) strlen(label);
	int32_t		i = 0;
	size_t		used = 0;
	int			chars = 0;

	buf[0] = '\0';
	while (i < n && used + 16 < bufsize)
	{
		int32_t		start = i;
		UChar32		c;

		if (chars++ == DETAIL_LABEL_MAX_CHARS)
		{
			used += snprintf(buf + used, bufsize - used, "...");
			break;
		}
		U8_NEXT(s, i, n, c);
		if (c < 0x20 || c == 0x7F || (ascii_only && c > 0x7F))
			used += snprintf(buf + used, bufsize - used, "U+%04X",
							 (unsigned) (c < 0 ? 0xFFFD : c));
		else
		{
			memcpy(buf + used, label + start, i - start);
			used += i - start;
			buf[used] = '\0';
		}
	}
}

/* See domain_name_check.h. */
size_t
domain_name_error_detail(const DomainNameError *err, bool ascii_only,
						 char *buf, size_t bufsize)
{
	char		label[DETAIL_LABEL_MAX_CHARS * 8 + 32];
	char		subject[sizeof(label) + 16];
	int			n = 0;

	if (bufsize == 0)
		return 0;
	format_label(err->label, ascii_only, label, sizeof(label));
	if (err->label[0] != '\0')
		snprintf(subject, sizeof(subject), "Label \"%s\"", label);
	else
		snprintf(subject, sizeof(subject), "A label");

	switch (err->kind)
	{
		case DOMAIN_NAME_OK:
			n = snprintf(buf, bufsize, "The name is valid.");
			break;
		case DOMAIN_NAME_EMPTY:
			n = snprintf(buf, bufsize, "The name is empty.");
			break;
		case DOMAIN_NAME_INPUT_TOO_LONG:
			n = snprintf(buf, bufsize,
						 "The input is %d bytes long; input longer than %d bytes is rejected before any other check.",
						 (int) err->length, DOMAIN_NAME_MAX_INPUT);
			break;
		case DOMAIN_NAME_INVALID_UTF8:
			n = snprintf(buf, bufsize, "The name is not valid UTF-8.");
			break;
		case DOMAIN_NAME_EMPTY_LABEL:
			n = snprintf(buf, bufsize,
						 "The name has an empty label: a leading dot, two dots in a row, or a label of characters that UTS #46 removes.");
			break;
		case DOMAIN_NAME_LABEL_TOO_LONG:
			n = snprintf(buf, bufsize,
						 "%s is %d octets long in its ASCII form; a label has at most %d.",
						 subject, (int) err->length, DOMAIN_NAME_MAX_LABEL);
			break;
		case DOMAIN_NAME_NAME_TOO_LONG:
			n = snprintf(buf, bufsize,
						 "The name is %d octets long in its ASCII form; a name has at most %d, not counting a trailing dot.",
						 (int) err->length, DOMAIN_NAME_MAX_NAME);
			break;
		case DOMAIN_NAME_LEADING_HYPHEN:
			n = snprintf(buf, bufsize, "%s begins with a hyphen.", subject);
			break;
		case DOMAIN_NAME_TRAILING_HYPHEN:
			n = snprintf(buf, bufsize, "%s ends with a hyphen.", subject);
			break;
		case DOMAIN_NAME_HYPHEN_3_4:
			n = snprintf(buf, bufsize,
						 "%s has hyphens in the third and fourth positions, which are reserved for A-labels (\"xn--\").",
						 subject);
			break;
		case DOMAIN_NAME_LEADING_COMBINING_MARK:
			n = snprintf(buf, bufsize, "%s begins with a combining mark.",
						 subject);
			break;
		case DOMAIN_NAME_DISALLOWED:
			if (err->code_point >= 0)
				n = snprintf(buf, bufsize,
							 "%s contains U+%04X, a code point UTS #46 disallows in domain names.",
							 subject, (unsigned) err->code_point);
			else
				n = snprintf(buf, bufsize,
							 "%s contains a code point UTS #46 disallows in domain names.",
							 subject);
			break;
		case DOMAIN_NAME_NOT_IDNA2008:
			n = snprintf(buf, bufsize,
						 "%s contains U+%04X, a code point IDNA2008 (RFC 5892) disallows: registries accept only letters, digits, combining marks and a few listed exceptions.",
						 subject, (unsigned) err->code_point);
			break;
		case DOMAIN_NAME_UNASSIGNED:
			n = snprintf(buf, bufsize,
						 "%s contains U+%04X, a code point not assigned in Unicode %s.",
						 subject, (unsigned) err->code_point,
						 U_UNICODE_VERSION);
			break;
		case DOMAIN_NAME_PUNYCODE:
			n = snprintf(buf, bufsize, "%s is not valid Punycode.", subject);
			break;
		case DOMAIN_NAME_INVALID_ACE_LABEL:
			n = snprintf(buf, bufsize,
						 "%s is not a valid A-label: its Punycode does not decode to a valid U-label that encodes back to it.",
						 subject);
			break;
		case DOMAIN_NAME_LABEL_HAS_DOT:
			n = snprintf(buf, bufsize,
						 "%s decodes to text that contains a dot.", subject);
			break;
		case DOMAIN_NAME_BIDI:
			if (err->label[0] != '\0')
				n = snprintf(buf, bufsize,
							 "%s breaks the bidi rule of RFC 5893, which every label of a name with right-to-left characters must follow.",
							 subject);
			else
				n = snprintf(buf, bufsize,
							 "The name breaks the bidi rule of RFC 5893.");
			break;
		case DOMAIN_NAME_CONTEXTJ:
			n = snprintf(buf, bufsize,
						 "%s contains ZERO WIDTH JOINER (U+200D) or ZERO WIDTH NON-JOINER (U+200C) where RFC 5892's CONTEXTJ rules do not allow it.",
						 subject);
			break;
		case DOMAIN_NAME_CONTEXTO_PUNCTUATION:
			if (err->code_point >= 0)
				n = snprintf(buf, bufsize,
							 "%s contains U+%04X where RFC 5892's CONTEXTO rules do not allow it.",
							 subject, (unsigned) err->code_point);
			else
				n = snprintf(buf, bufsize,
							 "%s contains U+00B7, U+0375, U+05F3, U+05F4 or U+30FB where RFC 5892's CONTEXTO rules do not allow it.",
							 subject);
			break;
		case DOMAIN_NAME_CONTEXTO_DIGITS:
			n = snprintf(buf, bufsize,
						 "%s mixes Arabic-Indic digits (U+0660..U+0669) with Extended Arabic-Indic digits (U+06F0..U+06F9), which RFC 5892's CONTEXTO rules forbid.",
						 subject);
			break;
		case DOMAIN_NAME_TOO_FEW_LABELS:
			n = snprintf(buf, bufsize,
						 "The name has one label; a registrable name has at least two labels.");
			break;
		case DOMAIN_NAME_ICU_FAILURE:
			n = snprintf(buf, bufsize, "ICU failed: %s.",
						 u_errorName((UErrorCode) err->icu_status));
			break;
		case DOMAIN_NAME_OUTPUT_TOO_SMALL:
			n = snprintf(buf, bufsize, "The output buffer is too small.");
			break;
	}
	if (n < 0)
		n = 0;
	return (size_t) n < bufsize ? (size_t) n : bufsize - 1;
}
