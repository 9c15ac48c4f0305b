"""The C API driven from Python through ctypes: a second language loading
libkeytrail_verifier.so, as a Rust or Kotlin binding would. Uses the answers
in c_api_testdata.txt (c_api_testdata.cc)."""
import ctypes
import os
import sys
import unittest


def runfile(path):
    base = os.environ.get("TEST_SRCDIR", ".")
    ws = os.environ.get("TEST_WORKSPACE", "__main__")
    return os.path.join(base, ws, path)


class Buffer(ctypes.Structure):
    _fields_ = [("data", ctypes.POINTER(ctypes.c_uint8)), ("len", ctypes.c_size_t)]

    def take(self, lib):
        out = ctypes.string_at(self.data, self.len) if self.data else b""
        lib.kt_buffer_free(ctypes.byref(self))
        return out


KT_OK, KT_INVALID_ARGUMENT, KT_FAILED_PRECONDITION, KT_DATA_LOSS = 0, 3, 9, 15
KT_ALERT_UNENROLLED_DEVICE, KT_ALERT_IDENTITY_CHANGED = 1, 3


def load_lib():
    lib = ctypes.CDLL(runfile("verifier/libkeytrail_verifier.so"))
    vp, sz, u8p = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p
    buf = ctypes.POINTER(Buffer)
    sigs = {
        "kt_buffer_free": (None, [buf]),
        "kt_policy_new": (vp, []),
        "kt_policy_free": (None, [vp]),
        "kt_policy_set_log": (None, [vp, u8p, u8p, sz, u8p, sz]),
        "kt_verifier_new": (ctypes.c_int, [vp, u8p, sz, ctypes.POINTER(vp), buf]),
        "kt_verifier_free": (None, [vp]),
        "kt_verifier_save_state": (ctypes.c_int, [vp, buf]),
        "kt_verifier_last_verified_size": (ctypes.c_uint64, [vp]),
        "kt_verifier_set_own_account": (ctypes.c_int, [vp, u8p, sz, buf]),
        "kt_verifier_enroll_device": (ctypes.c_int, [vp, u8p, sz, u8p, sz, buf]),
        "kt_verifier_set_own_account_key": (ctypes.c_int, [vp, u8p, sz, buf]),
        "kt_verifier_history_request": (ctypes.c_int, [vp, u8p, sz, buf]),
        "kt_verifier_lookup_request": (ctypes.c_int, [vp, u8p, sz, buf]),
        "kt_verifier_handle_history": (ctypes.c_int, [vp, u8p, sz, u8p, sz, ctypes.c_uint64,
                                                      ctypes.POINTER(vp)]),
        "kt_verifier_handle_lookup": (ctypes.c_int, [vp, u8p, sz, u8p, sz, ctypes.c_uint64,
                                                     ctypes.POINTER(vp)]),
        "kt_verifier_batch_lookup_request": (ctypes.c_int, [vp, ctypes.POINTER(u8p),
                                                            ctypes.POINTER(sz), sz, buf, buf]),
        "kt_verifier_handle_batch_lookup": (ctypes.c_int, [vp, ctypes.POINTER(u8p),
                                                           ctypes.POINTER(sz), sz, u8p, sz,
                                                           ctypes.c_uint64, ctypes.POINTER(vp),
                                                           ctypes.POINTER(sz)]),
        "kt_result_free": (None, [vp]),
        "kt_result_code": (ctypes.c_int, [vp]),
        "kt_result_message": (ctypes.c_char_p, [vp]),
        "kt_result_version": (ctypes.c_uint64, [vp]),
        "kt_result_alert_count": (sz, [vp]),
        "kt_result_alert_kind": (ctypes.c_int, [vp, sz]),
        "kt_result_alert_explanation": (ctypes.c_char_p, [vp, sz]),
        "kt_verifier_contact_code": (ctypes.c_int, [vp, u8p, sz, buf, buf]),
        "kt_verifier_mark_verified": (ctypes.c_int, [vp, u8p, sz, u8p, buf]),
    }
    for name, (res, args) in sigs.items():
        fn = getattr(lib, name)
        fn.restype = res
        fn.argtypes = args
    return lib


def load_records():
    records = {}
    with open(runfile("verifier/c_api_testdata.txt")) as f:
        for line in f:
            name, value = line.split()
            records[name] = bytes.fromhex(value)
    return records


class CApiFromPython(unittest.TestCase):
    def setUp(self):
        self.lib = load_lib()
        self.rec = load_records()
        self.now = int(self.rec["now_ms"].decode())
        self.policy = self.lib.kt_policy_new()
        self.lib.kt_policy_set_log(self.policy, self.rec["note_key"], self.rec["vrf_key"],
                                   len(self.rec["vrf_key"]), self.rec["commitment_key"],
                                   len(self.rec["commitment_key"]))

    def tearDown(self):
        self.lib.kt_policy_free(self.policy)

    def new_verifier(self, state=b""):
        v = ctypes.c_void_p()
        err = Buffer()
        code = self.lib.kt_verifier_new(self.policy, state, len(state), ctypes.byref(v),
                                        ctypes.byref(err))
        return code, v, err.take(self.lib)

    def handle(self, fn, v, account, answer):
        r = ctypes.c_void_p()
        code = fn(v, account, len(account), answer, len(answer), self.now, ctypes.byref(r))
        out = (code, self.lib.kt_result_message(r).decode(), self.lib.kt_result_version(r),
               [(self.lib.kt_result_alert_kind(r, i),
                 self.lib.kt_result_alert_explanation(r, i).decode())
                for i in range(self.lib.kt_result_alert_count(r))])
        self.lib.kt_result_free(r)
        return out

    def test_self_monitoring_contact_code_and_state(self):
        code, v, err = self.new_verifier()
        self.assertEqual(code, KT_OK, err)
        self.assertEqual(self.lib.kt_verifier_set_own_account(v, b"alice", 5, None), KT_OK)
        self.assertEqual(self.lib.kt_verifier_enroll_device(v, b"phone", 5, b"key of phone", 12,
                                                            None), KT_OK)
        key = self.rec["alice_account_key"]
        self.assertEqual(self.lib.kt_verifier_set_own_account_key(v, key, len(key), None), KT_OK)
        req = Buffer()
        self.assertEqual(self.lib.kt_verifier_history_request(v, b"alice", 5, ctypes.byref(req)),
                         KT_OK)
        self.assertIn(b"alice", req.take(self.lib))

        code, msg, version, alerts = self.handle(self.lib.kt_verifier_handle_history, v, b"alice",
                                                 self.rec["history_alice_1"])
        self.assertEqual((code, version, alerts), (KT_OK, 1, []), msg)

        broken = bytearray(self.rec["lookup_bob"])
        broken[len(broken) // 3] ^= 1
        code, msg, _, _ = self.handle(self.lib.kt_verifier_handle_lookup, v, b"bob",
                                      bytes(broken))
        self.assertNotEqual(code, KT_OK)
        self.assertTrue(msg)
        code, msg, version, alerts = self.handle(self.lib.kt_verifier_handle_lookup, v, b"bob",
                                                 self.rec["lookup_bob"])
        self.assertEqual((code, version), (KT_OK, 1), msg)

        code_buf, err = Buffer(), Buffer()
        self.assertEqual(self.lib.kt_verifier_contact_code(v, b"bob", 3, ctypes.byref(code_buf),
                                                           ctypes.byref(err)), KT_OK)
        contact_code = code_buf.take(self.lib)
        self.assertRegex(contact_code.decode(), r"^\d{60}$")
        self.assertEqual(self.lib.kt_verifier_mark_verified(v, b"bob", 3, contact_code, None),
                         KT_OK)

        state = Buffer()
        self.assertEqual(self.lib.kt_verifier_save_state(v, ctypes.byref(state)), KT_OK)
        saved = state.take(self.lib)
        self.lib.kt_verifier_free(v)

        code, v, err = self.new_verifier(saved)
        self.assertEqual(code, KT_OK, err)
        code, msg, version, alerts = self.handle(self.lib.kt_verifier_handle_history, v, b"alice",
                                                 self.rec["history_alice_2"])
        self.assertEqual(code, KT_OK, msg)
        self.assertEqual([kind for kind, _ in alerts],
                         [KT_ALERT_UNENROLLED_DEVICE, KT_ALERT_IDENTITY_CHANGED])
        self.assertIn("rogue", alerts[0][1])
        self.assertIn("account key was removed", alerts[1][1])
        self.lib.kt_verifier_free(v)

    def test_group_lookup(self):
        code, v, err = self.new_verifier()
        self.assertEqual(code, KT_OK, err)
        names = [b"bob", b"carol"]
        accounts = (ctypes.c_char_p * 2)(*names)
        lens = (ctypes.c_size_t * 2)(*[len(n) for n in names])
        req, err = Buffer(), Buffer()
        self.assertEqual(self.lib.kt_verifier_batch_lookup_request(v, accounts, lens, 2,
                                                                   ctypes.byref(req),
                                                                   ctypes.byref(err)), KT_OK)
        self.assertIn(b"carol", req.take(self.lib))
        self.assertEqual(self.lib.kt_verifier_batch_lookup_request(v, accounts, lens, 0,
                                                                   ctypes.byref(req),
                                                                   ctypes.byref(err)),
                         KT_INVALID_ARGUMENT)
        self.assertIn(b"accounts", err.take(self.lib))

        def handle(answer):
            results = (ctypes.c_void_p * 2)()
            answered = ctypes.c_size_t(99)
            code = self.lib.kt_verifier_handle_batch_lookup(v, accounts, lens, 2, answer,
                                                            len(answer), self.now, results,
                                                            ctypes.byref(answered))
            out = []
            for i in range(max(answered.value, 1 if results[0] else 0)):
                out.append((self.lib.kt_result_code(results[i]),
                            self.lib.kt_result_message(results[i]).decode(),
                            self.lib.kt_result_version(results[i])))
                self.lib.kt_result_free(results[i])
            return code, answered.value, out

        batch = self.rec["batch_bob_carol"]
        code, answered, out = handle(batch[:-1])
        self.assertEqual((code, answered), (KT_INVALID_ARGUMENT, 0))
        self.assertTrue(out[0][1])
        code, answered, out = handle(batch)
        self.assertEqual((code, answered), (KT_OK, 2), out)
        self.assertEqual([(c, version) for c, _, version in out], [(KT_OK, 1), (KT_OK, 0)])
        self.lib.kt_verifier_free(v)

    def test_damaged_state_is_a_clear_error(self):
        code, v, err = self.new_verifier(b"\x08\x07garbage")
        self.assertIn(code, (KT_DATA_LOSS, KT_FAILED_PRECONDITION))
        self.assertFalse(v.value)
        self.assertTrue(err)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
