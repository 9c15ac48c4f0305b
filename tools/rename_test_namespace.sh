#!/bin/bash
# One test namespace, keytrail::test, instead of keytrail::testing and the
# nested `testing` namespaces (keytrail::merkle::testing,
# keytrail::monitor::testing) that shadow GoogleTest's ::testing, so test
# files may write testing::Test again. A one-off mechanical change for the
# coordinator to run from the repository root after all branches are merged;
# it edits files in place (commit or stash first) and prints what it changed.
# Then: bazel build --config=ci //... (and, to be sure nothing still means our
# namespace, grep -rn 'keytrail::testing\|namespace testing' --include=*.cc
# --include=*.h .).
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
git ls-files '*.cc' '*.h' | python3 -c '
import re, sys

# GoogleTest / GoogleMock names that tests write as testing::X or
# ::testing::X; a testing::X naming anything else means our namespace.
GTEST = set("""
Test TestWithParam WithParamInterface Values ValuesIn Range Bool Combine
InitGoogleTest TestParamInfo PrintToStringParamName AssertionResult
AssertionSuccess AssertionFailure Environment AddGlobalTestEnvironment
UnitTest TestInfo TestSuite TestCase Message ScopedTrace
TestEventListener EmptyTestEventListener TestPartResult FLAGS_gtest_filter
GTEST_FLAG internal HasSubstr StartsWith EndsWith ElementsAre
ElementsAreArray UnorderedElementsAre Eq Ne Lt Le Gt Ge Not IsEmpty SizeIs
Contains ContainsRegex MatchesRegex AllOf AnyOf Pointee Field Property
Return _ StrEq Optional NotNull IsNull Each Key Pair ExitedWithCode
KilledBySignal
""".split())

def rewrite(path, s):
    o = s
    # 1. keytrail::testing, in one-line namespace declarations and comments.
    s = re.sub(r"\bnamespace keytrail::testing\b", "namespace keytrail::test", s)
    # 2. Nested one-line forms (keytrail::monitor::testing): into keytrail::test.
    s = re.sub(r"\bnamespace keytrail::\w+::testing\b", "namespace keytrail::test", s)
    # 3. Two-line form directly inside keytrail (testing/health_check).
    s = re.sub(r"(namespace keytrail \{\n)namespace testing \{", r"\1namespace test {", s)
    s = re.sub(r"\}  // namespace testing\n(\}  // namespace keytrail)", r"}  // namespace test\n\1", s)
    # 4. Three-line form keytrail { merkle { testing {: becomes keytrail { test {;
    #    merkle names inside are qualified by hand (see the notes).
    s = re.sub(r"namespace keytrail \{\nnamespace (\w+) \{\nnamespace testing \{",
               r"namespace keytrail {\nnamespace test {", s)
    s = re.sub(r"\}  // namespace testing\n\}  // namespace \w+\n\}  // namespace keytrail",
               "}  // namespace test\n}  // namespace keytrail", s)
    # 4b. What core/merkle/test_util used from merkle unqualified.
    if path.startswith("core/merkle/test_util."):
        head, sep, body = s.partition("namespace test {")
        s = head + sep + re.sub(r"(?<![\w:])(HashSource|NodeId|CompactRange|HashLeaf)\b",
                                r"merkle::\1", body)
    # 5. Uses: keytrail::testing::X -> keytrail::test::X, and the nested
    #    ones (evidence::testing::X, merkle::testing::X, ...) -> test::X.
    s = re.sub(r"\bkeytrail::testing::", "keytrail::test::", s)
    s = re.sub(r"(?<![\w:])(?:evidence|merkle|monitor)::testing::", "test::", s)
    # 6. testing::X (not ::testing::X) naming one of ours -> test::X.
    s = re.sub(r"(?<![\w:])testing::(\w+)",
               lambda m: m.group(0) if m.group(1) in GTEST else "test::" + m.group(1), s)
    # 7. GoogleTest needs no leading :: any more.
    s = re.sub(r"(?<![\w:])::testing::(?=\w)", "testing::", s)
    return s

for path in sys.stdin.read().split():
    if path.startswith("third_party/"):
        continue
    s = open(path).read()
    t = rewrite(path, s)
    if t != s:
        open(path, "w").write(t)
        print(path)
'
