// Makes private_bundle_vector.json: one sealed private bundle part laid out
// from docs/REPLICAS.md alone, with Go's standard library (crypto/aes,
// crypto/cipher, crypto/hmac, crypto/sha256), sharing no code with keytrail.
//
//	GO111MODULE=off go run gen_private_bundle_vector.go > private_bundle_vector.json
package main

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
)

type update struct {
	Account  string  `json:"account"`
	Opening  string  `json:"opening_hex"`
	KeySet   string  `json:"key_set_hex"`
	VrfProof *string `json:"vrf_proof_hex"`
}

func u16(b []byte, v int) []byte    { return binary.BigEndian.AppendUint16(b, uint16(v)) }
func u32(b []byte, v int) []byte    { return binary.BigEndian.AppendUint32(b, uint32(v)) }
func u64(b []byte, v uint64) []byte { return binary.BigEndian.AppendUint64(b, v) }

func mac(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)
}

func fill(b byte, n int) []byte { return []byte(strings.Repeat(string([]byte{b}), n)) }

func main() {
	replicaKey := make([]byte, 32)
	for i := range replicaKey {
		replicaKey[i] = byte(i)
	}
	origin := "example.com/keytrail"
	epoch := uint64(1234067)
	part := 2
	firstLogIndex := uint64(300)
	proof := fill(0xab, 81)
	proof[0] = 0x02
	proofHex := hex.EncodeToString(proof)
	// alice's key set: no account key, one device "phone" with key 010203.
	keySetA := []byte{1, 0, 0, 1, 5, 'p', 'h', 'o', 'n', 'e', 0, 3, 1, 2, 3}
	// the empty key set (deactivation).
	keySetB := []byte{1, 0, 0, 0}
	updates := []update{
		{"alice@example.com", hex.EncodeToString(fill(0x11, 32)), hex.EncodeToString(keySetA), &proofHex},
		{"bob", hex.EncodeToString(fill(0x22, 16)), hex.EncodeToString(keySetB), nil},
	}

	var pt []byte
	pt = append(pt, 1) // format
	pt = u64(pt, epoch)
	pt = u32(pt, part)
	pt = u64(pt, firstLogIndex)
	pt = u16(pt, len(updates))
	for _, u := range updates {
		op, _ := hex.DecodeString(u.Opening)
		ks, _ := hex.DecodeString(u.KeySet)
		pt = u16(pt, len(u.Account))
		pt = append(pt, u.Account...)
		pt = append(pt, byte(len(op)))
		pt = append(pt, op...)
		pt = u32(pt, len(ks))
		pt = append(pt, ks...)
		if u.VrfProof != nil {
			p, _ := hex.DecodeString(*u.VrfProof)
			pt = append(pt, 1)
			pt = append(pt, p...)
		} else {
			pt = append(pt, 0)
		}
	}

	var aad []byte
	aad = append(aad, "keytrail private bundle v1"...)
	aad = append(aad, 0)
	aad = u16(aad, len(origin))
	aad = append(aad, origin...)
	aad = u64(aad, epoch)
	aad = u32(aad, part)

	encKey := mac(replicaKey, []byte("keytrail private bundle v1 encryption"))
	nonceKey := mac(replicaKey, []byte("keytrail private bundle v1 nonce"))
	nonce := mac(nonceKey, append(append([]byte{}, aad...), pt...))[:12]
	block, err := aes.NewCipher(encKey)
	if err != nil {
		panic(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	sealed := append([]byte{1}, nonce...)
	sealed = gcm.Seal(sealed, nonce, pt, aad)

	out := map[string]interface{}{
		"source":             "testdata/gen_private_bundle_vector.go (Go standard library only), from docs/REPLICAS.md",
		"replica_key_hex":    hex.EncodeToString(replicaKey),
		"origin":             origin,
		"epoch":              epoch,
		"part":               part,
		"first_log_index":    firstLogIndex,
		"updates":            updates,
		"plaintext_hex":      hex.EncodeToString(pt),
		"aad_hex":            hex.EncodeToString(aad),
		"encryption_key_hex": hex.EncodeToString(encKey),
		"nonce_key_hex":      hex.EncodeToString(nonceKey),
		"nonce_hex":          hex.EncodeToString(nonce),
		"sealed_hex":         hex.EncodeToString(sealed),
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		panic(err)
	}
}
