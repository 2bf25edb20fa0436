/*
 * dsse.h — DSSE envelopes (Dead Simple Signing Envelope v1, as used by
 * in-toto): pre-authentication encoding, signing, opening.
 *
 * Design decision: the signature covers PAE(payloadType, payload), never
 * the envelope's JSON, so verification depends only on the decoded
 * payload bytes; opening an envelope returns the payload only after a
 * signature by the expected key verified.
 */
#ifndef LEDGERLINE_DSSE_H
#define LEDGERLINE_DSSE_H

#include <stddef.h>
#include <stdint.h>

#include "ledgerline/sign.h"
#include "ledgerline/status.h"

#define LL_DSSE_INTOTO_TYPE "application/vnd.in-toto+json"

/*
 * PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body,
 * lengths in ASCII decimal.  New malloc'd buffer, *out_len its length.
 */
uint8_t *ll_dsse_pae(const char *type, const uint8_t *body, size_t len,
		     size_t *out_len);

/* Standard base64 (RFC 4648 §4, with padding); new malloc'd strings. */
char *ll_base64_encode(const uint8_t *data, size_t len);
/* Strict decode: only the standard alphabet, correct padding; NULL when
 * malformed (err filled when not NULL). */
uint8_t *ll_base64_decode(const char *text, size_t len, size_t *out_len);

/*
 * The envelope JSON, canonical (keys sorted, compact, then "\n"):
 * {"payload": b64, "payloadType": type, "signatures": [{"keyid": k->keyid,
 * "sig": b64}]}.  New malloc'd string.
 */
char *ll_dsse_sign(const struct ll_key *k, const char *type,
		   const uint8_t *payload, size_t len, struct ll_error *err);

/*
 * Parse an envelope, find a signature whose keyid is pub's (an envelope
 * signed by another key is LL_FINDINGS "no signature by key ..."), verify
 * it over PAE, and return the decoded payload (new buffer, NUL-terminated,
 * *len without the NUL) and its type (new string).  Malformed envelopes
 * are LL_INVALID; a bad signature LL_FINDINGS.
 */
enum ll_status ll_dsse_open(const char *envelope, size_t envelope_len,
			    const struct ll_key *pub, uint8_t **payload,
			    size_t *len, char **type, struct ll_error *err);

#endif
