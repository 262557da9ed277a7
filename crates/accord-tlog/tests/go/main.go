// Command tlogcheck verifies a tiled log written by accord-tlog with the Go
// team's reference packages, golang.org/x/mod/sumdb/note and .../tlog.
//
// Usage: tlogcheck DIR
//
// DIR holds:
//
//	key                     the log's verifier key (name+hexid+base64)
//	checkpoint              the latest signed checkpoint
//	older/<size>            older signed checkpoints of the same log
//	tile/<L>/<N>[.p/<W>]    hash tiles (C2SP layout)
//	tile/entries/<N>...     entry bundles (C2SP layout)
//	proofs.json             inclusion and consistency proofs made by accord-tlog
//
// It checks: every checkpoint's signature (note.Open); every tree hash
// through tlog.TileHashReader, which also authenticates the tiles; every
// entry's record hash against the level 0 tiles and its inclusion proof
// (tlog.ProveRecord / tlog.CheckRecord); consistency of each older
// checkpoint with the latest (tlog.ProveTree / tlog.CheckTree); and that
// accord-tlog's own proofs are accepted by CheckRecord and CheckTree.
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const height = 8

// c2spPath maps Go's tile path (tile/8/L/N, tile/8/data/N) to C2SP's.
func c2spPath(t tlog.Tile) string {
	p := t.Path()
	p = strings.TrimPrefix(p, "tile/8/")
	if strings.HasPrefix(p, "data/") {
		return "tile/entries/" + strings.TrimPrefix(p, "data/")
	}
	return "tile/" + p
}

type dirTiles struct{ dir string }

func (d dirTiles) Height() int { return height }

func (d dirTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		data, err := os.ReadFile(filepath.Join(d.dir, filepath.FromSlash(c2spPath(t))))
		if err != nil {
			return nil, fmt.Errorf("tile %s: %v", c2spPath(t), err)
		}
		out[i] = data
	}
	return out, nil
}

func (d dirTiles) SaveTiles([]tlog.Tile, [][]byte) {}

type checkpoint struct {
	origin string
	tree   tlog.Tree
	// Signatures of keys the verifier list does not know (witness
	// cosignatures), which note.Open must ignore.
	unknown int
}

func openCheckpoint(path string, verifiers note.Verifiers) (checkpoint, error) {
	msg, err := os.ReadFile(path)
	if err != nil {
		return checkpoint{}, err
	}
	n, err := note.Open(msg, verifiers)
	if err != nil {
		return checkpoint{}, fmt.Errorf("%s: note.Open: %v", path, err)
	}
	// tlog.ParseTree only knows the go.sum origin, so parse the C2SP
	// checkpoint body here: origin, size, base64 root.
	lines := strings.Split(strings.TrimSuffix(n.Text, "\n"), "\n")
	if len(lines) < 3 {
		return checkpoint{}, fmt.Errorf("%s: checkpoint has %d lines", path, len(lines))
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		return checkpoint{}, fmt.Errorf("%s: size: %v", path, err)
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil {
		return checkpoint{}, fmt.Errorf("%s: root: %v", path, err)
	}
	return checkpoint{origin: lines[0], tree: tlog.Tree{N: size, Hash: root}, unknown: len(n.UnverifiedSigs)}, nil
}

type proofs struct {
	Inclusion []struct {
		LeafIndex int64    `json:"leaf_index"`
		TreeSize  int64    `json:"tree_size"`
		Hashes    []string `json:"hashes"`
	} `json:"inclusion"`
	Consistency []struct {
		OldSize int64    `json:"old_size"`
		NewSize int64    `json:"new_size"`
		Hashes  []string `json:"hashes"`
	} `json:"consistency"`
}

func hashes(list []string) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(list))
	for i, s := range list {
		h, err := tlog.ParseHash(s)
		if err != nil {
			return nil, err
		}
		out[i] = h
	}
	return out, nil
}

func run(dir string) error {
	vkey, err := os.ReadFile(filepath.Join(dir, "key"))
	if err != nil {
		return err
	}
	v, err := note.NewVerifier(strings.TrimSpace(string(vkey)))
	if err != nil {
		return fmt.Errorf("note.NewVerifier: %v", err)
	}
	verifiers := note.VerifierList(v)
	latest, err := openCheckpoint(filepath.Join(dir, "checkpoint"), verifiers)
	if err != nil {
		return err
	}
	tiles := dirTiles{dir}
	roots := map[int64]tlog.Hash{latest.tree.N: latest.tree.Hash}

	// Tree hash through tiles, and the tiles authenticated by it.
	thr := tlog.TileHashReader(latest.tree, tiles)
	th, err := tlog.TreeHash(latest.tree.N, thr)
	if err != nil {
		return fmt.Errorf("TreeHash(%d): %v", latest.tree.N, err)
	}
	if th != latest.tree.Hash {
		return fmt.Errorf("TreeHash(%d) = %v, checkpoint says %v", latest.tree.N, th, latest.tree.Hash)
	}

	// Every entry: bundle -> record hash -> level 0 tile -> inclusion proof.
	var index int64
	for n := int64(0); index < latest.tree.N; n++ {
		w := latest.tree.N - n*256
		if w > 256 {
			w = 256
		}
		bundle := tlog.Tile{H: height, L: -1, N: n, W: int(w)}
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(c2spPath(bundle))))
		if err != nil {
			return fmt.Errorf("bundle %s: %v", c2spPath(bundle), err)
		}
		for len(data) > 0 {
			if len(data) < 2 {
				return fmt.Errorf("bundle %s truncated", c2spPath(bundle))
			}
			l := int(binary.BigEndian.Uint16(data))
			if len(data) < 2+l {
				return fmt.Errorf("bundle %s truncated", c2spPath(bundle))
			}
			entry := data[2 : 2+l]
			data = data[2+l:]
			rh := tlog.RecordHash(entry)
			stored, err := thr.ReadHashes([]int64{tlog.StoredHashIndex(0, index)})
			if err != nil {
				return fmt.Errorf("record %d: %v", index, err)
			}
			if stored[0] != rh {
				return fmt.Errorf("record %d: bundle entry hashes to %v, tile says %v", index, rh, stored[0])
			}
			p, err := tlog.ProveRecord(latest.tree.N, index, thr)
			if err != nil {
				return fmt.Errorf("ProveRecord(%d): %v", index, err)
			}
			if err := tlog.CheckRecord(p, latest.tree.N, latest.tree.Hash, index, rh); err != nil {
				return fmt.Errorf("CheckRecord(%d): %v", index, err)
			}
			index++
		}
		if index != n*256+w {
			return fmt.Errorf("bundle %s holds %d entries, expected %d", c2spPath(bundle), index-n*256, w)
		}
	}

	// Older checkpoints: signature, their own tree hash through their own
	// (partial) tiles, and consistency with the latest.
	older, err := filepath.Glob(filepath.Join(dir, "older", "*"))
	if err != nil {
		return err
	}
	for _, path := range older {
		old, err := openCheckpoint(path, verifiers)
		if err != nil {
			return err
		}
		if old.origin != latest.origin {
			return fmt.Errorf("%s: origin %q differs from %q", path, old.origin, latest.origin)
		}
		oth, err := tlog.TreeHash(old.tree.N, tlog.TileHashReader(old.tree, tiles))
		if err != nil || oth != old.tree.Hash {
			return fmt.Errorf("%s: TreeHash(%d) = %v, %v", path, old.tree.N, oth, err)
		}
		p, err := tlog.ProveTree(latest.tree.N, old.tree.N, thr)
		if err != nil {
			return fmt.Errorf("ProveTree(%d, %d): %v", latest.tree.N, old.tree.N, err)
		}
		if err := tlog.CheckTree(p, latest.tree.N, latest.tree.Hash, old.tree.N, old.tree.Hash); err != nil {
			return fmt.Errorf("CheckTree(%d, %d): %v", latest.tree.N, old.tree.N, err)
		}
		roots[old.tree.N] = old.tree.Hash
	}

	// accord-tlog's own proofs, checked by the reference.
	raw, err := os.ReadFile(filepath.Join(dir, "proofs.json"))
	if err != nil {
		return err
	}
	var ps proofs
	if err := json.Unmarshal(raw, &ps); err != nil {
		return fmt.Errorf("proofs.json: %v", err)
	}
	for _, ip := range ps.Inclusion {
		root, ok := roots[ip.TreeSize]
		if !ok {
			return fmt.Errorf("inclusion proof for unknown tree size %d", ip.TreeSize)
		}
		hs, err := hashes(ip.Hashes)
		if err != nil {
			return err
		}
		leaf, err := thr.ReadHashes([]int64{tlog.StoredHashIndex(0, ip.LeafIndex)})
		if err != nil {
			return err
		}
		if err := tlog.CheckRecord(tlog.RecordProof(hs), ip.TreeSize, root, ip.LeafIndex, leaf[0]); err != nil {
			return fmt.Errorf("accord inclusion proof %d in %d: %v", ip.LeafIndex, ip.TreeSize, err)
		}
	}
	for _, cp := range ps.Consistency {
		r1, ok1 := roots[cp.OldSize]
		r2, ok2 := roots[cp.NewSize]
		if !ok1 || !ok2 {
			return fmt.Errorf("consistency proof for unknown sizes %d, %d", cp.OldSize, cp.NewSize)
		}
		hs, err := hashes(cp.Hashes)
		if err != nil {
			return err
		}
		if err := tlog.CheckTree(tlog.TreeProof(hs), cp.NewSize, r2, cp.OldSize, r1); err != nil {
			return fmt.Errorf("accord consistency proof %d -> %d: %v", cp.OldSize, cp.NewSize, err)
		}
	}

	// A tampered checkpoint must not open.
	msg, _ := os.ReadFile(filepath.Join(dir, "checkpoint"))
	bad := bytes.Replace(msg, []byte("\n"+strconv.FormatInt(latest.tree.N, 10)+"\n"), []byte("\n"+strconv.FormatInt(latest.tree.N+1, 10)+"\n"), 1)
	if _, err := note.Open(bad, verifiers); err == nil {
		return fmt.Errorf("tampered checkpoint was accepted")
	}

	fmt.Printf("ok: %s size %d, %d records proven, %d older checkpoints consistent, %d+%d accord proofs accepted, %d cosignatures ignored (%s)\n",
		latest.origin, latest.tree.N, index, len(older), len(ps.Inclusion), len(ps.Consistency),
		latest.unknown, base64.StdEncoding.EncodeToString(latest.tree.Hash[:]))
	return nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: tlogcheck DIR")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "tlogcheck:", err)
		os.Exit(1)
	}
}
