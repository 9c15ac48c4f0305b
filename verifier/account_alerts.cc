#include "verifier/account_alerts.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/protocol/key_set.h"

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

// "\"tablet\", \"laptop\"" for explanations.
std::string DeviceList(const std::vector<std::string>& ids) {
  std::vector<std::string> quoted;
  for (const std::string& id : ids)
    quoted.push_back(absl::StrCat("\"", PrintableAccount(id), "\""));
  return absl::StrJoin(quoted, ", ");
}

// The part of a kUnsignedKeySet explanation that says what is not covered.
std::string NotCovered(absl::string_view account, const PreviousVersion& previous,
                       const AccountState& version) {
  const std::vector<std::string> uncovered = UncoveredDevices(account, previous, version);
  if (uncovered.empty()) {
    return "its devices are those of an earlier version, but the signature is not for this "
           "version (an older key set republished)";
  }
  return absl::StrCat("the signature does not cover ",
                      uncovered.size() == 1 ? "the device " : "the devices ",
                      DeviceList(uncovered));
}

}  // namespace

std::vector<std::string> UncoveredDevices(absl::string_view account,
                                          const PreviousVersion& previous,
                                          const AccountState& version) {
  std::vector<Device> covered;
  if (previous.version > 0) {
    auto before = DecodeKeySet(previous.key_set);
    if (before.ok() && before->account_key.has_value() &&
        before->account_key == version.key_set.account_key &&
        VerifyKeySetSignature(account, previous.version, *before).ok()) {
      covered = std::move(before->devices);
    }
  }
  std::vector<std::string> out;
  for (const Device& d : version.key_set.devices) {
    bool found = false;
    for (const Device& c : covered) found = found || c == d;
    if (!found) out.push_back(d.device_id);
  }
  return out;
}

std::vector<Alert> OwnVersionAlerts(const vstate::OwnAccount& own, const PreviousVersion& previous,
                                    const AccountState& version, absl::string_view evidence) {
  std::vector<Alert> out;
  std::vector<std::string> rogue;
  for (const Device& d : version.key_set.devices) {
    if (!Enrolled(own, d)) rogue.push_back(d.device_id);
  }
  if (!rogue.empty()) {
    out.push_back(
        AccountAlert(AlertKind::kUnenrolledDevice, own.account(),
                     absl::StrCat("A device you did not add (", DeviceList(rogue),
                                  ") appeared on your account in version ", version.version,
                                  ": someone may be able to read your messages."),
                     evidence));
  }
  const std::string& enrolled = own.account_key();
  const std::optional<std::string>& key = version.key_set.account_key;
  if (enrolled.empty() && key.has_value()) {
    out.push_back(AccountAlert(
        AlertKind::kIdentityChanged, own.account(),
        absl::StrCat("An account key you did not set up was added to your account in version ",
                     version.version, ": whoever holds it can sign devices in your name."),
        evidence));
  } else if (!enrolled.empty() && !key.has_value()) {
    out.push_back(AccountAlert(
        AlertKind::kIdentityChanged, own.account(),
        IsEmpty(version.key_set)
            ? absl::StrCat("Your account was deactivated in version ", version.version,
                           " without your account key: you did not do this.")
            : absl::StrCat("Your account key was removed from your account in version ",
                           version.version,
                           ": your devices are no longer signed by it, so anyone can be made to "
                           "look like you."),
        evidence));
  } else if (!enrolled.empty() && *key != enrolled) {
    out.push_back(AccountAlert(
        AlertKind::kIdentityChanged, own.account(),
        absl::StrCat("Your account key was replaced by another in version ", version.version,
                     ": someone else may now sign devices in your name."),
        evidence));
  } else if (!enrolled.empty() && !version.signatures.ok()) {
    out.push_back(
        AccountAlert(AlertKind::kUnsignedKeySet, own.account(),
                     absl::StrCat("Version ", version.version,
                                  " of your keys is not validly signed by your account key (",
                                  NotCovered(own.account(), previous, version),
                                  "): a device may have been added without you."),
                     evidence));
  }
  return out;
}

std::vector<Alert> ContactVersionAlerts(const vstate::Contact& contact,
                                        const PreviousVersion& previous,
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
                         "'s keys is not validly signed by the account key you verified (",
                         NotCovered(contact.account(), previous, version),
                         "): a device may have been added without ", who, "'s consent."),
            evidence));
      }
    } else if (version.key_set_bytes != contact.verified_key_set()) {
      out.push_back(AccountAlert(AlertKind::kIdentityChanged, contact.account(),
                                 absl::StrCat(who, "'s keys changed in version ", version.version,
                                              " since you verified them: verify ", who, " again."),
                                 evidence));
    }
    return out;
  }
  if (!version.signatures.ok()) {
    out.push_back(
        AccountAlert(AlertKind::kUnsignedKeySet, contact.account(),
                     absl::StrCat("Version ", version.version, " of ", who,
                                  "'s keys is not validly signed by its own account key (",
                                  NotCovered(contact.account(), previous, version), ")."),
                     evidence));
  }
  if (!previous.key_set.empty() && version.key_set_bytes != previous.key_set) {
    out.push_back(AccountAlert(AlertKind::kKeySetChanged, contact.account(),
                               absl::StrCat(who, "'s devices changed (version ", version.version,
                                            "); this is normal when they get a new phone."),
                               evidence));
  }
  return out;
}

}  // namespace verifier
}  // namespace keytrail
