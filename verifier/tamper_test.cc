// Every field of a Lookup and a History answer tampered with, one at a time
// and in several ways: the library rejects the answer with a reason, never
// crashes, and its state stays exactly as it was.
#include <functional>
#include <string>
#include <vector>

#include "core/crypto/ed25519.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "gtest/gtest.h"
#include "proto/keytrail.pb.h"
#include "testing/verifier_scenario.h"
#include "verifier/verifier.h"

namespace keytrail {
namespace verifier {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// One way to break a message, described for the failure message.
struct Tamper {
  std::string what;
  std::function<void(Message*)> apply;
};

// Scalar edits of one singular or repeated field at `index` (-1: singular).
void AddEdits(const std::string& path, const FieldDescriptor* f, int index,
              std::vector<Tamper>* out, const std::function<Message*(Message*)>& locate) {
  auto get_set = [f, index](Message* m, const std::function<std::string(std::string)>& edit) {
    const Reflection* r = m->GetReflection();
    std::string v = index < 0 ? r->GetString(*m, f) : r->GetRepeatedString(*m, f, index);
    v = edit(v);
    if (index < 0)
      r->SetString(m, f, v);
    else
      r->SetRepeatedString(m, f, index, v);
  };
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      for (size_t pos : {size_t{0}, size_t{1}, size_t{17}, size_t{40}, size_t{1000}}) {
        out->push_back({path + " flip byte " + std::to_string(pos), [=](Message* root) {
                          get_set(locate(root), [pos](std::string v) {
                            if (!v.empty()) v[std::min(pos, v.size() - 1)] ^= 0x01;
                            return v;
                          });
                        }});
      }
      out->push_back({path + " flip last byte", [=](Message* root) {
                        get_set(locate(root), [](std::string v) {
                          if (!v.empty()) v.back() ^= 0x01;
                          return v;
                        });
                      }});
      out->push_back({path + " truncated", [=](Message* root) {
                        get_set(locate(root), [](std::string v) {
                          if (!v.empty()) v.pop_back();
                          return v;
                        });
                      }});
      out->push_back({path + " emptied", [=](Message* root) {
                        get_set(locate(root), [](std::string) { return std::string(); });
                      }});
      out->push_back({path + " extended", [=](Message* root) {
                        get_set(locate(root), [](std::string v) { return v + "x"; });
                      }});
      break;
    }
    case FieldDescriptor::CPPTYPE_UINT64:
      for (int64_t delta : {1, -1}) {
        out->push_back({path + (delta > 0 ? " +1" : " -1"), [=](Message* root) {
                          Message* m = locate(root);
                          const Reflection* r = m->GetReflection();
                          uint64_t v =
                              index < 0 ? r->GetUInt64(*m, f) : r->GetRepeatedUInt64(*m, f, index);
                          v += static_cast<uint64_t>(delta);
                          if (index < 0)
                            r->SetUInt64(m, f, v);
                          else
                            r->SetRepeatedUInt64(m, f, index, v);
                        }});
      }
      break;
    default:
      break;
  }
}

// Every edit of every set field of `m` (found from the root by `locate`).
void CollectTampers(const Message& m, const std::string& path,
                    const std::function<Message*(Message*)>& locate, std::vector<Tamper>* out) {
  const Reflection* r = m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const FieldDescriptor* f : fields) {
    const std::string p = path + "." + f->name();
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (f->is_repeated()) {
        const int n = r->FieldSize(m, f);
        for (int i = 0; i < n; ++i) {
          auto sub = [locate, f, i](Message* root) {
            Message* parent = locate(root);
            return parent->GetReflection()->MutableRepeatedMessage(parent, f, i);
          };
          CollectTampers(r->GetRepeatedMessage(m, f, i), p + "[" + std::to_string(i) + "]", sub,
                         out);
        }
        out->push_back({p + " last removed", [locate, f](Message* root) {
                          Message* parent = locate(root);
                          parent->GetReflection()->RemoveLast(parent, f);
                        }});
      } else {
        auto sub = [locate, f](Message* root) {
          Message* parent = locate(root);
          return parent->GetReflection()->MutableMessage(parent, f);
        };
        CollectTampers(r->GetMessage(m, f), p, sub, out);
        out->push_back({p + " cleared", [locate, f](Message* root) {
                          Message* parent = locate(root);
                          parent->GetReflection()->ClearField(parent, f);
                        }});
      }
    } else if (f->is_repeated()) {
      for (int i = 0; i < r->FieldSize(m, f); ++i) {
        AddEdits(p + "[" + std::to_string(i) + "]", f, i, out, locate);
      }
    } else {
      AddEdits(p, f, -1, out, locate);
    }
  }
}

// log_index is the server's claim, not proven by any answer
// (DESIGN-NOTES, "Freshness of log_index"): a value still between the
// genesis entry and the epoch entry passes.
bool Unproven(const std::string& what) { return what.find(".log_index") != std::string::npos; }

class TamperTest : public testing::Test {
 protected:
  TamperTest() {
    log_.UpdateSigned("bob", bob_key_, {"phone"});
    log_.CloseEpoch(FakeLog::kGenesisTimeMs + 1000);
    v_ = NewVerifier(PolicyFor(log_));
    EXPECT_TRUE(DoLookup(v_.get(), log_, "bob").status.ok());
    for (int i = 0; i < 3; ++i) {
      log_.UpdateSigned("bob", bob_key_, {"phone", i % 2 ? "tablet" : "laptop"});
      log_.Update("carol", PlainKeySet({"phone"}));
      log_.CloseEpoch(FakeLog::kGenesisTimeMs + 2000 + 1000 * i);
    }
  }

  template <typename Response>
  void CheckAll(const std::string& honest,
                const std::function<Result(const std::string&)>& handle) {
    Response parsed;
    ASSERT_TRUE(parsed.ParseFromString(honest));
    std::vector<Tamper> tampers;
    CollectTampers(
        parsed, "response", [](Message* m) { return m; }, &tampers);
    ASSERT_GT(tampers.size(), 50u);
    const std::string before = v_->SaveState();
    int rejected = 0;
    for (const Tamper& t : tampers) {
      Response broken = parsed;
      t.apply(&broken);
      const std::string bytes = broken.SerializeAsString();
      if (bytes == honest) continue;  // the edit changed nothing (e.g. empty stays empty)
      Result r = handle(bytes);
      if (Unproven(t.what) && r.status.ok()) {
        v_ = NewVerifier(PolicyFor(log_), before);  // undo the accepted answer
        continue;
      }
      EXPECT_EQ(r.status.code(), absl::StatusCode::kInvalidArgument) << t.what;
      EXPECT_FALSE(r.status.message().empty()) << t.what;
      EXPECT_EQ(v_->SaveState(), before) << t.what;
      ++rejected;
    }
    EXPECT_GT(rejected, 50);
    // And the honest answer still verifies afterwards.
    EXPECT_TRUE(handle(honest).status.ok());
  }

  FakeLog log_;
  Ed25519PrivateKey bob_key_ = Ed25519PrivateKey::Generate();
  std::unique_ptr<Verifier> v_;
};

TEST_F(TamperTest, EveryLookupFieldIsChecked) {
  const std::string honest = LookupAnswer(*v_, log_, "bob");
  CheckAll<v1::LookupResponse>(
      honest, [&](const std::string& bytes) { return v_->HandleLookup("bob", bytes, Now(log_)); });
}

TEST_F(TamperTest, EveryHistoryFieldIsChecked) {
  const std::string honest = HistoryAnswer(*v_, log_, "bob");
  CheckAll<v1::HistoryResponse>(
      honest, [&](const std::string& bytes) { return v_->HandleHistory("bob", bytes, Now(log_)); });
}

}  // namespace
}  // namespace verifier
}  // namespace keytrail
