package replay

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/lokaal-nl/lokaal/wasm/proctor"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// TestSyntheticHour checks what the page would send for the made-up hour:
// 120 summaries of 30 s, each valid, signed, chained and within the body
// limit; every long episode reported as exactly one event of its kind,
// near its times, and nothing else (no short episode, no stall).
func TestSyntheticHour(t *testing.T) {
	res, err := SyntheticHour(1, SyntheticPolicy())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Summaries) != 120 {
		t.Fatalf("%d summaries, want 120", len(res.Summaries))
	}
	pub := ReplayKey().Public().(ed25519.PublicKey)
	prev, total, largest := wire.Genesis, 0, 0
	for i, s := range res.Summaries {
		body, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		total += len(body)
		largest = max(largest, len(body))
		if len(body) > wire.MaxBodyBytes {
			t.Errorf("summary %d: body of %d bytes, over %d", i+1, len(body), wire.MaxBodyBytes)
		}
		if _, err := wire.DecodeSignedSummary(bytes.NewReader(body)); err != nil {
			t.Errorf("summary %d: %v", i+1, err)
		}
		if err := s.Verify(pub); err != nil {
			t.Errorf("summary %d: %v", i+1, err)
		}
		sum := s.Summary
		from := int64(Epoch + i*30_000)
		if sum.Seq != int64(i+1) || sum.Prev != prev || sum.Window != (wire.Window{From: from, To: from + 30_000}) {
			t.Errorf("summary %d: seq %d, prev %s…, window %+v", i+1, sum.Seq, sum.Prev[:8], sum.Window)
		}
		// 5 frames a second.
		if sum.Health.Frames != 150 {
			t.Errorf("summary %d: %d frames, want 150", i+1, sum.Health.Frames)
		}
		prev = sum.Hash()
	}
	if res.BytesSent != total || res.MaxBodyBytes != largest || res.BytesPerHour != total {
		t.Errorf("bytes_sent %d, max_body_bytes %d, bytes_per_hour %d; the bodies add up to %d, the largest %d",
			res.BytesSent, res.MaxBodyBytes, res.BytesPerHour, total, largest)
	}
	if !res.Precheck.FaceFound || !res.Precheck.Microphone || res.Precheck.Baseline <= 0 {
		t.Errorf("precheck %+v: want a face, the microphone and a baseline", res.Precheck)
	}

	var want []Episode
	short := map[wire.Kind]int{}
	for _, e := range res.Episodes {
		if e.Event {
			want = append(want, e)
		} else {
			short[e.Kind]++
		}
	}
	for _, d := range wire.Catalogue {
		if !containsKind(want, d.Kind) {
			t.Errorf("the schedule has no %s event", d.Kind)
		}
	}
	for _, k := range []wire.Kind{wire.FaceAbsent, wire.LookingAway, wire.MultipleFaces, wire.Speech} {
		if short[k] == 0 {
			t.Errorf("the schedule has no %s episode shorter than its threshold", k)
		}
	}
	if len(res.Events) != len(want) {
		t.Errorf("%d events, want one per long episode (%d)", len(res.Events), len(want))
	}
	// An event may start up to Release early (a stray decision just before
	// is bridged) and its ends are a frame or a release off.
	const slack = proctor.Release
	for _, e := range want {
		found := 0
		for _, ev := range res.Events {
			if ev.Kind == e.Kind && ev.Start <= e.End && ev.End >= e.Start {
				found++
				if abs(ev.Start-e.Start) > slack || abs(ev.End-e.End) > slack {
					t.Errorf("%s at %d–%d reported as %d–%d", e.Kind, e.Start, e.End, ev.Start, ev.End)
				}
			}
		}
		if found != 1 {
			t.Errorf("%s at %d–%d: %d events, want 1", e.Kind, e.Start, e.End, found)
		}
	}
	for _, ev := range res.Events {
		if ev.Kind == wire.Paste && ev.End > ev.Start && ev.Peak != 2 {
			t.Errorf("the burst of pastes %+v: peak %g, want 2", ev, ev.Peak)
		}
	}
}

// TestSyntheticHourSeed checks that a seed makes the same session every
// time and another seed another one.
func TestSyntheticHourSeed(t *testing.T) {
	a, err := SyntheticHour(7, SyntheticPolicy())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := SyntheticHour(7, SyntheticPolicy())
	c, _ := SyntheticHour(8, SyntheticPolicy())
	if !reflect.DeepEqual(a, b) {
		t.Error("seed 7 made two different sessions")
	}
	if reflect.DeepEqual(a.Episodes, c.Episodes) {
		t.Error("seeds 7 and 8 made the same schedule")
	}
}

// TestSyntheticHourCommand runs `replay --synthetic-hour` with a policy
// that enables only the page's signals: no camera, no microphone, so no
// face or speech events, and the frames stay 0.
func TestSyntheticHourCommand(t *testing.T) {
	pol := writeFile(t, "policy.json", `{"detectors":[{"kind":"focus_lost"},{"kind":"paste"}],"interval_s":60}`)
	res := runJSON[SyntheticResult](t, "--synthetic-hour", "--seed", "3", "--policy", pol)
	if res.Seed != 3 || len(res.Summaries) != 60 {
		t.Fatalf("seed %d, %d summaries; want seed 3 and 60", res.Seed, len(res.Summaries))
	}
	kinds := map[wire.Kind]bool{}
	for _, e := range res.Events {
		kinds[e.Kind] = true
	}
	if !reflect.DeepEqual(kinds, map[wire.Kind]bool{wire.FocusLost: true, wire.Paste: true}) {
		t.Errorf("event kinds %v, want focus_lost and paste only", kinds)
	}
	for _, s := range res.Summaries {
		if s.Summary.Health.Frames != 0 {
			t.Fatalf("summary %d: %d frames without a camera detector", s.Summary.Seq, s.Summary.Health.Frames)
		}
	}
	var out bytes.Buffer
	if err := Run(context.Background(), []string{"--synthetic-hour", "--video", "x.mjpeg"}, &out, &out); err == nil {
		t.Error("--synthetic-hour with --video: no error")
	}
}

func containsKind(eps []Episode, k wire.Kind) bool {
	for _, e := range eps {
		if e.Kind == k {
			return true
		}
	}
	return false
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
