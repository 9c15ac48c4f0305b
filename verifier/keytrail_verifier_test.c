/* The C API driven from plain C: the calls a Swift or Kotlin binding makes.
 * Reads the fake log's answers from c_api_testdata.txt (c_api_testdata.cc). */
#include "verifier/keytrail_verifier.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;
#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

typedef struct {
  char name[64];
  uint8_t* data;
  size_t len;
} record;

static record records[16];
static size_t n_records = 0;

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

static int load(const char* path) {
  FILE* f = fopen(path, "r");
  if (f == NULL) return 0;
  static char line[1 << 20];
  while (n_records < 16 && fgets(line, sizeof line, f) != NULL) {
    record* r = &records[n_records];
    char* space = strchr(line, ' ');
    if (space == NULL || (size_t)(space - line) >= sizeof r->name) break;
    memcpy(r->name, line, (size_t)(space - line));
    r->name[space - line] = 0;
    const char* hex = space + 1;
    size_t hex_len = strcspn(hex, "\n");
    r->len = hex_len / 2;
    r->data = malloc(r->len + 1);
    for (size_t i = 0; i < r->len; ++i) {
      r->data[i] = (uint8_t)(hexval(hex[2 * i]) * 16 + hexval(hex[2 * i + 1]));
    }
    r->data[r->len] = 0;
    ++n_records;
  }
  fclose(f);
  return n_records > 0;
}

static const record* get(const char* name) {
  for (size_t i = 0; i < n_records; ++i) {
    if (strcmp(records[i].name, name) == 0) return &records[i];
  }
  fprintf(stderr, "no record %s\n", name);
  exit(1);
}

#define BYTES(s) (const uint8_t*)(s), strlen(s)

int main(void) {
  const char* dir = getenv("TEST_SRCDIR");
  const char* ws = getenv("TEST_WORKSPACE");
  char path[4096];
  snprintf(path, sizeof path, "%s/%s/verifier/c_api_testdata.txt", dir ? dir : ".",
           ws ? ws : "__main__");
  if (!load(path)) {
    fprintf(stderr, "cannot read %s\n", path);
    return 1;
  }
  const uint64_t now = strtoull((const char*)get("now_ms")->data, NULL, 10);

  kt_policy* policy = kt_policy_new();
  const record* vrf = get("vrf_key");
  const record* ck = get("commitment_key");
  kt_policy_set_log(policy, (const char*)get("note_key")->data, vrf->data, vrf->len, ck->data,
                    ck->len);

  kt_verifier* v = NULL;
  kt_buffer error = {NULL, 0};
  CHECK(kt_verifier_new(policy, NULL, 0, &v, &error) == KT_OK);
  CHECK(kt_verifier_set_own_account(v, BYTES("alice"), &error) == KT_OK);
  CHECK(kt_verifier_enroll_device(v, BYTES("phone"), BYTES("key of phone"), &error) == KT_OK);
  const record* ak = get("alice_account_key");
  CHECK(kt_verifier_set_own_account_key(v, ak->data, 5, &error) == KT_INVALID_ARGUMENT);
  kt_buffer_free(&error);
  CHECK(kt_verifier_set_own_account_key(v, ak->data, ak->len, &error) == KT_OK);

  /* Requests are protobuf bytes the app's transport sends. */
  kt_buffer request = {NULL, 0};
  CHECK(kt_verifier_history_request(v, BYTES("alice"), &request) == KT_OK);
  CHECK(request.len > 0);
  kt_buffer_free(&request);
  CHECK(request.data == NULL);

  const record* h1 = get("history_alice_1");
  kt_result* r = NULL;
  CHECK(kt_verifier_handle_history(v, BYTES("alice"), h1->data, h1->len, now, &r) == KT_OK);
  CHECK(kt_result_alert_count(r) == 0);
  CHECK(kt_result_version(r) == 1);
  kt_result_free(r);

  /* A damaged answer: rejected with a reason, state unchanged. */
  kt_buffer before = {NULL, 0};
  CHECK(kt_verifier_save_state(v, &before) == KT_OK);
  const record* lb = get("lookup_bob");
  uint8_t* broken = malloc(lb->len);
  memcpy(broken, lb->data, lb->len);
  broken[lb->len / 2] ^= 1;
  CHECK(kt_verifier_handle_lookup(v, BYTES("bob"), broken, lb->len, now, &r) != KT_OK);
  CHECK(strlen(kt_result_message(r)) > 0);
  CHECK(kt_result_has_account(r) == 0);
  kt_result_free(r);
  free(broken);
  kt_buffer after = {NULL, 0};
  CHECK(kt_verifier_save_state(v, &after) == KT_OK);
  CHECK(before.len == after.len && memcmp(before.data, after.data, before.len) == 0);
  kt_buffer_free(&before);
  kt_buffer_free(&after);

  CHECK(kt_verifier_handle_lookup(v, BYTES("bob"), lb->data, lb->len, now, &r) == KT_OK);
  CHECK(kt_result_device_count(r) == 2);
  const uint8_t* ks = NULL;
  size_t ks_len = 0;
  kt_result_key_set(r, &ks, &ks_len);
  CHECK(ks_len > 0);
  kt_result_free(r);

  kt_buffer code = {NULL, 0};
  CHECK(kt_verifier_contact_code(v, BYTES("bob"), &code, &error) == KT_OK);
  CHECK(code.len == 60 && code.data[code.len] == 0);
  CHECK(kt_verifier_mark_verified(v, BYTES("bob"), "00000 00000", &error) ==
        KT_FAILED_PRECONDITION);
  CHECK(error.len > 0 && error.data[error.len] == 0);
  kt_buffer_free(&error);
  CHECK(kt_verifier_mark_verified(v, BYTES("bob"), (const char*)code.data, &error) == KT_OK);
  kt_buffer_free(&code);

  /* Save, reload, and carry on: the operator added a rogue device and
   * dropped the account key. */
  kt_buffer saved = {NULL, 0};
  CHECK(kt_verifier_save_state(v, &saved) == KT_OK);
  kt_verifier_free(v);
  v = NULL;
  CHECK(kt_verifier_new(policy, saved.data, saved.len, &v, &error) == KT_OK);
  /* One flipped bit, or the last byte cut off, anywhere: damage, not state. */
  for (size_t i = 0; i < saved.len; i += 7) {
    kt_verifier* damaged = NULL;
    saved.data[i] ^= 0x04;
    CHECK(kt_verifier_new(policy, saved.data, saved.len, &damaged, &error) == KT_DATA_LOSS);
    CHECK(damaged == NULL);
    kt_buffer_free(&error);
    saved.data[i] ^= 0x04;
  }
  {
    kt_verifier* cut = NULL;
    CHECK(kt_verifier_new(policy, saved.data, saved.len - 1, &cut, &error) == KT_DATA_LOSS);
    CHECK(cut == NULL && error.len > 0);
    kt_buffer_free(&error);
  }
  kt_buffer_free(&saved);
  const record* h2 = get("history_alice_2");
  CHECK(kt_verifier_handle_history(v, BYTES("alice"), h2->data, h2->len, now, &r) == KT_OK);
  CHECK(kt_result_alert_count(r) == 2);
  if (kt_result_alert_count(r) == 2) {
    CHECK(kt_result_alert_kind(r, 0) == KT_ALERT_UNENROLLED_DEVICE);
    CHECK(strstr(kt_result_alert_explanation(r, 0), "rogue") != NULL);
    const uint8_t* ev = NULL;
    size_t ev_len = 0;
    kt_result_alert_evidence(r, 0, &ev, &ev_len);
    CHECK(ev_len == h2->len);
    CHECK(kt_result_alert_kind(r, 1) == KT_ALERT_IDENTITY_CHANGED);
    CHECK(strstr(kt_result_alert_explanation(r, 1), "account key was removed") != NULL);
    kt_result_alert_account(r, 1, &ev, &ev_len);
    CHECK(ev_len == 5 && memcmp(ev, "alice", 5) == 0);
  }
  kt_result_free(r);

  /* Alice signs again: nothing to say. */
  const record* h3 = get("history_alice_3");
  CHECK(kt_verifier_handle_history(v, BYTES("alice"), h3->data, h3->len, now, &r) == KT_OK);
  CHECK(kt_result_alert_count(r) == 0);
  kt_result_free(r);

  /* The operator adds "tablet" under her last signature: the signature does
   * not verify, and the explanation names the device it does not cover. */
  const record* h4 = get("history_alice_4");
  CHECK(kt_verifier_handle_history(v, BYTES("alice"), h4->data, h4->len, now, &r) == KT_OK);
  CHECK(kt_result_alert_count(r) == 2);
  if (kt_result_alert_count(r) == 2) {
    CHECK(kt_result_alert_kind(r, 0) == KT_ALERT_UNENROLLED_DEVICE);
    CHECK(kt_result_alert_kind(r, 1) == KT_ALERT_UNSIGNED_KEY_SET);
    const char* why = kt_result_alert_explanation(r, 1);
    CHECK(strstr(why, "does not cover the device \"tablet\"") != NULL);
    CHECK(strstr(why, "phone") == NULL);
  }
  kt_result_free(r);

  /* A group chat: bob and carol in one BatchLookup, each answer checked as
   * a Lookup. */
  {
    const uint8_t* accounts[2] = {(const uint8_t*)"bob", (const uint8_t*)"carol"};
    const size_t lens[2] = {3, 5};
    CHECK(kt_verifier_batch_lookup_request(v, accounts, lens, 0, &request, &error) ==
          KT_INVALID_ARGUMENT);
    CHECK(error.len > 0 && strstr((const char*)error.data, "accounts") != NULL);
    kt_buffer_free(&error);
    CHECK(kt_verifier_batch_lookup_request(v, accounts, lens, 2, &request, &error) == KT_OK);
    CHECK(request.len > 0);
    kt_buffer_free(&request);

    const record* batch = get("batch_bob_carol");
    kt_result* results[2] = {NULL, NULL};
    size_t answered = 99;
    CHECK(kt_verifier_handle_batch_lookup(v, accounts, lens, 0, batch->data, batch->len, now,
                                          results, &answered) == KT_INVALID_ARGUMENT);
    CHECK(answered == 0 && results[0] == NULL);
    /* Cut short: rejected as a whole, the reason in results[0]. */
    CHECK(kt_verifier_handle_batch_lookup(v, accounts, lens, 2, batch->data, batch->len - 1, now,
                                          results, &answered) == KT_INVALID_ARGUMENT);
    CHECK(answered == 0);
    CHECK(results[0] != NULL && strlen(kt_result_message(results[0])) > 0);
    kt_result_free(results[0]);
    results[0] = NULL;
    CHECK(kt_verifier_handle_batch_lookup(v, accounts, lens, 2, batch->data, batch->len, now,
                                          results, &answered) == KT_OK);
    CHECK(answered == 2);
    if (answered == 2) {
      CHECK(kt_result_code(results[0]) == KT_OK && kt_result_version(results[0]) == 1);
      CHECK(kt_result_device_count(results[0]) == 2);
      CHECK(kt_result_code(results[1]) == KT_OK && kt_result_has_account(results[1]));
      CHECK(kt_result_version(results[1]) == 0);
      kt_result_free(results[0]);
      kt_result_free(results[1]);
    }
  }

  /* Damaged state: a clear error, no handle. */
  kt_verifier* bad = NULL;
  CHECK(kt_verifier_new(policy, BYTES("\xff\xff\xff"), &bad, &error) == KT_DATA_LOSS);
  CHECK(bad == NULL);
  CHECK(error.len > 0);
  kt_buffer_free(&error);

  kt_verifier_free(v);
  kt_policy_free(policy);
  kt_verifier_free(NULL);
  kt_result_free(NULL);
  kt_policy_free(NULL);
  for (size_t i = 0; i < n_records; ++i) free(records[i].data);
  if (failures == 0) printf("PASS\n");
  return failures == 0 ? 0 : 1;
}
