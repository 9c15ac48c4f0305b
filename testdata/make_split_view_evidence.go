// make_split_view_evidence writes split_view_evidence.json: split-view
// evidence with a consistency proof (n > 0), laid out byte by byte as
// docs/PROTOCOL.md "Evidence" says, made with Go's golang.org/x/mod/sumdb
// note and tlog, which share no code with keytrail.
//
// Two trees of one log key: A has the 5 leaves "leaf 0".."leaf 4"; B has
// 8 leaves, equal to A's but for leaf 2 ("forked leaf 2"). checkpoint_a is
// A's size-5 checkpoint, checkpoint_b B's size-8 one, both signed by the
// log's key (deterministic: the key comes from a fixed seed, and Ed25519
// signatures are deterministic). root_a_in_b is B's tree root at size 5 and
// the proof is tlog.ProveTree(8, 5) over B.
//
// Usage (Go 1.19, no modules):
//
//	GOPATH=/usr/share/gocode GO111MODULE=off go run make_split_view_evidence.go > split_view_evidence.json
package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const origin = "example.org/split-view-vector"

func fail(err error) {
	fmt.Fprintln(os.Stderr, "make_split_view_evidence:", err)
	os.Exit(1)
}

// A tree's stored hashes, as tlog keeps them.
type tree struct{ hashes []tlog.Hash }

func (t *tree) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		out[i] = t.hashes[x]
	}
	return out, nil
}

func build(leaves []string) *tree {
	t := &tree{}
	for i, l := range leaves {
		h, err := tlog.StoredHashes(int64(i), []byte(l), t)
		if err != nil {
			fail(err)
		}
		t.hashes = append(t.hashes, h...)
	}
	return t
}

func root(t *tree, n int64) tlog.Hash {
	h, err := tlog.TreeHash(n, t)
	if err != nil {
		fail(err)
	}
	return h
}

func checkpoint(n int64, h tlog.Hash) string {
	return fmt.Sprintf("%s\n%d\n%s\n", origin, n, base64.StdEncoding.EncodeToString(h[:]))
}

func u16(b *bytes.Buffer, s string) {
	binary.Write(b, binary.BigEndian, uint16(len(s)))
	b.WriteString(s)
}

func main() {
	// The note key from a fixed seed: an Ed25519 key (algorithm byte 1),
	// in the note package's own key formats.
	seed := bytes.Repeat([]byte{0x5a}, ed25519.SeedSize)
	priv := ed25519.NewKeyFromSeed(seed)
	pub := priv.Public().(ed25519.PublicKey)
	vkey, err := note.NewEd25519VerifierKey(origin, pub)
	if err != nil {
		fail(err)
	}
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		fail(err)
	}
	skey := fmt.Sprintf("PRIVATE+KEY+%s+%08x+%s", origin, verifier.KeyHash(),
		base64.StdEncoding.EncodeToString(append([]byte{1}, seed...)))
	signer, err := note.NewSigner(skey)
	if err != nil {
		fail(err)
	}

	var a, b []string
	for i := 0; i < 8; i++ {
		l := fmt.Sprintf("leaf %d", i)
		if i < 5 {
			a = append(a, l)
		}
		if i == 2 {
			l = "forked leaf 2"
		}
		b = append(b, l)
	}
	ta, tb := build(a), build(b)
	rootA, rootB, rootAInB := root(ta, 5), root(tb, 8), root(tb, 5)
	proof, err := tlog.ProveTree(8, 5, tb)
	if err != nil {
		fail(err)
	}
	if err := tlog.CheckTree(proof, 8, rootB, 5, rootAInB); err != nil {
		fail(err)
	}
	if tlog.CheckTree(proof, 8, rootB, 5, rootA) == nil {
		fail(fmt.Errorf("the two trees are consistent"))
	}
	signA, err := note.Sign(&note.Note{Text: checkpoint(5, rootA)}, signer)
	if err != nil {
		fail(err)
	}
	signB, err := note.Sign(&note.Note{Text: checkpoint(8, rootB)}, signer)
	if err != nil {
		fail(err)
	}

	// docs/PROTOCOL.md, "Evidence": format, kind, log_key, then the split
	// view body: checkpoint_a, checkpoint_b, u8 n, [32] root_a_in_b (n > 0),
	// [32*n] consistency_proof.
	var e bytes.Buffer
	e.WriteByte(1)
	e.WriteByte(1)
	u16(&e, vkey)
	u16(&e, string(signA))
	u16(&e, string(signB))
	e.WriteByte(byte(len(proof)))
	e.Write(rootAInB[:])
	for _, h := range proof {
		e.Write(h[:])
	}

	var proofHex []string
	for _, h := range proof {
		proofHex = append(proofHex, hex.EncodeToString(h[:]))
	}
	out := map[string]interface{}{
		"source":       "testdata/make_split_view_evidence.go: golang.org/x/mod/sumdb/note and sumdb/tlog (x/mod as Debian's golang-golang-x-mod-dev), laid out as docs/PROTOCOL.md Evidence",
		"log_key":      vkey,
		"checkpoint_a": string(signA),
		"checkpoint_b": string(signB),
		"size_a":       5,
		"size_b":       8,
		"root_a":       hex.EncodeToString(rootA[:]),
		"root_a_in_b":  hex.EncodeToString(rootAInB[:]),
		"consistency_proof": proofHex,
		"evidence_hex": hex.EncodeToString(e.Bytes()),
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		fail(err)
	}
}
