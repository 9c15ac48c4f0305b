// read_tiles reads a keytrail log's public C2SP tlog-tiles from a directory
// with Go's golang.org/x/mod/sumdb/note and sumdb/tlog, which share no code
// with keytrail:
//
//   - the checkpoint opens under the log's note verifier key (note.Open) and
//     is a C2SP tlog-checkpoint of the log's origin;
//   - tlog.TileHashReader reads the hash tiles (tlog's own tile paths,
//     tile/8/L/N[.p/W], mapped to tlog-tiles' tile/L/N[.p/W]) and checks
//     every tile it loads against the checkpoint's root; tlog.TreeHash over
//     them gives that root;
//   - every entry of the entry bundles (uint16-length-prefixed) has an
//     inclusion proof from tlog.ProveRecord over the tiles that passes
//     tlog.CheckRecord for its tlog.RecordHash;
//   - every full tile and every tile of the checkpoint's size is
//     byte-for-byte what tlog.ReadTileData makes from the entries alone
//     (tlog.StoredHashes), i.e. tlog computes the same tiles;
//   - an older checkpoint (second argument, optional) is consistent with
//     the new one: tlog.ProveTree over the tiles passes tlog.CheckTree.
//
// Usage (Go 1.19, no modules):
//
//	GOPATH=/usr/share/gocode GO111MODULE=off go run read_tiles.go DIR VKEY [OLD_CHECKPOINT]
//
// Prints "read_tiles: FAIL: ..." and exits 1 on the first problem.
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const height = 8

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "read_tiles: FAIL: "+format+"\n", args...)
	os.Exit(1)
}

// tlog-tiles drops the height element tlog puts in its paths.
func c2spPath(t tlog.Tile) string {
	return strings.Replace(t.Path(), fmt.Sprintf("tile/%d/", height), "tile/", 1)
}

type dirTiles struct{ dir string }

func (d dirTiles) Height() int { return height }

func (d dirTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		data, err := os.ReadFile(filepath.Join(d.dir, c2spPath(t)))
		if err != nil {
			return nil, err
		}
		out[i] = data
	}
	return out, nil
}

func (d dirTiles) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

// Opens and parses a checkpoint note: origin, size, root.
func openCheckpoint(msg []byte, verifier note.Verifier) (string, tlog.Tree) {
	n, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		fail("checkpoint does not open under the log key: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		fail("checkpoint text %q is not origin, size, root", n.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 {
		fail("checkpoint size %q", lines[1])
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		fail("checkpoint root %q", lines[2])
	}
	var h tlog.Hash
	copy(h[:], root)
	return lines[0], tlog.Tree{N: size, Hash: h}
}

func main() {
	if len(os.Args) != 3 && len(os.Args) != 4 {
		fail("usage: read_tiles DIR VKEY [OLD_CHECKPOINT]")
	}
	dir := os.Args[1]
	verifier, err := note.NewVerifier(os.Args[2])
	if err != nil {
		fail("verifier key: %v", err)
	}
	msg, err := os.ReadFile(filepath.Join(dir, "checkpoint"))
	if err != nil {
		fail("reading the checkpoint: %v", err)
	}
	origin, tree := openCheckpoint(msg, verifier)
	if origin != verifier.Name() {
		fail("checkpoint origin %q is not the key's name %q", origin, verifier.Name())
	}

	// The tree's root from the tiles, each tile checked by tlog on the way.
	tiles := dirTiles{dir}
	hr := tlog.TileHashReader(tree, tiles)
	root, err := tlog.TreeHash(tree.N, hr)
	if err != nil {
		fail("tlog.TreeHash over the tiles: %v", err)
	}
	if root != tree.Hash {
		fail("root from the tiles %v != checkpoint root %v", root, tree.Hash)
	}

	// The entries, from the bundles.
	var entries [][]byte
	for n := int64(0); n*256 < tree.N; n++ {
		w := tree.N - n*256
		if w > 256 {
			w = 256
		}
		path := tlog.Tile{H: height, L: 0, N: n, W: int(w)}
		p := strings.Replace(c2spPath(path), "tile/0/", "tile/entries/", 1)
		data, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil {
			fail("entry bundle: %v", err)
		}
		for i := int64(0); i < w; i++ {
			if len(data) < 2 {
				fail("%s: truncated at entry %d", p, i)
			}
			l := int(binary.BigEndian.Uint16(data))
			if len(data) < 2+l {
				fail("%s: entry %d runs past the end", p, i)
			}
			entries = append(entries, data[2:2+l])
			data = data[2+l:]
		}
		if len(data) != 0 {
			fail("%s: %d trailing bytes", p, len(data))
		}
	}

	// Every entry proved included, with proofs tlog computes from the tiles.
	for i, e := range entries {
		proof, err := tlog.ProveRecord(tree.N, int64(i), hr)
		if err != nil {
			fail("tlog.ProveRecord(%d): %v", i, err)
		}
		if err := tlog.CheckRecord(proof, tree.N, tree.Hash, int64(i), tlog.RecordHash(e)); err != nil {
			fail("entry %d: tlog.CheckRecord: %v", i, err)
		}
	}

	// tlog's own tiles from the entries alone equal ours, byte for byte.
	var stored []tlog.Hash
	for i, e := range entries {
		h, err := tlog.StoredHashes(int64(i), e, tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
			out := make([]tlog.Hash, len(idx))
			for j, x := range idx {
				out[j] = stored[x]
			}
			return out, nil
		}))
		if err != nil {
			fail("tlog.StoredHashes(%d): %v", i, err)
		}
		stored = append(stored, h...)
	}
	mem := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for j, x := range idx {
			out[j] = stored[x]
		}
		return out, nil
	})
	compared := 0
	for _, t := range tlog.NewTiles(height, 0, tree.N) {
		// Full tiles, and the partial tiles of this size (NewTiles also
		// lists every smaller width, which a log need not keep).
		if t.W != 1<<height {
			if int64(t.W) != (tree.N>>(uint(height*t.L)))%(1<<height) {
				continue
			}
		}
		want, err := tlog.ReadTileData(t, mem)
		if err != nil {
			fail("tlog.ReadTileData(%s): %v", t.Path(), err)
		}
		have, err := os.ReadFile(filepath.Join(dir, c2spPath(t)))
		if err != nil {
			fail("%v", err)
		}
		if !bytes.Equal(have, want) {
			fail("%s differs from tlog's tile", c2spPath(t))
		}
		compared++
	}

	// Consistency with an older checkpoint.
	if len(os.Args) == 4 {
		old, err := os.ReadFile(os.Args[3])
		if err != nil {
			fail("reading the old checkpoint: %v", err)
		}
		_, oldTree := openCheckpoint(old, verifier)
		if oldTree.N > tree.N {
			fail("old checkpoint size %d > %d", oldTree.N, tree.N)
		}
		proof, err := tlog.ProveTree(tree.N, oldTree.N, hr)
		if err != nil {
			fail("tlog.ProveTree: %v", err)
		}
		if err := tlog.CheckTree(proof, tree.N, tree.Hash, oldTree.N, oldTree.Hash); err != nil {
			fail("old checkpoint (size %d) is not consistent: %v", oldTree.N, err)
		}
	}
	fmt.Printf("read_tiles: OK: %s size %d, %d entries proved, %d tiles equal tlog's\n",
		origin, tree.N, len(entries), compared)
}
