package server

import "testing"

func TestZone(t *testing.T) {
	loc, err := Zone("Europe/Amsterdam")
	if err != nil || loc.String() != "Europe/Amsterdam" {
		t.Fatalf("Zone(Europe/Amsterdam) = %v, %v", loc, err)
	}
	// The machine's zone is named, never "Local": browsers must know it.
	t.Setenv("TZ", "Asia/Tokyo")
	if loc, err = Zone("local"); err != nil || loc.String() != "Asia/Tokyo" {
		t.Fatalf(`Zone("local") with TZ=Asia/Tokyo = %v, %v`, loc, err)
	}
	if loc, err = Zone(""); err != nil || loc.String() != "Asia/Tokyo" {
		t.Fatalf(`Zone("") = %v, %v`, loc, err)
	}
	if _, err := Zone("Mars/Olympus"); err == nil {
		t.Fatal("an unknown zone was accepted")
	}
}
