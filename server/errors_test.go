package server

import (
	"errors"
	"testing"
)

// A not-found error with its own code is still not found to every caller
// that asks only that.
func TestUnknownSessionIsNotFound(t *testing.T) {
	if !errors.Is(ErrUnknownSession, ErrNotFound) || errors.Is(ErrNotFound, ErrUnknownSession) {
		t.Error("ErrUnknownSession must be an ErrNotFound, not the reverse")
	}
}
