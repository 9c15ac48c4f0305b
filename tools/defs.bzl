"""Build settings shared by keytrail's BUILD files."""

# Targets that link gRPC or RocksDB pull in OpenSSL 3 through Debian's gRPC.
# They must never be built together with BoringSSL, so they are skipped under
# --config=boringssl.
OPENSSL_ONLY = select({
    "//tools:boringssl": ["//tools:incompatible"],
    "//conditions:default": [],
})

# Compiler flags for the few files that include OpenSSL/BoringSSL headers
# (the crypto module only). BoringSSL's headers live under /usr/include/android.
CRYPTO_COPTS = select({
    "//tools:boringssl": ["-isystem", "/usr/include/android", "-DKEYTRAIL_BORINGSSL=1"],
    "//conditions:default": ["-DOPENSSL_API_COMPAT=0x10100000L", "-Wno-deprecated-declarations"],
})

# Warnings for keytrail's own code.
KEYTRAIL_COPTS = ["-Wall", "-Wextra", "-Wno-unused-parameter", "-Werror=return-type"]

# Targets that exist only under --config=fuzz (libFuzzer binaries).
FUZZ_ONLY = select({
    "//tools:fuzz": [],
    "//conditions:default": ["//tools:incompatible"],
})
