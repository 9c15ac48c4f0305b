// Generates testdata/tlog_tiles_vectors.json with Go's sumdb/tlog:
//
//	GOPATH=/usr/share/gocode GO111MODULE=off go run gen_tlog_tiles_vectors.go > tlog_tiles_vectors.json
package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/sumdb/tlog"
)

type object struct {
	Path   string `json:"path"`
	Hex    string `json:"hex,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
	Bytes  int    `json:"bytes"`
}

func main() {
	const n = 258
	var entries [][]byte
	var stored []tlog.Hash
	rd := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for j, x := range idx {
			out[j] = stored[x]
		}
		return out, nil
	})
	for i := 0; i < n; i++ {
		e := []byte(fmt.Sprintf("entry-%d", i))
		entries = append(entries, e)
		h, err := tlog.StoredHashes(int64(i), e, rd)
		if err != nil {
			panic(err)
		}
		stored = append(stored, h...)
	}
	root, err := tlog.TreeHash(n, rd)
	if err != nil {
		panic(err)
	}
	var objs []object
	for _, t := range tlog.NewTiles(8, 0, n) {
		if t.W != 256 && int64(t.W) != (int64(n)>>(uint(8*t.L)))%256 {
			continue
		}
		data, err := tlog.ReadTileData(t, rd)
		if err != nil {
			panic(err)
		}
		path := strings.Replace(t.Path(), "tile/8/", "tile/", 1)
		objs = append(objs, object{Path: path, Bytes: len(data)})
		if len(data) <= 128 {
			objs[len(objs)-1].Hex = hex.EncodeToString(data)
		} else {
			s := sha256.Sum256(data)
			objs[len(objs)-1].SHA256 = hex.EncodeToString(s[:])
		}
		if t.L == 0 {
			// The entry bundle of the same coordinates: u16 length prefixes.
			var b []byte
			for i := int64(0); i < int64(t.W); i++ {
				e := entries[t.N*256+i]
				b = append(b, byte(len(e)>>8), byte(len(e)))
				b = append(b, e...)
			}
			bp := strings.Replace(path, "tile/0/", "tile/entries/", 1)
			o := object{Path: bp, Bytes: len(b)}
			if len(b) <= 128 {
				o.Hex = hex.EncodeToString(b)
			} else {
				s := sha256.Sum256(b)
				o.SHA256 = hex.EncodeToString(s[:])
			}
			objs = append(objs, o)
		}
	}
	out := map[string]interface{}{
		"comment":    "C2SP tlog-tiles objects of a log of 258 entries \"entry-0\" .. \"entry-257\" (ASCII), made by Go's golang.org/x/mod/sumdb/tlog (NewTiles/ReadTileData, height 8, its tile/8/ path prefix mapped to tlog-tiles' tile/) and the bundles framed as tlog-tiles says; objects up to 128 bytes in hex, larger ones by SHA-256. Read by core/tiles/tile_vectors_test.cc.",
		"tree_size":  n,
		"root_base64": base64.StdEncoding.EncodeToString(root[:]),
		"objects":    objs,
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	enc.Encode(out)
}
