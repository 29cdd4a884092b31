package server

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// AccessGenesis is the prev of the access log's first entry.
var AccessGenesis = strings.Repeat("0", 64)

// accessDomain separates the access log's hashes from every other hash
// lokaal computes, so no other signed or hashed value can pass for an entry.
// v1 entries predate actor kinds; v2 entries also cover the kind and id.
const (
	accessDomain   = "lokaal access log v1\x00"
	accessDomainV2 = "lokaal access log v2\x00"
)

// ActorKind is what kind of credential made an entry. A name alone can be
// chosen by whoever creates an account or a reviewer token ("student",
// "lokaal (automatic)", "admin"); the kind comes from how the caller
// authenticated, so no name can pass for another kind of actor.
type ActorKind string

const (
	ActorStaff         ActorKind = "staff"          // a staff account; ID is the user's id
	ActorAdminToken    ActorKind = "admin_token"    // ID: AdminTokenID of the token
	ActorReviewerToken ActorKind = "reviewer_token" // ID is the reviewer token's id
	ActorStudent       ActorKind = "student"        // ID is the student's id, their only name in the log
	ActorSystem        ActorKind = "system"         // lokaal itself; ID names the part ("retention", "deletion", "oidc", "cli")
	ActorAnonymous     ActorKind = "anonymous"      // not authenticated: a refused login
	// ActorUnknown marks entries written before kinds were recorded; no
	// new entry may have it.
	ActorUnknown ActorKind = "unknown"
)

// Known reports whether k is a kind a new entry may have.
func (k ActorKind) Known() bool {
	switch k {
	case ActorStaff, ActorAdminToken, ActorReviewerToken, ActorStudent, ActorSystem, ActorAnonymous:
		return true
	}
	return false
}

// legacy reports whether an entry predates actor kinds (hashed as v1).
func (k ActorKind) legacy() bool { return k == "" || k == ActorUnknown }

// AdminTokenID names the admin token in the log: the first 16 hex digits
// of its SHA-256, enough to tell a rotated token from the one before, and
// no help in guessing it.
func AdminTokenID(tokenHash []byte) string { return hex.EncodeToString(tokenHash)[:16] }

// AccessEntry is one line of the append-only access log: who did what to
// which subject, when and why. Hash covers every other field, Prev is the
// previous entry's Hash, so editing, removing or reordering a stored entry
// breaks the chain from that entry on.
type AccessEntry struct {
	Seq int64     `json:"seq"`
	At  time.Time `json:"at"`
	// Kind and ActorID say who acted; Who is only a label for people
	// (an account's or reviewer's name), never proof of the kind.
	Kind    ActorKind `json:"actor_kind"`
	ActorID string    `json:"actor_id"`
	Who     string    `json:"who"`
	Action  string    `json:"action"`
	Subject string    `json:"subject"`
	Reason  string    `json:"reason"`
	Prev    string    `json:"prev"`
	Hash    string    `json:"hash"`
}

// Access log actions.
const (
	ActionView              = "view"
	ActionExportCounts      = "export counts"
	ActionReadAccessLog     = "read access log"
	ActionExportAccessLog   = "export access log"
	ActionAddMark           = "add mark"
	ActionRemoveMark        = "remove mark"
	ActionAddNote           = "add note"
	ActionCreateExam        = "create exam"
	ActionUpdateExam        = "update exam"
	ActionSetAccommodations = "set accommodations"
	ActionImportStudents    = "import students"
	ActionReadStudents      = "read students"
	ActionCreateReviewer    = "create reviewer"
	ActionRevokeReviewer    = "revoke reviewer"
	ActionAssignReviewers   = "assign reviewers"
)

// ComputeHash is the lowercase hex SHA-256 of the entry's canonical
// encoding: the domain, seq and at (Unix milliseconds) as 8 big-endian
// bytes, then (v2) kind and actor id, then who, action, subject, reason and
// prev, each as a 4-byte big-endian length and its bytes. Hash itself is
// not covered. Entries without a kind (written before kinds existed) keep
// their v1 hash, so an old log still verifies.
func (e AccessEntry) ComputeHash() string {
	h := sha256.New()
	var n [8]byte
	fields := []string{e.Who, e.Action, e.Subject, e.Reason, e.Prev}
	if e.Kind.legacy() {
		h.Write([]byte(accessDomain))
	} else {
		h.Write([]byte(accessDomainV2))
		fields = append([]string{string(e.Kind), e.ActorID}, fields...)
	}
	binary.BigEndian.PutUint64(n[:], uint64(e.Seq))
	h.Write(n[:])
	binary.BigEndian.PutUint64(n[:], uint64(e.At.UnixMilli()))
	h.Write(n[:])
	for _, s := range fields {
		binary.BigEndian.PutUint32(n[:4], uint32(len(s)))
		h.Write(n[:4])
		h.Write([]byte(s))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Actor is who makes a change, and when, for its access-log entry: the
// kind of credential, its id, a label for people, and the time.
type Actor struct {
	Kind ActorKind
	ID   string
	Who  string
	At   time.Time
}

// Same reports whether a and b are the same actor: kind and id, never the
// label.
func (a Actor) Same(b Actor) bool {
	return a.Kind.Known() && a.ID != "" && a.Kind == b.Kind && a.ID == b.ID
}

// Entry is a's entry for action on subject.
func (a Actor) Entry(action, subject, reason string) AccessEntry {
	return AccessEntry{At: a.At, Kind: a.Kind, ActorID: a.ID, Who: a.Who, Action: action, Subject: subject, Reason: reason}
}

// ErrAccessChain is the error VerifyChainFrom wraps.
var ErrAccessChain = errors.New("access log chain broken")

// AccessAnchor is where the stored log starts: the seq and hash of the last
// entry the retention engine deleted, and its time. Before any deletion it
// is GenesisAnchor, so the first stored entry is seq 1 with prev
// AccessGenesis.
type AccessAnchor struct {
	Seq  int64     `json:"seq"`
	Hash string    `json:"hash"`
	At   time.Time `json:"at"`
}

// GenesisAnchor is the anchor of a log nothing was deleted from.
var GenesisAnchor = AccessAnchor{Seq: 0, Hash: AccessGenesis}

// VerifyChainFrom checks the access log kept after the retention engine
// deleted the entries up to the anchor (GenesisAnchor if it deleted none),
// oldest first: seqs run from the anchor's seq+1 without a gap, each prev
// is the previous entry's hash (the anchor's for the first), each hash is
// the entry's own, and once an entry has an actor kind no later one lacks
// it (an entry cannot be rewritten into the older, kindless form). It
// returns the seq of the first entry that fails, 0 when all hold. A
// removed last entry cannot be seen this way; compare the head with one
// recorded elsewhere. Removing entries
// from the start and moving the anchor with them is what retention does, so
// it cannot be told from tampering here; each retention run's own entry
// names the anchor it set, which verify checks.
func VerifyChainFrom(anchor AccessAnchor, entries []AccessEntry) (firstBad int64, err error) {
	prev, want := anchor.Hash, anchor.Seq+1
	kinds := false
	for _, e := range entries {
		switch {
		case kinds && e.Kind.legacy():
			return want, fmt.Errorf("%w: entry %d has no actor kind, after entries that have one", ErrAccessChain, want)
		case !e.Kind.legacy() && !e.Kind.Known():
			return want, fmt.Errorf("%w: entry %d has an unknown actor kind %q", ErrAccessChain, want, e.Kind)
		case e.Seq != want:
			return want, fmt.Errorf("%w: expected seq %d, found seq %d", ErrAccessChain, want, e.Seq)
		case e.Prev != prev && want == anchor.Seq+1 && anchor.Seq > 0:
			return want, fmt.Errorf("%w: prev is not the anchor's hash (entry %d, deleted by retention)", ErrAccessChain, want-1)
		case e.Prev != prev:
			return want, fmt.Errorf("%w: prev is not the hash of entry %d", ErrAccessChain, want-1)
		case e.Hash != e.ComputeHash():
			return want, fmt.Errorf("%w: the hash does not match the entry's content", ErrAccessChain)
		}
		prev, want, kinds = e.Hash, want+1, kinds || !e.Kind.legacy()
	}
	return 0, nil
}

// RunSubject is the subject of a retention run's access-log entry: the
// deletion record and the anchor the run left, which CheckAnchor compares
// with the stored one.
func RunSubject(record int64, a AccessAnchor) string {
	return fmt.Sprintf("deletion record %d; access log anchor seq %d hash %s", record, a.Seq, a.Hash)
}

// CheckAnchor compares the stored anchor with the one the latest retention
// run's entry in entries names (GenesisAnchor when none does). A run moves
// the anchor and appends its entry in one transaction, so they differ only
// when entries were deleted and the anchor moved behind the API's back, or
// when that run's entry itself was deleted.
func CheckAnchor(stored AccessAnchor, entries []AccessEntry) error {
	named := GenesisAnchor
	for _, e := range entries {
		if e.Action != ActionRetentionRun || e.Who != RetentionWho || !(e.Kind.legacy() || e.Kind == ActorSystem) {
			continue
		}
		var id int64
		var a AccessAnchor
		if _, err := fmt.Sscanf(e.Subject, "deletion record %d; access log anchor seq %d hash %s", &id, &a.Seq, &a.Hash); err == nil {
			named = a
		}
	}
	if stored.Seq != named.Seq || stored.Hash != named.Hash {
		return fmt.Errorf("%w: the anchor (seq %d) is not the one the latest retention run recorded (seq %d)", ErrAccessChain, stored.Seq, named.Seq)
	}
	return nil
}

// AccessLog keeps the append-only, hash-chained access log. There is no
// method that edits or deletes an entry.
type AccessLog interface {
	// Access appends e in one write transaction that reads the stored
	// head, so concurrent appends from any connection form one chain. It
	// sets Seq, Prev and Hash, rounds At to the millisecond (now when
	// zero) and returns the stored entry.
	Access(ctx context.Context, e AccessEntry) (AccessEntry, error)
	// AccessEntries returns up to limit entries (all when limit <= 0) with
	// seq >= from, oldest first.
	AccessEntries(ctx context.Context, from int64, limit int) ([]AccessEntry, error)
	// AccessAnchor returns where the stored log starts: GenesisAnchor until
	// the retention engine deletes entries.
	AccessAnchor(ctx context.Context) (AccessAnchor, error)
	// AccessHead returns the newest entry's seq and hash, or the anchor's
	// when no entry is kept.
	AccessHead(ctx context.Context) (seq int64, hash string, err error)
}

// SystemActor is lokaal itself acting: part names which part ("retention",
// "deletion", "oidc", "cli"), who is the label shown.
func SystemActor(part, who string, at time.Time) Actor {
	return Actor{Kind: ActorSystem, ID: part, Who: who, At: at}
}

// StudentActor is a student acting through their link, named by id only.
func StudentActor(student string, at time.Time) Actor {
	return Actor{Kind: ActorStudent, ID: student, Who: WhoStudent, At: at}
}
