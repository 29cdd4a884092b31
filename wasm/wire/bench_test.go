package wire

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"strings"
	"testing"
)

// benchBatch is the benchmarks' batch and the key that signs it.
func benchBatch() (CountBatch, ed25519.PrivateKey) {
	seed := sha256.Sum256([]byte("lokaal bench"))
	return CountBatch{Device: "d-bench", Seq: 1, Build: strings.Repeat("ab", 32), Start: 1767225600000, End: 1767225660000,
		Lines: []LineCount{{Line: "door", In: 1, Out: 1}, {Line: "side", In: 1}}}, ed25519.NewKeyFromSeed(seed[:])
}

// BenchmarkEd25519Verify is the physical bound of ingest: nothing but
// signature checks of a count batch, the message BenchmarkIngest in
// server/httpapi posts (two lines), with nothing decoded or stored.
func BenchmarkEd25519Verify(b *testing.B) {
	batch, priv := benchBatch()
	pub := priv.Public().(ed25519.PublicKey)
	msg := batch.SigningBytes()
	sig := ed25519.Sign(priv, msg)
	for b.Loop() {
		if !ed25519.Verify(pub, msg, sig) {
			b.Fatal("signature does not verify")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifies/s")
}

// BenchmarkDecodeSignedCountBatch is the server's strict decode of the
// batch BenchmarkEd25519Verify verifies, beside it in the ingest path.
func BenchmarkDecodeSignedCountBatch(b *testing.B) {
	batch, priv := benchBatch()
	body, err := json.Marshal(batch.Sign(priv))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := DecodeSignedCountBatch(bytes.NewReader(body)); err != nil {
			b.Fatal(err)
		}
	}
}
