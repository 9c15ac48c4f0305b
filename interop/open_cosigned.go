// open_cosigned checks a checkpoint cosigned by a keytrail monitor with Go's
// golang.org/x/mod/sumdb/note and crypto/ed25519, which share no code with
// keytrail:
//
//   - the note opens under the log's key alone (note.Open): the log's
//     signature verifies and the monitor's cosignature line is reported as
//     unverified, not as an error (so Go's tools keep reading cosigned
//     checkpoints);
//   - the cosignature line is a C2SP tlog-cosignature/v1 signature, checked
//     from the spec alone: key hash SHA-256(name || "\n" || 0x04 || key)[:4],
//     then an 8-byte big-endian timestamp and an Ed25519 signature over
//     "cosignature/v1\ntime <timestamp>\n" || the checkpoint text;
//   - the same holds for the add-checkpoint 200 body appended to the
//     checkpoint the log pushed (the way C2SP tlog-witness says a client
//     reads the answer).
//
// Usage (Go 1.19, no modules):
//
//	GOPATH=/usr/share/gocode GO111MODULE=off go run open_cosigned.go DIR
//
// DIR holds log.vkey, witness.vkey, cosigned.note, checkpoint.note and
// response.txt (monitor/witness_interop_fixture). Prints
// "open_cosigned: FAIL: ..." and exits 1 on the first mismatch.
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "open_cosigned: FAIL: "+format+"\n", args...)
	os.Exit(1)
}

func read(dir, name string) string {
	b, err := os.ReadFile(dir + "/" + name)
	if err != nil {
		fail("%v", err)
	}
	return string(b)
}

type cosigner struct {
	name    string
	keyHash uint32
	key     ed25519.PublicKey
}

// parseCosignerKey reads "<name>+<hex hash>+<base64(0x04 || key)>".
func parseCosignerKey(vkey string) cosigner {
	// The base64 key may itself hold "+": split off the name and hash only.
	parts := strings.SplitN(strings.TrimSpace(vkey), "+", 3)
	if len(parts) != 3 {
		fail("witness key %q: want name+hash+key", vkey)
	}
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) != 33 || raw[0] != 0x04 {
		fail("witness key: not 0x04 || 32-byte Ed25519 key")
	}
	h := sha256.Sum256(append([]byte(parts[0]+"\n"), raw...))
	want := binary.BigEndian.Uint32(h[:4])
	got, err := strconv.ParseUint(parts[1], 16, 32)
	if err != nil || uint32(got) != want {
		fail("witness key hash %s, computed %08x", parts[1], want)
	}
	return cosigner{parts[0], want, ed25519.PublicKey(raw[1:])}
}

// checkCosigned opens msg with the log's key and checks its one cosignature.
func checkCosigned(what, msg string, logKey note.Verifier, w cosigner) {
	n, err := note.Open([]byte(msg), note.VerifierList(logKey))
	if err != nil {
		fail("%s: note.Open with the log's key: %v", what, err)
	}
	if len(n.Sigs) != 1 || n.Sigs[0].Name != logKey.Name() {
		fail("%s: want exactly the log's signature verified, got %d", what, len(n.Sigs))
	}
	if len(n.UnverifiedSigs) != 1 {
		fail("%s: want the cosignature as the one unverified signature, got %d",
			what, len(n.UnverifiedSigs))
	}
	sig := n.UnverifiedSigs[0]
	if sig.Name != w.name || sig.Hash != w.keyHash {
		fail("%s: cosignature by %s+%08x, want %s+%08x", what, sig.Name, sig.Hash, w.name, w.keyHash)
	}
	raw, err := base64.StdEncoding.DecodeString(sig.Base64)
	if err != nil || len(raw) != 4+8+64 {
		fail("%s: cosignature is not key hash || timestamp || signature", what)
	}
	if !bytes.Equal(raw[:4], binary.BigEndian.AppendUint32(nil, w.keyHash)) {
		fail("%s: cosignature key hash bytes", what)
	}
	ts := binary.BigEndian.Uint64(raw[4:12])
	if ts >= 1<<63 {
		fail("%s: timestamp %d out of range", what, ts)
	}
	message := fmt.Sprintf("cosignature/v1\ntime %d\n%s", ts, n.Text)
	if !ed25519.Verify(w.key, []byte(message), raw[12:]) {
		fail("%s: the cosignature does not verify over the tlog-cosignature/v1 message", what)
	}
}

func main() {
	if len(os.Args) != 2 {
		fail("usage: open_cosigned DIR")
	}
	dir := os.Args[1]
	logKey, err := note.NewVerifier(strings.TrimSpace(read(dir, "log.vkey")))
	if err != nil {
		fail("log key: %v", err)
	}
	w := parseCosignerKey(read(dir, "witness.vkey"))
	checkCosigned("monitoring endpoint note", read(dir, "cosigned.note"), logKey, w)
	checkCosigned("add-checkpoint answer", read(dir, "checkpoint.note")+read(dir, "response.txt"), logKey, w)
	// The witness's note is served under the origin's hash.
	origin := strings.SplitN(read(dir, "checkpoint.note"), "\n", 2)[0]
	sum := sha256.Sum256([]byte(origin))
	fmt.Printf("open_cosigned: OK: %s (endpoint /%s/checkpoint) opens with Go's note package; cosignature by %s verifies\n",
		origin, hex.EncodeToString(sum[:]), w.name)
}
