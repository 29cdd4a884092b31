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
	if seq, err := VerifyChainFrom(GenesisAnchor, nil); seq != 0 || err != nil {
		t.Errorf("empty log: %d %v", seq, err)
	}
	if seq, err := VerifyChainFrom(GenesisAnchor, chain(5)); seq != 0 || err != nil {
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
		seq, err := VerifyChainFrom(GenesisAnchor, tc.change(chain(5)))
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

// TestActorKindHash: an entry's kind and actor id are in its hash, so no
// entry can be moved to another kind or id unnoticed; an entry without a
// kind keeps the v1 hash of the log before kinds.
func TestActorKindHash(t *testing.T) {
	e := AccessEntry{Seq: 1, At: time.UnixMilli(1000), Kind: ActorReviewerToken, ActorID: "r-1", Who: "student",
		Action: ActionView, Subject: "student st-1", Prev: AccessGenesis}
	h := e.ComputeHash()
	for name, change := range map[string]func(*AccessEntry){
		"kind":     func(e *AccessEntry) { e.Kind = ActorStudent },
		"id":       func(e *AccessEntry) { e.ActorID = "r-2" },
		"kindless": func(e *AccessEntry) { e.Kind, e.ActorID = "", "" },
		// Field boundaries are length-prefixed: "r-1"+"student" is not "r-1s"+"tudent".
		"boundary": func(e *AccessEntry) { e.ActorID, e.Who = "r-1s", "tudent" },
	} {
		c := e
		change(&c)
		if c.ComputeHash() == h {
			t.Errorf("%s: same hash", name)
		}
	}
	old := e
	old.Kind, old.ActorID = ActorUnknown, ""
	legacy := e
	legacy.Kind, legacy.ActorID = "", ""
	if old.ComputeHash() != legacy.ComputeHash() {
		t.Error("kind unknown and no kind hash differently: migrated rows would not verify")
	}

	// Only kind and id make the same actor; the name is a label.
	a := Actor{Kind: ActorStaff, ID: "u-1", Who: "Jansen"}
	for _, b := range []Actor{{Kind: ActorReviewerToken, ID: "u-1", Who: "Jansen"}, {Kind: ActorStaff, ID: "u-2", Who: "Jansen"}} {
		if a.Same(b) {
			t.Errorf("%+v is the same as %+v", a, b)
		}
	}
	if !a.Same(Actor{Kind: ActorStaff, ID: "u-1", Who: "renamed"}) {
		t.Error("a renamed account is another actor")
	}
	if (Actor{Kind: ActorUnknown}).Same(Actor{Kind: ActorUnknown}) || (Actor{Kind: ActorAnonymous}).Same(Actor{Kind: ActorAnonymous}) {
		t.Error("actors without an identity are the same")
	}
}
