package server

import (
	"errors"
	"testing"
	"time"
)

func chain(n int) []AccessEntry {
	prev := AccessGenesis
	var es []AccessEntry
	for i := 1; i <= n; i++ {
		e := AccessEntry{Seq: int64(i), At: time.UnixMilli(int64(1000 * i)), Who: "admin", Action: ActionView, Subject: "student st-1", Prev: prev}
		e.Hash = e.ComputeHash()
		prev = e.Hash
		es = append(es, e)
	}
	return es
}

func TestVerifyChain(t *testing.T) {
	if seq, err := VerifyChain(nil); seq != 0 || err != nil {
		t.Errorf("empty log: %d %v", seq, err)
	}
	if seq, err := VerifyChain(chain(5)); seq != 0 || err != nil {
		t.Errorf("valid log: %d %v", seq, err)
	}
	for name, tc := range map[string]struct {
		change func([]AccessEntry) []AccessEntry
		want   int64
	}{
		"reason edited":  {func(es []AccessEntry) []AccessEntry { es[2].Reason = "x"; return es }, 3},
		"who edited":     {func(es []AccessEntry) []AccessEntry { es[0].Who = "someone"; return es }, 1},
		"time edited":    {func(es []AccessEntry) []AccessEntry { es[3].At = es[3].At.Add(time.Second); return es }, 4},
		"middle removed": {func(es []AccessEntry) []AccessEntry { return append(es[:2:2], es[3:]...) }, 3},
		"first removed":  {func(es []AccessEntry) []AccessEntry { return es[1:] }, 1},
		"two swapped":    {func(es []AccessEntry) []AccessEntry { es[1], es[3] = es[3], es[1]; return es }, 2},
		"rehashed after edit": {func(es []AccessEntry) []AccessEntry {
			es[1].Subject = "student st-2"
			es[1].Hash = es[1].ComputeHash()
			return es
		}, 3},
	} {
		seq, err := VerifyChain(tc.change(chain(5)))
		if seq != tc.want || !errors.Is(err, ErrAccessChain) {
			t.Errorf("%s: broken at %d (%v), want %d", name, seq, err, tc.want)
		}
	}
}

// Each field is length-prefixed, so moving bytes from one field to the
// next changes the hash.
func TestAccessHashCanonical(t *testing.T) {
	a := AccessEntry{Seq: 1, Who: "ad", Action: "min view", Prev: AccessGenesis}
	b := AccessEntry{Seq: 1, Who: "admin", Action: " view", Prev: AccessGenesis}
	if a.ComputeHash() == b.ComputeHash() {
		t.Error("field boundaries are not part of the hash")
	}
	if h := a.ComputeHash(); len(h) != 64 || h != a.ComputeHash() {
		t.Errorf("hash %q", h)
	}
}
