package config

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"strings"
	"testing"

	"github.com/lokaal-nl/lokaal/wasm/wire"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

var (
	kiosk = strings.Repeat("a", 64)
	exam  = strings.Repeat("b", 64)
	extra = strings.Repeat("c", 64)
	model = strings.Repeat("d", 64)
)

func TestRead(t *testing.T) {
	c, err := Read(env(map[string]string{
		AdminToken:   "secret-token",
		ReceiptKey:   "seed",
		AuditKey:     " " + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32)) + "\n",
		AllowBuilds:  " " + extra + "," + kiosk,
		FrameOrigins: "https://Exams.Example.org, https://exams.example.org/",
		Objection:    " the board ",
		TimeZone:     "Europe/Amsterdam",
	}), "kiosk.wasm="+kiosk+",exam.wasm="+exam+",blazeface-short.lknn="+model, "abc123")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("secret-token"))
	if string(c.AdminTokenHash) != string(sum[:]) {
		t.Error("admin token hash is not the SHA-256 of the token")
	}
	// The exam's build covers its wasm and its model.
	build, _ := wire.ManifestBuild(map[string]string{"exam.wasm": exam, "blazeface-short.lknn": model})
	if want := []string{kiosk, build, extra}; !slices.Equal(c.Builds, want) {
		t.Errorf("builds %v, want %v", c.Builds, want)
	}
	if c.Served["kiosk.wasm"] != kiosk || c.Served["exam.wasm"] != exam || c.Served["blazeface-short.lknn"] != model || len(c.Served) != 3 {
		t.Errorf("served %v", c.Served)
	}
	if want := []string{"https://exams.example.org"}; !slices.Equal(c.FrameOrigins, want) {
		t.Errorf("frame origins %v, want %v", c.FrameOrigins, want)
	}
	if c.Objection != "the board" || c.ReceiptSeed != "seed" || c.Revision != "abc123" || c.Location.String() != "Europe/Amsterdam" {
		t.Errorf("got %+v", c)
	}
	if c.Location.String() != "Europe/Amsterdam" {
		t.Errorf("time zone %v, want Europe/Amsterdam", c.Location)
	}
	if want := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, 32)); !want.Equal(c.AuditKey) {
		t.Error("the audit key is not the one of LOKAAL_AUDIT_KEY's seed")
	}
}

func TestReadEmpty(t *testing.T) {
	c, err := Read(env(nil), "", "")
	if err != nil {
		t.Fatal(err)
	}
	if c.AdminTokenHash != nil || c.AuditKey != nil || len(c.Builds) != 0 || len(c.FrameOrigins) != 0 || c.Location.String() != "UTC" {
		t.Errorf("an empty environment configures nothing, got %+v", c)
	}
	if c.Location.String() != "UTC" {
		t.Errorf("a Worker has no local zone: the default is UTC, got %v", c.Location)
	}
}

func TestReadRejects(t *testing.T) {
	for name, m := range map[string]map[string]string{
		"build":                {AllowBuilds: "ABC"},
		"origin":               {FrameOrigins: "http://exams.example.org"},
		"path":                 {FrameOrigins: "https://exams.example.org/x"},
		"audit key not base64": {AuditKey: "not base64!"},
		"audit key too short":  {AuditKey: base64.StdEncoding.EncodeToString(make([]byte, 16))},
		"time zone":            {TimeZone: "Europe/Amsterdan"},
	} {
		if _, err := Read(env(m), "", ""); err == nil {
			t.Errorf("%s: %v accepted", name, m)
		}
	}
	if _, err := Read(env(nil), "not-hex", ""); err == nil {
		t.Error("a malformed linked build was accepted")
	}
}
