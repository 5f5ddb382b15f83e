// Command gocheck verifies a running lotproof log with Go's own implementations of the formats
// lotproof promises (SPEC §4 and §5): golang.org/x/mod/sumdb/note for the C2SP signed-note
// checkpoint and verifier key, golang.org/x/mod/sumdb/tlog for RFC 6962 hashing, inclusion and
// consistency proofs and hash tiles. It is test data for test/interop/go.test.ts, built in
// GOPATH mode against Debian's golang-golang-x-mod-dev (x/mod 0.7.0), so it needs no network.
//
// Usage: go run main.go -url http://127.0.0.1:8080
// Prints one "ok ..." line and exits 0 when everything verifies; prints "FAIL: ..." and exits 1.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

var base string
var client = &http.Client{Timeout: 30 * time.Second}

func fail(format string, args ...interface{}) {
	fmt.Printf("FAIL: "+format+"\n", args...)
	os.Exit(1)
}

func get(path string) []byte {
	res, err := client.Get(base + path)
	if err != nil {
		fail("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		fail("GET %s: %v", path, err)
	}
	if res.StatusCode != 200 {
		fail("GET %s: status %d: %s", path, res.StatusCode, body)
	}
	return body
}

func decodeHash(s string) tlog.Hash {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != tlog.HashSize {
		fail("%q is not a base64 SHA-256 hash", s)
	}
	var h tlog.Hash
	copy(h[:], b)
	return h
}

// checkpoint is the body of a c2sp.org/tlog-checkpoint: origin, size and root lines.
type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

func openCheckpoint(msg []byte, v note.Verifier) checkpoint {
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		fail("note.Open of the checkpoint: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(n.Text, "\n"), "\n")
	if len(lines) < 3 {
		fail("the checkpoint has %d lines", len(lines))
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 {
		fail("the checkpoint size %q is not a number", lines[1])
	}
	return checkpoint{origin: lines[0], size: size, root: decodeHash(lines[2])}
}

type proofAnswer struct {
	Hashes []string `json:"hashes"`
}

func proofHashes(path string) []tlog.Hash {
	var p proofAnswer
	if err := json.Unmarshal(get(path), &p); err != nil {
		fail("GET %s: %v", path, err)
	}
	out := make([]tlog.Hash, len(p.Hashes))
	for i, h := range p.Hashes {
		out[i] = decodeHash(h)
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

// cpath turns Go's sumdb tile path tile/H/L/N[.p/W] into the C2SP tlog-tiles tile/L/N[.p/W].
func cpath(t tlog.Tile) string {
	return "tile/" + strings.TrimPrefix(t.Path(), "tile/8/")
}

func main() {
	flag.StringVar(&base, "url", "", "base URL of the lotproof service")
	flag.Parse()
	base = strings.TrimSuffix(base, "/")
	if base == "" {
		fail("-url is required")
	}

	// The verifier key string and the signed checkpoint (signed-note, tlog-checkpoint).
	vkey := strings.TrimSpace(string(get("/log/key")))
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		fail("note.NewVerifier(%q): %v", vkey, err)
	}
	msg := get("/log/checkpoint")
	cp := openCheckpoint(msg, verifier)
	if cp.origin != verifier.Name() {
		fail("the checkpoint origin %q is not the key name %q", cp.origin, verifier.Name())
	}
	// A single flipped bit in the signature must make Go refuse the note.
	bad := append([]byte(nil), msg...)
	bad[len(bad)-10] ^= 0x01
	if _, err := note.Open(bad, note.VerifierList(verifier)); err == nil {
		fail("note.Open accepted a checkpoint with a corrupted signature")
	}

	// Every leaf, through /log/entries, into Go's stored-hash layout.
	var leaves [][]byte
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			if x < 0 || x >= int64(len(stored)) {
				return nil, fmt.Errorf("no stored hash %d", x)
			}
			out[i] = stored[x]
		}
		return out, nil
	})
	prev := make([]byte, 32)
	for int64(len(leaves)) < cp.size {
		page := get(fmt.Sprintf("/log/entries?start=%d&limit=1000", len(leaves)))
		lines := bytes.Split(bytes.TrimSuffix(page, []byte("\n")), []byte("\n"))
		if len(page) == 0 || len(lines) == 0 {
			fail("/log/entries ended at %d of %d", len(leaves), cp.size)
		}
		for _, leaf := range lines {
			n := int64(len(leaves))
			if n >= cp.size {
				break
			}
			var e struct {
				Seq  int64  `json:"seq"`
				Prev string `json:"prev"`
			}
			if err := json.Unmarshal(leaf, &e); err != nil {
				fail("entry %d is not JSON: %v", n, err)
			}
			if e.Seq != n || e.Prev != base64.StdEncoding.EncodeToString(prev) {
				fail("entry %d: seq %d, prev %s do not chain", n, e.Seq, e.Prev)
			}
			sum := sha256.Sum256(leaf)
			prev = sum[:]
			hashes, err := tlog.StoredHashes(n, leaf, reader)
			if err != nil {
				fail("tlog.StoredHashes(%d): %v", n, err)
			}
			stored = append(stored, hashes...)
			leaves = append(leaves, append([]byte(nil), leaf...))
		}
	}
	root, err := tlog.TreeHash(cp.size, reader)
	if err != nil {
		fail("tlog.TreeHash: %v", err)
	}
	if root != cp.root {
		fail("tlog.TreeHash of the %d leaves is %s, the checkpoint says %s", cp.size, root, cp.root)
	}

	// Inclusion proofs: they verify with tlog.CheckRecord and equal Go's own ProveRecord.
	step := int64(1)
	if cp.size > 400 {
		step = 7
	}
	inclusions := 0
	for i := int64(0); i < cp.size; i += step {
		proof := proofHashes(fmt.Sprintf("/log/proof/inclusion?index=%d&size=%d", i, cp.size))
		if err := tlog.CheckRecord(proof, cp.size, cp.root, i, tlog.RecordHash(leaves[i])); err != nil {
			fail("inclusion proof of %d in %d: %v", i, cp.size, err)
		}
		mine, err := tlog.ProveRecord(cp.size, i, reader)
		if err != nil || !sameHashes(mine, proof) {
			fail("the inclusion proof of %d in %d differs from tlog.ProveRecord", i, cp.size)
		}
		inclusions++
	}
	if cp.size > 1 {
		wrong := tlog.RecordHash(leaves[1])
		if tlog.CheckRecord(proofHashes(fmt.Sprintf("/log/proof/inclusion?index=0&size=%d", cp.size)), cp.size, cp.root, 0, wrong) == nil {
			fail("tlog.CheckRecord accepted the wrong leaf")
		}
	}

	// Consistency proofs from many older sizes: tlog.CheckTree and equality with tlog.ProveTree.
	consistencies := 0
	for m := int64(1); m <= cp.size; m += 1 + m/3 {
		oldRoot, err := tlog.TreeHash(m, reader)
		if err != nil {
			fail("tlog.TreeHash(%d): %v", m, err)
		}
		proof := proofHashes(fmt.Sprintf("/log/proof/consistency?old=%d&new=%d", m, cp.size))
		if err := tlog.CheckTree(proof, cp.size, cp.root, m, oldRoot); err != nil {
			fail("consistency proof %d -> %d: %v", m, cp.size, err)
		}
		mine, err := tlog.ProveTree(cp.size, m, reader)
		if err != nil || !sameHashes(mine, proof) {
			fail("the consistency proof %d -> %d differs from tlog.ProveTree", m, cp.size)
		}
		if m > 1 && m < cp.size && tlog.CheckTree(proof, cp.size, cp.root, m, tlog.RecordHash(leaves[0])) == nil {
			fail("tlog.CheckTree accepted a wrong old root")
		}
		consistencies++
	}

	// c2sp.org/tlog-proof receipts: the note opens with Go, and the proof checks with Go.
	receipts := 0
	for _, i := range []int64{0, cp.size / 2, cp.size - 1} {
		text := string(get(fmt.Sprintf("/log/receipt/%d", i)))
		head, rest, ok := strings.Cut(text, "\n\n")
		if !ok {
			fail("receipt %d has no blank line", i)
		}
		lines := strings.Split(head, "\n")
		if lines[0] != "c2sp.org/tlog-proof@v1" {
			fail("receipt %d starts with %q", i, lines[0])
		}
		lines = lines[1:]
		if len(lines) > 0 && strings.HasPrefix(lines[0], "extra ") {
			lines = lines[1:]
		}
		if len(lines) == 0 || lines[0] != fmt.Sprintf("index %d", i) {
			fail("receipt %d: bad index line", i)
		}
		var proof []tlog.Hash
		for _, l := range lines[1:] {
			proof = append(proof, decodeHash(l))
		}
		rcp := openCheckpoint([]byte(rest), verifier)
		if err := tlog.CheckRecord(proof, rcp.size, rcp.root, i, tlog.RecordHash(leaves[i])); err != nil {
			fail("receipt %d: %v", i, err)
		}
		receipts++
	}

	// Hash tiles, byte for byte against tlog.ReadTileData, and entry bundles against the leaves.
	tiles := 0
	bundles := 0
	for _, t := range tlog.NewTiles(8, 0, cp.size) {
		want, err := tlog.ReadTileData(t, reader)
		if err != nil {
			fail("tlog.ReadTileData(%s): %v", t.Path(), err)
		}
		got := get("/log/" + cpath(t))
		if !bytes.Equal(got, want) {
			fail("%s differs from tlog.ReadTileData (%d vs %d bytes)", cpath(t), len(got), len(want))
		}
		tiles++
		if t.L != 0 {
			continue
		}
		bundlePath := "/log/tile/entries/" + strings.TrimPrefix(cpath(t), "tile/0/")
		bundle := get(bundlePath)
		for k := 0; k < t.W; k++ {
			if len(bundle) < 2 {
				fail("%s is truncated at entry %d", bundlePath, k)
			}
			n := int(binary.BigEndian.Uint16(bundle))
			if len(bundle) < 2+n || !bytes.Equal(bundle[2:2+n], leaves[t.N*256+int64(k)]) {
				fail("%s entry %d is not leaf %d", bundlePath, k, t.N*256+int64(k))
			}
			bundle = bundle[2+n:]
		}
		if len(bundle) != 0 {
			fail("%s has %d bytes after its %d entries", bundlePath, len(bundle), t.W)
		}
		bundles++
	}

	fmt.Printf("ok %s: checkpoint of size %d verified with %s; root recomputed; %d inclusion proofs, %d consistency proofs, %d receipts, %d hash tiles and %d entry bundles verified\n",
		cp.origin, cp.size, vkey, inclusions, consistencies, receipts, tiles, bundles)
}
