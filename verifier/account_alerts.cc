#include "verifier/account_alerts.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace keytrail {
namespace verifier {
namespace {

Alert AccountAlert(AlertKind kind, absl::string_view account, std::string explanation,
                   absl::string_view evidence) {
  Alert a;
  a.kind = kind;
  a.account = std::string(account);
  a.explanation = std::move(explanation);
  a.evidence = std::string(evidence);
  return a;
}

bool Enrolled(const vstate::OwnAccount& own, const Device& d) {
  for (const vstate::EnrolledDevice& e : own.enrolled()) {
    if (e.device_id() == d.device_id && e.device_key() == d.device_key) return true;
  }
  return false;
}

}  // namespace

std::vector<Alert> OwnVersionAlerts(const vstate::OwnAccount& own, const AccountState& version,
                                    absl::string_view evidence) {
  std::vector<std::string> rogue;
  for (const Device& d : version.key_set.devices) {
    if (!Enrolled(own, d)) rogue.push_back(absl::StrCat("\"", PrintableAccount(d.device_id), "\""));
  }
  if (rogue.empty()) return {};
  return {AccountAlert(
      AlertKind::kUnenrolledDevice, own.account(),
      absl::StrCat("A device you did not add (", absl::StrJoin(rogue, ", "),
                   ") appeared on your account in version ", version.version,
                   ": someone may be able to read your messages."),
      evidence)};
}

std::vector<Alert> ContactVersionAlerts(const vstate::Contact& contact,
                                        absl::string_view previous_key_set,
                                        const AccountState& version, absl::string_view evidence) {
  const std::string who = PrintableAccount(contact.account());
  const KeySet& ks = version.key_set;
  std::vector<Alert> out;
  if (contact.verified()) {
    if (!contact.verified_account_key().empty()) {
      if (!ks.account_key.has_value() || *ks.account_key != contact.verified_account_key()) {
        out.push_back(AccountAlert(
            AlertKind::kIdentityChanged, contact.account(),
            absl::StrCat(who, "'s account key, which you verified, was ",
                         ks.account_key.has_value() ? "replaced" : "removed", " in version ",
                         version.version, ": verify ", who, " again before trusting it."),
            evidence));
      } else if (!version.signatures.ok()) {
        out.push_back(AccountAlert(
            AlertKind::kUnsignedKeySet, contact.account(),
            absl::StrCat("Version ", version.version, " of ", who,
                         "'s keys is not signed by the account key you verified: a device "
                         "may have been added without ", who, "'s consent."),
            evidence));
      }
    } else if (version.key_set_bytes != contact.verified_key_set()) {
      out.push_back(AccountAlert(
          AlertKind::kIdentityChanged, contact.account(),
          absl::StrCat(who, "'s keys changed in version ", version.version,
                       " since you verified them: verify ", who, " again."),
          evidence));
    }
    return out;
  }
  if (!version.signatures.ok()) {
    out.push_back(AccountAlert(
        AlertKind::kUnsignedKeySet, contact.account(),
        absl::StrCat("Version ", version.version, " of ", who,
                     "'s keys is not signed by its own account key."),
        evidence));
  }
  if (!previous_key_set.empty() && version.key_set_bytes != previous_key_set) {
    out.push_back(AccountAlert(
        AlertKind::kKeySetChanged, contact.account(),
        absl::StrCat(who, "'s devices changed (version ", version.version,
                     "); this is normal when they get a new phone."),
        evidence));
  }
  return out;
}

}  // namespace verifier
}  // namespace keytrail
