package server

import (
	"errors"
	"testing"
)

// A not-found error with its own code is still not found to every caller
// that asks only that.
func TestUnknownIsNotFound(t *testing.T) {
	for name, err := range map[string]error{"ErrUnknownSession": ErrUnknownSession, "ErrUnknownDevice": ErrUnknownDevice} {
		if !errors.Is(err, ErrNotFound) || errors.Is(ErrNotFound, err) {
			t.Errorf("%s must be an ErrNotFound, not the reverse", name)
		}
	}
	if errors.Is(ErrUnknownDevice, ErrUnknownSession) || errors.Is(ErrUnknownSession, ErrUnknownDevice) {
		t.Error("a device is not a session")
	}
}
