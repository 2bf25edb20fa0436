/*
 * registry.h — the registries of SPEC §2.1 (parties, works, consents,
 * licences) in memory: parsing, validation, and the merge of newly loaded
 * records over stored ones.
 *
 * Design decision: every record keeps its normalised JSON (identifiers in
 * canonical form) as the single source of truth; its C fields borrow from
 * that JSON, and its identity for versioning is the SHA-256 of the JSON's
 * canonical bytes.  The same parser reads files and stored records, so a
 * record read back from the database is validated exactly as when loaded.
 * Pure: no I/O, no database.
 */
#ifndef LEDGERLINE_REGISTRY_H
#define LEDGERLINE_REGISTRY_H

#include <gmp.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledgerline/hash.h"
#include "ledgerline/ident.h"
#include "ledgerline/status.h"
#include "ledgerline/strmap.h"

enum ll_record_kind {
	LL_REC_PARTY,
	LL_REC_WORK,
	LL_REC_CONSENT,
	LL_REC_LICENCE,
	LL_REC_KIND_COUNT
};

/* "party", "work", ... (singular, as stored) and "parties", "works", ...
 * (the registry file's array names). */
const char *ll_record_kind_name(enum ll_record_kind k);
const char *ll_record_kind_array(enum ll_record_kind k);

enum ll_party_kind {
	LL_PARTY_ARTIST,
	LL_PARTY_SONGWRITER,
	LL_PARTY_LABEL,
	LL_PARTY_PUBLISHER,
	LL_PARTY_COLLECTIVE,
	LL_PARTY_LICENSEE,
};

enum ll_use { LL_USE_TRAINING, LL_USE_GENERATION, LL_USE_VOICE, LL_USE_COUNT };
const char *ll_use_name(enum ll_use u);

enum ll_decision { LL_OPT_IN, LL_OPT_OUT };

enum ll_side { LL_SIDE_MASTER, LL_SIDE_PUBLISHING, LL_SIDE_COUNT };
const char *ll_side_name(enum ll_side s);

enum ll_basis { LL_BASIS_DURATION, LL_BASIS_COUNT };

/* Where a record came from, and what the store knows of it. */
struct ll_record_meta {
	json_t *json;		/* normalised record (owned) */
	char sha256[LL_SHA256_HEX_LEN + 1];	/* of canonical json bytes */
	const char *source;	/* borrowed: file name, or "ledger database" */
	const char *text;	/* borrowed source text, or NULL */
	size_t text_len;
	size_t index;		/* position in the file's array */
	bool stored;		/* read from the database */
	int version;		/* stored version (0: never stored) */
	int prev_version;	/* for a loaded record: the stored version it
				 * replaces (0: new id) */
	char prev_sha256[LL_SHA256_HEX_LEN + 1];
};

struct ll_party {
	struct ll_record_meta meta;
	const char *id;
	const char *name;
	enum ll_party_kind kind;
	char isni[LL_ISNI_LEN + 1];		/* "" when absent */
	const char *payee;	/* NULL when absent */
	bool has_payout;
	char iban[LL_IBAN_LEN_MAX + 1];
	char bic[LL_BIC_LEN_MAX + 1];		/* "" when absent */
	char currency[LL_CURRENCY_LEN + 1];
	/* payout.minimum in minor units of currency, rounded up (a payment
	 * is at least the minimum); 0 when absent */
	int64_t payout_minimum;
	const char *webhook;	/* NULL when absent */
};

struct ll_share {
	const char *party;
	mpq_t share;
};

struct ll_work {
	struct ll_record_meta meta;
	const char *id;
	const char *title;	/* "" when absent */
	char isrc[LL_ISRC_LEN + 1];		/* "" when absent */
	char iswc[LL_ISWC_LEN + 1];		/* "" when absent */
	char content_sha256[LL_SHA256_HEX_LEN + 1];	/* "" when absent */
	int64_t duration_ms;
	bool has_side[LL_SIDE_COUNT];
	struct ll_share *split[LL_SIDE_COUNT];
	size_t n_split[LL_SIDE_COUNT];
};

struct ll_consent {
	struct ll_record_meta meta;
	const char *id;
	const char *party;
	const char *work;	/* NULL: all_works */
	enum ll_use use;
	enum ll_decision decision;
	int64_t effective_us;	/* microseconds since the epoch */
};

struct ll_licence {
	struct ll_record_meta meta;
	const char *id;
	const char *licensee;
	const char *licensor;
	const char *catalog_of;	/* scope {"catalog_of": P}, else NULL */
	const char **scope_works;	/* scope {"works": [...]} (borrowed ids) */
	size_t n_scope_works;
	unsigned uses;		/* bit (1u << ll_use) */
	int32_t start_day, end_day;	/* inclusive, days since the epoch */
	char currency[LL_CURRENCY_LEN + 1];
	int exponent;		/* ISO 4217 minor-unit exponent */
	mpq_t training_fee, usage_rate, per_generation, minimum_guarantee,
		master_share;
	enum ll_basis basis;
};

/* A growable array of one kind of record plus its id index. */
#define LL_REGISTRY_ARRAY(type, name)                                          \
	struct {                                                               \
		struct type *v;                                                \
		size_t n, cap;                                                 \
		struct ll_strmap ix;                                           \
	} name

struct ll_registry {
	LL_REGISTRY_ARRAY(ll_party, parties);
	LL_REGISTRY_ARRAY(ll_work, works);
	LL_REGISTRY_ARRAY(ll_consent, consents);
	LL_REGISTRY_ARRAY(ll_licence, licences);
	struct ll_strmap isrc_ix;	/* canonical ISRC -> work index; built
					 * by ll_registry_link */
	json_t *retired;	/* replaced records' JSON, kept alive because
				 * the indexes borrow their id strings */
	/* "kind:id" of records that failed to parse in this batch: references
	 * to them are not reported again as unknown */
	struct ll_strmap failed_ix;
	char **failed;
	size_t n_failed;
};

void ll_registry_init(struct ll_registry *reg);
void ll_registry_release(struct ll_registry *reg);

/* Per-kind counts of what ll_registry_parse added (for load reports). */
struct ll_registry_counts {
	size_t n[LL_REC_KIND_COUNT];
};

/*
 * Parse one registry document (an object holding any of the arrays
 * "parties", "works", "consents", "licences") named source.  text is
 * borrowed and must outlive reg.  Every record is checked on its own
 * (types, enums, exact numbers, identifiers, dates); references between
 * records are checked by ll_registry_link.  A record whose id is already
 * present replaces a stored one, is dropped when identical to one loaded
 * in this batch, and is an error when it differs from one loaded in this
 * batch.  Every problem is appended to errs (LL_INVALID); returns
 * LL_INVALID when any was found in this document, LL_NOMEM, or LL_OK.
 */
enum ll_status ll_registry_parse(struct ll_registry *reg, const char *source,
				 const char *text, size_t len,
				 struct ll_errlist *errs);

/*
 * Add one record read back from the database: kind, its stored version,
 * the digest stored with it (hex) and its JSON text.  Errors (a stored
 * record that no longer validates) go to errs.  The record's canonical
 * digest, recomputed, must equal sha256: a record edited behind
 * ledgerline's back is LL_DB, "KIND ID version N: stored record does not
 * match its digest" in errs.
 */
enum ll_status ll_registry_add_stored(struct ll_registry *reg,
				      enum ll_record_kind kind, int version,
				      const char *sha256, const char *body,
				      size_t len, struct ll_errlist *errs);

/*
 * Check everything that spans records (also after ll_registry_parse found
 * errors: a reference to a record that itself failed to parse is not
 * reported again): references resolve, payee routing
 * (no self-routing, no chains), licensee is a party of kind licensee,
 * unique ISRCs, overlapping scope works listed once.  Builds isrc_ix.
 * Returns LL_INVALID when any problem was found.
 */
enum ll_status ll_registry_link(struct ll_registry *reg,
				struct ll_errlist *errs);

/* Lookups by id (canonical ISRC for the second); NULL when absent.
 * Borrowed. */
const struct ll_party *ll_registry_party(const struct ll_registry *reg,
					 const char *id);
const struct ll_work *ll_registry_work(const struct ll_registry *reg,
				       const char *id);
const struct ll_work *ll_registry_work_by_isrc(const struct ll_registry *reg,
					       const char *isrc);

/* Meta of record i of kind k (borrowed). */
const struct ll_record_meta *ll_registry_meta(const struct ll_registry *reg,
					      enum ll_record_kind k, size_t i);
size_t ll_registry_count(const struct ll_registry *reg,
			 enum ll_record_kind k);
/* The record's id (borrowed). */
const char *ll_registry_id(const struct ll_registry *reg,
			   enum ll_record_kind k, size_t i);

#endif
