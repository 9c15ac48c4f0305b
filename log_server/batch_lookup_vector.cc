#include "log_server/batch_lookup_vector.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/crypto/ecvrf.h"
#include "core/crypto/ed25519.h"
#include "core/note/ed25519_note.h"
#include "core/protocol/key_set.h"
#include "log_server/epoch_builder.h"
#include "log_server/log_queries.h"
#include "log_server/log_storage.h"
#include "log_server/published_state.h"
#include "proto/keytrail.pb.h"

namespace keytrail::test {
namespace {

constexpr uint64_t kStartMs = 1767225600000;  // 2026-01-01T00:00:00Z

absl::StatusOr<PreparedUpdate> Update(const VrfPrivateKey& vrf, const std::string& account,
                                      const std::string& device, char opening) {
  PreparedUpdate u;
  u.account = account;
  u.account_record.vrf_proof = vrf.Prove(account);
  auto index = VrfProofToHash(u.account_record.vrf_proof);
  if (!index.ok()) return index.status();
  u.account_record.index = *index;
  KeySet ks;
  ks.devices.push_back(Device{device, std::string(32, opening)});
  auto key_set = EncodeKeySet(ks);
  if (!key_set.ok()) return key_set.status();
  u.key_set = *std::move(key_set);
  u.opening = std::string(32, opening);  // fixed, where the server draws random bytes
  return u;
}

}  // namespace

absl::StatusOr<BatchLookupVector> MakeBatchLookupVector(const std::string& dir) {
  auto note_key = Ed25519PrivateKey::FromSeed(std::string(32, '\x01'));
  if (!note_key.ok()) return note_key.status();
  auto signer = note::Ed25519NoteSigner::Create("example.org/batch-vector", *std::move(note_key));
  if (!signer.ok()) return signer.status();
  auto vrf = VrfPrivateKey::FromBytes(std::string(31, '\0') + "\x02");
  if (!vrf.ok()) return vrf.status();

  BatchLookupVector out;
  out.origin = signer->name();
  out.note_verifier_key = signer->VerifierKey();
  out.vrf_public_key = vrf->public_key().bytes();
  LogConfig config;
  config.origin = out.origin;
  config.note_verifier_key = out.note_verifier_key;
  config.vrf_public_key = out.vrf_public_key;
  auto storage = LogStorage::Open(dir, 8 << 20);
  if (!storage.ok()) return storage.status();
  uint64_t now_ms = kStartMs;
  auto builder = EpochBuilder::Open(storage->get(), config, *signer, [&now_ms] { return now_ms; });
  if (!builder.ok()) return builder.status();
  out.last_verified_size = (*builder)->published()->log.tree_size;

  // Epoch 1: alice, bob and carol, one device each.
  std::vector<PreparedUpdate> updates;
  const char* names[] = {"alice", "bob", "carol"};
  for (int i = 0; i < 3; ++i) {
    auto u = Update(*vrf, absl::StrCat(names[i], "@example.org"), "phone", 'a' + i);
    if (!u.ok()) return u.status();
    updates.push_back(*std::move(u));
  }
  now_ms += 1000;
  auto built = (*builder)->BuildEpoch(updates);
  if (!built.ok()) return built.status();
  StateHolder holder;
  holder.Set((*builder)->published());
  out.tree_size = holder.Get()->log.tree_size;

  LogQueries queries(**storage, holder, *vrf, {});
  out.accounts = {"alice@example.org", "mallory@example.org"};
  v1::BatchLookupRequest request;
  for (const std::string& a : out.accounts) request.add_accounts(a);
  request.set_last_verified_size(out.last_verified_size);
  v1::BatchLookupResponse response;
  absl::Status s = queries.BatchLookup(request, &response);
  if (!s.ok()) return s;
  out.batch_response = response.SerializeAsString();
  out.log_proof = response.log().SerializeAsString();
  for (const v1::AccountAnswer& a : response.answers())
    out.answers.push_back(a.SerializeAsString());
  for (const std::string& account : out.accounts) {
    v1::LookupRequest lookup;
    lookup.set_account(account);
    lookup.set_last_verified_size(out.last_verified_size);
    v1::LookupResponse answer;
    s = queries.Lookup(lookup, &answer);
    if (!s.ok()) return s;
    out.lookup_responses.push_back(answer.SerializeAsString());
  }
  return out;
}

}  // namespace keytrail::test
