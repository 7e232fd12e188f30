package gm

import (
	"bytes"
	"errors"
	"testing"
)

// TestOpenPrivateKeyNotPKCS8 reaches the parse step of OpenPrivateKey, which
// black-box tests cannot: it needs a blob sealed with the private-key
// additional data around bytes that are not a key.
func TestOpenPrivateKeyNotPKCS8(t *testing.T) {
	r, err := NewKeyring(bytes.Repeat([]byte{0x5a}, MasterKeySize))
	if err != nil {
		t.Fatal(err)
	}
	junk, err := r.Seal([]byte("not pkcs8"), privateKeyAD("seal-001"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.OpenPrivateKey(junk, "seal-001")
	if !errors.Is(err, &Error{Rule: RuleKeyEncoding}) {
		t.Errorf("got %v, want rule %v", err, RuleKeyEncoding)
	}
}
