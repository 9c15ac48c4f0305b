"""keytrail_fuzzer: one libFuzzer target plus a short smoke test of it."""

load("//tools:defs.bzl", "FUZZ_ONLY", "KEYTRAIL_COPTS")

def keytrail_fuzzer(name, srcs, deps = [], smoke_runs = 2000, testonly = False):
    """A libFuzzer binary `name` and the test `name_smoke`.

    Both exist only under --config=fuzz. The binary links libFuzzer's main;
    its seed corpus is fuzz/corpus/<name>/ (written by //fuzz:make_seeds).
    The smoke test replays the corpus and runs `smoke_runs` more inputs, so
    scripts/test.sh keeps every target building and clean.
    """
    native.cc_binary(
        name = name,
        srcs = srcs,
        copts = KEYTRAIL_COPTS,
        linkopts = ["-fsanitize=fuzzer"],
        deps = deps,
        testonly = testonly,
        target_compatible_with = FUZZ_ONLY,
    )
    native.sh_test(
        name = name + "_smoke",
        srcs = ["run_fuzzer_smoke.sh"],
        args = [
            "$(location :%s)" % name,
            "fuzz/corpus/" + name,
            str(smoke_runs),
        ],
        data = [":" + name] + native.glob(["corpus/%s/**" % name]),
        target_compatible_with = FUZZ_ONLY,
    )
