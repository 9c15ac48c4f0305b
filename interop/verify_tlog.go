// verify_tlog checks what grpc_client.py saved from a keytrail log server
// with Go's golang.org/x/mod/sumdb/note and sumdb/tlog, which share no code
// with keytrail:
//
//   - every checkpoint opens under the log's note verifier key (note.Open),
//     carries exactly that one signature, and is a C2SP tlog-checkpoint
//     (origin, size, root; no extension lines);
//   - each checkpoint's root equals the RFC 6962 root tlog computes from the
//     first `size` entries (tlog.StoredHashes + tlog.TreeHash);
//   - every inclusion proof passes tlog.CheckRecord for its entry's
//     tlog.RecordHash, and equals the proof tlog.ProveRecord makes;
//   - every consistency proof passes tlog.CheckTree, and equals the proof
//     tlog.ProveTree makes.
//
// Usage (Go 1.19, no modules):
//
//	GOPATH=/usr/share/gocode GO111MODULE=off go run verify_tlog.go saved.json
//
// Prints "verify_tlog: FAIL: ..." and exits 1 on the first mismatch.
package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type inclusionProof struct {
	Checkpoint int64  `json:"checkpoint"`
	Index      int64  `json:"index"`
	Proof      string `json:"proof"`
	What       string `json:"what"`
}

type consistencyProof struct {
	First  int64  `json:"first"`
	Second int64  `json:"second"`
	Proof  string `json:"proof"`
	What   string `json:"what"`
}

type saved struct {
	Origin            string             `json:"origin"`
	NoteVerifierKey   string             `json:"note_verifier_key"`
	Checkpoints       []string           `json:"checkpoints"`
	Entries           []string           `json:"entries"`
	InclusionProofs   []inclusionProof   `json:"inclusion_proofs"`
	ConsistencyProofs []consistencyProof `json:"consistency_proofs"`
}

var checks int

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "verify_tlog: FAIL: "+format+"\n", args...)
	os.Exit(1)
}

func check(ok bool, format string, args ...interface{}) {
	checks++
	if !ok {
		fail(format, args...)
	}
}

func unb64(what, s string) []byte {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		fail("%s: bad base64: %v", what, err)
	}
	return b
}

func hashes(what string, b []byte) []tlog.Hash {
	check(len(b)%tlog.HashSize == 0, "%s: %d bytes, not a multiple of 32", what, len(b))
	out := make([]tlog.Hash, len(b)/tlog.HashSize)
	for i := range out {
		copy(out[i][:], b[i*tlog.HashSize:])
	}
	return out
}

func sameHashes(a, b []tlog.Hash) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// parseCheckpoint reads a C2SP tlog-checkpoint body. tlog.ParseTree only
// takes the go.sum database's own first line ("go.sum database tree"), so
// the origin line is checked here and the size and root lines are handed to
// tlog.ParseTree under that header.
func parseCheckpoint(text, origin string) tlog.Tree {
	if _, err := tlog.ParseTree([]byte(text)); err == nil {
		fail("tlog.ParseTree accepted a checkpoint whose first line is %q; expected it to want "+
			"\"go.sum database tree\"", strings.SplitN(text, "\n", 2)[0])
	}
	lines := strings.Split(text, "\n")
	check(len(lines) == 4 && lines[3] == "",
		"checkpoint body is not exactly three lines (origin, size, root; no extensions): %q", text)
	check(lines[0] == origin, "checkpoint origin %q, want %q", lines[0], origin)
	tree, err := tlog.ParseTree([]byte("go.sum database tree\n" + lines[1] + "\n" + lines[2] + "\n"))
	check(err == nil, "checkpoint size/root lines rejected by tlog.ParseTree: %v: %q", err, text)
	return tree
}

func main() {
	if len(os.Args) != 2 {
		fail("usage: verify_tlog SAVED.json")
	}
	raw, err := os.ReadFile(os.Args[1])
	check(err == nil, "reading %s: %v", os.Args[1], err)
	var s saved
	check(json.Unmarshal(raw, &s) == nil, "%s is not the expected JSON", os.Args[1])
	check(len(s.Checkpoints) > 0 && len(s.Entries) > 0, "nothing saved to verify")

	// ---- the note verifier key (the log's public key file from keygen)
	verifier, err := note.NewVerifier(s.NoteVerifierKey)
	check(err == nil, "note.NewVerifier(%q): %v", s.NoteVerifierKey, err)
	check(verifier.Name() == s.Origin, "verifier key name %q, want the origin %q", verifier.Name(), s.Origin)
	verifiers := note.VerifierList(verifier)

	// ---- checkpoints
	roots := map[int64]tlog.Hash{}
	for i, text := range s.Checkpoints {
		n, err := note.Open([]byte(text), verifiers)
		check(err == nil, "checkpoint %d does not open under %q: %v\n%s", i, s.NoteVerifierKey, err, text)
		check(len(n.Sigs) == 1 && n.Sigs[0].Name == s.Origin && n.Sigs[0].Hash == verifier.KeyHash(),
			"checkpoint %d: want exactly one verified signature by %q, got %+v", i, s.Origin, n.Sigs)
		check(len(n.UnverifiedSigs) == 0, "checkpoint %d: unexpected extra signatures %+v", i, n.UnverifiedSigs)
		tree := parseCheckpoint(n.Text, s.Origin)
		if old, ok := roots[tree.N]; ok {
			check(old == tree.Hash, "two checkpoints of size %d with different roots", tree.N)
		}
		roots[tree.N] = tree.Hash
		check(tree.N >= 1 && tree.N <= int64(len(s.Entries)),
			"checkpoint %d has size %d, outside the %d saved entries", i, tree.N, len(s.Entries))

		// The verification must be able to fail: a changed root is refused.
		// (The root is 44 base64 characters ending in "=\n"; change one
		// before that into another valid base64 character.)
		body := []byte(text)
		at := len(n.Text) - 4
		if body[at] == 'A' {
			body[at] = 'B'
		} else {
			body[at] = 'A'
		}
		_, err = note.Open(body, verifiers)
		check(err != nil, "checkpoint %d with a changed root still opened", i)
	}
	fmt.Printf("verify_tlog: %d checkpoints open under %s and parse as C2SP checkpoints "+
		"(tlog.ParseTree takes only the \"go.sum database tree\" header; origin line checked separately)\n",
		len(s.Checkpoints), s.NoteVerifierKey)

	// ---- recompute the tree from the entries with tlog
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			if x < 0 || x >= int64(len(stored)) {
				return nil, fmt.Errorf("stored hash %d not available (have %d)", x, len(stored))
			}
			out[i] = stored[x]
		}
		return out, nil
	})
	leaves := make([]tlog.Hash, len(s.Entries))
	for i, e := range s.Entries {
		data := unb64(fmt.Sprintf("entry %d", i), e)
		leaves[i] = tlog.RecordHash(data)
		hs, err := tlog.StoredHashes(int64(i), data, reader)
		check(err == nil, "tlog.StoredHashes(%d): %v", i, err)
		stored = append(stored, hs...)
	}
	for size, root := range roots {
		th, err := tlog.TreeHash(size, reader)
		check(err == nil, "tlog.TreeHash(%d): %v", size, err)
		check(th == root, "checkpoint of size %d has root %s; tlog computes %s from the entries",
			size, root, th)
	}
	fmt.Printf("verify_tlog: tlog.TreeHash over the %d entries reproduces the root of every checkpoint (sizes %v)\n",
		len(s.Entries), sortedSizes(roots))

	// ---- inclusion proofs
	for _, p := range s.InclusionProofs {
		what := strings.TrimSpace(fmt.Sprintf("inclusion proof of entry %d in size %d %s", p.Index, p.Checkpoint, p.What))
		root, ok := roots[p.Checkpoint]
		check(ok, "%s: no signed checkpoint of that size was saved", what)
		check(p.Index >= 0 && p.Index < int64(len(leaves)), "%s: no such entry", what)
		proof := hashes(what, unb64(what, p.Proof))
		err := tlog.CheckRecord(tlog.RecordProof(proof), p.Checkpoint, root, p.Index, leaves[p.Index])
		check(err == nil, "%s: tlog.CheckRecord: %v", what, err)
		want, err := tlog.ProveRecord(p.Checkpoint, p.Index, reader)
		check(err == nil, "tlog.ProveRecord(%d, %d): %v", p.Checkpoint, p.Index, err)
		check(sameHashes(proof, want), "%s: server sent %v, tlog.ProveRecord makes %v", what, proof, want)
		if len(proof) > 0 {
			proof[len(proof)-1][0] ^= 1
			check(tlog.CheckRecord(tlog.RecordProof(proof), p.Checkpoint, root, p.Index, leaves[p.Index]) != nil,
				"%s: a changed proof still verified", what)
		}
	}
	fmt.Printf("verify_tlog: %d inclusion proofs pass tlog.CheckRecord and equal tlog.ProveRecord's\n",
		len(s.InclusionProofs))

	// ---- consistency proofs
	for _, p := range s.ConsistencyProofs {
		what := strings.TrimSpace(fmt.Sprintf("consistency proof %d -> %d %s", p.First, p.Second, p.What))
		first, ok1 := roots[p.First]
		second, ok2 := roots[p.Second]
		check(ok1 && ok2, "%s: no signed checkpoints of those sizes were saved", what)
		proof := hashes(what, unb64(what, p.Proof))
		err := tlog.CheckTree(tlog.TreeProof(proof), p.Second, second, p.First, first)
		check(err == nil, "%s: tlog.CheckTree: %v", what, err)
		want, err := tlog.ProveTree(p.Second, p.First, reader)
		check(err == nil, "tlog.ProveTree(%d, %d): %v", p.Second, p.First, err)
		check(sameHashes(proof, want), "%s: server sent %v, tlog.ProveTree makes %v", what, proof, want)
		if len(proof) > 0 {
			proof[0][0] ^= 1
			check(tlog.CheckTree(tlog.TreeProof(proof), p.Second, second, p.First, first) != nil,
				"%s: a changed proof still verified", what)
		}
	}
	fmt.Printf("verify_tlog: %d consistency proofs pass tlog.CheckTree and equal tlog.ProveTree's\n",
		len(s.ConsistencyProofs))
	fmt.Printf("verify_tlog: all %d checks passed\n", checks)
}

func sortedSizes(m map[int64]tlog.Hash) []int64 {
	var out []int64
	for k := range m {
		out = append(out, k)
	}
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}
