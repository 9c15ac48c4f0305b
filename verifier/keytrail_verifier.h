/* keytrail verifier library, C API: what Swift, Kotlin (JNI) and Rust
 * bindings call. docs/VERIFIER.md, "C API", has a walk-through; the C++ API
 * (verifier/verifier.h) says what each call checks.
 *
 * Conventions:
 *  - Opaque handles (kt_policy, kt_verifier, kt_result), each freed with its
 *    own kt_*_free function (NULL is accepted and ignored).
 *  - Bytes in: pointer and length; account ids and keys are bytes, not
 *    NUL-terminated. Key strings (C2SP verifier keys) and codes are
 *    NUL-terminated UTF-8.
 *  - Bytes out: a kt_buffer the library fills with memory it allocated; the
 *    caller frees it with kt_buffer_free. Text buffers are also
 *    NUL-terminated (len excludes the NUL).
 *  - Every fallible call returns a kt_code (0 = KT_OK; the other values are
 *    absl::StatusCode / gRPC code numbers) and, when `error` is not NULL and
 *    the call fails, fills it with a message saying why.
 *  - Strings a kt_result returns are owned by it and live until
 *    kt_result_free.
 *  - No threads, no I/O. A kt_verifier is used from one thread at a time;
 *    distinct handles are independent.
 */
#ifndef KEYTRAIL_VERIFIER_KEYTRAIL_VERIFIER_H_
#define KEYTRAIL_VERIFIER_KEYTRAIL_VERIFIER_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  KT_OK = 0,
  KT_INVALID_ARGUMENT = 3, /* bad input, or an answer that does not verify */
  KT_NOT_FOUND = 5,
  KT_FAILED_PRECONDITION = 9, /* does not apply to the state; state of another format/log */
  KT_INTERNAL = 13,           /* a bug */
  KT_DATA_LOSS = 15           /* saved state bytes that are damaged */
} kt_code;

/* Alert kinds: verifier/alert.h, docs/VERIFIER.md "Alerts". */
typedef enum {
  KT_ALERT_UNENROLLED_DEVICE = 1,
  KT_ALERT_UNSIGNED_KEY_SET = 2,
  KT_ALERT_IDENTITY_CHANGED = 3,
  KT_ALERT_KEY_SET_CHANGED = 4,
  KT_ALERT_LOG_FORKED = 5,
  KT_ALERT_LOG_ROLLED_BACK = 6,
  KT_ALERT_LOG_STALE = 7,
  KT_ALERT_LOG_MISSING_COSIGNATURES = 8,
  KT_ALERT_HISTORY_REWRITTEN = 9
} kt_alert_kind;

typedef struct {
  uint8_t* data;
  size_t len;
} kt_buffer;

/* Frees b->data and sets it to {NULL, 0}. */
void kt_buffer_free(kt_buffer* b);

/* ---- Policy ---- */
typedef struct kt_policy kt_policy;

kt_policy* kt_policy_new(void);
void kt_policy_free(kt_policy* p);
/* The log's note verifier key, VRF public key (33 bytes) and commitment
 * key, as its GetLogInfo states them (checked by kt_verifier_new). */
void kt_policy_set_log(kt_policy* p, const char* note_verifier_key, const uint8_t* vrf_key,
                       size_t vrf_key_len, const uint8_t* commitment_key,
                       size_t commitment_key_len);
/* A trusted monitor's C2SP cosignature verifier key. */
void kt_policy_add_monitor(kt_policy* p, const char* cosigner_verifier_key);
void kt_policy_set_min_cosignatures(kt_policy* p, size_t n);
void kt_policy_set_max_checkpoint_age_ms(kt_policy* p, uint64_t ms);

/* ---- Verifier ---- */
typedef struct kt_verifier kt_verifier;

/* A verifier from `policy` and saved state (len 0 for a fresh install).
 * KT_INVALID_ARGUMENT for a bad policy; KT_DATA_LOSS / KT_FAILED_PRECONDITION
 * for state that is damaged / of another format version or log. */
kt_code kt_verifier_new(const kt_policy* policy, const uint8_t* state, size_t state_len,
                        kt_verifier** out, kt_buffer* error);
void kt_verifier_free(kt_verifier* v);
/* Versioned bytes to store durably and pass to kt_verifier_new next time. */
kt_code kt_verifier_save_state(const kt_verifier* v, kt_buffer* out);
uint64_t kt_verifier_last_verified_size(const kt_verifier* v);

kt_code kt_verifier_set_own_account(kt_verifier* v, const uint8_t* account, size_t len,
                                    kt_buffer* error);
kt_code kt_verifier_enroll_device(kt_verifier* v, const uint8_t* device_id, size_t id_len,
                                  const uint8_t* device_key, size_t key_len, kt_buffer* error);
/* The user's own account key (32-byte Ed25519 public key; len 0 for none):
 * self-monitoring alerts when a version adds, removes or replaces it
 * (KT_ALERT_IDENTITY_CHANGED) or is not validly signed by it
 * (KT_ALERT_UNSIGNED_KEY_SET). */
kt_code kt_verifier_set_own_account_key(kt_verifier* v, const uint8_t* account_key, size_t len,
                                        kt_buffer* error);
kt_code kt_verifier_remove_enrolled_device(kt_verifier* v, const uint8_t* device_id, size_t id_len,
                                           kt_buffer* error);

/* Serialized keytrail.v1.LookupRequest / HistoryRequest to send. */
kt_code kt_verifier_lookup_request(const kt_verifier* v, const uint8_t* account, size_t len,
                                   kt_buffer* out);
kt_code kt_verifier_history_request(const kt_verifier* v, const uint8_t* account, size_t len,
                                    kt_buffer* out);

/* ---- Results ---- */
typedef struct kt_result kt_result;

/* Check the serialized LookupResponse / HistoryResponse the log returned.
 * Always sets *out (free it with kt_result_free); returns its status code. */
kt_code kt_verifier_handle_lookup(kt_verifier* v, const uint8_t* account, size_t account_len,
                                  const uint8_t* response, size_t response_len, uint64_t now_ms,
                                  kt_result** out);
kt_code kt_verifier_handle_history(kt_verifier* v, const uint8_t* account, size_t account_len,
                                   const uint8_t* response, size_t response_len, uint64_t now_ms,
                                   kt_result** out);

/* Several accounts under one checkpoint (docs/PROTOCOL.md "Batch lookups"):
 * the serialized keytrail.v1.BatchLookupRequest for the n accounts
 * accounts[i] (lens[i] bytes each), 1 <= n <= 128. KT_INVALID_ARGUMENT,
 * naming the count or the bad account, otherwise. */
kt_code kt_verifier_batch_lookup_request(const kt_verifier* v, const uint8_t* const* accounts,
                                         const size_t* lens, size_t n, kt_buffer* out,
                                         kt_buffer* error);
/* Check the serialized BatchLookupResponse the log returned to that request
 * (the same accounts). `results` has room for n. On KT_OK results[0 ..
 * *answered) are set, results[i] being accounts[i]'s, as
 * kt_verifier_handle_lookup gives it (each with its own code); the log
 * answered a prefix when *answered < n: ask again for the rest. Otherwise
 * the batch was rejected as a whole (unparsable, or its shared log proof
 * failed), nothing changed, *answered is 0 and results[0] holds the reason
 * and the log's alerts (a fork, a rollback...). Free each result set with
 * kt_result_free. n = 0 is KT_INVALID_ARGUMENT with nothing set. */
kt_code kt_verifier_handle_batch_lookup(kt_verifier* v, const uint8_t* const* accounts,
                                        const size_t* lens, size_t n, const uint8_t* response,
                                        size_t response_len, uint64_t now_ms, kt_result** results,
                                        size_t* answered);
/* A checkpoint note from elsewhere with a consistency proof (may be empty). */
kt_code kt_verifier_observe_checkpoint(kt_verifier* v, const uint8_t* note, size_t note_len,
                                       const uint8_t* proof, size_t proof_len, kt_result** out);
/* The log answered OUT_OF_RANGE to a request built here. */
kt_code kt_verifier_report_out_of_range(const kt_verifier* v, kt_result** out);

void kt_result_free(kt_result* r);
kt_code kt_result_code(const kt_result* r);
const char* kt_result_message(const kt_result* r); /* "" when OK */
/* Whether an account was verified, its version (0 = none) and canonical key
 * set (borrowed; len 0 when none). */
int kt_result_has_account(const kt_result* r);
uint64_t kt_result_version(const kt_result* r);
void kt_result_key_set(const kt_result* r, const uint8_t** data, size_t* len);
size_t kt_result_device_count(const kt_result* r);
size_t kt_result_alert_count(const kt_result* r);
/* REQUIRES: i < kt_result_alert_count(r). */
int kt_result_alert_kind(const kt_result* r, size_t i);
const char* kt_result_alert_explanation(const kt_result* r, size_t i);
void kt_result_alert_account(const kt_result* r, size_t i, const uint8_t** data, size_t* len);
void kt_result_alert_evidence(const kt_result* r, size_t i, const uint8_t** data, size_t* len);

/* ---- Verification codes ---- */
/* The code for the own account and `contact` (NUL-terminated text). */
kt_code kt_verifier_contact_code(const kt_verifier* v, const uint8_t* contact, size_t len,
                                 kt_buffer* code, kt_buffer* error);
kt_code kt_verifier_mark_verified(kt_verifier* v, const uint8_t* contact, size_t len,
                                  const char* code, kt_buffer* error);

#ifdef __cplusplus
}
#endif

#endif /* KEYTRAIL_VERIFIER_KEYTRAIL_VERIFIER_H_ */
