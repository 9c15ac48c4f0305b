#include "verifier/verifier.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "core/crypto/ed25519.h"
#include "core/merkle/hash_list.h"
#include "core/merkle/verify.h"
#include "core/protocol/batch_lookup.h"
#include "core/protocol/chain.h"
#include "core/protocol/limits.h"
#include "core/protocol/verification_code.h"
#include "proto/keytrail.pb.h"
#include "verifier/account_alerts.h"
#include "verifier/cosignatures.h"
#include "verifier/history.h"
#include "verifier/log_alerts.h"
#include "verifier/log_proof.h"
#include "verifier/lookup.h"
#include "verifier/state.h"

namespace keytrail {
namespace verifier {
namespace {

Result Rejected(absl::Status status, std::vector<Alert> alerts = {}) {
  Result r;
  r.status = std::move(status);
  r.alerts = std::move(alerts);
  return r;
}

void Append(std::vector<Alert>* to, std::vector<Alert> more) {
  for (Alert& a : more) to->push_back(std::move(a));
}

Alert HistoryAlert(absl::string_view account, uint64_t version, absl::string_view evidence) {
  Alert a;
  a.kind = AlertKind::kHistoryRewritten;
  a.account = std::string(account);
  a.explanation = absl::StrCat("The log's history of ", PrintableAccount(account),
                               " no longer contains version ", version,
                               " as you verified it before: the log may have rewritten it.");
  a.evidence = std::string(evidence);
  return a;
}

std::string HeadBytes(const Hash& h) { return std::string(HashView(h)); }

}  // namespace

absl::StatusOr<std::unique_ptr<Verifier>> Verifier::Create(const Policy& policy,
                                                           absl::string_view state) {
  auto trust = TrustFromPolicy(policy);
  if (!trust.ok()) return trust.status();
  auto loaded = DecodeState(state, *trust);
  if (!loaded.ok()) return loaded.status();
  std::unique_ptr<Verifier> v(new Verifier(*std::move(trust), policy.log_note_key));
  vstate::VerifierState& s = loaded->state;
  if (!s.checkpoint_note().empty()) {
    auto cp = OpenLogCheckpoint(v->trust_, s.checkpoint_note());
    if (!cp.ok()) return absl::DataLossError(absl::StrCat("state: ", cp.status().message()));
    v->checkpoint_ = *std::move(cp);
    v->last_ = loaded->checkpoint;
  }
  if (s.has_own()) v->own_ = s.own();
  for (vstate::Contact& c : *s.mutable_contacts()) {
    std::string key = c.account();
    v->contacts_.emplace(std::move(key), std::move(c));
  }
  return v;
}

std::string Verifier::SaveState() const {
  vstate::VerifierState s;
  s.set_origin(trust_.origin);
  if (checkpoint_.has_value()) s.set_checkpoint_note(checkpoint_->note);
  if (own_.has_value()) *s.mutable_own() = *own_;
  for (const auto& [account, c] : contacts_) *s.add_contacts() = c;  // std::map: sorted
  return EncodeState(std::move(s));
}

absl::Status Verifier::SetOwnAccount(absl::string_view account) {
  if (account.empty()) return absl::InvalidArgumentError("own account: empty account id");
  if (own_.has_value()) {
    if (own_->account() == account) return absl::OkStatus();
    return absl::FailedPreconditionError("own account: this state belongs to another account");
  }
  own_.emplace();
  own_->set_account(std::string(account));
  own_->set_version(0);
  own_->set_head(HeadBytes(GenesisHead()));
  return absl::OkStatus();
}

absl::Status Verifier::EnrollDevice(absl::string_view device_id, absl::string_view device_key) {
  if (!own_.has_value()) return absl::FailedPreconditionError("own account: not set");
  if (device_id.empty() || device_key.empty()) {
    return absl::InvalidArgumentError("enroll: device id and key must not be empty");
  }
  for (vstate::EnrolledDevice& e : *own_->mutable_enrolled()) {
    if (e.device_id() == device_id) {
      e.set_device_key(std::string(device_key));
      return absl::OkStatus();
    }
  }
  vstate::EnrolledDevice* e = own_->add_enrolled();
  e->set_device_id(std::string(device_id));
  e->set_device_key(std::string(device_key));
  return absl::OkStatus();
}

absl::Status Verifier::SetOwnAccountKey(absl::string_view account_key) {
  if (!own_.has_value()) return absl::FailedPreconditionError("own account: not set");
  if (!account_key.empty() && account_key.size() != kEd25519PublicKeySize) {
    return absl::InvalidArgumentError(
        absl::StrCat("own account key: must be ", kEd25519PublicKeySize,
                     " bytes (or empty for none), got ", account_key.size()));
  }
  own_->set_account_key(std::string(account_key));
  return absl::OkStatus();
}

absl::Status Verifier::RemoveEnrolledDevice(absl::string_view device_id) {
  if (!own_.has_value()) return absl::FailedPreconditionError("own account: not set");
  auto* list = own_->mutable_enrolled();
  for (int i = 0; i < list->size(); ++i) {
    if (list->Get(i).device_id() == device_id) {
      list->DeleteSubrange(i, 1);
      return absl::OkStatus();
    }
  }
  return absl::NotFoundError("enroll: no such enrolled device");
}

bool Verifier::IsOwn(absl::string_view account) const {
  return own_.has_value() && own_->account() == account;
}

uint64_t Verifier::StoredVersion(absl::string_view account) const {
  if (IsOwn(account)) return own_->version();
  auto it = contacts_.find(std::string(account));
  return it == contacts_.end() ? 0 : it->second.version();
}

std::optional<Hash> Verifier::StoredHead(absl::string_view account) const {
  const std::string* head = nullptr;
  if (IsOwn(account)) {
    head = &own_->head();
  } else {
    auto it = contacts_.find(std::string(account));
    if (it == contacts_.end()) return std::nullopt;
    head = &it->second.head();
  }
  Hash h;
  if (!HashFromBytes(*head, &h)) return std::nullopt;  // DecodeState checked
  return h;
}

std::string Verifier::LookupRequest(absl::string_view account) const {
  v1::LookupRequest r;
  r.set_account(std::string(account));
  r.set_last_verified_size(last_.size);
  return r.SerializeAsString();
}

std::string Verifier::HistoryRequest(absl::string_view account) const {
  v1::HistoryRequest r;
  r.set_account(std::string(account));
  auto pending = pending_history_.find(account);
  if (pending != pending_history_.end()) {
    r.set_since_version(pending->second.next_since);
    r.set_last_verified_size(pending->second.last.size);
  } else {
    r.set_since_version(StoredVersion(account) + 1);
    r.set_last_verified_size(last_.size);
  }
  return r.SerializeAsString();
}

void Verifier::StoreCheckpoint(absl::string_view note, const note::Checkpoint& cp) {
  last_ = TrustedCheckpoint{cp.size, cp.root};
  // The caller verified it: no second signature check, and no copy when it
  // is the one stored already (every answer of an epoch carries it).
  if (checkpoint_.has_value() && checkpoint_->note == note) return;
  checkpoint_ = SignedCheckpoint{std::string(note), cp};
}

Result Verifier::HandleLookup(absl::string_view account, absl::string_view response,
                              uint64_t now_ms) {
  v1::LookupResponse r;
  if (!r.ParseFromArray(response.data(), static_cast<int>(response.size()))) {
    return Rejected(absl::InvalidArgumentError("response: does not parse as a LookupResponse"));
  }
  auto v = VerifyLookup(trust_, account, r, last_, now_ms, SignatureCheck::kReport, &checkpoints_);
  // Every log alert comes with a failed log proof, so an answer that
  // verified needs no second look (and no second signature check).
  if (!v.ok()) {
    return Rejected(v.status(), LogAlerts(trust_, log_vkey_, r.log(), checkpoint_, now_ms));
  }
  std::vector<Alert> alerts;

  const uint64_t stored = StoredVersion(account);
  const std::optional<Hash> stored_head = StoredHead(account);
  const uint64_t now_version = v->current.has_value() ? v->current->version : 0;
  // The map holds only the newest head, which commits to every earlier one:
  // an older version, or the same one with another head, rewrote history.
  if (stored_head.has_value() && (now_version < stored || (now_version == stored && stored > 0 &&
                                                           v->current->head != *stored_head))) {
    alerts.push_back(HistoryAlert(account, stored, response));
    return Rejected(
        absl::InvalidArgumentError(absl::StrCat("history: the log's version ", now_version,
                                                " of the account does not "
                                                "extend the verified version ",
                                                stored)),
        std::move(alerts));
  }

  Result out;
  VerifiedAccount acc;
  acc.account = std::string(account);
  if (now_version > stored) {
    const AccountState& cur = *v->current;
    if (IsOwn(account)) {
      Append(&alerts,
             OwnVersionAlerts(*own_, PreviousVersion{stored, own_->key_set()}, cur, response));
      own_->set_version(cur.version);
      own_->set_head(HeadBytes(cur.head));
      own_->set_key_set(cur.key_set_bytes);
    } else {
      vstate::Contact& c = contacts_[std::string(account)];
      const std::string previous = c.key_set();
      c.set_account(std::string(account));
      Append(&alerts, ContactVersionAlerts(c, PreviousVersion{stored, previous}, cur, response));
      c.set_version(cur.version);
      c.set_head(HeadBytes(cur.head));
      c.set_key_set(cur.key_set_bytes);
    }
  } else if (!IsOwn(account) && contacts_.count(std::string(account)) == 0) {
    vstate::Contact& c = contacts_[std::string(account)];  // first lookup: absent account
    c.set_account(std::string(account));
    c.set_version(0);
    c.set_head(HeadBytes(GenesisHead()));
  }
  StoreCheckpoint(r.log().checkpoint(), v->log.checkpoint);
  acc.version = now_version;
  if (v->current.has_value()) {
    acc.key_set = v->current->key_set;
    acc.key_set_bytes = v->current->key_set_bytes;
  }
  auto it = contacts_.find(std::string(account));
  acc.verified = it != contacts_.end() && it->second.verified();
  out.account = std::move(acc);
  out.alerts = std::move(alerts);
  return out;
}

absl::StatusOr<std::string> Verifier::BatchLookupRequest(
    absl::Span<const std::string> accounts) const {
  if (accounts.empty() || accounts.size() > kMaxBatchLookups) {
    return absl::InvalidArgumentError(absl::StrCat("accounts: a batch holds 1..", kMaxBatchLookups,
                                                   " accounts, got ", accounts.size()));
  }
  v1::BatchLookupRequest r;
  for (size_t i = 0; i < accounts.size(); ++i) {
    absl::Status valid = ValidateAccountId(accounts[i]);
    if (!valid.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("accounts[", i, "]: ", valid.message()));
    }
    r.add_accounts(accounts[i]);
  }
  r.set_last_verified_size(last_.size);
  return r.SerializeAsString();
}

BatchResult Verifier::HandleBatchLookup(absl::Span<const std::string> accounts,
                                        absl::string_view response, uint64_t now_ms) {
  BatchResult out;
  v1::BatchLookupResponse r;
  if (!r.ParseFromArray(response.data(), static_cast<int>(response.size()))) {
    out.status = absl::InvalidArgumentError("response: does not parse as a BatchLookupResponse");
    return out;
  }
  if (r.answers_size() < 1 || static_cast<size_t>(r.answers_size()) > accounts.size()) {
    out.status = absl::InvalidArgumentError(absl::StrCat(
        "answers: ", r.answers_size(), " answers to a batch of ", accounts.size(), " accounts"));
    return out;
  }
  // The shared log proof once: a failure (and the log alerts it brings) is
  // the batch's, not repeated for every account.
  auto log = VerifyLogProof(trust_, r.log(), last_, now_ms, &checkpoints_);
  if (!log.ok()) {
    out.status = log.status();
    out.alerts = LogAlerts(trust_, log_vkey_, r.log(), checkpoint_, now_ms);
    return out;
  }
  // Each answer is then handled as the Lookup answer it is: the log proof's
  // bytes followed by the answer's. Once one has verified, the batch's
  // checkpoint is the stored one, and the log would answer a Lookup sent
  // then with an empty consistency proof: so are the answers after it
  // rebuilt (what was proven stays proven; the checkpoint itself is checked
  // again against the stored one, equal size and root).
  const std::string as_sent = LookupAnswerPrefix(r.log());
  std::string as_stored;  // the log proof without its consistency proof
  for (int i = 0; i < r.answers_size(); ++i) {
    const bool stored = checkpoint_.has_value() && checkpoint_->note == r.log().checkpoint();
    if (stored && as_stored.empty()) {
      v1::LogProof log = r.log();
      log.clear_consistency_proof();
      as_stored = LookupAnswerPrefix(log);
    }
    out.results.push_back(
        HandleLookup(accounts[static_cast<size_t>(i)],
                     (stored ? as_stored : as_sent) + r.answers(i).SerializeAsString(), now_ms));
  }
  return out;
}

Result Verifier::HandleHistory(absl::string_view account, absl::string_view response,
                               uint64_t now_ms) {
  v1::HistoryResponse r;
  if (!r.ParseFromArray(response.data(), static_cast<int>(response.size()))) {
    return Rejected(absl::InvalidArgumentError("response: does not parse as a HistoryResponse"));
  }
  const uint64_t stored = StoredVersion(account);
  const std::optional<Hash> stored_head = StoredHead(account);
  std::optional<Hash> trusted;
  if (stored > 0) trusted = stored_head;
  // A later page of an unfinished history continues from its last page.
  auto pending = pending_history_.find(account);
  const bool continuing = pending != pending_history_.end();
  auto v = continuing
               ? VerifyHistory(trust_, account, pending->second.next_since, pending->second.head, r,
                               pending->second.last, now_ms, SignatureCheck::kReport, &checkpoints_)
               : VerifyHistory(trust_, account, stored + 1, trusted, r, last_, now_ms,
                               SignatureCheck::kReport, &checkpoints_);
  if (continuing && !v.ok()) {
    pending_history_.erase(pending);
    return Rejected(absl::Status(
        v.status().code(), absl::StrCat("history page since version ",
                                        r.versions_size() > 0 ? r.versions(0).version() : 0, ": ",
                                        v.status().message())));
  }
  if (v.ok() && v->more) {
    PendingHistory& p = continuing ? pending->second : pending_history_[std::string(account)];
    p.pages.emplace_back(response);
    for (AccountState& s : v->versions) {
      p.versions.push_back(std::move(s));
      p.page_of.push_back(p.pages.size() - 1);
    }
    p.next_since = p.versions.back().version + 1;  // a page with more holds one
    p.head = v->head;
    p.last = v->log.trusted();
    Result out;
    out.more = true;
    return out;
  }
  // The last page: its map proof proves every earlier page's versions too
  // (each head commits to the one before); their key set signatures, which
  // a partial page does not check, are checked now.
  std::vector<std::string> pages;
  std::vector<size_t> page_of;
  if (continuing) {
    PendingHistory p = std::move(pending->second);
    pending_history_.erase(pending);
    for (AccountState& s : p.versions) {
      s.signatures = VerifyAccountVersionSignature(account, s);
    }
    const size_t last_page = p.pages.size();
    for (AccountState& s : v->versions) {
      p.versions.push_back(std::move(s));
      p.page_of.push_back(last_page);
    }
    p.pages.emplace_back(response);
    v->versions = std::move(p.versions);
    pages = std::move(p.pages);
    page_of = std::move(p.page_of);
  }
  if (!v.ok()) {
    std::vector<Alert> alerts = LogAlerts(trust_, log_vkey_, r.log(), checkpoint_, now_ms);
    // Does the log prove a chain that starts from another head? Then it
    // rewrote the history this library verified.
    if (trusted.has_value() && HashView(*trusted) != r.previous_head()) {
      auto other = VerifyHistory(trust_, account, stored + 1, std::nullopt, r, last_, now_ms,
                                 SignatureCheck::kReport);
      if (other.ok()) alerts.push_back(HistoryAlert(account, stored, response));
    }
    return Rejected(v.status(), std::move(alerts));
  }

  std::vector<Alert> alerts;
  // The version before each one judged: the stored one, then each in turn.
  std::string previous = IsOwn(account) ? own_->key_set() : std::string();
  uint64_t previous_version = stored;
  if (!IsOwn(account)) {
    auto it = contacts_.find(std::string(account));
    if (it != contacts_.end()) previous = it->second.key_set();
  }
  vstate::Contact contact;  // working copy, committed below
  if (!IsOwn(account)) {
    auto it = contacts_.find(std::string(account));
    if (it != contacts_.end()) contact = it->second;
    contact.set_account(std::string(account));
  }
  for (size_t i = 0; i < v->versions.size(); ++i) {
    const AccountState& s = v->versions[i];
    // Evidence: the page that holds the version.
    absl::string_view page = pages.empty() ? response : absl::string_view(pages[page_of[i]]);
    const PreviousVersion before{previous_version, previous};
    if (IsOwn(account)) {
      Append(&alerts, OwnVersionAlerts(*own_, before, s, page));
    } else {
      Append(&alerts, ContactVersionAlerts(contact, before, s, page));
    }
    previous = s.key_set_bytes;
    previous_version = s.version;
  }
  VerifiedAccount acc;
  acc.account = std::string(account);
  acc.version = stored;
  if (!v->versions.empty()) {
    const AccountState& last = v->versions.back();
    acc.version = last.version;
    acc.key_set = last.key_set;
    acc.key_set_bytes = last.key_set_bytes;
    if (IsOwn(account)) {
      own_->set_version(last.version);
      own_->set_head(HeadBytes(last.head));
      own_->set_key_set(last.key_set_bytes);
    } else {
      contact.set_version(last.version);
      contact.set_head(HeadBytes(last.head));
      contact.set_key_set(last.key_set_bytes);
    }
  } else {
    const std::string& ks = IsOwn(account) ? own_->key_set() : contact.key_set();
    if (!ks.empty()) {
      acc.key_set_bytes = ks;
      acc.key_set = DecodeKeySet(ks).value_or(KeySet{});
    }
    if (!IsOwn(account) && stored == 0) {
      contact.set_version(0);
      contact.set_head(HeadBytes(GenesisHead()));
    }
  }
  if (!IsOwn(account)) {
    acc.verified = contact.verified();
    contacts_[std::string(account)] = std::move(contact);
  }
  StoreCheckpoint(r.log().checkpoint(), v->log.checkpoint);
  Result out;
  out.account = std::move(acc);
  out.alerts = std::move(alerts);
  return out;
}

Result Verifier::ObserveCheckpoint(absl::string_view checkpoint_note,
                                   absl::string_view consistency_proof) {
  auto seen = OpenLogCheckpoint(trust_, checkpoint_note);
  if (!seen.ok()) return Rejected(seen.status());
  Result out;
  if (!checkpoint_.has_value()) {
    out.status =
        absl::FailedPreconditionError("checkpoint: nothing verified yet to compare it with");
    return out;
  }
  const note::Checkpoint& a = checkpoint_->checkpoint;
  const note::Checkpoint& b = seen->checkpoint;
  auto evidence = SplitViewEvidence(log_vkey_, *checkpoint_, *seen, consistency_proof);
  if (evidence.has_value()) {
    Alert alert;
    alert.kind = AlertKind::kLogForked;
    alert.explanation =
        "A checkpoint from elsewhere contradicts the log's history you verified, so the log "
        "may be showing different keys to different people.";
    alert.evidence = *std::move(evidence);
    out.alerts.push_back(std::move(alert));
    return out;
  }
  if (a.size == b.size) {
    if (!consistency_proof.empty()) {
      out.status = absl::InvalidArgumentError("consistency proof: must be empty for equal sizes");
    }
    return out;
  }
  const note::Checkpoint& small = a.size < b.size ? a : b;
  const note::Checkpoint& large = a.size < b.size ? b : a;
  auto proof =
      merkle::DecodeHashList(consistency_proof, kMaxConsistencyProofHashes, "consistency proof");
  if (!proof.ok()) return Rejected(proof.status());
  absl::Status s =
      merkle::VerifyConsistency(small.size, large.size, *proof, small.root, large.root);
  if (!s.ok()) return Rejected(s);
  if (b.size > a.size) {
    auto note = note::ParseNote(checkpoint_note);
    std::vector<note::NoteSignature> others;
    if (note.ok()) {
      for (const note::NoteSignature& sig : note->signatures) {
        if (sig.name != trust_.log_key.name()) others.push_back(sig);
      }
    }
    if (note.ok() &&
        CountCosignatures(note->text, others, trust_.monitors) >= trust_.min_cosignatures) {
      StoreCheckpoint(checkpoint_note, b);
    }
  }
  return out;
}

Result Verifier::ReportOutOfRange() const {
  Result out;
  if (checkpoint_.has_value()) out.alerts.push_back(OutOfRangeAlert(*checkpoint_));
  return out;
}

absl::StatusOr<std::string> Verifier::ContactCode(absl::string_view contact) const {
  if (!own_.has_value() || own_->version() == 0) {
    return absl::FailedPreconditionError("code: the own account has no verified key set yet");
  }
  auto it = contacts_.find(std::string(contact));
  if (it == contacts_.end() || it->second.version() == 0) {
    return absl::FailedPreconditionError("code: the contact has no verified key set yet");
  }
  auto own_ks = DecodeKeySet(own_->key_set());
  auto their_ks = DecodeKeySet(it->second.key_set());
  if (!own_ks.ok() || !their_ks.ok()) return absl::InternalError("code: stored key set");
  // core/protocol/verification_code.h: the same digits on both phones.
  return ContactVerificationCode(own_->account(), *own_ks, contact, *their_ks);
}

absl::StatusOr<std::string> Verifier::OwnCode() const {
  if (!own_.has_value() || own_->version() == 0) {
    return absl::FailedPreconditionError("code: the own account has no verified key set yet");
  }
  auto ks = DecodeKeySet(own_->key_set());
  if (!ks.ok()) return absl::InternalError("code: stored key set");
  return AccountVerificationCode(own_->account(), *ks);
}

absl::Status Verifier::MarkVerified(absl::string_view contact, absl::string_view code) {
  auto want = ContactCode(contact);
  if (!want.ok()) return want.status();
  // Accept the code as displayed (FormatVerificationCode groups it).
  std::string digits;
  for (char c : code) {
    if (c != ' ') digits.push_back(c);
  }
  if (*want != digits) {
    return absl::FailedPreconditionError(
        "code: differs from the current code (keys changed meanwhile?)");
  }
  vstate::Contact& c = contacts_[std::string(contact)];
  auto ks = DecodeKeySet(c.key_set());
  if (!ks.ok()) return absl::InternalError("code: stored key set");
  c.set_verified(true);
  c.set_code(digits);
  c.set_verified_account_key(ks->account_key.value_or(""));
  c.set_verified_key_set(ks->account_key.has_value() ? "" : c.key_set());
  return absl::OkStatus();
}

std::optional<VerifiedAccount> Verifier::Contact(absl::string_view account) const {
  auto it = contacts_.find(std::string(account));
  if (it == contacts_.end()) return std::nullopt;
  VerifiedAccount acc;
  acc.account = it->second.account();
  acc.version = it->second.version();
  acc.key_set_bytes = it->second.key_set();
  if (!acc.key_set_bytes.empty()) acc.key_set = DecodeKeySet(acc.key_set_bytes).value_or(KeySet{});
  acc.verified = it->second.verified();
  return acc;
}

}  // namespace verifier
}  // namespace keytrail
