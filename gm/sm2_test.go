package gm_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"regexp"
	"strings"
	"testing"

	"huitong/gm"
)

func mustKey(t testing.TB) *gm.PrivateKey {
	t.Helper()
	k, err := gm.GenerateKey()
	if err != nil {
		t.Fatalf("GenerateKey: %v", err)
	}
	return k
}

func wantRule(t *testing.T, err error, rule string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got nil error, want rule %v", rule)
	}
	var ge *gm.Error
	if !errors.As(err, &ge) {
		t.Fatalf("got error %T (%v), want *gm.Error", err, err)
	}
	if ge.Rule != rule {
		t.Fatalf("got rule %v (%v), want %v", ge.Rule, err, rule)
	}
	if !errors.Is(err, &gm.Error{Rule: rule}) {
		t.Errorf("errors.Is(err, rule %v): got false, want true", rule)
	}
}

func TestSignVerify(t *testing.T) {
	k := mustKey(t)
	other := mustKey(t)
	msg := []byte("电子证照 1.2.156.3005.2.11100000000013338W011.11110000000021135M.20230329701.003.Y")
	sig, err := k.Sign(msg)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	tamperedSig := bytes.Clone(sig)
	tamperedSig[len(tamperedSig)-1] ^= 1
	tamperedMsg := bytes.Clone(msg)
	tamperedMsg[0] ^= 1

	tests := []struct {
		name string
		pub  *gm.PublicKey
		msg  []byte
		sig  []byte
		want bool
	}{
		{"OK", k.Public(), msg, sig, true},
		{"ErrTamperedMessage", k.Public(), tamperedMsg, sig, false},
		{"ErrTruncatedMessage", k.Public(), msg[:len(msg)-1], sig, false},
		{"ErrWrongKey", other.Public(), msg, sig, false},
		{"ErrTamperedSignature", k.Public(), msg, tamperedSig, false},
		{"ErrTruncatedSignature", k.Public(), msg, sig[:len(sig)-1], false},
		{"ErrTrailingBytes", k.Public(), msg, append(bytes.Clone(sig), 0), false},
		{"ErrEmptySignature", k.Public(), msg, nil, false},
		{"ErrNilKey", nil, msg, sig, false},
		{"ErrZeroKey", &gm.PublicKey{}, msg, sig, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.pub.Verify(tt.msg, tt.sig); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if got := tt.pub.VerifyString(string(tt.msg), tt.sig); got != tt.want {
				t.Errorf("VerifyString: got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSignRandomised(t *testing.T) {
	k := mustKey(t)
	msg := []byte("checkpoint 42")
	a, err := k.Sign(msg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := k.Sign(msg)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, b) {
		t.Errorf("got two equal signatures %x, want different (random k)", a)
	}
	for i, sig := range [][]byte{a, b} {
		if !k.Public().Verify(msg, sig) {
			t.Errorf("signature %d: got false, want true", i)
		}
	}
}

func TestSignEmptyKey(t *testing.T) {
	var k *gm.PrivateKey
	_, err := k.Sign([]byte("x"))
	wantRule(t, err, gm.RuleKeyMissing)
	_, err = (&gm.PrivateKey{}).Sign([]byte("x"))
	wantRule(t, err, gm.RuleKeyMissing)
}

func TestPublicKeyPEMRoundTrip(t *testing.T) {
	k := mustKey(t)
	pub := k.Public()
	p := pub.PEM()
	if got, want := string(p), "-----BEGIN PUBLIC KEY-----\n"; !strings.HasPrefix(got, want) {
		t.Fatalf("got PEM %q, want prefix %q", got, want)
	}
	back, err := gm.ParsePublicKeyPEM(p)
	if err != nil {
		t.Fatalf("ParsePublicKeyPEM: %v", err)
	}
	if !back.Equal(pub) {
		t.Errorf("got key %v, want %v", back, pub)
	}
	if got, want := back.Fingerprint(), pub.Fingerprint(); got != want {
		t.Errorf("Fingerprint: got %v, want %v", got, want)
	}
	if got, want := string(back.PEM()), string(p); got != want {
		t.Errorf("re-encoded PEM: got %v, want %v", got, want)
	}
	sig, err := k.Sign([]byte("m"))
	if err != nil {
		t.Fatal(err)
	}
	if !back.Verify([]byte("m"), sig) {
		t.Errorf("Verify with parsed key: got false, want true")
	}
	if mustKey(t).Public().Equal(pub) {
		t.Errorf("Equal of two fresh keys: got true, want false")
	}
}

func TestFingerprint(t *testing.T) {
	pub := mustKey(t).Public()
	fp := pub.Fingerprint()
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(fp) {
		t.Fatalf("got %q, want 64 lower-case hex digits", fp)
	}
	sum := gm.SM3(pub.DER())
	if want := hex.EncodeToString(sum[:]); fp != want {
		t.Errorf("got %v, want SM3(DER) %v", fp, want)
	}
	if other := mustKey(t).Public().Fingerprint(); other == fp {
		t.Errorf("two keys: got equal fingerprints %v, want different", fp)
	}
	if got := (&gm.PublicKey{}).Fingerprint(); got != "" {
		t.Errorf("zero key: got %q, want empty", got)
	}
}

func TestParsePublicKeyPEMErrors(t *testing.T) {
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p256DER, err := x509.MarshalPKIXPublicKey(&p256.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	edPub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edDER, err := x509.MarshalPKIXPublicKey(edPub)
	if err != nil {
		t.Fatal(err)
	}
	block := func(typ string, der []byte) []byte {
		return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
	}
	good := mustKey(t).Public().DER()

	tests := []struct {
		name string
		in   []byte
		rule string
	}{
		{"ErrEmpty", nil, gm.RulePEM},
		{"ErrNotPEM", good, gm.RulePEM},
		{"ErrWrongBlockType", block("PRIVATE KEY", good), gm.RulePEM},
		{"ErrGarbageDER", block("PUBLIC KEY", []byte{0x30, 0x03, 0x02, 0x01, 0x01}), gm.RuleKeyEncoding},
		{"ErrTruncatedDER", block("PUBLIC KEY", good[:len(good)-3]), gm.RuleKeyEncoding},
		{"ErrP256", block("PUBLIC KEY", p256DER), gm.RuleNotSM2},
		{"ErrEd25519", block("PUBLIC KEY", edDER), gm.RuleNotSM2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := gm.ParsePublicKeyPEM(tt.in)
			wantRule(t, err, tt.rule)
		})
	}
}

func TestPKCS8RoundTrip(t *testing.T) {
	k := mustKey(t)
	der, err := k.MarshalPKCS8()
	if err != nil {
		t.Fatalf("MarshalPKCS8: %v", err)
	}
	back, err := gm.ParsePKCS8(der)
	if err != nil {
		t.Fatalf("ParsePKCS8: %v", err)
	}
	if !back.Public().Equal(k.Public()) {
		t.Errorf("got public key %v, want %v", back.Public(), k.Public())
	}
	der2, err := back.MarshalPKCS8()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(der, der2) {
		t.Errorf("re-encoded PKCS#8 differs from the original")
	}
	// The parsed key signs for the original public key.
	sig, err := back.Sign([]byte("m"))
	if err != nil {
		t.Fatal(err)
	}
	if !k.Public().Verify([]byte("m"), sig) {
		t.Errorf("Verify: got false, want true")
	}
}

func TestParsePKCS8Errors(t *testing.T) {
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p256DER, err := x509.MarshalPKCS8PrivateKey(p256)
	if err != nil {
		t.Fatal(err)
	}
	sec1, err := x509.MarshalECPrivateKey(p256)
	if err != nil {
		t.Fatal(err)
	}
	good, err := mustKey(t).MarshalPKCS8()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   []byte
		rule string
	}{
		{"ErrEmpty", nil, gm.RuleKeyEncoding},
		{"ErrGarbage", []byte("not a key at all"), gm.RuleKeyEncoding},
		{"ErrTruncated", good[:len(good)-5], gm.RuleKeyEncoding},
		{"ErrSEC1", sec1, gm.RuleKeyEncoding},
		{"ErrP256", p256DER, gm.RuleNotSM2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := gm.ParsePKCS8(tt.in)
			wantRule(t, err, tt.rule)
			if h := hex.EncodeToString(tt.in); len(h) > 16 && strings.Contains(strings.ToLower(err.Error()), h[len(h)-16:]) {
				t.Errorf("error %q quotes the input", err)
			}
		})
	}
}
