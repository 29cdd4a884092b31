package server

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// The hash chain shows an entry edited or removed in the middle, but not
// the newest entries deleted, nor an entry edited with every later hash
// recomputed: whoever can write the database can do both. A head signed
// with a key kept out of the database (LOKAAL_AUDIT_KEY, or a key file
// beside it), published (GET /api/v1/audit/head) and kept elsewhere by
// whoever audits, pins the chain up to that entry: `lokaal audit verify
// --head FILE` then finds both tamperings.

// SignedHead is the access log's newest entry, signed: its seq and hash,
// when it was signed, and the Ed25519 public key that signed it.
type SignedHead struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
	At   int64  `json:"at"`  // Unix ms
	Key  string `json:"key"` // base64 raw Ed25519 public key
	Sig  string `json:"sig"` // base64 signature of SigningBytes
}

const headDomain = "lokaal/access-head/v1\n"

// SigningBytes are the bytes the signature covers: a domain line, then the
// seq, hash and time as JSON.
func (h SignedHead) SigningBytes() []byte {
	b, _ := json.Marshal(struct {
		Seq  int64  `json:"seq"`
		Hash string `json:"hash"`
		At   int64  `json:"at"`
	}{h.Seq, h.Hash, h.At})
	return append([]byte(headDomain), b...)
}

// SignHead signs the head (seq, hash) at t.
func SignHead(key ed25519.PrivateKey, seq int64, hash string, t time.Time) SignedHead {
	h := SignedHead{Seq: seq, Hash: hash, At: t.UnixMilli(),
		Key: base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))}
	h.Sig = base64.StdEncoding.EncodeToString(ed25519.Sign(key, h.SigningBytes()))
	return h
}

// ErrHead: the log does not hold the entry a signed head names.
var ErrHead = errors.New("the access log does not match the signed head")

// Verify checks the signature with the head's own key; compare Key with
// the key the server publishes.
func (h SignedHead) Verify() error {
	key, err := base64.StdEncoding.DecodeString(h.Key)
	if err != nil || len(key) != ed25519.PublicKeySize {
		return errors.New("the head's key is not a base64 Ed25519 public key")
	}
	sig, err := base64.StdEncoding.DecodeString(h.Sig)
	if err != nil || !ed25519.Verify(key, h.SigningBytes(), sig) {
		return errors.New("the head's signature does not verify")
	}
	return nil
}

// CheckHead checks a verified chain (anchor and entries, as VerifyChainFrom
// accepted them) against a head kept elsewhere: the entry at the head's seq
// must be there with the head's hash. A head older than the anchor names
// an entry retention deleted, which cannot be compared.
func CheckHead(h SignedHead, anchor AccessAnchor, entries []AccessEntry) error {
	switch {
	case h.Seq < anchor.Seq:
		return nil
	case h.Seq == anchor.Seq:
		if h.Hash != anchor.Hash {
			return fmt.Errorf("%w: entry %d (the anchor) has another hash", ErrHead, h.Seq)
		}
		return nil
	}
	for _, e := range entries {
		if e.Seq == h.Seq {
			if e.Hash != h.Hash {
				return fmt.Errorf("%w: entry %d was changed (and the chain after it recomputed)", ErrHead, h.Seq)
			}
			return nil
		}
	}
	last := anchor.Seq
	if len(entries) > 0 {
		last = entries[len(entries)-1].Seq
	}
	return fmt.Errorf("%w: it names entry %d, the log ends at %d: newer entries were deleted", ErrHead, h.Seq, last)
}
